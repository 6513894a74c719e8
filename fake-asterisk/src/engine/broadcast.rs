//! `StasisBroadcast(timeout,app_filter,args,notify_claimed)` and
//! `POST /events/claim`, as `app_stasis_broadcast` and `res_stasis_broadcast`
//! do them (Asterisk 20.17.0 / 22.7.0 / 23.1.0 for the application, the
//! claim operation in 20.20.0 / 22.10.0 / 23.4.0):
//!
//! - the channel is offered to every registered application whose name the
//!   filter matches, in a random order, with a `CallBroadcast` event (the
//!   channel, the caller's number, the dialled extension);
//! - the first claim wins; a later one gets `409` while the winner's Stasis
//!   session lasts, `404` once the broadcast is over or for a channel that
//!   was never broadcast;
//! - the winner gets the channel as if `Stasis(winner,args)` had run
//!   (`args` colon-separated); with `notify_claimed` the matching
//!   applications hear `CallClaimed`;
//! - no claim within the timeout (500 ms by default, 0 to 60,000):
//!   `STASISSTATUS=TIMEOUT` and the dialplan goes on.

use regex::Regex;
use serde_json::{json, Map};

use crate::error::ApiError;
use crate::world::{Route, World};

/// The default claim window, as Asterisk's.
const DEFAULT_TIMEOUT_MS: u64 = 500;
/// The longest window Asterisk accepts.
const MAX_TIMEOUT_MS: u64 = 60_000;
/// `MAX_STASIS_ARGS`.
const MAX_ARGS: usize = 128;

/// A channel being offered.
#[derive(Debug)]
pub(crate) struct Broadcast {
    filter: Option<Regex>,
    notify_claimed: bool,
    args: Vec<String>,
    winner: Option<String>,
    /// The window closed without a winner (or the channel left).
    finished: bool,
}

impl Broadcast {
    fn matches(&self, app: &str) -> bool {
        self.filter.as_ref().is_none_or(|f| f.is_match(app))
    }
}

/// The parsed application data.
struct Data {
    timeout_ms: u64,
    filter: Option<Regex>,
    args: Vec<String>,
    notify_claimed: bool,
}

fn parse(data: &str) -> Data {
    let fields = super::stasis::split_app_args(data);
    let field = |i: usize| fields.get(i).map(String::as_str).filter(|s| !s.is_empty());
    // An invalid timeout falls back to the default, with a warning in Asterisk.
    let timeout_ms = field(0)
        .map(|t| {
            t.trim()
                .parse::<i64>()
                .ok()
                .and_then(|t| u64::try_from(t).ok())
                .filter(|t| *t <= MAX_TIMEOUT_MS)
                .unwrap_or(DEFAULT_TIMEOUT_MS)
        })
        .unwrap_or(DEFAULT_TIMEOUT_MS);
    // A filter that does not compile means no filtering, as in Asterisk.
    let filter = field(1).and_then(|f| Regex::new(f).ok());
    let args = field(2)
        .map(|a| a.split(':').take(MAX_ARGS).map(str::to_string).collect())
        .unwrap_or_default();
    let notify_claimed = field(3).is_some_and(is_true);
    Data {
        timeout_ms,
        filter,
        args,
        notify_claimed,
    }
}

/// `ast_true`.
fn is_true(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "yes" | "true" | "y" | "t" | "1" | "on"
    )
}

/// Starts the broadcast of channel `id`: sends `CallBroadcast` and returns
/// how long to wait for a claim.
pub(crate) fn start(w: &mut World, id: &str, data: &str) -> u64 {
    let data = parse(data);
    if let Some(channel) = w.channels.get_mut(id) {
        channel.vars.insert("STASISSTATUS".into(), String::new());
    }
    w.emit_varset(id, "STASISSTATUS", "");
    let Some(channel) = w.channels.get(id) else {
        return 0;
    };
    let broadcast = Broadcast {
        filter: data.filter,
        notify_claimed: data.notify_claimed,
        args: data.args,
        winner: None,
        finished: false,
    };
    let mut apps: Vec<String> = w
        .apps
        .values()
        .filter(|app| app.session.is_some() && broadcast.matches(&app.name))
        .map(|app| app.name.clone())
        .collect();
    // No application is always first to hear of a call.
    fastrand::shuffle(&mut apps);
    let snapshot = channel.snapshot();
    let caller = channel.caller.number.clone();
    let called = channel.dialplan.exten.clone();
    w.broadcasts.insert(id.to_string(), broadcast);
    for app in apps {
        let mut fields = Map::new();
        fields.insert("channel".into(), snapshot.clone());
        fields.insert("caller".into(), json!(caller));
        fields.insert("called".into(), json!(called));
        w.emit(Route::App(app), "CallBroadcast", fields);
    }
    data.timeout_ms
}

/// Whether channel `id` has been claimed.
pub(crate) fn claimed(w: &World, id: &str) -> bool {
    w.broadcasts.get(id).is_some_and(|b| b.winner.is_some())
}

/// The window is over: the winner and its arguments, if any. Without one
/// the broadcast ends here (`STASISSTATUS=TIMEOUT`), so a late claim is a
/// 404; with one it lasts until [`end`], so a late claim is a 409.
pub(crate) fn close(w: &mut World, id: &str) -> Option<(String, Vec<String>)> {
    let broadcast = w.broadcasts.get_mut(id)?;
    match &broadcast.winner {
        Some(winner) => Some((winner.clone(), broadcast.args.clone())),
        None => {
            broadcast.finished = true;
            w.broadcasts.shift_remove(id);
            if let Some(channel) = w.channels.get_mut(id) {
                channel.vars.insert("STASISSTATUS".into(), "TIMEOUT".into());
            }
            w.emit_varset(id, "STASISSTATUS", "TIMEOUT");
            None
        }
    }
}

/// The winner's Stasis session is over (or the channel hung up).
pub(crate) fn end(w: &mut World, id: &str) {
    w.broadcasts.shift_remove(id);
}

/// `POST /events/claim`.
pub(crate) fn claim(w: &mut World, channel_id: &str, application: &str) -> Result<(), ApiError> {
    let not_found = || ApiError::not_found("Channel not found or not in broadcast state");
    let broadcast = w.broadcasts.get_mut(channel_id).ok_or_else(not_found)?;
    if broadcast.winner.is_some() {
        return Err(ApiError::conflict(
            "Channel has already been claimed by another application",
        ));
    }
    if broadcast.finished {
        return Err(not_found());
    }
    broadcast.winner = Some(application.to_string());
    // Who hears of the win: the applications the broadcast was offered to.
    let notified: Vec<String> = if broadcast.notify_claimed {
        let offered = &*broadcast;
        w.apps
            .values()
            .filter(|app| app.session.is_some() && offered.matches(&app.name))
            .map(|app| app.name.clone())
            .collect()
    } else {
        Vec::new()
    };
    let Some(channel) = w.channels.get(channel_id) else {
        return Ok(());
    };
    channel.pbx_wake.notify_one();
    let snapshot = channel.snapshot();
    for app in notified {
        let mut fields = Map::new();
        fields.insert("channel".into(), snapshot.clone());
        fields.insert("winner_app".into(), json!(application));
        w.emit(Route::App(app), "CallClaimed", fields);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_application_data_as_asterisk() {
        let d = parse("");
        assert_eq!(
            (d.timeout_ms, d.args.len(), d.notify_claimed),
            (500, 0, false)
        );
        assert!(d.filter.is_none());
        let d = parse("2000,^ivr-.*,sales:priority-high,yes");
        assert_eq!(d.timeout_ms, 2000);
        assert_eq!(d.args, ["sales", "priority-high"]);
        assert!(d.notify_claimed);
        let filter = d.filter.expect("a filter");
        assert!(filter.is_match("ivr-1") && !filter.is_match("queue"));
        // Out of range or not a number: the default.
        assert_eq!(parse("60001").timeout_ms, 500);
        assert_eq!(parse("-1").timeout_ms, 500);
        assert_eq!(parse("soon").timeout_ms, 500);
        assert_eq!(parse("0").timeout_ms, 0);
        // A filter that does not compile filters nothing.
        assert!(parse("10,(").filter.is_none());
    }
}
