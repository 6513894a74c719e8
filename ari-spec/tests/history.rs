//! The release history against facts read off the files by hand (with a
//! few lines of Python over `history/`), and on small made-up histories.

mod support;

use std::collections::BTreeMap;

use ari_spec::{Api, History, ItemKey, SinceClaim, SpecDir, SpecError, Subject, Version, MAJORS};
use serde_json::json;
use support::{declaration, history, spec_dir, write_spec};

/// `first_release` of every line that has the item now.
fn first_releases(key: &ItemKey) -> BTreeMap<u32, &'static str> {
    MAJORS
        .filter_map(|major| history().first_release(major, key).map(|r| (major, r)))
        .collect()
}

fn intervals(key: &ItemKey, major: u32) -> Vec<String> {
    history()
        .timeline(key)
        .map(|t| t.line(major).iter().map(ToString::to_string).collect())
        .unwrap_or_default()
}

#[test]
fn releases_are_ordered_by_version_number_within_a_line() {
    let releases = history().releases();
    assert_eq!(releases.len(), 349);
    assert!(releases.windows(2).all(|w| w[0].version < w[1].version));
    let position = |tag: &str| releases.iter().position(|r| r.tag == tag).unwrap();
    assert!(position("13.2.0") < position("13.10.0"));
    assert!(position("13.9.1") < position("13.10.0"));
    assert_eq!(releases.first().unwrap().tag, "13.0.0");
    assert_eq!(releases.last().unwrap().tag, "23.4.1");
    assert_eq!(history().majors(), MAJORS.collect::<Vec<_>>());
    // Each line's newest release is the one its `<major>/` folder holds.
    for major in MAJORS {
        let newest = history().release_table().line(major).last().unwrap();
        let spec = spec_dir().load_major(major).unwrap();
        assert_eq!(spec.release.as_deref(), Some(newest.tag.as_str()));
    }
}

#[test]
fn claim_channel_reached_three_lines_late_and_never_the_21_line() {
    let claim = ItemKey::operation("events", "claimChannel");
    assert_eq!(
        first_releases(&claim),
        BTreeMap::from([(20, "20.20.0"), (22, "22.10.0"), (23, "23.4.0")])
    );
    assert!(history().timeline(&claim).unwrap().line(21).is_empty());
    assert_eq!(intervals(&claim, 20), ["[20.20.0, ...]"]);
    assert!(history().is_in(&claim, "20.20.1"));
    assert!(!history().is_in(&claim, "20.19.0"));
    assert!(!history().is_in(&claim, "21.12.3"));
    let vars = ItemKey::operation("channels", "getChannelVars");
    assert_eq!(
        first_releases(&vars),
        BTreeMap::from([(20, "20.20.0"), (22, "22.10.0"), (23, "23.4.0")])
    );
}

#[test]
fn refer_is_in_18_and_20_but_not_in_19() {
    let refer = ItemKey::operation("endpoints", "refer");
    assert_eq!(
        first_releases(&refer),
        BTreeMap::from([
            (18, "18.20.0"),
            (20, "20.5.0"),
            (21, "21.0.0"),
            (22, "22.0.0"),
            (23, "23.0.0")
        ])
    );
    assert!(history().timeline(&refer).unwrap().line(19).is_empty());
    assert!(history().is_in(&refer, "18.26.4"));
    assert!(!history().is_in(&refer, "19.8.1"));
}

#[test]
fn fourteen_dropped_what_late_13_had_and_sixteen_brought_it_back() {
    let moved = ItemKey::operation("channels", "move");
    assert_eq!(intervals(&moved, 13), ["[13.26.0, ...]"]);
    assert!(intervals(&moved, 14).is_empty());
    assert!(intervals(&moved, 15).is_empty());
    assert_eq!(intervals(&moved, 16), ["[16.3.0, ...]"]);
    assert_eq!(history().first_release(17, &moved), Some("17.0.0"));
    let video = ItemKey::operation("bridges", "setVideoSource");
    assert_eq!(history().first_release(13, &video), Some("13.13.0"));
    assert_eq!(history().first_release(14, &video), Some("14.2.0"));
    assert_eq!(history().first_release(16, &video), Some("16.0.0"));
}

#[test]
fn removals_within_a_line_are_intervals_with_an_end() {
    // 13.0.0 and 13.1.x called it create_or_update_with_id; 13.2.0 renamed it.
    let old_name = ItemKey::operation("bridges", "create_or_update_with_id");
    assert_eq!(intervals(&old_name, 13), ["[13.0.0, 13.2.0)"]);
    assert_eq!(history().first_release(13, &old_name), None);
    assert_eq!(
        history().timeline(&old_name).unwrap().first_appearance(13),
        Some("13.0.0")
    );
    assert!(history().is_in(&old_name, "13.1.1"));
    assert!(!history().is_in(&old_name, "13.2.0"));
    let variable = ItemKey::model("TextMessageVariable");
    assert_eq!(intervals(&variable, 13), ["[13.0.0, 13.32.0)"]);
    assert_eq!(intervals(&variable, 16), ["[16.0.0, 16.9.0)"]);
    assert_eq!(intervals(&variable, 17), ["[17.0.0, 17.3.0)"]);
    assert_eq!(
        intervals(&ItemKey::model("ExternalMedia"), 16),
        ["[16.6.0, 16.7.0)"]
    );
}

#[test]
fn events_fields_and_values_have_histories_too() {
    let cases: [(ItemKey, &[(u32, &str)]); 5] = [
        (
            ItemKey::event("ApplicationRegistered"),
            &[
                (20, "20.15.0"),
                (21, "21.10.0"),
                (22, "22.5.0"),
                (23, "23.0.0"),
            ],
        ),
        (
            ItemKey::event("ChannelTransfer"),
            &[
                (20, "20.13.0"),
                (21, "21.8.0"),
                (22, "22.3.0"),
                (23, "23.0.0"),
            ],
        ),
        (
            ItemKey::event("RESTResponse"),
            &[
                (20, "20.14.0"),
                (21, "21.9.0"),
                (22, "22.4.0"),
                (23, "23.0.0"),
            ],
        ),
        (
            ItemKey::field("Channel", "tenantid"),
            &[
                (18, "18.25.0"),
                (20, "20.10.0"),
                (21, "21.5.0"),
                (22, "22.0.0"),
                (23, "23.0.0"),
            ],
        ),
        (
            ItemKey::allowable_value(
                ItemKey::parameter("channels", "externalMedia", "transport"),
                "websocket",
            ),
            &[
                (20, "20.16.0"),
                (21, "21.11.0"),
                (22, "22.6.0"),
                (23, "23.0.0"),
            ],
        ),
    ];
    for (key, expected) in cases {
        assert_eq!(
            first_releases(&key),
            expected.iter().copied().collect(),
            "{key}"
        );
    }
    let up = ItemKey::allowable_value(ItemKey::field("Channel", "state"), "Up");
    assert_eq!(first_releases(&up).len(), 11);
    assert_eq!(history().first_release(13, &up), Some("13.0.0"));
}

#[test]
fn the_newest_release_of_each_line_has_exactly_what_its_major_folder_has() {
    for major in MAJORS {
        let api = Api::merge(&spec_dir().load_major(major).unwrap());
        let mut in_major: Vec<ItemKey> = ItemKey::all_in(&api);
        in_major.sort();
        in_major.dedup();
        let mut available: Vec<ItemKey> = history()
            .keys()
            .filter(|k| history().first_release(major, k).is_some())
            .cloned()
            .collect();
        available.sort();
        assert_eq!(available, in_major, "line {major}");
    }
    assert_eq!(
        ItemKey::all_in(&Api::merge(&spec_dir().load_major(23).unwrap())).len(),
        876,
        "109 operations, 275 parameters, 40 models, 45 events, 291 fields, 116 values"
    );
}

#[test]
fn since_lists_are_read_as_written() {
    let claim = Subject::Item(ItemKey::operation("events", "claimChannel"));
    let lists = history().since_lists(&claim);
    assert_eq!(lists.len(), 1);
    assert_eq!(lists[0].releases, ["20.17.0", "22.7.0", "23.1.0"]);
    assert_eq!(lists[0].carried_by, ["20.20.0", "22.10.0", "23.4.0"]);
    // Only snapshots from 20.13.0 / 21.8.0 / 22.3.0 on carry `since` lists.
    let events = history().since_lists(&Subject::Resource("events".into()));
    assert_eq!(events[0].releases, ["12.0.0"]);
    assert_eq!(
        events[0].carried_by.first().map(String::as_str),
        Some("20.13.0")
    );
    assert!(history()
        .since_lists(&Subject::Item(ItemKey::model("Channel")))
        .is_empty());
    // 11 declarations and 109 operations carry one, each the same list in
    // every snapshot that carries it.
    let subjects: Vec<&Subject> = history().since_subjects().collect();
    let resources = subjects
        .iter()
        .filter(|s| matches!(s, Subject::Resource(_)))
        .count();
    assert_eq!((resources, subjects.len() - resources), (11, 109));
    assert!(subjects.iter().all(|s| history().since_lists(s).len() == 1));
}

/// Every disagreement between the spec's `since` lists and the release
/// snapshots; the crate docs list the same ones.
#[test]
fn since_disagreements_are_exactly_the_known_ones() {
    let found: Vec<(String, u32, Option<String>, Option<String>)> = history()
        .since_disagreements()
        .into_iter()
        .map(|d| {
            (
                d.subject.to_string(),
                d.major,
                d.since.release().map(String::from),
                d.snapshots,
            )
        })
        .collect();
    let s = |x: &str| Some(x.to_string());
    assert_eq!(
        found,
        [
            (
                "bridges.createWithId".to_string(),
                13,
                s("13.0.0"),
                s("13.2.0")
            ),
            (
                "events.claimChannel".to_string(),
                20,
                s("20.17.0"),
                s("20.20.0")
            ),
            (
                "events.claimChannel".to_string(),
                22,
                s("22.7.0"),
                s("22.10.0")
            ),
            (
                "events.claimChannel".to_string(),
                23,
                s("23.1.0"),
                s("23.4.0")
            ),
        ]
    );
    let all = history().since_disagreements();
    assert_eq!(
        all[0].since,
        SinceClaim::Inherited {
            from: "12.2.0".into(),
            release: "13.0.0".into()
        }
    );
    assert_eq!(
        all[1].to_string(),
        "events.claimChannel, line 20: release snapshots first carry it in 20.20.0; \
         its since list [20.17.0, 22.7.0, 23.1.0] (as of 23.4.0) says 20.17.0"
    );
}

#[test]
fn find_resolves_what_people_type() {
    let h = history();
    assert_eq!(
        h.find("events.claimChannel"),
        Some(ItemKey::operation("events", "claimChannel"))
    );
    assert_eq!(h.find("StasisStart"), Some(ItemKey::event("StasisStart")));
    assert_eq!(h.find("Channel"), Some(ItemKey::model("Channel")));
    assert_eq!(h.find("model Channel"), Some(ItemKey::model("Channel")));
    assert_eq!(
        h.find("Channel.state"),
        Some(ItemKey::field("Channel", "state"))
    );
    assert_eq!(
        h.find("Channel.state = Up"),
        Some(ItemKey::allowable_value(
            ItemKey::field("Channel", "state"),
            "Up"
        ))
    );
    assert_eq!(
        h.find("channels.originate(endpoint)"),
        Some(ItemKey::parameter("channels", "originate", "endpoint"))
    );
    assert_eq!(h.find("channels.noSuchThing"), None);
    assert_eq!(h.find("Channel.state = Flying"), None);
}

/// A made-up line 1 whose releases sort differently as text and as numbers,
/// with an item removed and added back.
fn made_up_history() -> (tempfile::TempDir, History) {
    let root = tempfile::tempdir().unwrap();
    let history_dir = root.path().join("history");
    let with_ping = declaration(
        "asterisk",
        json!([{"path": "/asterisk/ping", "operations": [
            {"httpMethod": "GET", "summary": "Ping", "nickname": "ping", "responseClass": "void"}
        ]}]),
        json!({}),
    );
    let without_ping = declaration("asterisk", json!([]), json!({}));
    write_spec(
        &history_dir.join("1.2.0"),
        &[("asterisk", with_ping.clone())],
    );
    write_spec(&history_dir.join("1.3.0"), &[("asterisk", without_ping)]);
    write_spec(&history_dir.join("1.10.0"), &[("asterisk", with_ping)]);
    std::fs::write(
        history_dir.join("releases.tsv"),
        "tag\tdate\tapi_version\tsnapshot\n\
         1.10.0\t2020-03-01\t1.0.0\t1.10.0\n\
         1.2.0\t2020-01-01\t1.0.0\t1.2.0\n\
         1.2.1\t2020-01-15\t1.0.0\t1.2.0\n\
         1.3.0\t2020-02-01\t1.0.0\t1.3.0\n\
         1.10.1\t2020-04-01\t1.0.0\t1.10.0\n",
    )
    .unwrap();
    let history = History::load(&SpecDir::new(root.path())).unwrap();
    (root, history)
}

#[test]
fn a_removed_and_readded_item_has_two_intervals_in_version_order() {
    let (_root, history) = made_up_history();
    let ping = ItemKey::operation("asterisk", "ping");
    let timeline = history.timeline(&ping).unwrap();
    let line: Vec<String> = timeline.line(1).iter().map(ToString::to_string).collect();
    assert_eq!(line, ["[1.2.0, 1.3.0)", "[1.10.0, ...]"]);
    // What a user of 1.10.1 reads: available since 1.10.0, not 1.2.0.
    assert_eq!(history.first_release(1, &ping), Some("1.10.0"));
    assert_eq!(timeline.first_appearance(1), Some("1.2.0"));
    let tags: Vec<&str> = history.releases().iter().map(|r| r.tag.as_str()).collect();
    assert_eq!(tags, ["1.2.0", "1.2.1", "1.3.0", "1.10.0", "1.10.1"]);
    assert!(history.is_in(&ping, "1.2.1"));
    assert!(!history.is_in(&ping, "1.3.0"));
    assert!(history.is_in(&ping, "1.10.1"));
    assert!(
        !history.is_in(&ping, "1.4.0"),
        "a release the table does not know"
    );
    assert_eq!(history.first_release(2, &ping), None);
    let resource = history.resource_timeline("asterisk").unwrap();
    assert_eq!(resource.available_since(1), Some("1.2.0"));
    assert!("1.2.0".parse::<Version>().unwrap() < "1.10.0".parse().unwrap());
}

#[test]
fn a_missing_snapshot_or_a_bad_table_is_a_typed_error() {
    let root = tempfile::tempdir().unwrap();
    let history_dir = root.path().join("history");
    std::fs::create_dir_all(&history_dir).unwrap();
    // No releases.tsv at all.
    assert!(matches!(
        History::load(&SpecDir::new(root.path())),
        Err(SpecError::Io { .. })
    ));
    // A table naming a snapshot that is not there.
    std::fs::write(
        history_dir.join("releases.tsv"),
        "tag\tdate\tapi_version\tsnapshot\n1.0.0\t2020-01-01\t1.0.0\t1.0.0\n",
    )
    .unwrap();
    match History::load(&SpecDir::new(root.path())) {
        Err(SpecError::Io { path, .. }) => assert_eq!(path, history_dir.join("1.0.0")),
        other => panic!("{other:?}"),
    }
    // A table that is not one.
    std::fs::write(history_dir.join("releases.tsv"), "tag\tdate\n1.0.0\n").unwrap();
    assert!(matches!(
        History::load(&SpecDir::new(root.path())),
        Err(SpecError::ReleaseTable { line: 1, .. })
    ));
}

#[test]
fn any_release_loads_from_its_snapshot() {
    let spec = spec_dir().load_release("20.17.0").unwrap();
    assert_eq!(spec.release.as_deref(), Some("20.17.0"));
    let api = Api::merge(&spec);
    assert!(
        api.operation("events", "claimChannel").is_none(),
        "20.17.0 shipped without it"
    );
    assert!(api.operation("channels", "progress").is_some());
    // 13.7.0 has no snapshot of its own: it shipped 13.6.0's files.
    assert_eq!(
        Api::merge(&spec_dir().load_release("13.7.0").unwrap()).resources,
        Api::merge(&spec_dir().load_snapshot("13.6.0").unwrap()).resources
    );
    for bad in ["20.99.0", "not-a-release"] {
        assert!(
            matches!(spec_dir().load_release(bad), Err(SpecError::UnknownRelease(r)) if r == bad)
        );
    }
    assert!(matches!(
        spec_dir().load_snapshot("../20"),
        Err(SpecError::UnknownRelease(_))
    ));
}
