//! The sources of temporary credentials in the Alibaba Cloud default chain, as the official
//! `alibabacloud-credentials` libraries (Python, Go, Java) implement them: the ECS instance's
//! RAM role from the metadata service (IMDSv2 token first), a credentials URI, STS
//! `AssumeRoleWithOIDC` (RRSA on ACK: anonymous, the OIDC token is the proof) and STS
//! `AssumeRole` (signed with a source key). Each is a [`CredentialSource`]: the
//! [`CredentialProvider`](cloud_http::credentials::CredentialProvider) around it fetches once
//! and again before the credentials expire.

use std::path::PathBuf;
use std::time::Duration;

use cloud_http::credentials::{CredentialSource, Expiring};
use cloud_http::{AttemptContext, HttpConfig, RetryPolicy, Transport};
use cloud_signer::Credentials;
use cloud_signer::rpc::{self, RpcFlavor, RpcRequest};
use futures::future::BoxFuture;
use serde::Deserialize;

use crate::Error;

/// The ECS metadata service.
pub(crate) const ECS_METADATA_ENDPOINT: &str = "http://100.100.100.200";
/// STS, when no region names a regional endpoint.
pub(crate) const STS_ENDPOINT: &str = "https://sts.aliyuncs.com";
/// The STS API version.
const STS_VERSION: &str = "2015-04-01";

/// Temporary keys as STS, the metadata service and a credentials URI give them. No `Debug`:
/// it holds the secret.
#[derive(Deserialize)]
struct Keys {
    #[serde(rename = "Code", default)]
    code: Option<String>,
    #[serde(rename = "AccessKeyId")]
    access_key_id: String,
    #[serde(rename = "AccessKeySecret")]
    access_key_secret: String,
    #[serde(rename = "SecurityToken")]
    security_token: String,
    #[serde(rename = "Expiration")]
    expiration: String,
}

/// An STS answer.
#[derive(Deserialize)]
struct StsAnswer {
    #[serde(rename = "Credentials")]
    credentials: Keys,
}

impl Keys {
    /// The keys, checked: `Code` (when given) is `Success`, nothing empty, the expiry an
    /// RFC 3339 time.
    fn into_expiring(self, from: &str) -> Result<Expiring, Error> {
        if let Some(code) = self.code.as_deref()
            && code != "Success"
        {
            return Err(Error::config(format!(
                "{from} answered with Code {code:?} instead of Success"
            )));
        }
        if self.access_key_id.is_empty()
            || self.access_key_secret.is_empty()
            || self.security_token.is_empty()
        {
            return Err(Error::decode(format!(
                "{from} answered with an empty AccessKeyId, AccessKeySecret or SecurityToken"
            )));
        }
        let Some(expires) = cloud_http::times::parse_time(&self.expiration) else {
            return Err(Error::decode(format!(
                "{from} answered with an Expiration that is not a time: {:?}",
                self.expiration
            )));
        };
        Ok(Expiring::new(
            Credentials::new(self.access_key_id, self.access_key_secret)
                .with_security_token(self.security_token),
            Some(expires),
        ))
    }
}

/// A small HTTP client of its own for a credential source.
fn http_client(connect: Duration, total: Duration) -> Result<reqwest::Client, Error> {
    cloud_http::credentials::source_client(
        connect,
        total,
        concat!("aliyun-rds/", env!("CARGO_PKG_VERSION")),
    )
}

use cloud_http::credentials::source_answer as json_of;

/// The ECS instance's RAM role, from the metadata service (`ALIBABA_CLOUD_ECS_METADATA` names
/// the role, else the service is asked; an IMDSv2 token is asked for first, and without one the
/// request goes without unless `ALIBABA_CLOUD_IMDSV1_DISABLED`).
pub(crate) struct EcsRamRole {
    http: reqwest::Client,
    endpoint: String,
    role: Option<String>,
    v1_disabled: bool,
}

impl EcsRamRole {
    pub(crate) fn new(
        endpoint: &str,
        role: Option<String>,
        v1_disabled: bool,
    ) -> Result<Self, Error> {
        Ok(Self {
            // The official libraries' 1 s to connect and 1 s to read.
            http: http_client(Duration::from_secs(1), Duration::from_secs(2))?,
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            role,
            v1_disabled,
        })
    }

    async fn token(&self) -> Result<Option<String>, Error> {
        let answer = self
            .http
            .put(format!("{}/latest/api/token", self.endpoint))
            .header("X-aliyun-ecs-metadata-token-ttl-seconds", "21600")
            .send()
            .await;
        match answer {
            Ok(response) if response.status().is_success() => {
                let token = response.text().await.map_err(|e| {
                    Error::transport(format!("the ECS metadata token could not be read: {e}"))
                })?;
                Ok(Some(token.trim().to_owned()))
            }
            _ if !self.v1_disabled => Ok(None),
            Ok(response) => Err(Error::config(format!(
                "the ECS metadata service at {} gave no IMDSv2 token (HTTP {}), and \
                 ALIBABA_CLOUD_IMDSV1_DISABLED forbids going without",
                self.endpoint,
                response.status().as_u16()
            ))),
            Err(e) => Err(self.unreachable(&e)),
        }
    }

    fn unreachable(&self, error: &reqwest::Error) -> Error {
        Error::transport(format!(
            "the ECS metadata service at {} did not answer ({}): not an ECS instance with a RAM \
             role? (ALIBABA_CLOUD_ECS_METADATA_DISABLED=true leaves it out of the chain)",
            self.endpoint,
            if error.is_timeout() {
                "timed out"
            } else {
                "connection failed"
            }
        ))
    }

    async fn get(&self, path: &str, token: Option<&str>) -> Result<reqwest::Response, Error> {
        let mut request = self.http.get(format!("{}{path}", self.endpoint));
        if let Some(token) = token {
            request = request.header("X-aliyun-ecs-metadata-token", token);
        }
        request.send().await.map_err(|e| self.unreachable(&e))
    }

    async fn fetch_keys(&self) -> Result<Expiring, Error> {
        const PATH: &str = "/latest/meta-data/ram/security-credentials/";
        let token = self.token().await?;
        let role = match &self.role {
            Some(role) => role.clone(),
            None => {
                let response = self.get(PATH, token.as_deref()).await?;
                if !response.status().is_success() {
                    return Err(Error::config(format!(
                        "the ECS metadata service at {} names no RAM role (HTTP {}): attach \
                         one to the instance",
                        self.endpoint,
                        response.status().as_u16()
                    )));
                }
                let text = response.text().await.map_err(|e| {
                    Error::transport(format!("the ECS RAM role name could not be read: {e}"))
                })?;
                text.trim().to_owned()
            }
        };
        let response = self.get(&format!("{PATH}{role}"), token.as_deref()).await?;
        if response.status().as_u16() == 404 {
            return Err(Error::config(format!(
                "the ECS instance has no RAM role named {role:?}"
            )));
        }
        let from = format!("the ECS metadata service (role {role})");
        json_of::<Keys>(response, &from).await?.into_expiring(&from)
    }
}

impl CredentialSource for EcsRamRole {
    fn describe(&self) -> String {
        match &self.role {
            Some(role) => format!("ECS instance RAM role {role:?} ({})", self.endpoint),
            None => format!("ECS instance RAM role ({})", self.endpoint),
        }
    }

    fn fetch(&self) -> BoxFuture<'_, Result<Expiring, Error>> {
        Box::pin(self.fetch_keys())
    }
}

/// A credentials URI (`ALIBABA_CLOUD_CREDENTIALS_URI`): a `GET` answering
/// `{Code, AccessKeyId, AccessKeySecret, SecurityToken, Expiration}`.
pub(crate) struct CredentialsUri {
    http: reqwest::Client,
    uri: String,
}

impl CredentialsUri {
    pub(crate) fn new(uri: &str) -> Result<Self, Error> {
        reqwest::Url::parse(uri).map_err(|e| {
            Error::config(format!("ALIBABA_CLOUD_CREDENTIALS_URI is not a URL: {e}"))
        })?;
        Ok(Self {
            http: http_client(Duration::from_secs(5), Duration::from_secs(15))?,
            uri: uri.to_owned(),
        })
    }

    /// The URI as shown: scheme, host and path, never the query (it may carry a token).
    fn shown(&self) -> String {
        match reqwest::Url::parse(&self.uri) {
            Ok(url) => {
                format!(
                    "{}://{}{}",
                    url.scheme(),
                    url.host_str().unwrap_or_default(),
                    url.port().map(|p| format!(":{p}")).unwrap_or_default()
                ) + url.path()
            }
            Err(_) => "<not a URL>".to_owned(),
        }
    }

    async fn fetch_keys(&self) -> Result<Expiring, Error> {
        let from = format!("the credentials URI {}", self.shown());
        let response =
            self.http.get(&self.uri).send().await.map_err(|e| {
                Error::transport(format!("{from} did not answer: {}", e.without_url()))
            })?;
        json_of::<Keys>(response, &from).await?.into_expiring(&from)
    }
}

impl CredentialSource for CredentialsUri {
    fn describe(&self) -> String {
        format!("credentials URI {}", self.shown())
    }

    fn fetch(&self) -> BoxFuture<'_, Result<Expiring, Error>> {
        Box::pin(self.fetch_keys())
    }
}

/// What an STS role is assumed with.
pub(crate) enum Proof {
    /// `AssumeRoleWithOIDC`: the token read from this file before every call (the workload's
    /// service account token, which the cluster rotates).
    Oidc {
        provider_arn: String,
        token_file: PathBuf,
    },
    /// `AssumeRole`, signed with these keys.
    Keys(Credentials),
    /// `AssumeRole`, signed with the current keys of another source (a profile's
    /// `source_profile`: `ChainableRamRoleArn`).
    Chained(cloud_http::credentials::CredentialProvider),
}

/// A RAM role assumed through STS.
pub(crate) struct StsRole {
    transport: Transport,
    endpoint: String,
    role_arn: String,
    session_name: String,
    duration: u32,
    proof: Proof,
    /// What the source is, for people.
    label: String,
}

impl StsRole {
    /// `role_arn` assumed at STS `endpoint` (e.g. [`STS_ENDPOINT`]) with `proof`, as session
    /// `session_name`, for `duration` seconds (900 to 43,200; the libraries' default 3,600).
    pub(crate) fn new(
        endpoint: &str,
        role_arn: String,
        session_name: String,
        duration: u32,
        proof: Proof,
        label: String,
    ) -> Result<Self, Error> {
        if !(900..=43_200).contains(&duration) {
            return Err(Error::config(format!(
                "an STS session lasts 900 to 43200 seconds, not {duration}"
            )));
        }
        let http = HttpConfig::default()
            .with_connect_timeout(Duration::from_secs(5))
            .with_attempt_timeout(Duration::from_secs(10))
            .with_retry(RetryPolicy::default().with_max_attempts(3));
        let transport = Transport::new(http, crate::ERROR_FORMAT)?.with_service_name("aliyun-sts");
        Ok(Self {
            transport,
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            role_arn,
            session_name,
            duration,
            proof,
            label,
        })
    }

    fn request(
        &self,
        attempt: &AttemptContext,
        chained: Option<&Credentials>,
    ) -> Result<reqwest::Request, Error> {
        let http = self.transport.http_client();
        let duration = self.duration.to_string();
        let timestamp = rpc::format_timestamp(attempt.timestamp);
        let built = match &self.proof {
            Proof::Oidc {
                provider_arn,
                token_file,
            } => {
                let token = std::fs::read_to_string(token_file).map_err(|e| {
                    Error::io(
                        format!(
                            "the OIDC token file {} could not be read",
                            token_file.display()
                        ),
                        e,
                    )
                })?;
                // Anonymous: the token is the proof. The parameters go in the body, to keep
                // the token out of URLs and logs.
                let form = [
                    ("RoleArn", self.role_arn.as_str()),
                    ("OIDCProviderArn", provider_arn.as_str()),
                    ("OIDCToken", token.trim()),
                    ("RoleSessionName", self.session_name.as_str()),
                    ("DurationSeconds", duration.as_str()),
                ];
                let query = [
                    ("Action", "AssumeRoleWithOIDC"),
                    ("Format", "JSON"),
                    ("Version", STS_VERSION),
                    ("Timestamp", timestamp.as_str()),
                ];
                http.post(format!("{}/", self.endpoint))
                    .query(&query)
                    .form(&form)
                    .build()
            }
            Proof::Keys(_) | Proof::Chained(_) => {
                let source = match (&self.proof, chained) {
                    (Proof::Keys(keys), _) => keys,
                    (_, Some(keys)) => keys,
                    _ => {
                        return Err(Error::config(
                            "the source profile's credentials are missing",
                        ));
                    }
                };
                let request = RpcRequest::new("POST")
                    .with_param("Action", "AssumeRole")
                    .with_param("Format", "JSON")
                    .with_param("Version", STS_VERSION)
                    .with_form_param("RoleArn", self.role_arn.as_str())
                    .with_form_param("RoleSessionName", self.session_name.as_str())
                    .with_form_param("DurationSeconds", duration.as_str());
                let signed = rpc::sign(
                    RpcFlavor::Aliyun,
                    &request,
                    source,
                    attempt.timestamp,
                    &attempt.nonce,
                );
                http.post(format!("{}/?{}", self.endpoint, signed.query_string()))
                    .form(signed.form_params())
                    .build()
            }
        };
        built.map_err(|e| {
            Error::config_with_source("the STS request could not be built", e.without_url())
        })
    }

    async fn fetch_keys(&self) -> Result<Expiring, Error> {
        let action = match self.proof {
            Proof::Oidc { .. } => "AssumeRoleWithOIDC",
            Proof::Keys(_) | Proof::Chained(_) => "AssumeRole",
        };
        let chained = match &self.proof {
            Proof::Chained(source) => Some(source.current().await?),
            _ => None,
        };
        let answer: StsAnswer = self
            .transport
            .send_json(action, |attempt| self.request(attempt, chained.as_ref()))
            .await?;
        answer.credentials.into_expiring(&format!("STS {action}"))
    }
}

impl CredentialSource for StsRole {
    fn describe(&self) -> String {
        self.label.clone()
    }

    fn fetch(&self) -> BoxFuture<'_, Result<Expiring, Error>> {
        Box::pin(self.fetch_keys())
    }
}
