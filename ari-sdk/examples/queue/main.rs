//! A customer-service queue: customers wait on music on hold; agents call in
//! to take calls, and each free agent gets the customer who has waited
//! longest. When a customer hangs up, their agent takes the next one; when an
//! agent hangs up, the call is over for the customer too.
//!
//! ```text
//! cargo run -p ari-sdk --example queue
//! ```
//!
//! This file is the application (what runs against a real Asterisk too);
//! `demo.rs` beside it is the embedded demo: the fake's dialplan and the
//! simulated callers.
//!
//! The dialplan says who is who: `Stasis(queue,customer)` and
//! `Stasis(queue,agent)`. Each call runs in a task of its own, as
//! straight-line code on its handle: a customer waits in line on music on
//! hold, talks to an agent, and is hung up if the agent leaves first; an
//! agent waits for a customer, talks, and waits for the next one until they
//! hang up. Whoever finds someone waiting on the other side makes the
//! bridge; the lines of waiting customers and free agents are the only
//! state the calls share.
//!
//! A lost connection needs nothing more: once the websocket is back the
//! handles check what they follow against Asterisk, and whoever left
//! meanwhile ends as if they had just hung up (an agent whose customer
//! left takes the next one; a customer whose agent left is hung up).

#[allow(dead_code)]
#[path = "../common/mod.rs"]
pub mod common;
pub mod demo;

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

use ari_sdk::v22::{BridgeHandle, Call, ChannelHandle, StasisApp};
use common::{caller_of, say, Result};
use futures::StreamExt;
use tokio::sync::{oneshot, Mutex};

/// The Stasis application.
pub const APP: &str = "queue";

/// The demo's extension for customers.
pub const CUSTOMER_EXTENSION: &str = "500";

/// The demo's extension for agents.
pub const AGENT_EXTENSION: &str = "501";

/// A customer or an agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Customer,
    Agent,
}

/// Someone on the line: their channel, who they are, and their role.
#[derive(Debug, Clone)]
struct Party {
    channel: ChannelHandle,
    name: String,
    role: Role,
}

impl Party {
    fn of(call: &Call, role: Role) -> Party {
        Party {
            channel: call.channel().clone(),
            name: caller_of(call),
            role,
        }
    }
}

/// A customer and an agent talking: their bridge, and the other one.
#[derive(Debug)]
struct Conversation {
    bridge: BridgeHandle,
    other: Party,
}

/// Someone waiting in line, since when, and how to hand them their
/// conversation.
#[derive(Debug)]
struct Waiting {
    party: Party,
    since: Instant,
    connected: oneshot::Sender<Conversation>,
}

/// Customers on hold and free agents, longest waiting first. Who talks to
/// whom is decided under its lock, one call at a time.
#[derive(Debug, Default)]
struct Queue {
    customers: VecDeque<Waiting>,
    agents: VecDeque<Waiting>,
}

impl Queue {
    /// The line of `role`.
    fn line(&mut self, role: Role) -> &mut VecDeque<Waiting> {
        match role {
            Role::Customer => &mut self.customers,
            Role::Agent => &mut self.agents,
        }
    }
}

/// The application: one task per call, sharing the queue.
pub async fn app(app: StasisApp) -> Result {
    let queue = Arc::new(Mutex::new(Queue::default()));
    let mut calls = app.calls();
    while let Some(call) = calls.next().await {
        let queue = Arc::clone(&queue);
        tokio::spawn(async move {
            let result = match call.args().first().map(String::as_str) {
                Some("agent") => agent(&queue, &call).await,
                _ => customer(&queue, &call).await,
            };
            common::report("queue", &call, result);
        });
    }
    Ok(())
}

/// A customer: wait for an agent, talk; hung up when the agent leaves.
async fn customer(queue: &Mutex<Queue>, call: &Call) -> Result {
    let me = Party::of(call, Role::Customer);
    call.answer().await?;
    let Some(conversation) = connect(queue, &me).await? else {
        return Ok(());
    };
    // Whoever stays destroys the bridge (both at once would race: Asterisk
    // answers the second with a 409), the one who leaves only when the other
    // left too.
    tokio::select! {
        _ = call.ended() => {
            if conversation.other.channel.end_reason().is_some() {
                conversation.bridge.destroy().await?;
            }
        }
        _ = conversation.other.channel.ended() => {
            conversation.bridge.destroy().await?;
            say(
                "queue",
                format!("agent {} hung up: ending the call of {}", conversation.other.name, me.name),
            );
            call.hangup().await?;
        }
    }
    Ok(())
}

/// An agent: customer after customer until they hang up.
async fn agent(queue: &Mutex<Queue>, call: &Call) -> Result {
    let me = Party::of(call, Role::Agent);
    call.answer().await?;
    while let Some(conversation) = connect(queue, &me).await? {
        tokio::select! {
            _ = call.ended() => {
                if conversation.other.channel.end_reason().is_some() {
                    conversation.bridge.destroy().await?;
                }
                return Ok(());
            }
            _ = conversation.other.channel.ended() => {
                conversation.bridge.destroy().await?;
                say("queue", format!("customer {} hung up", conversation.other.name));
            }
        }
    }
    Ok(())
}

/// Connects `me` with whoever has waited longest on the other side, or
/// waits in line (a customer on music on hold) until someone comes; `None`
/// when `me` hangs up first.
async fn connect(queue: &Mutex<Queue>, me: &Party) -> Result<Option<Conversation>> {
    let other_role = match me.role {
        Role::Customer => Role::Agent,
        Role::Agent => Role::Customer,
    };
    loop {
        let mut lines = queue.lock().await;
        let Some(other) = lines.line(other_role).pop_front() else {
            // Nobody on the other side: wait in line.
            if me.role == Role::Customer {
                me.channel.start_moh().await?;
            }
            let (connected, conversation) = oneshot::channel();
            let line = lines.line(me.role);
            line.push_back(Waiting {
                party: me.clone(),
                since: Instant::now(),
                connected,
            });
            let position = line.len();
            drop(lines);
            match me.role {
                Role::Customer => say(
                    "queue",
                    format!("customer {} on hold, position {position}", me.name),
                ),
                Role::Agent => say("queue", format!("agent {} is free", me.name)),
            }
            tokio::select! {
                conversation = conversation => match conversation {
                    Ok(conversation) => return Ok(Some(conversation)),
                    // The one connecting us failed half-way: back in line.
                    Err(_) => continue,
                },
                _ = me.channel.ended() => {
                    let mut lines = queue.lock().await;
                    lines.line(me.role).retain(|w| w.party.channel.id() != me.channel.id());
                    match me.role {
                        Role::Customer => say("queue", format!("customer {} gave up waiting", me.name)),
                        Role::Agent => say("queue", format!("agent {} logged off", me.name)),
                    }
                    return Ok(None);
                }
            }
        };
        drop(lines);
        if other.party.channel.end_reason().is_some() {
            // Left without their task having tidied up yet: the next one.
            continue;
        }
        let (customer, agent) = match me.role {
            Role::Customer => (me, &other.party),
            Role::Agent => (&other.party, me),
        };
        if me.role == Role::Agent {
            match customer.channel.stop_moh().await {
                Ok(()) => {}
                // Gone without our hearing of it yet: the next one.
                Err(error) if error.is_not_found() => continue,
                Err(error) => return Err(error.into()),
            }
        }
        let bridge = me
            .channel
            .app()
            .bridge_channels([&customer.channel, &agent.channel])
            .await?;
        say(
            "queue",
            format!(
                "agent {} takes customer {} after {:.1} s on hold",
                agent.name,
                customer.name,
                other.since.elapsed().as_secs_f64()
            ),
        );
        // Someone who hung up meanwhile no longer listens: we see their end
        // when we talk.
        let _ = other.connected.send(Conversation {
            bridge: bridge.clone(),
            other: me.clone(),
        });
        return Ok(Some(Conversation {
            bridge,
            other: other.party,
        }));
    }
}

#[tokio::main]
async fn main() -> Result {
    common::run(APP, demo::fake_asterisk(), app, demo::simulate).await
}
