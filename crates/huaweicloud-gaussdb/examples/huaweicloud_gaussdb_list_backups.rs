//! Lists the full backups of a Huawei Cloud GaussDB for MySQL (TaurusDB) instance, all pages.
//!
//! ```sh
//! export HUAWEICLOUD_SDK_AK=... HUAWEICLOUD_SDK_SK=...
//! export HUAWEICLOUD_SDK_PROJECT_ID=... HUAWEICLOUD_SDK_REGION=cn-north-4
//! cargo run -p huaweicloud-gaussdb --example huaweicloud_gaussdb_list_backups -- <INSTANCE_ID>
//! ```
//!
//! The credentials may come from `~/.huaweicloud/credentials` instead (`[basic]`: `ak`, `sk`,
//! `project_id`). Set `HUAWEICLOUD_GAUSSDB_ENDPOINT` to use another endpoint than the
//! region's. GaussDB has no backup download-link API, so there are no links to show.

use std::process::ExitCode;

use futures::TryStreamExt;
use huaweicloud_gaussdb::{Client, Config, ShowInstanceBackupsRequest};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let Some(instance) = std::env::args().nth(1) else {
        eprintln!("usage: huaweicloud_gaussdb_list_backups <INSTANCE_ID>");
        return ExitCode::from(2);
    };
    match run(&instance).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // The error shows Huawei's code, message and request id, never the secret.
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(instance: &str) -> huaweicloud_gaussdb::Result<()> {
    let mut config = Config::from_env()?;
    if let Ok(endpoint) = std::env::var("HUAWEICLOUD_GAUSSDB_ENDPOINT") {
        config = config.with_endpoint(endpoint)?;
    }
    let client = Client::new(config)?;
    let request = ShowInstanceBackupsRequest::new(instance)
        .with_order_field("beginTime")
        .with_order_rule("desc");
    let backups: Vec<_> = client.instance_backups(request).try_collect().await?;
    println!(
        "{} backups of {instance} ({})",
        backups.len(),
        client.endpoint()
    );
    for backup in &backups {
        println!(
            "{}\t{}\t{}\t{} bytes\tcreated {}",
            backup.id.as_deref().unwrap_or("?"),
            backup.name.as_deref().unwrap_or("-"),
            backup.status.as_deref().unwrap_or("-"),
            backup
                .size_bytes()
                .map_or("-".to_owned(), |s| s.to_string()),
            backup
                .created_at()
                .map_or_else(|| "-".to_owned(), |t| t.to_string()),
        );
    }
    Ok(())
}
