//! The request log: what each request was and how the sandbox answered.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};

use serde::Serialize;

use crate::{FaultKind, Provider};

/// How many records the log keeps; older ones are forgotten first.
pub const REQUEST_LOG_CAPACITY: usize = 100_000;

/// What kind of request a [`RequestRecord`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RequestKind {
    /// A call of one of the APIs.
    Api,
    /// A backup file download (`GET` or `HEAD` of a `/files/...` link).
    Download,
    /// Anything else (an unknown path): answered 404.
    Other,
    /// A metadata service or a credentials URI handing out short-lived credentials (STS calls
    /// are [`Api`](Self::Api) calls).
    Identity,
}

/// One request the sandbox answered, as [`Sandbox::requests`](crate::Sandbox::requests)
/// returns them (oldest first) so tests can count calls. Requests to the control endpoint
/// (`/_sandbox/...`) are not recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RequestRecord {
    /// The HTTP method (`GET`, `POST`, ...).
    pub method: String,
    /// The path, without the query (which holds signatures).
    pub path: String,
    /// What kind of request it was.
    pub kind: RequestKind,
    /// The service it was for, when the path says.
    pub service: Option<Provider>,
    /// The operation (`DescribeBackups`, `ListBackups`, `ListBackupFiles`,
    /// `ShowInstanceBackups`, `DownloadBackup`, ...; `Download` for a file), when known.
    pub operation: Option<String>,
    /// The HTTP status answered (for a dropped download, the status of its head).
    pub status: u16,
    /// The provider's error code answered (`SignatureNonceUsed`, `APIG.0301`, ...), if any.
    pub error_code: Option<String>,
    /// The fault injected into it, if any.
    pub fault: Option<FaultKind>,
}

/// The log: a bounded queue.
#[derive(Debug, Default)]
pub(crate) struct RequestLog {
    records: Mutex<VecDeque<RequestRecord>>,
}

impl RequestLog {
    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<RequestRecord>> {
        self.records.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn push(&self, record: RequestRecord) {
        let mut records = self.lock();
        if records.len() >= REQUEST_LOG_CAPACITY {
            records.pop_front();
        }
        records.push_back(record);
    }

    pub(crate) fn snapshot(&self) -> Vec<RequestRecord> {
        self.lock().iter().cloned().collect()
    }

    pub(crate) fn clear(&self) {
        self.lock().clear();
    }
}
