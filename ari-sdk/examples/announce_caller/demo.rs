//! The `announce_caller` example's demo: the embedded fake Asterisk's dialplan and
//! the simulated callers (the application is in `main.rs`).

use std::time::Duration;

use fake_asterisk::{FakeAsterisk, FakeAsteriskBuilder};

use super::common::{self, say, Result};
use super::{APP, EXTENSION};

/// The embedded fake's dialplan: extension 101 enters the application.
pub fn fake_asterisk() -> FakeAsteriskBuilder {
    common::fake_asterisk().extension("default", EXTENSION, common::stasis_steps(APP, &[]))
}

/// Two callers at the same time.
pub async fn simulate(fake: &FakeAsterisk) -> Result {
    let mut calls = Vec::new();
    for (phone, name, number) in [
        ("PJSIP/alice", "alice", "5551001"),
        ("PJSIP/bob", "bob", "5551002"),
    ] {
        let phone = fake.phone(phone)?;
        phone.set_caller_id(name, number);
        calls.push((name, phone.dial(EXTENSION)?));
    }
    for (name, call) in calls {
        call.wait_hangup(Duration::from_secs(10)).await?;
        say("phone", format!("{name} heard {:?}", call.heard()));
    }
    Ok(())
}
