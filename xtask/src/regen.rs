//! `cargo xtask regen` (issue #4).

use clap::Args;

use crate::TaskResult;

/// `cargo xtask regen`.
#[derive(Args)]
pub struct RegenArgs {
    /// Exit 1 and list stale files instead of writing.
    #[arg(long)]
    pub check: bool,
}

pub fn run(_args: RegenArgs) -> TaskResult {
    Err("not yet implemented".into())
}
