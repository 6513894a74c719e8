//! The `click_to_call` example against the fake: the first endpoint is
//! called, then the second, the two are bridged, the panel follows both
//! endpoints' device states, and a busy second party is handled.

#[path = "../../ari-sdk/examples/click_to_call/main.rs"]
#[allow(dead_code)]
mod example;
mod examples_support;

use examples_support::real_asterisk::{RealAsterisk, RealTest, REAL_WAIT};
use examples_support::{eventually, spawn_stasis_app, start_fake, WAIT};
use fake_asterisk::{AnswerMode, BridgeHistory};

fn click() -> example::ClickToCall {
    example::ClickToCall {
        from: "PJSIP/alice".into(),
        to: "PJSIP/bob".into(),
    }
}

#[tokio::test]
async fn bridges_both_parties_and_shows_their_states() {
    let fake = start_fake(example::demo::fake_asterisk()).await;
    let alice = fake.phone("PJSIP/alice").expect("phone");
    let bob = fake.phone("PJSIP/bob").expect("phone");
    alice.set_answer_mode(AnswerMode::RingForever);
    bob.set_answer_mode(AnswerMode::RingForever);
    let app = spawn_stasis_app(&fake, example::APP, |app| example::app(app, click())).await;

    // Alice rings first; bob only once alice has answered.
    let alice_leg = alice.next_incoming(WAIT).await.expect("alice is called");
    alice_leg
        .wait_state("Ringing", WAIT)
        .await
        .expect("ringing");
    assert_eq!(fake.device_state("PJSIP/alice"), "RINGING");
    assert!(bob
        .next_incoming(std::time::Duration::from_millis(100))
        .await
        .is_err());
    alice_leg.answer().expect("answer");
    let bob_leg = bob.next_incoming(WAIT).await.expect("bob is called");
    bob_leg.wait_state("Ringing", WAIT).await.expect("ringing");
    bob_leg.answer().expect("answer");

    // Bridged together.
    eventually("alice and bob bridged", || {
        fake.channel_features(alice_leg.channel_id())
            .and_then(|f| f.bridge)
            .and_then(|b| fake.bridge_channels(&b))
            .is_some_and(|c| c == [alice_leg.channel_id(), bob_leg.channel_id()])
    })
    .await;
    assert_eq!(alice_leg.heard(), ["sound:pls-hold-while-try"]);
    assert_eq!(fake.device_state("PJSIP/alice"), "INUSE");
    assert_eq!(fake.device_state("PJSIP/bob"), "INUSE");

    // Bob hangs up: the app hangs alice up and reports.
    bob_leg.hangup();
    alice_leg
        .wait_hangup(WAIT)
        .await
        .expect("the app hangs alice up");
    let report = app.finish(WAIT).await.expect("the call went through");
    let bridge = report.bridge.clone().expect("bridged");
    assert_eq!(report.failure, None);
    let entered: Vec<String> = fake
        .bridge_history()
        .into_iter()
        .filter_map(|h| match h {
            BridgeHistory::Entered { bridge: b, channel } if b == bridge => Some(channel),
            _ => None,
        })
        .collect();
    assert_eq!(entered, [alice_leg.channel_id(), bob_leg.channel_id()]);

    // The panel saw each phone ring and go in use, bob's come back free,
    // and both endpoints with their channel.
    let seen = |device: &str, state: &str| {
        report
            .device_states
            .iter()
            .any(|(d, s)| d == device && s == state)
    };
    for device in ["PJSIP/alice", "PJSIP/bob"] {
        assert!(
            seen(device, "RINGING") && seen(device, "INUSE"),
            "{report:?}"
        );
        assert!(
            report
                .endpoint_states
                .iter()
                .any(|(e, state, channels)| e == device && state == "online" && *channels == 1),
            "{report:?}"
        );
    }
    assert!(seen("PJSIP/bob", "NOT_INUSE"), "{report:?}");
    let bob_states: Vec<&str> = report
        .device_states
        .iter()
        .filter(|(d, _)| d == "PJSIP/bob")
        .map(|(_, s)| s.as_str())
        .collect();
    let ringing = bob_states
        .iter()
        .position(|s| *s == "RINGING")
        .expect("rang");
    assert!(bob_states[ringing..].contains(&"INUSE"), "{bob_states:?}");
    assert_eq!(fake.device_state("PJSIP/alice"), "NOT_INUSE");
    assert_eq!(fake.device_state("PJSIP/bob"), "NOT_INUSE");
    fake.shutdown().await;
}

#[tokio::test]
async fn a_busy_second_party_is_announced_to_the_first() {
    let fake = start_fake(example::demo::fake_asterisk()).await;
    let alice = fake.phone("PJSIP/alice").expect("phone");
    alice.set_answer_mode(AnswerMode::AutoAnswer { after_ms: 100 });
    fake.phone("PJSIP/bob")
        .expect("phone")
        .set_answer_mode(AnswerMode::Busy);
    let app = spawn_stasis_app(&fake, example::APP, |app| example::app(app, click())).await;
    let alice_leg = alice.next_incoming(WAIT).await.expect("alice is called");
    alice_leg
        .wait_hangup(WAIT)
        .await
        .expect("the app hangs alice up");
    let report = app.finish(WAIT).await.expect("the app returns");
    assert_eq!(report.bridge, None);
    let failure = report.failure.expect("a failure");
    assert!(failure.starts_with("PJSIP/bob"), "{failure}");
    assert_eq!(
        alice_leg.heard(),
        ["sound:pls-hold-while-try", "sound:number-not-answering"]
    );
    assert!(fake.bridge_history().is_empty(), "nobody was bridged");
    fake.shutdown().await;
}

/// On a real Asterisk with IAX2 loopback phones (`IAX2/alice` and
/// `IAX2/bob` answer, `IAX2/carol` never does): alice is called, hears the
/// hold prompt, bob is called and the two are bridged; when bob hangs up
/// the application hangs alice up and reports, its panel having followed
/// both endpoints. Then a call to carol, who does not answer.
#[tokio::test]
#[cfg_attr(not(real_asterisk), ignore = "needs a real Asterisk: set ARI_TEST_URL")]
async fn real_asterisk() {
    let real = RealTest::start().await;
    let (asterisk, observer, control) = (&real.asterisk, &real.observer, &real.control);
    let app = spawn_stasis_app(asterisk, example::APP, |app| {
        example::app(
            app,
            example::ClickToCall {
                from: "IAX2/alice".into(),
                to: "IAX2/bob".into(),
            },
        )
    })
    .await;

    // The application's legs are the channels that enter its bridge.
    observer
        .eventually("two legs bridged", |o| {
            o.events().iter().any(|e| {
                e["type"] == "ChannelEnteredBridge"
                    && e["bridge"]["id"]
                        .as_str()
                        .is_some_and(|b| o.bridge_members(b).len() == 2)
            })
        })
        .await;
    let bridge = observer
        .events()
        .iter()
        .find(|e| e["type"] == "ChannelEnteredBridge")
        .and_then(|e| e["bridge"]["id"].as_str().map(str::to_string))
        .expect("the bridge");
    let legs = observer.bridge_members(&bridge);
    let name_of = |id: &str| {
        observer.channel_events(id)[0]["channel"]["name"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    assert!(
        name_of(&legs[0]).starts_with("IAX2/alice"),
        "{}",
        name_of(&legs[0])
    );
    assert!(
        name_of(&legs[1]).starts_with("IAX2/bob"),
        "{}",
        name_of(&legs[1])
    );
    assert_eq!(
        observer.played_on(&format!("channel:{}", legs[0])),
        ["sound:pls-hold-while-try"]
    );

    control
        .channels()
        .hangup(&legs[1])
        .await
        .expect("bob's leg hung up");
    observer.wait_destroyed(&legs[0], REAL_WAIT).await;
    let report = app.finish(REAL_WAIT).await.expect("the call went through");
    assert_eq!(report.bridge.as_deref(), Some(bridge.as_str()));
    assert_eq!(report.failure, None);
    // IAX2 peers without `qualify` have no endpoint state ("unknown") and
    // fall back to device state UNKNOWN, not NOT_INUSE as a PJSIP phone.
    for device in ["IAX2/alice", "IAX2/bob"] {
        let states: Vec<&str> = report
            .device_states
            .iter()
            .filter(|(d, _)| d == device)
            .map(|(_, s)| s.as_str())
            .collect();
        assert_eq!(states[..2], ["RINGING", "INUSE"], "{report:?}");
        assert!(
            report
                .endpoint_states
                .iter()
                .any(|(e, _, channels)| e == device && *channels == 1),
            "{report:?}"
        );
    }

    // One application name at a time on a server: the next scenario runs
    // after this one, not beside it, with an observer of its own.
    no_answer(asterisk).await;
    real.close().await;
}

/// `IAX2/carol` rings and never answers: after the application's 30 s the
/// call to her is dropped, the click reports her failure, and nobody was
/// bridged.
async fn no_answer(asterisk: &RealAsterisk) {
    let observer = asterisk.observe().await;
    let app = spawn_stasis_app(asterisk, example::APP, |app| {
        example::app(
            app,
            example::ClickToCall {
                from: "IAX2/alice".into(),
                to: "IAX2/carol".into(),
            },
        )
    })
    .await;
    let report = app.finish(REAL_WAIT * 2).await.expect("the app returns");
    assert_eq!(report.bridge, None);
    let failure = report.failure.expect("a failure");
    assert!(failure.starts_with("IAX2/carol"), "{failure}");
    let alice_leg = observer
        .events()
        .iter()
        .find(|e| {
            e["type"] == "PlaybackStarted"
                && e["playback"]["media_uri"] == "sound:pls-hold-while-try"
        })
        .and_then(|e| e["playback"]["target_uri"].as_str().map(str::to_string))
        .expect("alice was told to hold");
    // The kit's IAX2/alice hangs up 30 s after answering, about when the
    // application gives up on carol: she may be gone before she is told.
    let told = observer.played_on(&alice_leg);
    assert!(
        told == ["sound:pls-hold-while-try"]
            || told == ["sound:pls-hold-while-try", "sound:number-not-answering"],
        "{told:?}"
    );
    let carol = asterisk
        .control()
        .await
        .endpoints()
        .get("IAX2", "carol")
        .await
        .expect("carol's endpoint");
    assert!(
        carol.channel_ids.is_empty(),
        "carol's call was dropped: {carol:?}"
    );
    assert!(
        !observer
            .events()
            .iter()
            .any(|e| e["type"] == "ChannelEnteredBridge"),
        "nobody was bridged"
    );
    observer.close().await;
}
