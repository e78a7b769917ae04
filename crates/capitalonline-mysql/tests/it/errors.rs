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

/// The crate's own error format (generated from `fixtures/capitalonline-mysql/error.json`):
/// an HTTP 200 with a failure code is an error; the request id comes from the body, the
/// `cds-request-id` header, then `TaskId`.
#[test]
fn the_error_format_reads_failures_on_http_200() {
    let format = capitalonline_mysql::ERROR_FORMAT;
    for ok in [
        r#"{"Code":"Success","Message":"Success.","Data":[],"TaskId":""}"#,
        r#"{"Code":"success"}"#,
        r#"{"Code":"OK"}"#,
        r#"{"Data":[]}"#,
        "<html>not json</html>",
    ] {
        assert!(
            format.service_error_of(200, &[], ok.as_bytes()).is_none(),
            "{ok}"
        );
    }
    let error = format
        .service_error_of(
            200,
            &[("cds-request-id", "cds-1")],
            br#"{"Code":"InvalidParameter","Msg":"bad InstanceUuid","TaskId":"t-1"}"#,
        )
        .expect("an error");
    assert_eq!(error.code.as_deref(), Some("InvalidParameter"));
    assert_eq!(error.message.as_deref(), Some("bad InstanceUuid"));
    assert_eq!(error.request_id.as_deref(), Some("cds-1"));
    assert!(error.meaning.validation);
    let error = format
        .service_error_of(
            404,
            &[],
            br#"{"Code":"ResourceNotFound","message":"gone","TaskId":"t-2"}"#,
        )
        .expect("an error");
    assert_eq!(error.message.as_deref(), Some("gone"));
    assert_eq!(error.request_id.as_deref(), Some("t-2"));
    assert!(error.meaning.not_found);
    let body = example!("error.constructed.json");
    let error = format
        .service_error_of(400, &[], body.as_bytes())
        .expect("an error");
    assert!(error.code.is_some());
    let internal = format
        .service_error_of(200, &[], br#"{"Code":"InternalError"}"#)
        .expect("an error");
    assert!(capitalonline_mysql::Error::service(Some(200), internal).is_retryable());
}
