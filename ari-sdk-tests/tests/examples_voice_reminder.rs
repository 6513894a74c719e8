//! The `voice_reminder` example against the fake: the caller's minutes and
//! recording are taken, the call back comes only when the time is up, to the
//! caller's own phone, plays their recording, and the recording is removed.

#[path = "../../ari-sdk/examples/voice_reminder/main.rs"]
#[allow(dead_code)]
mod example;
mod examples_support;

use std::time::{Duration, Instant};

use examples_support::real_asterisk::{RealTest, REAL_WAIT};
use examples_support::{eventually, spawn_stasis_app, start_fake, WAIT};

const MINUTE: Duration = Duration::from_millis(150);

#[tokio::test]
async fn calls_back_after_the_keyed_minutes_with_the_recording() {
    let fake = start_fake(example::demo::fake_asterisk()).await;
    let app = spawn_stasis_app(&fake, example::APP, |app| example::app(app, MINUTE)).await;

    let alice = fake.phone("PJSIP/alice").expect("phone");
    let call = alice.dial(example::EXTENSION).expect("dial");
    let target = format!("channel:{}", call.channel_id());
    fake.wait_for_event(WAIT, |e| {
        e.event["type"] == "PlaybackFinished" && e.event["playback"]["target_uri"] == target
    })
    .await
    .expect("the prompt plays");
    call.press("3#").await;
    fake.wait_for_event(WAIT, |e| {
        e.event["type"] == "RecordingStarted" && e.event["recording"]["target_uri"] == target
    })
    .await
    .expect("the recording starts");
    call.speak(1000).await;
    call.press("#").await;
    call.wait_hangup(WAIT).await.expect("the app hangs up");
    let hung_up = Instant::now();
    assert_eq!(
        call.heard(),
        [
            "sound:queue-minutes",
            "sound:beep",
            "sound:you-entered",
            "number:3",
            "sound:queue-minutes",
            "sound:beep",
            "sound:auth-thankyou",
        ]
    );
    let stored = fake.stored_recordings();
    assert_eq!(stored.len(), 1, "{stored:?}");
    let reminder = stored[0].name.clone();
    assert!(stored[0].duration_ms >= 1000, "{stored:?}");

    // The call back rings alice's own phone, three "minutes" later.
    let callback = alice
        .next_incoming(WAIT)
        .await
        .expect("alice is called back");
    let waited = hung_up.elapsed();
    assert!(
        waited >= MINUTE * 3 - Duration::from_millis(20),
        "{waited:?}"
    );
    assert!(waited < MINUTE * 3 + Duration::from_secs(2), "{waited:?}");
    callback
        .wait_hangup(WAIT)
        .await
        .expect("the app hangs up the callback");
    assert_eq!(
        callback.heard(),
        [format!("recording:{reminder}"), "sound:goodbye".to_string()]
    );
    eventually("the delivered reminder deleted", || {
        fake.stored_recordings().is_empty()
    })
    .await;
    app.stop().await.expect("the app ends cleanly");
    fake.shutdown().await;
}

#[tokio::test]
async fn no_minutes_no_reminder() {
    let fake = start_fake(example::demo::fake_asterisk()).await;
    let app = spawn_stasis_app(&fake, example::APP, |app| example::app(app, MINUTE)).await;
    let bob = fake.phone("PJSIP/bob").expect("phone");
    let call = bob.dial(example::EXTENSION).expect("dial");
    let target = format!("channel:{}", call.channel_id());
    fake.wait_for_event(WAIT, |e| {
        e.event["type"] == "PlaybackFinished" && e.event["playback"]["target_uri"] == target
    })
    .await
    .expect("the prompt plays");
    call.press("0#").await;
    call.wait_hangup(WAIT).await.expect("the app hangs up");
    assert_eq!(call.heard()[2..], ["sound:invalid", "sound:goodbye"]);
    assert!(bob.next_incoming(MINUTE * 3).await.is_err(), "no call back");
    assert!(fake.stored_recordings().is_empty());
    app.stop().await.expect("the app ends cleanly");
    fake.shutdown().await;
}

#[test]
fn endpoints_come_from_channel_names() {
    assert_eq!(example::endpoint_of("PJSIP/alice-00000001"), "PJSIP/alice");
    assert_eq!(
        example::endpoint_of("PJSIP/front-desk-0000000a"),
        "PJSIP/front-desk"
    );
    assert_eq!(
        example::endpoint_of("Local/100@default"),
        "Local/100@default"
    );
}

/// On a real Asterisk, with one keyed "minute" lasting a second: the caller
/// keys `1#` and speaks (caller extension `remind`); the application plays
/// the prompts, records the reminder and hangs up; a second later it calls
/// the caller's endpoint back, plays the recording and goodbye, and deletes
/// the recording.
#[tokio::test]
#[cfg_attr(not(real_asterisk), ignore = "needs a real Asterisk: set ARI_TEST_URL")]
async fn real_asterisk() {
    let real = RealTest::start().await;
    let (asterisk, observer, control) = (&real.asterisk, &real.observer, &real.control);
    let app = spawn_stasis_app(asterisk, example::APP, |app| {
        example::app(app, Duration::from_secs(1))
    })
    .await;

    let alice = real
        .call(example::EXTENSION, "remind", Some("alice <5551001>"))
        .await;
    observer.wait_destroyed(&alice.app_side, REAL_WAIT).await;
    assert_eq!(
        observer.played_on(&format!("channel:{}", alice.app_side)),
        [
            "sound:queue-minutes",
            "sound:beep",
            "sound:you-entered",
            "number:1",
            "sound:queue-minutes",
            "sound:auth-thankyou",
        ]
    );
    let recorded: Vec<_> = observer
        .channel_events(&alice.app_side)
        .into_iter()
        .filter(|e| e["type"] == "RecordingFinished")
        .collect();
    assert_eq!(recorded.len(), 1, "{recorded:#?}");
    let reminder = recorded[0]["recording"]["name"]
        .as_str()
        .expect("the recording's name")
        .to_string();

    // The call back plays the recording on a channel of the caller's
    // endpoint, then goodbye.
    let media = format!("recording:{reminder}");
    observer
        .eventually("the reminder played back", |o| {
            o.events()
                .iter()
                .any(|e| e["type"] == "PlaybackStarted" && e["playback"]["media_uri"] == media)
        })
        .await;
    let target = observer
        .events()
        .iter()
        .find(|e| e["type"] == "PlaybackStarted" && e["playback"]["media_uri"] == media)
        .and_then(|e| e["playback"]["target_uri"].as_str().map(str::to_string))
        .expect("the call back's channel");
    let callback = target
        .strip_prefix("channel:")
        .expect("a channel")
        .to_string();
    assert_ne!(callback, alice.app_side);
    observer.wait_destroyed(&callback, REAL_WAIT).await;
    assert_eq!(
        observer.played_on(&target),
        [media.clone(), "sound:goodbye".into()]
    );
    let callback_name = observer.channel_events(&callback)[0]["channel"]["name"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(
        callback_name.starts_with(&format!("Local/{}@", example::EXTENSION)),
        "the caller's endpoint is called back: {callback_name}"
    );
    for _ in 0..50 {
        if control.recordings().get_stored(&reminder).await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let gone = control.recordings().get_stored(&reminder).await;
    assert!(
        gone.as_ref().is_err_and(|e| e.is_not_found()),
        "the delivered reminder is deleted: {gone:?}"
    );
    app.stop().await.expect("the app ends cleanly");
    real.close().await;
}
