//! Credentials that come from a source and may expire: an instance role from a metadata
//! service, a role assumed through STS, a token exchanged for keys. A [`CredentialProvider`]
//! holds the current ones and fetches new ones before they expire, one fetch at a time however
//! many requests wait for them, so that every request is signed with credentials still valid
//! when it reaches the gateway.
//!
//! ```
//! use cloud_http::credentials::{CredentialProvider, Expiring};
//! use cloud_signer::Credentials;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), cloud_http::Error> {
//! // Keys that never expire (environment variables, a profile file):
//! let fixed = CredentialProvider::fixed(Credentials::new("AKID", "secret"), "environment variables");
//! assert_eq!(fixed.current().await?.access_key_id(), "AKID");
//! assert_eq!(fixed.describe(), "environment variables");
//!
//! // A source that hands out temporary keys (here a closure; the provider crates have real
//! // ones: metadata services, STS, IAM):
//! let temporary = CredentialProvider::from_fn("a test source", || async {
//!     let expires = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
//!     Ok(Expiring::new(Credentials::new("STS.A", "s").with_security_token("t"), Some(expires)))
//! });
//! assert_eq!(temporary.current().await?.security_token(), Some("t"));
//! assert!(temporary.expires_at().is_some());
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use cloud_signer::Credentials;
use futures::future::BoxFuture;
use time::OffsetDateTime;

use crate::Error;

/// The most credentials are refreshed ahead of their expiry (the official Python and Java
/// SDKs' 15 minutes); for short-lived ones, a third of their lifetime.
pub const REFRESH_AHEAD: Duration = Duration::from_secs(15 * 60);

/// Credentials as a source gives them, with their expiry when they have one.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Expiring {
    /// The credentials (their `Debug` hides the secret and token).
    pub credentials: Credentials,
    /// When they stop working; `None` for keys that do not expire.
    pub expires_at: Option<OffsetDateTime>,
}

impl Expiring {
    /// Credentials valid until `expires_at` (`None`: forever).
    pub fn new(credentials: Credentials, expires_at: Option<OffsetDateTime>) -> Self {
        Self {
            credentials,
            expires_at,
        }
    }
}

/// Where credentials come from: fetched once, then again whenever the ones held are about to
/// expire.
pub trait CredentialSource: Send + Sync {
    /// What the source is, for people (`ECS instance role "backup-reader"`); never a secret.
    fn describe(&self) -> String;
    /// Fetches credentials (a metadata service, STS, a token exchange...).
    fn fetch(&self) -> BoxFuture<'_, Result<Expiring, Error>>;
}

/// A [`CredentialSource`] made of a closure.
struct FnSource<F> {
    describe: String,
    fetch: F,
}

impl<F, Fut> CredentialSource for FnSource<F>
where
    F: Fn() -> Fut + Send + Sync,
    Fut: Future<Output = Result<Expiring, Error>> + Send + 'static,
{
    fn describe(&self) -> String {
        self.describe.clone()
    }

    fn fetch(&self) -> BoxFuture<'_, Result<Expiring, Error>> {
        Box::pin((self.fetch)())
    }
}

/// What a provider holds: the current credentials, when they were fetched, and when they
/// must be replaced.
#[derive(Clone)]
struct Held {
    expiring: Expiring,
    refresh_at: Option<OffsetDateTime>,
}

struct Inner {
    source: Box<dyn CredentialSource>,
    held: RwLock<Option<Held>>,
    /// Taken by the one task that fetches; the others wait for it, then read what it got.
    fetching: tokio::sync::Mutex<()>,
    fetches: std::sync::atomic::AtomicU64,
}

/// The credentials of a client: fixed, or from a [`CredentialSource`] and refreshed before
/// they expire (at most [`REFRESH_AHEAD`] before, and at least a third of their lifetime
/// before). Cloning is cheap and shares the credentials held; a refresh happens once however
/// many tasks need credentials at that moment. Its `Debug` shows the source and the expiry,
/// never a secret.
#[derive(Clone)]
pub struct CredentialProvider {
    inner: Arc<Inner>,
}

impl fmt::Debug for CredentialProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialProvider")
            .field("source", &self.describe())
            .field("expires_at", &self.expires_at())
            .finish_non_exhaustive()
    }
}

impl CredentialProvider {
    /// Credentials that never change, from a source described as `describe`.
    pub fn fixed(credentials: Credentials, describe: impl Into<String>) -> Self {
        let provider = Self::from_source(FixedSource {
            describe: describe.into(),
        });
        *provider
            .inner
            .held
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Held {
            expiring: Expiring::new(credentials, None),
            refresh_at: None,
        });
        provider
    }

    /// Credentials from `source`, fetched when first needed.
    pub fn from_source(source: impl CredentialSource + 'static) -> Self {
        Self {
            inner: Arc::new(Inner {
                source: Box::new(source),
                held: RwLock::new(None),
                fetching: tokio::sync::Mutex::new(()),
                fetches: std::sync::atomic::AtomicU64::new(0),
            }),
        }
    }

    /// Credentials from the closure `fetch`, described as `describe`.
    pub fn from_fn<F, Fut>(describe: impl Into<String>, fetch: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Expiring, Error>> + Send + 'static,
    {
        Self::from_source(FnSource {
            describe: describe.into(),
            fetch,
        })
    }

    /// What the source is.
    pub fn describe(&self) -> String {
        self.inner.source.describe()
    }

    /// When the credentials held expire (`None`: never, or none fetched yet).
    pub fn expires_at(&self) -> Option<OffsetDateTime> {
        self.held().and_then(|held| held.expiring.expires_at)
    }

    /// How many times credentials were fetched from the source.
    pub fn fetches(&self) -> u64 {
        self.inner
            .fetches
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    fn held(&self) -> Option<Held> {
        self.inner
            .held
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Credentials valid now and for a while yet: the ones held, or new ones from the source
    /// when they are missing or due for a refresh. A failed fetch is an error only when the
    /// credentials held have expired (or there are none); until then they are used.
    pub async fn current(&self) -> Result<Credentials, Error> {
        self.current_at(OffsetDateTime::now_utc())
            .await
            .map(|expiring| expiring.credentials)
    }

    /// [`current`](Self::current), as of `now`, with the expiry.
    pub async fn current_at(&self, now: OffsetDateTime) -> Result<Expiring, Error> {
        if let Some(held) = self.held()
            && held.refresh_at.is_none_or(|at| now < at)
        {
            return Ok(held.expiring);
        }
        let _fetching = self.inner.fetching.lock().await;
        // Another task may have fetched while this one waited.
        let held = self.held();
        if let Some(held) = &held
            && held.refresh_at.is_none_or(|at| now < at)
        {
            return Ok(held.expiring.clone());
        }
        self.inner
            .fetches
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        match self.inner.source.fetch().await {
            Ok(expiring) => {
                let refresh_at = expiring
                    .expires_at
                    .map(|expires| refresh_time(now, expires));
                let fresh = Held {
                    expiring: expiring.clone(),
                    refresh_at,
                };
                *self
                    .inner
                    .held
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(fresh);
                tracing::debug!(
                    source = %self.describe(),
                    expires_at = ?expiring.expires_at,
                    "fetched credentials"
                );
                Ok(expiring)
            }
            Err(error) => match held {
                Some(held) if held.expiring.expires_at.is_none_or(|at| now < at) => {
                    tracing::warn!(
                        source = %self.describe(),
                        error = %error,
                        "could not refresh credentials; using the ones held until they expire"
                    );
                    Ok(held.expiring)
                }
                _ => Err(error),
            },
        }
    }
}

/// When credentials fetched at `now` and expiring at `expires` are to be replaced: a third of
/// their lifetime before the end, at most [`REFRESH_AHEAD`] before.
fn refresh_time(now: OffsetDateTime, expires: OffsetDateTime) -> OffsetDateTime {
    let lifetime: time::Duration = expires - now;
    let most = time::Duration::try_from(REFRESH_AHEAD).unwrap_or(lifetime);
    let third: time::Duration = lifetime / 3_i32;
    let ahead = std::cmp::min(third, most);
    if lifetime <= time::Duration::ZERO {
        now
    } else {
        expires - ahead
    }
}

/// A small HTTP client of its own for a credential source: `connect` and `total` timeouts
/// (metadata services answer in milliseconds or not at all), `user_agent`.
pub fn source_client(
    connect: Duration,
    total: Duration,
    user_agent: &str,
) -> Result<reqwest::Client, Error> {
    crate::client_builder()
        .connect_timeout(connect)
        .timeout(total)
        .user_agent(user_agent)
        .build()
        .map_err(|e| Error::config_with_source("the HTTP client could not be built", e))
}

/// A credential source's answer decoded as `T`, or an error naming `from` and the status —
/// never the body, which may hold keys; a decoding error gives the position only.
pub async fn source_answer<T: serde::de::DeserializeOwned>(
    response: reqwest::Response,
    from: &str,
) -> Result<T, Error> {
    let status = response.status();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| Error::transport(format!("{from}: the answer could not be read: {e}")))?;
    if !status.is_success() {
        return Err(Error::config(format!(
            "{from} answered HTTP {}",
            status.as_u16()
        )));
    }
    serde_json::from_slice(&bytes).map_err(|e| {
        Error::decode(format!(
            "{from} answered with JSON that is not credentials ({:?} error at line {}, column {})",
            e.classify(),
            e.line(),
            e.column()
        ))
    })
}

/// The source of [`CredentialProvider::fixed`]: never fetched.
struct FixedSource {
    describe: String,
}

impl CredentialSource for FixedSource {
    fn describe(&self) -> String {
        self.describe.clone()
    }

    fn fetch(&self) -> BoxFuture<'_, Result<Expiring, Error>> {
        Box::pin(async { Err(Error::config("fixed credentials are never fetched")) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn counting(lifetime: time::Duration) -> (CredentialProvider, Arc<AtomicU32>) {
        let count = Arc::new(AtomicU32::new(0));
        let seen = count.clone();
        let provider = CredentialProvider::from_fn("counting", move || {
            let n = seen.fetch_add(1, Ordering::SeqCst) + 1;
            async move {
                tokio::time::sleep(Duration::from_millis(20)).await;
                let expires = OffsetDateTime::now_utc() + lifetime;
                Ok(Expiring::new(
                    Credentials::new(format!("STS.{n}"), "s").with_security_token(format!("t{n}")),
                    Some(expires),
                ))
            }
        });
        (provider, count)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn many_waiting_tasks_make_one_fetch() {
        let (provider, count) = counting(time::Duration::hours(1));
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let provider = provider.clone();
                tokio::spawn(async move { provider.current().await })
            })
            .collect();
        for task in tasks {
            let credentials = task.await.expect("joined").expect("credentials");
            assert_eq!(credentials.access_key_id(), "STS.1");
        }
        assert_eq!(count.load(Ordering::SeqCst), 1);
        assert_eq!(provider.fetches(), 1);
    }

    #[tokio::test]
    async fn credentials_are_replaced_before_they_expire() {
        let (provider, count) = counting(time::Duration::hours(1));
        let now = OffsetDateTime::now_utc();
        assert_eq!(
            provider
                .current_at(now)
                .await
                .expect("first")
                .credentials
                .access_key_id(),
            "STS.1"
        );
        // 30 minutes on: still the same (refreshed 15 minutes before the end).
        let later = now + time::Duration::minutes(30);
        assert_eq!(
            provider
                .current_at(later)
                .await
                .expect("held")
                .credentials
                .access_key_id(),
            "STS.1"
        );
        // 50 minutes on: within 15 minutes of the end, new ones.
        let due = now + time::Duration::minutes(50);
        assert_eq!(
            provider
                .current_at(due)
                .await
                .expect("new")
                .credentials
                .access_key_id(),
            "STS.2"
        );
        assert_eq!(count.load(Ordering::SeqCst), 2);
        // Short-lived ones: a third of their life ahead.
        assert_eq!(
            refresh_time(now, now + time::Duration::seconds(30)),
            now + time::Duration::seconds(20)
        );
    }

    #[tokio::test]
    async fn a_failed_refresh_keeps_valid_credentials_and_fails_expired_ones() {
        let calls = Arc::new(AtomicU32::new(0));
        let seen = calls.clone();
        let provider = CredentialProvider::from_fn("flaky", move || {
            let n = seen.fetch_add(1, Ordering::SeqCst);
            async move {
                if n == 0 {
                    let expires = OffsetDateTime::now_utc() + time::Duration::hours(1);
                    Ok(Expiring::new(Credentials::new("STS.1", "s"), Some(expires)))
                } else {
                    Err(Error::config("the metadata service is down"))
                }
            }
        });
        let now = OffsetDateTime::now_utc();
        provider.current_at(now).await.expect("first");
        let due = now + time::Duration::minutes(50);
        let kept = provider.current_at(due).await.expect("still valid");
        assert_eq!(kept.credentials.access_key_id(), "STS.1");
        let expired = now + time::Duration::minutes(61);
        let error = provider.current_at(expired).await.expect_err("expired");
        assert!(error.to_string().contains("metadata service is down"));
    }

    #[test]
    fn debug_shows_the_source_never_the_secret() {
        let provider = CredentialProvider::fixed(
            Credentials::new("AKID", "very-secret").with_security_token("token-value"),
            "environment variables",
        );
        let debug = format!("{provider:?}");
        assert!(debug.contains("environment variables"), "{debug}");
        assert!(
            !debug.contains("very-secret") && !debug.contains("token-value"),
            "{debug}"
        );
    }
}
