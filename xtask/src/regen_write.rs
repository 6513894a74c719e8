//! Writing generated files, or in check mode only comparing them.
//!
//! The same code path runs in both modes, so `--check` reports exactly the
//! files a regeneration would touch.

use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};

use ari_codegen::GeneratedFile;

/// What happened to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Already up to date.
    Unchanged,
    /// Written (created or replaced).
    Written,
    /// Deleted: the generator no longer makes it.
    Removed,
    /// Check mode: differs from what the generator makes (or is missing).
    Stale,
    /// Check mode: exists but the generator no longer makes it.
    Extra,
}

/// Writes files, or compares them in check mode.
#[derive(Debug)]
pub struct Writer {
    check: bool,
    outcomes: Vec<(PathBuf, Outcome)>,
}

impl Writer {
    pub fn new(check: bool) -> Writer {
        Writer {
            check,
            outcomes: Vec::new(),
        }
    }

    /// Every file looked at, in order.
    pub fn outcomes(&self) -> &[(PathBuf, Outcome)] {
        &self.outcomes
    }

    /// The files that are out of date (check mode) or were changed.
    #[cfg(test)]
    pub fn changed(&self) -> Vec<&Path> {
        self.outcomes
            .iter()
            .filter(|(_, o)| *o != Outcome::Unchanged)
            .map(|(p, _)| p.as_path())
            .collect()
    }

    /// Makes `path` hold `contents`.
    pub fn file(&mut self, path: &Path, contents: &str) -> io::Result<()> {
        let current = match std::fs::read(path) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(with_path(e, path)),
        };
        let outcome = if current.as_deref() == Some(contents.as_bytes()) {
            Outcome::Unchanged
        } else if self.check {
            Outcome::Stale
        } else {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| with_path(e, parent))?;
            }
            std::fs::write(path, contents).map_err(|e| with_path(e, path))?;
            Outcome::Written
        };
        self.outcomes.push((path.to_path_buf(), outcome));
        Ok(())
    }

    /// Makes `dir` hold exactly `files` (other `.rs` files are removed).
    pub fn sync_dir(&mut self, dir: &Path, files: &[GeneratedFile]) -> io::Result<()> {
        let mut wanted = BTreeSet::new();
        for file in files {
            let path = dir.join(&file.path);
            self.file(&path, &file.contents)?;
            wanted.insert(path);
        }
        let mut existing = Vec::new();
        collect_rs(dir, &mut existing)?;
        existing.sort();
        for path in existing {
            if wanted.contains(&path) {
                continue;
            }
            if self.check {
                self.outcomes.push((path, Outcome::Extra));
            } else {
                std::fs::remove_file(&path).map_err(|e| with_path(e, &path))?;
                self.outcomes.push((path, Outcome::Removed));
            }
        }
        Ok(())
    }
}

fn collect_rs(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(with_path(e, dir)),
    };
    for entry in entries {
        let path = entry.map_err(|e| with_path(e, dir))?.path();
        if path.is_dir() {
            collect_rs(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

fn with_path(error: io::Error, path: &Path) -> io::Error {
    io::Error::new(error.kind(), format!("{}: {error}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, contents: &str) -> GeneratedFile {
        GeneratedFile {
            path: path.into(),
            contents: contents.into(),
        }
    }

    #[test]
    fn check_mode_reports_edits_missing_and_extra_files_without_writing() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("v20");
        let files = vec![file("mod.rs", "a\n"), file("models/mod.rs", "b\n")];
        let mut writer = Writer::new(false);
        writer.sync_dir(&dir, &files).unwrap();
        assert_eq!(writer.changed().len(), 2);

        let mut check = Writer::new(true);
        check.sync_dir(&dir, &files).unwrap();
        assert!(check.changed().is_empty());

        std::fs::write(dir.join("mod.rs"), "a\n// hand edit\n").unwrap();
        std::fs::write(dir.join("old.rs"), "x").unwrap();
        std::fs::remove_file(dir.join("models/mod.rs")).unwrap();
        let mut check = Writer::new(true);
        check.sync_dir(&dir, &files).unwrap();
        let outcomes: Vec<_> = check
            .outcomes()
            .iter()
            .map(|(p, o)| (p.strip_prefix(&dir).unwrap().to_path_buf(), *o))
            .collect();
        assert_eq!(
            outcomes,
            vec![
                (PathBuf::from("mod.rs"), Outcome::Stale),
                (PathBuf::from("models/mod.rs"), Outcome::Stale),
                (PathBuf::from("old.rs"), Outcome::Extra),
            ]
        );
        // Nothing was written.
        assert_eq!(
            std::fs::read_to_string(dir.join("mod.rs")).unwrap(),
            "a\n// hand edit\n"
        );

        let mut writer = Writer::new(false);
        writer.sync_dir(&dir, &files).unwrap();
        assert!(!dir.join("old.rs").exists());
        assert_eq!(std::fs::read_to_string(dir.join("mod.rs")).unwrap(), "a\n");
    }
}
