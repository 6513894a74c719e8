//! The `voice_reminder` example's demo: the embedded fake Asterisk's dialplan and
//! the simulated callers (the application is in `main.rs`).

use std::time::Duration;

use fake_asterisk::{FakeAsterisk, FakeAsteriskBuilder};

use super::common::{self, say, Result};
use super::{APP, EXTENSION};

/// The embedded fake's dialplan: extension 600 enters the application.
pub fn fake_asterisk() -> FakeAsteriskBuilder {
    common::fake_asterisk().extension("default", EXTENSION, common::stasis_steps(APP, &[]))
}

/// Alice asks for a reminder in 2 minutes (400 ms here) and gets it.
pub async fn simulate(fake: &FakeAsterisk) -> Result {
    let wait = Duration::from_secs(10);
    let alice = fake.phone("PJSIP/alice")?;
    alice.set_caller_id("alice", "5551001");
    let call = alice.dial(EXTENSION)?;
    let target = format!("channel:{}", call.channel_id());
    fake.wait_for_event(wait, |e| {
        e.event["type"] == "PlaybackFinished" && e.event["playback"]["target_uri"] == target
    })
    .await?;
    say("phone", "alice keys 2#");
    call.press("2#").await;
    fake.wait_for_event(wait, |e| {
        e.event["type"] == "RecordingStarted" && e.event["recording"]["target_uri"] == target
    })
    .await?;
    say("phone", "alice: \"call the dentist\" #");
    call.speak(1500).await;
    call.press("#").await;
    call.wait_hangup(wait).await?;
    let callback = alice.next_incoming(wait).await?;
    say("phone", "alice's phone rings: she answers");
    callback.wait_hangup(wait).await?;
    say("phone", format!("alice heard {:?}", callback.heard()));
    let deadline = tokio::time::Instant::now() + wait;
    while !fake.stored_recordings().is_empty() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Ok(())
}
