//! The `click_to_call` example's demo: the embedded fake Asterisk and its
//! simulated phones (the application is in `main.rs`).

use std::time::Duration;

use fake_asterisk::{AnswerMode, FakeAsterisk, FakeAsteriskBuilder};

use super::common::{self, say, Result};

/// The embedded fake: no dialplan, both legs are originated into the
/// application.
pub fn fake_asterisk() -> FakeAsteriskBuilder {
    common::fake_asterisk()
}

/// The demo's phones, there before the application calls them: alice
/// answers after 1 s, bob after 2 s.
pub fn phones(fake: &FakeAsterisk) -> Result {
    for (phone, after_ms) in [("PJSIP/alice", 1000), ("PJSIP/bob", 2000)] {
        fake.phone(phone)?
            .set_answer_mode(AnswerMode::AutoAnswer { after_ms });
    }
    Ok(())
}

/// Alice and bob talk for a moment, then bob hangs up.
pub async fn simulate(fake: &FakeAsterisk) -> Result {
    let bob = fake.phone("PJSIP/bob")?;
    let call = bob.next_incoming(Duration::from_secs(10)).await?;
    call.wait_state("Up", Duration::from_secs(10)).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    say("phone", "bob hangs up");
    call.hangup();
    tokio::time::sleep(Duration::from_millis(300)).await;
    Ok(())
}
