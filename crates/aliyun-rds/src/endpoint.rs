//! Region to endpoint, and the parsing of an endpoint override.
//!
//! The table is the official Python SDK's (`alibabacloud-rds20140815` 16.0.2,
//! `Client._endpoint_map`, endpoint rule `regional`), as recorded in the project's reference
//! notes (providers.md 2.4).

use reqwest::Url;

use crate::Error;

/// The regions the official SDK sends to the central endpoint `rds.aliyuncs.com`.
const CENTRAL_REGIONS: &[&str] = &[
    "cn-qingdao",
    "cn-beijing",
    "cn-hangzhou",
    "cn-shanghai",
    "cn-shenzhen",
    "cn-heyuan",
    "cn-hongkong",
    "ap-southeast-1",
    "us-west-1",
    "us-east-1",
    "cn-shanghai-finance-1",
    "cn-shenzhen-finance-1",
    "cn-north-2-gov-1",
    "ap-northeast-2-pop",
    "cn-beijing-finance-1",
    "cn-beijing-finance-pop",
    "cn-beijing-gov-1",
    "cn-beijing-nu16-b01",
    "cn-edge-1",
    "cn-fujian",
    "cn-haidian-cm12-c01",
    "cn-hangzhou-bj-b01",
    "cn-hangzhou-internal-prod-1",
    "cn-hangzhou-internal-test-1",
    "cn-hangzhou-internal-test-2",
    "cn-hangzhou-internal-test-3",
    "cn-hangzhou-test-306",
    "cn-hongkong-finance-pop",
    "cn-qingdao-nebula",
    "cn-shanghai-et15-b01",
    "cn-shanghai-et2-b01",
    "cn-shanghai-inner",
    "cn-shanghai-internal-test-1",
    "cn-shenzhen-inner",
    "cn-shenzhen-st4-d01",
    "cn-shenzhen-su18-b01",
    "cn-wuhan",
    "cn-yushanfang",
    "cn-zhangbei",
    "cn-zhangbei-na61-b01",
    "cn-zhangjiakou-na62-a01",
    "cn-zhengzhou-nebula-1",
    "eu-west-1-oxs",
    "rus-west-1-pop",
];

/// The host of the RDS endpoint for `region`, as the official SDK picks it: the central
/// `rds.aliyuncs.com` for the regions of its map, `rds-vpc.cn-hangzhou-finance.aliyuncs.com`
/// for `cn-hangzhou-finance`, and `rds.<region>.aliyuncs.com` for every other region.
pub(crate) fn host_for_region(region: &str) -> String {
    if CENTRAL_REGIONS.contains(&region) {
        "rds.aliyuncs.com".to_owned()
    } else if region == "cn-hangzhou-finance" {
        "rds-vpc.cn-hangzhou-finance.aliyuncs.com".to_owned()
    } else {
        format!("rds.{region}.aliyuncs.com")
    }
}

/// An endpoint: scheme, host and optional port, nothing else. Requests go to its path `/`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Endpoint {
    /// `scheme://host[:port]`, without a trailing slash (a default port is left out).
    origin: String,
    /// `host[:port]`: the `Host` header reqwest sends for this origin, which signature V3
    /// signs.
    host: String,
}

impl Endpoint {
    /// The HTTPS endpoint of `region`.
    pub(crate) fn for_region(region: &str) -> Self {
        let host = host_for_region(region);
        Self {
            origin: format!("https://{host}"),
            host,
        }
    }

    /// Parses an override: `scheme://host[:port]` with scheme `http` or `https` and an optional
    /// trailing `/`; a bare `host[:port]` means HTTPS (as the official SDKs' `endpoint`
    /// setting is a host name). A path, query, fragment or user name is refused: every RDS
    /// API is at `/`, and the path is not configurable.
    pub(crate) fn parse(text: &str) -> Result<Self, Error> {
        let text = text.trim();
        let refuse = |why: &str| {
            Error::config(format!(
                "invalid endpoint `{text}`: {why}; expected `https://host[:port]`"
            ))
        };
        if text.is_empty() {
            return Err(refuse("it is empty"));
        }
        let with_scheme = if text.contains("://") {
            text.to_owned()
        } else {
            format!("https://{text}")
        };
        let url = Url::parse(&with_scheme).map_err(|e| refuse(&e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(refuse("the scheme must be `http` or `https`"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            // Not echoed: the text holds a password.
            return Err(Error::config(
                "invalid endpoint: it must not carry a user name or password; \
                 expected `https://host[:port]`",
            ));
        }
        if url.path() != "/" {
            return Err(refuse(
                "it must not have a path (requests always go to `/`)",
            ));
        }
        if url.query().is_some() {
            return Err(refuse("it must not have a query string"));
        }
        if url.fragment().is_some() {
            return Err(refuse("it must not have a fragment"));
        }
        let Some(host) = url.host_str() else {
            return Err(refuse("it has no host"));
        };
        let host = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        Ok(Self {
            origin: format!("{}://{host}", url.scheme()),
            host,
        })
    }

    /// `scheme://host[:port]`.
    pub(crate) fn origin(&self) -> &str {
        &self.origin
    }

    /// `host[:port]`, the value of the `Host` header.
    pub(crate) fn host(&self) -> &str {
        &self.host
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloud_http::ErrorKind;

    #[test]
    fn regions_map_as_in_the_official_sdk() {
        for region in ["cn-hangzhou", "cn-beijing", "ap-southeast-1", "us-east-1"] {
            assert_eq!(host_for_region(region), "rds.aliyuncs.com", "{region}");
        }
        assert_eq!(
            host_for_region("cn-hangzhou-finance"),
            "rds-vpc.cn-hangzhou-finance.aliyuncs.com"
        );
        for region in [
            "cn-zhangjiakou",
            "cn-chengdu",
            "ap-northeast-1",
            "eu-central-1",
        ] {
            assert_eq!(
                host_for_region(region),
                format!("rds.{region}.aliyuncs.com"),
                "{region}"
            );
        }
        assert_eq!(
            Endpoint::for_region("eu-central-1").origin(),
            "https://rds.eu-central-1.aliyuncs.com"
        );
    }

    #[test]
    fn overrides_keep_scheme_host_and_port() {
        let cases = [
            (
                "https://rds.aliyuncs.com",
                "https://rds.aliyuncs.com",
                "rds.aliyuncs.com",
            ),
            (
                "https://rds.aliyuncs.com/",
                "https://rds.aliyuncs.com",
                "rds.aliyuncs.com",
            ),
            (
                "https://rds.aliyuncs.com:443",
                "https://rds.aliyuncs.com",
                "rds.aliyuncs.com",
            ),
            (
                "http://127.0.0.1:8080",
                "http://127.0.0.1:8080",
                "127.0.0.1:8080",
            ),
            (
                "HTTP://RDS.Example.COM:80/",
                "http://rds.example.com",
                "rds.example.com",
            ),
            (
                "rds-vpc.cn-shanghai.aliyuncs.com",
                "https://rds-vpc.cn-shanghai.aliyuncs.com",
                "rds-vpc.cn-shanghai.aliyuncs.com",
            ),
            ("localhost:9000", "https://localhost:9000", "localhost:9000"),
            ("http://[::1]:8080", "http://[::1]:8080", "[::1]:8080"),
        ];
        for (text, origin, host) in cases {
            let endpoint = Endpoint::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(endpoint.origin(), origin, "{text}");
            assert_eq!(endpoint.host(), host, "{text}");
        }
    }

    #[test]
    fn anything_but_an_origin_is_refused() {
        for text in [
            "",
            "https://rds.aliyuncs.com/v1",
            "https://rds.aliyuncs.com/?Action=x",
            "https://rds.aliyuncs.com?x=1",
            "https://rds.aliyuncs.com/#top",
            "ftp://rds.aliyuncs.com",
            "https://user:pass@rds.aliyuncs.com",
            "https://",
            "http://exa mple.com",
        ] {
            let error = Endpoint::parse(text).expect_err(text);
            assert_eq!(error.kind(), ErrorKind::Config, "{text}");
            assert!(!error.to_string().contains("pass@"), "{error}");
        }
    }
}
