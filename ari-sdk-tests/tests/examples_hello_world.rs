//! The `hello_world` example against the fake: every caller is answered,
//! hears hello-world to the end, and is hung up by the application.

#[path = "../../ari-sdk/examples/hello_world.rs"]
#[allow(dead_code)]
mod example;
mod examples_support;

use examples_support::{channel_event_types, position, spawn_stasis_app, start_fake, WAIT};

#[tokio::test]
async fn callers_are_answered_greeted_and_hung_up() {
    let fake = start_fake(example::fake_asterisk()).await;
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
        assert_eq!(call.heard(), ["sound:hello-world"]);
        let types = channel_event_types(&fake, call.channel_id());
        // Answered by the app (the dialplan does not answer), then the
        // greeting plays to its end, then the hangup.
        let answered = types
            .iter()
            .position(|t| t == "ChannelStateChange")
            .expect("answered");
        let started = position(&types, "PlaybackStarted");
        let finished = position(&types, "PlaybackFinished");
        let hangup = position(&types, "ChannelHangupRequest");
        assert!(position(&types, "StasisStart") < answered, "{types:?}");
        assert!(
            answered < started && started < finished && finished < hangup,
            "{types:?}"
        );
        assert_eq!(types.last().map(String::as_str), Some("StasisEnd"));
    }
    app.stop().await.expect("the app ends cleanly");
    fake.shutdown().await;
}
