//! The three sources — a spec folder, an Asterisk source checkout and a
//! running Asterisk (here a loopback server serving the same files) — give
//! one typed result, and every kind of bad input a typed error.

mod support;

use std::io::ErrorKind;
use std::net::TcpListener;

use ari_spec::{Api, SpecError, SpecSource, MAJORS};
use support::server::{Received, SpecServer};
use support::{copy_api_docs, spec_dir};

fn url(server: &SpecServer, user: Option<(&str, &str)>) -> SpecSource {
    SpecSource::Url {
        url: server.ari_url(),
        username: user.map(|u| u.0.to_string()),
        password: user.map(|u| u.1.to_string()),
    }
}

/// The merged API with the release (which only a folder's `RELEASE` tells)
/// set aside.
fn merged_without_release(source: &SpecSource) -> Api {
    let mut api = Api::merge(&source.load().unwrap_or_else(|e| panic!("{source:?}: {e}")));
    api.release = None;
    api
}

#[test]
fn folder_checkout_and_server_give_the_same_api_for_every_major() {
    for major in MAJORS {
        let folder = spec_dir().major_dir(major);
        let checkout = tempfile::tempdir().unwrap();
        copy_api_docs(&folder, &checkout.path().join("rest-api"));
        let server = SpecServer::start(&folder);

        let from_folder = SpecSource::Dir(folder.clone()).load().unwrap();
        assert!(from_folder
            .release
            .as_deref()
            .unwrap()
            .starts_with(&format!("{major}.")));
        let expected = merged_without_release(&SpecSource::Dir(folder));
        let from_checkout = SpecSource::AsteriskCheckout(checkout.path().to_path_buf());
        assert_eq!(
            merged_without_release(&from_checkout),
            expected,
            "checkout {major}"
        );
        assert_eq!(
            merged_without_release(&url(&server, None)),
            expected,
            "server {major}"
        );
        // A source checkout and a server do not say which release they are.
        assert_eq!(from_checkout.load().unwrap().release, None);
        assert!(!expected.resources.is_empty());
    }
}

#[test]
fn from_arg_tells_urls_checkouts_and_folders_apart() {
    let checkout = tempfile::tempdir().unwrap();
    copy_api_docs(&spec_dir().major_dir(20), &checkout.path().join("rest-api"));
    assert!(matches!(
        SpecSource::from_arg(checkout.path().to_str().unwrap()),
        SpecSource::AsteriskCheckout(_)
    ));
    let folder = spec_dir().major_dir(20);
    assert!(matches!(
        SpecSource::from_arg(folder.to_str().unwrap()),
        SpecSource::Dir(_)
    ));
    assert!(matches!(
        SpecSource::from_arg("https://pbx.example:8089/ari"),
        SpecSource::Url { username: None, .. }
    ));
}

#[test]
fn basic_auth_is_sent_and_accepted() {
    let server =
        SpecServer::start(spec_dir().major_dir(22)).require_basic_auth("asterisk", "s3cret");
    let spec = url(&server, Some(("asterisk", "s3cret"))).load().unwrap();
    assert_eq!(spec.declarations.len(), spec.listing.apis.len());
    let received = server.received();
    // The listing, then each declaration beside it, every one with the credentials.
    assert_eq!(received.len(), 1 + spec.listing.apis.len());
    assert_eq!(received[0].path, "/ari/api-docs/resources.json");
    assert!(received.contains(&Received {
        path: "/ari/api-docs/channels.json".into(),
        authorization: Some("Basic YXN0ZXJpc2s6czNjcmV0".into()),
    }));
    assert!(received
        .iter()
        .all(|r| r.authorization.as_deref() == Some("Basic YXN0ZXJpc2s6czNjcmV0")));
}

#[test]
fn the_url_may_name_ari_the_api_docs_or_the_listing() {
    let server = SpecServer::start(spec_dir().major_dir(13));
    let base = server.ari_url();
    for variant in [
        base.clone(),
        format!("{base}/"),
        format!("{base}/api-docs"),
        format!("{base}/api-docs/resources.json"),
    ] {
        let spec = SpecSource::Url {
            url: variant.clone(),
            username: None,
            password: None,
        }
        .load()
        .unwrap_or_else(|e| panic!("{variant}: {e}"));
        assert!(!spec.declarations.is_empty(), "{variant}");
    }
}

#[test]
fn wrong_or_missing_credentials_are_unauthorized() {
    let server =
        SpecServer::start(spec_dir().major_dir(20)).require_basic_auth("asterisk", "s3cret");
    for credentials in [None, Some(("asterisk", "wrong")), Some(("other", "s3cret"))] {
        match url(&server, credentials).load() {
            Err(SpecError::Unauthorized { url }) => {
                assert!(url.ends_with("/ari/api-docs/resources.json"), "{url}")
            }
            other => panic!("{credentials:?}: {other:?}"),
        }
    }
    let message = url(&server, None).load().unwrap_err().to_string();
    assert!(message.contains("401 Unauthorized"), "{message}");
}

#[test]
fn an_unreachable_server_is_unreachable() {
    // A port that was just free and has nobody listening.
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let source = SpecSource::Url {
        url: format!("http://127.0.0.1:{port}/ari"),
        username: None,
        password: None,
    };
    match source.load() {
        Err(SpecError::Unreachable { url, .. }) => {
            assert_eq!(
                url,
                format!("http://127.0.0.1:{port}/ari/api-docs/resources.json")
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn malformed_json_from_a_server_names_the_url_line_and_column() {
    let body = "{\n  \"apiVersion\": \"2.0.0\",\n  \"apis\": [,]\n}\n";
    let server =
        SpecServer::start(spec_dir().major_dir(20)).can("/ari/api-docs/channels.json", 200, body);
    match url(&server, None).load() {
        Err(SpecError::Json {
            origin,
            line,
            column,
            ..
        }) => {
            assert!(origin.ends_with("/ari/api-docs/channels.json"), "{origin}");
            assert_eq!((line, column), (3, 12));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_declaration_the_server_does_not_have_is_an_http_status() {
    let server =
        SpecServer::start(spec_dir().major_dir(20)).can("/ari/api-docs/sounds.json", 404, "{}");
    match url(&server, None).load() {
        Err(SpecError::HttpStatus { url, status: 404 }) => {
            assert!(url.ends_with("/ari/api-docs/sounds.json"), "{url}")
        }
        other => panic!("{other:?}"),
    }
    let server =
        SpecServer::start(spec_dir().major_dir(20)).can("/ari/api-docs/resources.json", 500, "");
    assert!(matches!(
        url(&server, None).load(),
        Err(SpecError::HttpStatus { status: 500, .. })
    ));
}

#[test]
fn a_folder_that_does_not_exist_is_an_io_error() {
    let missing = tempfile::tempdir().unwrap().path().join("nowhere");
    for source in [
        SpecSource::Dir(missing.clone()),
        SpecSource::AsteriskCheckout(missing.clone()),
    ] {
        match source.load() {
            Err(SpecError::Io { path, source }) => {
                assert_eq!(path, missing);
                assert_eq!(source.kind(), ErrorKind::NotFound);
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn a_folder_without_a_listing_is_not_a_spec() {
    let empty = tempfile::tempdir().unwrap();
    for source in [
        SpecSource::Dir(empty.path().to_path_buf()),
        SpecSource::AsteriskCheckout(empty.path().to_path_buf()),
    ] {
        match source.load() {
            Err(SpecError::NotASpec { path }) => assert_eq!(path, empty.path()),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn a_declaration_missing_from_a_folder_is_an_io_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    copy_api_docs(&spec_dir().major_dir(20), dir.path());
    std::fs::remove_file(dir.path().join("api-docs/events.json")).unwrap();
    match SpecSource::Dir(dir.path().to_path_buf()).load() {
        Err(SpecError::Io { path, source }) => {
            assert_eq!(path, dir.path().join("api-docs/events.json"));
            assert_eq!(source.kind(), ErrorKind::NotFound);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn malformed_json_in_a_folder_names_the_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    copy_api_docs(&spec_dir().major_dir(20), dir.path());
    std::fs::write(
        dir.path().join("api-docs/bridges.json"),
        "{\n\n   \"apis\": [1 2]\n}",
    )
    .unwrap();
    match SpecSource::Dir(dir.path().to_path_buf()).load() {
        Err(e @ SpecError::Json { .. }) => {
            let SpecError::Json {
                origin,
                line,
                column,
                ..
            } = &e
            else {
                unreachable!()
            };
            assert!(origin.ends_with("api-docs/bridges.json"), "{origin}");
            assert_eq!((*line, *column), (3, 13), "the `1` where an API belongs");
            assert!(e.to_string().contains("line 3, column 13"), "{e}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn json_of_the_wrong_shape_is_a_json_error_too() {
    let dir = tempfile::tempdir().unwrap();
    copy_api_docs(&spec_dir().major_dir(20), dir.path());
    // Valid JSON, but an operation without its nickname.
    let path = dir.path().join("api-docs/sounds.json");
    let mut sounds: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    sounds["apis"][0]["operations"][0]
        .as_object_mut()
        .unwrap()
        .remove("nickname");
    std::fs::write(&path, serde_json::to_string_pretty(&sounds).unwrap()).unwrap();
    match SpecSource::Dir(dir.path().to_path_buf()).load() {
        Err(SpecError::Json { origin, source, .. }) => {
            assert!(origin.ends_with("sounds.json"));
            assert!(source.to_string().contains("nickname"), "{source}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn debug_output_never_shows_the_password() {
    let source = SpecSource::Url {
        url: "http://127.0.0.1:8088/ari".into(),
        username: Some("asterisk".into()),
        password: Some("s3cret".into()),
    };
    let debug = format!("{source:?}");
    assert!(
        debug.contains("asterisk") && !debug.contains("s3cret"),
        "{debug}"
    );
}
