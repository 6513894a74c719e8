//! The `queue` example against the fake: customers wait on music on hold,
//! each free agent gets the customer who waited longest, a freed agent
//! takes the next customer, and an agent hanging up ends the customer's call.

#[path = "../../ari-sdk/examples/queue.rs"]
#[allow(dead_code)]
mod example;
mod examples_support;

use std::collections::BTreeSet;

use fake_asterisk::{Call, FakeAsterisk};
use examples_support::{eventually, spawn_app, start_fake, while_disconnected, WAIT};

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
    let fake = start_fake(example::fake_asterisk()).await;
    let app = spawn_app(&fake, example::APP, example::app).await;

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
    let fake = start_fake(example::fake_asterisk()).await;
    let app = spawn_app(&fake, example::APP, example::app).await;

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
