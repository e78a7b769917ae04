use huaweicloud_rds::ErrorBody;

use crate::{decode, example};

#[test]
fn documented_rds_error() {
    let error: ErrorBody = decode(example!("error.providers-3.6.json"));
    assert_eq!(error.error_code.as_deref(), Some("DBS.200022"));
    assert_eq!(
        error.error_msg.as_deref(),
        Some("The DB instance name already exists.")
    );
    assert_eq!(error.request_id, None);
    assert!(error.unknown_fields.is_empty());
}

#[test]
fn api_gateway_throttling() {
    let error: ErrorBody = decode(example!("error.apig-throttling.json"));
    assert_eq!(error.error_code.as_deref(), Some("APIG.0308"));
    assert_eq!(
        error.error_msg.as_deref(),
        Some(
            "The throttling threshold has been reached: policy user over ratelimit,limit:XX,time:1 second"
        )
    );
}

#[test]
fn gateway_request_id_and_other_key_spellings() {
    let error: ErrorBody = decode(
        r#"{"error_msg": "Incorrect IAM authentication information: verify aksk signature fail", "error_code": "APIG.0301", "request_id": "abc123"}"#,
    );
    assert_eq!(error.error_code.as_deref(), Some("APIG.0301"));
    assert_eq!(error.request_id.as_deref(), Some("abc123"));

    let camel: ErrorBody = decode(r#"{"errorCode": "DBS.1", "errorMsg": "m"}"#);
    assert_eq!(camel.error_code_camel_case.as_deref(), Some("DBS.1"));
    assert_eq!(camel.error_msg_camel_case.as_deref(), Some("m"));

    let plain: ErrorBody = decode(r#"{"code": 429, "message": "Too Many Requests"}"#);
    assert_eq!(plain.code.as_deref(), Some("429"));
    assert_eq!(plain.message.as_deref(), Some("Too Many Requests"));
}
