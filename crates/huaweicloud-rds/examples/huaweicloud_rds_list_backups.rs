//! Lists the backups of a Huawei Cloud RDS instance, all pages, optionally with the download
//! links of their files.
//!
//! ```sh
//! export HUAWEICLOUD_SDK_AK=... HUAWEICLOUD_SDK_SK=...
//! export HUAWEICLOUD_SDK_PROJECT_ID=... HUAWEICLOUD_SDK_REGION=cn-north-4
//! cargo run -p huaweicloud-rds --example huaweicloud_rds_list_backups -- <INSTANCE_ID> [--links]
//! ```
//!
//! The credentials may come from `~/.huaweicloud/credentials` instead (`[basic]`: `ak`, `sk`,
//! `project_id`). Set `HUAWEICLOUD_RDS_ENDPOINT` (e.g. `https://rds.cn-north-4.myhuaweicloud.com`)
//! to use another endpoint than the region's.

use std::process::ExitCode;

use futures::TryStreamExt;
use huaweicloud_rds::{Client, Config, ListBackupsRequest};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(instance) = args.next() else {
        eprintln!("usage: huaweicloud_rds_list_backups <INSTANCE_ID> [--links]");
        return ExitCode::from(2);
    };
    let with_links = args.any(|arg| arg == "--links");
    match run(&instance, with_links).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // The error shows Huawei's code, message and request id, never the secret.
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(instance: &str, with_links: bool) -> huaweicloud_rds::Result<()> {
    let mut config = Config::from_env()?;
    if let Ok(endpoint) = std::env::var("HUAWEICLOUD_RDS_ENDPOINT") {
        config = config.with_endpoint(endpoint)?;
    }
    let client = Client::new(config)?;
    let backups: Vec<_> = client
        .backups(ListBackupsRequest::new(instance))
        .try_collect()
        .await?;
    println!(
        "{} backups of {instance} ({})",
        backups.len(),
        client.endpoint()
    );
    for backup in &backups {
        let id = backup.id.as_deref().unwrap_or("?");
        println!(
            "{id}\t{}\t{}\t{} bytes\t{} .. {}",
            backup.status.as_deref().unwrap_or("-"),
            backup.r#type.as_deref().unwrap_or("-"),
            backup
                .size_bytes()
                .map_or("-".to_owned(), |s| s.to_string()),
            backup.begin_time.as_deref().unwrap_or("-"),
            backup.end_time.as_deref().unwrap_or("-"),
        );
        if with_links && backup.id.is_some() {
            let files = client.list_backup_files(id).await?;
            for file in &files.files {
                println!(
                    "\t{}\t{} bytes\texpires {}\t{}",
                    file.name.as_deref().unwrap_or("-"),
                    file.size_bytes().map_or("-".to_owned(), |s| s.to_string()),
                    file.link_expired_time.as_deref().unwrap_or("-"),
                    file.download_link.as_deref().unwrap_or("-"),
                );
            }
        }
    }
    Ok(())
}
