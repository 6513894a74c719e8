//! Tidy test: no sentence of Asterisk's api-docs prose in what we ship.
//!
//! The api-docs are Asterisk's text (GPL-2.0) and the crate is MIT OR
//! Apache-2.0: we take their facts (names, types, paths, parameters,
//! defaults, allowed values, status codes, releases) and write our own
//! sentences. This test reads every `description`, `summary` and `notes` of
//! the api-docs of every major and of every history snapshot, splits them
//! into sentences and fails, naming file, line and sentence, when a run of
//! [`RUN`] consecutive words of one appears in the generated tree, the
//! version matrix, the top-level Markdown or the hand-written sources.
//!
//! Words are compared normalised: lowercase, and anything but letters,
//! digits and `_` (punctuation, Markdown, `<br />`) is a word break. An
//! identifier such as `dtmf_events` is one word: a list of the same wire
//! values is a list of facts, not a copied phrase. Error `reason`s are not prose and not read here; the generator
//! keeps only the short ones (see `knowledge::error_reason`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ari_spec::{SpecDir, MAJORS};

/// How many words in a row make a copied phrase.
const RUN: usize = 6;

/// The JSON keys whose values are free text (`descriptioni` is an upstream
/// typo of `description` in several releases).
const PROSE_KEYS: &[&str] = &["description", "descriptioni", "summary", "notes"];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Where one sentence of the api-docs comes from.
#[derive(Clone)]
struct Origin {
    file: String,
    sentence: String,
}

/// Lowercase words of `text`: runs of letters, digits and `_`.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The sentences of a piece of api-docs prose: split at line breaks and at
/// `.`, `!`, `?` or `;` followed by a space or the end.
fn sentences(text: &str) -> Vec<String> {
    let text = text
        .replace("<br />", "\n")
        .replace("<br/>", "\n")
        .replace("<br>", "\n");
    let mut out = Vec::new();
    for line in text.lines() {
        let mut current = String::new();
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            current.push(c);
            let ends = matches!(c, '.' | '!' | '?' | ';')
                && chars.peek().is_none_or(|next| next.is_whitespace());
            if ends {
                out.push(std::mem::take(&mut current).trim().to_string());
            }
        }
        if !current.trim().is_empty() {
            out.push(current.trim().to_string());
        }
    }
    out
}

fn collect_prose(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                match value {
                    serde_json::Value::String(text) if PROSE_KEYS.contains(&key.as_str()) => {
                        out.push(text.clone());
                    }
                    other => collect_prose(other, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_prose(v, out)),
        _ => {}
    }
}

/// The api-docs' files: each major's newest release and every snapshot.
fn api_docs_files() -> Vec<PathBuf> {
    let dir = SpecDir::locate(None, &workspace());
    let mut folders: Vec<PathBuf> = MAJORS.map(|m| dir.major_dir(m)).collect();
    if let Ok(entries) = std::fs::read_dir(dir.history_dir()) {
        let mut snapshots: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir())
            .collect();
        snapshots.sort();
        folders.extend(snapshots);
    }
    let mut files = Vec::new();
    for folder in folders {
        files.push(folder.join("resources.json"));
        if let Ok(entries) = std::fs::read_dir(folder.join("api-docs")) {
            let mut jsons: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .collect();
            jsons.sort();
            files.extend(jsons);
        }
    }
    files.retain(|f| f.is_file());
    files
}

/// Every run of [`RUN`] words of every api-docs sentence, with one place it
/// comes from.
fn api_docs_runs() -> HashMap<Vec<String>, Origin> {
    let files = api_docs_files();
    assert!(
        files.len() > 11 * 10,
        "the api-docs were not found (ARI_SPEC_DIR or ../shared/ari-spec): {} files",
        files.len()
    );
    let root = SpecDir::locate(None, &workspace()).root().to_path_buf();
    let mut runs: HashMap<Vec<String>, Origin> = HashMap::new();
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        let mut prose = Vec::new();
        collect_prose(&json, &mut prose);
        let name = file
            .strip_prefix(&root)
            .unwrap_or(&file)
            .display()
            .to_string();
        for sentence in prose.iter().flat_map(|p| sentences(p)) {
            let words = words(&sentence);
            for window in words.windows(RUN) {
                runs.entry(window.to_vec()).or_insert_with(|| Origin {
                    file: name.clone(),
                    sentence: sentence.clone(),
                });
            }
        }
    }
    runs
}

/// The files we write: the generated tree, the matrix, the top-level
/// Markdown and the hand-written sources and templates.
fn checked_files() -> Vec<PathBuf> {
    let root = workspace();
    let mut out = Vec::new();
    for file in [
        "ari-sdk/API_MATRIX.md",
        "README.md",
        "CONTRIBUTING.md",
        "BENCHMARKS.md",
    ] {
        out.push(root.join(file));
    }
    walk(&root.join("ari-sdk/src"), &mut out, &|_| true);
    let rust = |p: &Path| p.extension().is_some_and(|e| e == "rs");
    for dir in ["ari-spec", "ari-codegen/src", "xtask/src"] {
        walk(&root.join(dir), &mut out, &rust);
    }
    walk(&root.join("ari-codegen/templates"), &mut out, &|_| true);
    out.retain(|f| f.is_file());
    out.sort();
    out.dedup();
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, keep: &dyn Fn(&Path) -> bool) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out, keep);
        } else if keep(&path) {
            out.push(path);
        }
    }
}

/// The words of a file with the line each is on.
fn words_with_lines(text: &str) -> Vec<(String, usize)> {
    text.lines()
        .enumerate()
        .flat_map(|(i, line)| words(line).into_iter().map(move |w| (w, i + 1)))
        .collect()
}

#[test]
fn no_sentence_of_the_api_docs_is_copied() {
    let runs = api_docs_runs();
    let root = workspace();
    let files = checked_files();
    assert!(files.len() > 100, "too few files found: {}", files.len());
    let mut findings: Vec<String> = Vec::new();
    let mut per_file: Vec<String> = Vec::new();
    let mut copied_lines = 0usize;
    for file in &files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        let words = words_with_lines(&text);
        let mut last_line = 0;
        let mut in_file = 0usize;
        for window in words.windows(RUN) {
            let key: Vec<String> = window.iter().map(|(w, _)| w.clone()).collect();
            let Some(origin) = runs.get(&key) else {
                continue;
            };
            let line = window[0].1;
            if line == last_line {
                continue; // one finding a line is enough
            }
            last_line = line;
            copied_lines += 1;
            in_file += 1;
            if findings.len() < 40 {
                findings.push(format!(
                    "{}:{}: \"{}\" is from {}: \"{}\"",
                    file.strip_prefix(&root).unwrap_or(file).display(),
                    line,
                    key.join(" "),
                    origin.file,
                    origin.sentence
                ));
            }
        }
        if in_file > 0 {
            let name = file.strip_prefix(&root).unwrap_or(file).display();
            per_file.push(format!("{name}: {in_file}"));
        }
    }
    assert!(
        findings.is_empty(),
        "{copied_lines} lines repeat {RUN} or more words in a row of an api-docs sentence; \
         write our own words.\nLines per file:\n{}\nThe first {}:\n{}",
        per_file.join("\n"),
        findings.len(),
        findings.join("\n")
    );
}

#[test]
fn sentences_and_words_are_normalised() {
    assert_eq!(
        sentences("Create a channel. Then: go.<br />Next line"),
        vec!["Create a channel.", "Then: go.", "Next line"]
    );
    assert_eq!(sentences("Version 1.2 is out"), vec!["Version 1.2 is out"]);
    assert_eq!(
        words("`Channel`'s [id] (i.e. THE_ID)"),
        vec!["channel", "s", "id", "i", "e", "the_id"]
    );
}
