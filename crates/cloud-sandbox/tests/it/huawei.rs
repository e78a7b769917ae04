//! Huawei Cloud RDS and GaussDB for MySQL through `huaweicloud-rds` and `huaweicloud-gaussdb`.

use std::collections::HashSet;

use cloud_sandbox::{HUAWEI_GAUSSDB_INSTANCE_ID, HUAWEI_RDS_INSTANCE_ID, Provider};
use cloud_signer::Credentials;
use futures::TryStreamExt;
use huaweicloud_gaussdb::ShowInstanceBackupsRequest;
use huaweicloud_rds::{Clock, ListBackupsRequest};
use serde_json::Value;
use time::Duration;

use crate::support::{
    self, credentials, fast_retries, gaussdb_demo, now, rds, rds_demo, send_json,
};

#[tokio::test]
async fn rds_lists_all_backups_and_their_files() {
    let sandbox = support::sandbox();
    let client = rds_demo(&sandbox);
    let backups: Vec<_> = client
        .backups(ListBackupsRequest::new(HUAWEI_RDS_INSTANCE_ID))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(backups.len(), 125);
    let ids: HashSet<_> = backups.iter().map(|b| b.id.clone().unwrap()).collect();
    assert_eq!(ids.len(), 125);
    assert_eq!(sandbox.requests().len(), 2, "pages of 100");

    let backup = &backups[0];
    let id = backup.id.as_deref().unwrap();
    let files = client.list_backup_files(id).await.unwrap();
    assert_eq!(files.files.len(), 1);
    let file = &files.files[0];
    assert_eq!(file.size, backup.size, "KB in both");
    let url = file.download_link.as_deref().unwrap();
    assert!(
        url.contains("?AccessKeyId=") && url.contains("&Expires="),
        "{url}"
    );
    let bytes = support::download(url).await;
    assert_eq!(
        Some(bytes.len() as i64),
        file.size.map(|kb| kb * 1024),
        "KB x 1024 is exact"
    );
    let expected = sandbox
        .find_backup(Provider::HuaweiCloudRds, id)
        .unwrap()
        .content(0, bytes.len());
    assert_eq!(bytes, expected);
    assert_eq!(file.name.as_deref(), Some(format!("{id}.qp").as_str()));
}

#[tokio::test]
async fn rds_raw_json_has_the_real_field_types() {
    let sandbox = support::sandbox();
    let client = rds_demo(&sandbox);
    let raw: Value = client
        .list_backups_raw(
            &ListBackupsRequest::new(HUAWEI_RDS_INSTANCE_ID)
                .with_limit(10)
                .with_offset(120),
        )
        .await
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(raw["total_count"], 125);
    let backups = raw["backups"].as_array().unwrap();
    assert_eq!(backups.len(), 5, "offset 120 of 125");
    let backup = &backups[0];
    assert!(backup["size"].is_u64(), "KB, an integer");
    for field in ["begin_time", "end_time"] {
        let text = backup[field].as_str().unwrap();
        assert!(
            text.ends_with("+0800") && text.len() == 24,
            "{field}: {text}"
        );
    }
    assert_eq!(backup["instance_id"], HUAWEI_RDS_INSTANCE_ID);
    assert_eq!(backup["status"], "COMPLETED");
    assert_eq!(backup["datastore"]["type"], "MySQL");

    let raw: Value = client
        .list_backup_files(backup["id"].as_str().unwrap())
        .await
        .map(|files| serde_json::to_value(&files.files[0].link_expired_time).unwrap())
        .unwrap();
    assert!(raw.as_str().unwrap().ends_with("+0800"));
}

#[tokio::test]
async fn limit_must_be_1_to_100_and_filters_apply() {
    let sandbox = support::sandbox();
    let creds = credentials(Provider::HuaweiCloudRds);
    for limit in ["0", "101", "-1", "ten"] {
        let request = support::huawei_get(
            &sandbox,
            "backups",
            &[("instance_id", HUAWEI_RDS_INSTANCE_ID), ("limit", limit)],
            &creds,
            now(),
        );
        let (status, headers, body) = send_json(request).await;
        assert_eq!(status, 400, "{limit}");
        assert_eq!(body["error_code"], "DBS.200001", "{limit}");
        assert!(headers.contains_key("x-request-id"));
    }
    let request = support::huawei_get(
        &sandbox,
        "backups",
        &[
            ("instance_id", HUAWEI_RDS_INSTANCE_ID),
            ("limit", "100"),
            ("offset", "200"),
        ],
        &creds,
        now(),
    );
    let (status, _, body) = send_json(request).await;
    assert_eq!(status, 200);
    assert_eq!(body["total_count"], 125);
    assert_eq!(body["backups"], Value::Array(vec![]));

    let client = rds_demo(&sandbox);
    let manual: Vec<_> = client
        .backups(ListBackupsRequest::new(HUAWEI_RDS_INSTANCE_ID).with_backup_type("manual"))
        .try_collect()
        .await
        .unwrap();
    assert!(!manual.is_empty() && manual.len() < 125);
    assert!(manual.iter().all(|b| b.r#type.as_deref() == Some("manual")));

    let error = client
        .list_backups(&ListBackupsRequest::new(
            "00000000000000000000000000000000in01",
        ))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("DBS.200002"));
    assert!(error.is_not_found());
}

#[tokio::test]
async fn a_wrong_secret_is_apig_0301() {
    let sandbox = support::sandbox();
    let client = rds(
        &sandbox,
        Credentials::new(cloud_sandbox::HUAWEI_ACCESS_KEY_ID, "wrong"),
        fast_retries(),
    );
    let error = client
        .list_backups(&ListBackupsRequest::new(HUAWEI_RDS_INSTANCE_ID))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("APIG.0301"));
    assert_eq!(error.status(), Some(401));
    assert_eq!(
        error.message(),
        Some("Incorrect IAM authentication information: verify aksk signature fail")
    );
    assert!(error.request_id().is_some());
    assert!(error.is_auth());
    assert_eq!(error.attempts(), Some(1));

    // The raw answer: the gateway's body carries the request id of the header.
    let request = support::huawei_get(
        &sandbox,
        "backups",
        &[("instance_id", HUAWEI_RDS_INSTANCE_ID)],
        &Credentials::new("SOMEONEELSE", "x"),
        now(),
    );
    let (status, headers, body) = send_json(request).await;
    assert_eq!(status, 401);
    assert_eq!(body["error_code"], "APIG.0301");
    assert_eq!(
        body["error_msg"],
        "Incorrect IAM authentication information: ak SOMEONEELSE not exist"
    );
    assert_eq!(
        headers["x-request-id"].to_str().unwrap(),
        body["request_id"].as_str().unwrap()
    );
}

#[tokio::test]
async fn an_expired_date_is_refused() {
    let sandbox = support::sandbox();
    let client = rds(
        &sandbox,
        credentials(Provider::HuaweiCloudRds),
        fast_retries().with_clock(Clock::fixed(now() - Duration::minutes(30))),
    );
    let error = client
        .list_backups(&ListBackupsRequest::new(HUAWEI_RDS_INSTANCE_ID))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("APIG.0301"));
    assert_eq!(error.status(), Some(401));
    assert!(
        error.message().unwrap().contains("signature expired"),
        "{error}"
    );
}

#[tokio::test]
async fn gaussdb_lists_all_backups_with_its_quirks() {
    let sandbox = support::sandbox();
    let client = gaussdb_demo(&sandbox);
    let backups: Vec<_> = client
        .instance_backups(ShowInstanceBackupsRequest::new(HUAWEI_GAUSSDB_INSTANCE_ID))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(backups.len(), 103);
    let ids: HashSet<_> = backups.iter().map(|b| b.id.clone().unwrap()).collect();
    assert_eq!(ids.len(), 103);
    for request in sandbox.requests() {
        assert_eq!(request.service, Some(Provider::HuaweiCloudGaussDb));
        assert_eq!(request.operation.as_deref(), Some("ShowInstanceBackups"));
    }

    let raw: Value = client
        .show_instance_backups_raw(
            &ShowInstanceBackupsRequest::new(HUAWEI_GAUSSDB_INSTANCE_ID).with_limit(3),
        )
        .await
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(raw["total_count"], "103", "a string");
    let backup = &raw["backups"][0];
    let size = backup["size"].as_str().unwrap();
    assert!(
        size.ends_with(".0") && size[..size.len() - 2].parse::<u64>().is_ok(),
        "{size}"
    );
    assert_eq!(backup["size_unit"], "KB");
    let created = backup["created"].as_str().unwrap();
    assert_eq!(created.len(), "2026-01-04 17:30:30".len());
    assert_eq!(&created[10..11], " ");
    assert_eq!(backup["time_zone"], "UTC+08:00");

    // No API gives a GaussDB file, the sandbox does; its size is the KB string x 1024.
    let file = sandbox
        .backup(Provider::HuaweiCloudGaussDb, HUAWEI_GAUSSDB_INSTANCE_ID, 0)
        .unwrap();
    assert_eq!(Some(file.backup_id.as_str()), backup["id"].as_str());
    let kb: u64 = size[..size.len() - 2].parse().unwrap();
    assert_eq!(file.size, kb * 1024);
    let bytes = support::download(&file.download_url).await;
    assert_eq!(bytes.len() as u64, file.size);
}

#[tokio::test]
async fn gaussdb_orders_and_filters() {
    let sandbox = support::sandbox();
    let client = gaussdb_demo(&sandbox);
    let request = ShowInstanceBackupsRequest::new(HUAWEI_GAUSSDB_INSTANCE_ID);
    let newest_first: Vec<_> = client
        .instance_backups(request.clone())
        .try_collect()
        .await
        .unwrap();
    let oldest_first: Vec<_> = client
        .instance_backups(
            request
                .clone()
                .with_order_field("beginTime")
                .with_order_rule("asc"),
        )
        .try_collect()
        .await
        .unwrap();
    let reversed: Vec<_> = newest_first.iter().rev().map(|b| b.id.clone()).collect();
    assert_eq!(
        oldest_first
            .iter()
            .map(|b| b.id.clone())
            .collect::<Vec<_>>(),
        reversed
    );

    let manual: Vec<_> = client
        .instance_backups(
            request
                .clone()
                .with_filter_field("name")
                .with_filter_content("manual"),
        )
        .try_collect()
        .await
        .unwrap();
    assert!(!manual.is_empty() && manual.len() < 103);
    assert!(
        manual
            .iter()
            .all(|b| b.name.as_deref().unwrap().contains("manual"))
    );

    let by_name: Vec<_> = client
        .instance_backups(
            request
                .clone()
                .with_order_field("name")
                .with_order_rule("asc"),
        )
        .try_collect()
        .await
        .unwrap();
    let names: Vec<_> = by_name.iter().map(|b| b.name.clone().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);

    let error = client
        .show_instance_backups(&ShowInstanceBackupsRequest::new("nope"))
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(404));
}

#[tokio::test]
async fn unknown_apis_are_apig_0101() {
    let sandbox = support::sandbox();
    // An RDS API the sandbox does not simulate: the instances' configuration templates.
    let request = support::huawei_get(
        &sandbox,
        "configurations",
        &[],
        &credentials(Provider::HuaweiCloudRds),
        now(),
    );
    let (status, _, body) = send_json(request).await;
    assert_eq!(status, 404);
    assert_eq!(body["error_code"], "APIG.0101");
    assert!(body["request_id"].is_string());
}
