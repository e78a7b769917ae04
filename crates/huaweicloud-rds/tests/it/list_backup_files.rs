use huaweicloud_rds::ListBackupFilesResponse;

use crate::{decode, example};

#[test]
fn documented_example_with_its_malformed_day() {
    let response: ListBackupFilesResponse = decode(example!("ListBackupFiles.providers-3.3.json"));
    assert_eq!(response.bucket.as_deref(), Some("rdsbucket.bucketname"));
    assert_eq!(response.files.len(), 1);
    let file = &response.files[0];
    assert_eq!(
        file.name.as_deref(),
        Some("43e4feaab48f11e89039fa163ebaa7e4br01.xxx")
    );
    assert_eq!(file.size, Some(2803));
    assert_eq!(
        file.download_link.as_deref(),
        Some("https://obs.domainname.com/rdsbucket.username.1/xxxxxx")
    );
    // Kept as sent: day "016".
    assert_eq!(
        file.link_expired_time.as_deref(),
        Some("2018-08-016T10:15:14+0800")
    );
    assert_eq!(file.database_name, None);
    assert!(file.unknown_fields.is_empty());
}

#[test]
fn files_of_individual_databases() {
    let response: ListBackupFilesResponse = decode(
        r#"{"files": [{"name": "a.bak", "size": "12", "download_link": "https://x/a", "database_name": "db1"}], "bucket": 7}"#,
    );
    assert_eq!(response.bucket.as_deref(), Some("7"));
    assert_eq!(response.files[0].size, Some(12));
    assert_eq!(response.files[0].database_name.as_deref(), Some("db1"));
}
