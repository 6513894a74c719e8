//! The fake's HTTP and websocket surface: authentication, routing errors,
//! hostile ids, application registration and the connection controls.

mod support;

use std::time::Duration;

use fake_asterisk::FakeAsterisk;
use serde_json::json;
use support::{Events, Http};

async fn fake() -> FakeAsterisk {
    FakeAsterisk::builder()
        .username("u")
        .password("p")
        .time_scale(0.02)
        .stasis_extension("100", "app", &["in"])
        .build()
        .start()
        .await
        .expect("fake starts")
}

#[tokio::test]
async fn rejects_bad_credentials_like_asterisk() {
    let fake = fake().await;
    let mut http = Http::new(&fake);
    http.auth = Some(("u".into(), "wrong".into()));
    let r = http.get("/ari/asterisk/ping").await;
    assert_eq!((r.status, r.reason.as_str()), (401, "Unauthorized"));
    assert_eq!(r.json(), json!({"message": "Authentication required"}));
    assert_eq!(
        r.header("www-authenticate"),
        Some("Basic realm=\"Asterisk REST Interface\"")
    );
    http.auth = None;
    assert_eq!(http.get("/ari/channels").await.status, 401);
    // Credentials in the query work too, as `api_key`.
    let r = http.get("/ari/asterisk/ping?api_key=u:p").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["asterisk_id"], fake.asterisk_id());
    let bad_ws = format!("ws://{}/ari/events?app=a&api_key=u:nope", fake.addr());
    assert!(
        Events::connect_url(&bad_ws).await.is_err(),
        "websocket with bad credentials"
    );
    fake.shutdown().await;
}

#[tokio::test]
async fn routing_errors_and_hostile_ids() {
    let fake = fake().await;
    let http = Http::new(&fake);
    let r = http.get("/ari/nothing/here").await;
    assert_eq!(
        (r.status, r.json()),
        (404, json!({"message": "Resource not found"}))
    );
    let r = http.get("/ari/channels/").await;
    assert_eq!(
        r.json()["message"],
        "ARI URLs do not end with a slash. Try /ari/channels"
    );
    let r = http.request("PATCH", "/ari/channels", None).await;
    assert_eq!((r.status, r.reason.as_str()), (405, "Method Not Allowed"));
    assert_eq!(r.json()["message"], "Invalid method");
    for id in [
        "..%2Fx",
        "a%2Fb%3Fc%23d",
        "%2e%2e",
        "%ff%fe",
        "x%00y",
        "%E2%98%83",
    ] {
        let r = http.get(&format!("/ari/channels/{id}")).await;
        assert_eq!(
            (r.status, r.json()),
            (404, json!({"message": "Channel not found"})),
            "{id}"
        );
        let r = http.post(&format!("/ari/channels/{id}/answer")).await;
        assert_eq!(r.status, 404, "{id}");
        let r = http.get(&format!("/ari/bridges/{id}")).await;
        assert_eq!(r.json()["message"], "Bridge not found", "{id}");
        let r = http.get(&format!("/ari/playbacks/{id}")).await;
        assert_eq!(r.json()["message"], "Playback not found", "{id}");
    }
    let r = http
        .request("POST", "/ari/channels", Some("{not json"))
        .await;
    assert_eq!(
        (r.status, r.json()["message"].clone()),
        (400, json!("Error parsing request body"))
    );
    let r = http
        .request("GET", "/ari/channels/x/variable", Some("[1,2]"))
        .await;
    assert_eq!(r.status, 400, "a JSON array body is not a crash");
    fake.shutdown().await;
}

#[tokio::test]
async fn a_second_connection_replaces_the_app() {
    let fake = fake().await;
    let first = Events::connect(&fake, "app", false).await;
    let second = Events::connect(&fake, "app", false).await;
    let replaced = first
        .wait_for(Duration::from_secs(5), |e| {
            e["type"] == "ApplicationReplaced"
        })
        .await
        .expect("old connection told");
    assert_eq!(replaced["application"], "app");
    // Only the new connection hears the app's events now.
    let call = fake.dial("100").expect("call");
    second.wait_type("StasisStart", call.channel_id()).await;
    assert!(first.all().iter().all(|e| e["type"] != "StasisStart"));
    let apps = Http::new(&fake).get("/ari/applications").await.json();
    assert_eq!(apps.as_array().map(Vec::len), Some(1));
    fake.shutdown().await;
}

#[tokio::test]
async fn events_go_only_to_subscribed_apps() {
    let fake = fake().await;
    let http = Http::new(&fake);
    let app = Events::connect(&fake, "app", false).await;
    let other = Events::connect(&fake, "other", false).await;
    let watcher = Events::connect(&fake, "watcher", true).await;
    let call = fake.dial("100").expect("call");
    let id = call.channel_id().to_string();
    let start = app.wait_type("StasisStart", &id).await;
    assert_eq!(start["args"], json!(["in"]));
    assert_eq!(start["application"], "app");
    watcher.wait_type("ChannelCreated", &id).await;
    // `other` follows the channel only after subscribing to it.
    let r = http
        .post(&format!(
            "/ari/applications/other/subscription?eventSource=channel:{id}"
        ))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["channel_ids"], json!([id]));
    http.post(&format!("/ari/channels/{id}/hold")).await;
    other.wait_type("ChannelHold", &id).await;
    call.hangup();
    app.wait_type("StasisEnd", &id).await;
    assert!(other
        .all()
        .iter()
        .all(|e| e["type"] != "StasisStart" && e["type"] != "StasisEnd"));
    let types = app.channel_types(&id);
    assert_eq!(
        types,
        [
            "StasisStart",
            "ChannelHold",
            "ChannelHangupRequest",
            "StasisEnd",
        ],
        "an app subscribed through Stasis only"
    );
    // Filters: the watcher refuses ChannelDialplan from now on.
    let r = http
        .request(
            "PUT",
            "/ari/applications/watcher/eventFilter",
            Some(r#"{"disallowed":[{"type":"ChannelDialplan"}]}"#),
        )
        .await;
    assert_eq!(
        r.json()["events_disallowed"],
        json!([{"type": "ChannelDialplan"}])
    );
    let before = watcher.all().len();
    let second = fake.dial("100").expect("second call");
    app.wait_type("StasisStart", second.channel_id()).await;
    watcher
        .wait_type("ChannelVarset", second.channel_id())
        .await;
    assert!(watcher.all()[before..]
        .iter()
        .all(|e| e["type"] != "ChannelDialplan"));
    let r = http
        .request(
            "PUT",
            "/ari/applications/watcher/eventFilter",
            Some(r#"{"allowed":[{"nope":1}]}"#),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["message"].clone()),
        (400, json!("Invalid format definition"))
    );
    fake.shutdown().await;
}

#[tokio::test]
async fn websocket_controls_drop_freeze_and_restart() {
    let fake = fake().await;
    let events = Events::connect(&fake, "app", false).await;
    assert_eq!(fake.websocket_count(), 1);
    fake.drop_websockets();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !events.is_closed() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(events.is_closed(), "client sees the drop");

    // A frozen session stays open but says nothing.
    let events = Events::connect(&fake, "app", false).await;
    fake.freeze_websockets();
    let call = fake.dial("100").expect("call");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(events.all().is_empty(), "frozen: no frames");
    fake.thaw_websockets();
    events.wait_type("StasisStart", call.channel_id()).await;

    // Restart: refused while down, state gone after.
    let restart = fake.restart(Duration::from_millis(200));
    let probe = async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        Http::new(&fake)
            .try_request("GET", "/ari/asterisk/ping", None)
            .await
    };
    let (restarted, probed) = tokio::join!(restart, probe);
    restarted.expect("restarts");
    assert!(probed.is_err(), "connections refused while down");
    let http = Http::new(&fake);
    assert_eq!(http.get("/ari/channels").await.json(), json!([]));
    assert_eq!(http.get("/ari/applications").await.json(), json!([]));
    let again = Events::connect(&fake, "app", false).await;
    let call = fake.dial("100").expect("call after restart");
    again.wait_type("StasisStart", call.channel_id()).await;
    fake.shutdown().await;
}
