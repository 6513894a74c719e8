//! The options of a recording started through a handle.

/// How to record: format, name and when to stop. Built like a request; the
/// fields read back what was set.
///
/// ```
/// use ari_sdk::handles::{IfExists, RecordOptions, TerminateOn};
///
/// // Record a voicemail message: stop on 3 s of silence, `#`, or after 2 minutes.
/// let options = RecordOptions::new("wav")
///     .name("voicemail/1001/msg-0001")
///     .max_silence_seconds(3)
///     .max_duration_seconds(120)
///     .terminate_on(TerminateOn::Hash)
///     .if_exists(IfExists::Fail)
///     .beep(true);
/// assert_eq!(options.format, "wav");
/// assert_eq!(options.terminate_on, Some(TerminateOn::Hash));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordOptions {
    /// The format (`wav`, `gsm`, `ulaw`, ...).
    pub format: String,
    /// The recording's name (and the stored file's, below Asterisk's
    /// recordings folder); a random UUID when not set.
    pub name: Option<String>,
    /// Stop after this many seconds.
    pub max_duration_seconds: Option<i64>,
    /// Stop after this many seconds of silence.
    pub max_silence_seconds: Option<i64>,
    /// What to do when a recording of that name exists.
    pub if_exists: Option<IfExists>,
    /// Beep before recording.
    pub beep: Option<bool>,
    /// Stop on a key.
    pub terminate_on: Option<TerminateOn>,
}

/// What a recording does when one of its name exists (`ifExists`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IfExists {
    /// Refuse to record (`fail`, Asterisk's default).
    Fail,
    /// Replace it (`overwrite`).
    Overwrite,
    /// Record after its end (`append`).
    Append,
}

impl IfExists {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            IfExists::Fail => "fail",
            IfExists::Overwrite => "overwrite",
            IfExists::Append => "append",
        }
    }
}

/// The key that ends a recording (`terminateOn`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TerminateOn {
    /// No key (`none`, Asterisk's default).
    None,
    /// Any key (`any`).
    Any,
    /// `*` (`*`).
    Star,
    /// `#` (`#`).
    Hash,
}

impl TerminateOn {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            TerminateOn::None => "none",
            TerminateOn::Any => "any",
            TerminateOn::Star => "*",
            TerminateOn::Hash => "#",
        }
    }
}

impl RecordOptions {
    /// A recording in `format` (`wav`, `gsm`, `ulaw`, ...), named by a
    /// random UUID unless [`name`](Self::name()) says otherwise.
    pub fn new(format: impl Into<String>) -> Self {
        RecordOptions {
            format: format.into(),
            name: None,
            max_duration_seconds: None,
            max_silence_seconds: None,
            if_exists: None,
            beep: None,
            terminate_on: None,
        }
    }

    /// Names the recording.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Stops after this many seconds.
    pub fn max_duration_seconds(mut self, seconds: i64) -> Self {
        self.max_duration_seconds = Some(seconds);
        self
    }

    /// Stops after this many seconds of silence.
    pub fn max_silence_seconds(mut self, seconds: i64) -> Self {
        self.max_silence_seconds = Some(seconds);
        self
    }

    /// What to do when a recording of that name exists.
    pub fn if_exists(mut self, policy: IfExists) -> Self {
        self.if_exists = Some(policy);
        self
    }

    /// Beeps before recording.
    pub fn beep(mut self, beep: bool) -> Self {
        self.beep = Some(beep);
        self
    }

    /// Stops on a key.
    pub fn terminate_on(mut self, key: TerminateOn) -> Self {
        self.terminate_on = Some(key);
        self
    }

    /// These options with the name set (to `name` unless one was set).
    pub(crate) fn named_or(mut self, name: impl FnOnce() -> String) -> Self {
        if self.name.is_none() {
            self.name = Some(name());
        }
        self
    }
}
