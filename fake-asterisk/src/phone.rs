//! Simulated phones and their calls: dial an extension, press DTMF, talk,
//! answer or reject calls Asterisk places to them, hang up.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{mpsc, Mutex as AsyncMutex};

use super::dialplan::Step;
use super::engine::calls::{self, Hangup};
use super::engine::pbx;
use super::error::FakeError;
use super::model::{AnswerMode, ChanKind, ChanState, Endpoint, Party};
use super::world::{Inner, World};

/// A simulated phone (an endpoint such as `PJSIP/alice`).
///
/// ```no_run
/// # async fn demo(fake: fake_asterisk::FakeAsterisk) -> Result<(), fake_asterisk::FakeError> {
/// use fake_asterisk::AnswerMode;
/// let alice = fake.phone("PJSIP/alice")?;
/// alice.set_answer_mode(AnswerMode::AutoAnswer { after_ms: 500 });
/// let call = alice.dial("100")?; // runs the `default` context's 100
/// call.press("123#").await;
/// call.hangup();
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Phone {
    inner: Arc<Inner>,
    name: String,
    incoming: Arc<AsyncMutex<mpsc::UnboundedReceiver<String>>>,
}

/// Registers (or finds) a phone endpoint.
pub(crate) fn register_phone(inner: &Arc<Inner>, name: &str) -> Result<Phone, FakeError> {
    let Some((tech, resource)) = name
        .split_once('/')
        .filter(|(t, r)| !t.is_empty() && !r.is_empty())
    else {
        return Err(FakeError::InvalidEndpoint(name.to_string()));
    };
    let mut w = inner.lock();
    let incoming = match w.endpoints.get(name) {
        Some(endpoint) => endpoint.incoming_rx.clone(),
        None => {
            let (tx, rx) = mpsc::unbounded_channel();
            let rx = Arc::new(AsyncMutex::new(rx));
            w.endpoints.insert(
                name.to_string(),
                Endpoint {
                    tech: tech.to_string(),
                    resource: resource.to_string(),
                    answer_mode: AnswerMode::AutoAnswer { after_ms: 1000 },
                    caller_name: resource.to_string(),
                    caller_number: resource.to_string(),
                    context: "default".into(),
                    incoming: tx,
                    incoming_rx: rx.clone(),
                    messages: Vec::new(),
                },
            );
            w.publish_endpoint(name);
            rx
        }
    };
    Ok(Phone {
        inner: inner.clone(),
        name: name.to_string(),
        incoming,
    })
}

impl Phone {
    /// `Tech/resource`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// How the phone treats calls to it (default: answers after 1 s).
    pub fn set_answer_mode(&self, mode: AnswerMode) {
        let mut w = self.inner.lock();
        if let Some(endpoint) = w.endpoints.get_mut(&self.name) {
            endpoint.answer_mode = mode;
        }
        w.publish_endpoint(&self.name);
    }

    /// The caller id the phone presents when it calls.
    pub fn set_caller_id(&self, name: &str, number: &str) {
        let mut w = self.inner.lock();
        if let Some(endpoint) = w.endpoints.get_mut(&self.name) {
            endpoint.caller_name = name.to_string();
            endpoint.caller_number = number.to_string();
        }
    }

    /// The dialplan context the phone's calls start in (default `default`).
    pub fn set_context(&self, context: &str) {
        let mut w = self.inner.lock();
        if let Some(endpoint) = w.endpoints.get_mut(&self.name) {
            endpoint.context = context.to_string();
        }
    }

    /// Calls an extension of the phone's context.
    pub fn dial(&self, exten: &str) -> Result<Call, FakeError> {
        let context = {
            let w = self.inner.lock();
            w.endpoints
                .get(&self.name)
                .map(|e| e.context.clone())
                .unwrap_or_else(|| "default".into())
        };
        self.dial_in(&context, exten)
    }

    /// Calls `exten@context`.
    pub fn dial_in(&self, context: &str, exten: &str) -> Result<Call, FakeError> {
        let mut w = self.inner.lock();
        if !w.dialplan.has_extension(context, exten) {
            return Err(FakeError::NoSuchExtension {
                context: context.to_string(),
                exten: exten.to_string(),
            });
        }
        let id = inbound_channel(&mut w, &self.name, context, exten)?;
        pbx::start_pbx(&self.inner, &mut w, &id, context, exten, 1);
        Ok(Call::new(self.inner.clone(), id))
    }

    /// Calls straight into a Stasis application (as `Stasis(app,args)` would).
    pub fn call_into_app(&self, app: &str, args: &[&str]) -> Result<Call, FakeError> {
        let mut w = self.inner.lock();
        let id = inbound_channel(&mut w, &self.name, "default", "s")?;
        if let Some(channel) = w.channels.get_mut(&id) {
            channel.inline_steps = Some(vec![Step::stasis(app, args)]);
        }
        pbx::start_pbx(&self.inner, &mut w, &id, "default", "s", 1);
        Ok(Call::new(self.inner.clone(), id))
    }

    /// The next call Asterisk placed to this phone (originate, dial),
    /// in order; waits up to `timeout` (real time).
    pub async fn next_incoming(&self, timeout: Duration) -> Result<Call, FakeError> {
        let mut rx = self.incoming.lock().await;
        match tokio::time::timeout(timeout, rx.recv()).await {
            Ok(Some(id)) => Ok(Call::new(self.inner.clone(), id)),
            Ok(None) => Err(FakeError::Shutdown),
            Err(_) => Err(FakeError::Timeout(format!("a call to {}", self.name))),
        }
    }

    /// Messages (`sendMessage`, `refer`) sent to this phone, in order.
    pub fn messages(&self) -> Vec<Value> {
        let w = self.inner.lock();
        w.endpoints
            .get(&self.name)
            .map(|e| e.messages.clone())
            .unwrap_or_default()
    }
}

/// Creates the channel of a call the phone places: state `Ring`, in the dialplan.
fn inbound_channel(
    w: &mut World,
    endpoint: &str,
    context: &str,
    exten: &str,
) -> Result<String, FakeError> {
    let Some(ep) = w.endpoints.get(endpoint) else {
        return Err(FakeError::InvalidEndpoint(endpoint.to_string()));
    };
    let caller = Party {
        name: ep.caller_name.clone(),
        number: ep.caller_number.clone(),
    };
    let name = format!("{}/{}-{:08x}", ep.tech, ep.resource, w.tech_seq);
    w.tech_seq += 1;
    let id = w.next_uniqueid();
    let protocol_id = format!("{}@127.0.0.1", uuid::Uuid::new_v4());
    w.create_channel(
        id.clone(),
        name,
        ChanKind::Phone {
            endpoint: endpoint.to_string(),
            inbound: true,
        },
        ChanState::Ring,
        context,
        exten,
        caller,
        protocol_id,
    );
    w.publish_device(endpoint);
    w.publish_endpoint(endpoint);
    Ok(id)
}

/// One call of a simulated phone, seen from the phone.
#[derive(Debug, Clone)]
pub struct Call {
    inner: Arc<Inner>,
    id: String,
}

impl Call {
    pub(crate) fn new(inner: Arc<Inner>, id: String) -> Self {
        Call { inner, id }
    }

    /// The Asterisk channel id of the call.
    pub fn channel_id(&self) -> &str {
        &self.id
    }

    /// The channel state (`Ring`, `Ringing`, `Up`, ...), `None` once hung up.
    pub fn state(&self) -> Option<String> {
        let w = self.inner.lock();
        w.channels
            .get(&self.id)
            .map(|c| c.state.as_str().to_string())
    }

    /// Whether the channel still exists.
    pub fn is_alive(&self) -> bool {
        self.inner.lock().channels.contains_key(&self.id)
    }

    /// Answers a call Asterisk placed to the phone.
    pub fn answer(&self) -> Result<(), FakeError> {
        let mut w = self.inner.lock();
        if !w.channels.contains_key(&self.id) {
            return Err(FakeError::NoSuchChannel(self.id.clone()));
        }
        calls::answer(&self.inner, &mut w, &self.id);
        Ok(())
    }

    /// Rejects a ringing call Asterisk placed to the phone (486 Busy Here).
    pub fn busy(&self) -> Result<(), FakeError> {
        self.refuse("BUSY", 17)
    }

    /// Declines a ringing call Asterisk placed to the phone (603 Decline).
    pub fn reject(&self) -> Result<(), FakeError> {
        self.refuse("CONGESTION", 21)
    }

    fn refuse(&self, status: &str, cause: u32) -> Result<(), FakeError> {
        let mut w = self.inner.lock();
        let Some(channel) = w.channels.get(&self.id) else {
            return Err(FakeError::NoSuchChannel(self.id.clone()));
        };
        if channel.dialing {
            w.emit_dial(&self.id, status, "");
            calls::fail_dial(&mut w, &self.id, cause);
        } else {
            calls::hangup(&mut w, &self.id, Hangup::Remote(cause));
        }
        Ok(())
    }

    /// Presses DTMF keys: 100 ms tones with 100 ms gaps (simulated time).
    pub async fn press(&self, digits: &str) {
        self.press_with(digits, 100, 100).await;
    }

    /// Presses DTMF keys with a given tone length and gap (simulated ms).
    pub async fn press_with(&self, digits: &str, duration_ms: u64, gap_ms: u64) {
        for (i, digit) in digits.chars().enumerate() {
            let wait = if i == 0 {
                duration_ms
            } else {
                gap_ms + duration_ms
            };
            self.inner.clock.sleep(wait).await;
            let mut w = self.inner.lock();
            if w.channels.get(&self.id).is_none_or(|c| c.hanging_up) {
                return;
            }
            calls::receive_dtmf(&mut w, &self.id, digit, duration_ms);
        }
    }

    /// Talks for `ms` simulated milliseconds: `ChannelTalkingStarted` /
    /// `ChannelTalkingFinished` when `TALK_DETECT` is set, and recordings hear it.
    pub async fn speak(&self, ms: u64) {
        {
            let mut w = self.inner.lock();
            calls::set_talking(&mut w, &self.id, true);
        }
        self.inner.clock.sleep(ms).await;
        let mut w = self.inner.lock();
        calls::set_talking(&mut w, &self.id, false);
    }

    /// Hangs up from the phone's side (a BYE): cause 16.
    pub fn hangup(&self) {
        let mut w = self.inner.lock();
        calls::hangup(&mut w, &self.id, Hangup::Remote(16));
    }

    /// DTMF digits Asterisk sent to the phone (`/dtmf`, `SendDTMF`).
    pub fn dtmf_received(&self) -> String {
        let w = self.inner.lock();
        w.channels
            .get(&self.id)
            .map(|c| c.dtmf_sent.clone())
            .unwrap_or_default()
    }

    /// Media the phone was played, in order (`sound:hello-world`, ...).
    pub fn heard(&self) -> Vec<String> {
        let w = self.inner.lock();
        w.played
            .get(&format!("channel:{}", self.id))
            .cloned()
            .unwrap_or_default()
    }

    /// Waits (real time) until the channel is in `state`.
    pub async fn wait_state(&self, state: &str, timeout: Duration) -> Result<(), FakeError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match self.state() {
                Some(s) if s == state => return Ok(()),
                None => return Err(FakeError::NoSuchChannel(self.id.clone())),
                _ => {}
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(FakeError::Timeout(format!("{} to be {state}", self.id)));
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Waits (real time) until the channel is gone.
    pub async fn wait_hangup(&self, timeout: Duration) -> Result<(), FakeError> {
        let deadline = tokio::time::Instant::now() + timeout;
        while self.is_alive() {
            if tokio::time::Instant::now() >= deadline {
                return Err(FakeError::Timeout(format!("{} to hang up", self.id)));
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        Ok(())
    }
}
