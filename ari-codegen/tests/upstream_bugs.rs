//! The corrections of Asterisk's api-docs (`src/fixups.rs`,
//! `UPSTREAM_BUGS`) apply to the real api-docs of every major, and a
//! correction whose error the api-docs no longer have stops generation.

use std::path::Path;

use ari_codegen::{generate, CodegenError, GeneratedFile, Options, Runtime};
use ari_spec::swagger::AllowableValues;
use ari_spec::{Api, ItemKey, SpecDir, MAJORS};

fn api(major: u32) -> Api {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let spec = SpecDir::locate(None, &root).load_major(major).unwrap();
    Api::merge(&spec)
}

fn run(api: &Api, major: u32) -> Result<Vec<GeneratedFile>, CodegenError> {
    let options = Options {
        major,
        release: api.release.clone().unwrap_or_default(),
        runtime: Runtime::Crate,
        module_path: None,
    };
    generate(api, &options, &|_: &ItemKey| None)
}

fn file<'a>(files: &'a [GeneratedFile], path: &str) -> &'a str {
    &files
        .iter()
        .find(|f| {
            (f.path == path || f.path.ends_with(&format!("/{path}")))
                && (path.starts_with("models/") || !f.path.contains("models/"))
        })
        .unwrap_or_else(|| panic!("no {path}"))
        .contents
}

/// The parameter list of `pub fn {method}(`.
fn signature<'a>(code: &'a str, method: &str) -> &'a str {
    let start = code
        .find(&format!("pub fn {method}("))
        .unwrap_or_else(|| panic!("no {method}"));
    let rest = &code[start..];
    &rest[..rest.find(')').unwrap_or(rest.len())]
}

#[test]
fn every_major_gets_the_corrections() {
    for major in MAJORS {
        let files = run(&api(major), major).unwrap();
        // Asterisk answers 400 "Direction is required" without it.
        let channels = file(&files, "channels.rs");
        for method in ["mute", "unmute"] {
            assert!(
                signature(channels, method).contains("direction:"),
                "v{major} {method}: {}",
                signature(channels, method)
            );
        }
        // A paused playback says `paused`.
        let playbacks = file(&files, "models/playbacks.rs");
        assert!(playbacks.contains(r#""paused""#), "v{major}");
        assert!(playbacks.contains("Paused"), "v{major}");
    }
}

#[test]
fn a_correction_the_api_docs_no_longer_need_stops_generation() {
    // Asterisk documents `paused` one day: the fix must go.
    let mut fixed = api(22);
    let state = fixed
        .models
        .get_mut("Playback")
        .and_then(|m| m.properties.get_mut("state"))
        .unwrap();
    if let Some(AllowableValues::List { values }) = &mut state.allowable_values {
        values.push("paused".into());
    }
    match run(&fixed, 22) {
        Err(CodegenError::StaleFixup { fixup, .. }) => assert_eq!(fixup, "playback-state-paused"),
        other => panic!("expected a stale fixup, got {:?}", other.map(|f| f.len())),
    }

    // The direction made required upstream.
    let mut fixed = api(22);
    for resource in fixed.resources.iter_mut().filter(|r| r.name == "channels") {
        for path in &mut resource.declaration.apis {
            for op in path.operations.iter_mut().filter(|o| o.nickname == "mute") {
                for p in op.parameters.iter_mut().filter(|p| p.name == "direction") {
                    p.required = Some(true);
                    p.default_value = None;
                }
            }
        }
    }
    match run(&fixed, 22) {
        Err(CodegenError::StaleFixup { fixup, .. }) => {
            assert_eq!(fixup, "mute-direction-required")
        }
        other => panic!("expected a stale fixup, got {:?}", other.map(|f| f.len())),
    }
}
