//! Lists every backup set of an ApsaraDB RDS instance, one line each.
//!
//! ```sh
//! export ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI...
//! export ALIBABA_CLOUD_ACCESS_KEY_SECRET=...
//! export ALIBABA_CLOUD_REGION_ID=cn-shanghai        # optional, default cn-hangzhou
//! cargo run -p aliyun-rds --example aliyun_list_backups -- rm-uf6wjk5xxxxxxx
//! ```
//!
//! Without the variables, the current profile of `~/.aliyun/config.json` (the aliyun CLI's)
//! is used. The output is tab-separated: id, status, type, method, start, end, size in bytes,
//! download URL (or `-` when the set cannot be downloaded).

use std::process::ExitCode;

use aliyun_rds::{Client, DescribeBackupsRequest};
use futures::TryStreamExt;

#[tokio::main]
async fn main() -> ExitCode {
    let Some(instance) = std::env::args().nth(1) else {
        eprintln!("usage: aliyun_list_backups <DBInstanceId>   (e.g. rm-uf6wjk5xxxxxxx)");
        return ExitCode::from(2);
    };
    match run(&instance).await {
        Ok(count) => {
            eprintln!("{count} backup sets");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(instance: &str) -> aliyun_rds::Result<usize> {
    let client = Client::from_env()?;
    eprintln!(
        "listing the backups of {instance} at {} (region {})",
        client.config().endpoint(),
        client.config().region()
    );
    let mut backups = client.backups(DescribeBackupsRequest::new(instance));
    let mut count = 0;
    while let Some(backup) = backups.try_next().await? {
        count += 1;
        let text = |value: &Option<String>| match value.as_deref() {
            Some(text) if !text.is_empty() => text.to_owned(),
            _ => "-".to_owned(),
        };
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            text(&backup.backup_id),
            text(&backup.backup_status),
            text(&backup.backup_type),
            text(&backup.backup_method),
            text(&backup.backup_start_time),
            text(&backup.backup_end_time),
            backup
                .backup_size
                .map_or_else(|| "-".to_owned(), |size| size.to_string()),
            text(&backup.backup_download_url),
        );
    }
    Ok(count)
}
