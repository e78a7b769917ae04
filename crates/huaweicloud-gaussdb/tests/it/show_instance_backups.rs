use huaweicloud_gaussdb::ShowInstanceBackupsResponse;

use crate::{decode, example};

#[test]
fn documented_example() {
    let response: ShowInstanceBackupsResponse =
        decode(example!("ShowInstanceBackups.seed-004.json"));
    // Sent as the string "1".
    assert_eq!(response.total_count, Some(1));
    assert_eq!(response.backups.len(), 1);
    let backup = &response.backups[0];
    assert_eq!(backup.id.as_deref(), Some("backup-001"));
    assert_eq!(backup.description.as_deref(), Some("每日自动备份"));
    assert_eq!(backup.instance_id.as_deref(), Some("instance-123"));
    assert_eq!(backup.instance_name.as_deref(), Some("prod-db"));
    assert_eq!(backup.name.as_deref(), Some("daily-backup-20231101"));
    // Raw as documented and sent; the typed value is one parse away.
    assert_eq!(backup.size.as_deref(), Some("74464.0"));
    assert_eq!(
        backup.size.as_deref().map(str::parse::<f64>),
        Some(Ok(74_464.0))
    );
    assert_eq!(backup.size_unit.as_deref(), Some("KB"));
    assert_eq!(backup.status.as_deref(), Some("COMPLETED"));
    assert_eq!(backup.created.as_deref(), Some("2026-01-04 17:30:30"));
    assert_eq!(backup.updated.as_deref(), Some("2026-01-04 17:34:24"));
    assert_eq!(backup.backup_type.as_deref(), Some("Db"));
    assert_eq!(backup.backup_level.as_deref(), Some("2"));
    assert_eq!(backup.backup_method.as_deref(), Some("Db"));
    assert_eq!(backup.use_detail.as_deref(), Some("生产环境备份"));
    assert_eq!(backup.time_zone.as_deref(), Some("UTC+08:00"));
    assert_eq!(backup.backup_mode, None);
    assert!(
        backup.unknown_fields.is_empty(),
        "{:?}",
        backup.unknown_fields
    );
}

#[test]
fn numbers_instead_of_strings() {
    let response: ShowInstanceBackupsResponse = decode(
        r#"{"backups": [{"id": "b", "size": 74464.0, "backup_level": 1}, {"size": 12}], "total_count": 2}"#,
    );
    assert_eq!(response.total_count, Some(2));
    assert_eq!(response.backups[0].size.as_deref(), Some("74464.0"));
    assert_eq!(response.backups[0].backup_level.as_deref(), Some("1"));
    assert_eq!(response.backups[1].size.as_deref(), Some("12"));
}

#[test]
fn odd_values_never_fail_the_page() {
    let response: ShowInstanceBackupsResponse =
        decode(r#"{"backups": {"not": "a list"}, "total_count": "many", "extra": true}"#);
    assert!(response.backups.is_empty());
    assert_eq!(response.total_count, None);
    assert_eq!(response.unknown_fields["extra"], true);

    let float_count: ShowInstanceBackupsResponse = decode(r#"{"total_count": " 3.0 "}"#);
    assert_eq!(float_count.total_count, Some(3));
}

#[test]
fn serializes_with_the_wire_names() {
    let response: ShowInstanceBackupsResponse =
        decode(example!("ShowInstanceBackups.seed-004.json"));
    let value = serde_json::to_value(&response).expect("serialize");
    assert_eq!(value["total_count"], 1);
    assert_eq!(value["backups"][0]["size"], "74464.0");
    assert_eq!(value["backups"][0]["size_unit"], "KB");
}
