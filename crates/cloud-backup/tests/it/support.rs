//! Running the binary, and checks shared by the provider tests.

// A build with no provider feature runs only the command-line tests.
#![cfg_attr(
    not(any(
        feature = "capitalonline-mysql",
        feature = "aliyun-rds",
        feature = "huaweicloud-rds",
        feature = "huaweicloud-gaussdb"
    )),
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
    let child = command(env).args(args).kill_on_drop(true).output();
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

/// `cloud-backup` with only the variables `env` (no proxy settings, no home directory with
/// real credentials), and download retries that wait a millisecond instead of a second.
pub(crate) fn command(env: &[(&str, &str)]) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_cloud-backup"));
    command
        .env_clear()
        .env("HOME", "/nonexistent/cloud-backup-tests")
        .env("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true")
        // Tests reach only 127.0.0.1: no ECS metadata service at 100.100.100.200 (a test of
        // that source points ALIBABA_CLOUD_ECS_METADATA_ENDPOINT at a sandbox and sets this
        // back to false).
        .env("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
        .env("HUAWEICLOUD_SDK_METADATA_DISABLED", "true")
        .env("CLOUD_BACKUP_RETRY_BASE_MS", "1")
        .envs(env.iter().copied());
    command
}

/// A fresh, empty directory for one test's files, under cargo's scratch directory for
/// integration tests.
pub(crate) fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("cloud-backup-it")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

/// The names of the entries of `dir`, sorted.
pub(crate) fn entries(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("a directory")
        .map(|entry| {
            entry
                .expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

/// Lowercase hex SHA-256.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
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

/// Huawei Cloud: what both Huawei providers' tests share.
#[cfg(any(feature = "huaweicloud-rds", feature = "huaweicloud-gaussdb"))]
pub(crate) mod huawei {
    use cloud_signer::huawei::{HuaweiRequest, compute_signature, parse_authorization};
    use serde_json::Value;
    use wiremock::{MockServer, Request, ResponseTemplate};

    use super::{ACCESS_KEY_ID, Run, SECRET, run};

    /// The project of the environment.
    pub(crate) const PROJECT_ID: &str = "0483b6b16e954cb88930a360d2c4e663";
    /// A temporary credential's token: it holds the secret, so it must never print either.
    pub(crate) const SECURITY_TOKEN: &str =
        "S3cr3t-value-that-must-never-print-and-neither-must-this-token";

    /// Credentials and project from the environment; no region (the tests pass `--endpoint`).
    pub(crate) const ENV: &[(&str, &str)] = &[
        ("HUAWEICLOUD_SDK_AK", ACCESS_KEY_ID),
        ("HUAWEICLOUD_SDK_SK", SECRET),
        ("HUAWEICLOUD_SDK_SECURITY_TOKEN", SECURITY_TOKEN),
        ("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT_ID),
    ];

    /// `cloud-backup PROVIDER ARGS --endpoint <server>` with `env`.
    pub(crate) async fn run_at(
        provider: &str,
        server: &MockServer,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Run {
        let endpoint = server.uri();
        let mut all = vec![provider];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--endpoint", &endpoint]);
        run(&all, env).await
    }

    /// `cloud-backup PROVIDER list --instance INSTANCE --json` against `server` with [`ENV`]:
    /// the one JSON array it prints.
    pub(crate) async fn list(provider: &str, server: &MockServer, instance: &str) -> Vec<Value> {
        let run = run_at(
            provider,
            server,
            &["list", "--instance", instance, "--json"],
            ENV,
        )
        .await;
        match run.json() {
            Value::Array(list) => list,
            other => panic!("not one JSON array: {other}"),
        }
    }

    /// A JSON body as served, byte for byte.
    pub(crate) fn json_response(body: &str) -> ResponseTemplate {
        ResponseTemplate::new(200)
            .set_body_raw(body.as_bytes().to_vec(), "application/json")
            .insert_header("X-Request-Id", "req-ok")
    }

    /// The gateway's answer to a wrong AK/SK.
    pub(crate) fn wrong_credentials() -> ResponseTemplate {
        ResponseTemplate::new(401)
            .set_body_raw(
                r#"{"error_msg":"Incorrect IAM authentication information: verify aksk signature fail","error_code":"APIG.0301","request_id":"4d2f1a4b8e3c"}"#,
                "application/json",
            )
            .insert_header("X-Request-Id", "4d2f1a4b8e3c")
    }

    fn header<'a>(request: &'a Request, name: &str) -> &'a str {
        request
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("no {name} header"))
    }

    /// Checks one received request: project id and token headers, and the `SDK-HMAC-SHA256`
    /// signature recomputed with the secret over what was received.
    pub(crate) fn assert_signed(request: &Request, project_id: &str) {
        assert_eq!(header(request, "x-project-id"), project_id);
        assert_eq!(header(request, "x-security-token"), SECURITY_TOKEN);
        let authorization = parse_authorization(header(request, "authorization"))
            .expect("an SDK-HMAC-SHA256 Authorization header");
        assert_eq!(authorization.access_key_id(), ACCESS_KEY_ID);
        assert_eq!(
            authorization.signed_headers(),
            "content-type;host;x-project-id;x-sdk-date;x-security-token"
        );
        let received = authorization
            .signed_headers()
            .split(';')
            .filter(|name| *name != "host")
            .fold(
                HuaweiRequest::new(
                    request.method.as_str(),
                    header(request, "host"),
                    request.url.path(),
                ),
                |received, name| received.with_header(name, header(request, name)),
            );
        let received = request
            .url
            .query_pairs()
            .fold(received, |received, (name, value)| {
                received.with_query_param(name, value)
            });
        let expected = compute_signature(&received, authorization.signed_headers(), SECRET);
        assert!(
            expected.matches(authorization.signature()),
            "signature of {}",
            request.url
        );
    }
}

/// Every file under `dir`, at any depth (symlinks not followed into); nothing when `dir` is
/// missing.
pub(crate) fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&at) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found
}

/// The path of a real archive of `crates/backup-archive/tests/data` (see its README).
pub(crate) fn archive_data(name: &str) -> String {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../backup-archive/tests/data")
        .join(name)
        .to_str()
        .expect("UTF-8")
        .to_owned()
}
