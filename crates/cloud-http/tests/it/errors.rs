//! How errors read: code, message, request id, and never a secret.

use cloud_http::{Error, ErrorKind, ServiceError};

use crate::support::{ALIBABA, assert_no_secret};

#[test]
fn service_error_display() {
    let error = Error::service(
        Some(400),
        ServiceError::new()
            .with_code("SignatureDoesNotMatch")
            .with_message("Specified signature is not matched with our calculation.")
            .with_request_id("6BE56E05-XXXX-XXXX-XXXX-FD90C4FFD581")
            .with_extra("HostId", "rds.aliyuncs.com")
            .with_meaning(ALIBABA.codes.classify("SignatureDoesNotMatch")),
    );
    assert_eq!(
        error.to_string(),
        "service error: SignatureDoesNotMatch: Specified signature is not matched with our \
         calculation. (HTTP 400, request id 6BE56E05-XXXX-XXXX-XXXX-FD90C4FFD581)"
    );
    assert_eq!(error.kind(), ErrorKind::Service);
    assert_eq!(error.extra_field("HostId"), Some("rds.aliyuncs.com"));
    assert!(error.is_auth());
}

#[test]
fn echoed_secrets_are_removed_everywhere() {
    let error = Error::service(
        Some(403),
        ServiceError::new()
            .with_code("IncompleteSignature")
            .with_message(format!(
                "bad request GET /?Action=X&Signature={} with Authorization: {}",
                crate::support::SECRET_SIGNATURE,
                crate::support::SECRET_AUTHORIZATION
            )),
    );
    assert_no_secret(&error.to_string());
    assert_no_secret(&format!("{error:?}"));
    assert_no_secret(error.message().unwrap());
    assert!(error.to_string().contains("** redacted **"), "{error}");
}

#[test]
fn reqwest_errors_lose_their_url() {
    let client = reqwest::Client::new();
    let built = client
        .get(format!(
            "http://[::1/?Signature={}",
            crate::support::SECRET_SIGNATURE
        ))
        .build();
    let error = Error::from(built.unwrap_err());
    assert_eq!(error.kind(), ErrorKind::Config);
    assert_no_secret(&format!("{error} {error:?}"));
}
