//! The services the crate knows ([`Provider`], from `cloud-provider`, shared with the
//! sandbox), and which of them this build includes.

pub use cloud_provider::{FileFacts, ParseProviderError, Provider, SizeUnit};

/// Whether this build includes `provider` (its cargo feature is on). A provider whose feature
/// is off is refused at run time with a clear error.
///
/// ```
/// use cloud_backup::{Provider, is_enabled};
///
/// assert_eq!(is_enabled(Provider::AliyunRds), cfg!(feature = "aliyun-rds"));
/// ```
pub const fn is_enabled(provider: Provider) -> bool {
    match provider {
        Provider::CapitalOnlineMysql => cfg!(feature = "capitalonline-mysql"),
        Provider::AliyunRds => cfg!(feature = "aliyun-rds"),
        Provider::HuaweiCloudRds => cfg!(feature = "huaweicloud-rds"),
        Provider::HuaweiCloudGaussDb => cfg!(feature = "huaweicloud-gaussdb"),
    }
}

/// The providers this build includes.
pub fn enabled_providers() -> impl Iterator<Item = Provider> {
    Provider::ALL.iter().copied().filter(|p| is_enabled(*p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enabled_providers_follow_the_features() {
        assert_eq!(
            is_enabled(Provider::CapitalOnlineMysql),
            cfg!(feature = "capitalonline-mysql")
        );
        assert_eq!(
            is_enabled(Provider::AliyunRds),
            cfg!(feature = "aliyun-rds")
        );
        assert_eq!(
            is_enabled(Provider::HuaweiCloudRds),
            cfg!(feature = "huaweicloud-rds")
        );
        assert_eq!(
            is_enabled(Provider::HuaweiCloudGaussDb),
            cfg!(feature = "huaweicloud-gaussdb")
        );
        assert!(enabled_providers().all(is_enabled));
    }
}
