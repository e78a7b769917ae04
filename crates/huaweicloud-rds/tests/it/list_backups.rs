use huaweicloud_rds::{Backup, ListBackupsResponse};

use crate::{decode, example};

fn only_backup(response: &ListBackupsResponse) -> &Backup {
    assert_eq!(response.total_count, Some(1));
    assert_eq!(response.backups.len(), 1);
    &response.backups[0]
}

#[test]
fn mysql_example() {
    let response: ListBackupsResponse = decode(example!("ListBackups.seed-003-mysql.json"));
    let backup = only_backup(&response);
    assert_eq!(
        backup.id.as_deref(),
        Some("43e4feaab48f11e89039fa163ebaa7e4br01")
    );
    assert_eq!(backup.name.as_deref(), Some("xxxx.xxx"));
    assert_eq!(backup.r#type.as_deref(), Some("auto"));
    assert_eq!(backup.size, Some(2803));
    assert_eq!(backup.status.as_deref(), Some("COMPLETED"));
    assert_eq!(
        backup.begin_time.as_deref(),
        Some("2018-08-06T12:41:14+0800")
    );
    assert_eq!(backup.end_time.as_deref(), Some("2018-08-06T12:43:14+0800"));
    let datastore = backup.datastore.as_ref().expect("datastore");
    assert_eq!(datastore.r#type.as_deref(), Some("MySQL"));
    assert_eq!(datastore.version.as_deref(), Some("5.6"));
    assert!(backup.databases.is_empty());
    assert_eq!(
        backup.instance_id.as_deref(),
        Some("a48e43ff268f4c0e879652d65e63d0fbin01")
    );
    assert!(
        backup.unknown_fields.is_empty(),
        "{:?}",
        backup.unknown_fields
    );
}

#[test]
fn postgresql_example_keeps_the_docs_mistakes() {
    let response: ListBackupsResponse = decode(example!("ListBackups.seed-003-postgresql.json"));
    let backup = only_backup(&response);
    assert_eq!(
        backup.id.as_deref(),
        Some("43e4feaab48f11e89039fa163ebaa7e4br03")
    );
    assert_eq!(backup.r#type.as_deref(), Some("incremental"));
    assert_eq!(backup.size, Some(2803));
    // Times stay the strings sent, spaced out as they are in the doc.
    assert_eq!(
        backup.begin_time.as_deref(),
        Some("2018 - 08 - 06 T12: 41: 14 + 0800")
    );
    assert_eq!(
        backup.end_time.as_deref(),
        Some("2018 - 08 - 06 T12: 43: 14 + 0800")
    );
    // Trailing space kept.
    assert_eq!(
        backup.instance_id.as_deref(),
        Some("a48e43ff268f4c0e879652d65e63d0fbin03 ")
    );
    let datastore = backup.datastore.as_ref().expect("datastore");
    assert_eq!(datastore.r#type.as_deref(), Some("PostgreSQL"));
    assert_eq!(datastore.version.as_deref(), Some("9.6"));
}

#[test]
fn sql_server_example_keeps_the_misspelled_id_key() {
    let response: ListBackupsResponse = decode(example!("ListBackups.seed-003-sqlserver.json"));
    let backup = only_backup(&response);
    // The doc's key is "id " (trailing space): not `id`, but not lost either.
    assert_eq!(backup.id, None);
    assert_eq!(backup.unknown_fields.len(), 1);
    assert_eq!(
        backup.unknown_fields["id "],
        "43e4feaab48f11e89039fa163ebaa7e4br04"
    );
    assert_eq!(backup.r#type.as_deref(), Some("manual"));
    assert_eq!(backup.size, Some(2803));
    assert_eq!(
        backup.begin_time.as_deref(),
        Some("2018-08-06T12:41:14+0800")
    );
    let datastore = backup.datastore.as_ref().expect("datastore");
    assert_eq!(datastore.r#type.as_deref(), Some("SQLServer"));
    assert_eq!(datastore.version.as_deref(), Some("2014_WEB"));
    let names: Vec<_> = backup
        .databases
        .iter()
        .map(|db| db.name.as_deref())
        .collect();
    assert_eq!(names, [Some("user01"), Some("user02")]);
    assert_eq!(
        backup.instance_id.as_deref(),
        Some("a48e43ff268f4c0e879652d65e63d0fbin04")
    );

    // And it goes back out under the same key.
    let value = serde_json::to_value(backup).expect("serialize");
    assert_eq!(value["id "], "43e4feaab48f11e89039fa163ebaa7e4br04");
    assert!(value.get("id").is_none());
}

#[test]
fn odd_values_never_fail_the_page() {
    let response: ListBackupsResponse = decode(
        r#"{
            "backups": [
                {"id": 42, "size": "2803.0", "associated_with_ddm": "true", "datastore": "MySQL", "databases": null},
                null,
                {"size": -1.5, "associated_with_ddm": 0, "min_data_volume_capacity_for_restore": "40", "databases": [{"name": 1}, 2]}
            ],
            "total_count": "2"
        }"#,
    );
    assert_eq!(response.total_count, Some(2));
    assert_eq!(response.backups.len(), 2);
    let first = &response.backups[0];
    assert_eq!(first.id.as_deref(), Some("42"));
    assert_eq!(first.size, Some(2803));
    assert_eq!(first.associated_with_ddm, Some(true));
    assert_eq!(first.datastore, None);
    assert!(first.databases.is_empty());
    let second = &response.backups[1];
    assert_eq!(second.size, None);
    assert_eq!(second.associated_with_ddm, Some(false));
    assert_eq!(second.min_data_volume_capacity_for_restore, Some(40));
    assert_eq!(second.databases.len(), 1);
    assert_eq!(second.databases[0].name.as_deref(), Some("1"));
}
