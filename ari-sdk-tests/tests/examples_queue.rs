//! The `queue` example against the fake: customers wait on music on hold,
//! each free agent gets the customer who waited longest, a freed agent
//! takes the next customer, and an agent hanging up ends the customer's call.

#[path = "../../ari-sdk/examples/queue/main.rs"]
#[allow(dead_code)]
mod example;
mod examples_support;

use std::collections::BTreeSet;

use examples_support::real_asterisk::{LocalCall, Observer, RealTest, REAL_WAIT};
use examples_support::{eventually, spawn_stasis_app, start_fake, while_disconnected, WAIT};
use fake_asterisk::{Call, FakeAsterisk};

fn dial(fake: &FakeAsterisk, name: &str, extension: &str) -> Call {
    fake.phone(&format!("PJSIP/{name}"))
        .expect("phone")
        .dial(extension)
        .expect("dial")
}

fn on_hold(fake: &FakeAsterisk, call: &Call) -> bool {
    fake.channel_features(call.channel_id())
        .is_some_and(|f| f.moh.is_some() && f.bridge.is_none())
}

/// Whether `a` and `b`, and nobody else, share a bridge, without music.
fn talking(fake: &FakeAsterisk, a: &Call, b: &Call) -> bool {
    let Some(bridge) = fake.channel_features(a.channel_id()).and_then(|f| f.bridge) else {
        return false;
    };
    let members: BTreeSet<String> = fake
        .bridge_channels(&bridge)
        .unwrap_or_default()
        .into_iter()
        .collect();
    let expected: BTreeSet<String> = [a, b].iter().map(|c| c.channel_id().to_string()).collect();
    members == expected
        && fake
            .channel_features(a.channel_id())
            .is_some_and(|f| f.moh.is_none())
}

#[tokio::test]
async fn agents_take_the_longest_waiting_customer() {
    let fake = start_fake(example::demo::fake_asterisk()).await;
    let app = spawn_stasis_app(&fake, example::APP, example::app).await;

    let mut customers = Vec::new();
    for name in ["alice", "bob", "carol"] {
        let call = dial(&fake, name, example::CUSTOMER_EXTENSION);
        eventually(&format!("{name} on hold"), || on_hold(&fake, &call)).await;
        customers.push(call);
    }
    let [alice, bob, carol] = &customers[..] else {
        unreachable!()
    };

    let ann = dial(&fake, "ann", example::AGENT_EXTENSION);
    eventually("ann takes alice, who waited longest", || {
        talking(&fake, alice, &ann)
    })
    .await;
    assert!(on_hold(&fake, bob) && on_hold(&fake, carol));

    let ben = dial(&fake, "ben", example::AGENT_EXTENSION);
    eventually("ben takes bob", || talking(&fake, bob, &ben)).await;
    assert!(on_hold(&fake, carol));

    // Alice is done: ann is free again and takes carol.
    alice.hangup();
    eventually("ann takes carol", || talking(&fake, carol, &ann)).await;

    // Ben hangs up: bob's call is over.
    ben.hangup();
    bob.wait_hangup(WAIT).await.expect("the app hangs bob up");

    // Carol is done; ann waits for the next customer, who is served at once.
    carol.hangup();
    carol.wait_hangup(WAIT).await.expect("carol gone");
    let dave = dial(&fake, "dave", example::CUSTOMER_EXTENSION);
    eventually("ann takes dave without a wait", || {
        talking(&fake, &dave, &ann)
    })
    .await;
    assert!(ann.is_alive(), "agents stay on the line between customers");

    app.stop().await.expect("the app ends cleanly");
    fake.shutdown().await;
}

#[tokio::test]
async fn customers_who_left_while_the_connection_was_down_leave_the_queue() {
    let fake = start_fake(example::demo::fake_asterisk()).await;
    let app = spawn_stasis_app(&fake, example::APP, example::app).await;

    // One conversation, and one customer waiting.
    let ann = dial(&fake, "ann", example::CUSTOMER_EXTENSION);
    eventually("ann on hold", || on_hold(&fake, &ann)).await;
    let agent = dial(&fake, "agent1", example::AGENT_EXTENSION);
    eventually("agent1 takes ann", || talking(&fake, &agent, &ann)).await;
    let ben = dial(&fake, "ben", example::CUSTOMER_EXTENSION);
    eventually("ben on hold", || on_hold(&fake, &ben)).await;
    let cat = dial(&fake, "cat", example::CUSTOMER_EXTENSION);
    eventually("cat on hold", || on_hold(&fake, &cat)).await;

    // Ann (talking) and ben (first in line) hang up unheard.
    while_disconnected(&fake, || {
        ann.hangup();
        ben.hangup();
    })
    .await;

    // The agent is free again and takes cat, not ben's ghost.
    eventually("agent1 takes cat", || talking(&fake, &agent, &cat)).await;
    cat.hangup();
    agent.hangup();
    app.stop().await.expect("the app ends cleanly");
    fake.shutdown().await;
}

/// On a real Asterisk: customers wait in the order they call; an agent takes
/// the one who waited longest; an agent whose customer leaves takes the next;
/// a customer whose agent leaves is hung up; a free agent takes a new
/// customer at once.
#[tokio::test]
#[cfg_attr(not(real_asterisk), ignore = "needs a real Asterisk: set ARI_TEST_URL")]
async fn real_asterisk() {
    let real = RealTest::start().await;
    let (asterisk, observer, control) = (&real.asterisk, &real.observer, &real.control);
    let app = spawn_stasis_app(asterisk, example::APP, example::app).await;
    let call = |extension: &'static str, name: &'static str| {
        let real = &real;
        async move {
            real.call(extension, "wait60", Some(&format!("{name} <0>")))
                .await
        }
    };
    let waiting =
        |o: &Observer, c: &LocalCall| o.is_up(&c.app_side) && o.bridge_of(&c.app_side).is_none();
    let talking = |o: &Observer, a: &LocalCall, b: &LocalCall| {
        o.bridge_of(&a.app_side).is_some_and(|bridge| {
            o.bridge_members(&bridge) == [a.app_side.clone(), b.app_side.clone()]
                || o.bridge_members(&bridge) == [b.app_side.clone(), a.app_side.clone()]
        })
    };

    let mut customers = Vec::new();
    for name in ["alice", "bob", "carol"] {
        let customer = call(example::CUSTOMER_EXTENSION, name).await;
        observer
            .eventually(&format!("{name} waiting"), |o| waiting(o, &customer))
            .await;
        customers.push(customer);
    }
    let [alice, bob, carol] = &customers[..] else {
        unreachable!()
    };

    let ann = call(example::AGENT_EXTENSION, "ann").await;
    observer
        .eventually("ann takes alice, who waited longest", |o| {
            talking(o, alice, &ann)
        })
        .await;
    assert!(waiting(observer, bob) && waiting(observer, carol));
    let ben = call(example::AGENT_EXTENSION, "ben").await;
    observer
        .eventually("ben takes bob", |o| talking(o, bob, &ben))
        .await;
    assert!(waiting(observer, carol));

    real.hang_up(alice).await;
    observer
        .eventually("ann takes carol", |o| talking(o, carol, &ann))
        .await;
    real.hang_up(&ben).await;
    observer.wait_destroyed(&bob.app_side, REAL_WAIT).await;

    real.hang_up(carol).await;
    observer.wait_destroyed(&carol.app_side, REAL_WAIT).await;
    let dave = call(example::CUSTOMER_EXTENSION, "dave").await;
    observer
        .eventually("ann takes dave without a wait", |o| talking(o, &dave, &ann))
        .await;
    assert!(
        observer.is_up(&ann.app_side),
        "agents stay between customers"
    );
    for phone in [&dave.phone, &ann.phone] {
        control.channels().hangup(phone).await.expect("hang up");
    }
    observer.wait_destroyed(&ann.app_side, REAL_WAIT).await;
    app.stop().await.expect("the app ends cleanly");
    real.close().await;
}
