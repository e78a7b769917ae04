//! The sources of temporary credentials in the Huawei Cloud default chain, as `huaweicloudsdkcore`
//! implements them: the ECS metadata service's security key (an IMDSv2-style token first) and
//! IAM federation by OIDC token (`idp_id` + `id_token_file`, for CCE workloads: the token
//! exchanged for an IAM token, that for a temporary AK/SK). Each is a [`CredentialSource`]: the
//! [`CredentialProvider`](cloud_http::credentials::CredentialProvider) around it fetches once
//! and again before the credentials expire.

use std::path::PathBuf;
use std::time::Duration;

use cloud_http::Error;
use cloud_http::credentials::{CredentialSource, Expiring};
use cloud_signer::Credentials;
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

/// The ECS metadata service.
pub(crate) const METADATA_ENDPOINT: &str = "http://169.254.169.254";
/// IAM, when neither `HUAWEICLOUD_SDK_IAM_ENDPOINT` nor the credentials file names one.
pub(crate) const IAM_ENDPOINT: &str = "https://iam.myhuaweicloud.com";
/// How long the temporary keys of a federation are asked for (the SDKs' 6 hours).
const FEDERATION_SECONDS: u64 = 21_600;

/// `{"credential": {...}}`, as the metadata service and IAM answer. No `Debug`: it holds the
/// secret.
#[derive(Deserialize)]
struct Answer {
    credential: Keys,
}

#[derive(Deserialize)]
struct Keys {
    access: String,
    secret: String,
    securitytoken: String,
    expires_at: String,
}

impl Keys {
    fn into_expiring(self, from: &str) -> Result<Expiring, Error> {
        if self.access.is_empty() || self.secret.is_empty() || self.securitytoken.is_empty() {
            return Err(Error::decode(format!(
                "{from} answered with an empty access, secret or securitytoken"
            )));
        }
        let Some(expires) = cloud_http::times::parse_time(&self.expires_at) else {
            return Err(Error::decode(format!(
                "{from} answered with an expires_at that is not a time: {:?}",
                self.expires_at
            )));
        };
        Ok(Expiring::new(
            Credentials::new(self.access, self.secret).with_security_token(self.securitytoken),
            Some(expires),
        ))
    }
}

fn http_client(connect: Duration, total: Duration) -> Result<reqwest::Client, Error> {
    cloud_http::credentials::source_client(
        connect,
        total,
        concat!("huaweicloud-core/", env!("CARGO_PKG_VERSION")),
    )
}

/// The keys of an answer, or an error naming `from` and the status (never the body).
async fn keys_of(response: reqwest::Response, from: &str) -> Result<Expiring, Error> {
    let answer: Answer = cloud_http::credentials::source_answer(response, from).await?;
    answer.credential.into_expiring(from)
}

/// The ECS instance's temporary security key (its agency), from the metadata service.
pub(crate) struct EcsMetadata {
    http: reqwest::Client,
    endpoint: String,
}

impl EcsMetadata {
    pub(crate) fn new(endpoint: &str) -> Result<Self, Error> {
        Ok(Self {
            // The SDKs' 3 s.
            http: http_client(Duration::from_secs(3), Duration::from_secs(3))?,
            endpoint: endpoint.trim_end_matches('/').to_owned(),
        })
    }

    fn unreachable(&self, error: &reqwest::Error) -> Error {
        Error::transport(format!(
            "the ECS metadata service at {} did not answer ({}): not an ECS instance with an \
             agency? (HUAWEICLOUD_SDK_METADATA_DISABLED=true leaves it out of the chain)",
            self.endpoint,
            if error.is_timeout() {
                "timed out"
            } else {
                "connection failed"
            }
        ))
    }

    async fn fetch_keys(&self) -> Result<Expiring, Error> {
        // A session token first; a service without them (404, 405) is asked without.
        let token = match self
            .http
            .put(format!("{}/meta-data/latest/api/token", self.endpoint))
            .header("X-Metadata-Token-Ttl-Seconds", "21600")
            .send()
            .await
        {
            Ok(response) if response.status().is_success() => response.text().await.ok(),
            Ok(_) => None,
            Err(e) => return Err(self.unreachable(&e)),
        };
        let mut request = self
            .http
            .get(format!("{}/openstack/latest/securitykey", self.endpoint));
        if let Some(token) = token.as_deref().map(str::trim) {
            request = request.header("X-Metadata-Token", token);
        }
        let response = request.send().await.map_err(|e| self.unreachable(&e))?;
        keys_of(response, "the ECS metadata service").await
    }
}

impl CredentialSource for EcsMetadata {
    fn describe(&self) -> String {
        format!("ECS instance agency (metadata service {})", self.endpoint)
    }

    fn fetch(&self) -> BoxFuture<'_, Result<Expiring, Error>> {
        Box::pin(self.fetch_keys())
    }
}

/// IAM federation by OIDC token: the token file's content exchanged for an IAM token
/// (`POST /v3.0/OS-AUTH/id-token/tokens`, header `X-Idp-Id`), that for temporary keys
/// (`POST /v3.0/OS-CREDENTIAL/securitytokens`). Neither call is signed.
pub(crate) struct Federation {
    http: reqwest::Client,
    iam: String,
    idp_id: String,
    token_file: PathBuf,
    label: String,
}

impl Federation {
    pub(crate) fn new(
        iam: &str,
        idp_id: String,
        token_file: PathBuf,
        label: String,
    ) -> Result<Self, Error> {
        Ok(Self {
            http: http_client(Duration::from_secs(5), Duration::from_secs(20))?,
            iam: iam.trim_end_matches('/').to_owned(),
            idp_id,
            token_file,
            label,
        })
    }

    async fn fetch_keys(&self) -> Result<Expiring, Error> {
        let id_token = std::fs::read_to_string(&self.token_file).map_err(|e| {
            Error::io(
                format!(
                    "the ID token file {} could not be read",
                    self.token_file.display()
                ),
                e,
            )
        })?;
        let sent = |e: reqwest::Error| {
            Error::transport(format!(
                "IAM at {} did not answer: {}",
                self.iam,
                e.without_url()
            ))
        };
        let response = self
            .http
            .post(format!("{}/v3.0/OS-AUTH/id-token/tokens", self.iam))
            .header("X-Idp-Id", &self.idp_id)
            .json(&json!({"auth": {"id_token": {"id": id_token.trim()}}}))
            .send()
            .await
            .map_err(sent)?;
        let status = response.status();
        let token = response
            .headers()
            .get("x-subject-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let Some(token) = token.filter(|_| status.is_success()) else {
            return Err(Error::config(format!(
                "IAM refused the ID token of {} for identity provider {} (HTTP {})",
                self.token_file.display(),
                self.idp_id,
                status.as_u16()
            )));
        };
        let response = self
            .http
            .post(format!("{}/v3.0/OS-CREDENTIAL/securitytokens", self.iam))
            .json(&json!({"auth": {"identity": {
                "methods": ["token"],
                "token": {"id": token, "duration_seconds": FEDERATION_SECONDS},
            }}}))
            .send()
            .await
            .map_err(sent)?;
        keys_of(response, "IAM (temporary keys for the federated token)").await
    }
}

impl CredentialSource for Federation {
    fn describe(&self) -> String {
        self.label.clone()
    }

    fn fetch(&self) -> BoxFuture<'_, Result<Expiring, Error>> {
        Box::pin(self.fetch_keys())
    }
}

/// The projects IAM lists (`KeystoneListProjects`).
#[derive(Deserialize)]
struct Projects {
    #[serde(default)]
    projects: Vec<Project>,
}

#[derive(Deserialize)]
struct Project {
    id: String,
}

/// The id of the project named `region` (`GET /v3/projects?name=<region>` at IAM `iam`,
/// signed with `credentials` — `provider`'s when given): exactly one must come back, as the
/// official SDKs require.
pub(crate) async fn project_id_of_region(
    iam: &str,
    region: &str,
    credentials: &Credentials,
    provider: Option<&cloud_http::credentials::CredentialProvider>,
    http: cloud_http::HttpConfig,
) -> Result<String, Error> {
    let endpoint = cloud_http::Endpoint::parse(iam)?;
    let mut transport = cloud_http::Transport::new(http, *crate::Service::RDS.error_format())?
        .with_service_name("huaweicloud-iam");
    if let Some(provider) = provider {
        transport = transport.with_credentials(provider.clone());
    }
    let client = transport.http_client().clone();
    let projects: Projects = transport
        .send_json("KeystoneListProjects", |attempt| {
            let credentials = attempt.credentials.as_ref().unwrap_or(credentials);
            let unsigned =
                cloud_signer::huawei::HuaweiRequest::new("GET", endpoint.host(), "/v3/projects")
                    .with_query_param("name", region)
                    .with_header("Content-Type", "application/json");
            let signed = cloud_signer::huawei::sign(&unsigned, credentials, attempt.timestamp);
            let mut request = client.get(format!("{}{}", endpoint.as_str(), signed.request_uri()));
            for (name, value) in signed.headers() {
                request = request.header(name.as_str(), value.as_str());
            }
            request.build().map_err(|e| {
                Error::config_with_source("the IAM request could not be built", e.without_url())
            })
        })
        .await?;
    match projects.projects.as_slice() {
        [one] => Ok(one.id.clone()),
        [] => Err(Error::config(format!(
            "IAM lists no project named {region} for these credentials: give the project id \
             (HUAWEICLOUD_SDK_PROJECT_ID)"
        ))),
        several => Err(Error::config(format!(
            "IAM lists {} projects named {region}: give the project id \
             (HUAWEICLOUD_SDK_PROJECT_ID)",
            several.len()
        ))),
    }
}
