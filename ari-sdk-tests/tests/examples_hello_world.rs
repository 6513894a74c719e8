//! The `hello_world` example against the fake: every caller is answered,
//! hears hello-world to the end, and is hung up by the application.

#[path = "../../ari-sdk/examples/hello_world/main.rs"]
#[allow(dead_code)]
mod example;
mod examples_support;

use examples_support::real_asterisk::{RealTest, REAL_WAIT};
use examples_support::{assert_greeted, position, spawn_stasis_app, start_fake, WAIT};

#[tokio::test]
async fn callers_are_answered_greeted_and_hung_up() {
    let fake = start_fake(example::demo::fake_asterisk()).await;
    let app = spawn_stasis_app(&fake, example::APP, example::app).await;

    // Two callers at once: each gets its own greeting.
    let alice = fake.phone("PJSIP/alice").expect("phone");
    let bob = fake.phone("PJSIP/bob").expect("phone");
    let alice_call = alice.dial(example::EXTENSION).expect("alice dials");
    let bob_call = bob.dial(example::EXTENSION).expect("bob dials");

    // Neither phone hangs up: the application does.
    alice_call
        .wait_hangup(WAIT)
        .await
        .expect("the app hangs alice up");
    bob_call
        .wait_hangup(WAIT)
        .await
        .expect("the app hangs bob up");

    for call in [&alice_call, &bob_call] {
        assert_greeted(&fake, call);
    }
    app.stop().await.expect("the app ends cleanly");
    fake.shutdown().await;
}

/// On a real Asterisk: a caller is answered, hears hello-world to its end and
/// is hung up by the application; a caller who hangs up during the greeting
/// leaves the application serving the next caller.
#[tokio::test]
#[cfg_attr(not(real_asterisk), ignore = "needs a real Asterisk: set ARI_TEST_URL")]
async fn real_asterisk() {
    let real = RealTest::start().await;
    let (asterisk, observer) = (&real.asterisk, &real.observer);
    let app = spawn_stasis_app(asterisk, example::APP, example::app).await;

    let impatient = real
        .call(example::EXTENSION, "hangup05", Some("carol <5551003>"))
        .await;
    observer
        .wait_destroyed(&impatient.app_side, REAL_WAIT)
        .await;
    let types = observer.channel_event_types(&impatient.app_side);
    // The greeting started but did not finish ("done"): the caller left.
    assert!(types.contains(&"PlaybackStarted".to_string()), "{types:?}");
    let greeting_end = observer
        .channel_events(&impatient.app_side)
        .into_iter()
        .find(|e| e["type"] == "PlaybackFinished");
    if let Some(end) = greeting_end {
        assert_ne!(end["playback"]["state"], "done", "{end:#}");
    }

    let caller = real
        .call(example::EXTENSION, "wait20", Some("alice <5551001>"))
        .await;
    observer.wait_destroyed(&caller.app_side, REAL_WAIT).await;
    let events = observer.channel_events(&caller.app_side);
    let types: Vec<String> = events
        .iter()
        .map(|e| e["type"].as_str().unwrap_or("").to_string())
        .collect();
    let answered = events
        .iter()
        .position(|e| e["type"] == "ChannelStateChange" && e["channel"]["state"] == "Up")
        .unwrap_or_else(|| panic!("answered: {types:?}"));
    let started = position(&types, "PlaybackStarted");
    let finished = position(&types, "PlaybackFinished");
    let hangup = position(&types, "ChannelHangupRequest");
    assert!(
        answered < started && started < finished && finished < hangup,
        "{types:?}"
    );
    assert_eq!(
        events[started]["playback"]["media_uri"],
        "sound:hello-world"
    );
    assert_eq!(events[finished]["playback"]["state"], "done");
    // The application hung up: the phone leg was still waiting.
    let phone = observer.channel_event_types(&caller.phone);
    assert!(
        phone.iter().any(|t| t == "ChannelDestroyed"),
        "the phone leg ends with the call: {phone:?}"
    );
    app.stop().await.expect("the app ends cleanly");
    real.close().await;
}
