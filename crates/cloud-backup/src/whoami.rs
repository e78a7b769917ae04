//! [`whoami`]: which source of a provider's credential chain supplied the credentials, the
//! access key id (its ends only), and when temporary ones expire. Never a secret.

use serde::Serialize;
use time::OffsetDateTime;

use crate::{Error, Options, Provider};

/// What [`whoami`] found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Identity {
    /// The provider.
    pub provider: Provider,
    /// The source in the chain, as people say it (`environment variables ...`, `ECS instance
    /// RAM role "..."`, `aliyun CLI profile ...`).
    pub source: String,
    /// The access key id, shown by its first and last four characters (`LTAI…x7Qz`).
    pub access_key_id: String,
    /// Whether a security token comes with the key (temporary credentials).
    pub temporary: bool,
    /// When temporary credentials expire, if the source said (RFC 3339 in `--json`).
    #[serde(serialize_with = "rfc3339")]
    pub expires_at: Option<OffsetDateTime>,
}

fn rfc3339<S: serde::Serializer>(
    time: &Option<OffsetDateTime>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match time.and_then(crate::model::rfc3339) {
        Some(text) => serializer.serialize_str(&text),
        None => serializer.serialize_none(),
    }
}

/// `id` with all but its first and last four characters hidden (all hidden when short).
pub fn masked_key_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 10 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

fn identity(
    provider: Provider,
    source: String,
    credentials: &cloud_signer::Credentials,
    expires_at: Option<OffsetDateTime>,
) -> Identity {
    Identity {
        provider,
        source,
        access_key_id: masked_key_id(credentials.access_key_id()),
        temporary: credentials.security_token().is_some(),
        expires_at,
    }
}

/// Resolves `provider`'s credentials as every command does (the options' credentials, else
/// the provider's chain) and says where they came from. A source of temporary credentials
/// (a metadata service, STS) is asked once, as the first request of a command would.
///
/// # Errors
///
/// As a command's first request: no credentials anywhere, or a source that fails.
pub async fn whoami(provider: Provider, options: &Options) -> Result<Identity, Error> {
    if let Some(credentials) = &options.credentials {
        return Ok(identity(
            provider,
            "the credentials given with the options".to_owned(),
            credentials,
            None,
        ));
    }
    match provider {
        #[cfg(feature = "aliyun-rds")]
        Provider::AliyunRds => {
            let config = crate::aliyun::config(aliyun_rds::Config::from_env()?, options)?;
            match config.credential_provider() {
                Some(chain) => {
                    let current = chain.current_at(OffsetDateTime::now_utc()).await?;
                    Ok(identity(
                        provider,
                        chain.describe(),
                        &current.credentials,
                        current.expires_at,
                    ))
                }
                None => Ok(identity(
                    provider,
                    "the configuration".to_owned(),
                    config.credentials(),
                    None,
                )),
            }
        }
        #[cfg(feature = "capitalonline-mysql")]
        Provider::CapitalOnlineMysql => {
            let config = capitalonline_mysql::Config::from_env()?;
            Ok(identity(
                provider,
                "environment variables CDS_SECRET_ID and CDS_SECRET_KEY".to_owned(),
                config.credentials(),
                None,
            ))
        }
        #[cfg(any(feature = "huaweicloud-rds", feature = "huaweicloud-gaussdb"))]
        Provider::HuaweiCloudRds | Provider::HuaweiCloudGaussDb => {
            let lookup = |name: &str| std::env::var(name).ok();
            let home = huaweicloud_core::credentials::home_dir(&lookup);
            let resolved = huaweicloud_core::credentials::resolve(&lookup, home.as_deref())?;
            if let Some(chain) = resolved.provider() {
                let current = chain.current_at(OffsetDateTime::now_utc()).await?;
                return Ok(identity(
                    provider,
                    chain.describe(),
                    &current.credentials,
                    current.expires_at,
                ));
            }
            let source = match resolved.source() {
                huaweicloud_core::credentials::CredentialSource::File(path) => {
                    format!("the [basic] section of {}", path.display())
                }
                _ => format!(
                    "environment variables {} and {}",
                    huaweicloud_core::credentials::AK_ENV,
                    huaweicloud_core::credentials::SK_ENV
                ),
            };
            Ok(identity(provider, source, resolved.credentials(), None))
        }
        #[allow(unreachable_patterns)]
        other => Err(crate::not_built(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids_show_only_their_ends() {
        assert_eq!(masked_key_id("LTAI5tExampleKeyIdx7Qz"), "LTAI…x7Qz");
        assert_eq!(masked_key_id("short"), "*****");
        assert_eq!(masked_key_id("STS.NTxyz1234567890abcd"), "STS.…abcd");
    }
}
