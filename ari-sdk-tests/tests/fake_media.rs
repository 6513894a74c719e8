//! Playbacks and recordings on the fake: timing, control, stored files.

mod support;

use std::time::Duration;

use fake_asterisk::FakeAsterisk;
use serde_json::json;
use support::{Events, Http};

async fn fake_with_call() -> (FakeAsterisk, Events, Http, String, fake_asterisk::Call) {
    // Simulated time at a quarter of real: the recording test measures 1 s
    // of talk and 2 s of silence in whole seconds, and at 50 times real speed
    // the scheduling delays of a busy machine (CI, two cores) turned tens of
    // milliseconds into seconds of extra silence.
    let fake = FakeAsterisk::builder()
        .time_scale(0.25)
        .build()
        .start()
        .await
        .expect("fake starts");
    let events = Events::connect(&fake, "app", false).await;
    let http = Http::new(&fake);
    let call = fake.call_into_app("app", "3001", &[]).expect("call");
    let id = call.channel_id().to_string();
    events.wait_type("StasisStart", &id).await;
    // Calls straight into an app are not answered yet.
    assert_eq!(
        http.post(&format!("/ari/channels/{id}/answer"))
            .await
            .status,
        204
    );
    (fake, events, http, id, call)
}

fn playback_states(events: &Events, id: &str) -> Vec<String> {
    events
        .all()
        .iter()
        .filter(|e| e["playback"]["id"] == id)
        .map(|e| {
            format!(
                "{}:{}",
                e["type"].as_str().unwrap_or(""),
                e["playback"]["state"].as_str().unwrap_or("")
            )
        })
        .collect()
}

#[tokio::test]
async fn playbacks_queue_and_obey_control() {
    let (fake, events, http, id, call) = fake_with_call().await;
    let r = http
        .post(&format!(
            "/ari/channels/{id}/play/p1?media=sound:demo-congrats"
        ))
        .await;
    assert_eq!(
        (r.status, r.json()["state"].clone()),
        (201, json!("queued"))
    );
    assert_eq!(r.header("location"), Some("/ari/playbacks/p1"));
    let r = http
        .post(&format!("/ari/channels/{id}/play/p2?media=digits:12"))
        .await;
    assert_eq!(r.status, 201);
    events
        .wait_for(Duration::from_secs(5), |e| {
            e["type"] == "PlaybackStarted" && e["playback"]["id"] == "p1"
        })
        .await
        .expect("p1 starts");
    assert_eq!(
        http.get("/ari/playbacks/p2").await.json()["state"],
        "queued"
    );
    let control = |op: &str| format!("/ari/playbacks/p1/control?operation={op}");
    assert_eq!(http.post(&control("pause")).await.status, 204);
    assert_eq!(
        http.get("/ari/playbacks/p1").await.json()["state"],
        "paused"
    );
    let r = http.post(&control("forward")).await;
    assert_eq!(
        (r.status, r.json()["message"].clone()),
        (409, json!("Can only forward while media is playing"))
    );
    assert_eq!(http.post(&control("unpause")).await.status, 204);
    let r = http.post(&control("jump")).await;
    assert_eq!(r.json()["message"], "Invalid operation jump");
    assert_eq!(http.delete("/ari/playbacks/p1").await.status, 204);
    events
        .wait_for(Duration::from_secs(5), |e| {
            e["type"] == "PlaybackStarted" && e["playback"]["id"] == "p2"
        })
        .await
        .expect("p2 starts after p1 stops");
    // digits: playbacks cannot be stopped once playing.
    let r = http.delete("/ari/playbacks/p2").await;
    assert_eq!(
        (r.status, r.json()["message"].clone()),
        (500, json!("Could not stop playback"))
    );
    events
        .wait_for(Duration::from_secs(5), |e| {
            e["type"] == "PlaybackFinished" && e["playback"]["id"] == "p2"
        })
        .await
        .expect("p2 finishes");
    assert_eq!(
        playback_states(&events, "p1"),
        [
            "PlaybackStarted:playing",
            "PlaybackStarted:playing",
            "PlaybackFinished:done"
        ]
    );
    assert_eq!(
        playback_states(&events, "p2"),
        ["PlaybackStarted:playing", "PlaybackFinished:done"]
    );
    assert_eq!(call.heard(), ["sound:demo-congrats", "digits:12"]);
    assert_eq!(http.get("/ari/playbacks/p2").await.status, 404);
    fake.shutdown().await;
}

#[tokio::test]
async fn recordings_stop_on_silence_dtmf_or_request() {
    let (fake, events, http, id, call) = fake_with_call().await;
    // Silence: 1 s of talk, then 2 s of silence ends it.
    let r = http
        .post(&format!(
            "/ari/channels/{id}/record?name=msg1&format=wav&maxSilenceSeconds=2&beep=true"
        ))
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.header("location"), Some("/ari/recordings/live/msg1"));
    assert_eq!(r.json()["state"], "queued");
    events.wait_type("RecordingStarted", "").await;
    call.speak(1000).await;
    let finished = events
        .wait_for(Duration::from_secs(5), |e| {
            e["type"] == "RecordingFinished" && e["recording"]["name"] == "msg1"
        })
        .await
        .expect("ends on silence");
    assert_eq!(finished["recording"]["state"], "done");
    assert_eq!(finished["recording"]["talking_duration"], 1);
    assert_eq!(finished["recording"]["silence_duration"], 2);
    assert_eq!(fake.played_on_channel(&id), ["sound:beep"]);

    // ifExists=fail (the default) refuses an existing name.
    let r = http
        .post(&format!("/ari/channels/{id}/record?name=msg1&format=wav"))
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(
        r.json()["message"],
        "Recording 'msg1' already exists and can not be overwritten"
    );
    let r = http
        .post(&format!("/ari/channels/{id}/record?name=x&format=nope"))
        .await;
    assert_eq!(
        (r.status, r.json()["message"].clone()),
        (422, json!("specified format is unknown on this system"))
    );
    let r = http
        .post(&format!(
            "/ari/channels/{id}/record?name=x&format=wav&ifExists=maybe"
        ))
        .await;
    assert_eq!(r.json()["message"], "ifExists invalid");

    // terminateOn: the key ends it.
    let r = http
        .post(&format!(
            "/ari/channels/{id}/record?name=msg2&format=ulaw&terminateOn=%23&maxDurationSeconds=60"
        ))
        .await;
    assert_eq!(r.status, 201);
    events
        .wait_for(Duration::from_secs(5), |e| {
            e["type"] == "RecordingStarted" && e["recording"]["name"] == "msg2"
        })
        .await
        .expect("msg2 starts");
    assert_eq!(
        http.post("/ari/recordings/live/msg2/pause").await.status,
        204
    );
    assert_eq!(
        http.get("/ari/recordings/live/msg2").await.json()["state"],
        "paused"
    );
    assert_eq!(
        http.post("/ari/recordings/live/msg2/mute").await.status,
        204
    );
    assert_eq!(
        http.delete("/ari/recordings/live/msg2/pause").await.status,
        204
    );
    call.press("1#").await;
    events
        .wait_for(Duration::from_secs(5), |e| {
            e["type"] == "RecordingFinished" && e["recording"]["name"] == "msg2"
        })
        .await
        .expect("ends on #");

    // Stored recordings: list, file, copy, delete.
    let names: Vec<String> = http
        .get("/ari/recordings/stored")
        .await
        .json()
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| r["name"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(names, ["msg1", "msg2"]);
    let file = http.get("/ari/recordings/stored/msg1/file").await;
    assert_eq!(file.status, 200);
    assert_eq!(file.header("content-type"), Some("audio/wav"));
    assert_eq!(&file.body[..4], b"RIFF");
    assert!(file.body.len() > 44 + 16_000, "about 3 s of 8 kHz audio");
    assert_eq!(
        http.post("/ari/recordings/stored/msg1/copy?destinationRecordingName=kept")
            .await
            .status,
        200
    );
    let r = http
        .post("/ari/recordings/stored/msg1/copy?destinationRecordingName=kept")
        .await;
    assert_eq!(r.status, 409);
    let r = http
        .post("/ari/recordings/stored/msg1/copy?destinationRecordingName=..%2Fescape")
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(http.delete("/ari/recordings/stored/msg1").await.status, 204);
    assert_eq!(http.get("/ari/recordings/stored/msg1").await.status, 404);
    assert!(fake.stored_recordings().iter().any(|r| r.name == "kept"));

    // Stop from REST, and a recording cut by hangup still completes.
    http.post(&format!("/ari/channels/{id}/record?name=msg3&format=wav"))
        .await;
    events
        .wait_for(Duration::from_secs(5), |e| {
            e["type"] == "RecordingStarted" && e["recording"]["name"] == "msg3"
        })
        .await
        .expect("msg3 starts");
    assert_eq!(
        http.post("/ari/recordings/live/msg3/stop").await.status,
        204
    );
    let stopped = events
        .wait_for(Duration::from_secs(5), |e| {
            e["type"] == "RecordingFinished" && e["recording"]["name"] == "msg3"
        })
        .await
        .expect("msg3 finishes when stopped");
    assert_eq!(stopped["recording"]["state"], "done");
    assert!(fake.stored_recordings().iter().any(|r| r.name == "msg3"));
    // Stopped already: it is no longer live.
    assert_eq!(
        http.post("/ari/recordings/live/msg3/stop").await.status,
        404
    );

    http.post(&format!("/ari/channels/{id}/record?name=msg4&format=wav"))
        .await;
    events
        .wait_for(Duration::from_secs(5), |e| {
            e["type"] == "RecordingStarted" && e["recording"]["name"] == "msg4"
        })
        .await
        .expect("msg4 starts");
    call.hangup();
    events
        .wait_for(Duration::from_secs(5), |e| {
            e["type"] == "RecordingFinished" && e["recording"]["name"] == "msg4"
        })
        .await
        .expect("msg4 completes on hangup");
    assert!(fake.stored_recordings().iter().any(|r| r.name == "msg4"));
    fake.shutdown().await;
}
