//! `cloud-backup extract` on the real archives of `crates/backup-archive/tests/data`, and
//! `download --extract` from the embedded sandbox: the same files as downloading and then
//! extracting, through dropped connections, servers that ignore ranges and damaged files, and
//! nothing in the directory whenever it fails.

use std::collections::BTreeMap;
use std::path::Path;

use cloud_sandbox::Provider;

use crate::embedded::demo;
use crate::support::{entries, run, scratch, sha256_hex};

fn data(name: &str) -> String {
    crate::support::archive_data(name)
}

fn text(path: &Path) -> &str {
    path.to_str().expect("UTF-8")
}

/// Every file under `dir`: relative path → SHA-256.
fn tree(dir: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, files: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).expect("readable") {
            let path = entry.expect("an entry").path();
            let meta = std::fs::symlink_metadata(&path).expect("stat");
            if meta.is_dir() {
                walk(root, &path, files);
            } else {
                let rel = path.strip_prefix(root).expect("under root");
                let bytes = std::fs::read(&path).expect("readable");
                files.insert(rel.to_string_lossy().into_owned(), sha256_hex(&bytes));
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(dir, dir, &mut files);
    files
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extract_writes_the_files_says_what_was_checked_and_refuses_a_used_directory() {
    let dir = scratch("extract-cli");
    let to = dir.join("restore");
    let ran = run(&["extract", &data("full_qp.xb"), "--to", text(&to)], &[]).await;
    assert!(ran.status.success(), "{ran:?}");
    assert_eq!(ran.stderr, "");
    let out = &ran.stdout;
    for line in [
        format!(
            "full_qp.xb -> {}: xbstream, 107 file(s), 12451797 bytes",
            to.display()
        ),
        "  verified: xbstream crc32 chunks (107), qpress adler32 blocks (293), quicklz blocks decoded (293)".to_owned(),
        "  backup: full-backuped, from_lsn 0, to_lsn 125579 (mariabackup 10.11.19-MariaDB)".to_owned(),
        "  shop/customers.ibd  147456 bytes".to_owned(),
        format!(
            "  next: mariabackup --prepare --target-dir={} (made by mariabackup 10.11.19-MariaDB: prepare with the same major version)",
            to.display()
        ),
    ] {
        assert!(out.contains(&line), "{line:?} not in:\n{out}");
    }
    let files = tree(&to);
    assert_eq!(files.len(), 107);
    assert_eq!(
        files["shop/customers.ibd"],
        "de31c4914bd45f65ea6b68b590c457df447addb29dd1b222a9155e24534e9e88"
    );
    assert!(!files.keys().any(|name| name.ends_with(".qp")));

    // Again into the same directory: refused, naming --force; with it, done.
    let again = run(&["extract", &data("full_qp.xb"), "--to", text(&to)], &[]).await;
    let line = again.error_line("error: ");
    assert!(
        line.contains("is not empty") && line.contains("--force"),
        "{line}"
    );
    let forced = run(
        &["extract", &data("full_qp.xb"), "--to", text(&to), "--force"],
        &[],
    )
    .await;
    assert!(forced.status.success(), "{forced:?}");
    assert_eq!(tree(&to), files);

    // --json.
    let sql = dir.join("sql");
    let ran = run(
        &[
            "extract",
            &data("shop.sql.gz"),
            "--to",
            text(&sql),
            "--json",
        ],
        &[],
    )
    .await;
    let json = ran.json();
    assert_eq!(json["files"][0]["path"], "shop.sql");
    assert_eq!(json["files"][0]["bytes"], 39234);
    assert_eq!(json["report"]["checks"]["gzip_members"], 1);
    assert_eq!(entries(&sql), ["shop.sql"]);

    // A cut archive: exit 1, nothing written.
    let cut = dir.join("cut_qp.xb");
    let whole = std::fs::read(data("full_qp.xb")).expect("archive");
    std::fs::write(&cut, &whole[..whole.len() - 1000]).expect("write");
    let empty = dir.join("empty");
    let ran = run(&["extract", text(&cut), "--to", text(&empty)], &[]).await;
    let line = ran.error_line("error: ");
    assert!(
        line.contains("truncated") && line.contains("nothing was written"),
        "{line}"
    );
    assert!(entries(&empty).is_empty());

    // Not there; and it takes no provider options.
    let ran = run(&["extract", "/nonexistent/x.xb", "--to", text(&empty)], &[]).await;
    assert!(ran.error_line("error: ").contains("could not open"));
    let ran = run(
        &[
            "--sandbox",
            "extract",
            &data("full_qp.xb"),
            "--to",
            text(&empty),
        ],
        &[],
    )
    .await;
    assert_eq!(ran.status.code(), Some(2), "{ran:?}");
}

/// `--sandbox <service> download --instance <demo> --backup <id> ARGS`.
async fn download(
    service: Provider,
    backup: &str,
    faults: &[&str],
    args: &[&str],
) -> crate::support::Run {
    let instance = demo(service);
    let mut all = vec!["--sandbox"];
    for fault in faults {
        all.extend(["--sandbox-fault", fault]);
    }
    all.extend([
        service.name(),
        "download",
        "--instance",
        &instance,
        "--backup",
        backup,
    ]);
    all.extend_from_slice(args);
    run(&all, &[]).await
}

async fn newest(service: Provider) -> String {
    let instance = demo(service);
    let ran = run(
        &[
            "--sandbox",
            service.name(),
            "list",
            "--instance",
            &instance,
            "--json",
        ],
        &[],
    )
    .await;
    ran.json()[0]["backup_id"]
        .as_str()
        .expect("a backup id")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_extract_gives_what_download_then_extract_gives() {
    let dir = scratch("download-extract");
    for service in [
        Provider::CapitalOnlineMysql,
        Provider::AliyunRds,
        Provider::HuaweiCloudRds,
    ] {
        let backup = newest(service).await;
        let file = dir.join(format!("{}.backup", service.name()));
        let kept = download(service, &backup, &[], &["--out", text(&file)]).await;
        assert!(kept.status.success(), "{kept:?}");
        let then = dir.join(format!("{}-then", service.name()));
        let extracted = run(&["extract", text(&file), "--to", text(&then)], &[]).await;
        assert!(extracted.status.success(), "{extracted:?}");

        let direct = dir.join(format!("{}-direct", service.name()));
        let ran = download(
            service,
            &backup,
            &[],
            &["--extract", text(&direct), "--json"],
        )
        .await;
        let json = ran.json();
        assert_eq!(tree(&direct), tree(&then), "{}", service.name());
        assert!(!tree(&direct).is_empty());
        let written = &json[0];
        assert_eq!(written["path"], text(&direct));
        assert_eq!(
            written["sha256"],
            sha256_hex(&std::fs::read(&file).expect("the kept file"))
        );
        let checks: Vec<&str> = written["verified"]
            .as_array()
            .expect("checks")
            .iter()
            .map(|c| c["check"].as_str().expect("a name"))
            .collect();
        assert!(
            checks.contains(&"size") && checks.contains(&"content"),
            "{checks:?}"
        );
        assert_eq!(
            written["extracted"]["files"]
                .as_array()
                .expect("files")
                .len(),
            tree(&direct).len()
        );
        // No archive, no .part, no staging left.
        assert!(
            entries(&direct)
                .iter()
                .all(|name| !name.ends_with(".part") && !name.starts_with('.')),
            "{:?}",
            entries(&direct)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_extract_resumes_restarts_and_writes_nothing_when_the_file_is_bad() {
    let dir = scratch("download-extract-faults");
    let service = Provider::AliyunRds;
    let backup = newest(service).await;
    let reference = dir.join("reference");
    let ran = download(service, &backup, &[], &["--extract", text(&reference)]).await;
    assert!(ran.status.success(), "{ran:?}");
    let want = tree(&reference);

    // Dropped twice: resumed with ranges into the same extraction.
    let dropped = dir.join("dropped");
    let ran = download(
        service,
        &backup,
        &["drop=2@300000"],
        &["--extract", text(&dropped)],
    )
    .await;
    assert!(ran.status.success(), "{ran:?}");
    assert_eq!(tree(&dropped), want);

    // A server that ignores ranges after a drop: the extraction starts again from zero.
    let restarted = dir.join("restarted");
    let ran = download(
        service,
        &backup,
        &["drop=1@300000", "ignore-range"],
        &["--extract", text(&restarted)],
    )
    .await;
    assert!(ran.status.success(), "{ran:?}");
    assert_eq!(tree(&restarted), want);

    // Damaged at the source (the provider's checksums agree), or corrupted on the way:
    // exit 1, nothing in the directory.
    for (fault, name) in [("damaged", "damaged"), ("corrupt=1@400000", "corrupted")] {
        let bad = dir.join(name);
        let ran = download(service, &backup, &[fault], &["--extract", text(&bad)]).await;
        let line = ran.error_line("error: aliyun-rds: ");
        assert!(line.contains("nothing was written"), "{line}");
        assert!(entries(&bad).is_empty(), "{fault}: {:?}", entries(&bad));
    }

    // A directory in use is refused before anything is downloaded.
    let ran = download(service, &backup, &[], &["--extract", text(&reference)]).await;
    let line = ran.error_line("error: aliyun-rds: ");
    assert!(
        line.contains("not empty") && line.contains("--force"),
        "{line}"
    );
    assert_eq!(tree(&reference), want);
    // --out and --extract together: a usage error.
    let ran = download(
        service,
        &backup,
        &[],
        &["--extract", text(&reference), "--out", text(&reference)],
    )
    .await;
    assert_eq!(ran.status.code(), Some(2), "{ran:?}");
}
