//! The fake emulating one Asterisk major from that major's api-docs, read
//! at run time from the spec folder (`$ARI_SPEC_DIR`, else
//! `../shared/ari-spec`): the api-docs it serves (`basePath` from the
//! request's `Host`, authentication as for any ARI request), the routes
//! that major has and has not, the parameters its generated handlers read,
//! and the release it reports.

mod support;

use std::path::Path;

use ari_spec::SpecDir;
use fake_asterisk::{FakeAsterisk, FakeError, OrderedJson, Step};
use support::{Events, Http, RawResponse};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The spec folder, found as the fake finds it.
fn spec_dir() -> SpecDir {
    SpecDir::locate(None, Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")))
}

/// A file of a major's api-docs as Asterisk ships it, keys in order.
fn shipped(major: u32, file: &str) -> OrderedJson {
    let path = spec_dir().major_dir(major).join(file);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    serde_json::from_str(&text).expect("api-docs are JSON")
}

/// `doc` with its `basePath` set to `base_path`, as Asterisk rewrites it.
fn with_base_path(doc: &OrderedJson, base_path: &str) -> OrderedJson {
    match doc {
        OrderedJson::Object(pairs) => OrderedJson::Object(
            pairs
                .iter()
                .map(|(key, value)| match key.as_str() {
                    "basePath" => (key.clone(), OrderedJson::String(base_path.to_string())),
                    _ => (key.clone(), value.clone()),
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

async fn emulating(major: u32) -> FakeAsterisk {
    FakeAsterisk::builder()
        .major(major)
        .time_scale(0.02)
        .extension("default", "100", vec![Step::answer(), Step::wait(60.0)])
        .build()
        .start()
        .await
        .unwrap_or_else(|err| panic!("the fake emulates Asterisk {major}: {err}"))
}

fn body(response: &RawResponse) -> String {
    String::from_utf8_lossy(&response.body).into_owned()
}

fn message(response: &RawResponse) -> String {
    response.json()["message"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

/// A GET written by hand, to choose the `Host` line (or send none, as an
/// HTTP/1.0 client may).
async fn get_with_host(fake: &FakeAsterisk, target: &str, host: Option<&str>) -> RawResponse {
    let mut stream = tokio::net::TcpStream::connect(fake.addr())
        .await
        .expect("connect");
    let host_line = host.map(|h| format!("Host: {h}\r\n")).unwrap_or_default();
    let request = format!(
        "GET {target}?api_key={}:{} HTTP/1.0\r\n{host_line}\r\n",
        fake.username(),
        fake.password()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    support::parse_response(&raw).expect("an HTTP response")
}

#[tokio::test]
async fn resources_json_is_the_majors_listing_with_base_path_from_host() {
    let fake = emulating(22).await;
    let http = Http::new(&fake);
    let listing = http.get("/ari/api-docs/resources.json").await;
    assert_eq!(listing.status, 200);
    assert_eq!(listing.header("content-type"), Some("application/json"));
    let expected = with_base_path(
        &shipped(22, "resources.json"),
        &format!("http://{}/ari", fake.addr()),
    );
    // The shipped document, key order and all, but for `basePath`.
    assert_eq!(body(&listing), expected.to_json_string());

    let elsewhere = get_with_host(
        &fake,
        "/ari/api-docs/resources.json",
        Some("pbx.example:8088"),
    )
    .await;
    assert_eq!(
        elsewhere.json()["basePath"],
        "http://pbx.example:8088/ari",
        "basePath names the host the client asked for"
    );
    let no_host = get_with_host(&fake, "/ari/api-docs/resources.json", None).await;
    assert_eq!(no_host.status, 200);
    assert!(
        no_host.json().get("basePath").is_none(),
        "{}",
        body(&no_host)
    );
    assert_eq!(no_host.json()["apiVersion"], listing.json()["apiVersion"]);
}

#[tokio::test]
async fn api_docs_need_the_ari_credentials() {
    let fake = emulating(20).await;
    let anonymous = Http {
        auth: None,
        ..Http::new(&fake)
    };
    for target in [
        "/ari/api-docs/resources.json",
        "/ari/api-docs/channels.json",
        "/ari/api-docs/nothing.json",
    ] {
        let refused = anonymous.get(target).await;
        assert_eq!(refused.status, 401, "{target}");
        assert_eq!(message(&refused), "Authentication required");
        assert_eq!(
            refused.header("www-authenticate"),
            Some("Basic realm=\"Asterisk REST Interface\"")
        );
    }
    let with_key = anonymous
        .get(&format!(
            "/ari/api-docs/resources.json?api_key={}:{}",
            fake.username(),
            fake.password()
        ))
        .await;
    assert_eq!(with_key.status, 200);
}

/// What a Swagger 1.1 client (ari-client, asyncari) does at connect time:
/// the listing, then each `basePath` + `path` with `{format}` = `json`.
#[tokio::test]
async fn every_listed_declaration_is_served_where_swagger_clients_look() {
    for major in [13, 16, 23] {
        let fake = emulating(major).await;
        let http = Http::new(&fake);
        let listing = http.get("/ari/api-docs/resources.json").await.json();
        let base = listing["basePath"].as_str().expect("basePath").to_string();
        let apis = listing["apis"].as_array().expect("apis");
        assert_eq!(apis.len(), 11, "Asterisk {major} lists 11 resources");
        for api in apis {
            let path = api["path"]
                .as_str()
                .expect("path")
                .replace("{format}", "json");
            let url = format!("{base}{path}");
            let target = url
                .strip_prefix(&format!("http://{}", fake.addr()))
                .expect("basePath is this server");
            let served = http.get(target).await;
            assert_eq!(served.status, 200, "{target} on {major}");
            let file = path.trim_start_matches('/');
            let expected = with_base_path(&shipped(major, file), &base);
            assert_eq!(
                body(&served),
                expected.to_json_string(),
                "{target} on {major}"
            );
            // Everything else as shipped: resourcePath still names the file.
            assert_eq!(
                served.json()["resourcePath"],
                format!("/{}", file.replace(".json", ".{format}"))
            );
        }
        let events = Events::connect(&fake, "swagger", false).await;
        assert!(!events.is_closed());
        fake.shutdown().await;
    }
}

#[tokio::test]
async fn unknown_api_docs_are_404_and_only_get_is_served() {
    let fake = emulating(20).await;
    let http = Http::new(&fake);
    for target in [
        "/ari/api-docs/nothing.json",
        "/ari/api-docs/api-docs/channels.json",
        "/ari/api-docs/../resources.json",
        "/ari/api-docs/RELEASE",
        "/ari/api-docs",
    ] {
        let missing = http.get(target).await;
        assert_eq!(
            (missing.status, message(&missing).as_str()),
            (404, "Resource not found"),
            "{target}"
        );
    }
    let slash = http.get("/ari/api-docs/").await;
    assert_eq!(
        message(&slash),
        "ARI URLs do not end with a slash. Try /ari/api-docs"
    );
    let post = http.post("/ari/api-docs/resources.json").await;
    assert_eq!(
        (post.status, message(&post).as_str()),
        (405, "Unsupported method")
    );
}

#[tokio::test]
async fn without_a_major_the_fake_is_asterisk_20_and_serves_its_docs() {
    let fake = FakeAsterisk::builder().build().start().await.expect("fake");
    let http = Http::new(&fake);
    let info = http.get("/ari/asterisk/info").await.json();
    assert_eq!(info["system"]["version"], "20.20.1");
    let listing = http.get("/ari/api-docs/resources.json").await;
    assert_eq!(listing.status, 200);
    assert_eq!(
        body(&listing),
        with_base_path(
            &shipped(20, "resources.json"),
            &format!("http://{}/ari", fake.addr())
        )
        .to_json_string()
    );
}

#[tokio::test]
async fn without_the_spec_folder_api_docs_say_why_and_a_major_cannot_start() {
    let nowhere = std::env::temp_dir().join("fake-majors-no-spec-here");
    let fake = FakeAsterisk::builder()
        .spec_dir(&nowhere)
        .build()
        .start()
        .await
        .expect("without a major the fake needs no spec");
    let docs = Http::new(&fake).get("/ari/api-docs/resources.json").await;
    assert_eq!(docs.status, 404);
    let why = message(&docs);
    assert!(why.contains("no api-docs"), "{why}");
    assert!(
        why.contains(&nowhere.join("20").display().to_string()),
        "{why}"
    );
    assert!(why.contains("ARI_SPEC_DIR"), "{why}");

    let refused = FakeAsterisk::builder()
        .spec_dir(&nowhere)
        .major(22)
        .build()
        .start()
        .await
        .expect_err("no api-docs for 22");
    match &refused {
        FakeError::SpecUnavailable { major, folder, .. } => {
            assert_eq!(*major, 22);
            assert_eq!(folder, &nowhere.join("22"));
        }
        other => panic!("expected SpecUnavailable, got {other:?}"),
    }
    let text = refused.to_string();
    assert!(text.contains("ARI_SPEC_DIR"), "{text}");
    assert!(
        text.contains(&nowhere.join("22").display().to_string()),
        "{text}"
    );

    let too_old = FakeAsterisk::builder().major(12).build().start().await;
    assert!(matches!(too_old, Err(FakeError::UnsupportedMajor(12))));
}

#[tokio::test]
async fn emulating_13_and_23_reports_their_releases() {
    for major in [13, 23] {
        let release = std::fs::read_to_string(spec_dir().major_dir(major).join("RELEASE"))
            .expect("RELEASE")
            .trim()
            .to_string();
        let fake = emulating(major).await;
        assert_eq!(fake.asterisk_version(), release);
        let http = Http::new(&fake);
        let info = http.get("/ari/asterisk/info").await;
        assert_eq!(info.json()["system"]["version"], release.as_str());
        assert_eq!(
            info.header("server"),
            Some(format!("Asterisk/{release}").as_str())
        );
        assert_eq!(http.get("/ari/channels").await.status, 200);
    }
    let overridden = FakeAsterisk::builder()
        .major(13)
        .version("13.99.0")
        .build()
        .start()
        .await
        .expect("fake");
    assert_eq!(overridden.asterisk_version(), "13.99.0");
}

/// `rtp_statistics` came in 13.x, left with 14 and 15, and is back from
/// 16 on; `transfer_progress` is in 20 and 22 but not 19.
#[tokio::test]
async fn a_route_the_major_lacks_is_resource_not_found() {
    for (major, target, has_it) in [
        (15, "/ari/channels/nobody/rtp_statistics", false),
        (16, "/ari/channels/nobody/rtp_statistics", true),
        (
            19,
            "/ari/channels/nobody/transfer_progress?states=channel_progress",
            false,
        ),
        (
            22,
            "/ari/channels/nobody/transfer_progress?states=channel_progress",
            true,
        ),
    ] {
        let fake = emulating(major).await;
        let method = if target.contains("rtp_statistics") {
            "GET"
        } else {
            "POST"
        };
        let response = Http::new(&fake).request(method, target, None).await;
        let expected = if has_it {
            "Channel not found"
        } else {
            "Resource not found"
        };
        assert_eq!(
            (response.status, message(&response).as_str()),
            (404, expected),
            "{method} {target} on {major}"
        );
    }
}

/// A call waiting in the dialplan (`Answer`, `Wait`), not in Stasis.
async fn waiting_channel(fake: &FakeAsterisk) -> String {
    let call = fake
        .phone("PJSIP/alice")
        .expect("phone")
        .dial("100")
        .expect("dial");
    call.channel_id().to_string()
}

/// `reason_code` of `DELETE /channels/{id}` came after 13: there the
/// generated handler never reads it, so it cannot clash with `reason`.
#[tokio::test]
async fn a_parameter_the_major_does_not_declare_is_ignored() {
    for (major, status) in [(13, 204), (22, 400)] {
        let fake = emulating(major).await;
        let channel = waiting_channel(&fake).await;
        let response = Http::new(&fake)
            .delete(&format!(
                "/ari/channels/{channel}?reason=normal&reason_code=17"
            ))
            .await;
        assert_eq!(
            response.status,
            status,
            "Asterisk {major}: {}",
            body(&response)
        );
        if status == 400 {
            assert_eq!(
                message(&response),
                "The reason and reason_code can't both be specified"
            );
        }
    }
}

/// Asterisk checks required parameters in its hand-written resources, not
/// in the generated code: the message is the resource's, on every major.
#[tokio::test]
async fn a_missing_required_parameter_is_the_resources_400() {
    for major in [13, 23] {
        let fake = emulating(major).await;
        let response = Http::new(&fake).post("/ari/channels?app=x").await;
        assert_eq!(
            (response.status, message(&response).as_str()),
            (400, "Endpoint must be specified"),
            "Asterisk {major}"
        );
    }
}

/// The generated parsing refuses 128 values of an `allowMultiple`
/// parameter; 13's `media` is a single value, so there it is one (odd) URI.
#[tokio::test]
async fn too_many_values_follow_the_majors_allow_multiple() {
    let media = vec!["sound:beep"; 128].join(",");
    for (major, status, expected) in [
        (13, 404, "Channel not found"),
        (22, 400, "Too many values for media"),
    ] {
        let fake = emulating(major).await;
        let response = Http::new(&fake)
            .post(&format!("/ari/channels/nobody/play?media={media}"))
            .await;
        assert_eq!(
            (response.status, message(&response).as_str()),
            (status, expected),
            "Asterisk {major}"
        );
    }
}
