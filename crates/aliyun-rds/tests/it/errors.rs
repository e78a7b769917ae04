use aliyun_rds::ErrorBody;

use crate::{decode, example};

#[test]
fn documented_error_body() {
    let error: ErrorBody = decode(example!("error.providers-2.5.json"));
    assert_eq!(
        error.request_id.as_deref(),
        Some("6BE56E05-XXXX-XXXX-XXXX-FD90C4FFD581")
    );
    assert_eq!(
        error.host_id.as_deref(),
        Some("ecs.ap-southeast-3.aliyuncs.com")
    );
    assert_eq!(error.code.as_deref(), Some("InvalidImageId.NotFound"));
    assert_eq!(
        error.message.as_deref(),
        Some("The specified ImageId does not exist.")
    );
    assert_eq!(
        error.recommend.as_deref(),
        Some(
            "https://api.alibabacloud.com/troubleshoot?intl_lang=EN_US&q=InvalidImageId.NotFound&product=Ecs&requestId=6BE56E05-XXXX-XXXX-XXXX-FD90C4FFD581"
        )
    );
    assert_eq!(error.access_denied_detail, None);
    assert!(error.unknown_fields.is_empty());
}

#[test]
fn throttling_and_access_denied_bodies() {
    let error: ErrorBody = decode(
        r#"{"RequestId": "R", "Code": "Throttling", "Message": "Request was denied due to request throttling.",
            "AccessDeniedDetail": {"PolicyType": "AccountLevelIdentityBasedPolicy"}}"#,
    );
    assert_eq!(error.code.as_deref(), Some("Throttling"));
    assert_eq!(error.request_id.as_deref(), Some("R"));
    assert_eq!(
        error.access_denied_detail.as_deref(),
        Some(r#"{"PolicyType":"AccountLevelIdentityBasedPolicy"}"#)
    );
}

/// The crate's own error format (generated from `fixtures/aliyun-rds/error.json`) reads the
/// documented body and gives each code its meaning.
#[test]
fn the_error_format_reads_the_documented_body() {
    let body = example!("error.providers-2.5.json");
    let error = aliyun_rds::ERROR_FORMAT
        .service_error_of(404, &[], body.as_bytes())
        .expect("an error");
    assert_eq!(error.code.as_deref(), Some("InvalidImageId.NotFound"));
    assert_eq!(
        error.message.as_deref(),
        Some("The specified ImageId does not exist.")
    );
    assert_eq!(
        error.request_id.as_deref(),
        Some("6BE56E05-XXXX-XXXX-XXXX-FD90C4FFD581")
    );
    let extra: Vec<&str> = error.extra.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(extra, ["HostId", "Recommend"]);
    assert!(error.meaning.not_found && error.meaning.validation);
    // Lower-case keys and the header's request id; a 200 is no error.
    let error = aliyun_rds::ERROR_FORMAT
        .service_error_of(
            400,
            &[("x-acs-request-id", "hdr-1")],
            br#"{"code": "Throttling.User", "message": "Request was denied due to user flow control."}"#,
        )
        .expect("an error");
    assert_eq!(error.code.as_deref(), Some("Throttling.User"));
    assert_eq!(error.request_id.as_deref(), Some("hdr-1"));
    assert!(
        aliyun_rds::ERROR_FORMAT
            .service_error_of(200, &[], br#"{"Code": "x"}"#)
            .is_none()
    );
}

#[test]
fn alibaba_codes_mean_what_the_docs_say() {
    let error = |status: u16, code: &str| {
        let body = format!(r#"{{"Code": "{code}", "RequestId": "r"}}"#);
        let service = aliyun_rds::ERROR_FORMAT
            .service_error_of(status, &[], body.as_bytes())
            .expect("an error");
        aliyun_rds::Error::service(Some(status), service)
    };
    for code in ["Throttling", "Throttling.User", "Throttling.Api"] {
        assert!(error(400, code).is_throttling(), "{code}");
        assert!(error(400, code).is_retryable(), "{code}");
    }
    for code in [
        "ServiceUnavailable",
        "ServiceUnavailable.RegionMaintaining",
        "InternalError",
    ] {
        assert!(error(503, code).is_retryable(), "{code}");
        // Retried for its code, not only its status.
        assert!(error(400, code).is_retryable(), "{code}");
    }
    for code in [
        "SignatureDoesNotMatch",
        "InvalidAccessKeyId.NotFound",
        "Forbidden.RAM",
        "IncompleteSignature",
    ] {
        let error = error(500, code);
        assert!(error.is_auth(), "{code}");
        assert!(!error.is_retryable(), "{code}");
        assert!(!error.is_not_found(), "{code}");
    }
    assert!(!error(503, "InvalidParameter").is_retryable());
    assert!(!error(502, "MissingBackupId").is_retryable());
    assert!(error(400, "InvalidDBInstanceId.NotFound").is_not_found());
    assert!(!error(400, "ThrottlingX").is_throttling());
}
