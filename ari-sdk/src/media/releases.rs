//! Which Asterisk releases have which parts of chan_websocket's protocol,
//! read from `channels/chan_websocket.c` at each release tag.
//!
//! | from | what came |
//! |---|---|
//! | 20.16.0, 21.11.0, 22.6.0, 23.0.0 | the media websocket, plain-text control only: `ANSWER`, `HANGUP`, `START_MEDIA_BUFFERING`, `STOP_MEDIA_BUFFERING`, `FLUSH_MEDIA`, `GET_STATUS`; events `MEDIA_START`, `MEDIA_XOFF`, `MEDIA_XON`, `QUEUE_DRAINED`, `STATUS`, `MEDIA_BUFFERING_COMPLETED`, `DTMF_END` |
//! | 20.17.0, 21.12.0, 22.7.0, 23.1.0 | `REPORT_QUEUE_DRAINED`, `PAUSE_MEDIA` and `CONTINUE_MEDIA` recognised reliably (the first releases compare them with the received frame before it is terminated, so they are taken only by chance) |
//! | 20.17.0, 22.7.0, 23.1.0 (not 21) | `channel_id` in `MEDIA_START`, `STATUS` and `DTMF_END` |
//! | 20.18.0, 22.8.0, 23.2.0 (not 21) | the JSON control format (`f(json)`, `control_message_format`), `MARK_MEDIA` / `MEDIA_MARK_PROCESSED`, the `ERROR` event |
//! | 20.19.0, 22.9.0, 23.3.0 (not 21) | `SET_MEDIA_DIRECTION` (JSON only) and the `d(direction)` dial option |
//!
//! An older release of a line ignores what it does not know (a command is
//! logged as unknown, a dial option as unrecognised): no `ERROR`, no
//! answer. Line 21 ended with 21.12.x, so it never got the later parts;
//! a line after 23 has them all.

use super::{ControlFormat, MediaCommand};
use crate::client::Release;

/// chan_websocket's media websocket itself.
pub(crate) const CHAN_WEBSOCKET: &[&str] = &["20.16.0", "21.11.0", "22.6.0", "23.0.0"];

/// `REPORT_QUEUE_DRAINED`, `PAUSE_MEDIA`, `CONTINUE_MEDIA` taken reliably.
pub(crate) const WHOLE_COMMANDS: &[&str] = &["20.17.0", "21.12.0", "22.7.0", "23.1.0"];

/// The JSON control format, `MARK_MEDIA` and the `ERROR` event.
pub(crate) const JSON_AND_MARKS: &[&str] = &["20.18.0", "22.8.0", "23.2.0"];

/// `SET_MEDIA_DIRECTION`.
pub(crate) const MEDIA_DIRECTION: &[&str] = &["20.19.0", "22.9.0", "23.3.0"];

impl MediaCommand {
    /// The first release of each Asterisk line (oldest line first) whose
    /// chan_websocket takes this command; an older release of a line
    /// ignores it. [`MediaSender::command`](super::MediaSender::command)
    /// refuses it on such a server.
    ///
    /// | command | Asterisk |
    /// |---|---|
    /// | `ANSWER`, `HANGUP`, `START_MEDIA_BUFFERING`, `STOP_MEDIA_BUFFERING`, `FLUSH_MEDIA`, `GET_STATUS` | 20.16.0, 21.11.0, 22.6.0, 23.0.0 |
    /// | `REPORT_QUEUE_DRAINED`, `PAUSE_MEDIA`, `CONTINUE_MEDIA` | 20.17.0, 21.12.0, 22.7.0, 23.1.0 |
    /// | `MARK_MEDIA` | 20.18.0, 22.8.0, 23.2.0 |
    /// | `SET_MEDIA_DIRECTION` | 20.19.0, 22.9.0, 23.3.0 |
    ///
    /// ```
    /// use ari_sdk::media::MediaCommand;
    ///
    /// let mark = MediaCommand::MarkMedia { correlation_id: None };
    /// assert_eq!(mark.since(), ["20.18.0", "22.8.0", "23.2.0"]);
    /// ```
    pub fn since(&self) -> &'static [&'static str] {
        match self {
            MediaCommand::Answer
            | MediaCommand::Hangup
            | MediaCommand::StartMediaBuffering
            | MediaCommand::StopMediaBuffering { .. }
            | MediaCommand::FlushMedia
            | MediaCommand::GetStatus => CHAN_WEBSOCKET,
            MediaCommand::ReportQueueDrained
            | MediaCommand::PauseMedia
            | MediaCommand::ContinueMedia => WHOLE_COMMANDS,
            MediaCommand::MarkMedia { .. } => JSON_AND_MARKS,
            MediaCommand::SetMediaDirection(_) => MEDIA_DIRECTION,
        }
    }
}

impl ControlFormat {
    /// The first release of each Asterisk line that speaks this format
    /// (`f(json)` is ignored before, and the channel speaks plain text).
    ///
    /// ```
    /// use ari_sdk::media::ControlFormat;
    ///
    /// assert_eq!(ControlFormat::Json.since(), ["20.18.0", "22.8.0", "23.2.0"]);
    /// ```
    pub fn since(self) -> &'static [&'static str] {
        match self {
            ControlFormat::PlainText => CHAN_WEBSOCKET,
            ControlFormat::Json => JSON_AND_MARKS,
        }
    }
}

/// The release `running` would need for something that came in the
/// releases `since` (the first of each line that has it, oldest line
/// first), or `None` when it has it: the entry of its own line when it is
/// older than that, the first of a later line when its line never got it,
/// and nothing for a line after the last one listed.
pub(crate) fn needs(since: &'static [&'static str], running: Release) -> Option<&'static str> {
    for first in since {
        let Some(release) = crate::client::release_of(first) else {
            continue;
        };
        if release.0 == running.0 {
            return (running < release).then_some(*first);
        }
        if release.0 > running.0 {
            return Some(*first);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_release_each_line_needs() {
        assert_eq!(needs(CHAN_WEBSOCKET, (19, 18, 0)), Some("20.16.0"));
        assert_eq!(needs(CHAN_WEBSOCKET, (20, 15, 2)), Some("20.16.0"));
        assert_eq!(needs(CHAN_WEBSOCKET, (20, 16, 0)), None);
        assert_eq!(needs(CHAN_WEBSOCKET, (21, 11, 0)), None);
        assert_eq!(needs(WHOLE_COMMANDS, (22, 6, 0)), Some("22.7.0"));
        assert_eq!(needs(WHOLE_COMMANDS, (21, 12, 3)), None);
        // Line 21 never got marks: the next line's first release.
        assert_eq!(needs(JSON_AND_MARKS, (21, 12, 3)), Some("22.8.0"));
        assert_eq!(needs(JSON_AND_MARKS, (22, 7, 0)), Some("22.8.0"));
        assert_eq!(needs(JSON_AND_MARKS, (22, 8, 0)), None);
        assert_eq!(needs(MEDIA_DIRECTION, (23, 2, 2)), Some("23.3.0"));
        assert_eq!(needs(MEDIA_DIRECTION, (22, 10, 1)), None);
        assert_eq!(needs(MEDIA_DIRECTION, (24, 0, 0)), None);
    }
}
