use capitalonline_mysql::DownloadBackupResponse;

use crate::{decode, example};

#[test]
fn documented_example() {
    let response: DownloadBackupResponse = decode(example!("DownloadBackup.seed-002.json"));
    assert_eq!(response.code.as_deref(), Some("Success"));
    assert_eq!(response.message.as_deref(), Some("Success."));
    assert_eq!(response.task_id.as_deref(), Some(""));
    let data = response.data.as_ref().expect("Data");
    assert_eq!(
        data.backup_download_url.as_deref(),
        Some("https://gic.***************")
    );
    assert_eq!(
        data.backup_intranet_download_url.as_deref(),
        Some("http://88.***************")
    );
    assert_eq!(data.backup_size, Some(68_140));
    assert_eq!(data.backup_mode.as_deref(), Some("auto"));
    assert_eq!(data.backup_type.as_deref(), Some("full-backup"));
    assert_eq!(data.desc.as_deref(), Some(""));
    assert_eq!(data.start_time.as_deref(), Some("2020-06-18 04:00:06"));
    assert_eq!(data.end_time.as_deref(), Some("2020-06-18 04:00:26"));
    assert_eq!(data.instance_id.as_deref(), Some("***************"));
    assert_eq!(data.status.as_deref(), Some("finished"));
    assert_eq!(data.backup_id, None);
    assert!(data.unknown_fields.is_empty(), "{:?}", data.unknown_fields);
}

#[test]
fn empty_data_is_none() {
    for data in ["{}", "null", "[]", r#""""#] {
        let response: DownloadBackupResponse =
            decode(&format!(r#"{{"Code": "Success", "Data": {data}}}"#));
        assert_eq!(response.code.as_deref(), Some("Success"));
        if data == "{}" {
            assert_eq!(response.data, Some(Default::default()));
        } else {
            assert_eq!(response.data, None, "{data}");
        }
    }
}
