//! `cargo xtask codegen [--check]`: `fixtures/<crate>/` → `crates/<crate>/src/generated/`.
//!
//! Same pattern as rust-analyzer's `ensure_file_contents`: the generator
//! renders every file, formats it with `rustfmt`, and compares it with what is
//! on disk. In write mode it writes only the files whose text differs and
//! removes the files no model produces; in check mode it changes nothing and
//! fails, naming each stale or stray file.

use std::fs;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::{model, render};

/// What to do with a difference between the tree and the generator's output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Bring the tree up to date.
    Write,
    /// Report the difference and fail.
    Check,
}

const ADVICE: &str = "run `cargo xtask codegen` and commit";

/// Generates the code of every crate that has a directory in `fixtures/`.
pub(crate) fn run(root: &Path, mode: Mode) -> Result<(), String> {
    let fixtures = root.join("fixtures");
    let mut stale = Vec::new();
    for name in crate_dirs(&fixtures)? {
        let krate = model::load_crate(&fixtures, &name)?;
        let crate_dir = root.join("crates").join(&name);
        if !crate_dir.join("Cargo.toml").is_file() {
            return Err(format!(
                "fixtures/{name}/ has no crate: crates/{name}/Cargo.toml is missing"
            ));
        }
        let generated = crate_dir.join("src").join("generated");
        let relative_dir = format!("crates/{name}/src/generated");

        let files = render::render_crate(&krate)?;
        for (file, text) in &files {
            let text =
                rustfmt(root, text).map_err(|error| format!("{relative_dir}/{file}: {error}"))?;
            let relative = format!("{relative_dir}/{file}");
            ensure_file_contents(&generated.join(file), &relative, &text, mode, &mut stale)?;
        }
        remove_stray_files(&generated, &relative_dir, &files, mode, &mut stale)?;
    }
    if stale.is_empty() {
        Ok(())
    } else {
        Err(stale.join("\n"))
    }
}

/// The subdirectories of `fixtures/`, sorted.
fn crate_dirs(fixtures: &Path) -> Result<Vec<String>, String> {
    let entries =
        fs::read_dir(fixtures).map_err(|error| format!("{}: {error}", fixtures.display()))?;
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|error| format!("{}: {error}", fixtures.display()))?;
        if entry.file_type().map(|kind| kind.is_dir()).unwrap_or(false) {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    Ok(names)
}

/// Makes `path` hold `contents`: writes it only when the text differs; in
/// check mode records the difference instead.
fn ensure_file_contents(
    path: &Path,
    relative: &str,
    contents: &str,
    mode: Mode,
    stale: &mut Vec<String>,
) -> Result<(), String> {
    if fs::read_to_string(path).is_ok_and(|old| old == contents) {
        return Ok(());
    }
    match mode {
        Mode::Check => {
            let problem = if path.exists() {
                "is out of date"
            } else {
                "is missing"
            };
            stale.push(format!("{relative} {problem}; {ADVICE}"));
        }
        Mode::Write => {
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir).map_err(|error| format!("{}: {error}", dir.display()))?;
            }
            fs::write(path, contents).map_err(|error| format!("{relative}: {error}"))?;
            eprintln!("updated {relative}");
        }
    }
    Ok(())
}

/// Files in `generated/` that no model produces: removed, or reported in check mode.
fn remove_stray_files(
    dir: &Path,
    relative_dir: &str,
    files: &[(String, String)],
    mode: Mode,
    stale: &mut Vec<String>,
) -> Result<(), String> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(());
    };
    let mut stray = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|error| format!("{relative_dir}: {error}"))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !files.iter().any(|(file, _)| *file == name) {
            stray.push((name, entry.path()));
        }
    }
    stray.sort();
    for (name, path) in stray {
        let relative = format!("{relative_dir}/{name}");
        match mode {
            Mode::Check => {
                stale.push(format!(
                    "{relative} should not exist (no model generates it); {ADVICE}"
                ));
            }
            Mode::Write => {
                let removed = if path.is_dir() {
                    fs::remove_dir_all(&path)
                } else {
                    fs::remove_file(&path)
                };
                removed.map_err(|error| format!("{relative}: {error}"))?;
                eprintln!("removed {relative}");
            }
        }
    }
    Ok(())
}

/// Formats Rust source with `rustfmt --edition 2024`, as `cargo fmt` would.
fn rustfmt(root: &Path, text: &str) -> Result<String, String> {
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout"])
        .current_dir(root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| format!("cannot run rustfmt: {error}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(text.as_bytes())
            .map_err(|error| format!("rustfmt stdin: {error}"))?;
    }
    let output = child
        .wait_with_output()
        .map_err(|error| format!("rustfmt: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "rustfmt failed on the generated code:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    String::from_utf8(output.stdout).map_err(|error| format!("rustfmt output: {error}"))
}
