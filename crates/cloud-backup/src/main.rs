//! `cloud-backup`: list database backups and their download URLs on Capital Online, Alibaba
//! Cloud and Huawei Cloud. Run `cloud-backup --help`; the library is the `cloud_backup` crate.

mod cli;
mod logging;

fn main() -> std::process::ExitCode {
    cli::main()
}
