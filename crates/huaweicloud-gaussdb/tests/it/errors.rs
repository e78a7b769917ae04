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

/// The crate's own error format (generated from `fixtures/huaweicloud-gaussdb/error.json`;
/// the gateway's shapes are tested in full in huaweicloud-rds, whose model declares the same
/// format): a TaurusDB service error keeps its code and the header's request id, and the
/// gateway's throttling example is throttling.
#[test]
fn the_error_format_reads_taurusdb_and_gateway_errors() {
    let format = huaweicloud_gaussdb::ERROR_FORMAT;
    let error = format
        .service_error_of(
            400,
            &[("X-Request-Id", "gdb-1")],
            br#"{"error_code": "DBS.280234", "error_msg": "Invalid DB instance name."}"#,
        )
        .expect("an error");
    assert_eq!(error.code.as_deref(), Some("DBS.280234"));
    assert_eq!(error.request_id.as_deref(), Some("gdb-1"));
    assert!(!error.meaning.throttling && !error.meaning.auth);
    let body = example!("error.apig-throttling.json");
    let error = format
        .service_error_of(429, &[], body.as_bytes())
        .expect("an error");
    let throttled = huaweicloud_gaussdb::Error::service(Some(429), error);
    assert!(throttled.is_throttling() && throttled.is_retryable());
    assert!(
        format
            .service_error_of(200, &[], br#"{"error_code":"x"}"#)
            .is_none()
    );
}
