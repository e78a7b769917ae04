use capitalonline_mysql::{DescribeBackupsRequest, DownloadBackupRequest};

#[test]
fn describe_backups() {
    assert_eq!(DescribeBackupsRequest::METHOD, "GET");
    assert_eq!(DescribeBackupsRequest::PATH, "/mysql/");
    assert_eq!(DescribeBackupsRequest::ACTION, "DescribeBackups");
    assert_eq!(DescribeBackupsRequest::VERSION, "2019-08-08");
    assert!(DescribeBackupsRequest::CLIENT_PATH_PARAMS.is_empty());
    // providers.md C1: InstanceUuid=0f3c5b4e-1234-4abc-9def-0123456789ab.
    let request = DescribeBackupsRequest::new("0f3c5b4e-1234-4abc-9def-0123456789ab");
    assert_eq!(
        request.query_params(),
        [(
            "InstanceUuid",
            "0f3c5b4e-1234-4abc-9def-0123456789ab".to_owned()
        )]
    );
    assert!(request.header_params().is_empty());
    assert!(request.path_params().is_empty());
    assert!(request.body_params().is_empty());
}

#[test]
fn download_backup() {
    assert_eq!(DownloadBackupRequest::METHOD, "GET");
    assert_eq!(DownloadBackupRequest::PATH, "/mysql/");
    assert_eq!(DownloadBackupRequest::ACTION, "DownloadBackup");
    assert_eq!(DownloadBackupRequest::VERSION, "2019-08-08");
    let request = DownloadBackupRequest::new("instance-uuid", String::from("backup-id"));
    assert_eq!(
        request.query_params(),
        [
            ("InstanceUuid", "instance-uuid".to_owned()),
            ("BackupId", "backup-id".to_owned())
        ]
    );
    assert_eq!(request.instance_uuid, "instance-uuid");
    assert_eq!(request.backup_id, "backup-id");
}
