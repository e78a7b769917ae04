//! Lists the backup sets of a Capital Online MySQL instance, with their download addresses.
//!
//! ```sh
//! export CDS_SECRET_ID=... CDS_SECRET_KEY=...
//! cargo run -p capitalonline-mysql --example capitalonline_list_backups -- <INSTANCE_UUID> [--urls]
//! ```
//!
//! Set `CDS_ENDPOINT` (e.g. `https://cdsapi-asia.capitalonline.net`) to use another endpoint.

use std::process::ExitCode;

use capitalonline_mysql::{Client, Config};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(instance) = args.next() else {
        eprintln!("usage: capitalonline_list_backups <INSTANCE_UUID> [--urls]");
        return ExitCode::from(2);
    };
    let with_urls = args.any(|arg| arg == "--urls");
    match run(&instance, with_urls).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // The error shows the provider's code, message and request id, never the secret.
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(instance: &str, with_urls: bool) -> capitalonline_mysql::Result<()> {
    let mut config = Config::from_env()?;
    if let Ok(endpoint) = std::env::var("CDS_ENDPOINT") {
        config = config.with_endpoint(endpoint)?;
    }
    let client = Client::new(config)?;
    let response = client.describe_backups(instance).await?;
    println!("{} backup sets of {instance}", response.data.len());
    for backup in &response.data {
        let id = backup.backup_id.as_deref().unwrap_or("?");
        println!(
            "{id}\t{}\t{}\t{} bytes\t{} .. {}",
            backup.status.as_deref().unwrap_or("-"),
            backup.backup_type.as_deref().unwrap_or("-"),
            backup.backup_size.map_or("-".to_owned(), |s| s.to_string()),
            backup.start_time.as_deref().unwrap_or("-"),
            backup.end_time.as_deref().unwrap_or("-"),
        );
        if with_urls {
            let download = client.download_backup(instance, id).await?;
            if let Some(url) = download.data.and_then(|d| d.backup_download_url) {
                println!("\t{url}");
            }
        }
    }
    Ok(())
}
