//! The built-in demo credentials and instances.

use std::fmt;

use cloud_signer::Credentials;
use serde::Serialize;

use crate::Provider;

/// The access key id the sandbox accepts for Capital Online.
pub const CAPITALONLINE_ACCESS_KEY_ID: &str = "sandbox-capitalonline-access-key";
/// The secret of [`CAPITALONLINE_ACCESS_KEY_ID`]. Not a real secret: it only opens the sandbox.
pub const CAPITALONLINE_SECRET: &str = "sandbox-capitalonline-secret-not-real";

/// The access key id the sandbox accepts for Alibaba Cloud.
pub const ALIYUN_ACCESS_KEY_ID: &str = "sandbox-aliyun-access-key";
/// The secret of [`ALIYUN_ACCESS_KEY_ID`]. Not a real secret: it only opens the sandbox.
pub const ALIYUN_SECRET: &str = "sandbox-aliyun-secret-not-real";

/// The access key id (AK) the sandbox accepts for Huawei Cloud (RDS and GaussDB: one account).
pub const HUAWEI_ACCESS_KEY_ID: &str = "SANDBOXHUAWEIDEMOAK0";
/// The secret (SK) of [`HUAWEI_ACCESS_KEY_ID`]. Not a real secret: it only opens the sandbox.
pub const HUAWEI_SECRET: &str = "sandbox-huawei-secret-not-real";
/// The Huawei Cloud project id of the demo account: the only one in `/v3/{project_id}/...`
/// paths the sandbox knows.
pub const HUAWEI_PROJECT_ID: &str = "0123456789abcdef0123456789abcdef";

/// The demo Capital Online MySQL instance (`InstanceUuid`).
pub const CAPITALONLINE_INSTANCE_ID: &str = "0c5e8f2a-7b41-4d9e-a3c6-5f18b2e9d470";
/// The demo Alibaba Cloud RDS instance (`DBInstanceId`).
pub const ALIYUN_INSTANCE_ID: &str = "rm-demo";
/// The demo Huawei Cloud RDS instance (`instance_id`, 32 hex digits and `in01`).
pub const HUAWEI_RDS_INSTANCE_ID: &str = "7f3a9c2e5b8d4e1fa6c0d2b4e8f1a3c5in01";
/// The demo Huawei Cloud GaussDB for MySQL instance (`instance_id`, 32 hex digits and `in07`).
pub const HUAWEI_GAUSSDB_INSTANCE_ID: &str = "2b6e1d9f4c7a4e8b9d3f5a0c1e7b2d4fin07";

/// The access key pair (and, for Huawei Cloud, the project id) the sandbox accepts for one
/// service.
///
/// `Debug` does not show the secret, as for real credentials, although these are public.
#[derive(Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DemoCredentials {
    /// The access key id.
    pub access_key_id: &'static str,
    /// The secret.
    pub secret: &'static str,
    /// The project id, for the Huawei Cloud services; `None` for the others.
    pub project_id: Option<&'static str>,
}

impl DemoCredentials {
    /// The access key pair as [`cloud_signer::Credentials`], the type every client crate of
    /// this workspace takes (re-exported by each as `Credentials`).
    pub fn to_credentials(&self) -> Credentials {
        Credentials::new(self.access_key_id, self.secret)
    }
}

impl fmt::Debug for DemoCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DemoCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret", &"** redacted **")
            .field("project_id", &self.project_id)
            .finish()
    }
}

/// The credentials the sandbox accepts for `service`. A request signed with anything else
/// gets the provider's authentication error.
///
/// ```
/// use cloud_sandbox::{Provider, demo_credentials};
///
/// let huawei = demo_credentials(Provider::HuaweiCloudRds);
/// assert_eq!(huawei.project_id, Some(cloud_sandbox::HUAWEI_PROJECT_ID));
/// assert_eq!(demo_credentials(Provider::HuaweiCloudGaussDb), huawei);
/// assert_eq!(demo_credentials(Provider::AliyunRds).project_id, None);
/// ```
pub fn demo_credentials(service: Provider) -> DemoCredentials {
    let (access_key_id, secret, project_id) = match service {
        Provider::CapitalOnlineMysql => (CAPITALONLINE_ACCESS_KEY_ID, CAPITALONLINE_SECRET, None),
        Provider::AliyunRds => (ALIYUN_ACCESS_KEY_ID, ALIYUN_SECRET, None),
        Provider::HuaweiCloudRds | Provider::HuaweiCloudGaussDb => {
            (HUAWEI_ACCESS_KEY_ID, HUAWEI_SECRET, Some(HUAWEI_PROJECT_ID))
        }
    };
    DemoCredentials {
        access_key_id,
        secret,
        project_id,
    }
}

/// One database instance of a sandbox: its service, id, name and number of backups.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DemoInstance {
    /// The service it belongs to.
    pub service: Provider,
    /// The instance id to pass to the service's API (`InstanceUuid`, `DBInstanceId`,
    /// `instance_id`).
    pub instance_id: String,
    /// The instance's name, as the APIs report it where they have one.
    pub name: String,
    /// The database engine and version, for people.
    pub engine: String,
    /// How many backups it has; each has a downloadable file.
    pub backup_count: usize,
}

/// The built-in demo instances, one per service, with their default backup counts:
///
/// | service | instance id | backups |
/// |---|---|---|
/// | `capitalonline-mysql` | [`CAPITALONLINE_INSTANCE_ID`] | 14 |
/// | `aliyun-rds` | [`ALIYUN_INSTANCE_ID`] (`rm-demo`) | 137 (more than one page of the largest size, 100) |
/// | `huaweicloud-rds` | [`HUAWEI_RDS_INSTANCE_ID`] (`...in01`) | 125 |
/// | `huaweicloud-gaussdb` | [`HUAWEI_GAUSSDB_INSTANCE_ID`] (`...in07`) | 103 |
///
/// [`SandboxConfig::with_backup_count`](crate::SandboxConfig::with_backup_count) changes a
/// count or adds instances; [`Sandbox::instances`](crate::Sandbox::instances) lists what a
/// running sandbox serves.
pub fn demo_instances() -> Vec<DemoInstance> {
    Provider::ALL
        .iter()
        .copied()
        .map(default_instance)
        .collect()
}

/// The id of the demo instance of `service` in a default sandbox (`rm-demo` for Alibaba
/// Cloud).
///
/// ```
/// use cloud_sandbox::{Provider, demo_instance_id};
///
/// assert_eq!(demo_instance_id(Provider::AliyunRds), "rm-demo");
/// ```
pub fn demo_instance_id(service: Provider) -> &'static str {
    match service {
        Provider::CapitalOnlineMysql => CAPITALONLINE_INSTANCE_ID,
        Provider::AliyunRds => ALIYUN_INSTANCE_ID,
        Provider::HuaweiCloudRds => HUAWEI_RDS_INSTANCE_ID,
        Provider::HuaweiCloudGaussDb => HUAWEI_GAUSSDB_INSTANCE_ID,
    }
}

/// The demo instance of `service`.
pub(crate) fn default_instance(service: Provider) -> DemoInstance {
    let (name, engine, backup_count) = match service {
        Provider::CapitalOnlineMysql => ("demo-mysql", "MySQL 8.0", 14),
        Provider::AliyunRds => ("rm-demo", "MySQL 8.0", 137),
        Provider::HuaweiCloudRds => ("rds-demo", "MySQL 8.0", 125),
        Provider::HuaweiCloudGaussDb => ("taurus-demo", "GaussDB for MySQL 8.0", 103),
    };
    DemoInstance {
        service,
        instance_id: demo_instance_id(service).to_owned(),
        name: name.to_owned(),
        engine: engine.to_owned(),
        backup_count,
    }
}
