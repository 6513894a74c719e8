//! `cargo xtask spec ...` (issue #3).

use std::path::PathBuf;

use clap::Args;

use crate::TaskResult;

/// `cargo xtask spec`.
#[derive(Args)]
pub struct SpecArgs {
    /// The shared spec folder (default `$ARI_SPEC_DIR`, else `../shared/ari-spec`).
    #[arg(long, global = true)]
    pub spec_dir: Option<PathBuf>,
}

pub fn run(_args: SpecArgs) -> TaskResult {
    Err("not yet implemented".into())
}
