//! Project automation, run as `cargo xtask <task>` (an alias in `.cargo/config.toml`).
//!
//! Tasks:
//!
//! * `cargo xtask codegen` regenerates `crates/<crate>/src/generated/` from the
//!   operation models in `fixtures/<crate>/` (see `fixtures/README.md`). It writes
//!   a file only when its text changes and removes generated files no model
//!   produces any more.
//! * `cargo xtask codegen --check` changes nothing; it fails, naming each file,
//!   when the generated tree differs from what the models produce.
//!
//! The `generated_code_is_fresh` test runs the check, so a plain `cargo test`
//! catches stale generated code; the tidy tests (`tidy.rs`) check what every crate ships
//! (README, licenses, metadata), that path dependencies carry versions, that included files
//! stay inside their crate, and that no hand-written module grows past 1,000 lines.
//!
//! This crate stays small and quick to build: serde and serde_json only; it
//! shells out to `rustfmt`.

mod codegen;
mod model;
mod render;
#[cfg(test)]
mod tidy;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  codegen            regenerate crates/<crate>/src/generated/ from fixtures/<crate>/
  codegen --check    fail if the generated code is not what fixtures/ produces";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["codegen"] => codegen::run(&project_root(), codegen::Mode::Write),
        ["codegen", "--check"] => codegen::run(&project_root(), codegen::Mode::Check),
        [] | ["help" | "-h" | "--help"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => Err(format!("unknown arguments {args:?}\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: the parent of this crate's directory.
fn project_root() -> PathBuf {
    let xtask_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    match xtask_dir.parent() {
        Some(root) => root.to_path_buf(),
        None => xtask_dir.join(".."),
    }
}

#[cfg(test)]
mod tests {
    /// The generated code is what `cargo xtask codegen` would write now.
    #[test]
    fn generated_code_is_fresh() {
        if let Err(error) = super::codegen::run(&super::project_root(), super::codegen::Mode::Check)
        {
            panic!("{error}");
        }
    }
}
