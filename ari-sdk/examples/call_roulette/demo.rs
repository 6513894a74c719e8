//! The `call_roulette` example's demo: the embedded fake Asterisk's
//! dialplan and the simulated callers (the application is in `main.rs`).

use std::collections::HashMap;
use std::time::Duration;

use fake_asterisk::{FakeAsterisk, FakeAsteriskBuilder};

use super::common::{self, say, Result};
use super::{APP, EXTENSION};

/// The embedded fake's dialplan: extension 200 enters the application.
pub fn fake_asterisk() -> FakeAsteriskBuilder {
    common::fake_asterisk().extension("default", EXTENSION, common::stasis_steps(APP, &[]))
}

/// Four callers come and go.
pub async fn simulate(fake: &FakeAsterisk) -> Result {
    let pause = || tokio::time::sleep(Duration::from_millis(300));
    let mut calls = HashMap::new();
    let phones = [
        ("alice", "5551001"),
        ("bob", "5551002"),
        ("carol", "5551003"),
        ("dave", "5551004"),
    ];
    for (name, number) in phones {
        let phone = fake.phone(&format!("PJSIP/{name}"))?;
        phone.set_caller_id(name, number);
    }
    let dial = |name: &str| fake.phone(&format!("PJSIP/{name}"))?.dial(EXTENSION);
    for name in ["alice", "bob", "carol"] {
        say("phone", format!("{name} dials {EXTENSION}"));
        calls.insert(name, dial(name)?);
        pause().await;
    }
    say("phone", "alice hangs up");
    calls["alice"].hangup();
    pause().await;
    say("phone", "dave dials 200");
    calls.insert("dave", dial("dave")?);
    pause().await;
    for name in ["bob", "carol", "dave"] {
        say("phone", format!("{name} hangs up"));
        calls[name].hangup();
        pause().await;
    }
    Ok(())
}
