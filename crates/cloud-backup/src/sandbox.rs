//! The embedded sandbox: an in-process simulator of the four services on 127.0.0.1
//! ([`cloud_sandbox`], re-exported here), and what points this crate's calls at it. Feature
//! `sandbox` (default on).
//!
//! The sandbox checks every signature like the real gateways, pages like them, sends their
//! field quirks, serves downloadable files (with `Range`), and injects faults on demand. It
//! needs no account and no network: this is what `cloud-backup --sandbox ...` runs against.
//!
//! (The example needs the `aliyun-rds` feature too.)
#![cfg_attr(feature = "aliyun-rds", doc = "```")]
#![cfg_attr(not(feature = "aliyun-rds"), doc = "```ignore")]
//! use cloud_backup::sandbox::{self, Sandbox, SandboxConfig};
//! use cloud_backup::{DownloadOptions, Provider};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = Sandbox::start(SandboxConfig::default())?;
//! // The demo credentials, the sandbox's endpoint (and, for Huawei Cloud, the demo project).
//! let client = sandbox::client(Provider::AliyunRds, &sandbox)?;
//! let backups = client.list_backups(sandbox::demo_instance_id(Provider::AliyunRds)).await?;
//! assert_eq!(backups.len(), 137);
//!
//! // An existing directory: the file goes in under its own name.
//! let dir = std::env::temp_dir().join(format!("cloud-backup-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let files = client
//!     .download("rm-demo", &backups[0].backup_id, &dir, &DownloadOptions::new())
//!     .await?;
//! assert_eq!(Some(files[0].bytes), backups[0].size_bytes);
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok(())
//! # }
//! ```
//!
//! Code that takes an endpoint and credentials (any client of this workspace, or this crate's
//! [`Options`]) reaches the sandbox with [`options`]: the endpoint replaces the provider's
//! host, and the demo credentials replace the environment's.

pub use cloud_sandbox::{
    DemoCredentials, DemoInstance, FaultHandle, Faults, Sandbox, SandboxConfig, content,
    demo_credentials, demo_instance_id, demo_instances, fill_content,
};

use crate::{Client, Error, Options, Provider};

/// The region given to the Huawei Cloud clients in the sandbox (any would do: the endpoint
/// wins).
pub const HUAWEI_REGION: &str = "cn-north-4";

/// [`Options`] that reach a sandbox listening at `endpoint` as `provider`: the endpoint, the
/// demo credentials, and for Huawei Cloud the demo project id and a region. Nothing comes
/// from the environment.
///
/// ```
/// use cloud_backup::{Options, Provider};
///
/// let options = cloud_backup::sandbox::options(Provider::HuaweiCloudRds, "http://127.0.0.1:8080");
/// assert_eq!(options.endpoint.as_deref(), Some("http://127.0.0.1:8080"));
/// assert_eq!(options.project_id.as_deref(), Some(cloud_backup::sandbox::demo_credentials(
///     Provider::HuaweiCloudRds).project_id.unwrap()));
/// assert!(options.credentials.is_some());
/// ```
pub fn options(provider: Provider, endpoint: &str) -> Options {
    let demo = demo_credentials(provider);
    let mut options = Options::new()
        .with_endpoint(endpoint)
        .with_credentials(demo.to_credentials());
    if let Some(project_id) = demo.project_id {
        options = options
            .with_project_id(project_id)
            .with_region(HUAWEI_REGION);
    }
    options
}

/// A [`Client`] of `provider` for `sandbox`, with the demo credentials.
pub fn client(provider: Provider, sandbox: &Sandbox) -> Result<Client, Error> {
    Client::new(provider, &options(provider, &sandbox.endpoint()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_provider_has_its_demo_instance() {
        for &provider in Provider::ALL {
            let instance = demo_instances()
                .into_iter()
                .find(|i| i.service == provider)
                .unwrap();
            assert_eq!(instance.instance_id, demo_instance_id(provider));
        }
        let options = options(Provider::AliyunRds, "http://127.0.0.1:1");
        assert_eq!(options.project_id, None);
        assert_eq!(options.region, None);
    }
}
