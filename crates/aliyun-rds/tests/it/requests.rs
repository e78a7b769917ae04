use aliyun_rds::DescribeBackupsRequest;
use time::macros::datetime;

#[test]
fn constants() {
    assert_eq!(DescribeBackupsRequest::METHOD, "POST");
    assert_eq!(DescribeBackupsRequest::PATH, "/");
    assert_eq!(DescribeBackupsRequest::ACTION, "DescribeBackups");
    assert_eq!(DescribeBackupsRequest::VERSION, "2014-08-15");
    assert!(DescribeBackupsRequest::CLIENT_PATH_PARAMS.is_empty());
}

#[test]
fn only_the_required_parameter() {
    let request = DescribeBackupsRequest::new("rm-uf6wjk5xxxxxxx");
    assert_eq!(
        request.query_params(),
        [("DBInstanceId", "rm-uf6wjk5xxxxxxx".to_owned())]
    );
    assert!(request.header_params().is_empty());
    assert!(request.path_params().is_empty());
    assert!(request.body_params().is_empty());
}

#[test]
fn paging_as_in_the_reference_vector() {
    // providers.md A4: DBInstanceId=rm-uf6wjk5xxxxxxx&PageNumber=1&PageSize=30.
    let request = DescribeBackupsRequest::new("rm-uf6wjk5xxxxxxx")
        .with_page_size(30)
        .with_page_number(1);
    assert_eq!(
        request.query_params(),
        [
            ("DBInstanceId", "rm-uf6wjk5xxxxxxx".to_owned()),
            ("PageSize", "30".to_owned()),
            ("PageNumber", "1".to_owned()),
        ]
    );
}

#[test]
fn every_filter_in_the_model_order() {
    let request = DescribeBackupsRequest::new("rm-uf6wjk5xxxxxxx")
        .with_page_number(2)
        .with_page_size(100)
        .with_end_time(datetime!(2011-06-15 16:00 UTC))
        .with_start_time(datetime!(2011-06-01 16:00 UTC))
        .with_backup_type("FullBackup")
        .with_backup_mode("Automated")
        .with_backup_status("Success")
        .with_backup_id("327329803");
    assert_eq!(
        request.query_params(),
        [
            ("DBInstanceId", "rm-uf6wjk5xxxxxxx".to_owned()),
            ("BackupId", "327329803".to_owned()),
            ("BackupStatus", "Success".to_owned()),
            ("BackupMode", "Automated".to_owned()),
            ("BackupType", "FullBackup".to_owned()),
            ("StartTime", "2011-06-01T16:00Z".to_owned()),
            ("EndTime", "2011-06-15T16:00Z".to_owned()),
            ("PageSize", "100".to_owned()),
            ("PageNumber", "2".to_owned()),
        ]
    );
}

fn start_time(request: &DescribeBackupsRequest) -> String {
    let params = request.query_params();
    let (_, value) = params
        .iter()
        .find(|(name, _)| *name == "StartTime")
        .expect("StartTime");
    value.clone()
}

#[test]
fn times_are_sent_in_utc_without_seconds() {
    let utc = DescribeBackupsRequest::new("rm").with_start_time(datetime!(2011-06-01 16:00 UTC));
    assert_eq!(start_time(&utc), "2011-06-01T16:00Z");

    // The same instant written in +08:00.
    let beijing =
        DescribeBackupsRequest::new("rm").with_start_time(datetime!(2011-06-02 00:00 +08:00));
    assert_eq!(start_time(&beijing), "2011-06-01T16:00Z");

    // Seconds are dropped, not rounded; a negative offset moves the date forward.
    let west =
        DescribeBackupsRequest::new("rm").with_start_time(datetime!(2011-05-31 23:30:59 -16:30));
    assert_eq!(start_time(&west), "2011-06-01T16:00Z");
}

#[test]
fn the_fields_are_public_and_the_defaults_empty() {
    let mut request = DescribeBackupsRequest::new("rm");
    request.page_size = Some(50);
    assert_eq!(request.page_size, Some(50));
    assert_eq!(request.backup_id, None);
    assert_eq!(DescribeBackupsRequest::default().db_instance_id, "");
}
