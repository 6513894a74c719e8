//! Play a prompt and collect digits: the IVR's bread and butter.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt as _;
use tokio::time::Instant;

use crate::stream::StreamItem;

use super::channel::ChannelHandle;
use super::ended::{HandleEnded, HandleError};
use super::version::{ResourceEvent as _, Signal, VersionApi};

type Matcher = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// What to play and which digits to collect; see
/// [`ChannelHandle::prompt`].
///
/// ```
/// use std::time::Duration;
/// use ari_sdk::handles::Prompt;
///
/// // A 4-digit PIN, `#` ends early, 5 s for the first key, 3 s between keys.
/// let pin = Prompt::new(["sound:agent-pass"])
///     .max_digits(4)
///     .terminators("#")
///     .first_digit_timeout(Duration::from_secs(5))
///     .inter_digit_timeout(Duration::from_secs(3));
/// // A menu: one key of 1-3.
/// let menu = Prompt::new(["sound:press-1", "sound:press-2", "sound:press-3"])
///     .matching(|digits| matches!(digits, "1" | "2" | "3"));
/// # let _ = (pin, menu);
/// ```
#[derive(Clone)]
pub struct Prompt {
    media: Vec<String>,
    max_digits: Option<usize>,
    terminators: String,
    first_digit_timeout: Duration,
    inter_digit_timeout: Duration,
    matcher: Option<Matcher>,
    stop_on_first_digit: bool,
}

impl Prompt {
    /// Plays `media` (nothing, for an empty list), then waits for digits.
    /// Defaults: no digit limit, `#` terminates, 5 s for the first digit
    /// after the prompt ends, 3 s between digits, and the prompt stops at
    /// the first digit.
    pub fn new(media: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Prompt {
            media: media.into_iter().map(Into::into).collect(),
            max_digits: None,
            terminators: "#".into(),
            first_digit_timeout: Duration::from_secs(5),
            inter_digit_timeout: Duration::from_secs(3),
            matcher: None,
            stop_on_first_digit: true,
        }
    }

    /// Done after this many digits.
    pub fn max_digits(mut self, count: usize) -> Self {
        self.max_digits = Some(count);
        self
    }

    /// Keys that end the input (not part of the digits); `""` for none.
    pub fn terminators(mut self, keys: impl Into<String>) -> Self {
        self.terminators = keys.into();
        self
    }

    /// How long to wait for the first digit once the prompt has played.
    pub fn first_digit_timeout(mut self, timeout: Duration) -> Self {
        self.first_digit_timeout = timeout;
        self
    }

    /// How long to wait for each further digit.
    pub fn inter_digit_timeout(mut self, timeout: Duration) -> Self {
        self.inter_digit_timeout = timeout;
        self
    }

    /// Done as soon as the digits so far satisfy `matcher`.
    pub fn matching(mut self, matcher: impl Fn(&str) -> bool + Send + Sync + 'static) -> Self {
        self.matcher = Some(Arc::new(matcher));
        self
    }

    /// Whether the first digit stops the prompt (default `true`).
    pub fn stop_on_first_digit(mut self, stop: bool) -> Self {
        self.stop_on_first_digit = stop;
        self
    }
}

impl fmt::Debug for Prompt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Prompt")
            .field("media", &self.media)
            .field("max_digits", &self.max_digits)
            .field("terminators", &self.terminators)
            .field("first_digit_timeout", &self.first_digit_timeout)
            .field("inter_digit_timeout", &self.inter_digit_timeout)
            .field("matcher", &self.matcher.is_some())
            .field("stop_on_first_digit", &self.stop_on_first_digit)
            .finish()
    }
}

/// What a [`Prompt`] collected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptReply {
    /// The digits, without the terminator.
    pub digits: String,
    /// Why collecting stopped.
    pub end: PromptEnd,
}

/// Why a [`Prompt`] stopped collecting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PromptEnd {
    /// [`Prompt::max_digits`] were pressed.
    MaxDigits,
    /// This terminator was pressed.
    Terminator(char),
    /// The [`Prompt::matching`] predicate accepted the digits.
    Matched,
    /// No (further) digit came in time; `digits` may be empty.
    Timeout,
}

/// Where collecting stands.
struct Collector<'p> {
    prompt: &'p Prompt,
    digits: String,
    /// When the wait for the next digit started (prompt over, or last digit).
    waiting_since: Option<Instant>,
}

impl Collector<'_> {
    /// Takes one key; `Some` when collecting is done.
    fn key(&mut self, key: char) -> Option<PromptEnd> {
        if self.prompt.terminators.contains(key) {
            return Some(PromptEnd::Terminator(key));
        }
        self.digits.push(key);
        self.waiting_since = Some(Instant::now());
        if self
            .prompt
            .max_digits
            .is_some_and(|max| self.digits.chars().count() >= max)
        {
            return Some(PromptEnd::MaxDigits);
        }
        if self
            .prompt
            .matcher
            .as_ref()
            .is_some_and(|matcher| matcher(&self.digits))
        {
            return Some(PromptEnd::Matched);
        }
        None
    }

    fn deadline(&self) -> Option<Instant> {
        let since = self.waiting_since?;
        Some(if self.digits.is_empty() {
            since + self.prompt.first_digit_timeout
        } else {
            since + self.prompt.inter_digit_timeout
        })
    }

    fn reply(self, end: PromptEnd) -> PromptReply {
        PromptReply {
            digits: self.digits,
            end,
        }
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

impl<V: VersionApi> ChannelHandle<V> {
    /// Plays the prompt's media and collects DTMF by its rules; the first
    /// digit stops the prompt, the timers run once it has played.
    ///
    /// Digits pressed before the call are not counted; digits pressed
    /// while the prompt plays are. Fails when the channel ends first.
    ///
    /// ```no_run
    /// # #[cfg(feature = "asterisk-22")]
    /// # async fn run(call: ari_sdk::v22::ChannelHandle) -> Result<(), ari_sdk::handles::HandleError> {
    /// use ari_sdk::handles::{Prompt, PromptEnd};
    ///
    /// let reply = call.prompt(&Prompt::new(["sound:vm-enter-num-to-call"]).max_digits(10)).await?;
    /// match reply.end {
    ///     PromptEnd::Timeout if reply.digits.is_empty() => println!("nothing"),
    ///     _ => println!("dialing {}", reply.digits),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn prompt(&self, prompt: &Prompt) -> Result<PromptReply, HandleError> {
        // The digits' stream opens before the prompt plays.
        let mut events = self.core.tracker.subscribe();
        let mut playback = if prompt.media.is_empty() {
            None
        } else {
            Some(self.play(prompt.media.iter().cloned()).start().await?)
        };
        let mut collector = Collector {
            prompt,
            digits: String::new(),
            waiting_since: playback.is_none().then(Instant::now),
        };
        loop {
            let playing = async {
                match &playback {
                    Some(playback) => playback.ended().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                item = events.next() => match item {
                    Some(StreamItem::Event(event)) => {
                        let Some(key) = self.dtmf_key(&event) else { continue };
                        if let Some(playback) = playback.take() {
                            if prompt.stop_on_first_digit {
                                self.stop_playback(playback.id()).await;
                            }
                        }
                        if let Some(end) = collector.key(key) {
                            return Ok(collector.reply(end));
                        }
                    }
                    Some(_) => {}
                    None => return Err(self.core.error(HandleEnded::StreamClosed)),
                },
                ending = self.core.tracker.ended() => return Err(self.core.error(ending.reason)),
                _ = playing => {
                    playback = None;
                    collector.waiting_since.get_or_insert_with(Instant::now);
                }
                _ = sleep_until(collector.deadline()) => {
                    return Ok(collector.reply(PromptEnd::Timeout));
                }
            }
        }
    }

    fn dtmf_key(&self, event: &V::Event) -> Option<char> {
        match event.signal() {
            Signal::Dtmf { channel_id, digit } if channel_id == self.id() => digit.chars().next(),
            _ => None,
        }
    }

    /// Stops a playback the caller interrupted. It may have just finished
    /// (404) or be unstoppable (`digits:` answer 500): either way the
    /// prompt goes on collecting.
    async fn stop_playback(&self, playback_id: &str) {
        let ari = &self.core.hub.ari;
        if let Err(error) = ari
            .http()
            .send_unit(ari.stop_playback_request(playback_id))
            .await
        {
            tracing::debug!(playback_id, %error, "prompt playback not stopped");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn collector_rules() {
        let prompt = Prompt::new(Vec::<String>::new()).max_digits(3);
        let mut c = Collector {
            prompt: &prompt,
            digits: String::new(),
            waiting_since: None,
        };
        assert_eq!(c.deadline(), None);
        assert_eq!(c.key('1'), None);
        assert_eq!(c.key('2'), None);
        assert_eq!(c.key('3'), Some(PromptEnd::MaxDigits));
        assert_eq!(c.reply(PromptEnd::MaxDigits).digits, "123");

        let prompt = Prompt::new(["sound:x"]).terminators("#*");
        let mut c = Collector {
            prompt: &prompt,
            digits: String::new(),
            waiting_since: None,
        };
        assert_eq!(c.key('4'), None);
        assert_eq!(c.key('*'), Some(PromptEnd::Terminator('*')));
        assert_eq!(c.digits, "4");

        let prompt = Prompt::new(["sound:x"]).matching(|d| d == "12");
        let mut c = Collector {
            prompt: &prompt,
            digits: String::new(),
            waiting_since: None,
        };
        assert_eq!(c.key('1'), None);
        let since = c.waiting_since.unwrap();
        assert_eq!(c.deadline(), Some(since + Duration::from_secs(3)));
        assert_eq!(c.key('2'), Some(PromptEnd::Matched));
    }
}
