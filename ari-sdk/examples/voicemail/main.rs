//! Voicemail: callers leave a message after the beep; it is stored and the
//! mailbox's counts (what a phone's message-waiting lamp shows) are updated.
//! The mailbox owner's menu says how many messages there are and plays them;
//! `7` during a message deletes it, `#` ends the session.
//!
//! ```text
//! cargo run -p ari-sdk --example voicemail
//! ```
//!
//! The dialplan passes what to do and the mailbox:
//! `Stasis(voicemail,leave,1001)` and `Stasis(voicemail,listen,1001)`.
//! Messages are stored recordings named `vm-<mailbox>-<milliseconds>`, so
//! their names sort by age; the counts go to ARI's `mailboxes` resource.

#[allow(dead_code)]
#[path = "../common/mod.rs"]
pub mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ari_sdk::stream::{StreamItem, Subscription};
use ari_sdk::v22::channels::{IfExists, TerminateOn};
use ari_sdk::v22::{Ari, Event};
use common::{caller, say, Call, Calls, HungUp, Result};
use fake_asterisk::{FakeAsterisk, FakeAsteriskBuilder};
use futures::StreamExt;

/// The Stasis application.
pub const APP: &str = "voicemail";

/// The demo's extension to leave a message for mailbox 1001.
pub const LEAVE_EXTENSION: &str = "300";

/// The demo's extension where mailbox 1001's owner listens.
pub const LISTEN_EXTENSION: &str = "301";

/// The demo's mailbox.
pub const MAILBOX: &str = "1001";

/// The application: one task per call.
pub async fn app(ari: Ari, mut events: Subscription<Event>) -> Result {
    let mut calls = Calls::default();
    while let Some(item) = events.next().await {
        let event = match item {
            StreamItem::Event(event) => event,
            // Events were lost: calls that ended meanwhile end here too.
            StreamItem::Reconnected { .. } | StreamItem::Lagged { .. } => {
                if let Err(error) = calls.reconcile(&ari).await {
                    say("voicemail", format!("cannot check the calls: {error}"));
                }
                continue;
            }
            _ => continue,
        };
        let Some(call) = calls.route(&event) else {
            continue;
        };
        let ari = ari.clone();
        tokio::spawn(async move {
            let who = caller(&call.channel);
            let args = call.args.clone();
            let result = match args.as_slice() {
                [what, mailbox] if what == "leave" => leave(&ari, call, mailbox).await,
                [what, mailbox] if what == "listen" => listen(&ari, call, mailbox).await,
                _ => {
                    let args = args.join(",");
                    say("voicemail", format!("{who}: unknown arguments `{args}`"));
                    common::hang_up(&ari, call.id()).await
                }
            };
            match result {
                Err(error) if common::gone(&error) => say("voicemail", format!("{who} hung up")),
                Err(error) => say("voicemail", format!("{who}: {error}")),
                Ok(()) => {}
            }
        });
    }
    Ok(())
}

/// The prefix of a mailbox's messages among the stored recordings.
pub fn message_prefix(mailbox: &str) -> String {
    format!("vm-{mailbox}-")
}

/// A mailbox's messages, oldest first.
pub async fn messages(ari: &Ari, mailbox: &str) -> Result<Vec<String>> {
    let prefix = message_prefix(mailbox);
    let mut names: Vec<String> = ari
        .recordings()
        .list_stored()
        .await?
        .into_iter()
        .map(|recording| recording.name)
        .filter(|name| name.starts_with(&prefix))
        .collect();
    names.sort();
    Ok(names)
}

/// Sets the mailbox's counts from the stored messages: the ones heard
/// before (`old`, at most `heard`) and the rest (`new`).
async fn update_counts(ari: &Ari, mailbox: &str, heard: Option<i64>) -> Result<(i64, i64)> {
    let total = messages(ari, mailbox).await?.len() as i64;
    let old = match heard {
        Some(heard) => heard,
        None => match ari.mailboxes().get(mailbox).await {
            Ok(counts) => counts.old_messages,
            Err(error) if error.is_not_found() => 0,
            Err(error) => return Err(error.into()),
        },
    }
    .min(total);
    ari.mailboxes().update(mailbox, old, total - old).await?;
    Ok((old, total - old))
}

/// Leaving a message: prompt, beep, record until `#`, silence or hangup.
async fn leave(ari: &Ari, mut call: Call, mailbox: &str) -> Result {
    let who = caller(&call.channel);
    ari.channels().answer(call.id()).await?;
    say("voicemail", format!("{who} leaves a message for {mailbox}"));
    call.play(ari, &["sound:vm-intro"]).await?;
    let millis = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis();
    let name = format!("{}{millis:015}", message_prefix(mailbox));
    ari.channels()
        .record(call.id(), &name, "wav")
        .beep(true)
        .terminate_on(TerminateOn::Hash)
        .max_silence_seconds(3)
        .max_duration_seconds(120)
        .if_exists(IfExists::Fail)
        .await?;
    let hung_up = match call.recorded(&name).await {
        Ok(recording) => {
            let seconds = recording.duration.unwrap_or(0);
            say("voicemail", format!("{who}: recorded {name} ({seconds} s)"));
            false
        }
        Err(error) if error.is::<HungUp>() => true,
        Err(error) => return Err(error),
    };
    if hung_up {
        // Hanging up is how most callers end a message. The recording still
        // completes, but its events no longer reach an application the
        // channel has left: wait for the file instead.
        wait_stored(ari, &name).await?;
        say("voicemail", format!("{who} hung up: kept {name}"));
    }
    let (old, new) = update_counts(ari, mailbox, None).await?;
    say(
        "voicemail",
        format!("mailbox {mailbox}: {new} new, {old} old"),
    );
    if hung_up {
        return Ok(());
    }
    match call.play(ari, &["sound:vm-goodbye"]).await {
        Err(error) if common::gone(&error) => Ok(()),
        Err(error) => Err(error),
        Ok(_) => common::hang_up(ari, call.id()).await,
    }
}

/// Waits (up to 5 s) for a stored recording to exist.
async fn wait_stored(ari: &Ari, name: &str) -> Result {
    for _ in 0..50 {
        match ari.recordings().get_stored(name).await {
            Ok(_) => return Ok(()),
            Err(error) if error.is_not_found() => {}
            Err(error) => return Err(error.into()),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("recording {name} was not stored").into())
}

/// The owner's menu: the count, then every message; `7` deletes the one
/// playing, `#` stops.
async fn listen(ari: &Ari, mut call: Call, mailbox: &str) -> Result {
    let who = caller(&call.channel);
    ari.channels().answer(call.id()).await?;
    let messages = messages(ari, mailbox).await?;
    say(
        "voicemail",
        format!("{who} listens to {mailbox}: {} message(s)", messages.len()),
    );
    let count = format!("number:{}", messages.len());
    let noun = if messages.len() == 1 {
        "sound:vm-message"
    } else {
        "sound:vm-messages"
    };
    call.play(ari, &["sound:vm-youhave", &count, noun]).await?;
    let mut kept = 0;
    'messages: for name in &messages {
        let playback_id = call.new_id("message");
        let media = format!("recording:{name}");
        ari.channels()
            .play_with_id(call.id(), &playback_id, [media.as_str()])
            .await?;
        say("voicemail", format!("{who} hears {name}"));
        loop {
            let Some(event) = call.next().await else {
                return Err(HungUp.into());
            };
            match &*event {
                Event::PlaybackFinished(e) if e.playback.id == playback_id => {
                    kept += 1;
                    break;
                }
                Event::ChannelDtmfReceived(e) if e.digit == "7" => {
                    stop_playback(ari, &playback_id).await?;
                    ari.recordings().delete_stored(name).await?;
                    say("voicemail", format!("{who} deleted {name}"));
                    call.play(ari, &["sound:vm-deleted"]).await?;
                    break;
                }
                Event::ChannelDtmfReceived(e) if e.digit == "#" => {
                    stop_playback(ari, &playback_id).await?;
                    kept += 1;
                    break 'messages;
                }
                Event::StasisEnd(_) => return Err(HungUp.into()),
                _ => {}
            }
        }
    }
    let heard = kept.min(messages.len()) as i64;
    let (old, new) = update_counts(ari, mailbox, Some(heard)).await?;
    say(
        "voicemail",
        format!("mailbox {mailbox}: {new} new, {old} old"),
    );
    call.play(ari, &["sound:vm-goodbye"]).await?;
    common::hang_up(ari, call.id()).await
}

/// Stops a playback; one that has just finished is fine.
async fn stop_playback(ari: &Ari, playback_id: &str) -> Result {
    match ari.playbacks().stop(playback_id).await {
        Err(error) if !error.is_not_found() => Err(error.into()),
        _ => Ok(()),
    }
}

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

#[tokio::main]
async fn main() -> Result {
    common::run(APP, fake_asterisk(), app, simulate).await
}
