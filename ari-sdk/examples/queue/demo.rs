//! The `queue` example's demo: the embedded fake Asterisk's dialplan and
//! the simulated callers (the application is in `main.rs`).

use std::time::Duration;

use fake_asterisk::{FakeAsterisk, FakeAsteriskBuilder};

use super::common::{self, say, Result};
use super::{AGENT_EXTENSION, APP, CUSTOMER_EXTENSION};

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
