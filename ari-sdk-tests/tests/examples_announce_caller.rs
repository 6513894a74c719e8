//! The `announce_caller` example against the fake: each caller hears their
//! own number, to the end, before the application hangs up.

#[path = "../../ari-sdk/examples/announce_caller/main.rs"]
#[allow(dead_code)]
mod example;
mod examples_support;

use std::time::Instant;

use examples_support::real_asterisk::{RealTest, REAL_WAIT};
use examples_support::{channel_event_types, position, spawn_stasis_app, start_fake, WAIT};

#[tokio::test]
async fn each_caller_hears_their_own_number_then_is_hung_up() {
    let fake = start_fake(example::demo::fake_asterisk()).await;
    let app = spawn_stasis_app(&fake, example::APP, example::app).await;

    let alice = fake.phone("PJSIP/alice").expect("phone");
    alice.set_caller_id("alice", "5551001");
    let bob = fake.phone("PJSIP/bob").expect("phone");
    bob.set_caller_id("bob", "42");
    let anonymous = fake.phone("PJSIP/anonymous").expect("phone");
    anonymous.set_caller_id("", "");

    let started = Instant::now();
    let alice_call = alice.dial(example::EXTENSION).expect("dial");
    let bob_call = bob.dial(example::EXTENSION).expect("dial");
    let anonymous_call = anonymous.dial(example::EXTENSION).expect("dial");
    for call in [&alice_call, &bob_call, &anonymous_call] {
        call.wait_hangup(WAIT).await.expect("the app hangs up");
    }

    assert_eq!(alice_call.heard(), ["digits:5551001"]);
    assert_eq!(bob_call.heard(), ["digits:42"]);
    assert!(anonymous_call.heard().is_empty(), "nothing to announce");

    // Seven spoken digits take 7 x 0.82 s of simulated time (115 ms at the
    // tests' time scale): the hangup waited for the whole number.
    assert!(
        started.elapsed().as_millis() >= 110,
        "{:?}",
        started.elapsed()
    );
    for call in [&alice_call, &bob_call] {
        let types = channel_event_types(&fake, call.channel_id());
        assert!(
            position(&types, "PlaybackFinished") < position(&types, "ChannelHangupRequest"),
            "{types:?}"
        );
    }
    app.stop().await.expect("the app ends cleanly");
    fake.shutdown().await;
}

/// On a real Asterisk: a caller hears their number to its end before the
/// hangup; a caller without a number hears nothing and is hung up.
#[tokio::test]
#[cfg_attr(not(real_asterisk), ignore = "needs a real Asterisk: set ARI_TEST_URL")]
async fn real_asterisk() {
    let real = RealTest::start().await;
    let (asterisk, observer) = (&real.asterisk, &real.observer);
    let app = spawn_stasis_app(asterisk, example::APP, example::app).await;

    let alice = real
        .call(example::EXTENSION, "wait20", Some("alice <5551001>"))
        .await;
    let anonymous = real.call(example::EXTENSION, "wait20", None).await;
    for call in [&alice, &anonymous] {
        observer.wait_destroyed(&call.app_side, REAL_WAIT).await;
    }

    let events = observer.channel_events(&alice.app_side);
    let types = observer.channel_event_types(&alice.app_side);
    let started = position(&types, "PlaybackStarted");
    let finished = position(&types, "PlaybackFinished");
    assert_eq!(events[started]["playback"]["media_uri"], "digits:5551001");
    assert_eq!(events[finished]["playback"]["state"], "done");
    assert!(
        finished < position(&types, "ChannelHangupRequest"),
        "{types:?}"
    );

    let types = observer.channel_event_types(&anonymous.app_side);
    assert!(!types.iter().any(|t| t == "PlaybackStarted"), "{types:?}");
    assert!(
        types.iter().any(|t| t == "ChannelHangupRequest"),
        "{types:?}"
    );
    app.stop().await.expect("the app ends cleanly");
    real.close().await;
}

#[test]
fn numbers_become_digits_media() {
    assert_eq!(
        example::number_media("+1 (555) 100-1"),
        Some("digits:15551001".into())
    );
    assert_eq!(example::number_media("*98#"), Some("digits:*98#".into()));
    assert_eq!(example::number_media("anonymous"), None);
}
