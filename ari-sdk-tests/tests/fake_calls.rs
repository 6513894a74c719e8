//! Calls on the fake: simulated phones calling in and being called,
//! bridges, hang-up order, DTMF both ways.

mod support;

use std::time::Duration;

use fake_asterisk::{AnswerMode, BridgeHistory, FakeAsterisk};
use serde_json::json;
use support::{Events, Http};

async fn fake() -> FakeAsterisk {
    FakeAsterisk::builder()
        .time_scale(0.02)
        .stasis_extension("100", "app", &[])
        .build()
        .start()
        .await
        .expect("fake starts")
}

#[tokio::test]
async fn inbound_call_dtmf_and_hangup_in_asterisk_order() {
    let fake = fake().await;
    let events = Events::connect(&fake, "app", true).await;
    let alice = fake.phone("PJSIP/alice").expect("phone");
    alice.set_caller_id("Alice", "1001");
    let call = alice.dial("100").expect("call");
    let id = call.channel_id().to_string();
    let start = events.wait_type("StasisStart", &id).await;
    assert_eq!(
        start["channel"]["caller"],
        json!({"name": "Alice", "number": "1001"})
    );
    assert_eq!(start["channel"]["state"], "Up", "Answer() ran first");
    call.press("12#").await;
    events
        .wait_for(Duration::from_secs(5), |e| {
            e["type"] == "ChannelDtmfReceived" && e["digit"] == "#"
        })
        .await
        .expect("last digit");
    let digits: Vec<String> = events
        .all()
        .iter()
        .filter(|e| e["type"] == "ChannelDtmfReceived")
        .map(|e| e["digit"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(digits, ["1", "2", "#"]);
    // DTMF the other way reaches the phone.
    let http = Http::new(&fake);
    assert_eq!(
        http.post(&format!("/ari/channels/{id}/dtmf?dtmf=42"))
            .await
            .status,
        204
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while call.dtmf_received() != "42" && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(call.dtmf_received(), "42");
    call.hangup();
    events.wait_type("ChannelDestroyed", &id).await;
    let types = events.channel_types(&id);
    let tail: Vec<&str> = types
        .iter()
        .rev()
        .take(5)
        .rev()
        .map(String::as_str)
        .collect();
    assert_eq!(
        tail,
        [
            "ChannelHangupRequest",
            "StasisEnd",
            "ChannelVarset",
            "ChannelHangupRequest",
            "ChannelDestroyed"
        ]
    );
    assert_eq!(types[0], "ChannelCreated");
    fake.shutdown().await;
}

#[tokio::test]
async fn originate_to_phones_that_answer_ring_or_refuse() {
    let fake = fake().await;
    let events = Events::connect(&fake, "app", false).await;
    let http = Http::new(&fake);
    let bob = fake.phone("PJSIP/bob").expect("phone");
    bob.set_answer_mode(AnswerMode::AutoAnswer { after_ms: 200 });
    let r = http
        .post("/ari/channels?endpoint=PJSIP/bob&app=app&appArgs=out")
        .await;
    assert_eq!(r.status, 200);
    let id = r.json()["id"].as_str().unwrap_or_default().to_string();
    let start = events.wait_type("StasisStart", &id).await;
    assert_eq!(start["args"], json!(["out"]));
    let statuses: Vec<String> = events
        .all()
        .iter()
        .filter(|e| e["type"] == "Dial")
        .map(|e| e["dialstatus"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(statuses, ["", "RINGING", "ANSWER"]);

    // A phone that rings until the test answers.
    let carol = fake.phone("PJSIP/carol").expect("phone");
    carol.set_answer_mode(AnswerMode::RingForever);
    let r = http
        .post("/ari/channels?endpoint=PJSIP/carol&app=app")
        .await;
    let id = r.json()["id"].as_str().unwrap_or_default().to_string();
    let incoming = carol
        .next_incoming(Duration::from_secs(5))
        .await
        .expect("rings");
    assert_eq!(incoming.channel_id(), id);
    incoming
        .wait_state("Ringing", Duration::from_secs(5))
        .await
        .expect("ringing");
    assert_eq!(fake.device_state("PJSIP/carol"), "RINGING");
    incoming.answer().expect("answer");
    events.wait_type("StasisStart", &id).await;
    assert_eq!(fake.device_state("PJSIP/carol"), "INUSE");

    // Busy and unreachable phones.
    let dave = fake.phone("PJSIP/dave").expect("phone");
    dave.set_answer_mode(AnswerMode::Busy);
    let r = http
        .post("/ari/channels?endpoint=PJSIP/dave&app=app&channelId=busy-1")
        .await;
    assert_eq!(r.status, 200);
    let gone = fake
        .wait_for_event(Duration::from_secs(5), |e| {
            e.event["type"] == "Dial" && e.event["dialstatus"] == "BUSY"
        })
        .await;
    assert!(gone.is_ok(), "Dial BUSY reported");
    dave.set_answer_mode(AnswerMode::Unreachable);
    let r = http.post("/ari/channels?endpoint=PJSIP/dave&app=app").await;
    assert_eq!(
        (r.status, r.json()),
        (500, json!({"error": "Allocation failed"}))
    );
    let r = http
        .post("/ari/channels?endpoint=PJSIP/nobody&app=app")
        .await;
    assert_eq!(r.status, 500);
    fake.shutdown().await;
}

#[tokio::test]
async fn bridges_follow_their_channels() {
    let fake = fake().await;
    let events = Events::connect(&fake, "app", false).await;
    let http = Http::new(&fake);
    let a = fake.call_into_app("app", "2001", &[]).expect("call a");
    let b = fake.call_into_app("app", "2002", &[]).expect("call b");
    events.wait_type("StasisStart", a.channel_id()).await;
    events.wait_type("StasisStart", b.channel_id()).await;
    let r = http.post("/ari/bridges?bridgeId=br1&name=room").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["bridge_type"], "mixing");
    assert_eq!(r.json()["video_mode"], "talker");
    let r = http.post("/ari/bridges?bridgeId=br1").await;
    assert_eq!(
        (r.status, r.json()["message"].clone()),
        (409, json!("Bridge with id 'br1' already exists"))
    );
    let r = http
        .post(&format!(
            "/ari/bridges/br1/addChannel?channel={},{}",
            a.channel_id(),
            b.channel_id()
        ))
        .await;
    assert_eq!(r.status, 204);
    let entered = events
        .wait_type("ChannelEnteredBridge", b.channel_id())
        .await;
    assert_eq!(
        entered["bridge"]["channels"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(
        fake.bridge_channels("br1"),
        Some(vec![a.channel_id().to_string(), b.channel_id().to_string()])
    );
    let r = http.post("/ari/bridges/br1/addChannel?channel=nope").await;
    assert_eq!(
        (r.status, r.json()["message"].clone()),
        (400, json!("Channel not found"))
    );
    let r = http
        .post("/ari/bridges/br1/play?media=sound:hello-world&playbackId=bp")
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.json()["target_uri"], "bridge:br1");
    let finished = events
        .wait_for(Duration::from_secs(5), |e| {
            e["type"] == "PlaybackFinished" && e["playback"]["id"] == "bp"
        })
        .await;
    assert!(
        finished.is_some(),
        "bridge playback finishes; got {:?}",
        events.types()
    );
    assert_eq!(fake.played_on_bridge("br1"), ["sound:hello-world"]);
    assert_eq!(http.delete("/ari/bridges/br1/moh").await.status, 409);
    assert_eq!(http.post("/ari/bridges/br1/moh").await.status, 204);
    a.hangup();
    events.wait_type("ChannelLeftBridge", a.channel_id()).await;
    assert_eq!(http.delete("/ari/bridges/br1").await.status, 204);
    events.wait_type("ChannelLeftBridge", b.channel_id()).await;
    events
        .wait_for(Duration::from_secs(5), |e| e["type"] == "BridgeDestroyed")
        .await
        .expect("BridgeDestroyed to an app that was in it");
    assert_eq!(
        fake.bridge_history().last(),
        Some(&BridgeHistory::Destroyed {
            bridge: "br1".into()
        })
    );
    assert!(fake
        .channel_features(b.channel_id())
        .is_some_and(|f| f.bridge.is_none() && f.stasis.is_some()));
    fake.shutdown().await;
}
