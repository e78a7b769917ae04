//! Running the binary, and checks shared by the provider tests.

// A build with no provider feature runs only the command-line tests.
#![cfg_attr(
    not(any(feature = "capitalonline-mysql", feature = "aliyun-rds")),
    allow(dead_code)
)]

use std::process::ExitStatus;
use std::time::Duration;

use serde_json::Value;

/// The secret every test passes; it must never show up in the output.
pub(crate) const SECRET: &str = "S3cr3t-value-that-must-never-print";
pub(crate) const ACCESS_KEY_ID: &str = "testid";

/// What a run of the binary gave.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) status: ExitStatus,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    /// stdout as JSON.
    pub(crate) fn json(&self) -> Value {
        assert!(self.status.success(), "{self:?}");
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {}", self.stdout))
    }

    /// Asserts a failure with exit status 1, nothing on stdout and exactly `line` on stderr.
    pub(crate) fn assert_error_line(&self, line: &str) {
        assert_eq!(self.status.code(), Some(1), "{self:?}");
        assert_eq!(self.stdout, "", "{self:?}");
        assert_eq!(self.stderr, format!("{line}\n"), "{self:?}");
    }

    /// Asserts a failure with exit status 1, nothing on stdout and one line on stderr that
    /// starts with `prefix`; returns the line.
    pub(crate) fn error_line(&self, prefix: &str) -> &str {
        assert_eq!(self.status.code(), Some(1), "{self:?}");
        assert_eq!(self.stdout, "", "{self:?}");
        assert_eq!(self.stderr.lines().count(), 1, "{self:?}");
        assert!(self.stderr.starts_with(prefix), "{self:?}");
        self.stderr.trim_end()
    }
}

/// Runs `cloud-backup ARGS` with only the variables `env` (no proxy settings, no home
/// directory with real credentials), and checks that the secret shows nowhere.
pub(crate) async fn run(args: &[&str], env: &[(&str, &str)]) -> Run {
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_cloud-backup"))
        .args(args)
        .env_clear()
        .env("HOME", "/nonexistent/cloud-backup-tests")
        .env("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true")
        .envs(env.iter().copied())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(120), child)
        .await
        .expect("cloud-backup did not finish within 120 s")
        .expect("cloud-backup runs");
    let run = Run {
        status: output.status,
        stdout: String::from_utf8(output.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(output.stderr).expect("UTF-8 stderr"),
    };
    assert!(!run.stdout.contains(SECRET), "secret on stdout: {run:?}");
    assert!(!run.stderr.contains(SECRET), "secret on stderr: {run:?}");
    run
}

/// Asserts that `value` is an RFC 3339 time with an explicit offset ending in `suffix`.
pub(crate) fn assert_rfc3339(value: &Value, suffix: &str) {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"));
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|e| panic!("{text}: {e}"));
    assert!(text.ends_with(suffix), "{text} does not end with {suffix}");
}

/// Asserts the fields every `list --json` element has, with their types.
pub(crate) fn assert_backup_shape(backup: &Value, provider: &str, instance: &str) {
    assert_eq!(backup["provider"], provider, "{backup}");
    assert_eq!(backup["instance_id"], instance, "{backup}");
    assert!(backup["backup_id"].is_string(), "{backup}");
    assert!(
        backup["status"].is_string() || backup["status"].is_null(),
        "{backup}"
    );
    assert!(
        backup["size_bytes"].is_u64() || backup["size_bytes"].is_null(),
        "{backup}"
    );
    for field in ["started_at", "finished_at"] {
        assert!(backup.get(field).is_some(), "{field} missing: {backup}");
    }
    assert!(backup["raw"].is_object(), "{backup}");
}
