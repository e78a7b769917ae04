use huaweicloud_gaussdb::ErrorBody;

use crate::{decode, example};

#[test]
fn documented_taurusdb_error() {
    let error: ErrorBody = decode(example!("error.providers-3.6.json"));
    assert_eq!(error.error_code.as_deref(), Some("DBS.280234"));
    assert_eq!(
        error.error_msg.as_deref(),
        Some("Invalid DB instance name.")
    );
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
    assert_eq!(error.request_id, None);
}

/// The crate's own error format (generated from `fixtures/huaweicloud-gaussdb/error.json`): the SDK's three
/// key pairs, nested objects, the `X-Request-Id` header first, the status as the code, and
/// the API gateway's codes.
#[test]
fn the_error_format_reads_every_huawei_shape() {
    let format = huaweicloud_gaussdb::ERROR_FORMAT;
    for body in [
        r#"{"error_code":"DBS.200022","error_msg":"The DB instance name already exists."}"#,
        r#"{"errorCode":"DBS.200022","errorMsg":"The DB instance name already exists."}"#,
        r#"{"code":"DBS.200022","message":"The DB instance name already exists."}"#,
        r#"{"error":{"code":"DBS.200022","message":"The DB instance name already exists."}}"#,
    ] {
        let error = format
            .service_error_of(400, &[("X-Request-Id", "hw-1")], body.as_bytes())
            .expect("an error");
        assert_eq!(error.code.as_deref(), Some("DBS.200022"), "{body}");
        assert_eq!(
            error.message.as_deref(),
            Some("The DB instance name already exists.")
        );
        assert_eq!(error.request_id.as_deref(), Some("hw-1"));
        assert_eq!(
            error.meaning,
            Default::default(),
            "a service code means nothing more"
        );
    }
    let body = example!("error.apig-throttling.json");
    let error = format
        .service_error_of(429, &[], body.as_bytes())
        .expect("an error");
    assert!(error.meaning.throttling);
    let throttled = huaweicloud_gaussdb::Error::service(Some(429), error);
    assert!(throttled.is_throttling() && throttled.is_retryable());
    let error = format
        .service_error_of(401, &[], br#"{"error_code":"APIGW.0301","error_msg":"verify aksk signature fail","request_id":"rq-9"}"#)
        .expect("an error");
    assert!(error.meaning.auth);
    assert_eq!(error.request_id.as_deref(), Some("rq-9"));
    let error = format
        .service_error_of(503, &[], br#"{"unexpected": true}"#)
        .expect("an error");
    assert_eq!(error.code.as_deref(), Some("503"));
    assert!(
        format
            .service_error_of(200, &[], br#"{"error_code":"x"}"#)
            .is_none()
    );
}
