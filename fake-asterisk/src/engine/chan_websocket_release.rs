//! What the emulated release's chan_websocket has, read from
//! `channels/chan_websocket.c` at each release tag, so the fake's media
//! websocket behaves as that release's does:
//!
//! | from | what came |
//! |---|---|
//! | 20.16.0, 21.11.0, 22.6.0, 23.0.0 | the media websocket (plain text only): `ANSWER`, `HANGUP`, `START_`/`STOP_MEDIA_BUFFERING`, `FLUSH_MEDIA`, `GET_STATUS` |
//! | 20.17.0, 21.12.0, 22.7.0, 23.1.0 | `REPORT_QUEUE_DRAINED`, `PAUSE_MEDIA`, `CONTINUE_MEDIA` taken (before, compared with the unterminated frame: the fake never takes them) |
//! | 20.17.0, 22.7.0, 23.1.0 | `channel_id` in `MEDIA_START`, `STATUS`, `DTMF_END` |
//! | 20.18.0, 22.8.0, 23.2.0 | JSON control (`f(json)`), `MARK_MEDIA`, the `ERROR` event |
//! | 20.19.0, 22.9.0, 23.3.0 | `SET_MEDIA_DIRECTION`, `d(direction)` (and ARI's `direction` passed on as it) |
//!
//! A release without a part ignores it as chan_websocket ignores what it
//! does not know: an unknown command or dial option is logged, nothing is
//! answered.

use crate::emulation::release_has;

/// The parts of chan_websocket a release has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ChanWebsocket {
    /// `transport=websocket` at all.
    pub present: bool,
    /// `REPORT_QUEUE_DRAINED`, `PAUSE_MEDIA`, `CONTINUE_MEDIA`.
    pub whole_commands: bool,
    /// `channel_id` in `MEDIA_START`, `STATUS` and `DTMF_END`.
    pub channel_id: bool,
    /// The JSON format, `MARK_MEDIA`, `ERROR`.
    pub json_and_marks: bool,
    /// `SET_MEDIA_DIRECTION` and the `d()` option.
    pub media_direction: bool,
}

impl ChanWebsocket {
    /// What Asterisk `version` has.
    pub(crate) fn of(version: &str) -> ChanWebsocket {
        ChanWebsocket {
            present: release_has(version, &[(20, 16), (21, 11), (22, 6), (23, 0)]),
            whole_commands: release_has(version, &[(20, 17), (21, 12), (22, 7), (23, 1)]),
            channel_id: release_has(version, &[(20, 17), (22, 7), (23, 1)]),
            json_and_marks: release_has(version, &[(20, 18), (22, 8), (23, 2)]),
            media_direction: release_has(version, &[(20, 19), (22, 9), (23, 3)]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_by_release() {
        let none = ChanWebsocket::of("22.5.0");
        assert!(!none.present);
        let first = ChanWebsocket::of("22.6.0");
        assert!(first.present && !first.whole_commands && !first.channel_id);
        let line_21 = ChanWebsocket::of("21.12.3");
        assert!(line_21.whole_commands && !line_21.channel_id && !line_21.json_and_marks);
        let json = ChanWebsocket::of("20.18.0");
        assert!(json.json_and_marks && !json.media_direction);
        for all in ["20.20.1", "22.10.1", "23.4.1", "24.0.0", "GIT-master"] {
            assert!(ChanWebsocket::of(all).media_direction, "{all}");
        }
        assert!(!ChanWebsocket::of("19.8.1").present);
    }
}
