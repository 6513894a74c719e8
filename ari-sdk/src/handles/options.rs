//! The options of a recording started through a handle.

/// How to record: format, name and when to stop. Built like a request:
///
/// ```
/// use ari_sdk::handles::RecordOptions;
///
/// // Record a voicemail message: stop on 3 s of silence, `#`, or after 2 minutes.
/// let options = RecordOptions::new("wav")
///     .name("voicemail/1001/msg-0001")
///     .max_silence_seconds(3)
///     .max_duration_seconds(120)
///     .terminate_on("#")
///     .beep(true);
/// assert_eq!(options.format(), "wav");
/// assert_eq!(options.terminate_on_value(), Some("#"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordOptions {
    format: String,
    name: Option<String>,
    max_duration_seconds: Option<i64>,
    max_silence_seconds: Option<i64>,
    if_exists: Option<String>,
    beep: Option<bool>,
    terminate_on: Option<String>,
}

impl RecordOptions {
    /// A recording in `format` (`wav`, `gsm`, `ulaw`, ...), named by a
    /// random UUID unless [`name`](Self::name) says otherwise.
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

    /// The recording's name (and the stored file's, below Asterisk's
    /// recordings folder).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Stop after this many seconds.
    pub fn max_duration_seconds(mut self, seconds: i64) -> Self {
        self.max_duration_seconds = Some(seconds);
        self
    }

    /// Stop after this many seconds of silence.
    pub fn max_silence_seconds(mut self, seconds: i64) -> Self {
        self.max_silence_seconds = Some(seconds);
        self
    }

    /// What to do when a recording of that name exists: `fail`,
    /// `overwrite` or `append`.
    pub fn if_exists(mut self, policy: impl Into<String>) -> Self {
        self.if_exists = Some(policy.into());
        self
    }

    /// Beep before recording.
    pub fn beep(mut self, beep: bool) -> Self {
        self.beep = Some(beep);
        self
    }

    /// Stop on a key: `none`, `any`, `*` or `#`.
    pub fn terminate_on(mut self, key: impl Into<String>) -> Self {
        self.terminate_on = Some(key.into());
        self
    }

    /// The format.
    pub fn format(&self) -> &str {
        &self.format
    }

    /// The name, if one was set.
    pub fn name_value(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The maximum duration, if set.
    pub fn max_duration_seconds_value(&self) -> Option<i64> {
        self.max_duration_seconds
    }

    /// The maximum silence, if set.
    pub fn max_silence_seconds_value(&self) -> Option<i64> {
        self.max_silence_seconds
    }

    /// The policy for an existing recording, if set.
    pub fn if_exists_value(&self) -> Option<&str> {
        self.if_exists.as_deref()
    }

    /// Whether to beep, if set.
    pub fn beep_value(&self) -> Option<bool> {
        self.beep
    }

    /// The terminating key, if set.
    pub fn terminate_on_value(&self) -> Option<&str> {
        self.terminate_on.as_deref()
    }

    /// These options with the name set (to `name` unless one was set).
    pub(crate) fn named_or(mut self, name: impl FnOnce() -> String) -> Self {
        if self.name.is_none() {
            self.name = Some(name());
        }
        self
    }
}
