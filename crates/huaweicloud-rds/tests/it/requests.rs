use huaweicloud_rds::{ListBackupFilesRequest, ListBackupsRequest};
use time::macros::datetime;

fn owned(params: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    params
        .iter()
        .map(|(name, value)| (*name, (*value).to_owned()))
        .collect()
}

#[test]
fn list_backups_constants() {
    assert_eq!(ListBackupsRequest::METHOD, "GET");
    assert_eq!(ListBackupsRequest::PATH, "/v3/{project_id}/backups");
    assert_eq!(ListBackupsRequest::CLIENT_PATH_PARAMS, ["project_id"]);
}

#[test]
fn list_backups_as_in_the_docs_uri_example() {
    // Seed 003, URI样例:
    // ?instance_id=43e4feaab48f11e89039fa163ebaa7e4br01&backup_id=c0c9f155c7b7423a9d30f0175998b63bbr01
    // &backup_type=auto&offset=0&limit=10&begin_time=2018-08-06T10:41:14+0800&end_time=2018-08-16T10:41:14+0800
    let request = ListBackupsRequest::new("43e4feaab48f11e89039fa163ebaa7e4br01")
        .with_backup_id("c0c9f155c7b7423a9d30f0175998b63bbr01")
        .with_backup_type("auto")
        .with_offset(0)
        .with_limit(10)
        .with_begin_time(datetime!(2018-08-06 10:41:14 +08:00))
        .with_end_time(datetime!(2018-08-16 10:41:14 +08:00));
    assert_eq!(
        request.query_params(),
        owned(&[
            ("instance_id", "43e4feaab48f11e89039fa163ebaa7e4br01"),
            ("backup_id", "c0c9f155c7b7423a9d30f0175998b63bbr01"),
            ("backup_type", "auto"),
            ("offset", "0"),
            ("limit", "10"),
            ("begin_time", "2018-08-06T10:41:14+0800"),
            ("end_time", "2018-08-16T10:41:14+0800"),
        ])
    );
    assert!(request.header_params().is_empty());
    assert!(request.path_params().is_empty());
    assert!(request.body_params().is_empty());
}

#[test]
fn list_backups_as_in_the_signing_vector() {
    // providers.md H3: ?instance_id=43e4feaab48f11e89039fa163ebaa7e4br01&limit=10&offset=0 (sorted by the signer).
    let request = ListBackupsRequest::new("43e4feaab48f11e89039fa163ebaa7e4br01")
        .with_limit(10)
        .with_offset(0);
    let mut params = request.query_params();
    params.sort();
    assert_eq!(
        params,
        owned(&[
            ("instance_id", "43e4feaab48f11e89039fa163ebaa7e4br01"),
            ("limit", "10"),
            ("offset", "0")
        ])
    );
}

#[test]
fn times_keep_their_own_offset() {
    let begin = |value| {
        let params = ListBackupsRequest::new("i")
            .with_begin_time(value)
            .query_params();
        params
            .into_iter()
            .find(|(name, _)| *name == "begin_time")
            .expect("begin_time")
            .1
    };
    assert_eq!(
        begin(datetime!(2018-08-06 02:41:14 UTC)),
        "2018-08-06T02:41:14+0000"
    );
    assert_eq!(
        begin(datetime!(2018-08-06 08:11:14 +05:30)),
        "2018-08-06T08:11:14+0530"
    );
    assert_eq!(
        begin(datetime!(2018-08-05 22:41:14 -04:00)),
        "2018-08-05T22:41:14-0400"
    );
}

#[test]
fn list_backups_language_header_and_status() {
    let request = ListBackupsRequest::new("i")
        .with_status("COMPLETED")
        .with_x_language("en-us");
    assert_eq!(request.header_params(), owned(&[("X-Language", "en-us")]));
    assert_eq!(
        request.query_params(),
        owned(&[("instance_id", "i"), ("status", "COMPLETED")])
    );
}

#[test]
fn list_backup_files() {
    assert_eq!(ListBackupFilesRequest::METHOD, "GET");
    assert_eq!(
        ListBackupFilesRequest::PATH,
        "/v3/{project_id}/backup-files"
    );
    assert_eq!(ListBackupFilesRequest::CLIENT_PATH_PARAMS, ["project_id"]);
    let request = ListBackupFilesRequest::new("43e4feaab48f11e89039fa163ebaa7e4br01");
    assert_eq!(
        request.query_params(),
        owned(&[("backup_id", "43e4feaab48f11e89039fa163ebaa7e4br01")])
    );
    assert!(request.header_params().is_empty());
    assert!(request.path_params().is_empty());
}
