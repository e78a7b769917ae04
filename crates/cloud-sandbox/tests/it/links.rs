//! Download links: unique, signed, and the faults that expire them early (`link_uses`,
//! `link_ttl_secs`).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use cloud_sandbox::{
    ALIYUN_INSTANCE_ID, CAPITALONLINE_INSTANCE_ID, FaultKind, Faults, HUAWEI_RDS_INSTANCE_ID,
    Provider, Sandbox, SandboxConfig,
};
use serde_json::json;
use time::{Duration, OffsetDateTime};

use crate::support::{self, http, send_json};

/// The status and XML error code (if any) of a request; an `AccessDenied` must be the
/// expired-link one.
async fn answer(request: reqwest::RequestBuilder) -> (u16, Option<String>) {
    let response = request.send().await.expect("the sandbox answers");
    let status = response.status().as_u16();
    let text = response.text().await.expect("a body");
    let code = text
        .split_once("<Code>")
        .and_then(|(_, rest)| rest.split_once("</Code>"))
        .map(|(code, _)| code.to_owned());
    if code.as_deref() == Some("AccessDenied") {
        assert!(
            text.contains("<Message>Request has expired.</Message>"),
            "{text}"
        );
    }
    (status, code)
}

async fn get(url: &str) -> (u16, Option<String>) {
    answer(http().get(url)).await
}

async fn head(url: &str) -> u16 {
    let response = http().head(url).send().await.expect("the sandbox answers");
    response.status().as_u16()
}

fn expired() -> (u16, Option<String>) {
    (403, Some("AccessDenied".to_owned()))
}

fn ok() -> (u16, Option<String>) {
    (200, None)
}

/// A sandbox whose clock runs the returned number of seconds ahead of the system's.
fn sandbox_with_offset(faults: Faults) -> (Sandbox, Arc<AtomicI64>) {
    let offset = Arc::new(AtomicI64::new(0));
    let clock = Arc::clone(&offset);
    let sandbox = Sandbox::start(SandboxConfig::default().with_faults(faults).with_clock(
        move || OffsetDateTime::now_utc() + Duration::seconds(clock.load(Ordering::SeqCst)),
    ))
    .expect("the sandbox starts");
    (sandbox, offset)
}

/// The query parameter `name` of `url`.
fn param<'a>(url: &'a str, name: &str) -> Option<&'a str> {
    url.split_once('?')?
        .1
        .split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
}

#[tokio::test]
async fn a_link_with_one_use_works_once_then_expires() {
    let sandbox = support::sandbox();
    sandbox.faults().limit_link_uses(Some(1));
    let client = support::capitalonline_demo(&sandbox);
    let backup = sandbox
        .backup(Provider::CapitalOnlineMysql, CAPITALONLINE_INSTANCE_ID, 0)
        .unwrap();
    let id = backup.backup_id.clone();
    let fresh_link = || async {
        client
            .download_backup(CAPITALONLINE_INSTANCE_ID, &id)
            .await
            .unwrap()
            .data
            .unwrap()
            .backup_download_url
            .unwrap()
    };

    let url = fresh_link().await;
    let file = support::download(&url).await;
    assert_eq!(file, backup.content(0, file.len()));
    assert_eq!(get(&url).await, expired());
    assert_eq!(get(&url).await, expired(), "and stays so");
    assert_eq!(head(&url).await, 403);

    // A new link from the API works again, once.
    let again = fresh_link().await;
    assert_ne!(again, url);
    assert_eq!(get(&again).await, ok());
    assert_eq!(get(&again).await, expired());

    let downloads: Vec<_> = sandbox
        .requests()
        .into_iter()
        .filter(|r| r.operation.as_deref() == Some("Download"))
        .map(|r| (r.status, r.fault))
        .collect();
    let used_up = (403, Some(FaultKind::LinkUsedUp));
    assert_eq!(
        downloads,
        [(200, None), used_up, used_up, used_up, (200, None), used_up]
    );

    // Without the limit, links live until their Expires again.
    sandbox.faults().limit_link_uses(None);
    assert_eq!(get(&url).await, ok());
    assert!(sandbox.faults().get().is_empty());
}

#[tokio::test]
async fn heads_and_ranged_gets_count_as_uses() {
    let sandbox =
        Sandbox::start(SandboxConfig::default().with_faults(Faults::new().with_link_uses(3)))
            .unwrap();
    let file = sandbox
        .backup(Provider::AliyunRds, ALIYUN_INSTANCE_ID, 0)
        .unwrap();
    let url = &file.download_url;
    assert_eq!(head(url).await, 200);
    assert_eq!(
        answer(http().get(url).header("range", "bytes=0-9")).await.0,
        206
    );
    assert_eq!(get(url).await, ok());
    assert_eq!(head(url).await, 403);
    assert_eq!(
        answer(http().get(url).header("range", "bytes=0-9")).await,
        expired()
    );

    // Each link counts its own uses.
    let other = sandbox
        .backup(Provider::AliyunRds, ALIYUN_INSTANCE_ID, 0)
        .unwrap();
    assert_eq!(get(&other.download_url).await, ok());
    assert_eq!(
        sandbox.faults().get().link_uses,
        Some(3),
        "a setting, not a counter"
    );
}

#[tokio::test]
async fn link_uses_follow_the_service() {
    let sandbox = Sandbox::start(
        SandboxConfig::default().with_faults(
            Faults::new()
                .with_link_uses(0)
                .with_service(Provider::HuaweiCloudRds),
        ),
    )
    .unwrap();
    let aliyun = sandbox
        .backup(Provider::AliyunRds, ALIYUN_INSTANCE_ID, 0)
        .unwrap();
    assert_eq!(get(&aliyun.download_url).await, ok());
    assert_eq!(get(&aliyun.download_url).await, ok());
    let rds = sandbox
        .backup(Provider::HuaweiCloudRds, HUAWEI_RDS_INSTANCE_ID, 0)
        .unwrap();
    assert_eq!(get(&rds.download_url).await, expired());
}

#[tokio::test]
async fn links_are_unique_and_their_serial_number_is_signed() {
    let sandbox = support::sandbox();
    let first = sandbox
        .backup(Provider::HuaweiCloudRds, HUAWEI_RDS_INSTANCE_ID, 0)
        .unwrap()
        .download_url;
    let second = sandbox
        .find_backup(
            Provider::HuaweiCloudRds,
            &sandbox
                .backup(Provider::HuaweiCloudRds, HUAWEI_RDS_INSTANCE_ID, 0)
                .unwrap()
                .backup_id,
        )
        .unwrap()
        .download_url;
    assert_ne!(first, second, "made in the same second, yet different");
    // The old shape, with the serial number last.
    let (_, query) = first.split_once('?').unwrap();
    let names: Vec<_> = query
        .split('&')
        .map(|pair| pair.split_once('=').unwrap().0)
        .collect();
    assert_eq!(
        names,
        ["AccessKeyId", "Expires", "Signature", "SandboxLinkId"]
    );
    assert_ne!(
        param(&first, "SandboxLinkId"),
        param(&second, "SandboxLinkId")
    );
    assert_eq!(param(&first, "Expires"), param(&second, "Expires"));
    assert_ne!(param(&first, "Signature"), param(&second, "Signature"));
    assert_eq!(get(&first).await, ok());
    assert_eq!(get(&second).await, ok());

    let serial = param(&first, "SandboxLinkId").unwrap();
    let changed = first.replace(
        &format!("&SandboxLinkId={serial}"),
        &format!("&SandboxLinkId={serial}0"),
    );
    assert_eq!(
        get(&changed).await,
        (403, Some("SignatureDoesNotMatch".to_owned()))
    );
    let removed = first.replace(&format!("&SandboxLinkId={serial}"), "");
    assert_eq!(
        get(&removed).await,
        (403, Some("SignatureDoesNotMatch".to_owned()))
    );
}

#[tokio::test]
async fn link_ttl_makes_links_expire_early() {
    let (sandbox, offset) = sandbox_with_offset(Faults::new());
    let client = support::rds_demo(&sandbox);
    let id = sandbox
        .backup(Provider::HuaweiCloudRds, HUAWEI_RDS_INSTANCE_ID, 0)
        .unwrap()
        .backup_id;
    let before = client.list_backup_files(&id).await.unwrap().files[0]
        .download_link
        .clone()
        .unwrap();

    sandbox.faults().limit_link_ttl(Some(1));
    let made_at = OffsetDateTime::now_utc();
    let files = client.list_backup_files(&id).await.unwrap();
    let short = files.files[0].download_link.clone().unwrap();
    let expires_at = files.files[0].link_expired_time_parsed().unwrap();
    let lifetime = expires_at - made_at;
    assert!(
        lifetime > Duration::ZERO && lifetime <= Duration::seconds(2),
        "link_expired_time says the same: {lifetime}"
    );
    assert_eq!(
        param(&short, "Expires").unwrap(),
        expires_at.unix_timestamp().to_string()
    );
    let from_sandbox = sandbox
        .backup(Provider::HuaweiCloudRds, HUAWEI_RDS_INSTANCE_ID, 0)
        .unwrap()
        .download_url;
    assert_eq!(get(&short).await, ok());
    assert_eq!(get(&from_sandbox).await, ok());

    // Two seconds later: both short links have expired, the one made before has not.
    offset.store(2, Ordering::SeqCst);
    assert_eq!(get(&short).await, expired());
    assert_eq!(get(&from_sandbox).await, expired());
    assert_eq!(get(&before).await, ok());
    let faults: Vec<_> = sandbox
        .requests()
        .into_iter()
        .filter(|r| r.status == 403)
        .map(|r| r.fault)
        .collect();
    assert_eq!(faults, [None, None], "an ordinary expiry");

    // Without the fault, a new link lives five minutes again (the Huawei lifetime).
    sandbox.faults().limit_link_ttl(None);
    let normal = client.list_backup_files(&id).await.unwrap().files[0]
        .download_link
        .clone()
        .unwrap();
    offset.store(2 + 4 * 60, Ordering::SeqCst);
    assert_eq!(get(&normal).await, ok());
    offset.store(2 + 6 * 60, Ordering::SeqCst);
    assert_eq!(get(&normal).await, expired());
}

#[tokio::test]
async fn link_ttl_applies_to_every_api_that_returns_links() {
    let (sandbox, offset) = sandbox_with_offset(Faults::new().with_link_ttl(60));
    let aliyun = support::aliyun_demo(&sandbox, aliyun_rds::SignatureVersion::V3)
        .describe_backups(&aliyun_rds::DescribeBackupsRequest::new(ALIYUN_INSTANCE_ID))
        .await
        .unwrap()
        .items
        .unwrap()
        .backup[0]
        .backup_download_url
        .clone()
        .unwrap();
    let capitalonline = {
        let id = sandbox
            .backup(Provider::CapitalOnlineMysql, CAPITALONLINE_INSTANCE_ID, 0)
            .unwrap()
            .backup_id;
        support::capitalonline_demo(&sandbox)
            .download_backup(CAPITALONLINE_INSTANCE_ID, &id)
            .await
            .unwrap()
            .data
            .unwrap()
            .backup_download_url
            .unwrap()
    };
    assert_eq!(get(&aliyun).await, ok());
    assert_eq!(get(&capitalonline).await, ok());
    offset.store(120, Ordering::SeqCst);
    assert_eq!(get(&aliyun).await, expired(), "not the hour of OSS links");
    assert_eq!(get(&capitalonline).await, expired());
}

#[tokio::test]
async fn a_huge_ttl_does_not_break_links() {
    let sandbox =
        Sandbox::start(SandboxConfig::default().with_faults(Faults::new().with_link_ttl(u64::MAX)))
            .unwrap();
    let file = sandbox
        .backup(Provider::AliyunRds, ALIYUN_INSTANCE_ID, 0)
        .unwrap();
    assert_eq!(get(&file.download_url).await, ok());
    let expires: i64 = param(&file.download_url, "Expires")
        .unwrap()
        .parse()
        .unwrap();
    assert!(expires > OffsetDateTime::now_utc().unix_timestamp() + 3600);
    // Huawei reports the expiry in its response: still a valid time.
    let rds = support::rds_demo(&sandbox);
    let id = sandbox
        .backup(Provider::HuaweiCloudRds, HUAWEI_RDS_INSTANCE_ID, 0)
        .unwrap()
        .backup_id;
    let files = rds.list_backup_files(&id).await.unwrap();
    let expires_at = files.files[0].link_expired_time_parsed().unwrap();
    assert_eq!(expires_at.year(), 9999);
}

#[tokio::test]
async fn the_control_endpoint_takes_the_new_faults() {
    let sandbox = support::sandbox();
    let url = format!("{}/_sandbox/faults", sandbox.endpoint());
    let all = json!({
        "corrupt_downloads": 2,
        "corrupt_offset": 65536,
        "hang": 1,
        "link_uses": 1,
        "link_ttl_secs": 30,
        "bandwidth": 16_777_216,
        "latency_ms": 40,
        "service": "huaweicloud-rds",
    });
    let (status, _, echoed) = send_json(http().post(&url).body(all.to_string())).await;
    assert_eq!(status, 200);
    for (name, value) in all.as_object().unwrap() {
        assert_eq!(&echoed[name], value, "{name}");
    }
    assert_eq!(
        sandbox.faults().get(),
        Faults::new()
            .with_corrupted_downloads(2, 65536)
            .with_hang(1)
            .with_link_uses(1)
            .with_link_ttl(30)
            .with_bandwidth(16 << 20)
            .with_latency_ms(40)
            .with_service(Provider::HuaweiCloudRds)
    );
    let (_, _, armed) = send_json(http().get(&url)).await;
    assert_eq!(armed, echoed);

    // A POST replaces everything: missing fields are none.
    let (_, _, replaced) = send_json(http().post(&url).body(r#"{"hang": 3}"#)).await;
    assert_eq!(replaced["hang"], 3);
    assert_eq!(replaced["link_uses"], serde_json::Value::Null);
    assert_eq!(replaced["corrupt_downloads"], 0);

    for bad in [
        r#"{"link_uses": -1}"#,
        r#"{"hang": "forever"}"#,
        r#"{"link_ttl": 5}"#,
        r#"{"corrupt_offset": 1.5}"#,
    ] {
        let (status, _, body) = send_json(http().post(&url).body(bad)).await;
        assert_eq!(status, 400, "{bad}");
        assert!(
            body["error"]
                .as_str()
                .unwrap()
                .starts_with("invalid faults")
        );
    }
    let (_, _, cleared) = send_json(http().delete(&url)).await;
    assert_eq!(cleared["hang"], 0);
    assert!(sandbox.faults().get().is_empty());
}
