//! Tidy tests, in rust-analyzer's style: plain `#[test]`s over the repository's files that
//! keep its conventions true (what every crate ships, how dependencies are declared, how long
//! a module may grow). They read files only; `cargo test -p xtask` runs them.

use std::fs;
use std::path::{Component, Path, PathBuf};

use super::project_root;

/// The longest a hand-written source file under `src/` may be, in lines. A module longer than
/// this does more than one job and reads better split by job (rust-analyzer's tidy sets a
/// similar bound). Generated code, tests and benches are exempt: a generated file is as long
/// as its model, and a test file is a list of independent cases.
const MAX_SOURCE_LINES: usize = 1_000;

/// The crate directories under `crates/`.
fn crates() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(project_root().join("crates"))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| path.join("Cargo.toml").is_file())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    assert!(dirs.len() >= 9, "the crates were not found: {dirs:?}");
    dirs
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every `.rs` file below `dir`, recursively (following the `fixtures` links is not needed:
/// they hold no Rust).
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            found.extend(rust_files(&path));
        } else if kind.is_file() && path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
    found
}

#[test]
fn every_crate_ships_docs_licenses_and_metadata() {
    let root = project_root();
    for file in [
        "README.md",
        "LICENSE-MIT",
        "LICENSE-APACHE",
        "ARCHITECTURE.md",
    ] {
        assert!(root.join(file).is_file(), "{file} is missing at the root");
    }
    for dir in crates() {
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned());
        let name = name.unwrap_or_default();
        for file in ["README.md", "LICENSE-MIT", "LICENSE-APACHE"] {
            assert!(dir.join(file).is_file(), "crates/{name}: {file} is missing");
        }
        assert_eq!(
            read(&dir.join("LICENSE-MIT")),
            read(&root.join("LICENSE-MIT")),
            "crates/{name}/LICENSE-MIT differs from the root's"
        );
        let manifest = read(&dir.join("Cargo.toml"));
        for key in [
            "description",
            "readme",
            "keywords",
            "categories",
            "license",
            "repository",
        ] {
            assert!(
                manifest
                    .lines()
                    .any(|line| line.starts_with(&format!("{key} ="))
                        || line.starts_with(&format!("{key}.workspace = true"))),
                "crates/{name}/Cargo.toml has no {key}"
            );
        }
        assert!(
            manifest.contains("[lints]\nworkspace = true"),
            "crates/{name}/Cargo.toml does not take the workspace lints (missing_docs among them)"
        );
    }
    let workspace = read(&root.join("Cargo.toml"));
    assert!(
        workspace.contains("missing_docs = \"warn\""),
        "the workspace lints must warn on undocumented public items (CI denies warnings)"
    );
}

#[test]
fn path_dependencies_carry_a_version() {
    let mut manifests = vec![project_root().join("Cargo.toml")];
    manifests.extend(crates().iter().map(|dir| dir.join("Cargo.toml")));
    for manifest in manifests {
        for line in read(&manifest).lines() {
            // Dependency tables written inline: `name = { path = "...", version = "..." }`.
            if line.contains('{') && line.contains("path =") {
                assert!(
                    line.contains("version ="),
                    "{}: a path dependency without a version cannot be published: {line}",
                    manifest.display()
                );
            }
        }
    }
}

#[test]
fn crate_readmes_reference_only_what_ships() {
    for dir in crates() {
        let readme = read(&dir.join("README.md"));
        for (n, line) in readme.lines().enumerate() {
            for outside in ["](../", "](/", "shared/", "../../"] {
                assert!(
                    !line.contains(outside),
                    "{}:{}: points outside the package ({outside}): {line}",
                    dir.join("README.md").display(),
                    n + 1
                );
            }
        }
    }
}

#[test]
fn included_files_stay_inside_their_crate() {
    for dir in crates() {
        for file in rust_files(&dir) {
            let text = read(&file);
            for (n, line) in text.lines().enumerate() {
                for call in ["include_str!(", "include_bytes!("] {
                    let Some(at) = line.find(call) else { continue };
                    let rest = &line[at + call.len()..];
                    let Some(path) = rest
                        .split('"')
                        .nth(1)
                        .filter(|_| rest.trim_start().starts_with('"'))
                    else {
                        // `include_str!(concat!(...))`: the literal is on a later line.
                        continue;
                    };
                    let parent = file.parent().unwrap_or(&dir);
                    assert!(
                        stays_inside(parent, Path::new(path), &dir),
                        "{}:{}: {path} leaves the crate, so its package cannot build its tests",
                        file.display(),
                        n + 1
                    );
                }
                if line.trim_start().starts_with("\"../") {
                    // The literal of an `include_str!(concat!(...))` spread over lines.
                    let path = line.trim().trim_matches(|c| c == '"' || c == ',');
                    let parent = file.parent().unwrap_or(&dir);
                    assert!(
                        stays_inside(parent, Path::new(path), &dir),
                        "{}:{}: {path} leaves the crate",
                        file.display(),
                        n + 1
                    );
                }
            }
        }
    }
}

/// Whether `relative`, taken from `from`, stays below `root` (textually: `..` is resolved
/// without following links, as cargo packages a crate's own tree).
fn stays_inside(from: &Path, relative: &Path, root: &Path) -> bool {
    let mut path: Vec<Component<'_>> = from.components().collect();
    for component in relative.components() {
        match component {
            Component::ParentDir => {
                path.pop();
            }
            Component::CurDir => {}
            other => path.push(other),
        }
    }
    let resolved: PathBuf = path.iter().collect();
    resolved.starts_with(root)
}

#[test]
fn no_source_file_is_too_long() {
    let mut too_long = Vec::new();
    for dir in crates() {
        for file in rust_files(&dir.join("src")) {
            if file.components().any(|c| c.as_os_str() == "generated") {
                continue;
            }
            let lines = read(&file).lines().count();
            if lines > MAX_SOURCE_LINES {
                too_long.push(format!("{} ({lines} lines)", file.display()));
            }
        }
    }
    assert!(
        too_long.is_empty(),
        "over {MAX_SOURCE_LINES} lines, split by job: {too_long:#?}"
    );
}

#[test]
fn stays_inside_resolves_parent_components() {
    let root = Path::new("/w/crates/a");
    assert!(stays_inside(
        Path::new("/w/crates/a/tests/it"),
        Path::new("../../fixtures/x.json"),
        root
    ));
    assert!(!stays_inside(
        Path::new("/w/crates/a/tests/it"),
        Path::new("../../../../fixtures/x.json"),
        root
    ));
}
