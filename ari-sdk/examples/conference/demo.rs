//! The `conference` example's demo: the embedded fake Asterisk's dialplan and
//! the simulated callers (the application is in `main.rs`).

use std::time::Duration;

use fake_asterisk::{FakeAsterisk, FakeAsteriskBuilder};

use super::common::{self, say, Result};
use super::{APP, EXTENSION, MUTE_KEY};

/// The embedded fake's dialplan: extension 400 enters the room.
pub fn fake_asterisk() -> FakeAsteriskBuilder {
    common::fake_asterisk().extension("default", EXTENSION, common::stasis_steps(APP, &[]))
}

/// Three callers join; bob mutes and unmutes himself; all leave.
pub async fn simulate(fake: &FakeAsterisk) -> Result {
    let pause = || tokio::time::sleep(Duration::from_millis(250));
    let mut calls = Vec::new();
    for (name, number) in [
        ("alice", "5551001"),
        ("bob", "5551002"),
        ("carol", "5551003"),
    ] {
        let phone = fake.phone(&format!("PJSIP/{name}"))?;
        phone.set_caller_id(name, number);
        say("phone", format!("{name} dials {EXTENSION}"));
        calls.push((name, phone.dial(EXTENSION)?));
        pause().await;
    }
    say("phone", format!("bob presses {MUTE_KEY}"));
    calls[1].1.press(MUTE_KEY).await;
    pause().await;
    say("phone", format!("bob presses {MUTE_KEY} again"));
    calls[1].1.press(MUTE_KEY).await;
    pause().await;
    for (name, call) in &calls {
        say("phone", format!("{name} hangs up"));
        call.hangup();
        pause().await;
    }
    Ok(())
}
