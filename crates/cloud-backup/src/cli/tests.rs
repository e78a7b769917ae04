//! The command line's parsing, help and output, without running anything.

use std::path::Path;

use clap::Parser;
use cloud_backup::Backup;
use cloud_http::ServiceError;

use super::args::*;
#[cfg(feature = "sandbox")]
use super::faults::*;
use super::output::*;
use super::progress::shorten;
use super::*;

fn parse(args: &[&str]) -> Result<Cli, String> {
    let cli = Cli::try_parse_from(args).map_err(|e| e.to_string())?;
    match misuse(&cli) {
        Some(reason) => Err(reason),
        None => Ok(cli),
    }
}

#[test]
fn the_command_line_is_well_formed() {
    Cli::command().debug_assert();
}

#[test]
fn every_provider_is_a_command() {
    let names: Vec<String> = Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect();
    for provider in Provider::ALL {
        assert!(names.iter().any(|n| n == provider.name()), "{provider}");
    }
    for provider in Provider::ALL {
        let cli = parse(&["cloud-backup", provider.name(), "list", "--instance", "i"]).unwrap();
        assert_eq!(cli.target.provider().map(|(p, _)| p), Some(*provider));
    }
}

#[test]
fn arguments_parse_in_any_order() {
    let cli = parse(&[
        "cloud-backup",
        "--region",
        "cn-hangzhou",
        "aliyun-rds",
        "download-url",
        "--backup",
        "321020562",
        "--instance",
        "rm-1",
        "--endpoint",
        "http://127.0.0.1:1",
        "--json",
    ])
    .unwrap();
    assert_eq!(cli.global.region.as_deref(), Some("cn-hangzhou"));
    assert_eq!(cli.global.endpoint.as_deref(), Some("http://127.0.0.1:1"));
    assert!(matches!(
        cli.target.provider(),
        Some((Provider::AliyunRds, Command::DownloadUrl { instance, backup, json: true }))
            if instance == "rm-1" && backup == "321020562"
    ));
    for bad in [
        vec!["cloud-backup", "aws-rds", "list", "--instance", "i"],
        vec!["cloud-backup", "aliyun-rds", "list"],
        vec!["cloud-backup", "aliyun-rds", "list", "--instance", ""],
        vec![
            "cloud-backup",
            "aliyun-rds",
            "download-url",
            "--instance",
            "i",
        ],
        vec![
            "cloud-backup",
            "aliyun-rds",
            "download",
            "--instance",
            "i",
            "--backup",
            "b",
        ],
        vec!["cloud-backup", "aliyun-rds", "delete", "--instance", "i"],
        vec![
            "cloud-backup",
            "huaweicloud-rds",
            "list",
            "--instance",
            "i",
            "--project-id",
            "",
        ],
        vec!["cloud-backup", "all", "list", "--instance", "aliyun-rds"],
        vec!["cloud-backup", "all", "list", "--instance", "aws=i"],
        vec!["cloud-backup", "all", "list", "--region", "cn-hangzhou"],
        vec!["cloud-backup", "all", "download"],
    ] {
        assert!(parse(&bad).is_err(), "{bad:?}");
    }
}

#[test]
fn download_takes_out_force_quiet_and_json() {
    let cli = parse(&[
        "cloud-backup",
        "capitalonline-mysql",
        "download",
        "--instance",
        "i",
        "--backup",
        "b",
        "--out",
        "dir/",
        "--force",
        "-q",
        "--json",
    ])
    .unwrap();
    assert!(matches!(
        cli.target.provider(),
        Some((Provider::CapitalOnlineMysql, Command::Download { out: Some(out), extract: None, force: true, quiet: true, json: true, .. }))
            if out == Path::new("dir/")
    ));
    // --extract instead of --out; one of them is needed, not both.
    let extract = [
        "cloud-backup",
        "aliyun-rds",
        "download",
        "--instance",
        "i",
        "--backup",
        "b",
    ];
    let cli = parse(&[&extract[..], &["--extract", "restore"]].concat()).unwrap();
    assert!(matches!(
        cli.target.provider(),
        Some((Provider::AliyunRds, Command::Download { out: None, extract: Some(dir), .. }))
            if dir == Path::new("restore")
    ));
    assert!(parse(&extract).is_err());
    assert!(parse(&[&extract[..], &["--extract", "r", "--out", "f"]].concat()).is_err());
}

#[test]
fn all_list_takes_provider_instance_pairs() {
    let cli = parse(&[
        "cloud-backup",
        "all",
        "list",
        "--instance",
        "aliyun-rds=rm-1",
        "--instance",
        " huaweicloud-rds = in01 ",
        "--endpoint",
        "http://127.0.0.1:1",
    ])
    .unwrap();
    let Target::All(AllArgs {
        command: AllCommand::List { instances, json },
    }) = cli.target
    else {
        panic!("not all list");
    };
    assert!(!json);
    assert_eq!(
        instances,
        [
            InstanceArg {
                provider: Provider::AliyunRds,
                instance_id: "rm-1".to_owned()
            },
            InstanceArg {
                provider: Provider::HuaweiCloudRds,
                instance_id: "in01".to_owned()
            },
        ]
    );
    assert!(parse_instance_arg("aliyun-rds=").is_err());
    assert!(parse_instance_arg("rm-1").is_err());
}

#[test]
fn project_id_is_a_huawei_cloud_option() {
    let cli = parse(&[
        "cloud-backup",
        "--project-id",
        "0483b6b16e954cb88930a360d2c4e663",
        "huaweicloud-gaussdb",
        "list",
        "--instance",
        "in07",
    ])
    .unwrap();
    assert_eq!(
        cli.global.project_id.as_deref(),
        Some("0483b6b16e954cb88930a360d2c4e663")
    );
    let taking: Vec<Provider> = Provider::ALL
        .iter()
        .copied()
        .filter(|p| takes_project_id(*p))
        .collect();
    assert_eq!(
        taking,
        [Provider::HuaweiCloudRds, Provider::HuaweiCloudGaussDb]
    );
    let error = parse(&[
        "cloud-backup",
        "aliyun-rds",
        "list",
        "--instance",
        "i",
        "--project-id",
        "p",
    ])
    .unwrap_err();
    assert!(
        error.starts_with("--project-id is for huaweicloud-rds"),
        "{error}"
    );
}

#[cfg(feature = "sandbox")]
#[test]
fn sandbox_options_and_faults() {
    let cli = parse(&[
        "cloud-backup",
        "aliyun-rds",
        "--sandbox",
        "download",
        "--instance",
        "rm-demo",
        "--backup",
        "1",
        "--out",
        "x",
        "--sandbox-fault",
        "throttle=2,5xx=1",
        "--sandbox-fault",
        "drop=1@100000",
        "--sandbox-fault",
        "ignore-range,damaged",
        "--sandbox-fault",
        "bandwidth=16M,latency=40",
    ])
    .unwrap();
    assert!(cli.global.sandbox);
    let faults = faults(&cli.global.sandbox_fault);
    assert_eq!(
        faults,
        cloud_backup::sandbox::Faults::new()
            .with_throttle(2)
            .with_server_errors(1)
            .with_dropped_downloads(1, 100_000)
            .with_ignore_range(true)
            .with_damaged(true)
            .with_bandwidth(16 << 20)
            .with_latency_ms(40)
    );
    for (text, rate) in [
        ("1000", 1000),
        ("64K", 65_536),
        ("2MiB", 2 << 20),
        ("1g", 1 << 30),
    ] {
        let spec = parse_fault_spec(&format!("bandwidth={text}")).expect("a spec");
        assert_eq!(
            super::faults::faults(&[spec]),
            cloud_backup::sandbox::Faults::new().with_bandwidth(rate),
            "{text}"
        );
    }
    for bad in [
        "",
        "throttle",
        "throttle=x",
        "drop=1",
        "drop=1@x",
        "explode=1",
        "ignore-range=1",
        "damaged=1",
        "bandwidth=0",
        "bandwidth=16X",
        "bandwidth=M",
        "latency=soon",
    ] {
        assert!(parse_fault_spec(bad).is_err(), "{bad:?}");
    }
    for misuse in [
        vec![
            "cloud-backup",
            "--sandbox",
            "--endpoint",
            "http://h",
            "aliyun-rds",
            "list",
            "--instance",
            "i",
        ],
        vec![
            "cloud-backup",
            "--sandbox-fault",
            "5xx=1",
            "aliyun-rds",
            "list",
            "--instance",
            "i",
        ],
        vec![
            "cloud-backup",
            "--sandbox-fleet",
            "3",
            "aliyun-rds",
            "instances",
        ],
        vec![
            "cloud-backup",
            "sandbox",
            "instances",
            "--sandbox-fleet",
            "3",
        ],
        vec!["cloud-backup", "sandbox", "instances", "--region", "cn"],
        vec![
            "cloud-backup",
            "sandbox",
            "instances",
            "--sandbox-fault",
            "5xx=1",
        ],
    ] {
        assert!(parse(&misuse).is_err(), "{misuse:?}");
    }
    for fine in [
        vec![
            "cloud-backup",
            "--sandbox",
            "aliyun-rds",
            "instances",
            "--json",
        ],
        vec![
            "cloud-backup",
            "sandbox",
            "serve",
            "--port",
            "8080",
            "--sandbox-fault",
            "5xx=1",
        ],
        vec!["cloud-backup", "sandbox", "instances"],
        vec!["cloud-backup", "--sandbox", "all", "list"],
        vec!["cloud-backup", "aliyun-rds", "instances"],
        vec!["cloud-backup", "sandbox", "serve", "--sandbox-fleet", "5"],
        vec![
            "cloud-backup",
            "--sandbox",
            "--sandbox-fleet",
            "5",
            "aliyun-rds",
            "list",
            "--all-instances",
        ],
    ] {
        assert!(parse(&fine).is_ok(), "{fine:?}");
    }
}

#[test]
fn long_names_are_shortened_in_the_middle() {
    assert_eq!(shorten("backup.tar.gz", 32), "backup.tar.gz");
    let long = "hins5882781_data_20261121152149.tar.gz";
    let short = shorten(long, 32);
    assert_eq!(short.chars().count(), 32);
    assert_eq!(short, "hins5882781_dat…121152149.tar.gz");
    assert_eq!(
        shorten("数据库备份文件名字很长很长很长", 8),
        "数据库…很长很长"
    );
}

#[test]
fn service_errors_make_one_line() {
    let error = Error::service(
        Some(400),
        ServiceError::new()
            .with_code("SignatureDoesNotMatch")
            .with_message("Specified signature is not matched\nwith our calculation.")
            .with_request_id("6BE5"),
    );
    assert_eq!(
        error_line(Provider::AliyunRds, &error),
        "error: aliyun-rds: SignatureDoesNotMatch: Specified signature is not matched \
         with our calculation. (HTTP 400, request id 6BE5)"
    );
    let error = Error::service(None, ServiceError::new().with_message("gone"));
    assert_eq!(
        error_line(Provider::CapitalOnlineMysql, &error),
        "error: capitalonline-mysql: gone"
    );
    let error = Error::config("missing credentials");
    assert_eq!(
        error_line(Provider::CapitalOnlineMysql, &error),
        "error: capitalonline-mysql: configuration error: missing credentials"
    );
}

#[test]
fn tables_align_and_show_human_sizes() {
    let backups = [
        Backup::new(Provider::CapitalOnlineMysql, "i", "b-1")
            .with_status("finished")
            .with_size_bytes(677_496)
            .with_started_at("2020-06-18T04:09:59+08:00"),
        Backup::new(Provider::CapitalOnlineMysql, "i", "backup-22"),
    ];
    let mut out = Vec::new();
    write_table(&mut out, &backups, false).unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            "BACKUP ID  STATUS    TYPE  SIZE       STARTED                    FINISHED",
            "b-1        finished  -     661.6 KiB  2020-06-18T04:09:59+08:00  -",
            "backup-22  -         -     -          -                          -",
            "2 backups",
        ]
    );
    let mut out = Vec::new();
    write_table(&mut out, &backups[..1], true).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(
        text.lines().collect::<Vec<_>>(),
        [
            "PROVIDER             INSTANCE  BACKUP ID  STATUS    TYPE  SIZE       STARTED                    FINISHED",
            "capitalonline-mysql  i         b-1        finished  -     661.6 KiB  2020-06-18T04:09:59+08:00  -",
            "1 backup",
        ]
    );
}

#[test]
fn times_on_the_command_line_are_rfc3339_dates_or_times_ago() {
    use time::macros::datetime;
    let now = datetime!(2026-12-02 05:00 UTC);
    let at = |text: &str| parse_time_at(text, now);
    assert_eq!(
        at("2026-11-30T08:00:00Z"),
        Ok(datetime!(2026-11-30 08:00 UTC))
    );
    assert_eq!(
        at("2026-11-30T16:00:00+08:00"),
        Ok(datetime!(2026-11-30 16:00 +8))
    );
    assert_eq!(at("2026-11-30"), Ok(datetime!(2026-11-30 00:00 UTC)));
    assert_eq!(at("30m"), Ok(datetime!(2026-12-02 04:30 UTC)));
    assert_eq!(at("12h"), Ok(datetime!(2026-12-01 17:00 UTC)));
    assert_eq!(at("7d"), Ok(datetime!(2026-11-25 05:00 UTC)));
    assert_eq!(at("2w"), Ok(datetime!(2026-11-18 05:00 UTC)));
    for wrong in [
        "",
        "yesterday",
        "7x",
        "d",
        "-7d",
        "2026-11-30T08:00:00",
        "99999999999999999999d",
    ] {
        assert!(at(wrong).is_err(), "{wrong:?}");
    }
    assert!(at("36700d").unwrap_err().contains("100 years"));
}

#[test]
fn binlogs_take_an_instance_or_all_instances_and_download_binlogs_needs_since_and_out() {
    assert!(
        parse(&[
            "cloud-backup",
            "aliyun-rds",
            "binlogs",
            "--instance",
            "rm-1"
        ])
        .is_ok()
    );
    assert!(parse(&["cloud-backup", "aliyun-rds", "binlogs", "--all-instances"]).is_ok());
    assert!(parse(&["cloud-backup", "aliyun-rds", "binlogs"]).is_err());
    assert!(
        parse(&[
            "cloud-backup",
            "aliyun-rds",
            "binlogs",
            "--instance",
            "a",
            "--all-instances"
        ])
        .is_err()
    );
    let download = [
        "cloud-backup",
        "aliyun-rds",
        "download-binlogs",
        "--instance",
        "rm-1",
    ];
    assert!(parse(&[&download[..], &["--out", "d"]].concat()).is_err());
    assert!(parse(&[&download[..], &["--since", "1d"]].concat()).is_err());
    assert!(parse(&[&download[..], &["--since", "1d", "--out", "d"]].concat()).is_ok());
}

#[cfg(feature = "sandbox")]
#[test]
fn sandbox_serve_takes_a_fleet_of_its_own() {
    let cli = parse(&["cloud-backup", "sandbox", "serve", "--fleet", "5"]).expect("parses");
    match cli.target {
        Target::Sandbox(SandboxArgs {
            command: SandboxCommand::Serve { fleet, .. },
        }) => assert_eq!(fleet, Some(5)),
        other => panic!("{other:?}"),
    }
    assert!(parse(&["cloud-backup", "sandbox", "serve", "--fleet", "10001"]).is_err());
}
