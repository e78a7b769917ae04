use aliyun_rds::{Backup, DescribeBackupsResponse};

use crate::{decode, example};

fn only_backup(response: &DescribeBackupsResponse) -> &Backup {
    let items = response.items.as_ref().expect("Items");
    assert_eq!(items.backup.len(), 1);
    &items.backup[0]
}

#[test]
fn seed_json_example() {
    let response: DescribeBackupsResponse = decode(example!("DescribeBackups.seed-001.json"));
    assert_eq!(
        response.request_id.as_deref(),
        Some("B0E0F374-919F-4BD9-BCAC-AE68122A0D68")
    );
    // Sent as the string "8672256".
    assert_eq!(response.total_backup_size, Some(8_672_256));
    assert_eq!(response.total_record_count, Some(1));
    assert_eq!(response.page_number, Some(1));
    assert_eq!(response.page_record_count, Some(1));
    assert_eq!(response.total_ecs_snapshot_size, None);
    assert!(
        response.unknown_fields.is_empty(),
        "{:?}",
        response.unknown_fields
    );

    let backup = only_backup(&response);
    // Numbers where the docs say String: kept as their text.
    assert_eq!(backup.backup_id.as_deref(), Some("321020562"));
    assert_eq!(backup.host_instance_id.as_deref(), Some("5882781"));
    assert_eq!(backup.backup_size, Some(2_167_808));
    assert_eq!(backup.db_instance_id.as_deref(), Some("rm-uf6wjk5xxxxxxx"));
    assert_eq!(
        backup.backup_start_time.as_deref(),
        Some("2019-02-13T12:20:37Z")
    );
    assert_eq!(
        backup.backup_end_time.as_deref(),
        Some("2019-02-13T12:22:53Z")
    );
    assert_eq!(backup.backup_status.as_deref(), Some("Success"));
    assert_eq!(backup.backup_type.as_deref(), Some("FullBackup"));
    assert_eq!(backup.backup_mode.as_deref(), Some("Automated"));
    assert_eq!(backup.backup_method.as_deref(), Some("Physical"));
    assert_eq!(backup.store_status.as_deref(), Some("Disabled"));
    // The empty string means "table-level restore not enabled": kept, not None.
    assert_eq!(backup.meta_status.as_deref(), Some(""));
    assert_eq!(backup.backup_location.as_deref(), Some("OSS"));
    assert_eq!(backup.backup_scale.as_deref(), Some("DBInstance"));
    assert_eq!(
        backup.backup_db_names.as_deref(),
        Some("spdb,sys,test20181221,test-20181228,test_20181115,test_20181116")
    );
    assert_eq!(
        backup.backup_download_url.as_deref(),
        Some(
            "http://rdsbak-hz-v3.oss-cn-hangzhou.aliyuncs.com/custins10430291/hins5882781_data_20190213201955.tar.gz?OSSAccessKeyId=xxxxxxx&Expires=1231230&Signature=zIBwxxxxxxxxUs5ga3p%2BVxxxxxxxk%3D"
        )
    );
    assert_eq!(
        backup.backup_intranet_download_url.as_deref(),
        Some(
            "http://rdsbak-hz-v3.oss-cn-hangzhou-internal.aliyuncs.com/custins10430291/hins5882781_data_20190213201955.tar.gz?OSSAccessKeyId=xxxxxxxx&Expires=1231230&Signature=zIBwxxxxxxx5ga3p%2BVxxxxxxxx%3D"
        )
    );
    assert!(backup.backup_download_link_by_db.is_none());
    assert!(
        backup.unknown_fields.is_empty(),
        "{:?}",
        backup.unknown_fields
    );
}

#[test]
fn seed_xml_record_matches_the_json_example() {
    // We always request JSON; the XML example is kept for the record only.
    let xml = example!("DescribeBackups.seed-001.xml");
    for element in [
        "<BackupId>321020562</BackupId>",
        "<HostInstanceID>5882781</HostInstanceID>",
        "<BackupSize>2167808</BackupSize>",
        "<TotalBackupSize>8672256</TotalBackupSize>",
        "<TotalRecordCount>1</TotalRecordCount>",
    ] {
        assert!(xml.contains(element), "{element}");
    }
}

#[test]
fn english_doc_example() {
    let response: DescribeBackupsResponse = decode(example!("DescribeBackups.doc-en.json"));
    assert_eq!(
        response.request_id.as_deref(),
        Some("1A6D328C-84B8-40DC-BF49-6C73984D7494")
    );
    assert_eq!(response.total_record_count, Some(100));
    assert_eq!(response.page_number, Some(1));
    assert_eq!(response.page_record_count, Some(30));
    assert_eq!(response.total_ecs_snapshot_size, Some(0));
    assert_eq!(response.total_backup_size, None);

    let backup = only_backup(&response);
    assert_eq!(backup.backup_id.as_deref(), Some("321020562"));
    assert_eq!(backup.host_instance_id.as_deref(), Some("5882781"));
    assert_eq!(backup.backup_size, Some(2_167_808));
    assert_eq!(
        backup.backup_start_time.as_deref(),
        Some("2019-02-03T12:20:00Z")
    );
    assert_eq!(
        backup.backup_end_time.as_deref(),
        Some("2019-02-13T12:20:00Z")
    );
    assert_eq!(backup.consistent_time, Some(1_576_506_856));
    assert_eq!(backup.is_avail, Some(1));
    assert_eq!(backup.checksum.as_deref(), Some("1835830439**********"));
    // An object where the docs say String: its JSON text.
    assert_eq!(backup.encryption.as_deref(), Some("{}"));
    // Numbers where the docs say String.
    assert_eq!(backup.storage_class.as_deref(), Some("0"));
    assert_eq!(backup.copy_only_backup.as_deref(), Some("0"));
    assert_eq!(backup.engine_version.as_deref(), Some("8"));
    assert_eq!(backup.engine.as_deref(), Some("MySQL"));
    assert_eq!(backup.backup_initiator.as_deref(), Some("System"));
    assert_eq!(backup.meta_status.as_deref(), Some("OK"));
    assert_eq!(
        backup.backup_download_url.as_deref(),
        Some("http://rdsbak-hz-v3.oss-cn-hangzhou.aliyuncs.com/xxxxx")
    );
    assert_eq!(
        backup.backup_intranet_download_url.as_deref(),
        Some("http://rdsbak-hz-v3.oss-cn-hangzhou-internal.aliyuncs.com/xxxxx")
    );

    let links = &backup
        .backup_download_link_by_db
        .as_ref()
        .expect("links")
        .backup_download_link_by_db;
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].data_base.as_deref(), Some("dbs"));
    assert_eq!(
        links[0].download_link.as_deref(),
        Some(
            "https://cn-hangzhou.bak.rds.aliyuncs.com/custins53664665/hins18676859_2021072909473127987849.zip?Expires=*****&dbList=tb1"
        )
    );
    assert_eq!(
        links[0].intranet_download_link.as_deref(),
        Some(
            "https://cn-hangzhou-internal.bak.rds.aliyuncs.com/custins53664665/hins18676859_2021072909473127987849.zip?Expires=*****&dbList=tb1"
        )
    );
    assert!(
        backup.unknown_fields.is_empty(),
        "{:?}",
        backup.unknown_fields
    );
}

#[test]
fn odd_values_never_fail_the_page() {
    let response: DescribeBackupsResponse = decode(
        r#"{
            "TotalRecordCount": "2",
            "PageNumber": "x",
            "PageRecordCount": null,
            "Items": {"Backup": [
                {"BackupId": "1", "BackupSize": "74464.0", "IsAvail": "yes", "NewField": [1]},
                "not a backup",
                {"BackupId": 2, "BackupSize": {"bytes": 1}, "Encryption": {"Key": "k"}}
            ]}
        }"#,
    );
    assert_eq!(response.total_record_count, Some(2));
    assert_eq!(response.page_number, None);
    assert_eq!(response.page_record_count, None);
    let backups = &response.items.as_ref().expect("Items").backup;
    assert_eq!(backups.len(), 2);
    assert_eq!(backups[0].backup_size, Some(74_464));
    assert_eq!(backups[0].is_avail, None);
    assert_eq!(
        backups[0].unknown_fields["NewField"],
        serde_json::json!([1])
    );
    assert_eq!(backups[1].backup_id.as_deref(), Some("2"));
    assert_eq!(backups[1].backup_size, None);
    assert_eq!(backups[1].encryption.as_deref(), Some(r#"{"Key":"k"}"#));

    let empty: DescribeBackupsResponse = decode(r#"{"Items": {"Backup": []}}"#);
    assert!(empty.items.expect("Items").backup.is_empty());
}

#[test]
fn serializes_with_the_wire_names() {
    let response: DescribeBackupsResponse = decode(example!("DescribeBackups.seed-001.json"));
    let value = serde_json::to_value(&response).expect("serialize");
    assert_eq!(value["TotalBackupSize"], 8_672_256);
    let backup = &value["Items"]["Backup"][0];
    assert_eq!(backup["BackupId"], "321020562");
    assert_eq!(backup["HostInstanceID"], "5882781");
    assert_eq!(backup["DBInstanceId"], "rm-uf6wjk5xxxxxxx");
    assert_eq!(backup["BackupSize"], 2_167_808);
    // Unset fields are left out.
    assert!(backup.get("Encryption").is_none());
}
