//! The `call_roulette` example against the fake: who is bridged with whom,
//! who waits on music on hold, and what happens when one of a pair leaves.

#[path = "../../ari-sdk/examples/call_roulette/main.rs"]
#[allow(dead_code)]
mod example;
mod examples_support;

use std::collections::BTreeSet;

use examples_support::real_asterisk::{RealTest, REAL_WAIT};
use examples_support::{eventually, spawn_stasis_app, start_fake, while_disconnected, WAIT};
use fake_asterisk::{BridgeHistory, Call, FakeAsterisk};

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
    let fake = start_fake(example::demo::fake_asterisk()).await;
    let app = spawn_stasis_app(&fake, example::APP, example::app).await;

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
    let fake = start_fake(example::demo::fake_asterisk()).await;
    let app = spawn_stasis_app(&fake, example::APP, example::app).await;

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

/// On a real Asterisk: the first caller waits alone, the second is bridged
/// with them, the third waits; when the first leaves, the other two are
/// bridged in a new bridge and the old one is destroyed.
#[tokio::test]
#[cfg_attr(not(real_asterisk), ignore = "needs a real Asterisk: set ARI_TEST_URL")]
async fn real_asterisk() {
    let real = RealTest::start().await;
    let (asterisk, observer) = (&real.asterisk, &real.observer);
    let app = spawn_stasis_app(asterisk, example::APP, example::app).await;
    let call = |name: &'static str| {
        let real = &real;
        async move {
            real.call(example::EXTENSION, "wait60", Some(&format!("{name} <0>")))
                .await
        }
    };
    let alone = |id: &str| observer.is_up(id) && observer.bridge_of(id).is_none();

    let alice = call("alice").await;
    observer
        .eventually("alice answered and waiting", |_| alone(&alice.app_side))
        .await;
    let bob = call("bob").await;
    observer
        .eventually("alice and bob bridged", |o| {
            o.bridge_of(&alice.app_side).is_some()
                && o.bridge_of(&alice.app_side) == o.bridge_of(&bob.app_side)
        })
        .await;
    let first = observer.bridge_of(&alice.app_side).expect("bridge");
    assert_eq!(
        observer.bridge_members(&first),
        [alice.app_side.clone(), bob.app_side.clone()]
    );

    let carol = call("carol").await;
    observer
        .eventually("carol answered and waiting", |_| alone(&carol.app_side))
        .await;

    // Alice leaves: bob is paired with carol in a new bridge.
    real.hang_up(&alice).await;
    observer
        .eventually("bob and carol bridged", |o| {
            o.bridge_of(&bob.app_side).is_some()
                && o.bridge_of(&bob.app_side) == o.bridge_of(&carol.app_side)
        })
        .await;
    let second = observer.bridge_of(&bob.app_side).expect("bridge");
    assert_ne!(first, second);
    observer
        .eventually("the first bridge destroyed", |o| o.bridge_destroyed(&first))
        .await;

    // Carol leaves: bob waits alone again.
    real.hang_up(&carol).await;
    observer
        .eventually("bob waiting alone again", |_| alone(&bob.app_side))
        .await;
    real.hang_up(&bob).await;
    observer.wait_destroyed(&bob.app_side, REAL_WAIT).await;
    app.stop().await.expect("the app ends cleanly");
    real.close().await;
}
