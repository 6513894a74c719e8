//! The spec's own `since` lists, read against the release snapshots.
//!
//! Since Asterisk 20.13.0, 21.8.0, 22.3.0 and 23.0.0 an operation (and a
//! declaration) may carry `"since": ["20.17.0", "22.7.0", "23.1.0"]`: the
//! release of each line that introduced it. The list is written by hand; the snapshots are
//! what was shipped. Neither is adjusted to fit the other: where they differ,
//! [`crate::History::since_disagreements`] says so with both figures.
//!
//! # What a list claims for one line
//!
//! For a line `M` (a major of `releases.tsv`), the list claims:
//!
//! 1. **listed**: an entry on line `M` — the item first appeared in that
//!    release (the lowest such entry if there are several);
//! 2. **inherited**: otherwise, an entry on an earlier line that was released
//!    no later than `M`'s first release (`M.0.0`; dates from
//!    `releases.tsv`) — the line branched with the item in it, so it should
//!    be there from `M`'s first release. Entries of lines older than the
//!    table (Asterisk 12: `12.0.0`, ..., `12.5.0`) predate every line of
//!    the table and are inherited by all of them; that is how "since
//!    12.0.0" agrees with an item present in 13.0.0. When several earlier
//!    entries qualify, the one of the nearest line is named;
//! 3. **absent**: otherwise — the list does not claim the line has it (an
//!    entry on an earlier line released after `M.0.0` is a backport to that
//!    line that `M` did not get, e.g. `move`'s 13.26.0 for line 14).
//!
//! The release snapshots' figure for line `M` is the first release of the
//! line that has the item at all ([`crate::history::Timeline::first_appearance`],
//! not the start of its current interval). The two agree when both name the
//! same release, or both say the line never had it. Entries that are not
//! release numbers are ignored.

use std::fmt;

use serde::Serialize;

use crate::history::Subject;
use crate::releases::ReleaseTable;
use crate::version::Version;

/// One `since` list as the spec writes it, with the snapshots that carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SinceList {
    /// The entries, in the spec's order (`["20.17.0", "22.7.0", "23.1.0"]`).
    pub releases: Vec<String>,
    /// The snapshots that carry exactly this list, in version order.
    pub carried_by: Vec<String>,
}

impl SinceList {
    /// The newest snapshot carrying the list.
    pub fn newest_carrier(&self) -> &str {
        self.carried_by.last().map(String::as_str).unwrap_or("")
    }
}

/// What a `since` list claims about one release line (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "claim", rename_all = "snake_case")]
pub enum SinceClaim {
    /// The list names a release of the line.
    Listed {
        /// That release.
        release: String,
    },
    /// The list names an earlier line's release that predates the line, so
    /// the line should have it from its first release.
    Inherited {
        /// The earlier line's entry.
        from: String,
        /// The line's first release.
        release: String,
    },
    /// The list does not claim the line has it.
    Absent,
}

impl SinceClaim {
    /// The release of the line the claim puts the item's first appearance
    /// in; `None` for [`SinceClaim::Absent`].
    pub fn release(&self) -> Option<&str> {
        match self {
            SinceClaim::Listed { release } | SinceClaim::Inherited { release, .. } => Some(release),
            SinceClaim::Absent => None,
        }
    }
}

impl fmt::Display for SinceClaim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SinceClaim::Listed { release } => f.write_str(release),
            SinceClaim::Inherited { from, release } => {
                write!(f, "{release} (inherited from {from})")
            }
            SinceClaim::Absent => f.write_str("not on this line"),
        }
    }
}

/// What a `since` list claims for line `major`.
pub fn claim_for_line(list: &[String], major: u32, table: &ReleaseTable) -> SinceClaim {
    let entries: Vec<(Version, &String)> = list
        .iter()
        .filter_map(|tag| tag.parse().ok().map(|v: Version| (v, tag)))
        .collect();
    if let Some((_, tag)) = entries
        .iter()
        .filter(|(v, _)| v.major == major)
        .min_by_key(|(v, _)| *v)
    {
        return SinceClaim::Listed {
            release: (*tag).clone(),
        };
    }
    let Some(line_start) = table.line(major).first() else {
        return SinceClaim::Absent;
    };
    let oldest_line = table.majors().first().copied().unwrap_or(0);
    let inherited = entries
        .iter()
        .filter(|(v, _)| v.major < major)
        .filter(|(v, tag)| {
            v.major < oldest_line
                || table
                    .get(tag)
                    .is_some_and(|entry| entry.date <= line_start.date)
        })
        .max_by_key(|(v, _)| *v);
    match inherited {
        Some((_, tag)) => SinceClaim::Inherited {
            from: (*tag).clone(),
            release: line_start.tag.clone(),
        },
        None => SinceClaim::Absent,
    }
}

/// A line where a `since` list and the release snapshots disagree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SinceDisagreement {
    /// The resource or operation.
    pub subject: Subject,
    /// The release line.
    pub major: u32,
    /// Source: the spec's own `since` list.
    pub since: SinceClaim,
    /// Source: the release snapshots — the first release of the line that
    /// has it; `None` if none does.
    pub snapshots: Option<String>,
    /// The `since` list as written.
    pub since_list: Vec<String>,
    /// The newest snapshot that carries that list.
    pub carried_by: String,
}

impl fmt::Display for SinceDisagreement {
    /// `events.claimChannel, line 20: release snapshots first carry it in
    /// 20.20.0; its since list [20.17.0, 22.7.0, 23.1.0] (as of 23.4.0) says 20.17.0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, line {}: ", self.subject, self.major)?;
        match &self.snapshots {
            Some(release) => write!(f, "release snapshots first carry it in {release}")?,
            None => f.write_str("no release snapshot of the line carries it")?,
        }
        write!(
            f,
            "; its since list [{}] (as of {}) says {}",
            self.since_list.join(", "),
            self.carried_by,
            self.since
        )
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn table() -> ReleaseTable {
        let text = "tag\tdate\tapi_version\tsnapshot\n\
            13.0.0\t2014-10-24\t1\t13.0.0\n\
            13.26.0\t2019-03-28\t1\t13.26.0\n\
            14.0.0\t2016-09-23\t1\t14.0.0\n\
            16.0.0\t2018-10-05\t1\t16.0.0\n\
            16.3.0\t2019-03-28\t1\t16.3.0\n\
            17.0.0\t2019-10-25\t1\t17.0.0\n";
        ReleaseTable::parse(text, Path::new("releases.tsv")).unwrap()
    }

    fn list(entries: &[&str]) -> Vec<String> {
        entries.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_listed_entry_wins() {
        let claim = claim_for_line(&list(&["13.26.0", "16.3.0"]), 16, &table());
        assert_eq!(
            claim,
            SinceClaim::Listed {
                release: "16.3.0".into()
            }
        );
    }

    #[test]
    fn older_lines_are_inherited_only_if_released_before_the_branch() {
        let moved = list(&["13.26.0", "16.3.0"]);
        // 13.26.0 came out after 14.0.0: a backport 14 never got.
        assert_eq!(claim_for_line(&moved, 14, &table()), SinceClaim::Absent);
        // 16.3.0 came out before 17.0.0: 17 branched with it.
        assert_eq!(
            claim_for_line(&moved, 17, &table()),
            SinceClaim::Inherited {
                from: "16.3.0".into(),
                release: "17.0.0".into()
            }
        );
    }

    #[test]
    fn asterisk_12_predates_every_line() {
        let claim = claim_for_line(&list(&["12.0.0"]), 13, &table());
        assert_eq!(claim.release(), Some("13.0.0"));
        assert_eq!(claim.to_string(), "13.0.0 (inherited from 12.0.0)");
        assert_eq!(
            claim_for_line(&list(&["12.0.0"]), 17, &table()).release(),
            Some("17.0.0")
        );
        // A line the table does not know is claimed by nothing.
        assert_eq!(
            claim_for_line(&list(&["12.0.0"]), 30, &table()),
            SinceClaim::Absent
        );
        // Entries that are not release numbers are ignored.
        assert_eq!(
            claim_for_line(&list(&["soon"]), 13, &table()),
            SinceClaim::Absent
        );
    }
}
