//! `cargo xtask`: the project's own tasks.
//!
//! - `cargo xtask spec ...`: look into Asterisk's api-docs (validate, diff,
//!   since);
//! - `cargo xtask regen`: regenerate `ari-sdk/src/generated` (`--check` in CI);
//! - `cargo xtask test`: install the foreign ARI clients, then
//!   `cargo test --workspace --all-features` (the test suite CI runs).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod regen;
mod regen_sources;
mod regen_write;
mod spec;
mod test;

#[derive(Parser)]
#[command(name = "cargo xtask", about = "ari-sdk's project tasks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Look into Asterisk's ARI api-docs.
    Spec(spec::SpecArgs),
    /// Regenerate the SDK's generated code from the api-docs.
    Regen(regen::RegenArgs),
    /// Install the foreign ARI clients, then run the whole test suite.
    Test(test::TestArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Spec(args) => spec::run(args),
        Command::Regen(args) => regen::run(args),
        Command::Test(args) => test::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err}");
            let mut source = std::error::Error::source(&*err);
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            ExitCode::FAILURE
        }
    }
}

/// What a task returns: an exit code, or an error to print.
pub type TaskResult = Result<ExitCode, Box<dyn std::error::Error>>;

/// The workspace root (the parent of `xtask/`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}
