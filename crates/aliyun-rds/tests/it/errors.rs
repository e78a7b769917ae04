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
