//! When each piece of ARI appeared, per Asterisk release line, computed from
//! the release snapshots of `history/`.
//!
//! Every release of `history/releases.tsv` maps to the snapshot holding its
//! api-docs. Walking a line's releases in version order (`13.2.0 < 13.10.0`),
//! an item is present in a release when that release's snapshot has it. The
//! history is not monotonic (14 dropped operations 13 had, 19 dropped
//! `refer`, `claimChannel` reached three lines late and never the 21 line), so
//! each line gets a list of [`Interval`]s, not one date.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::Serialize;

use crate::api::Api;
use crate::error::SpecError;
use crate::item::ItemKey;
use crate::releases::{Release, ReleaseTable};
use crate::since::{self, SinceDisagreement, SinceList};
use crate::source::SpecDir;

/// What a history entry is about: a whole resource (what a declaration's own
/// `since` list dates) or one item.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// A resource (`events`), present while its declaration is listed.
    Resource(String),
    /// An operation, parameter, model, event, field or allowable value.
    Item(ItemKey),
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Resource(name) => write!(f, "resource {name}"),
            Subject::Item(key) => key.fmt(f),
        }
    }
}

/// A stretch of releases of one line that have an item: from `appeared_in`
/// up to, not including, `removed_in`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Interval {
    /// The first release of the stretch.
    pub appeared_in: String,
    /// The first later release of the line without the item; `None` when the
    /// line's newest release still has it.
    pub removed_in: Option<String>,
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.removed_in {
            Some(removed) => write!(f, "[{}, {removed})", self.appeared_in),
            None => write!(f, "[{}, ...]", self.appeared_in),
        }
    }
}

/// Where one item was present, per release line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Timeline {
    /// The intervals of each line that ever had the item, in version order.
    lines: BTreeMap<u32, Vec<Interval>>,
}

impl Timeline {
    /// The intervals of one line (empty if the line never had it).
    pub fn line(&self, major: u32) -> &[Interval] {
        self.lines.get(&major).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Every line that ever had the item, ascending, with its intervals.
    pub fn lines(&self) -> impl Iterator<Item = (u32, &[Interval])> {
        self.lines.iter().map(|(major, v)| (*major, v.as_slice()))
    }

    /// The first release of the line that ever had it.
    pub fn first_appearance(&self, major: u32) -> Option<&str> {
        self.line(major).first().map(|i| i.appeared_in.as_str())
    }

    /// The start of the interval that reaches the line's newest release:
    /// what a user of that release reads as "available since". `None` when
    /// the newest release of the line lacks it.
    pub fn available_since(&self, major: u32) -> Option<&str> {
        self.line(major)
            .last()
            .filter(|i| i.removed_in.is_none())
            .map(|i| i.appeared_in.as_str())
    }
}

/// The release history of every item of every snapshot.
///
/// ```
/// # use std::path::Path;
/// use ari_spec::{History, ItemKey, SpecDir};
///
/// # let spec_dir = SpecDir::locate(None, Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")));
/// // spec_dir: SpecDir::locate(None, workspace_root)
/// let history = History::load(&spec_dir)?;
/// let claim = ItemKey::operation("events", "claimChannel");
/// assert_eq!(history.first_release(20, &claim), Some("20.20.0"));
/// assert_eq!(history.first_release(21, &claim), None);
/// for disagreement in history.since_disagreements() {
///     println!("{disagreement}");
/// }
/// # Ok::<(), ari_spec::SpecError>(())
/// ```
#[derive(Debug, Clone)]
pub struct History {
    table: ReleaseTable,
    items: HashMap<ItemKey, Timeline>,
    resources: HashMap<String, Timeline>,
    since: BTreeMap<Subject, Vec<SinceList>>,
}

/// What one snapshot contributes, read once.
struct SnapshotContents {
    items: Vec<ItemKey>,
    resources: Vec<String>,
    since: Vec<(Subject, Vec<String>)>,
}

impl SnapshotContents {
    fn read(api: &Api) -> SnapshotContents {
        let mut since = Vec::new();
        for resource in &api.resources {
            if let Some(list) = &resource.declaration.since {
                since.push((Subject::Resource(resource.name.clone()), list.clone()));
            }
        }
        for op in api.operations() {
            if let Some(list) = &op.operation.since {
                let key = ItemKey::operation(&op.resource.name, &op.operation.nickname);
                since.push((Subject::Item(key), list.clone()));
            }
        }
        SnapshotContents {
            items: ItemKey::all_in(api),
            resources: api.resources.iter().map(|r| r.name.clone()).collect(),
            since,
        }
    }
}

/// Which snapshots (by index) have a thing.
#[derive(Debug, Clone)]
struct SnapshotSet(Vec<u64>);

impl SnapshotSet {
    fn new(len: usize) -> SnapshotSet {
        SnapshotSet(vec![0; len.div_ceil(64)])
    }

    fn insert(&mut self, index: usize) {
        self.0[index / 64] |= 1 << (index % 64);
    }

    fn contains(&self, index: usize) -> bool {
        self.0[index / 64] & (1 << (index % 64)) != 0
    }
}

impl History {
    /// Reads `history/releases.tsv` and every snapshot it names (each once,
    /// on as many threads as there are cores, up to four).
    pub fn load(spec_dir: &SpecDir) -> Result<History, SpecError> {
        let table = spec_dir.release_table()?;
        let snapshots: Vec<String> = table.snapshots().into_iter().map(String::from).collect();
        let contents = load_snapshots(spec_dir, &snapshots)?;
        Ok(History::from_contents(table, &snapshots, contents))
    }

    fn from_contents(
        table: ReleaseTable,
        snapshots: &[String],
        contents: Vec<SnapshotContents>,
    ) -> History {
        let count = snapshots.len();
        let mut item_sets: HashMap<ItemKey, SnapshotSet> = HashMap::new();
        let mut resource_sets: HashMap<String, SnapshotSet> = HashMap::new();
        let mut since: BTreeMap<Subject, Vec<SinceList>> = BTreeMap::new();
        // Snapshots come in release order, so each list's carriers do too.
        for (index, snapshot) in contents.into_iter().enumerate() {
            for key in snapshot.items {
                item_sets
                    .entry(key)
                    .or_insert_with(|| SnapshotSet::new(count))
                    .insert(index);
            }
            for name in snapshot.resources {
                resource_sets
                    .entry(name)
                    .or_insert_with(|| SnapshotSet::new(count))
                    .insert(index);
            }
            for (subject, releases) in snapshot.since {
                let lists = since.entry(subject).or_default();
                let carrier = snapshots[index].clone();
                match lists.iter_mut().find(|l| l.releases == releases) {
                    Some(list) => list.carried_by.push(carrier),
                    None => lists.push(SinceList {
                        releases,
                        carried_by: vec![carrier],
                    }),
                }
            }
        }
        // Each line's releases with the index of their snapshot.
        let index_of: HashMap<&str, usize> = snapshots
            .iter()
            .enumerate()
            .map(|(i, s)| (s.as_str(), i))
            .collect();
        let lines: Vec<(u32, Vec<(&Release, usize)>)> = table
            .majors()
            .into_iter()
            .map(|major| {
                let releases = table
                    .line(major)
                    .iter()
                    .filter_map(|r| index_of.get(r.snapshot.as_str()).map(|i| (r, *i)))
                    .collect();
                (major, releases)
            })
            .collect();
        let timeline = |set: &SnapshotSet| timeline_of(set, &lines);
        let items = item_sets
            .into_iter()
            .map(|(k, s)| (k, timeline(&s)))
            .collect();
        let resources = resource_sets
            .into_iter()
            .map(|(k, s)| (k, timeline(&s)))
            .collect();
        History {
            table,
            items,
            resources,
            since,
        }
    }

    /// Every release, ordered by version number.
    pub fn releases(&self) -> &[Release] {
        self.table.releases()
    }

    /// The release table the history was computed from.
    pub fn release_table(&self) -> &ReleaseTable {
        &self.table
    }

    /// The release lines, ascending.
    pub fn majors(&self) -> Vec<u32> {
        self.table.majors()
    }

    /// The first release of that major line that has the item, in its
    /// current continuous presence that reaches the line's newest release:
    /// what a user of the newest release of that line should read as
    /// "available since". `None` if that newest release lacks it.
    pub fn first_release(&self, major: u32, key: &ItemKey) -> Option<&str> {
        self.items.get(key)?.available_since(major)
    }

    /// Where the item was present, per line; `None` if no snapshot has it.
    pub fn timeline(&self, key: &ItemKey) -> Option<&Timeline> {
        self.items.get(key)
    }

    /// Where a resource (a declaration of the listing) was present.
    pub fn resource_timeline(&self, resource: &str) -> Option<&Timeline> {
        self.resources.get(resource)
    }

    /// The timeline of a subject, resource or item.
    pub fn subject_timeline(&self, subject: &Subject) -> Option<&Timeline> {
        match subject {
            Subject::Resource(name) => self.resource_timeline(name),
            Subject::Item(key) => self.timeline(key),
        }
    }

    /// Whether one release (any tag of the table) has the item.
    pub fn is_in(&self, key: &ItemKey, tag: &str) -> bool {
        let (Some(timeline), Some(release)) = (self.items.get(key), self.table.get(tag)) else {
            return false;
        };
        let version_of = |tag: &str| self.table.get(tag).map(|r| r.version);
        timeline.line(release.major()).iter().any(|interval| {
            let started = version_of(&interval.appeared_in).is_some_and(|v| v <= release.version);
            let not_ended = match &interval.removed_in {
                None => true,
                Some(end) => version_of(end).is_some_and(|v| release.version < v),
            };
            started && not_ended
        })
    }

    /// Every item some snapshot has, in no particular order.
    pub fn keys(&self) -> impl Iterator<Item = &ItemKey> {
        self.items.keys()
    }

    /// Finds the item a user means: `ItemKey`'s display forms, with a bare
    /// name or a `Model.field` resolved against what the history holds
    /// (`StasisStart` is an event, `Channel` a model, `channels.originate` an
    /// operation, `Channel.state` a field).
    pub fn find(&self, text: &str) -> Option<ItemKey> {
        candidates(text)
            .into_iter()
            .find(|key| self.items.contains_key(key))
    }

    /// The `since` lists the spec itself gives for a subject (usually one;
    /// several if snapshots disagree), with the snapshots that carry each.
    pub fn since_lists(&self, subject: &Subject) -> &[SinceList] {
        self.since.get(subject).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Every subject that carries a `since` list somewhere.
    pub fn since_subjects(&self) -> impl Iterator<Item = &Subject> {
        self.since.keys()
    }

    /// Every disagreement between the spec's own `since` lists and the
    /// release snapshots, line by line (see [`crate::since`] for the rule).
    pub fn since_disagreements(&self) -> Vec<SinceDisagreement> {
        let mut out = Vec::new();
        for (subject, lists) in &self.since {
            let timeline = self.subject_timeline(subject);
            for list in lists {
                for major in self.table.majors() {
                    let claim = since::claim_for_line(&list.releases, major, &self.table);
                    let observed = timeline.and_then(|t| t.first_appearance(major));
                    if claim.release() != observed {
                        out.push(SinceDisagreement {
                            subject: subject.clone(),
                            major,
                            since: claim,
                            snapshots: observed.map(String::from),
                            since_list: list.releases.clone(),
                            carried_by: list.newest_carrier().to_string(),
                        });
                    }
                }
            }
        }
        out
    }
}

/// The intervals of each line for one item.
fn timeline_of(set: &SnapshotSet, lines: &[(u32, Vec<(&Release, usize)>)]) -> Timeline {
    let mut out = BTreeMap::new();
    for (major, releases) in lines {
        let mut intervals: Vec<Interval> = Vec::new();
        let mut open = false;
        for (release, snapshot) in releases {
            let present = set.contains(*snapshot);
            if present && !open {
                intervals.push(Interval {
                    appeared_in: release.tag.clone(),
                    removed_in: None,
                });
            } else if !present && open {
                if let Some(last) = intervals.last_mut() {
                    last.removed_in = Some(release.tag.clone());
                }
            }
            open = present;
        }
        if !intervals.is_empty() {
            out.insert(*major, intervals);
        }
    }
    Timeline { lines: out }
}

/// Loads and reads every snapshot, spreading the work over a few threads.
fn load_snapshots(
    spec_dir: &SpecDir,
    snapshots: &[String],
) -> Result<Vec<SnapshotContents>, SpecError> {
    let workers = std::thread::available_parallelism()
        .map(usize::from)
        .unwrap_or(1)
        .clamp(1, 4);
    let chunk = snapshots.len().div_ceil(workers).max(1);
    let read = |names: &[String]| -> Result<Vec<SnapshotContents>, SpecError> {
        names
            .iter()
            .map(|name| {
                let spec = spec_dir.load_snapshot(name)?;
                Ok(SnapshotContents::read(&Api::merge(&spec)))
            })
            .collect()
    };
    std::thread::scope(|scope| {
        let handles: Vec<_> = snapshots
            .chunks(chunk)
            .map(|names| scope.spawn(move || read(names)))
            .collect();
        let mut out = Vec::with_capacity(snapshots.len());
        for handle in handles {
            let part = handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
            out.extend(part);
        }
        Ok(out)
    })
}

/// The keys a piece of text may mean, most likely first.
fn candidates(text: &str) -> Vec<ItemKey> {
    let text = text.trim();
    if let Some((owner, value)) = text.split_once('=') {
        let value = value.trim();
        return candidates(owner)
            .into_iter()
            .filter(|o| matches!(o, ItemKey::Parameter { .. } | ItemKey::Field { .. }))
            .map(|owner| ItemKey::allowable_value(owner, value))
            .collect();
    }
    if let Some(name) = text.strip_prefix("event ") {
        return vec![ItemKey::event(name.trim())];
    }
    if let Some(name) = text.strip_prefix("model ") {
        return vec![ItemKey::model(name.trim())];
    }
    if let Some((head, rest)) = text.split_once('(') {
        return match head.split_once('.') {
            Some((resource, nickname)) => {
                vec![ItemKey::parameter(
                    resource,
                    nickname,
                    rest.trim_end_matches(')'),
                )]
            }
            None => Vec::new(),
        };
    }
    if let Some((left, right)) = text.split_once('.') {
        return vec![ItemKey::operation(left, right), ItemKey::field(left, right)];
    }
    vec![ItemKey::event(text), ItemKey::model(text)]
}
