//! chan_websocket's control messages: the commands the application sends
//! and the events Asterisk sends, in both of its formats.
//!
//! A channel speaks one format, chosen when it is created (`f(json)` or
//! `f(plain-text)` in `externalMedia`'s `transport_data`, else
//! `chan_websocket.conf`'s `control_message_format`, `plain-text` by
//! default). Plain text is `NAME key:value key:value`; JSON is one object
//! with `event` (Asterisk) or `command` (the application).

use serde_json::{Map, Value};

/// The format of a media channel's control messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ControlFormat {
    /// `NAME key:value ...` (chan_websocket's default).
    PlainText,
    /// One JSON object per message (`f(json)`).
    Json,
}

impl ControlFormat {
    /// The format a message is written in: JSON when it is an object.
    pub fn of(message: &str) -> ControlFormat {
        if message.trim_start().starts_with('{') {
            ControlFormat::Json
        } else {
            ControlFormat::PlainText
        }
    }

    /// The format named in `transport_data` (`f(json)`, `f(plain-text)`),
    /// if it names one; `None` leaves the choice to `chan_websocket.conf`.
    pub fn from_transport_data(transport_data: &str) -> Option<ControlFormat> {
        let start = transport_data.find("f(")? + 2;
        let end = start + transport_data[start..].find(')')?;
        match &transport_data[start..end] {
            "json" => Some(ControlFormat::Json),
            "plain-text" => Some(ControlFormat::PlainText),
            _ => None,
        }
    }
}

/// Which way media flows, from the application's side (`SET_MEDIA_DIRECTION`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaDirection {
    /// Audio both ways (the default).
    Both,
    /// The application only sends audio; Asterisk stops sending it.
    Out,
    /// The application only receives audio; what it sends is dropped.
    In,
}

impl MediaDirection {
    /// The wire value: `both`, `out`, `in`.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaDirection::Both => "both",
            MediaDirection::Out => "out",
            MediaDirection::In => "in",
        }
    }
}

/// A command to chan_websocket.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MediaCommand {
    /// `ANSWER`: answers the channel (when it was created with `n`, no auto-answer).
    Answer,
    /// `HANGUP`: hangs the channel up; Asterisk then closes the websocket.
    Hangup,
    /// `START_MEDIA_BUFFERING`: the audio that follows may come in pieces of
    /// any size; Asterisk re-cuts it into frames.
    StartMediaBuffering,
    /// `STOP_MEDIA_BUFFERING`: ends the buffered run; answered with
    /// [`MediaEvent::BufferingCompleted`] once played.
    StopMediaBuffering {
        /// Echoed back in the event.
        correlation_id: Option<String>,
    },
    /// `MARK_MEDIA`: answered with [`MediaEvent::MarkProcessed`] when the
    /// audio sent before it has been played.
    MarkMedia {
        /// Echoed back in the event.
        correlation_id: Option<String>,
    },
    /// `FLUSH_MEDIA`: drops the audio queued and not yet played.
    FlushMedia,
    /// `GET_STATUS`: answered with [`MediaEvent::Status`].
    GetStatus,
    /// `REPORT_QUEUE_DRAINED`: asks for [`MediaEvent::QueueDrained`] once
    /// the queue is empty.
    ReportQueueDrained,
    /// `PAUSE_MEDIA`: Asterisk stops playing the queue (and plays silence).
    PauseMedia,
    /// `CONTINUE_MEDIA`: resumes playing after [`PauseMedia`](Self::PauseMedia).
    ContinueMedia,
    /// `SET_MEDIA_DIRECTION` (JSON format only).
    SetMediaDirection(MediaDirection),
}

/// A command that cannot be written in the channel's format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{command} is only available in the JSON control format")]
pub struct JsonOnly {
    /// The command's name.
    pub command: &'static str,
}

impl MediaCommand {
    /// The command's wire name (`MARK_MEDIA`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            MediaCommand::Answer => "ANSWER",
            MediaCommand::Hangup => "HANGUP",
            MediaCommand::StartMediaBuffering => "START_MEDIA_BUFFERING",
            MediaCommand::StopMediaBuffering { .. } => "STOP_MEDIA_BUFFERING",
            MediaCommand::MarkMedia { .. } => "MARK_MEDIA",
            MediaCommand::FlushMedia => "FLUSH_MEDIA",
            MediaCommand::GetStatus => "GET_STATUS",
            MediaCommand::ReportQueueDrained => "REPORT_QUEUE_DRAINED",
            MediaCommand::PauseMedia => "PAUSE_MEDIA",
            MediaCommand::ContinueMedia => "CONTINUE_MEDIA",
            MediaCommand::SetMediaDirection(_) => "SET_MEDIA_DIRECTION",
        }
    }

    fn correlation_id(&self) -> Option<&str> {
        match self {
            MediaCommand::StopMediaBuffering { correlation_id }
            | MediaCommand::MarkMedia { correlation_id } => correlation_id.as_deref(),
            _ => None,
        }
    }

    /// The text message for `format`.
    pub fn encode(&self, format: ControlFormat) -> Result<String, JsonOnly> {
        let name = self.name();
        match format {
            ControlFormat::PlainText => {
                if matches!(self, MediaCommand::SetMediaDirection(_)) {
                    return Err(JsonOnly { command: name });
                }
                Ok(match self.correlation_id() {
                    Some(id) => format!("{name} {id}"),
                    None => name.to_owned(),
                })
            }
            ControlFormat::Json => {
                let mut object = Map::new();
                object.insert("command".into(), Value::from(name));
                if let Some(id) = self.correlation_id() {
                    object.insert("correlation_id".into(), Value::from(id));
                }
                if let MediaCommand::SetMediaDirection(direction) = self {
                    object.insert("direction".into(), Value::from(direction.as_str()));
                }
                Ok(Value::Object(object).to_string())
            }
        }
    }
}

/// `MEDIA_START`: the first message on a media websocket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaStart {
    /// The connection id (the channel's `MEDIA_WEBSOCKET_CONNECTION_ID`).
    pub connection_id: String,
    /// The channel's name (`WebSocket/...`).
    pub channel: String,
    /// The channel's id; empty from a release before 20.17.0, 22.7.0,
    /// 23.1.0 (21.x included), which did not send it.
    pub channel_id: String,
    /// The audio format (`ulaw`, `slin16`, ...).
    pub format: String,
    /// The bytes of one frame of `ptime` ms (0 for codecs without a fixed size).
    pub optimal_frame_size: usize,
    /// Milliseconds of audio per frame.
    pub ptime: u32,
    /// The channel's variables (JSON format only; empty in plain text).
    pub channel_variables: Vec<(String, String)>,
}

/// `STATUS`, the answer to [`MediaCommand::GetStatus`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaStatus {
    /// Frames queued for playing.
    pub queue_length: u32,
    /// The queue length under which `MEDIA_XON` is sent.
    pub xon_level: u32,
    /// The queue length at which `MEDIA_XOFF` is sent.
    pub xoff_level: u32,
    /// Whether the queue is over its XOFF level.
    pub queue_full: bool,
    /// Whether a buffering run is in progress.
    pub bulk_media: bool,
    /// Whether playing is paused.
    pub media_paused: bool,
}

/// An event from chan_websocket.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MediaEvent {
    /// `MEDIA_START`.
    MediaStart(MediaStart),
    /// `MEDIA_XOFF`: Asterisk's queue is nearly full; stop sending audio.
    MediaXoff,
    /// `MEDIA_XON`: the queue has drained enough; send again.
    MediaXon,
    /// `QUEUE_DRAINED` (after [`MediaCommand::ReportQueueDrained`]).
    QueueDrained,
    /// `MEDIA_BUFFERING_COMPLETED`.
    BufferingCompleted {
        /// The id given to `STOP_MEDIA_BUFFERING`, if any.
        correlation_id: Option<String>,
    },
    /// `MEDIA_MARK_PROCESSED`: the audio before the mark has been played.
    MarkProcessed {
        /// The id given to `MARK_MEDIA`, if any.
        correlation_id: Option<String>,
    },
    /// `DTMF_END`: a digit from the channel's other side.
    DtmfEnd {
        /// The digit.
        digit: char,
    },
    /// `STATUS`.
    Status(MediaStatus),
    /// `ERROR`: a command was refused.
    Error {
        /// Asterisk's explanation.
        error_text: String,
    },
    /// A well-formed event this SDK does not know (a newer Asterisk's).
    Unknown {
        /// Its name.
        name: String,
        /// The message as received.
        raw: String,
    },
}

/// A control message that is not a valid event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed media control message ({reason}): {raw:?}")]
pub struct MalformedControl {
    /// The message as received.
    pub raw: String,
    /// What is wrong with it.
    pub reason: String,
}

/// The fields of a message, whichever its format.
struct Fields<'a> {
    raw: &'a str,
    name: String,
    json: Option<Map<String, Value>>,
    /// Plain text: `key:value` pairs, and the text after the name.
    pairs: Vec<(&'a str, &'a str)>,
    rest: &'a str,
}

impl<'a> Fields<'a> {
    fn parse(raw: &'a str) -> Result<Fields<'a>, MalformedControl> {
        let text = raw.trim();
        if text.is_empty() {
            return Err(malformed(raw, "empty message"));
        }
        if ControlFormat::of(text) == ControlFormat::Json {
            let value: Value = serde_json::from_str(text)
                .map_err(|e| malformed(raw, &format!("invalid JSON: {e}")))?;
            let Value::Object(object) = value else {
                return Err(malformed(raw, "not a JSON object"));
            };
            let Some(name) = object.get("event").and_then(Value::as_str) else {
                return Err(malformed(raw, "no `event` string"));
            };
            return Ok(Fields {
                raw,
                name: name.to_owned(),
                json: Some(object),
                pairs: Vec::new(),
                rest: "",
            });
        }
        let (name, rest) = text.split_once(' ').unwrap_or((text, ""));
        let valid_name = name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
        if !valid_name {
            return Err(malformed(raw, "not an event name"));
        }
        let pairs = rest
            .split(' ')
            .filter_map(|token| token.split_once(':'))
            .collect();
        Ok(Fields {
            raw,
            name: name.to_owned(),
            json: None,
            pairs,
            rest: rest.trim(),
        })
    }

    /// A string field: JSON member, or plain `key:value`.
    fn string(&self, key: &str) -> Option<String> {
        match &self.json {
            Some(object) => object.get(key).and_then(Value::as_str).map(str::to_owned),
            None => self
                .pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| (*v).to_owned()),
        }
    }

    fn required(&self, key: &str) -> Result<String, MalformedControl> {
        self.string(key)
            .ok_or_else(|| malformed(self.raw, &format!("no `{key}`")))
    }

    fn number(&self, key: &str) -> Result<u64, MalformedControl> {
        let bad = || malformed(self.raw, &format!("`{key}` is not a number"));
        match &self.json {
            Some(object) => object.get(key).and_then(Value::as_u64).ok_or_else(bad),
            None => self.required(key)?.parse().map_err(|_| bad()),
        }
    }

    fn flag(&self, key: &str) -> Result<bool, MalformedControl> {
        let bad = || malformed(self.raw, &format!("`{key}` is not a boolean"));
        match &self.json {
            Some(object) => object.get(key).and_then(Value::as_bool).ok_or_else(bad),
            None => match self.required(key)?.as_str() {
                "true" => Ok(true),
                "false" => Ok(false),
                _ => Err(bad()),
            },
        }
    }

    /// A correlation id: JSON `correlation_id` (empty means none), or the
    /// plain text after the name.
    fn correlation_id(&self) -> Option<String> {
        let id = match &self.json {
            Some(_) => self.string("correlation_id").unwrap_or_default(),
            None => self.rest.to_owned(),
        };
        (!id.is_empty()).then_some(id)
    }
}

fn malformed(raw: &str, reason: &str) -> MalformedControl {
    MalformedControl {
        raw: raw.to_owned(),
        reason: reason.to_owned(),
    }
}

fn small(value: u64, raw: &str, key: &str) -> Result<u32, MalformedControl> {
    u32::try_from(value).map_err(|_| malformed(raw, &format!("`{key}` is out of range")))
}

impl MediaEvent {
    /// Parses a text message from Asterisk, in either format.
    pub fn parse(raw: &str) -> Result<MediaEvent, MalformedControl> {
        let fields = Fields::parse(raw)?;
        let event = match fields.name.as_str() {
            "MEDIA_START" => {
                let channel_variables = fields
                    .json
                    .as_ref()
                    .and_then(|o| o.get("channel_variables"))
                    .and_then(Value::as_object)
                    .map(|vars| {
                        vars.iter()
                            .map(|(k, v)| {
                                let value = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                                (k.clone(), value)
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let frame_size = fields.number("optimal_frame_size")?;
                MediaEvent::MediaStart(MediaStart {
                    connection_id: fields.required("connection_id")?,
                    channel: fields.required("channel")?,
                    // Sent from 20.17.0, 22.7.0, 23.1.0 on.
                    channel_id: fields.string("channel_id").unwrap_or_default(),
                    format: fields.required("format")?,
                    optimal_frame_size: usize::try_from(frame_size)
                        .map_err(|_| malformed(raw, "`optimal_frame_size` is out of range"))?,
                    ptime: small(fields.number("ptime")?, raw, "ptime")?,
                    channel_variables,
                })
            }
            "MEDIA_XOFF" => MediaEvent::MediaXoff,
            "MEDIA_XON" => MediaEvent::MediaXon,
            "QUEUE_DRAINED" => MediaEvent::QueueDrained,
            "MEDIA_BUFFERING_COMPLETED" => MediaEvent::BufferingCompleted {
                correlation_id: fields.correlation_id(),
            },
            "MEDIA_MARK_PROCESSED" => MediaEvent::MarkProcessed {
                correlation_id: fields.correlation_id(),
            },
            "DTMF_END" => {
                let digit = fields.required("digit")?;
                let mut chars = digit.chars();
                match (chars.next(), chars.next()) {
                    (Some(digit), None) => MediaEvent::DtmfEnd { digit },
                    _ => return Err(malformed(raw, "`digit` is not one character")),
                }
            }
            "STATUS" => MediaEvent::Status(MediaStatus {
                queue_length: small(fields.number("queue_length")?, raw, "queue_length")?,
                xon_level: small(fields.number("xon_level")?, raw, "xon_level")?,
                xoff_level: small(fields.number("xoff_level")?, raw, "xoff_level")?,
                queue_full: fields.flag("queue_full")?,
                bulk_media: fields.flag("bulk_media")?,
                media_paused: fields.flag("media_paused")?,
            }),
            "ERROR" => {
                let error_text = match &fields.json {
                    Some(_) => fields.required("error_text")?,
                    // The text runs to the end and may hold spaces.
                    None => match fields.rest.split_once("error_text:") {
                        Some((_, text)) => text.trim().to_owned(),
                        None => return Err(malformed(raw, "no `error_text`")),
                    },
                };
                MediaEvent::Error { error_text }
            }
            _ => MediaEvent::Unknown {
                name: fields.name.clone(),
                raw: raw.to_owned(),
            },
        };
        Ok(event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_start_in_both_formats() {
        let plain = "MEDIA_START connection_id:abc channel:WebSocket/INCOMING/0x1 \
                     channel_id:1.2 format:ulaw optimal_frame_size:160 ptime:20";
        let json = r#"{"event":"MEDIA_START","connection_id":"abc","channel":"WebSocket/INCOMING/0x1","channel_id":"1.2","format":"ulaw","optimal_frame_size":160,"ptime":20,"channel_variables":{"A":"b"}}"#;
        for raw in [plain, json] {
            let MediaEvent::MediaStart(start) = MediaEvent::parse(raw).unwrap() else {
                panic!("not MEDIA_START");
            };
            assert_eq!(start.connection_id, "abc");
            assert_eq!(start.channel, "WebSocket/INCOMING/0x1");
            assert_eq!(start.optimal_frame_size, 160);
            assert_eq!(start.ptime, 20);
        }
    }

    #[test]
    fn media_start_before_channel_id() {
        // 20.16.0, 21.x, 22.6.0, 23.0.0 send no channel_id.
        let old = "MEDIA_START connection_id:abc channel:WebSocket/INCOMING/0x1 \
                   format:ulaw optimal_frame_size:160 ptime:20";
        let MediaEvent::MediaStart(start) = MediaEvent::parse(old).unwrap() else {
            panic!("not MEDIA_START");
        };
        assert_eq!((start.channel_id.as_str(), start.ptime), ("", 20));
        assert_eq!(
            MediaEvent::parse("DTMF_END digit:#").unwrap(),
            MediaEvent::DtmfEnd { digit: '#' }
        );
    }

    #[test]
    fn events_with_ids_status_and_errors() {
        assert_eq!(
            MediaEvent::parse("MEDIA_MARK_PROCESSED m 1").unwrap(),
            MediaEvent::MarkProcessed {
                correlation_id: Some("m 1".into())
            }
        );
        assert_eq!(
            MediaEvent::parse(
                r#"{"event":"MEDIA_MARK_PROCESSED","channel_id":"x","correlation_id":""}"#
            )
            .unwrap(),
            MediaEvent::MarkProcessed {
                correlation_id: None
            }
        );
        let status = "STATUS channel_id:1 queue_length:3 xon_level:800 xoff_level:900 \
                      queue_full:false bulk_media:true media_paused:false";
        let MediaEvent::Status(status) = MediaEvent::parse(status).unwrap() else {
            panic!("not STATUS");
        };
        assert_eq!((status.queue_length, status.bulk_media), (3, true));
        assert_eq!(
            MediaEvent::parse("ERROR channel_id:1 error_text:FLUSH_MEDIA not supported here")
                .unwrap(),
            MediaEvent::Error {
                error_text: "FLUSH_MEDIA not supported here".into()
            }
        );
        assert_eq!(
            MediaEvent::parse("DTMF_END digit:5 channel_id:1").unwrap(),
            MediaEvent::DtmfEnd { digit: '5' }
        );
    }

    #[test]
    fn malformed_and_unknown() {
        for raw in [
            "",
            "{not json",
            "[1]",
            r#"{"no":"event"}"#,
            "lower case",
            "STATUS queue_length:x",
        ] {
            assert!(MediaEvent::parse(raw).is_err(), "{raw}");
        }
        assert!(matches!(
            MediaEvent::parse("NEW_THING a:b").unwrap(),
            MediaEvent::Unknown { name, .. } if name == "NEW_THING"
        ));
    }

    #[test]
    fn commands_in_both_formats() {
        let mark = MediaCommand::MarkMedia {
            correlation_id: Some("m1".into()),
        };
        assert_eq!(
            mark.encode(ControlFormat::PlainText).unwrap(),
            "MARK_MEDIA m1"
        );
        assert_eq!(
            mark.encode(ControlFormat::Json).unwrap(),
            r#"{"command":"MARK_MEDIA","correlation_id":"m1"}"#
        );
        let direction = MediaCommand::SetMediaDirection(MediaDirection::In);
        assert!(direction.encode(ControlFormat::PlainText).is_err());
        assert_eq!(
            direction.encode(ControlFormat::Json).unwrap(),
            r#"{"command":"SET_MEDIA_DIRECTION","direction":"in"}"#
        );
        assert_eq!(
            ControlFormat::from_transport_data("c(ulaw)f(json)"),
            Some(ControlFormat::Json)
        );
        assert_eq!(ControlFormat::from_transport_data("n"), None);
    }
}
