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
//!
//! This file is the application (what runs against a real Asterisk too);
//! `demo.rs` beside it is the embedded demo: the fake's dialplan and the
//! simulated callers.
//!
//! Each call runs in a task of its own, as straight-line code on its handle:
//! `call.play(..).await` plays to the end, `call.record(..).await` records
//! until the caller stops, `call.prompt(..)` plays a message while it
//! listens for `7` and `#`.

#[allow(dead_code)]
#[path = "../common/mod.rs"]
pub mod common;
pub mod demo;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ari_sdk::handles::{IfExists, Prompt, PromptEnd, RecordOptions, TerminateOn};
use ari_sdk::v22::{Ari, Call, StasisApp};
use common::{caller_of, say, Result};
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
pub async fn app(app: StasisApp) -> Result {
    let mut calls = app.calls();
    while let Some(call) = calls.next().await {
        tokio::spawn(async move {
            let result = match call.args() {
                [what, mailbox] if what == "leave" => leave(&call, mailbox).await,
                [what, mailbox] if what == "listen" => listen(&call, mailbox).await,
                args => {
                    let args = args.join(",");
                    say(
                        "voicemail",
                        format!("{}: unknown arguments `{args}`", caller_of(&call)),
                    );
                    call.hangup().await.map_err(Into::into)
                }
            };
            common::report("voicemail", &call, result);
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
async fn leave(call: &Call, mailbox: &str) -> Result {
    let who = caller_of(call);
    let ari = call.ari();
    call.answer().await?;
    say("voicemail", format!("{who} leaves a message for {mailbox}"));
    call.play(["sound:vm-intro"]).await?;
    let millis = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis();
    let name = format!("{}{millis:015}", message_prefix(mailbox));
    let message = RecordOptions::new("wav")
        .name(&name)
        .beep(true)
        .terminate_on(TerminateOn::Hash)
        .max_silence_seconds(3)
        .max_duration_seconds(120)
        .if_exists(IfExists::Fail);
    let hung_up = match call.record(message).await {
        Ok(recording) => {
            let seconds = recording.duration.unwrap_or(0);
            say("voicemail", format!("{who}: recorded {name} ({seconds} s)"));
            false
        }
        // Hanging up is how most callers end a message.
        Err(_) if call.end_reason().is_some() => true,
        Err(error) => return Err(error.into()),
    };
    if hung_up {
        // The recording still completes, but its events no longer reach an
        // application the channel has left: wait for the file instead.
        wait_stored(ari, &name).await?;
        say("voicemail", format!("{who} hung up: kept {name}"));
    }
    let (old, new) = update_counts(ari, mailbox, None).await?;
    say(
        "voicemail",
        format!("mailbox {mailbox}: {new} new, {old} old"),
    );
    if !hung_up {
        call.play(["sound:vm-goodbye"]).await?;
        call.hangup().await?;
    }
    Ok(())
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
async fn listen(call: &Call, mailbox: &str) -> Result {
    let who = caller_of(call);
    let ari = call.ari();
    call.answer().await?;
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
    call.play(["sound:vm-youhave", &count, noun]).await?;
    let mut kept = 0;
    for name in &messages {
        say("voicemail", format!("{who} hears {name}"));
        // The message plays until its end or a key: `7` (one digit) or `#`
        // (the terminator); any key stops it.
        let message = Prompt::new([format!("recording:{name}")])
            .max_digits(1)
            .first_digit_timeout(Duration::ZERO);
        let reply = call.prompt(&message).await?;
        if reply.end == PromptEnd::Terminator('#') {
            kept += 1;
            break;
        }
        if reply.digits == "7" {
            ari.recordings().delete_stored(name).await?;
            say("voicemail", format!("{who} deleted {name}"));
            call.play(["sound:vm-deleted"]).await?;
        } else {
            kept += 1;
        }
    }
    let heard = kept.min(messages.len()) as i64;
    let (old, new) = update_counts(ari, mailbox, Some(heard)).await?;
    say(
        "voicemail",
        format!("mailbox {mailbox}: {new} new, {old} old"),
    );
    call.play(["sound:vm-goodbye"]).await?;
    call.hangup().await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result {
    common::run(APP, demo::fake_asterisk(), app, demo::simulate).await
}
