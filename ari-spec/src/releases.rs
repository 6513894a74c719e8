//! `history/releases.tsv`: every Asterisk release and the snapshot that holds
//! its api-docs.

use std::collections::HashSet;
use std::path::Path;

use serde::Serialize;

use crate::error::SpecError;
use crate::version::Version;

/// One Asterisk release (one line of `releases.tsv`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Release {
    /// `20.17.0`.
    pub tag: String,
    /// The tag as a number, for ordering.
    #[serde(skip)]
    pub version: Version,
    /// Release date, `YYYY-MM-DD` (sorts as text).
    pub date: String,
    /// ARI's own version in that release (`8.0.0`).
    pub api_version: String,
    /// The `history/` folder that holds the release's api-docs: the first
    /// release with the same files.
    pub snapshot: String,
}

impl Release {
    /// The release line (`20` for `20.17.0`).
    pub fn major(&self) -> u32 {
        self.version.major
    }
}

/// Every release of `releases.tsv`, ordered by version number.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReleaseTable {
    releases: Vec<Release>,
}

/// The columns `releases.tsv` must start with.
const HEADER: [&str; 4] = ["tag", "date", "api_version", "snapshot"];

impl ReleaseTable {
    /// Reads a `releases.tsv`.
    pub fn load(path: &Path) -> Result<ReleaseTable, SpecError> {
        let text = std::fs::read_to_string(path).map_err(|source| SpecError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        ReleaseTable::parse(&text, path)
    }

    /// Parses the text of a `releases.tsv`; `path` only names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<ReleaseTable, SpecError> {
        let error = |line: usize, message: String| SpecError::ReleaseTable {
            path: path.to_path_buf(),
            line,
            message,
        };
        let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
        match lines.next() {
            Some((_, header)) if header.split('\t').take(4).eq(HEADER) => {}
            _ => {
                return Err(error(
                    1,
                    format!("the header must be `{}`", HEADER.join("\\t")),
                ))
            }
        }
        let mut releases = Vec::new();
        let mut seen = HashSet::new();
        for (number, line) in lines {
            if line.trim().is_empty() {
                continue;
            }
            let columns: Vec<&str> = line.split('\t').map(str::trim).collect();
            let [tag, date, api_version, snapshot] = columns[..] else {
                return Err(error(
                    number,
                    format!("expected 4 tab-separated columns, found {}", columns.len()),
                ));
            };
            let version: Version = tag.parse().map_err(|e| error(number, format!("{e}")))?;
            if snapshot.is_empty() || snapshot.contains(['/', '\\']) || snapshot.starts_with('.') {
                return Err(error(
                    number,
                    format!("`{snapshot}` is not a snapshot name"),
                ));
            }
            if !seen.insert(version) {
                return Err(error(number, format!("release {tag} is listed twice")));
            }
            releases.push(Release {
                tag: tag.to_string(),
                version,
                date: date.to_string(),
                api_version: api_version.to_string(),
                snapshot: snapshot.to_string(),
            });
        }
        releases.sort_by_key(|r| r.version);
        Ok(ReleaseTable { releases })
    }

    /// Every release, ordered by version number.
    pub fn releases(&self) -> &[Release] {
        &self.releases
    }

    /// One release by tag.
    pub fn get(&self, tag: &str) -> Option<&Release> {
        let version: Version = tag.parse().ok()?;
        self.index_of(version).map(|i| &self.releases[i])
    }

    pub(crate) fn index_of(&self, version: Version) -> Option<usize> {
        self.releases
            .binary_search_by_key(&version, |r| r.version)
            .ok()
    }

    /// The release lines (majors) in the table, ascending.
    pub fn majors(&self) -> Vec<u32> {
        let mut majors: Vec<u32> = self.releases.iter().map(Release::major).collect();
        majors.dedup();
        majors
    }

    /// The releases of one line, ordered by version number.
    pub fn line(&self, major: u32) -> &[Release] {
        let start = self.releases.partition_point(|r| r.major() < major);
        let end = self.releases.partition_point(|r| r.major() <= major);
        &self.releases[start..end]
    }

    /// The snapshot names the table uses, each once, in release order.
    pub fn snapshots(&self) -> Vec<&str> {
        let mut seen = HashSet::new();
        self.releases
            .iter()
            .map(|r| r.snapshot.as_str())
            .filter(|s| seen.insert(*s))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ReleaseTable, SpecError> {
        ReleaseTable::parse(text, Path::new("releases.tsv"))
    }

    const TABLE: &str = "tag\tdate\tapi_version\tsnapshot\n\
        13.10.0\t2016-07-01\t1.9.0\t13.10.0\n\
        13.2.0\t2015-02-06\t1.7.0\t13.2.0\n\
        14.0.0\t2016-09-23\t1.10.0\t14.0.0\n\
        13.2.1\t2015-04-06\t1.7.0\t13.2.0\n";

    #[test]
    fn orders_by_version_and_groups_lines() {
        let table = parse(TABLE).unwrap();
        let tags: Vec<&str> = table.releases().iter().map(|r| r.tag.as_str()).collect();
        assert_eq!(tags, ["13.2.0", "13.2.1", "13.10.0", "14.0.0"]);
        assert_eq!(table.majors(), [13, 14]);
        assert_eq!(table.line(13).len(), 3);
        assert_eq!(table.line(14)[0].tag, "14.0.0");
        assert!(table.line(15).is_empty());
        assert_eq!(table.get("13.2.1").unwrap().snapshot, "13.2.0");
        assert!(table.get("13.2.2").is_none());
        assert_eq!(table.snapshots(), ["13.2.0", "13.10.0", "14.0.0"]);
    }

    #[test]
    fn names_the_line_of_each_mistake() {
        let cases = [
            ("tag\tdate\n", 1, "header"),
            (
                "tag\tdate\tapi_version\tsnapshot\n13.0.0\t2014\t1.5.0\n",
                2,
                "4 tab-separated",
            ),
            (
                "tag\tdate\tapi_version\tsnapshot\nthirteen\td\t1\ts\n",
                2,
                "not a release number",
            ),
            (
                "tag\tdate\tapi_version\tsnapshot\n13.0.0\td\t1\t../x\n",
                2,
                "not a snapshot name",
            ),
            (
                "tag\tdate\tapi_version\tsnapshot\n13.0.0\td\t1\ta\n\n13.0.0\td\t1\ta\n",
                4,
                "listed twice",
            ),
        ];
        for (text, line, message) in cases {
            match parse(text) {
                Err(SpecError::ReleaseTable {
                    line: got,
                    message: got_message,
                    ..
                }) => {
                    assert_eq!(got, line, "{text}");
                    assert!(got_message.contains(message), "{got_message}");
                }
                other => panic!("{text}: {other:?}"),
            }
        }
    }
}
