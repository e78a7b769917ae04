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
