use capitalonline_mysql::ErrorBody;

use crate::{decode, example};

#[test]
fn constructed_error_body() {
    // No documented example exists; see fixtures/README.md.
    let error: ErrorBody = decode(example!("error.constructed.json"));
    assert_eq!(error.code.as_deref(), Some("ResourceNotFound"));
    assert_eq!(error.message.as_deref(), Some("资源不存在"));
    assert_eq!(error.task_id.as_deref(), Some(""));
    assert_eq!(error.message_lowercase, None);
    assert!(error.unknown_fields.is_empty());
}

#[test]
fn the_go_sdks_key_spellings() {
    // cds-gic-sdk-go: lower-case "message"; cds-cloudos-go-sdk: Msg, RequestId, Desc.
    let gic: ErrorBody =
        decode(r#"{"Code": "InvalidParameter", "message": "参数错误", "TaskId": "t-1"}"#);
    assert_eq!(gic.code.as_deref(), Some("InvalidParameter"));
    assert_eq!(gic.message, None);
    assert_eq!(gic.message_lowercase.as_deref(), Some("参数错误"));
    assert_eq!(gic.task_id.as_deref(), Some("t-1"));

    let os: ErrorBody =
        decode(r#"{"Code": "RequestExpired", "Msg": "expired", "RequestId": "r-1", "Desc": "d"}"#);
    assert_eq!(os.msg.as_deref(), Some("expired"));
    assert_eq!(os.request_id.as_deref(), Some("r-1"));
    assert_eq!(os.desc.as_deref(), Some("d"));
}
