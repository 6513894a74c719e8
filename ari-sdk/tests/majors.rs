//! One list of majors: the generator's (`ari_spec::MAJORS`). Every other
//! place that names the majors must say the same: the Cargo features, the
//! modules of `lib.rs` and their folders, [`ari_sdk::enabled_majors`] with
//! every feature on, and the CHANGELOG's release of each module. (`.ci/run`
//! reads the features from `Cargo.toml`.)

use std::collections::BTreeSet;
use std::path::Path;

use ari_spec::MAJORS;

fn read(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// The numbers that follow `prefix` at the start of a trimmed line.
fn numbered(text: &str, prefix: &str) -> BTreeSet<u32> {
    text.lines()
        .filter_map(|line| line.trim().strip_prefix(prefix))
        .filter_map(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .collect()
}

fn majors() -> BTreeSet<u32> {
    MAJORS.collect()
}

#[test]
fn the_features_modules_and_folders_are_the_generators_majors() {
    assert_eq!(
        numbered(&read("Cargo.toml"), "asterisk-"),
        majors(),
        "Cargo features"
    );
    let lib = read("src/lib.rs");
    assert_eq!(numbered(&lib, "pub mod v"), majors(), "lib.rs modules");
    assert_eq!(
        numbered(&lib, "#[cfg(feature = \"asterisk-"),
        majors(),
        "lib.rs feature gates"
    );
    let folders: BTreeSet<u32> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/generated"))
            .expect("src/generated")
            .filter_map(|entry| {
                entry
                    .ok()?
                    .file_name()
                    .to_str()?
                    .strip_prefix('v')?
                    .parse()
                    .ok()
            })
            .collect();
    assert_eq!(folders, majors(), "src/generated/vNN");
}

#[cfg(all(
    feature = "asterisk-13",
    feature = "asterisk-14",
    feature = "asterisk-15",
    feature = "asterisk-16",
    feature = "asterisk-17",
    feature = "asterisk-18",
    feature = "asterisk-19",
    feature = "asterisk-20",
    feature = "asterisk-21",
    feature = "asterisk-22",
    feature = "asterisk-23",
))]
#[test]
fn every_feature_on_enables_every_major() {
    let enabled: BTreeSet<u32> = ari_sdk::enabled_majors().iter().copied().collect();
    assert_eq!(enabled, majors());
}

#[test]
fn the_changelog_names_the_release_of_every_module() {
    let changelog = read("../CHANGELOG.md");
    for major in MAJORS {
        let module = read(&format!("src/generated/v{major}/mod.rs"));
        let release = module
            .lines()
            .find_map(|line| {
                line.trim()
                    .strip_prefix("pub const RELEASE: &'static str = \"")
            })
            .and_then(|rest| rest.strip_suffix("\";"))
            .unwrap_or_else(|| panic!("v{major}: no RELEASE"));
        let row = format!("| `v{major}` | `asterisk-{major}` | {release} |");
        assert!(
            changelog.contains(&row),
            "CHANGELOG.md lacks the row `{row}` (v{major} is generated from {release})"
        );
    }
}
