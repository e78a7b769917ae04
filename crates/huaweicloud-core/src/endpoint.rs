//! Where requests go: the region → endpoint tables of the official SDK's region files, and
//! endpoint overrides (`scheme://host[:port]`).

use std::fmt;

use cloud_http::{Error, ErrorFormat};

use crate::Result;

/// `huaweicloudsdkrds/v3/region/rds_region.py` (huaweicloudsdkrds 3.1.219): 34 regions, all
/// `https://rds.<region>.myhuaweicloud.com` except `eu-west-101` (`.eu`).
const RDS_REGIONS: &[(&str, &str)] = &[
    ("af-south-1", "https://rds.af-south-1.myhuaweicloud.com"),
    ("cn-north-4", "https://rds.cn-north-4.myhuaweicloud.com"),
    ("cn-north-1", "https://rds.cn-north-1.myhuaweicloud.com"),
    ("cn-east-2", "https://rds.cn-east-2.myhuaweicloud.com"),
    ("cn-east-3", "https://rds.cn-east-3.myhuaweicloud.com"),
    ("cn-east-5", "https://rds.cn-east-5.myhuaweicloud.com"),
    ("cn-east-4", "https://rds.cn-east-4.myhuaweicloud.com"),
    ("cn-south-1", "https://rds.cn-south-1.myhuaweicloud.com"),
    (
        "cn-southwest-2",
        "https://rds.cn-southwest-2.myhuaweicloud.com",
    ),
    (
        "ap-southeast-2",
        "https://rds.ap-southeast-2.myhuaweicloud.com",
    ),
    (
        "ap-southeast-1",
        "https://rds.ap-southeast-1.myhuaweicloud.com",
    ),
    (
        "ap-southeast-3",
        "https://rds.ap-southeast-3.myhuaweicloud.com",
    ),
    (
        "ru-northwest-2",
        "https://rds.ru-northwest-2.myhuaweicloud.com",
    ),
    ("sa-brazil-1", "https://rds.sa-brazil-1.myhuaweicloud.com"),
    ("la-north-2", "https://rds.la-north-2.myhuaweicloud.com"),
    ("cn-south-2", "https://rds.cn-south-2.myhuaweicloud.com"),
    ("na-mexico-1", "https://rds.na-mexico-1.myhuaweicloud.com"),
    ("la-south-2", "https://rds.la-south-2.myhuaweicloud.com"),
    ("cn-north-9", "https://rds.cn-north-9.myhuaweicloud.com"),
    ("cn-north-2", "https://rds.cn-north-2.myhuaweicloud.com"),
    ("tr-west-1", "https://rds.tr-west-1.myhuaweicloud.com"),
    (
        "ap-southeast-4",
        "https://rds.ap-southeast-4.myhuaweicloud.com",
    ),
    (
        "ap-southeast-5",
        "https://rds.ap-southeast-5.myhuaweicloud.com",
    ),
    ("ae-ad-1", "https://rds.ae-ad-1.myhuaweicloud.com"),
    ("eu-west-101", "https://rds.eu-west-101.myhuaweicloud.eu"),
    ("eu-west-0", "https://rds.eu-west-0.myhuaweicloud.com"),
    (
        "my-kualalumpur-1",
        "https://rds.my-kualalumpur-1.myhuaweicloud.com",
    ),
    ("ru-moscow-1", "https://rds.ru-moscow-1.myhuaweicloud.com"),
    ("me-east-1", "https://rds.me-east-1.myhuaweicloud.com"),
    ("af-north-1", "https://rds.af-north-1.myhuaweicloud.com"),
    ("cn-north-12", "https://rds.cn-north-12.myhuaweicloud.com"),
    ("cn-south-4", "https://rds.cn-south-4.myhuaweicloud.com"),
    (
        "cn-southwest-3",
        "https://rds.cn-southwest-3.myhuaweicloud.com",
    ),
    ("cn-north-11", "https://rds.cn-north-11.myhuaweicloud.com"),
];

/// `huaweicloudsdkgaussdb/v3/region/gaussdb_region.py` (huaweicloudsdkgaussdb 3.1.219): 20
/// regions under three different host prefixes.
const GAUSSDB_REGIONS: &[(&str, &str)] = &[
    // `gaussdb.`
    ("cn-north-4", "https://gaussdb.cn-north-4.myhuaweicloud.com"),
    (
        "cn-southwest-2",
        "https://gaussdb.cn-southwest-2.myhuaweicloud.com",
    ),
    ("cn-east-3", "https://gaussdb.cn-east-3.myhuaweicloud.com"),
    ("cn-south-1", "https://gaussdb.cn-south-1.myhuaweicloud.com"),
    (
        "ru-northwest-2",
        "https://gaussdb.ru-northwest-2.myhuaweicloud.com",
    ),
    (
        "ap-southeast-3",
        "https://gaussdb.ap-southeast-3.myhuaweicloud.com",
    ),
    ("cn-north-2", "https://gaussdb.cn-north-2.myhuaweicloud.com"),
    ("cn-north-9", "https://gaussdb.cn-north-9.myhuaweicloud.com"),
    (
        "ap-southeast-4",
        "https://gaussdb.ap-southeast-4.myhuaweicloud.com",
    ),
    (
        "sa-brazil-1",
        "https://gaussdb.sa-brazil-1.myhuaweicloud.com",
    ),
    ("cn-south-4", "https://gaussdb.cn-south-4.myhuaweicloud.com"),
    // `gaussdbformysql.`
    (
        "tr-west-1",
        "https://gaussdbformysql.tr-west-1.myhuaweicloud.com",
    ),
    (
        "ap-southeast-1",
        "https://gaussdbformysql.ap-southeast-1.myhuaweicloud.com",
    ),
    (
        "ap-southeast-2",
        "https://gaussdbformysql.ap-southeast-2.myhuaweicloud.com",
    ),
    (
        "cn-north-11",
        "https://gaussdbformysql.cn-north-11.myhuaweicloud.com",
    ),
    (
        "me-east-1",
        "https://gaussdbformysql.me-east-1.myhuaweicloud.com",
    ),
    // `gaussdb-mysql.`
    (
        "af-south-1",
        "https://gaussdb-mysql.af-south-1.myhuaweicloud.com",
    ),
    (
        "cn-east-5",
        "https://gaussdb-mysql.cn-east-5.myhuaweicloud.com",
    ),
    (
        "la-north-2",
        "https://gaussdb-mysql.la-north-2.myhuaweicloud.com",
    ),
    (
        "cn-southwest-3",
        "https://gaussdb-mysql.cn-southwest-3.myhuaweicloud.com",
    ),
];

/// A Huawei Cloud service whose endpoints this crate knows: its name and its region table,
/// copied from the official Python SDK's region file.
///
/// ```
/// use huaweicloud_core::Service;
///
/// assert_eq!(
///     Service::RDS.endpoint("cn-north-4"),
///     Some("https://rds.cn-north-4.myhuaweicloud.com")
/// );
/// assert_eq!(
///     Service::RDS.endpoint("eu-west-101"),
///     Some("https://rds.eu-west-101.myhuaweicloud.eu")
/// );
/// assert_eq!(
///     Service::GAUSSDB.endpoint("ap-southeast-1"),
///     Some("https://gaussdbformysql.ap-southeast-1.myhuaweicloud.com")
/// );
/// assert_eq!(Service::GAUSSDB.endpoint("cn-north-1"), None);
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Service {
    name: &'static str,
    crate_name: &'static str,
    example: &'static str,
    regions: &'static [(&'static str, &'static str)],
    errors: ErrorFormat,
}

impl Service {
    /// Huawei Cloud RDS (v3): `https://rds.<region>.myhuaweicloud.com` in 34 regions
    /// (`eu-west-101` is `https://rds.eu-west-101.myhuaweicloud.eu`).
    pub const RDS: Service = Service {
        name: "RDS",
        crate_name: "huaweicloud-rds",
        example: "https://rds.<region>.myhuaweicloud.com",
        regions: RDS_REGIONS,
        errors: ErrorFormat::new(),
    };

    /// Huawei Cloud GaussDB for MySQL / TaurusDB (v3) in 20 regions, under three host
    /// prefixes depending on the region: `gaussdb.`, `gaussdbformysql.` or `gaussdb-mysql.`.
    pub const GAUSSDB: Service = Service {
        name: "GaussDB",
        crate_name: "huaweicloud-gaussdb",
        example: "https://gaussdb.<region>.myhuaweicloud.com",
        regions: GAUSSDB_REGIONS,
        errors: ErrorFormat::new(),
    };

    /// This service, its errors read with `errors`: the service crate's own format and codes
    /// (`ERROR_FORMAT`, generated from its `error.json` model). Without one, only the HTTP
    /// status tells a failure's meaning.
    pub const fn with_error_format(mut self, errors: ErrorFormat) -> Self {
        self.errors = errors;
        self
    }

    /// The error format of [`with_error_format`](Self::with_error_format).
    pub fn error_format(&self) -> &ErrorFormat {
        &self.errors
    }

    /// The service's name, e.g. `RDS`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The name of the crate that is its client, used as the service name in tracing spans
    /// (e.g. `huaweicloud-rds`).
    pub fn crate_name(&self) -> &'static str {
        self.crate_name
    }

    /// The endpoint (`https://host`) of `region` from the official SDK's region file, or
    /// `None` for a region the file does not list. Region ids are compared exactly (they are
    /// lower-case, e.g. `cn-north-4`).
    pub fn endpoint(&self, region: &str) -> Option<&'static str> {
        self.regions
            .iter()
            .find(|(known, _)| *known == region)
            .map(|(_, endpoint)| *endpoint)
    }

    /// Every region the official SDK's region file lists, in its order.
    pub fn regions(&self) -> impl Iterator<Item = &'static str> + 'static {
        self.regions.iter().map(|(region, _)| *region)
    }

    /// The endpoint of `region`, or a [`Config`](cloud_http::ErrorKind::Config) error that
    /// lists the known regions and says how to set the endpoint explicitly.
    pub(crate) fn endpoint_or_error(&self, region: &str) -> Result<Endpoint> {
        match self.endpoint(region) {
            Some(endpoint) => Endpoint::parse(endpoint),
            None => Err(Error::config(format!(
                "unknown region {region:?} for Huawei Cloud {}: the official SDK's region file \
                 lists {}; set the endpoint explicitly instead of the region (for example \
                 {})",
                self.name,
                self.regions().collect::<Vec<_>>().join(", "),
                self.example.replace("<region>", region),
            ))),
        }
    }
}

impl fmt::Debug for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Service")
            .field("name", &self.name)
            .field("regions", &self.regions.len())
            .finish_non_exhaustive()
    }
}

/// An endpoint: `scheme://host[:port]`, parsed by the rules every client crate shares
/// ([`cloud_http::Endpoint`]).
pub use cloud_http::Endpoint;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_have_the_sdk_sizes_and_parse() {
        assert_eq!(Service::RDS.regions().count(), 34);
        assert_eq!(Service::GAUSSDB.regions().count(), 20);
        for service in [Service::RDS, Service::GAUSSDB] {
            for region in service.regions() {
                let endpoint = service.endpoint_or_error(region).unwrap();
                assert!(endpoint.as_str().starts_with("https://"), "{endpoint}");
                assert!(endpoint.host().contains(region), "{endpoint}");
            }
        }
    }

    #[test]
    fn rds_pattern_and_exception() {
        for region in Service::RDS.regions().filter(|r| *r != "eu-west-101") {
            assert_eq!(
                Service::RDS.endpoint(region).unwrap(),
                format!("https://rds.{region}.myhuaweicloud.com")
            );
        }
    }

    #[test]
    fn gaussdb_prefixes() {
        let prefix = |region: &str| {
            let endpoint = Service::GAUSSDB.endpoint(region).unwrap();
            endpoint
                .strip_prefix("https://")
                .and_then(|rest| rest.split_once('.'))
                .map(|(prefix, _)| prefix.to_owned())
                .unwrap()
        };
        assert_eq!(prefix("cn-north-4"), "gaussdb");
        assert_eq!(prefix("cn-south-4"), "gaussdb");
        assert_eq!(prefix("me-east-1"), "gaussdbformysql");
        assert_eq!(prefix("cn-north-11"), "gaussdbformysql");
        assert_eq!(prefix("af-south-1"), "gaussdb-mysql");
        assert_eq!(prefix("cn-southwest-3"), "gaussdb-mysql");
    }

    #[test]
    fn unknown_region_error_says_what_to_do() {
        let error = Service::GAUSSDB.endpoint_or_error("xx-moon-1").unwrap_err();
        assert_eq!(error.kind(), cloud_http::ErrorKind::Config);
        let text = error.to_string();
        assert!(text.contains("xx-moon-1"), "{text}");
        assert!(text.contains("set the endpoint explicitly"), "{text}");
        assert!(!text.contains("::"), "no Rust API in a message: {text}");
        assert!(text.contains("cn-north-4"), "{text}");
    }

    #[test]
    fn bad_endpoints() {
        for text in [
            "",
            "ftp://rds.cn-north-4.myhuaweicloud.com",
            "https://rds.cn-north-4.myhuaweicloud.com/v3",
            "https://rds.cn-north-4.myhuaweicloud.com/?a=b",
            "https://rds.cn-north-4.myhuaweicloud.com/#x",
            "https://user:secret-pass@rds.cn-north-4.myhuaweicloud.com",
        ] {
            let error = Endpoint::parse(text).unwrap_err();
            assert_eq!(error.kind(), cloud_http::ErrorKind::Config, "{text}");
            assert!(!error.to_string().contains("secret-pass"), "{error}");
        }
    }

    #[test]
    fn endpoints_normalize() {
        let e = Endpoint::parse(" http://[::1]:9000/ ").unwrap();
        assert_eq!(e.as_str(), "http://[::1]:9000");
        assert_eq!(e.host(), "[::1]:9000");
        let e = Endpoint::parse("http://rds.cn-north-4.myhuaweicloud.com:80").unwrap();
        assert_eq!(e.host(), "rds.cn-north-4.myhuaweicloud.com");
    }
}
