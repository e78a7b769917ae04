//! What the command line prints of the libraries' `tracing` events on stderr.
//!
//! * `RUST_LOG` set: exactly what it selects (e.g. `RUST_LOG=cloud_http=debug`).
//! * `-v`: every attempt, retry, backoff, resume, restart and new link (the runtime's `debug`,
//!   our other crates' `info`); `-vv`: `debug` everywhere in our crates.
//! * Neither, on a terminal: one `note:` line when an API call is retried (the download
//!   progress bar says its own retries). Nothing otherwise, so scripts get clean stderr.
//!
//! No event carries a secret: the libraries log links without their query strings and
//! credentials only through their redacting `Debug`.

use std::fmt::Write as _;
use std::io::IsTerminal;

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

/// The crates whose events `-v` shows.
const OUR_CRATES: &[&str] = &[
    "cloud_http",
    "cloud_backup",
    "capitalonline_mysql",
    "aliyun_rds",
    "huaweicloud_core",
    "huaweicloud_rds",
    "huaweicloud_gaussdb",
];

/// The target of the transport's retry events.
const RETRY_TARGET: &str = "cloud_http::retry";

/// Installs the stderr logger for `verbose` (`-v` count).
pub(crate) fn init(verbose: u8) {
    let from_env = std::env::var("RUST_LOG")
        .ok()
        .filter(|v| !v.trim().is_empty());
    let filter = match (from_env, verbose) {
        (Some(directives), _) => EnvFilter::new(directives),
        (None, 0) => {
            if std::io::stderr().is_terminal() {
                let _ = tracing_subscriber::registry().with(RetryNotes).try_init();
            }
            return;
        }
        (None, n) => {
            // -v: the runtime's attempts (debug) and everything our crates say at info;
            // -vv: debug everywhere in our crates.
            let directives: Vec<String> = OUR_CRATES
                .iter()
                .map(|c| {
                    let level = if n > 1 || *c == "cloud_http" {
                        "debug"
                    } else {
                        "info"
                    };
                    format!("{c}={level}")
                })
                .collect();
            EnvFilter::new(directives.join(","))
        }
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

/// Prints each retry of an API call as one `note:` line.
struct RetryNotes;

impl<S: Subscriber> Layer<S> for RetryNotes {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        if event.metadata().target() != RETRY_TARGET {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        eprintln!("{}", fields.note());
    }
}

/// The fields of a retry event.
#[derive(Default)]
struct Fields {
    service: String,
    operation: String,
    attempt: String,
    error: String,
    delay_ms: String,
}

impl Fields {
    /// `note: aliyun-rds DescribeBackups: attempt 1 failed (<error>); retrying in 0.4 s`.
    fn note(&self) -> String {
        let seconds = self.delay_ms.parse::<f64>().map_or(0.0, |ms| ms / 1000.0);
        let mut note = String::from("note:");
        for part in [&self.service, &self.operation] {
            if !part.is_empty() {
                let _ = write!(note, " {part}");
            }
        }
        let _ = write!(
            note,
            ": attempt {} failed ({}); retrying in {seconds:.1} s",
            self.attempt,
            self.error.split_whitespace().collect::<Vec<_>>().join(" ")
        );
        note
    }
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.set(field, value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.set(field, format!("{value:?}"));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.set(field, value.to_string());
    }

    fn record_u128(&mut self, field: &Field, value: u128) {
        self.set(field, value.to_string());
    }
}

impl Fields {
    fn set(&mut self, field: &Field, value: String) {
        match field.name() {
            "service" => self.service = value,
            "operation" => self.operation = value,
            "attempt" => self.attempt = value,
            "error" => self.error = value,
            "delay_ms" => self.delay_ms = value,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_retry_is_one_line() {
        let fields = Fields {
            service: "aliyun-rds".into(),
            operation: "DescribeBackups".into(),
            attempt: "1".into(),
            error: "throttled:\nslow down".into(),
            delay_ms: "400".into(),
        };
        assert_eq!(
            fields.note(),
            "note: aliyun-rds DescribeBackups: attempt 1 failed (throttled: slow down); \
             retrying in 0.4 s"
        );
    }
}
