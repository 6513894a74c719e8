//! The `click_to_call` example against the fake: the first endpoint is
//! called, then the second, the two are bridged, the panel follows both
//! endpoints' device states, and a busy second party is handled.

#[path = "../../ari-sdk/examples/click_to_call.rs"]
#[allow(dead_code)]
mod example;
mod examples_support;

use fake_asterisk::{AnswerMode, BridgeHistory};
use examples_support::{eventually, spawn_app, start_fake, WAIT};

fn click() -> example::ClickToCall {
    example::ClickToCall {
        from: "PJSIP/alice".into(),
        to: "PJSIP/bob".into(),
    }
}

#[tokio::test]
async fn bridges_both_parties_and_shows_their_states() {
    let fake = start_fake(example::fake_asterisk()).await;
    let alice = fake.phone("PJSIP/alice").expect("phone");
    let bob = fake.phone("PJSIP/bob").expect("phone");
    alice.set_answer_mode(AnswerMode::RingForever);
    bob.set_answer_mode(AnswerMode::RingForever);
    let app = spawn_app(&fake, example::APP, |ari, events| {
        example::app(ari, events, click())
    })
    .await;

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
    let fake = start_fake(example::fake_asterisk()).await;
    let alice = fake.phone("PJSIP/alice").expect("phone");
    alice.set_answer_mode(AnswerMode::AutoAnswer { after_ms: 100 });
    fake.phone("PJSIP/bob")
        .expect("phone")
        .set_answer_mode(AnswerMode::Busy);
    let app = spawn_app(&fake, example::APP, |ari, events| {
        example::app(ari, events, click())
    })
    .await;
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
