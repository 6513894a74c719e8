//! Shared helpers of the ari-spec integration tests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use ari_spec::SpecDir;

/// The shared spec folder (`$ARI_SPEC_DIR` or `../shared/ari-spec`).
pub fn spec_dir() -> SpecDir {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    SpecDir::locate(None, &workspace)
}

/// Every snapshot folder under `history/`, sorted.
pub fn snapshots() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(spec_dir().history_dir())
        .expect("history/ folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("resources.json").is_file())
        .collect();
    out.sort();
    out
}
