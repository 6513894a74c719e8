//! Validation: the exact findings on Asterisk's published files (every
//! major and every snapshot), and every check on made-up broken specs.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use ari_spec::{validate, Check, Diagnostic, Severity, Spec, SpecSource, Version, MAJORS};
use serde_json::json;
use support::{declaration, snapshots, spec_dir, write_spec};

/// A finding without the release it was found in.
type Finding = (Severity, Check, String, String);

fn finding(d: &Diagnostic) -> Finding {
    (
        d.severity,
        d.check,
        d.location.to_string(),
        d.message.clone(),
    )
}

fn snapshot_names() -> Vec<String> {
    let mut names: Vec<String> = snapshots()
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort_by_key(|n| n.parse::<Version>().unwrap());
    names
}

/// The snapshots from `first` to `last` inclusive, by version number.
fn span(first: &str, last: &str) -> BTreeSet<String> {
    let (first, last): (Version, Version) = (first.parse().unwrap(), last.parse().unwrap());
    snapshot_names()
        .into_iter()
        .filter(|n| (first..=last).contains(&n.parse().unwrap()))
        .collect()
}

fn warning(check: Check, location: &str, message: &str) -> Finding {
    (
        Severity::Warning,
        check,
        location.to_string(),
        message.to_string(),
    )
}

/// What the crate docs list under "Known inconsistencies in Asterisk's
/// api-docs", finding by finding, with the snapshots that have it.
fn documented_findings(specs: &BTreeMap<String, Spec>) -> BTreeMap<Finding, BTreeSet<String>> {
    let all = span("13.0.0", "23.4.0");
    let path_param = |path: &str, op: &str, param: &str| {
        warning(
            Check::PathParameterNotRequired,
            &format!("api-docs/endpoints.json, path {path}, operation {op}, parameter {param}"),
            &format!(
                "path parameter `{param}` is not marked required, yet the path cannot omit it"
            ),
        )
    };
    let move_code = |code: &str, reason: &str| {
        warning(
            Check::StatusCodeAsText,
            "api-docs/channels.json, path /channels/{channelId}/move, operation move",
            &format!("error code \"{code}\" ({reason}) is written as a string"),
        )
    };
    let refer_spans: BTreeSet<String> = span("18.20.0", "18.25.0")
        .union(&span("20.5.0", "23.4.0"))
        .cloned()
        .collect();
    let move_spans: BTreeSet<String> = span("13.26.0", "13.38.0")
        .union(&span("16.3.0", "23.4.0"))
        .cloned()
        .collect();
    let mut expected: BTreeMap<Finding, BTreeSet<String>> = BTreeMap::from([
        (
            warning(
                Check::UnknownKey,
                "api-docs/sounds.json, path /sounds, operation list, parameter format",
                "unknown key `__note`",
            ),
            all.clone(),
        ),
        (
            warning(
                Check::UnknownKey,
                "api-docs/endpoints.json, path /endpoints/sendMessage, operation sendMessage, parameter variables",
                "unknown key `descriptioni`",
            ),
            all.clone(),
        ),
        (
            warning(
                Check::UnknownKey,
                "api-docs/endpoints.json, path /endpoints/{tech}/{resource}/sendMessage, \
                 operation sendMessageToEndpoint, parameter variables",
                "unknown key `descriptioni`",
            ),
            all.clone(),
        ),
        (
            warning(
                Check::UnknownKey,
                "api-docs/channels.json, path /channels/{channelId}, operation hangup, parameter reason",
                "unknown key `defalutValue`",
            ),
            span("13.0.0", "16.27.0"),
        ),
        (path_param("/endpoints/{tech}", "listByTech", "tech"), all.clone()),
        (path_param("/endpoints/{tech}/{resource}", "get", "tech"), all.clone()),
        (path_param("/endpoints/{tech}/{resource}", "get", "resource"), all.clone()),
        (
            path_param("/endpoints/{tech}/{resource}/sendMessage", "sendMessageToEndpoint", "tech"),
            all.clone(),
        ),
        (
            path_param("/endpoints/{tech}/{resource}/sendMessage", "sendMessageToEndpoint", "resource"),
            all.clone(),
        ),
        (
            path_param("/endpoints/{tech}/{resource}/refer", "referToEndpoint", "tech"),
            refer_spans.clone(),
        ),
        (
            path_param("/endpoints/{tech}/{resource}/refer", "referToEndpoint", "resource"),
            refer_spans,
        ),
        (move_code("404", "Channel not found"), move_spans.clone()),
        (move_code("409", "Channel not in a Stasis application"), move_spans),
        (
            warning(
                Check::DeclarationMismatch,
                "api-docs/events.json",
                "swaggerVersion is `1.2` but resources.json says `1.1`",
            ),
            all,
        ),
    ]);
    // The declarations' apiVersion lags the listing's: (declarations', listing's).
    let table = spec_dir().release_table().unwrap();
    let mut stale: Vec<(BTreeSet<String>, &str, String)> = vec![
        (span("13.2.0", "13.3.0"), "1.6.0", "1.7.0".into()),
        (span("13.26.0", "13.26.0"), "1.10.0", "1.10.1".into()),
        (span("13.27.0", "13.27.0"), "1.10.0", "1.10.2".into()),
        (span("13.32.0", "13.38.0"), "1.10.0", "1.11.2".into()),
        (span("14.0.0", "14.0.0"), "1.7.0", "1.10.0".into()),
    ];
    // From 15.0.0 on every declaration says 2.0.0 and the listing says the
    // release's ARI version, which releases.tsv gives independently.
    for snapshot in span("15.0.0", "23.4.0") {
        let listed = table.get(&snapshot).unwrap().api_version.clone();
        stale.push((BTreeSet::from([snapshot]), "2.0.0", listed));
    }
    for (snapshots, declared, listed) in stale {
        for snapshot in snapshots {
            for loaded in &specs[&snapshot].declarations {
                let key = warning(
                    Check::DeclarationMismatch,
                    &loaded.file,
                    &format!("apiVersion is `{declared}` but resources.json says `{listed}`"),
                );
                expected.entry(key).or_default().insert(snapshot.clone());
            }
        }
    }
    expected
}

#[test]
fn asterisks_files_have_exactly_the_documented_findings_and_no_errors() {
    let specs: BTreeMap<String, Spec> = snapshot_names()
        .into_iter()
        .map(|name| {
            let spec = spec_dir().load_snapshot(&name).unwrap();
            (name, spec)
        })
        .collect();
    assert_eq!(specs.len(), 74);
    let mut found: BTreeMap<Finding, BTreeSet<String>> = BTreeMap::new();
    for (name, spec) in &specs {
        for diagnostic in validate(spec) {
            assert_eq!(
                diagnostic.severity,
                Severity::Warning,
                "{name}: {diagnostic}"
            );
            found
                .entry(finding(&diagnostic))
                .or_default()
                .insert(name.clone());
        }
    }
    let expected = documented_findings(&specs);
    let missing: Vec<_> = expected
        .iter()
        .filter(|(k, v)| found.get(*k) != Some(v))
        .collect();
    let unexpected: Vec<_> = found
        .iter()
        .filter(|(k, v)| expected.get(*k) != Some(v))
        .collect();
    assert!(
        missing.is_empty() && unexpected.is_empty(),
        "documented but not found as documented: {missing:#?}\nfound but not documented: {unexpected:#?}"
    );
    // Each major folder holds its newest release: the same findings as its snapshot.
    let table = spec_dir().release_table().unwrap();
    for major in MAJORS {
        let spec = spec_dir().load_major(major).unwrap();
        let snapshot = &table
            .get(spec.release.as_deref().unwrap())
            .unwrap()
            .snapshot;
        let of_major: Vec<Finding> = validate(&spec).iter().map(finding).collect();
        let of_snapshot: Vec<Finding> = validate(&specs[snapshot]).iter().map(finding).collect();
        assert_eq!(
            of_major, of_snapshot,
            "major {major} vs snapshot {snapshot}"
        );
    }
}

fn load(declarations: &[(&str, serde_json::Value)]) -> Spec {
    let dir = tempfile::tempdir().unwrap();
    write_spec(dir.path(), declarations);
    SpecSource::Dir(dir.path().to_path_buf()).load().unwrap()
}

fn op(
    nickname: &str,
    method: &str,
    response: &str,
    parameters: serde_json::Value,
) -> serde_json::Value {
    json!({
        "httpMethod": method,
        "summary": "s",
        "nickname": nickname,
        "responseClass": response,
        "parameters": parameters,
    })
}

fn path_param(name: &str) -> serde_json::Value {
    json!({"name": name, "paramType": "path", "required": true, "dataType": "string"})
}

fn clean_things() -> serde_json::Value {
    declaration(
        "things",
        json!([
            {"path": "/things", "operations": [
                op("list", "GET", "List[Thing]", json!([])),
                op("create", "POST", "Thing", json!([
                    {"name": "kind", "paramType": "query", "dataType": "string", "defaultValue": "a",
                     "allowableValues": {"valueType": "LIST", "values": ["a", "b"]}},
                    {"name": "size", "paramType": "query", "dataType": "int", "defaultValue": 3,
                     "allowableValues": {"valueType": "RANGE", "min": 0, "max": 10}},
                    {"name": "tags", "paramType": "query", "dataType": "string", "allowMultiple": true,
                     "defaultValue": "a,b", "allowableValues": {"valueType": "LIST", "values": ["a", "b"]}},
                    {"name": "variables", "paramType": "body", "dataType": "containers"}
                ]))
            ]},
            {"path": "/things/{thingId}", "operations": [
                {"httpMethod": "GET", "summary": "s", "nickname": "get", "responseClass": "Thing",
                 "parameters": [path_param("thingId")],
                 "errorResponses": [{"code": 404, "reason": "Thing not found"}]}
            ]}
        ]),
        json!({
            "Message": {"id": "Message", "discriminator": "type", "subTypes": ["Thing"],
                        "properties": {"type": {"type": "string", "required": true}}},
            "Thing": {"id": "Thing", "properties": {
                "id": {"type": "string", "required": true},
                "when": {"type": "Date"},
                "parts": {"type": "List[Part]"},
                "state": {"type": "string", "allowableValues": {"valueType": "LIST", "values": ["on", "off"]}}
            }},
            "Part": {"id": "Part", "properties": {"n": {"type": "long"}}}
        }),
    )
}

#[test]
fn a_consistent_spec_has_no_findings() {
    let spec = load(&[("things", clean_things())]);
    assert_eq!(validate(&spec), []);
}

#[test]
fn every_check_fires_with_its_place_and_severity() {
    let mut things = clean_things();
    things["apis"].as_array_mut().unwrap().extend([
        json!({"path": "/things/{thingId}/parts/{partId}", "unexpected": 1, "operations": [
            op("getPart", "GET", "Prat", json!([
                path_param("thingId"),
                {"name": "partId", "paramType": "path", "dataType": "string"},
                {"name": "otherId", "paramType": "path", "required": true, "dataType": "string"},
                {"name": "filter", "paramType": "query", "dataType": "List[Thng]"},
                {"name": "filter", "paramType": "query", "dataType": "string"}
            ])),
            op("getPart", "GET", "void", json!([path_param("thingId"), path_param("partId")]))
        ]}),
        json!({"path": "/things/{thingId}/move", "operations": [
            {"httpMethod": "POST", "summary": "s", "nickname": "move", "responseClass": "void",
             "note": "typo'd key",
             "parameters": [
                 {"name": "a", "paramType": "body", "dataType": "object"},
                 {"name": "b", "paramType": "body", "dataType": "object"},
                 {"name": "count", "paramType": "query", "dataType": "int", "defaultValue": "5"},
                 {"name": "mode", "paramType": "query", "dataType": "string", "defaultValue": "c",
                  "allowableValues": {"valueType": "LIST", "values": ["a"], "labels": ["A"]}},
                 {"name": "size", "paramType": "query", "dataType": "int", "defaultValue": 11,
                  "allowableValues": {"valueType": "RANGE", "min": 0, "max": 10}}
             ],
             "errorResponses": [
                 {"code": "404", "reason": "Thing not found"},
                 {"code": "later", "reason": "?"},
                 {"code": 999, "reason": "?", "retry": true}
             ]}
        ]}),
    ]);
    let models = things["models"].as_object_mut().unwrap();
    models.insert("Wrong".into(), json!({"id": "Right", "properties": {}}));
    models.insert(
        "Broken".into(),
        json!({"id": "Broken", "discriminator": "kind", "subTypes": ["Ghost", "Thing"],
               "properties": {"x": {"type": "Bridgee", "default": 1}}, "since": ["1.0.0"]}),
    );
    things["resourcePath"] = json!("/api-docs/stuff.{format}");
    things["x-extra"] = json!(true);
    let others = declaration(
        "others",
        json!([]),
        json!({
            "Part": {"id": "Part", "properties": {"n": {"type": "long"}}},
            "Thing": {"id": "Thing", "properties": {}}
        }),
    );
    let spec = load(&[("things", things), ("others", others)]);
    let found: BTreeSet<(Severity, Check, String)> = validate(&spec)
        .iter()
        .map(|d| (d.severity, d.check, d.location.to_string()))
        .collect();
    let (e, w) = (Severity::Error, Severity::Warning);
    let t = "api-docs/things.json";
    let part = format!("{t}, path /things/{{thingId}}/parts/{{partId}}, operation getPart");
    let mv = format!("{t}, path /things/{{thingId}}/move, operation move");
    let expected: BTreeSet<(Severity, Check, String)> = [
        (w, Check::UnknownKey, t.to_string()),
        (w, Check::DeclarationMismatch, t.to_string()),
        (
            w,
            Check::UnknownKey,
            format!("{t}, path /things/{{thingId}}/parts/{{partId}}"),
        ),
        (e, Check::UnresolvedType, part.clone()),
        (
            w,
            Check::PathParameterNotRequired,
            format!("{part}, parameter partId"),
        ),
        (
            e,
            Check::PathParameterNotInPath,
            format!("{part}, parameter otherId"),
        ),
        (
            e,
            Check::UnresolvedType,
            format!("{part}, parameter filter"),
        ),
        (
            e,
            Check::DuplicateParameter,
            format!("{part}, parameter filter"),
        ),
        (e, Check::DuplicateNickname, part.clone()),
        (e, Check::DuplicateOperation, part),
        (w, Check::UnknownKey, mv.clone()),
        (e, Check::SeveralBodyParameters, mv.clone()),
        (e, Check::PathPlaceholderWithoutParameter, mv.clone()),
        (
            w,
            Check::DefaultValueMismatch,
            format!("{mv}, parameter count"),
        ),
        (
            w,
            Check::DefaultValueMismatch,
            format!("{mv}, parameter mode"),
        ),
        (w, Check::UnknownKey, format!("{mv}, parameter mode")),
        (
            w,
            Check::DefaultValueMismatch,
            format!("{mv}, parameter size"),
        ),
        (w, Check::StatusCodeAsText, mv.clone()),
        (e, Check::InvalidStatusCode, mv),
        (e, Check::ModelIdMismatch, format!("{t}, model Wrong")),
        (e, Check::MissingSubtype, format!("{t}, model Broken")),
        (e, Check::MissingDiscriminator, format!("{t}, model Broken")),
        (w, Check::UnknownKey, format!("{t}, model Broken")),
        (
            e,
            Check::UnresolvedType,
            format!("{t}, model Broken, field x"),
        ),
        (w, Check::UnknownKey, format!("{t}, model Broken, field x")),
        (
            w,
            Check::DuplicateModel,
            "api-docs/others.json, model Part".into(),
        ),
        (
            e,
            Check::DuplicateModel,
            "api-docs/others.json, model Thing".into(),
        ),
        (e, Check::SubtypeConflict, format!("{t}, model Thing")),
    ]
    .into_iter()
    .collect();
    let missing: Vec<_> = expected.difference(&found).collect();
    let unexpected: Vec<_> = found.difference(&expected).collect();
    assert!(
        missing.is_empty() && unexpected.is_empty(),
        "missing: {missing:#?}\nunexpected: {unexpected:#?}"
    );
    let messages: Vec<String> = validate(&spec).iter().map(ToString::to_string).collect();
    for needle in [
        "error[unresolved-type] api-docs/things.json, path /things/{thingId}/parts/{partId}, \
         operation getPart: responseClass `Prat` names no model of this release",
        "error[unresolved-type] api-docs/things.json, path /things/{thingId}/parts/{partId}, \
         operation getPart, parameter filter: dataType `List[Thng]` names no model of this release",
        "warning[unknown-key] api-docs/things.json, path /things/{thingId}/move, operation move, \
         parameter mode: unknown key `allowableValues.labels`",
        "error[path-placeholder-without-parameter] api-docs/things.json, path /things/{thingId}/move, \
         operation move: `{thingId}` in the path has no path parameter",
        "warning[status-code-as-text] api-docs/things.json, path /things/{thingId}/move, \
         operation move: error code \"404\" (Thing not found) is written as a string",
        "error[invalid-status-code] api-docs/things.json, path /things/{thingId}/move, \
         operation move: error code \"later\" is not an HTTP status",
        "error[invalid-status-code] api-docs/things.json, path /things/{thingId}/move, \
         operation move: error code 999 is not an HTTP status",
        "warning[unknown-key] api-docs/things.json, path /things/{thingId}/move, operation move: unknown key `retry`",
        "warning[declaration-mismatch] api-docs/things.json: resourcePath is \
         `/api-docs/stuff.{format}` but resources.json says `/api-docs/things.{format}`",
        "warning[unknown-key] api-docs/things.json: unknown key `x-extra`",
        "error[duplicate-model] api-docs/others.json, model Thing: model `Thing` is also defined \
         in api-docs/things.json, differently",
        "warning[duplicate-model] api-docs/others.json, model Part: model `Part` is also defined \
         in api-docs/things.json (identically)",
        "error[subtype-conflict] api-docs/things.json, model Thing: `Thing` is a subtype of Broken, Message",
        "warning[unknown-key] api-docs/things.json, model Broken: unknown key `since`",
    ] {
        assert!(messages.iter().any(|m| m == needle), "no `{needle}` in {messages:#?}");
    }
    // The header keys are known.
    assert!(!messages
        .iter()
        .any(|m| m.contains("_copyright") || m.contains("_author")));
}

#[test]
fn a_subtype_cycle_is_an_error_not_a_hang() {
    let cyclic = declaration(
        "loops",
        json!([]),
        json!({
            "A": {"id": "A", "subTypes": ["B"], "properties": {}},
            "B": {"id": "B", "subTypes": ["A"], "properties": {}},
            "C": {"id": "C", "discriminator": "type", "subTypes": ["C"], "properties": {}}
        }),
    );
    let spec = load(&[("loops", cyclic)]);
    let found: Vec<String> = validate(&spec)
        .iter()
        .filter(|d| d.check == Check::SubtypeConflict || d.check == Check::MissingDiscriminator)
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        found,
        [
            "error[missing-discriminator] api-docs/loops.json, model C: discriminator `type` is not a property",
            "error[subtype-conflict] api-docs/loops.json, model A: `A` is among its own parents",
            "error[subtype-conflict] api-docs/loops.json, model B: `B` is among its own parents",
            "error[subtype-conflict] api-docs/loops.json, model C: `C` is among its own parents",
        ]
    );
}

#[test]
fn diagnostics_serialize_for_tools() {
    let mut things = clean_things();
    things["apis"][0]["operations"][0]["responseClass"] = json!("List[Nothing]");
    let spec = load(&[("things", things)]);
    let diagnostics = validate(&spec);
    assert_eq!(diagnostics.len(), 1);
    assert!(diagnostics[0].is_error());
    assert_eq!(
        serde_json::to_value(&diagnostics[0]).unwrap(),
        json!({
            "severity": "error",
            "check": "unresolved-type",
            "location": {"file": "api-docs/things.json", "api_path": "/things", "operation": "list"},
            "message": "responseClass `List[Nothing]` names no model of this release"
        })
    );
}
