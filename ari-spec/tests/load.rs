//! Loading every published spec, and what the merged `Api` holds.

mod support;

use ari_spec::{Api, SpecSource, MAJORS};
use support::{snapshots, spec_dir};

#[test]
fn every_major_loads_and_merges() {
    for major in MAJORS {
        let spec = spec_dir().load_major(major).unwrap();
        let release = spec.release.clone().expect("RELEASE file");
        assert!(release.starts_with(&format!("{major}.")), "{release}");
        let api = Api::merge(&spec);
        assert!(api.operation("channels", "originate").is_some());
        assert!(api.events().iter().any(|e| e.id == "StasisStart"));
        assert!(!api
            .events()
            .iter()
            .any(|e| e.id == "Event" || e.id == "MissingParams"));
    }
}

#[test]
fn every_snapshot_loads() {
    let all = snapshots();
    assert_eq!(all.len(), 74);
    for dir in all {
        let spec = SpecSource::Dir(dir.clone()).load().unwrap();
        assert!(!spec.declarations.is_empty(), "{}", dir.display());
    }
}

#[test]
fn facts_read_from_the_files() {
    // Read off the files by hand: 20 has claimChannel and refer; 19 has
    // neither; 14 has no `move`.
    let api = |m| Api::merge(&spec_dir().load_major(m).unwrap());
    let (v14, v19, v20) = (api(14), api(19), api(20));
    assert!(v20.operation("events", "claimChannel").is_some());
    assert!(v19.operation("events", "claimChannel").is_none());
    assert!(v20.operation("endpoints", "refer").is_some());
    assert!(v19.operation("endpoints", "refer").is_none());
    assert!(v14.operation("channels", "move").is_none());
    assert!(v20.operation("channels", "move").is_some());
    let ancestors: Vec<_> = v20
        .ancestors("StasisStart")
        .iter()
        .map(|m| m.id.clone())
        .collect();
    assert_eq!(ancestors, ["Event", "Message"]);
}

#[test]
fn looping_subtypes_do_not_hang_the_merged_api() {
    let dir = tempfile::tempdir().unwrap();
    support::write_spec(
        dir.path(),
        &[(
            "loops",
            support::declaration(
                "loops",
                serde_json::json!([]),
                serde_json::json!({
                    "Event": {"id": "Event", "subTypes": ["A"], "properties": {}},
                    "A": {"id": "A", "subTypes": ["B"], "properties": {}},
                    "B": {"id": "B", "subTypes": ["A", "Event"], "properties": {}}
                }),
            ),
        )],
    );
    let api = Api::merge(&SpecSource::Dir(dir.path().to_path_buf()).load().unwrap());
    let events: Vec<&str> = api.events().iter().map(|m| m.id.as_str()).collect();
    assert_eq!(events, ["A", "B"]);
    // (The file lists A, B, Event: serde_json writes keys sorted.)
    let ancestors: Vec<&str> = api.ancestors("A").iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ancestors, ["B", "A"], "up the chain until it closes");
    assert_eq!(ari_spec::ItemKey::all_in(&api).len(), 3);
}
