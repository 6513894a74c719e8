//! The `voicemail` example's demo: the embedded fake Asterisk's dialplan and
//! the simulated callers (the application is in `main.rs`).

use std::time::Duration;

use fake_asterisk::{FakeAsterisk, FakeAsteriskBuilder};

use super::common::{self, say, Result};
use super::{APP, LEAVE_EXTENSION, LISTEN_EXTENSION, MAILBOX};

/// The embedded fake's dialplan: 300 leaves a message for 1001, 301 listens.
pub fn fake_asterisk() -> FakeAsteriskBuilder {
    common::fake_asterisk()
        .extension(
            "default",
            LEAVE_EXTENSION,
            common::stasis_steps(APP, &["leave", MAILBOX]),
        )
        .extension(
            "default",
            LISTEN_EXTENSION,
            common::stasis_steps(APP, &["listen", MAILBOX]),
        )
}

/// Alice and bob leave messages; the owner listens and deletes bob's.
pub async fn simulate(fake: &FakeAsterisk) -> Result {
    let wait = Duration::from_secs(10);
    let alice = fake.phone("PJSIP/alice")?;
    alice.set_caller_id("alice", "5551001");
    let call = alice.dial(LEAVE_EXTENSION)?;
    recording_started_for(fake, call.channel_id()).await?;
    say("phone", "alice talks for 2 s, then presses #");
    call.speak(2000).await;
    call.press("#").await;
    call.wait_hangup(wait).await?;

    let bob = fake.phone("PJSIP/bob")?;
    bob.set_caller_id("bob", "5551002");
    let call = bob.dial(LEAVE_EXTENSION)?;
    recording_started_for(fake, call.channel_id()).await?;
    say("phone", "bob talks for 1 s, then hangs up");
    call.speak(1000).await;
    call.hangup();
    let deadline = tokio::time::Instant::now() + wait;
    while fake.mailbox(MAILBOX) != Some((0, 2)) && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let owner = fake.phone("PJSIP/owner")?;
    owner.set_caller_id("owner", MAILBOX);
    let call = owner.dial(LISTEN_EXTENSION)?;
    // The second message is bob's: delete it while it plays.
    let mut names: Vec<String> = fake
        .stored_recordings()
        .into_iter()
        .map(|r| r.name)
        .collect();
    names.sort();
    let bobs = format!("recording:{}", names.last().ok_or("no messages")?);
    fake.wait_for_event(wait, |e| {
        e.event["type"] == "PlaybackStarted" && e.event["playback"]["media_uri"] == bobs
    })
    .await?;
    say("phone", "owner presses 7 during the second message");
    call.press("7").await;
    call.wait_hangup(wait).await?;
    say("phone", format!("owner heard {:?}", call.heard()));
    Ok(())
}

/// Waits until a recording of the channel has started.
async fn recording_started_for(fake: &FakeAsterisk, channel_id: &str) -> Result {
    let target = format!("channel:{channel_id}");
    fake.wait_for_event(Duration::from_secs(10), |e| {
        e.event["type"] == "RecordingStarted" && e.event["recording"]["target_uri"] == target
    })
    .await?;
    Ok(())
}
