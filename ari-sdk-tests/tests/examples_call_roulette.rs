//! The `call_roulette` example against the fake: who is bridged with whom,
//! who waits on music on hold, and what happens when one of a pair leaves.

#[path = "../../ari-sdk/examples/call_roulette.rs"]
#[allow(dead_code)]
mod example;
mod examples_support;

use std::collections::BTreeSet;

use fake_asterisk::{BridgeHistory, Call, FakeAsterisk};
use examples_support::{eventually, spawn_app, start_fake, while_disconnected, WAIT};

fn dial(fake: &FakeAsterisk, name: &str) -> Call {
    fake.phone(&format!("PJSIP/{name}"))
        .expect("phone")
        .dial(example::EXTENSION)
        .expect("dial")
}

fn on_hold(fake: &FakeAsterisk, call: &Call) -> bool {
    fake.channel_features(call.channel_id())
        .is_some_and(|f| f.moh.is_some() && f.bridge.is_none() && f.state == "Up")
}

fn bridge_of(fake: &FakeAsterisk, call: &Call) -> Option<String> {
    fake.channel_features(call.channel_id())?.bridge
}

/// The bridge `a` and `b` share, with nobody else in it and no music.
fn pair_bridge(fake: &FakeAsterisk, a: &Call, b: &Call) -> Option<String> {
    let bridge = bridge_of(fake, a)?;
    let members: BTreeSet<String> = fake.bridge_channels(&bridge)?.into_iter().collect();
    let expected: BTreeSet<String> = [a, b].iter().map(|c| c.channel_id().to_string()).collect();
    let quiet = [a, b].iter().all(|c| {
        fake.channel_features(c.channel_id())
            .is_some_and(|f| f.moh.is_none())
    });
    (members == expected && quiet).then_some(bridge)
}

#[tokio::test]
async fn pairs_callers_and_puts_the_odd_one_on_hold() {
    let fake = start_fake(example::fake_asterisk()).await;
    let app = spawn_app(&fake, example::APP, example::app).await;

    let alice = dial(&fake, "alice");
    eventually("alice on hold", || on_hold(&fake, &alice)).await;

    let bob = dial(&fake, "bob");
    eventually("alice and bob bridged", || {
        pair_bridge(&fake, &alice, &bob).is_some()
    })
    .await;
    let first = bridge_of(&fake, &alice).expect("bridge");

    let carol = dial(&fake, "carol");
    eventually("carol on hold", || on_hold(&fake, &carol)).await;
    assert_eq!(
        pair_bridge(&fake, &alice, &bob).as_ref(),
        Some(&first),
        "the pair stays"
    );

    // Alice leaves: bob is paired with carol, in a new bridge.
    alice.hangup();
    eventually("bob and carol bridged", || {
        pair_bridge(&fake, &bob, &carol).is_some()
    })
    .await;
    let second = bridge_of(&fake, &bob).expect("bridge");
    assert_ne!(first, second);
    eventually("the first bridge destroyed", || {
        fake.bridge_channels(&first).is_none()
    })
    .await;

    // Carol leaves: bob waits alone again.
    carol.hangup();
    eventually("bob on hold", || on_hold(&fake, &bob)).await;
    bob.hangup();
    bob.wait_hangup(WAIT).await.expect("bob gone");

    // Who entered which bridge, in order.
    let entered: Vec<(String, String)> = fake
        .bridge_history()
        .into_iter()
        .filter_map(|h| match h {
            BridgeHistory::Entered { bridge, channel } => Some((bridge, channel)),
            _ => None,
        })
        .collect();
    let id = |c: &Call| c.channel_id().to_string();
    assert_eq!(
        entered,
        [
            (first.clone(), id(&alice)),
            (first.clone(), id(&bob)),
            (second.clone(), id(&carol)),
            (second.clone(), id(&bob)),
        ],
        "the one who waited longest is paired first"
    );
    app.stop().await.expect("the app ends cleanly");
    fake.shutdown().await;
}

#[tokio::test]
async fn callers_who_left_while_the_connection_was_down_are_let_go() {
    let fake = start_fake(example::fake_asterisk()).await;
    let app = spawn_app(&fake, example::APP, example::app).await;

    // A pair, and the waiting one.
    let alice = dial(&fake, "alice");
    eventually("alice on hold", || on_hold(&fake, &alice)).await;
    let bob = dial(&fake, "bob");
    eventually("alice and bob paired", || {
        pair_bridge(&fake, &alice, &bob).is_some()
    })
    .await;
    let carol = dial(&fake, "carol");
    eventually("carol on hold", || on_hold(&fake, &carol)).await;

    // Alice (paired) and carol (waiting) hang up while the application
    // hears nothing.
    while_disconnected(&fake, || {
        alice.hangup();
        carol.hangup();
    })
    .await;

    // Bob goes back to the pool, on hold...
    eventually("bob back on hold", || on_hold(&fake, &bob)).await;
    // ...and the next caller is paired with him, not with carol's ghost.
    let dave = dial(&fake, "dave");
    eventually("bob and dave paired", || {
        pair_bridge(&fake, &bob, &dave).is_some()
    })
    .await;

    bob.hangup();
    dave.hangup();
    app.stop().await.expect("the app ends cleanly");
    fake.shutdown().await;
}
