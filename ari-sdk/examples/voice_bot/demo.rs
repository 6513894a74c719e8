//! The `voice_bot` example's demo: the embedded fake Asterisk's dialplan
//! and a simulated caller (the application is in `main.rs`).
//!
//! The fake's media channel sends the far side's audio, one frame per
//! ptime of its clock (20 times real speed in the demo), and passes the
//! keys the caller presses through the bridge as `DTMF_END`, as
//! chan_websocket does.

use std::time::Duration;

use fake_asterisk::{FakeAsterisk, FakeAsteriskBuilder};

use super::common::{self, say, Result};
use super::{APP, END_DIGIT, EXTENSION, TONE_DIGIT};

/// The embedded fake's dialplan: extension 900 enters the application.
pub fn fake_asterisk() -> FakeAsteriskBuilder {
    common::fake_asterisk().extension("default", EXTENSION, common::stasis_steps(APP, &[]))
}

/// The media channel bridged with `caller`'s channel, once it is.
pub async fn media_channel_of(fake: &FakeAsterisk, caller: &str) -> Result<String> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let bridge = fake.channel_features(caller).and_then(|c| c.bridge);
        let members = bridge.and_then(|b| fake.bridge_channels(&b));
        if let Some(media) = members
            .unwrap_or_default()
            .into_iter()
            .find(|id| id != caller && fake.media_record(id).is_some())
        {
            return Ok(media);
        }
        if tokio::time::Instant::now() >= deadline {
            return Err("the caller was not bridged with a media channel".into());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// alice dials in, talks to the bot a while, presses the tone key, then
/// `5`, then the end key.
pub async fn simulate(fake: &FakeAsterisk) -> Result {
    let phone = fake.phone("PJSIP/alice")?;
    phone.set_caller_id("alice", "5551001");
    let call = phone.dial(EXTENSION)?;
    let media = media_channel_of(fake, call.channel_id()).await?;
    call.speak(1_000).await;
    call.press(&TONE_DIGIT.to_string()).await;
    call.speak(3_000).await;
    call.press(&format!("5{END_DIGIT}")).await;
    call.wait_hangup(Duration::from_secs(20)).await?;
    if let Some(record) = fake.media_record(&media) {
        say(
            "phone",
            format!(
                "alice's media channel: {} frames sent to the bot, {} received back, {} dropped",
                record.frames_sent, record.frames_received, record.frames_dropped
            ),
        );
    }
    Ok(())
}
