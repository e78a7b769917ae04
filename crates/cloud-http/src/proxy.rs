//! Proxies from the environment, never for the loopback addresses.
//!
//! reqwest follows `HTTPS_PROXY`, `HTTP_PROXY` and `ALL_PROXY` by itself, but it would also
//! send requests for `127.0.0.1` through them: a developer behind a proxy could then neither
//! run the tests (wiremock, the sandbox) nor `cloud-backup --sandbox`. [`client_builder`] sets
//! the same proxies explicitly with `NO_PROXY` extended by the loopback names.

/// The hosts that never go through a proxy, whatever `NO_PROXY` says.
const LOOPBACK: &str = "127.0.0.1,localhost,::1,[::1]";

/// The proxy settings read from the environment (or any other source of variables).
#[derive(Debug, Default, PartialEq, Eq)]
struct ProxySettings {
    https: Option<String>,
    http: Option<String>,
    all: Option<String>,
    /// `NO_PROXY` plus [`LOOPBACK`].
    no_proxy: String,
}

impl ProxySettings {
    /// Reads the variables the way curl and reqwest do: upper case first, then lower case;
    /// empty values count as unset.
    fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let var = |names: [&str; 2]| {
            names
                .into_iter()
                .find_map(|name| lookup(name).filter(|value| !value.trim().is_empty()))
        };
        let no_proxy = match var(["NO_PROXY", "no_proxy"]) {
            Some(list) => format!("{},{LOOPBACK}", list.trim().trim_end_matches(',')),
            None => LOOPBACK.to_owned(),
        };
        Self {
            https: var(["HTTPS_PROXY", "https_proxy"]),
            http: var(["HTTP_PROXY", "http_proxy"]),
            all: var(["ALL_PROXY", "all_proxy"]),
            no_proxy,
        }
    }
}

/// A reqwest client builder with the environment's proxies, none of them used for
/// `127.0.0.1`, `localhost` or `::1`. Every client of this workspace starts from it.
pub fn client_builder() -> reqwest::ClientBuilder {
    with_proxies(
        reqwest::Client::builder(),
        &ProxySettings::from_lookup(|name| std::env::var(name).ok()),
    )
}

fn with_proxies(
    mut builder: reqwest::ClientBuilder,
    settings: &ProxySettings,
) -> reqwest::ClientBuilder {
    // An explicit proxy turns reqwest's own reading of the environment off; without any,
    // turn it off too so the loopback rule holds everywhere.
    builder = builder.no_proxy();
    type MakeProxy = fn(&str) -> reqwest::Result<reqwest::Proxy>;
    let proxies: [(Option<&str>, MakeProxy); 3] = [
        (settings.https.as_deref(), |url| reqwest::Proxy::https(url)),
        (settings.http.as_deref(), |url| reqwest::Proxy::http(url)),
        (settings.all.as_deref(), |url| reqwest::Proxy::all(url)),
    ];
    for (url, make) in proxies {
        // A proxy URL reqwest cannot read is ignored, as reqwest itself does.
        if let Some(Ok(proxy)) = url.map(make) {
            let no_proxy = reqwest::NoProxy::from_string(&settings.no_proxy);
            builder = builder.proxy(proxy.no_proxy(no_proxy));
        }
    }
    builder
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(vars: &[(&str, &str)]) -> ProxySettings {
        ProxySettings::from_lookup(|name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        })
    }

    #[test]
    fn loopback_is_always_exempt() {
        assert_eq!(settings(&[]).no_proxy, LOOPBACK);
        assert_eq!(
            settings(&[("NO_PROXY", "internal.example,")]).no_proxy,
            format!("internal.example,{LOOPBACK}")
        );
        assert_eq!(
            settings(&[("no_proxy", ".corp")]).no_proxy,
            format!(".corp,{LOOPBACK}")
        );
    }

    #[test]
    fn upper_case_wins_and_empty_is_unset() {
        let s = settings(&[
            ("HTTPS_PROXY", "http://upper:3128"),
            ("https_proxy", "http://lower:3128"),
            ("HTTP_PROXY", ""),
            ("http_proxy", "http://lower:8080"),
        ]);
        assert_eq!(s.https.as_deref(), Some("http://upper:3128"));
        assert_eq!(s.http.as_deref(), Some("http://lower:8080"));
        assert_eq!(s.all, None);
    }

    #[test]
    fn builds_with_and_without_proxies() {
        let none = settings(&[]);
        assert!(
            with_proxies(reqwest::Client::builder(), &none)
                .build()
                .is_ok()
        );
        let some = settings(&[
            ("HTTPS_PROXY", "http://proxy.invalid:3128"),
            ("ALL_PROXY", "not a url"),
        ]);
        assert!(
            with_proxies(reqwest::Client::builder(), &some)
                .build()
                .is_ok()
        );
    }
}

#[cfg(test)]
mod loopback_tests {
    use super::*;

    /// With every proxy variable pointing at a closed port, a request to 127.0.0.1 still
    /// goes straight to the server.
    #[tokio::test]
    async fn loopback_requests_skip_the_proxy() {
        let server = wiremock::MockServer::start().await;
        wiremock::Mock::given(wiremock::matchers::any())
            .respond_with(wiremock::ResponseTemplate::new(204))
            .mount(&server)
            .await;
        let dead = "http://127.0.0.1:9";
        let s = settings_for_test(dead);
        let client = with_proxies(reqwest::Client::builder(), &s)
            .build()
            .unwrap();
        let response = client.get(server.uri()).send().await.unwrap();
        assert_eq!(response.status(), 204);
        let localhost = server.uri().replace("127.0.0.1", "localhost");
        let response = client.get(localhost).send().await.unwrap();
        assert_eq!(response.status(), 204);
    }

    fn settings_for_test(proxy: &str) -> ProxySettings {
        ProxySettings::from_lookup(|name| match name {
            "HTTPS_PROXY" | "HTTP_PROXY" | "ALL_PROXY" => Some(proxy.to_owned()),
            _ => None,
        })
    }
}
