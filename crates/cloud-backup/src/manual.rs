//! Manual backups: [`CreatedBackup`] (what a create call answered), [`Progress`] of one look
//! at it, and [`WaitOptions`] for following it to completion
//! ([`Client::wait_for_backup`](crate::Client::wait_for_backup)).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::{Backup, Provider};

/// A manual backup just started: what the provider's create call answered. Capital Online
/// answers with a task ID only, Alibaba Cloud with a backup job ID; Huawei Cloud with the
/// new backup's ID.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreatedBackup {
    /// The service; serialized as its name.
    pub provider: Provider,
    /// The instance backed up.
    pub instance_id: String,
    /// The new backup's ID, when the provider says it (Huawei Cloud) or once it is known.
    pub backup_id: Option<String>,
    /// The provider's job or task ID (Alibaba Cloud `BackupJobId`, Capital Online `TaskId`,
    /// GaussDB for MySQL `job_id`).
    pub job_id: Option<String>,
    /// The status the provider gave (`BUILDING`), when it gave one.
    pub status: Option<String>,
    /// When the create call was sent (RFC 3339, this machine's clock): a backup started
    /// before it is not this one.
    pub requested_at: String,
    /// The provider's answer exactly as received.
    pub raw: serde_json::Value,
}

impl CreatedBackup {
    /// A record of a create call on `instance_id` sent at `requested_at`.
    pub fn new(
        provider: Provider,
        instance_id: impl Into<String>,
        requested_at: impl Into<String>,
    ) -> Self {
        Self {
            provider,
            instance_id: instance_id.into(),
            backup_id: None,
            job_id: None,
            status: None,
            requested_at: requested_at.into(),
            raw: serde_json::Value::Null,
        }
    }
}

/// One look at a backup being made.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Progress {
    /// Still being made: the provider's status, and the backup's ID once it is known.
    Running {
        /// The provider's status, when it says one.
        status: Option<String>,
        /// The backup's ID, once known.
        backup_id: Option<String>,
    },
    /// Finished: the backup, as `list` shows it.
    Done(Box<Backup>),
}

/// How [`Client::wait_for_backup`](crate::Client::wait_for_backup) follows a backup: how
/// often it looks and for how long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct WaitOptions {
    /// Time between looks (default 10 s).
    pub interval: Duration,
    /// The longest wait (default 2 h); then a [`Timeout`](cloud_http::ErrorKind::Timeout)
    /// error says the backup may still finish.
    pub timeout: Duration,
}

impl Default for WaitOptions {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(10),
            timeout: Duration::from_secs(2 * 60 * 60),
        }
    }
}

impl WaitOptions {
    /// The defaults: a look every 10 s, for at most 2 h.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the time between looks.
    #[must_use]
    pub fn with_interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Sets the longest wait.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}
