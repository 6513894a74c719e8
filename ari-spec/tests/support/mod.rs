//! Shared helpers of the ari-spec integration tests.

#![allow(dead_code)]

pub mod server;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ari_spec::{History, SpecDir};

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

/// The history of the shared folder, computed once per test binary.
pub fn history() -> &'static History {
    static HISTORY: OnceLock<History> = OnceLock::new();
    HISTORY.get_or_init(|| History::load(&spec_dir()).expect("history loads"))
}

/// Copies the api-docs of a spec folder (listing and declarations, no
/// `RELEASE`) to `dest`, as an Asterisk source tree holds them in `rest-api/`.
pub fn copy_api_docs(from: &Path, dest: &Path) {
    std::fs::create_dir_all(dest.join("api-docs")).unwrap();
    std::fs::copy(from.join("resources.json"), dest.join("resources.json")).unwrap();
    for entry in std::fs::read_dir(from.join("api-docs")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dest.join("api-docs").join(path.file_name().unwrap())).unwrap();
    }
}

/// Writes a spec folder from inline JSON: a listing of `resources` and one
/// declaration each.
pub fn write_spec(dir: &Path, declarations: &[(&str, serde_json::Value)]) {
    std::fs::create_dir_all(dir.join("api-docs")).unwrap();
    let apis: Vec<serde_json::Value> = declarations
        .iter()
        .map(|(name, _)| serde_json::json!({"path": format!("/api-docs/{name}.{{format}}"), "description": name}))
        .collect();
    let listing = serde_json::json!({
        "_copyright": "test",
        "apiVersion": "1.0.0",
        "swaggerVersion": "1.1",
        "basePath": "http://localhost:8088/ari",
        "apis": apis,
    });
    std::fs::write(dir.join("resources.json"), listing.to_string()).unwrap();
    for (name, declaration) in declarations {
        std::fs::write(
            dir.join("api-docs").join(format!("{name}.json")),
            serde_json::to_string_pretty(declaration).unwrap(),
        )
        .unwrap();
    }
}

/// A declaration with the usual header and the given APIs and models.
pub fn declaration(
    resource: &str,
    apis: serde_json::Value,
    models: serde_json::Value,
) -> serde_json::Value {
    serde_json::json!({
        "_copyright": "test",
        "_author": "test",
        "apiVersion": "1.0.0",
        "swaggerVersion": "1.1",
        "basePath": "http://localhost:8088/ari",
        "resourcePath": format!("/api-docs/{resource}.{{format}}"),
        "apis": apis,
        "models": models,
    })
}
