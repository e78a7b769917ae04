//! The checksums served with backup files: `x-oss-hash-crc64ecma` and `Checksum` for Alibaba
//! Cloud, MD5 `ETag`s for Huawei Cloud.

use aliyun_rds::{DescribeBackupsRequest, SignatureVersion};
use cloud_sandbox::{
    ALIYUN_INSTANCE_ID, CAPITALONLINE_INSTANCE_ID, HUAWEI_GAUSSDB_INSTANCE_ID,
    HUAWEI_RDS_INSTANCE_ID, Provider, Sandbox, SandboxConfig,
};
use md5::{Digest, Md5};

use crate::support::{self, aliyun_demo, http};

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().expect("a text header").to_owned())
}

fn crc64(bytes: &[u8]) -> u64 {
    let mut digest = crc64fast::Digest::new();
    digest.write(bytes);
    digest.sum64()
}

fn md5_hex(bytes: &[u8]) -> String {
    Md5::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn crc64fast_is_crc_64_xz() {
    // The check value of CRC-64/XZ: the ECMA-182 polynomial, reflected, init and xorout all
    // ones (what OSS calls crc64ecma).
    assert_eq!(crc64(b"123456789"), 11_051_210_869_376_104_954);
    assert_eq!(crc64(b""), 0);
    assert_eq!(
        md5_hex(b"123456789"),
        "25f9e794323b453885f5181f1b624d0b",
        "MD5 for comparison"
    );
}

#[tokio::test]
async fn aliyun_files_carry_the_crc64_of_the_whole_file() {
    let sandbox = support::sandbox();
    let file = sandbox
        .backup(Provider::AliyunRds, ALIYUN_INSTANCE_ID, 2)
        .unwrap();
    let expected = file.crc64();

    let whole = http().get(&file.download_url).send().await.unwrap();
    assert_eq!(whole.status(), 200);
    assert_eq!(
        header(&whole, "x-oss-hash-crc64ecma"),
        Some(expected.to_string())
    );
    let etag = header(&whole, "etag").unwrap();
    assert_eq!(etag.len(), 34, "the ETag keeps its shape: {etag}");
    assert_eq!(etag, etag.to_uppercase());
    let body = whole.bytes().await.unwrap();
    assert_eq!(
        crc64(&body),
        expected,
        "the header describes the bytes sent"
    );

    // Ranged answers and HEAD carry the CRC of the whole file too, as OSS does.
    let part = http()
        .get(&file.download_url)
        .header("range", "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(
        header(&part, "x-oss-hash-crc64ecma"),
        Some(expected.to_string())
    );
    let head = http().head(&file.download_url).send().await.unwrap();
    assert_eq!(
        header(&head, "x-oss-hash-crc64ecma"),
        Some(expected.to_string())
    );
    assert_eq!(header(&head, "etag"), Some(etag));
}

#[tokio::test]
async fn huawei_etags_are_the_md5_of_the_file() {
    let sandbox = support::sandbox();
    for (service, instance) in [
        (Provider::HuaweiCloudRds, HUAWEI_RDS_INSTANCE_ID),
        (Provider::HuaweiCloudGaussDb, HUAWEI_GAUSSDB_INSTANCE_ID),
    ] {
        let file = sandbox.backup(service, instance, 1).unwrap();
        let expected = file.md5_hex();
        assert_eq!(expected.len(), 32);

        let whole = http().get(&file.download_url).send().await.unwrap();
        assert_eq!(whole.status(), 200);
        let etag = header(&whole, "etag").unwrap();
        assert_eq!(etag, format!("\"{expected}\""), "{service}");
        assert_eq!(header(&whole, "x-oss-hash-crc64ecma"), None);
        let body = whole.bytes().await.unwrap();
        assert_eq!(md5_hex(&body), expected);

        // If-Range compares with the MD5 ETag.
        let resumed = http()
            .get(&file.download_url)
            .header("range", "bytes=10-19")
            .header("if-range", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(resumed.status(), 206);
        assert_eq!(header(&resumed, "etag"), Some(etag));
        assert_eq!(
            &resumed.bytes().await.unwrap()[..],
            &file.content(10, 10)[..]
        );
        let stale = http()
            .get(&file.download_url)
            .header("range", "bytes=10-19")
            .header("if-range", "\"d41d8cd98f00b204e9800998ecf8427e\"")
            .send()
            .await
            .unwrap();
        assert_eq!(stale.status(), 200);
    }
}

#[tokio::test]
async fn capital_online_keeps_its_etag() {
    let sandbox = support::sandbox();
    let file = sandbox
        .backup(Provider::CapitalOnlineMysql, CAPITALONLINE_INSTANCE_ID, 0)
        .unwrap();
    let head = http().head(&file.download_url).send().await.unwrap();
    assert_eq!(head.status(), 200);
    let etag = header(&head, "etag").unwrap();
    assert_eq!(etag.len(), 34);
    assert_eq!(etag, etag.to_uppercase());
    assert_ne!(etag, format!("\"{}\"", file.md5_hex().to_uppercase()));
    assert_eq!(header(&head, "x-oss-hash-crc64ecma"), None);
}

#[tokio::test]
async fn describe_backups_sends_the_checksum_when_asked_by_backup_id() {
    let sandbox = support::sandbox();
    let client = aliyun_demo(&sandbox, SignatureVersion::V3);

    // A listing sends it empty (computing it would read every file).
    let page = client
        .describe_backups(&DescribeBackupsRequest::new(ALIYUN_INSTANCE_ID))
        .await
        .unwrap();
    let backups = page.items.unwrap().backup;
    assert!(!backups.is_empty());
    assert!(backups.iter().all(|b| b.checksum.as_deref() == Some("")));

    // Asked by BackupId (how a client gets one backup's link), it is the file's CRC-64.
    let id = backups[4].backup_id.clone().unwrap();
    let page = client
        .describe_backups(&DescribeBackupsRequest::new(ALIYUN_INSTANCE_ID).with_backup_id(&id))
        .await
        .unwrap();
    let backup = &page.items.unwrap().backup[0];
    let size = u64::try_from(backup.backup_size.unwrap()).unwrap();
    let file = sandbox.find_backup(Provider::AliyunRds, &id).unwrap();
    assert_eq!(file.size, size);
    let expected = file.crc64().to_string();
    assert_eq!(backup.checksum.as_deref(), Some(expected.as_str()));

    // The download says the same.
    let url = backup.backup_download_url.as_deref().unwrap();
    let response = http().get(url).send().await.unwrap();
    assert_eq!(
        header(&response, "x-oss-hash-crc64ecma").as_deref(),
        Some(expected.as_str())
    );
    let body = response.bytes().await.unwrap();
    assert_eq!(crc64(&body).to_string(), expected);

    // As a string in the raw JSON, in XML too.
    let raw: serde_json::Value = client
        .describe_backups_raw(&DescribeBackupsRequest::new(ALIYUN_INSTANCE_ID).with_backup_id(&id))
        .await
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(raw["Items"]["Backup"][0]["Checksum"], expected.as_str());
}

#[tokio::test]
async fn files_above_the_checksum_limit_are_served_without_checksums() {
    let sandbox = Sandbox::start(
        SandboxConfig::default()
            .with_checksum_limit(4096)
            .with_file_size(Provider::AliyunRds, ALIYUN_INSTANCE_ID, 1, 4096)
            .with_file_size(Provider::HuaweiCloudRds, HUAWEI_RDS_INSTANCE_ID, 1, 4096),
    )
    .unwrap();
    let big = sandbox
        .backup(Provider::AliyunRds, ALIYUN_INSTANCE_ID, 0)
        .unwrap();
    assert!(big.size > 4096);
    let head = http().head(&big.download_url).send().await.unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(header(&head, "x-oss-hash-crc64ecma"), None);
    let page = aliyun_demo(&sandbox, SignatureVersion::V3)
        .describe_backups(
            &DescribeBackupsRequest::new(ALIYUN_INSTANCE_ID).with_backup_id(&big.backup_id),
        )
        .await
        .unwrap();
    assert_eq!(page.items.unwrap().backup[0].checksum.as_deref(), Some(""));

    // At the limit, the checksum is there.
    let small = sandbox
        .backup(Provider::AliyunRds, ALIYUN_INSTANCE_ID, 1)
        .unwrap();
    let head = http().head(&small.download_url).send().await.unwrap();
    assert_eq!(
        header(&head, "x-oss-hash-crc64ecma"),
        Some(small.crc64().to_string())
    );

    // A large Huawei file gets a multipart-style ETag: not an MD5, and says so.
    let big = sandbox
        .backup(Provider::HuaweiCloudRds, HUAWEI_RDS_INSTANCE_ID, 0)
        .unwrap();
    let head = http().head(&big.download_url).send().await.unwrap();
    let etag = header(&head, "etag").unwrap();
    assert!(etag.ends_with("-1\""), "{etag}");
    assert_eq!(etag.len(), 36);
    let small = sandbox
        .backup(Provider::HuaweiCloudRds, HUAWEI_RDS_INSTANCE_ID, 1)
        .unwrap();
    let head = http().head(&small.download_url).send().await.unwrap();
    assert_eq!(
        header(&head, "etag"),
        Some(format!("\"{}\"", small.md5_hex()))
    );
}

#[tokio::test]
async fn concurrent_first_requests_agree() {
    // Several first requests for one file at once: one computation, the same answer.
    let sandbox = Sandbox::start(SandboxConfig::default().with_file_size(
        Provider::HuaweiCloudGaussDb,
        HUAWEI_GAUSSDB_INSTANCE_ID,
        0,
        8 << 20,
    ))
    .unwrap();
    let file = sandbox
        .backup(Provider::HuaweiCloudGaussDb, HUAWEI_GAUSSDB_INSTANCE_ID, 0)
        .unwrap();
    let heads = (0..4).map(|_| http().head(&file.download_url).send());
    let etags: Vec<_> = futures::future::join_all(heads)
        .await
        .into_iter()
        .map(|response| header(&response.unwrap(), "etag"))
        .collect();
    let expected = format!("\"{}\"", file.md5_hex());
    assert!(
        etags.iter().all(|e| e.as_deref() == Some(&expected)),
        "{etags:?}"
    );
}

/// Alibaba Cloud numbers log files per instance, so two instances have files of the same id:
/// each is served with the CRC-64 of its own bytes (the checksums were once cached by id
/// alone, and the second instance's files carried the first's).
#[tokio::test]
async fn log_files_of_the_same_number_on_two_instances_carry_their_own_crc64() {
    let sandbox = Sandbox::start(SandboxConfig::default().with_fleet(1)).unwrap();
    let client = support::aliyun_demo(&sandbox, SignatureVersion::V3);
    let now = support::now();
    let files = |instance: &'static str, hours_ago: i64| {
        let request = aliyun_rds::DescribeBinlogFilesRequest::new(instance)
            .with_start_time(now - time::Duration::hours(hours_ago + 4))
            .with_end_time(now - time::Duration::hours(hours_ago));
        let client = &client;
        async move {
            let page = client.describe_binlog_files(&request).await.unwrap();
            page.items.unwrap().bin_log_file
        }
    };
    let number = |file: &aliyun_rds::BinLogFile| -> i64 {
        let name = file.log_file_name.as_deref().unwrap();
        name.rsplit('.').next().unwrap().parse().unwrap()
    };
    // The fleet instance's newest files, then the demo instance's of the same numbers (it
    // began its logs earlier: as many hours earlier as its numbers are ahead).
    let fleet = files("rm-fleet00000001", 0).await;
    let demo_now = files(ALIYUN_INSTANCE_ID, 0).await;
    let ahead = number(demo_now.last().unwrap()) - number(fleet.last().unwrap());
    let demo = files(ALIYUN_INSTANCE_ID, ahead).await;
    let names = |files: &[aliyun_rds::BinLogFile]| -> Vec<String> {
        files
            .iter()
            .map(|f| f.log_file_name.clone().unwrap())
            .collect()
    };
    let shared: Vec<String> = names(&demo)
        .into_iter()
        .filter(|n| names(&fleet).contains(n))
        .collect();
    assert!(shared.len() >= 2, "{:?} {:?}", names(&demo), names(&fleet));
    for (instance, files) in [(ALIYUN_INSTANCE_ID, &demo), ("rm-fleet00000001", &fleet)] {
        for file in files {
            let response = http()
                .get(file.download_link.as_deref().unwrap())
                .send()
                .await
                .unwrap();
            let sent = header(&response, "x-oss-hash-crc64ecma").unwrap();
            let body = response.bytes().await.unwrap();
            let name = file.log_file_name.as_deref().unwrap();
            assert_eq!(sent, crc64(&body).to_string(), "{instance} {name}");
            assert_eq!(file.checksum.as_deref(), Some(sent.as_str()), "{instance}");
        }
    }
}
