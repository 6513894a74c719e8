//! What the generator knows of ARI itself, in the project's own words.
//!
//! Asterisk's api-docs are GPL-2.0 text and the SDK is MIT OR Apache-2.0, so
//! the generated docs carry the api-docs' facts (names, types, paths,
//! parameters, defaults, allowed values, status codes, releases) and none of
//! their sentences. What an item is for is told by a link to Asterisk's own
//! documentation ([`crate::asterisk_docs`]) and, for the items an
//! application meets most, by a one-line summary from the tables below,
//! written for this project from what the operation does, not from the
//! api-docs' wording. `tests/no_api_docs_prose.rs` fails when six words in
//! a row of an api-docs sentence show up in what we ship.
//!
//! An item without a summary gets its factual title and the link.

/// One-line summaries of REST operations: resource, nickname, summary.
const OPERATIONS: &[(&str, &str, &str)] = &[
    // channels
    (
        "channels",
        "list",
        "Snapshots of every channel Asterisk has right now.",
    ),
    (
        "channels",
        "originate",
        "Places an outgoing call: Asterisk makes the channel at once, dials the endpoint, \
         and on answer hands the call to a Stasis app or a dialplan location.",
    ),
    (
        "channels",
        "originateWithId",
        "`originate`, with the new channel's id (and the second leg's, for Local channels) \
         chosen by the caller.",
    ),
    (
        "channels",
        "create",
        "Makes a channel in a Stasis app without dialing it yet; `dial` rings it later.",
    ),
    ("channels", "get", "A fresh snapshot of one channel."),
    ("channels", "hangup", "Ends the call on this channel."),
    (
        "channels",
        "continueInDialplan",
        "Gives the channel back to the dialplan; it leaves the Stasis app.",
    ),
    (
        "channels",
        "move",
        "Hands the channel over to another Stasis app.",
    ),
    (
        "channels",
        "redirect",
        "Asks the channel driver to send the call to another endpoint.",
    ),
    ("channels", "answer", "Picks up an incoming call."),
    (
        "channels",
        "ring",
        "Lets the caller hear that the call is ringing.",
    ),
    (
        "channels",
        "ringStop",
        "Ends the ringing that `ring` started.",
    ),
    (
        "channels",
        "progress",
        "Signals call progress (early media) to the caller.",
    ),
    ("channels", "sendDTMF", "Plays DTMF digits into the call."),
    (
        "channels",
        "mute",
        "Silences the channel's audio, what it sends, what it hears or both.",
    ),
    ("channels", "unmute", "Lifts a `mute`."),
    ("channels", "hold", "Tells the far end the channel is held."),
    ("channels", "unhold", "Ends a `hold`."),
    (
        "channels",
        "startMoh",
        "Starts a music-on-hold class for this channel alone.",
    ),
    (
        "channels",
        "stopMoh",
        "Ends the music that `startMoh` started.",
    ),
    ("channels", "startSilence", "Feeds the channel silence."),
    (
        "channels",
        "stopSilence",
        "Ends the silence that `startSilence` started.",
    ),
    (
        "channels",
        "play",
        "Starts playing media (a sound, a recording, digits, a tone, ...) to the channel; \
         the returned `Playback` controls it.",
    ),
    (
        "channels",
        "playWithId",
        "`play`, with the playback's id chosen by the caller.",
    ),
    (
        "channels",
        "record",
        "Starts recording the channel to a file; the returned `LiveRecording` controls it.",
    ),
    (
        "channels",
        "getChannelVar",
        "Reads a variable, or evaluates a dialplan function, on the channel.",
    ),
    (
        "channels",
        "setChannelVar",
        "Writes a variable, or a writable dialplan function, on the channel.",
    ),
    (
        "channels",
        "snoopChannel",
        "Makes a snoop channel that can listen to this one, whisper into it, or both.",
    ),
    (
        "channels",
        "snoopChannelWithId",
        "`snoopChannel`, with the snoop channel's id chosen by the caller.",
    ),
    ("channels", "dial", "Rings a channel that `create` made."),
    (
        "channels",
        "rtpstatistics",
        "Packet, jitter and loss counters of the channel's RTP stream.",
    ),
    (
        "channels",
        "externalMedia",
        "Makes a channel whose media flows to and from a server of yours \
         (RTP, AudioSocket or WebSocket), for speech recognition and the like.",
    ),
    // bridges
    (
        "bridges",
        "list",
        "Snapshots of every bridge Asterisk has right now.",
    ),
    (
        "bridges",
        "create",
        "Makes a bridge: channels put in it hear one another (mixing) or wait (holding).",
    ),
    (
        "bridges",
        "createWithId",
        "`create`, with the bridge's id chosen by the caller.",
    ),
    ("bridges", "get", "A fresh snapshot of one bridge."),
    (
        "bridges",
        "destroy",
        "Removes the bridge; channels in it are not hung up.",
    ),
    (
        "bridges",
        "addChannel",
        "Puts one or more channels into the bridge.",
    ),
    (
        "bridges",
        "removeChannel",
        "Takes one or more channels out of the bridge.",
    ),
    (
        "bridges",
        "startMoh",
        "Starts a music-on-hold class for everyone in the bridge.",
    ),
    (
        "bridges",
        "stopMoh",
        "Ends the music that `startMoh` started.",
    ),
    (
        "bridges",
        "play",
        "Starts playing media to everyone in the bridge; the returned `Playback` controls it.",
    ),
    (
        "bridges",
        "playWithId",
        "`play`, with the playback's id chosen by the caller.",
    ),
    (
        "bridges",
        "record",
        "Starts recording the bridge's mix to a file; the returned `LiveRecording` controls it.",
    ),
    // playbacks
    ("playbacks", "get", "The playback as it is now."),
    ("playbacks", "stop", "Ends the playback."),
    (
        "playbacks",
        "control",
        "Pauses, resumes, restarts, rewinds or skips ahead in the playback.",
    ),
    // recordings
    (
        "recordings",
        "listStored",
        "The finished recordings kept on disk.",
    ),
    ("recordings", "getStored", "One finished recording."),
    (
        "recordings",
        "deleteStored",
        "Deletes a finished recording's file.",
    ),
    (
        "recordings",
        "getStoredFile",
        "A finished recording's audio, as bytes.",
    ),
    (
        "recordings",
        "copyStored",
        "Copies a finished recording under a new name.",
    ),
    (
        "recordings",
        "getLive",
        "A recording in progress, as it is now.",
    ),
    (
        "recordings",
        "cancel",
        "Ends a recording in progress and throws its file away.",
    ),
    (
        "recordings",
        "stop",
        "Ends a recording in progress and keeps its file.",
    ),
    ("recordings", "pause", "Pauses a recording in progress."),
    ("recordings", "unpause", "Resumes a paused recording."),
    ("recordings", "mute", "Records silence until `unmute`."),
    ("recordings", "unmute", "Records sound again after `mute`."),
    // applications
    (
        "applications",
        "list",
        "The Stasis apps that websocket clients registered.",
    ),
    (
        "applications",
        "get",
        "One Stasis app, with the event sources it follows.",
    ),
    (
        "applications",
        "subscribe",
        "Makes the app follow more event sources (channels, bridges, endpoints, device states).",
    ),
    (
        "applications",
        "unsubscribe",
        "Makes the app stop following event sources.",
    ),
    (
        "applications",
        "filter",
        "Sets the event types the app wants, or does not want, to receive.",
    ),
    // asterisk
    (
        "asterisk",
        "getInfo",
        "Build, system, configuration and status facts of the server.",
    ),
    ("asterisk", "ping", "Checks that Asterisk answers, cheaply."),
    (
        "asterisk",
        "getGlobalVar",
        "Reads a global dialplan variable.",
    ),
    (
        "asterisk",
        "setGlobalVar",
        "Writes a global dialplan variable.",
    ),
    (
        "asterisk",
        "listModules",
        "The modules Asterisk has loaded.",
    ),
    ("asterisk", "loadModule", "Loads a module."),
    ("asterisk", "unloadModule", "Unloads a module."),
    (
        "asterisk",
        "reloadModule",
        "Reloads a module's configuration.",
    ),
    // endpoints
    ("endpoints", "list", "Every endpoint, of every technology."),
    (
        "endpoints",
        "listByTech",
        "The endpoints of one technology (`PJSIP`, ...).",
    ),
    (
        "endpoints",
        "get",
        "One endpoint, with its state and channels.",
    ),
    (
        "endpoints",
        "sendMessage",
        "Sends an out-of-call text message (a SIP MESSAGE, for PJSIP) to a URI.",
    ),
    (
        "endpoints",
        "sendMessageToEndpoint",
        "Sends an out-of-call text message to this endpoint.",
    ),
    // events
    (
        "events",
        "userEvent",
        "Raises an event of your own, delivered to the apps that follow its sources.",
    ),
    // device states
    (
        "deviceStates",
        "list",
        "The device states that ARI owns (`Stasis:` devices).",
    ),
    ("deviceStates", "get", "The state of one device."),
    (
        "deviceStates",
        "update",
        "Sets an ARI-owned device state, making the device if it is new.",
    ),
    (
        "deviceStates",
        "delete",
        "Removes an ARI-owned device state.",
    ),
    // sounds
    (
        "sounds",
        "list",
        "The sounds Asterisk can play, with their languages and formats.",
    ),
    (
        "sounds",
        "get",
        "One sound, with its languages and formats.",
    ),
];

/// One-line summaries of models and events: name, summary.
const MODELS: &[(&str, &str)] = &[
    // models
    (
        "Channel",
        "A channel as Asterisk saw it when it wrote the snapshot: one leg of a call.",
    ),
    (
        "Bridge",
        "A bridge as Asterisk saw it: the channels it joins and how it mixes them.",
    ),
    ("Playback", "Media being played to a channel or a bridge."),
    ("LiveRecording", "A recording in progress."),
    ("StoredRecording", "A finished recording kept on disk."),
    ("Endpoint", "A device or trunk of one channel technology."),
    (
        "Application",
        "A Stasis app and the event sources it follows.",
    ),
    ("CallerID", "A name and a number."),
    (
        "DialplanCEP",
        "A dialplan location: context, extension, priority.",
    ),
    ("Variable", "The value of a variable."),
    (
        "Sound",
        "A sound file, by name, with its languages and formats.",
    ),
    ("DeviceState", "A device's name and state."),
    ("Mailbox", "A mailbox's message counts."),
    (
        "AsteriskInfo",
        "Facts about the server; `asterisk.getInfo` returns it.",
    ),
    // events
    (
        "StasisStart",
        "A channel entered the app: from now on the app controls it.",
    ),
    (
        "StasisEnd",
        "A channel left the app: the app can no longer control it.",
    ),
    (
        "ChannelDtmfReceived",
        "A DTMF digit arrived on a channel (sent once the key is released).",
    ),
    (
        "ChannelStateChange",
        "A channel's state changed (ringing, up, ...).",
    ),
    (
        "ChannelHangupRequest",
        "A hangup was asked for a channel; the cause tells why.",
    ),
    ("ChannelCreated", "A channel came into being."),
    (
        "ChannelDestroyed",
        "A channel is gone; the cause tells why it ended.",
    ),
    ("ChannelEnteredBridge", "A channel joined a bridge."),
    ("ChannelLeftBridge", "A channel left a bridge."),
    (
        "ChannelVarset",
        "A variable was set: on a channel, or a global one when no channel is given.",
    ),
    (
        "ChannelUserevent",
        "A user event, raised by `events.userEvent` or the dialplan's `UserEvent`.",
    ),
    ("ChannelHold", "A channel was put on hold."),
    ("ChannelUnhold", "A channel came off hold."),
    (
        "ChannelTalkingStarted",
        "Talk detection heard a channel start talking.",
    ),
    (
        "ChannelTalkingFinished",
        "Talk detection heard a channel stop talking.",
    ),
    ("ChannelCallerId", "A channel's caller id changed."),
    (
        "ChannelDialplan",
        "A channel moved to another dialplan location.",
    ),
    ("PlaybackStarted", "A playback began."),
    (
        "PlaybackContinuing",
        "A playback of several media moved on to the next one.",
    ),
    (
        "PlaybackFinished",
        "A playback is over: played out, stopped, or failed.",
    ),
    ("RecordingStarted", "A recording began."),
    (
        "RecordingFinished",
        "A recording ended and its file is complete.",
    ),
    ("RecordingFailed", "A recording could not go on."),
    ("BridgeCreated", "A bridge came into being."),
    ("BridgeDestroyed", "A bridge is gone."),
    ("BridgeMerged", "One bridge was folded into another."),
    (
        "Dial",
        "A step of a dial: the dialed channel's status changed.",
    ),
    ("EndpointStateChange", "An endpoint's state changed."),
    ("DeviceStateChanged", "A device's state changed."),
    (
        "ApplicationReplaced",
        "Another websocket took this app's name; this connection gets no more of its events.",
    ),
    (
        "TextMessageReceived",
        "An out-of-call text message arrived for the app.",
    ),
];

/// Our one-line summary of an operation, if we wrote one.
pub fn operation_summary(resource: &str, nickname: &str) -> Option<&'static str> {
    OPERATIONS
        .iter()
        .find(|(r, n, _)| *r == resource && *n == nickname)
        .map(|(_, _, summary)| *summary)
}

/// Our one-line summary of a model or an event, if we wrote one.
pub fn model_summary(name: &str) -> Option<&'static str> {
    MODELS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, summary)| *summary)
}

/// The longest documented error reason kept, in words.
///
/// Error reasons are labels (`Channel not found`, `Playback not found`)
/// rather than prose, and the short ones are kept as facts; a reason of six
/// words or more is a sentence (`Channel with given unique ID already
/// exists.`), so the docs give its status and kind only.
const REASON_WORDS: usize = 5;

/// The api-docs' reason for an error status, when it is a short label.
pub fn error_reason(reason: &str) -> Option<&str> {
    let reason = reason.trim();
    let words = reason.split_whitespace().count();
    (words > 0 && words <= REASON_WORDS).then_some(reason)
}

/// The standard HTTP reason phrase of a status (RFC 9110): what an error
/// reports where the api-docs' reason is a sentence.
pub fn http_reason_phrase(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        412 => "Precondition Failed",
        422 => "Unprocessable Content",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        _ => "Error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_are_one_line_and_unique() {
        for (resource, nickname, summary) in OPERATIONS {
            assert!(!summary.contains('\n'), "{resource}.{nickname}");
            assert_eq!(
                OPERATIONS
                    .iter()
                    .filter(|(r, n, _)| r == resource && n == nickname)
                    .count(),
                1,
                "{resource}.{nickname} twice"
            );
        }
        for (name, summary) in MODELS {
            assert!(!summary.contains('\n'), "{name}");
            assert_eq!(
                MODELS.iter().filter(|(n, _)| n == name).count(),
                1,
                "{name} twice"
            );
        }
        assert!(operation_summary("channels", "originate").is_some());
        assert!(model_summary("StasisStart").is_some());
        assert!(model_summary("NoSuchModel").is_none());
    }

    #[test]
    fn keeps_short_reasons_only() {
        assert_eq!(error_reason("Channel not found"), Some("Channel not found"));
        assert_eq!(
            error_reason(" Playback not found "),
            Some("Playback not found")
        );
        assert_eq!(
            error_reason("Channel with given unique ID already exists."),
            None
        );
        assert_eq!(error_reason(""), None);
        assert_eq!(http_reason_phrase(409), "Conflict");
    }
}
