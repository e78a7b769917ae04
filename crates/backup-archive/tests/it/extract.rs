//! `extract`: the real archives unpacked file by file as the real tools unpack them
//! (`tests/data/extracted.tsv`, written by `make_extract_references.sh` with `mbstream -x`,
//! `mariabackup --decompress` and `qpress`, GNU tar and gzip; and, where `mbstream` is
//! installed, against its output made here and now), and hostile archives that write nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use backup_archive::extract::{
    ExtractError, ExtractOptions, Extraction, STAGING_DIR, extract_reader,
};
use sha2::{Digest, Sha256};

use crate::build;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");

/// A directory under the system's temporary directory, removed when dropped.
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    pub(crate) fn new(label: &str) -> Self {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "backup-archive-{label}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("a temporary directory");
        Self(path)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Every file under `dir` (relative path → size, SHA-256) and every directory.
fn tree(dir: &Path) -> (BTreeMap<String, (u64, String)>, BTreeSet<String>) {
    fn walk(
        root: &Path,
        dir: &Path,
        files: &mut BTreeMap<String, (u64, String)>,
        dirs: &mut BTreeSet<String>,
    ) {
        for entry in std::fs::read_dir(dir).expect("readable") {
            let path = entry.expect("an entry").path();
            let rel = path
                .strip_prefix(root)
                .expect("under root")
                .to_string_lossy()
                .into_owned();
            let meta = std::fs::symlink_metadata(&path).expect("stat");
            assert!(!meta.file_type().is_symlink(), "a link was made: {rel}");
            if meta.is_dir() {
                dirs.insert(rel);
                walk(root, &path, files, dirs);
            } else {
                let bytes = std::fs::read(&path).expect("readable");
                files.insert(rel, (meta.len(), hex(&Sha256::digest(&bytes))));
            }
        }
    }
    let mut files = BTreeMap::new();
    let mut dirs = BTreeSet::new();
    walk(dir, dir, &mut files, &mut dirs);
    (files, dirs)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the real tools left for `archive` (`extracted.tsv`, `extracted-dirs.tsv`).
fn reference(archive: &str) -> (BTreeMap<String, (u64, String)>, BTreeSet<String>) {
    let files = std::fs::read_to_string(format!("{DATA}/extracted.tsv")).expect("extracted.tsv");
    let files: BTreeMap<String, (u64, String)> = files
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            (fields[0] == archive).then(|| {
                (
                    fields[1].to_owned(),
                    (fields[2].parse().expect("a size"), fields[3].to_owned()),
                )
            })
        })
        .collect();
    let dirs =
        std::fs::read_to_string(format!("{DATA}/extracted-dirs.tsv")).expect("extracted-dirs.tsv");
    let dirs = dirs
        .lines()
        .filter_map(|line| {
            line.strip_prefix(&format!("{archive}\t"))
                .map(str::to_owned)
        })
        .collect();
    (files, dirs)
}

fn extract_file(archive: &str, into: &Path) -> Extraction {
    let file = std::fs::File::open(format!("{DATA}/{archive}")).expect("test archive");
    extract_reader(file, into, &ExtractOptions::new().with_name(archive))
        .unwrap_or_else(|e| panic!("{archive}: {e}"))
}

#[test]
fn every_real_archive_extracts_file_by_file_as_the_real_tools_do() {
    for archive in [
        "full.xb.gz",
        "full_qp.xb",
        "backup.tar.gz",
        "standalone.qp",
        "shop.sql.gz",
    ] {
        let dir = TempDir::new("real");
        let done = extract_file(archive, dir.path());
        let (files, dirs) = tree(dir.path());
        let (want_files, want_dirs) = reference(archive);
        assert!(!want_files.is_empty(), "{archive}: no reference");
        assert_eq!(
            files.keys().collect::<Vec<_>>(),
            want_files.keys().collect::<Vec<_>>(),
            "{archive}: the same names"
        );
        for (name, want) in &want_files {
            assert_eq!(&files[name], want, "{archive}: {name}");
        }
        if archive != "standalone.qp" && archive != "shop.sql.gz" {
            assert_eq!(dirs, want_dirs, "{archive}: the same directories");
        }
        // What the outcome lists is what is there.
        assert_eq!(done.files.len(), want_files.len(), "{archive}");
        for file in &done.files {
            assert_eq!(
                file.bytes, want_files[&file.path].0,
                "{archive}: {}",
                file.path
            );
        }
        assert_eq!(
            done.bytes,
            want_files.values().map(|(bytes, _)| bytes).sum::<u64>()
        );
        assert!(!dir.path().join(STAGING_DIR).exists());
    }
}

#[test]
fn the_checks_are_counted_as_verify_counts_them() {
    let dir = TempDir::new("checks");
    let done = extract_file("full_qp.xb", dir.path());
    let verified = backup_archive::verify_bytes(
        &std::fs::read(format!("{DATA}/full_qp.xb")).expect("test archive"),
    )
    .expect("valid");
    assert_eq!(done.report, verified);
    assert!(done.report.checks.qpress_blocks_adler32 > 0);
    assert_eq!(
        done.report
            .backup
            .as_ref()
            .and_then(|b| b.backup_type.as_deref()),
        Some("full-backuped")
    );
}

/// `mbstream -x` (and `mariabackup --decompress` when a `qpress` is installed) run here on the
/// same archives; skipped without `mbstream` unless `CLOUD_BACKUP_REQUIRE_MARIADB` is set (CI
/// installs `mariadb-backup`).
#[test]
fn the_same_files_as_mbstream_made_here() {
    if Command::new("mbstream").arg("--help").output().is_err() {
        assert!(
            std::env::var_os("CLOUD_BACKUP_REQUIRE_MARIADB").is_none(),
            "mbstream is not installed (apt-get install mariadb-backup)"
        );
        eprintln!("skipped: mbstream is not installed");
        return;
    }
    let mbstream = |input: &[u8], dir: &Path| {
        use std::io::Write;
        let mut child = Command::new("mbstream")
            .arg("-x")
            .current_dir(dir)
            .stdin(std::process::Stdio::piped())
            .spawn()
            .expect("mbstream runs");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input)
            .expect("mbstream reads");
        assert!(child.wait().expect("mbstream ends").success());
    };
    let mut stream = Vec::new();
    flate2::read::GzDecoder::new(
        std::fs::read(format!("{DATA}/full.xb.gz"))
            .expect("test archive")
            .as_slice(),
    )
    .read_to_end(&mut stream)
    .expect("gzip");
    let theirs = TempDir::new("mbstream");
    mbstream(&stream, theirs.path());
    let ours = TempDir::new("ours");
    extract_file("full.xb.gz", ours.path());
    assert_eq!(tree(ours.path()), tree(theirs.path()), "full.xb");

    // The compressed twin: mbstream leaves .qp files; decompressed (by mariabackup and a
    // qpress, when there is one) they are the uncompressed backup's files, but for
    // xtrabackup_info, which records the command line.
    let compressed = std::fs::read(format!("{DATA}/full_qp.xb")).expect("test archive");
    let theirs_qp = TempDir::new("mbstream-qp");
    mbstream(&compressed, theirs_qp.path());
    let ours_qp = TempDir::new("ours-qp");
    extract_file("full_qp.xb", ours_qp.path());
    let (their_files, their_dirs) = tree(theirs_qp.path());
    let (our_files, our_dirs) = tree(ours_qp.path());
    assert_eq!(our_dirs, their_dirs);
    let names: BTreeSet<String> = their_files
        .keys()
        .map(|name| name.strip_suffix(".qp").unwrap_or(name).to_owned())
        .collect();
    assert_eq!(our_files.keys().cloned().collect::<BTreeSet<_>>(), names);
    let (plain, _) = tree(ours.path());
    for (name, file) in &our_files {
        if name != "xtrabackup_info" {
            assert_eq!(file, &plain[name], "{name}");
        }
    }
    let decompress = Command::new("mariabackup")
        .args(["--decompress", "--remove-original", "--target-dir"])
        .arg(theirs_qp.path())
        .output();
    match decompress {
        Ok(output) if output.status.success() => {
            assert_eq!(tree(ours_qp.path()), tree(theirs_qp.path()), "full_qp.xb");
        }
        _ => eprintln!("mariabackup --decompress did not run (no qpress): compared with full.xb"),
    }
}

fn refused(archive: &[u8], why: &str) {
    let dir = TempDir::new("hostile");
    let outside = dir.path().join("outside");
    std::fs::create_dir(&outside).expect("a directory");
    let into = dir.path().join("into");
    let error = extract_reader(archive, &into, &ExtractOptions::new())
        .expect_err("a hostile archive is refused");
    assert!(error.to_string().contains(why), "{why:?} not in: {error}");
    assert!(matches!(error, ExtractError::Archive(_)), "{error:?}");
    // Nothing written: into/ is empty (no staging left), nothing beside it.
    let left: Vec<_> = std::fs::read_dir(&into)
        .expect("into exists")
        .map(|e| e.expect("an entry").file_name())
        .collect();
    assert!(left.is_empty(), "{left:?} left after: {error}");
    assert_eq!(std::fs::read_dir(&outside).expect("outside").count(), 0);
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("an entry").file_name())
        .collect();
    names.sort();
    assert_eq!(names, ["into", "outside"]);
}

#[test]
fn hostile_paths_links_and_types_write_nothing() {
    let data = b"payload";
    let good = ("ok.ibd", &data[..]);
    refused(
        &build::xbstream(&[good, ("../outside/x", data)], 4),
        "leaves the directory",
    );
    refused(
        &build::xbstream(&[good, ("/tmp/x", data)], 4),
        "absolute path",
    );
    refused(
        &build::xbstream(&[good, ("a/../../outside/x", data)], 4),
        "leaves the directory",
    );
    refused(
        &build::xbstream(&[good, (".cloud-backup-extract/1", data)], 4),
        "staging directory",
    );
    refused(
        &build::gzip(&build::tar(&[good, ("../outside/x", data)])),
        "leaves the directory",
    );
    refused(
        &build::tar_entries(&[
            ("ok", b'0', "", data),
            ("link", b'2', "../outside", b""),
            ("link/x", b'0', "", data),
        ]),
        "symbolic link",
    );
    refused(
        &build::tar_entries(&[("hard", b'1', "/etc/passwd", b"")]),
        "hard link",
    );
    refused(&build::tar_entries(&[("dev", b'3', "", b"")]), "device");
    refused(
        &build::tar(&[("a", data), ("a/b", data)]),
        "needs \"a\" to be a directory",
    );
    // A .qp member holding two files: xtrabackup --decompress expects one.
    let mut two = build::qpress("a", data, 65536);
    let second = build::qpress("b", data, 65536);
    two.extend_from_slice(&second[16..]);
    refused(
        &build::xbstream(&[("t.ibd.qp", &two)], 1 << 20),
        "second file",
    );
    // Not an archive at all, with or without a file name.
    refused(b"just some text, not an archive at all", "not an archive");
    let dir = TempDir::new("named");
    let error = extract_reader(
        &b"just some text, not an archive at all"[..],
        dir.path(),
        &ExtractOptions::new().with_name("notes.txt"),
    )
    .expect_err("not an archive");
    assert!(error.to_string().contains("not an archive"), "{error}");
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 0);
}

#[test]
fn truncated_flipped_or_huge_archives_write_nothing() {
    let files: Vec<(String, Vec<u8>)> = (0..5)
        .map(|i| (format!("db/t{i}.ibd"), build::sample(40_000, i)))
        .collect();
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    let archive = build::xbstream(&refs, 8192);
    // Cut anywhere before the end, a byte flipped anywhere: an error, nothing written.
    for cut in [10, 100, archive.len() / 2, archive.len() - 1] {
        refused(&archive[..cut], "truncated");
    }
    for at in [3, 20, 40, archive.len() / 3, archive.len() - 2] {
        let mut bad = archive.clone();
        bad[at] ^= 0x40;
        let dir = TempDir::new("flip");
        let into = dir.path().join("into");
        assert!(extract_reader(bad.as_slice(), &into, &ExtractOptions::new()).is_err());
        assert_eq!(
            std::fs::read_dir(&into).expect("into").count(),
            0,
            "flip at {at}"
        );
    }
    // A payload length of 2^63: a truncation, not an allocation or a file that size.
    let mut huge = build::xb_payload("big", 0, b"");
    let len_at = 8 + 1 + 1 + 4 + 3;
    huge[len_at..len_at + 8].copy_from_slice(&(1u64 << 63).to_le_bytes());
    refused(&huge, "truncated");
    // The same with the content compressed: the qpress layer's checks.
    let qp = build::qpress("t.ibd", &build::sample(200_000, 9), 65536);
    let mut bad = build::xbstream(&[("t.ibd.qp", &qp)], 1 << 20);
    let n = bad.len();
    bad[n - 200] ^= 1;
    refused(&bad, "Adler-32 mismatch");
}

#[test]
fn a_destination_in_use_is_refused_unless_forced_and_links_in_it_are_not_followed() {
    let dir = TempDir::new("force");
    let archive = build::xbstream(&[("ibdata1", b"new data"), ("db/t.ibd", b"new table")], 4);
    std::fs::write(dir.path().join("ibdata1"), b"old data").expect("write");
    std::fs::write(dir.path().join("keep.cnf"), b"mine").expect("write");
    let error = extract_reader(archive.as_slice(), dir.path(), &ExtractOptions::new())
        .expect_err("not empty");
    assert!(matches!(error, ExtractError::NotEmpty { .. }), "{error}");
    assert_eq!(
        std::fs::read(dir.path().join("ibdata1")).expect("kept"),
        b"old data"
    );
    let done = extract_reader(
        archive.as_slice(),
        dir.path(),
        &ExtractOptions::new().with_force(true),
    )
    .expect("forced");
    assert_eq!(done.files.len(), 2);
    assert_eq!(
        std::fs::read(dir.path().join("ibdata1")).expect("new"),
        b"new data"
    );
    assert_eq!(
        std::fs::read(dir.path().join("keep.cnf")).expect("kept"),
        b"mine"
    );

    // A link in the destination where the archive has a directory: refused before anything
    // is moved, nothing written through it.
    #[cfg(unix)]
    {
        let outside = TempDir::new("outside");
        let dest = TempDir::new("linked");
        std::os::unix::fs::symlink(outside.path(), dest.path().join("db")).expect("symlink");
        let error = extract_reader(
            archive.as_slice(),
            dest.path(),
            &ExtractOptions::new().with_force(true),
        )
        .expect_err("a link in the way");
        assert!(error.to_string().contains("symbolic link"), "{error}");
        assert_eq!(
            std::fs::read_dir(outside.path()).expect("outside").count(),
            0
        );
        assert!(!dest.path().join("ibdata1").exists());
        assert!(!dest.path().join(STAGING_DIR).exists());
    }

    // A staging directory left by an interrupted run does not make a directory "in use".
    let fresh = TempDir::new("leftover");
    std::fs::create_dir(fresh.path().join(STAGING_DIR)).expect("mkdir");
    std::fs::write(fresh.path().join(STAGING_DIR).join("00000000"), b"half").expect("write");
    extract_reader(archive.as_slice(), fresh.path(), &ExtractOptions::new()).expect("extracted");
    assert!(!fresh.path().join(STAGING_DIR).exists());
}

#[test]
fn sparse_chunks_are_written_as_holes() {
    // 1 MiB hole, 4 bytes, 2 MiB hole, 4 bytes, then a trailing 1 MiB hole in a second chunk.
    let mib = 1u32 << 20;
    let mut archive = build::xb_sparse("t.ibd", 0, &[(mib, 4), (2 * mib, 4)], b"abcdwxyz");
    archive.extend(build::xb_sparse(
        "t.ibd",
        u64::from(3 * mib) + 8,
        &[(mib, 0)],
        b"",
    ));
    archive.extend(build::xb_end("t.ibd"));
    let dir = TempDir::new("sparse");
    let done =
        extract_reader(archive.as_slice(), dir.path(), &ExtractOptions::new()).expect("extracted");
    let path = dir.path().join("t.ibd");
    let bytes = std::fs::read(&path).expect("read");
    let size = 4 * mib as usize + 8;
    assert_eq!(bytes.len(), size);
    assert_eq!(&bytes[mib as usize..mib as usize + 4], b"abcd");
    assert_eq!(&bytes[3 * mib as usize + 4..3 * mib as usize + 8], b"wxyz");
    assert_eq!(bytes.iter().filter(|&&b| b != 0).count(), 8);
    assert_eq!(done.files[0].bytes, size as u64);
    assert_eq!(done.files[0].holes, 4 * u64::from(mib));
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let allocated = std::fs::metadata(&path).expect("stat").blocks() * 512;
        // File systems that cannot make holes (rare) allocate it all; those that can, a few
        // blocks.
        eprintln!("sparse file: {size} bytes, {allocated} allocated");
        assert!(
            allocated < size as u64 / 2,
            "{allocated} bytes allocated for {size}"
        );
    }
}

#[test]
fn nested_layers_unpack_to_plain_files() {
    let table = build::sample(300_000, 3);
    let qp_member = build::qpress("t.ibd", &table, 65536);
    // Alibaba's _xb.qp: a qpress archive of one xbstream, whose members are .qp files.
    let xb = build::xbstream(
        &[
            ("db/t.ibd.qp", &qp_member),
            ("xtrabackup_checkpoints", b"backup_type = full-backuped\n"),
        ],
        100_000,
    );
    let outer = build::qpress("backup.xb", &xb, 65536);
    let dir = TempDir::new("nested");
    let done =
        extract_reader(outer.as_slice(), dir.path(), &ExtractOptions::new()).expect("extracted");
    assert_eq!(
        std::fs::read(dir.path().join("db/t.ibd")).expect("table"),
        table
    );
    assert!(!dir.path().join("db/t.ibd.qp").exists());
    assert!(!dir.path().join("backup.xb").exists());
    assert_eq!(done.files.len(), 2);
    // A .qp member that is not qpress stays as it is.
    let odd = build::xbstream(&[("notes.qp", b"plain text")], 64);
    let dir = TempDir::new("odd");
    extract_reader(odd.as_slice(), dir.path(), &ExtractOptions::new()).expect("extracted");
    assert_eq!(
        std::fs::read(dir.path().join("notes.qp")).expect("kept"),
        b"plain text"
    );
}
