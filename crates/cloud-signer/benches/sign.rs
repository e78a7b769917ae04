//! Signing benchmarks (issue 6): one signature per algorithm on a typical backup-listing
//! request, next to the bare hash/MAC work on the same bytes, so the report shows our
//! overhead over the cryptography itself.
//!
//! ```sh
//! cargo bench -p cloud-signer --bench sign
//! ```
//!
//! Each `floor/*` case does only the crypto our signer cannot avoid, on the exact text the
//! signer produced (taken from its `Display` stages before timing):
//! RPC: HMAC-SHA1 of the string to sign (+ Base64);
//! ACS3 and Huawei: SHA-256 of the payload (ACS3 only, empty body) and of the canonical
//! request, then HMAC-SHA256 of the string to sign (+ hex).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::macros::datetime;

use cloud_signer::Credentials;
use cloud_signer::acs3::{self, Acs3Request};
use cloud_signer::huawei::{self, HuaweiRequest};
use cloud_signer::rpc::{self, CAPITAL_ONLINE_VERSION, RpcFlavor, RpcRequest};

const DATE: OffsetDateTime = datetime!(2024-05-01 08:30:00 UTC);
const NONCE: &str = "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf";

/// Capital Online `DescribeBackups` as the capitalonline-mysql client sends it.
fn capitalonline_request() -> RpcRequest {
    RpcRequest::new("GET")
        .with_param("Action", "DescribeBackups")
        .with_param("Version", CAPITAL_ONLINE_VERSION)
        .with_param("InstanceUuid", "0f3c5b4e-1234-4abc-9def-0123456789ab")
}

/// Alibaba Cloud `DescribeBackups`, one page of 100, with a time window (V2, RPC).
fn aliyun_rpc_request() -> RpcRequest {
    RpcRequest::new("POST")
        .with_param("Action", "DescribeBackups")
        .with_param("Version", "2014-08-15")
        .with_param("Format", "JSON")
        .with_param("RegionId", "cn-hangzhou")
        .with_param("DBInstanceId", "rm-uf6wjk5xxxxxxx")
        .with_param("StartTime", "2024-04-01T00:00Z")
        .with_param("EndTime", "2024-05-01T00:00Z")
        .with_param("PageSize", "100")
        .with_param("PageNumber", "3")
}

/// The same call signed with V3 (`ACS3-HMAC-SHA256`).
fn aliyun_acs3_request() -> Acs3Request {
    Acs3Request::new("POST", "rds.aliyuncs.com")
        .with_action("DescribeBackups")
        .with_version("2014-08-15")
        .with_query_param("RegionId", "cn-hangzhou")
        .with_query_param("DBInstanceId", "rm-uf6wjk5xxxxxxx")
        .with_query_param("StartTime", "2024-04-01T00:00Z")
        .with_query_param("EndTime", "2024-05-01T00:00Z")
        .with_query_param("PageSize", "100")
        .with_query_param("PageNumber", "3")
}

/// Huawei Cloud RDS `ListBackups`, one page of 100.
fn huawei_request() -> HuaweiRequest {
    let project = "0483b6b16e954cb88930a360d2c4e663";
    HuaweiRequest::new(
        "GET",
        "rds.cn-north-4.myhuaweicloud.com",
        format!("/v3/{project}/backups"),
    )
    .with_query_param("instance_id", "43e4feaab48f11e89039fa163ebaa7e4br01")
    .with_query_param("backup_type", "auto")
    .with_query_param("limit", "100")
    .with_query_param("offset", "200")
    .with_header("Content-Type", "application/json")
    .with_project_id(project)
}

fn hmac_sha1_base64(key: &[u8], data: &[u8]) -> String {
    use base64::Engine as _;
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(key).expect("any key length");
    mac.update(data);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

fn sha256_then_hmac_hex(key: &[u8], canonical: &[u8], string_to_sign: &[u8]) -> String {
    let digest = Sha256::digest(canonical);
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("any key length");
    mac.update(string_to_sign);
    let tag = mac.finalize().into_bytes();
    // Both hex encodings the algorithm needs (the hash goes into the string to sign).
    let mut out = hex(&digest);
    out.push_str(&hex(&tag));
    out
}

fn signing(c: &mut Criterion) {
    let capital = Credentials::new("testid", "testsecret");
    let aliyun = Credentials::new("LTAI5tDemoAccessKeyId", "DemoAccessKeySecretNotReal12345");
    let huawei_creds = Credentials::new(
        "HPUAEXAMPLEAK0000000",
        "ExampleSecretKeyNotReal0000000000000000",
    );

    let mut group = c.benchmark_group("sign");
    let request = capitalonline_request();
    group.bench_function("capitalonline_rpc", |b| {
        b.iter(|| {
            rpc::sign(
                RpcFlavor::CapitalOnline,
                black_box(&request),
                &capital,
                DATE,
                NONCE,
            )
        })
    });
    let request = aliyun_rpc_request();
    group.bench_function("aliyun_rpc_v2", |b| {
        b.iter(|| rpc::sign(RpcFlavor::Aliyun, black_box(&request), &aliyun, DATE, NONCE))
    });
    let request = aliyun_acs3_request();
    group.bench_function("aliyun_acs3", |b| {
        b.iter(|| acs3::sign(black_box(&request), &aliyun, DATE, NONCE))
    });
    let request = huawei_request();
    group.bench_function("huawei_sdk_hmac_sha256", |b| {
        b.iter(|| huawei::sign(black_box(&request), &huawei_creds, DATE))
    });
    group.finish();

    // The floors: the crypto alone, on the bytes the signer hashed and signed.
    let mut group = c.benchmark_group("floor");
    let signed = rpc::sign(
        RpcFlavor::CapitalOnline,
        &capitalonline_request(),
        &capital,
        DATE,
        NONCE,
    );
    let sts = signed.string_to_sign().to_string();
    assert_eq!(
        hmac_sha1_base64(b"testsecret", sts.as_bytes()),
        signed.signature()
    );
    group.bench_function("capitalonline_rpc_hmac_sha1", |b| {
        b.iter(|| hmac_sha1_base64(b"testsecret", black_box(sts.as_bytes())))
    });

    let signed = rpc::sign(
        RpcFlavor::Aliyun,
        &aliyun_rpc_request(),
        &aliyun,
        DATE,
        NONCE,
    );
    let sts = signed.string_to_sign().to_string();
    let key = format!("{}&", aliyun.secret());
    assert_eq!(
        hmac_sha1_base64(key.as_bytes(), sts.as_bytes()),
        signed.signature()
    );
    group.bench_function("aliyun_rpc_v2_hmac_sha1", |b| {
        b.iter(|| hmac_sha1_base64(key.as_bytes(), black_box(sts.as_bytes())))
    });

    let signed = acs3::sign(&aliyun_acs3_request(), &aliyun, DATE, NONCE);
    let canonical = signed.canonical_request().to_string();
    let sts = signed.string_to_sign().to_string();
    assert!(
        sha256_then_hmac_hex(
            aliyun.secret().as_bytes(),
            canonical.as_bytes(),
            sts.as_bytes()
        )
        .ends_with(signed.signature())
    );
    group.bench_function("aliyun_acs3_sha256_hmac_sha256", |b| {
        b.iter(|| {
            // The payload hash of the (empty) body, as the signer computes it.
            let payload = hex(&Sha256::digest(black_box(b"")));
            let out = sha256_then_hmac_hex(
                aliyun.secret().as_bytes(),
                black_box(canonical.as_bytes()),
                black_box(sts.as_bytes()),
            );
            (payload, out)
        })
    });

    let signed = huawei::sign(&huawei_request(), &huawei_creds, DATE);
    let canonical = signed.canonical_request().to_string();
    let sts = signed.string_to_sign().to_string();
    assert!(
        sha256_then_hmac_hex(
            huawei_creds.secret().as_bytes(),
            canonical.as_bytes(),
            sts.as_bytes()
        )
        .ends_with(signed.signature())
    );
    group.bench_function("huawei_sha256_hmac_sha256", |b| {
        b.iter(|| {
            sha256_then_hmac_hex(
                huawei_creds.secret().as_bytes(),
                black_box(canonical.as_bytes()),
                black_box(sts.as_bytes()),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, signing);
criterion_main!(benches);
