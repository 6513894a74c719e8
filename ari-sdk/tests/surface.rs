//! Each version module publishes exactly the REST operations of its
//! release: the group methods of `src/generated/vNN/<resource>.rs` (or of
//! the shared file it re-exports its group from) are the spec's nicknames
//! in snake_case, no more, no fewer.

use std::collections::BTreeSet;
use std::path::Path;

use ari_spec::{Api, SpecDir, MAJORS};

fn snake(nickname: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = nickname.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        let prev_lower = i > 0 && (chars[i - 1].is_lowercase() || chars[i - 1].is_ascii_digit());
        let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
        let prev_upper = i > 0 && chars[i - 1].is_uppercase();
        if c.is_uppercase() && i > 0 && (prev_lower || (prev_upper && next_lower)) {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    match out.as_str() {
        "move" => "r#move".into(),
        _ => out,
    }
}

/// `pub fn name(&self` lines: the group methods (setters take `mut self`).
fn group_methods(source: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let lines: Vec<&str> = source.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let Some(rest) = line.trim_start().strip_prefix("pub fn ") else {
            continue;
        };
        let name: String = rest
            .chars()
            .take_while(|c| *c != '(' && *c != '<')
            .collect();
        let signature = format!("{rest}{}", lines.get(i + 1).copied().unwrap_or("").trim());
        let after_paren = signature
            .split_once('(')
            .map(|(_, s)| s.trim_start())
            .unwrap_or("");
        if after_paren.starts_with("&self") && !matches!(name.as_str(), "request" | "as_str") {
            out.insert(name);
        }
    }
    out
}

/// The group methods of a module's resource file: in the file, or in the
/// shared files whose items it re-exports (`pub use crate::shared::...;`).
fn module_methods(generated: &Path, major: u32, file: &str) -> BTreeSet<String> {
    let Ok(source) = std::fs::read_to_string(generated.join(format!("v{major}/{file}"))) else {
        return BTreeSet::new();
    };
    let mut methods = group_methods(&source);
    let shared_files: BTreeSet<String> = source
        .lines()
        .filter_map(|line| line.trim().strip_prefix("pub use crate::shared::"))
        .filter_map(|path| {
            let parts: Vec<&str> = path.trim_end_matches(';').split("::").collect();
            (parts.len() == 3).then(|| format!("shared/{}/{}.rs", parts[0], parts[1]))
        })
        .collect();
    for shared in shared_files {
        let text = std::fs::read_to_string(generated.join(&shared)).unwrap();
        methods.extend(group_methods(&text));
    }
    methods
}

#[test]
fn every_module_has_exactly_its_releases_operations() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let spec_dir = SpecDir::locate(None, &root);
    for major in MAJORS {
        let api = Api::merge(&spec_dir.load_major(major).unwrap());
        let generated = root.join("ari-sdk/src/generated");
        for resource in &api.resources {
            let expected: BTreeSet<String> = api
                .rest_operations()
                .filter(|o| o.resource.name == resource.name)
                .map(|o| snake(&o.operation.nickname))
                .collect();
            let found = module_methods(&generated, major, &format!("{}.rs", snake(&resource.name)));
            assert_eq!(found, expected, "v{major} {}", resource.name);
        }
    }
}

#[test]
fn the_issues_examples() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ari-sdk/src/generated");
    let methods = |major: u32, file: &str| module_methods(&root, major, file);
    assert!(!methods(19, "events.rs").contains("claim_channel"));
    assert!(methods(20, "events.rs").contains("claim_channel"));
    assert!(!methods(14, "channels.rs").contains("r#move"));
    assert!(methods(13, "channels.rs").contains("r#move"));
    assert!(methods(20, "channels.rs").contains("originate_with_id"));
    assert!(methods(20, "recordings.rs").contains("get_stored_file"));
}
