//! [`Endpoint`]: where a provider's API lives, parsed once by one set of rules for every
//! client crate.

use std::fmt;

use reqwest::Url;

use crate::error::Error;

/// An API endpoint: `scheme://host[:port]` (`http` or `https`), without path, query, fragment
/// or user information. The host is lower-cased and a default port dropped.
///
/// The rules, the same for every provider crate:
/// * `http://host[:port]` or `https://host[:port]`, an optional trailing `/`, surrounding
///   spaces ignored;
/// * a bare `host[:port]` means HTTPS (the official SDKs' `endpoint` settings are host names);
/// * a path, query, fragment, user name or password, another scheme, or no host is a
///   [`Config`](crate::ErrorKind::Config) error. The client adds the API's path itself.
///
/// An error never repeats a text that holds user information (`https://ak:secret@host`): it
/// may carry a password.
///
/// ```
/// use cloud_http::Endpoint;
///
/// let endpoint = Endpoint::parse("https://RDS.cn-north-4.myhuaweicloud.com:443/")?;
/// assert_eq!(endpoint.as_str(), "https://rds.cn-north-4.myhuaweicloud.com");
/// assert_eq!(endpoint.host(), "rds.cn-north-4.myhuaweicloud.com");
///
/// let local = Endpoint::parse("http://127.0.0.1:8080")?;
/// assert_eq!(local.host(), "127.0.0.1:8080");
/// assert_eq!(Endpoint::parse("rds.aliyuncs.com")?.as_str(), "https://rds.aliyuncs.com");
///
/// assert!(Endpoint::parse("https://rds.cn-north-4.myhuaweicloud.com/v3").is_err());
/// let error = Endpoint::parse("ftp://ak:my-secret@host").unwrap_err();
/// assert!(!error.to_string().contains("my-secret"));
/// # Ok::<(), cloud_http::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Endpoint {
    origin: String,
    host: String,
}

impl Endpoint {
    /// Parses and normalizes `text` by the rules above.
    ///
    /// # Errors
    ///
    /// A [`Config`](crate::ErrorKind::Config) error saying what is wrong.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let text = text.trim();
        // User information may hold a password: such a text is never repeated.
        let shown = if text.contains('@') {
            "(not shown: it contains user information)".to_owned()
        } else {
            format!("{text:?}")
        };
        let invalid = |why: &str| {
            Error::config(format!(
                "invalid endpoint {shown}: {why}; expected scheme://host[:port], e.g. \
                 https://rds.aliyuncs.com"
            ))
        };
        if text.is_empty() {
            return Err(invalid("it is empty"));
        }
        let with_scheme = if text.contains("://") {
            text.to_owned()
        } else {
            format!("https://{text}")
        };
        // The parser's own message could quote the text: not used.
        let url = Url::parse(&with_scheme).map_err(|_| invalid("it is not a URL"))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid("user information is not allowed"));
        }
        if !matches!(url.scheme(), "http" | "https") {
            return Err(invalid("the scheme must be http or https"));
        }
        let Some(host) = url.host_str().filter(|host| !host.is_empty()) else {
            return Err(invalid("there is no host"));
        };
        if url.path() != "/" {
            return Err(invalid(
                "a path is not allowed (the client adds the API's path itself)",
            ));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(invalid("a query or fragment is not allowed"));
        }
        let host = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        Ok(Self {
            origin: url.origin().ascii_serialization(),
            host,
        })
    }

    /// `scheme://host[:port]`, without a trailing `/`.
    pub fn as_str(&self) -> &str {
        &self.origin
    }

    /// The `Host` header value requests are signed and sent with: the host, and the port when
    /// it is not the scheme's default.
    pub fn host(&self) -> &str {
        &self.host
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.origin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn origins_are_normalized() {
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
                " http://127.0.0.1:8080 ",
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
            ("http://[::1]:9000/", "http://[::1]:9000", "[::1]:9000"),
        ];
        for (text, origin, host) in cases {
            let endpoint = Endpoint::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(endpoint.as_str(), origin, "{text}");
            assert_eq!(endpoint.host(), host, "{text}");
            assert_eq!(endpoint.to_string(), origin);
        }
    }

    #[test]
    fn anything_but_an_origin_is_refused_without_echoing_user_information() {
        for text in [
            "",
            "   ",
            "https://rds.aliyuncs.com/v1",
            "https://rds.aliyuncs.com/?Action=x",
            "https://rds.aliyuncs.com?x=1",
            "https://rds.aliyuncs.com/#top",
            "ftp://rds.aliyuncs.com",
            "https://user:pass-word@rds.aliyuncs.com",
            "ftp://ak:pass-word@rds.aliyuncs.com",
            "ak:pass-word@rds.aliyuncs.com/mysql",
            "https://ak:pass-word@/x",
            "https://",
            "http://exa mple.com",
            "http://exa mple.com/pass-word@",
        ] {
            let error = Endpoint::parse(text).expect_err(text);
            assert_eq!(error.kind(), ErrorKind::Config, "{text}");
            let shown = format!("{error} {error:?}");
            assert!(!shown.contains("pass-word"), "{text}: {shown}");
        }
    }
}
