//! A customer-service queue: customers wait on music on hold; agents call in
//! to take calls, and each free agent gets the customer who has waited
//! longest. When a customer hangs up, their agent takes the next one; when an
//! agent hangs up, the call is over for the customer too.
//!
//! ```text
//! cargo run -p ari-sdk --example queue
//! ```
//!
//! The dialplan says who is who: `Stasis(queue,customer)` and
//! `Stasis(queue,agent)`. One loop over the events keeps the queue. After a
//! gap in the events (`Reconnected`, `Lagged`) the queue is checked against
//! `GET /channels`: whoever left meanwhile leaves the queue (an agent whose
//! customer left takes the next one; a customer whose agent left is hung
//! up, as when an agent hangs up).

#[allow(dead_code)]
#[path = "../common/mod.rs"]
pub mod common;

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use ari_sdk::stream::{StreamItem, Subscription};
use ari_sdk::v22::{Ari, Event};
use common::{caller, say, Result};
use fake_asterisk::{FakeAsterisk, FakeAsteriskBuilder};
use futures::StreamExt;

/// The Stasis application.
pub const APP: &str = "queue";

/// The demo's extension for customers.
pub const CUSTOMER_EXTENSION: &str = "500";

/// The demo's extension for agents.
pub const AGENT_EXTENSION: &str = "501";

/// A call between a customer and an agent.
#[derive(Debug, Clone)]
struct Conversation {
    bridge_id: String,
    customer: String,
    agent: String,
}

#[derive(Debug, Default)]
struct Queue {
    /// Customers on hold, longest waiting first, with when they arrived.
    customers: VecDeque<(String, Instant)>,
    /// Free agents, longest free first.
    agents: VecDeque<String>,
    /// Channel (customer or agent) -> its conversation.
    conversations: HashMap<String, Conversation>,
    names: HashMap<String, String>,
}

impl Queue {
    fn name(&self, channel_id: &str) -> String {
        self.names
            .get(channel_id)
            .cloned()
            .unwrap_or_else(|| channel_id.to_string())
    }

    async fn customer_arrives(&mut self, ari: &Ari, channel_id: &str) -> Result {
        ari.channels().answer(channel_id).await?;
        ari.channels().start_moh(channel_id).await?;
        self.customers
            .push_back((channel_id.to_string(), Instant::now()));
        say(
            "queue",
            format!(
                "customer {} on hold, position {}",
                self.name(channel_id),
                self.customers.len()
            ),
        );
        self.dispatch(ari).await
    }

    async fn agent_free(&mut self, ari: &Ari, agent: &str) -> Result {
        self.agents.push_back(agent.to_string());
        say("queue", format!("agent {} is free", self.name(agent)));
        self.dispatch(ari).await
    }

    /// Connects free agents with the customers who waited longest.
    async fn dispatch(&mut self, ari: &Ari) -> Result {
        while !self.agents.is_empty() {
            let Some((customer, since)) = self.customers.pop_front() else {
                break;
            };
            match ari.channels().stop_moh(&customer).await {
                // Gone in the meantime: its StasisEnd is on the way.
                Err(error) if error.is_not_found() => continue,
                other => other?,
            }
            let Some(agent) = self.agents.pop_front() else {
                break;
            };
            let bridge = ari.bridges().create().r#type("mixing").await?;
            ari.bridges()
                .add_channel(&bridge.id, [customer.as_str(), agent.as_str()])
                .await?;
            say(
                "queue",
                format!(
                    "agent {} takes customer {} after {:.1} s on hold",
                    self.name(&agent),
                    self.name(&customer),
                    since.elapsed().as_secs_f64()
                ),
            );
            let conversation = Conversation {
                bridge_id: bridge.id,
                customer: customer.clone(),
                agent: agent.clone(),
            };
            self.conversations.insert(customer, conversation.clone());
            self.conversations.insert(agent, conversation);
        }
        Ok(())
    }

    async fn leave(&mut self, ari: &Ari, channel_id: &str) -> Result {
        let who = self.name(channel_id);
        if let Some(at) = self.customers.iter().position(|(c, _)| c == channel_id) {
            self.customers.remove(at);
            say("queue", format!("customer {who} gave up waiting"));
        } else if let Some(at) = self.agents.iter().position(|a| a == channel_id) {
            self.agents.remove(at);
            say("queue", format!("agent {who} logged off"));
        } else if let Some(conversation) = self.conversations.remove(channel_id) {
            self.conversations.remove(&conversation.customer);
            self.conversations.remove(&conversation.agent);
            match ari.bridges().destroy(&conversation.bridge_id).await {
                Err(error) if !error.is_not_found() => return Err(error.into()),
                _ => {}
            }
            if channel_id == conversation.customer {
                say("queue", format!("customer {who} hung up"));
                self.agent_free(ari, &conversation.agent).await?;
            } else {
                say(
                    "queue",
                    format!(
                        "agent {who} hung up: ending the call of {}",
                        self.name(&conversation.customer)
                    ),
                );
                common::hang_up(ari, &conversation.customer).await?;
            }
        }
        self.names.remove(channel_id);
        Ok(())
    }
}

impl Queue {
    /// After a gap in the events: lets go of everyone who left meanwhile
    /// (their `StasisEnd` was lost with the connection).
    async fn reconcile(&mut self, ari: &Ari) -> Result {
        let present = common::channel_ids(ari).await?;
        let gone = |id: &String| !present.contains(id.as_str());
        // The waiting ones first, so nobody is handed someone who left.
        let waiting_gone: Vec<String> = self
            .customers
            .iter()
            .map(|(id, _)| id)
            .chain(&self.agents)
            .filter(|id| gone(id))
            .cloned()
            .collect();
        for id in waiting_gone {
            self.leave(ari, &id).await?;
        }
        let talking_gone: Vec<String> = self
            .conversations
            .keys()
            .filter(|id| gone(id))
            .cloned()
            .collect();
        for id in talking_gone {
            let Some(conversation) = self.conversations.get(&id).cloned() else {
                continue;
            };
            let other = if id == conversation.customer {
                &conversation.agent
            } else {
                &conversation.customer
            };
            if gone(other) {
                // Both left: only the bridge remains.
                self.conversations.remove(&conversation.customer);
                self.conversations.remove(&conversation.agent);
                self.names.remove(&conversation.customer);
                self.names.remove(&conversation.agent);
                match ari.bridges().destroy(&conversation.bridge_id).await {
                    Err(error) if !error.is_not_found() => return Err(error.into()),
                    _ => {}
                }
            } else {
                self.leave(ari, &id).await?;
            }
        }
        Ok(())
    }
}

/// The application.
pub async fn app(ari: Ari, mut events: Subscription<Event>) -> Result {
    let mut queue = Queue::default();
    while let Some(item) = events.next().await {
        let event = match item {
            StreamItem::Event(event) => event,
            // Events were lost: check the queue against what Asterisk has.
            StreamItem::Reconnected { .. } | StreamItem::Lagged { .. } => {
                if let Err(error) = queue.reconcile(&ari).await {
                    say("queue", format!("cannot check the queue: {error}"));
                }
                continue;
            }
            _ => continue,
        };
        let handled = match &*event {
            Event::StasisStart(start) => {
                let id = &start.channel.id;
                queue.names.insert(id.clone(), caller(&start.channel));
                match start.args.first().map(String::as_str) {
                    Some("agent") => match ari.channels().answer(id).await {
                        Ok(()) => queue.agent_free(&ari, id).await,
                        Err(error) => Err(error.into()),
                    },
                    _ => queue.customer_arrives(&ari, id).await,
                }
            }
            Event::StasisEnd(end) => queue.leave(&ari, &end.channel.id).await,
            _ => Ok(()),
        };
        if let Err(error) = handled {
            say("queue", format!("{} failed: {error}", event.type_name()));
        }
    }
    Ok(())
}

/// The embedded fake's dialplan: 500 for customers, 501 for agents.
pub fn fake_asterisk() -> FakeAsteriskBuilder {
    common::fake_asterisk()
        .extension(
            "default",
            CUSTOMER_EXTENSION,
            common::stasis_steps(APP, &["customer"]),
        )
        .extension(
            "default",
            AGENT_EXTENSION,
            common::stasis_steps(APP, &["agent"]),
        )
}

/// Three customers, two agents.
pub async fn simulate(fake: &FakeAsterisk) -> Result {
    let pause = || tokio::time::sleep(Duration::from_millis(250));
    let dial = |name: &str, extension: &str| -> Result<_> {
        let phone = fake.phone(&format!("PJSIP/{name}"))?;
        phone.set_caller_id(name, "");
        say("phone", format!("{name} dials {extension}"));
        Ok(phone.dial(extension)?)
    };
    let mut customers = Vec::new();
    for name in ["alice", "bob", "carol"] {
        customers.push(dial(name, CUSTOMER_EXTENSION)?);
        pause().await;
    }
    let agent_1 = dial("agent-ann", AGENT_EXTENSION)?;
    pause().await;
    let agent_2 = dial("agent-ben", AGENT_EXTENSION)?;
    pause().await;
    say("phone", "alice hangs up");
    customers[0].hangup();
    pause().await;
    say("phone", "agent-ben hangs up");
    agent_2.hangup();
    pause().await;
    say("phone", "carol hangs up");
    customers[2].hangup();
    pause().await;
    say("phone", "agent-ann hangs up");
    agent_1.hangup();
    pause().await;
    Ok(())
}

#[tokio::main]
async fn main() -> Result {
    common::run(APP, fake_asterisk(), app, simulate).await
}
