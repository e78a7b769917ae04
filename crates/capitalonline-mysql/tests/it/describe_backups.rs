use capitalonline_mysql::DescribeBackupsResponse;

use crate::{decode, example};

#[test]
fn documented_example() {
    let response: DescribeBackupsResponse = decode(example!("DescribeBackups.seed-000.json"));
    assert_eq!(response.code.as_deref(), Some("Success"));
    assert_eq!(response.message.as_deref(), Some("Success."));
    assert_eq!(response.task_id, None);
    // Documented as string, sent as numbers.
    let sizes: Vec<_> = response
        .data
        .iter()
        .map(|backup| backup.backup_size)
        .collect();
    assert_eq!(
        sizes,
        [Some(677_496), Some(677_494), Some(677_498), Some(677_484)]
    );

    let first = &response.data[0];
    assert_eq!(
        first.backup_id.as_deref(),
        Some("**************************")
    );
    assert_eq!(
        first.instance_id.as_deref(),
        Some("**************************")
    );
    assert_eq!(first.backup_mode.as_deref(), Some("auto"));
    assert_eq!(first.backup_type.as_deref(), Some("logical-backup"));
    assert_eq!(first.desc.as_deref(), Some(""));
    assert_eq!(first.start_time.as_deref(), Some("2020-06-18 04:09:59"));
    assert_eq!(first.end_time.as_deref(), Some("2020-06-18 04:10:13"));
    assert_eq!(first.status.as_deref(), Some("finished"));
    assert_eq!(first.backup_strategy.as_deref(), Some("db"));
    assert_eq!(first.backup_finish_time, None);
    assert!(
        first.unknown_fields.is_empty(),
        "{:?}",
        first.unknown_fields
    );

    let last = &response.data[3];
    assert_eq!(last.backup_mode.as_deref(), Some("manual"));
    assert_eq!(last.backup_type.as_deref(), Some("physical-backup"));
    assert_eq!(last.backup_strategy.as_deref(), Some("instance"));
    assert_eq!(last.start_time.as_deref(), Some("2020-06-15 15:04:41"));
}

#[test]
fn data_as_the_table_says_or_as_strings() {
    // The doc table calls Data a dict: not a list, so no backups, and no failure.
    let dict: DescribeBackupsResponse = decode(r#"{"Code": "Success", "Data": {"BackupId": "b"}}"#);
    assert!(dict.data.is_empty());
    assert_eq!(dict.code.as_deref(), Some("Success"));

    let strings: DescribeBackupsResponse = decode(
        r#"{"Data": [{"BackupId": 17, "BackupSize": "677496", "BackupFinishTime": "2020-06-18 04:10:13"}], "TaskId": ""}"#,
    );
    assert_eq!(strings.data[0].backup_id.as_deref(), Some("17"));
    assert_eq!(strings.data[0].backup_size, Some(677_496));
    assert_eq!(
        strings.data[0].backup_finish_time.as_deref(),
        Some("2020-06-18 04:10:13")
    );
    assert_eq!(strings.task_id.as_deref(), Some(""));
}
