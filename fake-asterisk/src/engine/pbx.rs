//! Runs a channel through the dialplan, one priority at a time, emitting
//! `ChannelDialplan` for each application and simulating what it does.

use std::sync::Arc;

use super::calls::{self, Hangup};
use super::{broadcast, stasis};
use crate::dialplan::Step;
use crate::model::ChanState;
use crate::world::{Inner, World};

/// How long `Answer()` lingers on a channel before the next priority: on
/// a Local channel Asterisk waits up to 500 ms for the first media frame.
const ANSWER_DELAY_MS: u64 = 500;

/// Starts (or restarts) the PBX on a channel at `exten@context:priority`.
pub(crate) fn start_pbx(
    inner: &Arc<Inner>,
    w: &mut World,
    id: &str,
    context: &str,
    exten: &str,
    priority: u32,
) {
    let Some(channel) = w.channels.get_mut(id) else {
        return;
    };
    let already_running = channel.has_pbx;
    channel.has_pbx = true;
    channel.dialplan.context = context.to_string();
    channel.dialplan.exten = exten.to_string();
    channel.dialplan.priority = priority;
    if already_running {
        // The running PBX task picks the new location up via `continue_to`.
        channel.continue_to = Some((context.to_string(), exten.to_string(), priority));
        channel.pbx_wake.notify_one();
        return;
    }
    let inner = inner.clone();
    let id = id.to_string();
    tokio::spawn(async move { run_pbx(inner, id).await });
}

/// What to do after one dialplan application.
enum Next {
    /// Go to the next priority.
    Continue,
    /// Wait this many simulated ms, then continue.
    Sleep(u64),
    /// Wait until hangup.
    Forever,
    /// Wait while the channel is in Stasis.
    InStasis,
    /// Send DTMF digits, then continue.
    SendDtmf {
        digits: Vec<char>,
        between_ms: u64,
        duration_ms: u64,
    },
    /// Refused (busy/congestion): wait, then hang up with this cause.
    RefuseThenHangup { wait_ms: Option<u64>, cause: u32 },
    /// `StasisBroadcast`: the channel is offered; wait this long for a claim.
    Broadcast { timeout_ms: u64 },
    /// `Stasis(app)` of an application nobody registered that a
    /// `per_call_config` outbound websocket serves: dial, then enter.
    PerCallStasis { app: String, args: Vec<String> },
    /// The PBX is done (hung up).
    Stop,
}

async fn run_pbx(inner: Arc<Inner>, id: String) {
    let (mut hangup_rx, wake) = {
        let w = inner.lock();
        let Some(channel) = w.channels.get(&id) else {
            return;
        };
        (channel.hangup_tx.subscribe(), channel.pbx_wake.clone())
    };
    loop {
        let next = {
            let mut w = inner.lock();
            match step_once(&inner, &mut w, &id) {
                Some(next) => next,
                None => return,
            }
        };
        match next {
            Next::Continue => {}
            Next::Stop => return,
            Next::Sleep(ms) => {
                tokio::select! {
                    _ = inner.clock.sleep(ms) => {}
                    _ = hangup_rx.wait_for(|h| *h) => return,
                }
            }
            Next::Forever => {
                let _ = hangup_rx.wait_for(|h| *h).await;
                return;
            }
            Next::InStasis => {
                if !in_stasis(&inner, &id, &wake, &mut hangup_rx).await {
                    return;
                }
            }
            Next::PerCallStasis { app, args } => {
                let opened = tokio::select! {
                    opened = crate::outbound::ari::open_per_call(&inner, &id, &app) => opened,
                    _ = hangup_rx.wait_for(|h| *h) => return,
                };
                match opened {
                    // No connection: the dialplan goes on, failed.
                    None => stasis::set_status(&mut inner.lock(), &id, "FAILED"),
                    Some(session) => {
                        let entered = stasis::enter_stasis(
                            &mut inner.lock(),
                            &id,
                            &session.app_id,
                            args,
                            true,
                        );
                        let stayed =
                            !entered || in_stasis(&inner, &id, &wake, &mut hangup_rx).await;
                        session.finish();
                        if !stayed {
                            return;
                        }
                    }
                }
            }
            Next::Broadcast { timeout_ms } => {
                let deadline = inner.clock.sleep(timeout_ms);
                tokio::pin!(deadline);
                loop {
                    if broadcast::claimed(&inner.lock(), &id) {
                        break;
                    }
                    tokio::select! {
                        _ = &mut deadline => break,
                        _ = wake.notified() => {}
                        _ = hangup_rx.wait_for(|h| *h) => {
                            broadcast::end(&mut inner.lock(), &id);
                            return;
                        }
                    }
                }
                // A claim that lands as the window closes still wins, as
                // in Asterisk, which looks for a winner after the wait.
                let winner = broadcast::close(&mut inner.lock(), &id);
                if let Some((app, args)) = winner {
                    let entered = stasis::enter_stasis(&mut inner.lock(), &id, &app, args, true);
                    let stayed = !entered || in_stasis(&inner, &id, &wake, &mut hangup_rx).await;
                    broadcast::end(&mut inner.lock(), &id);
                    if !stayed {
                        return;
                    }
                }
            }
            Next::SendDtmf {
                digits,
                between_ms,
                duration_ms,
            } => {
                for (i, digit) in digits.into_iter().enumerate() {
                    let pause = if i == 0 { 0 } else { between_ms };
                    tokio::select! {
                        _ = inner.clock.sleep(pause + duration_ms) => {}
                        _ = hangup_rx.wait_for(|h| *h) => return,
                    }
                    let mut w = inner.lock();
                    calls::send_dtmf(&mut w, &id, digit, duration_ms);
                }
            }
            Next::RefuseThenHangup { wait_ms, cause } => {
                match wait_ms {
                    Some(ms) => {
                        tokio::select! {
                            _ = inner.clock.sleep(ms) => {}
                            _ = hangup_rx.wait_for(|h| *h) => return,
                        }
                    }
                    None => {
                        let _ = hangup_rx.wait_for(|h| *h).await;
                        return;
                    }
                }
                let mut w = inner.lock();
                calls::hangup(&mut w, &id, Hangup::Dialplan(cause));
                return;
            }
        }
        // Advance: a `/continue` target wins over the next priority.
        let mut w = inner.lock();
        let Some(channel) = w.channels.get_mut(&id) else {
            return;
        };
        if channel.hanging_up {
            return;
        }
        match channel.continue_to.take() {
            Some((context, exten, priority)) => {
                channel.inline_steps = None;
                channel.dialplan.context = context;
                channel.dialplan.exten = exten;
                channel.dialplan.priority = priority;
            }
            None => channel.dialplan.priority += 1,
        }
    }
}

/// Waits while the channel is in Stasis; false when it hung up (or is gone).
async fn in_stasis(
    inner: &Arc<Inner>,
    id: &str,
    wake: &tokio::sync::Notify,
    hangup_rx: &mut tokio::sync::watch::Receiver<bool>,
) -> bool {
    loop {
        let still_in = {
            let w = inner.lock();
            match w.channels.get(id) {
                Some(c) if !c.hanging_up => c.stasis.is_some(),
                _ => return false,
            }
        };
        if !still_in {
            return true;
        }
        tokio::select! {
            _ = wake.notified() => {}
            _ = hangup_rx.wait_for(|h| *h) => return false,
        }
    }
}

/// Runs the application at the channel's current priority.
fn step_once(inner: &Arc<Inner>, w: &mut World, id: &str) -> Option<Next> {
    let channel = w.channels.get(id)?;
    if channel.hanging_up {
        return None;
    }
    let loc = channel.dialplan.clone();
    let step = match &channel.inline_steps {
        Some(steps) => usize::try_from(loc.priority)
            .ok()
            .and_then(|p| p.checked_sub(1))
            .and_then(|i| steps.get(i))
            .cloned(),
        None => w
            .dialplan
            .step(&loc.context, &loc.exten, loc.priority)
            .cloned(),
    };
    let Some(step) = step else {
        // Running off the end of the extension hangs the channel up.
        calls::hangup(w, id, Hangup::Dialplan(16));
        return Some(Next::Stop);
    };
    w.set_dialplan_app(id, &step.app, &step.data);
    Some(run_app(inner, w, id, &step))
}

fn run_app(inner: &Arc<Inner>, w: &mut World, id: &str, step: &Step) -> Next {
    let data = step.data.as_str();
    match step.app.to_ascii_lowercase().as_str() {
        "answer" => {
            let up = w.channels.get(id).is_some_and(|c| c.state == ChanState::Up);
            if up {
                Next::Continue
            } else {
                calls::answer(inner, w, id);
                Next::Sleep(ANSWER_DELAY_MS)
            }
        }
        "wait" => Next::Sleep(seconds_ms(data)),
        "set" | "multiset" => {
            if let Some((name, value)) = data.split_once('=') {
                calls::set_var(w, id, name, Some(value));
            }
            Next::Continue
        }
        "ringing" => {
            calls::ringing(w, id);
            Next::Continue
        }
        "progress" => {
            calls::progress(w, id);
            Next::Continue
        }
        "busy" => {
            calls::refuse(w, id, true);
            Next::RefuseThenHangup {
                wait_ms: optional_seconds(data),
                cause: 17,
            }
        }
        "congestion" => {
            calls::refuse(w, id, false);
            Next::RefuseThenHangup {
                wait_ms: optional_seconds(data),
                cause: 34,
            }
        }
        "hangup" => {
            let cause = data.trim().parse().unwrap_or(16);
            calls::hangup(w, id, Hangup::Dialplan(cause));
            Next::Stop
        }
        "senddtmf" => {
            let mut parts = data.split(',');
            let digits = parts
                .next()
                .unwrap_or("")
                .chars()
                .filter(|c| is_dtmf(*c))
                .collect();
            let between_ms = parts
                .next()
                .and_then(|s| s.trim().parse().ok())
                .unwrap_or(100);
            let duration_ms = parts
                .next()
                .and_then(|s| s.trim().parse().ok())
                .unwrap_or(250);
            Next::SendDtmf {
                digits,
                between_ms,
                duration_ms,
            }
        }
        "stasis" => {
            let mut args = stasis::split_app_args(data);
            let app = if args.is_empty() {
                String::new()
            } else {
                args.remove(0)
            };
            if w.active_app(&app).is_none() && inner.settings.outbound.per_call(&app).is_some() {
                return Next::PerCallStasis { app, args };
            }
            if stasis::enter_stasis(w, id, &app, args, true) {
                Next::InStasis
            } else {
                Next::Continue
            }
        }
        "stasisbroadcast" => Next::Broadcast {
            timeout_ms: broadcast::start(w, id, data),
        },
        "playback" | "background" => {
            let target = format!("channel:{id}");
            let mut total = 0;
            for file in data.split(',').next().unwrap_or("").split('&') {
                w.played
                    .entry(target.clone())
                    .or_default()
                    .push(format!("sound:{file}"));
                total += w
                    .sounds
                    .iter()
                    .find(|s| s.id == file)
                    .map_or(0, |s| s.duration_ms);
            }
            Next::Sleep(total)
        }
        "echo" | "musiconhold" => Next::Forever,
        "goto" => {
            goto(w, id, data);
            Next::Continue
        }
        _ => Next::Continue,
    }
}

/// `Goto([[context,]exten,]priority)`: the next step runs there.
fn goto(w: &mut World, id: &str, data: &str) {
    let parts: Vec<&str> = data.split(',').map(str::trim).collect();
    let Some(channel) = w.channels.get_mut(id) else {
        return;
    };
    let (context, exten, priority) = match parts.as_slice() {
        [p] => (
            channel.dialplan.context.clone(),
            channel.dialplan.exten.clone(),
            *p,
        ),
        [e, p] => (channel.dialplan.context.clone(), e.to_string(), *p),
        [c, e, p, ..] => (c.to_string(), e.to_string(), *p),
        [] => return,
    };
    let priority = match priority.parse::<u32>() {
        Ok(n) => n,
        Err(_) => match w.dialplan.find_label(&context, &exten, priority) {
            Some(n) => n,
            None => return,
        },
    };
    if let Some(channel) = w.channels.get_mut(id) {
        channel.continue_to = Some((context, exten, priority));
    }
}

fn is_dtmf(c: char) -> bool {
    c.is_ascii_digit() || "*#ABCDabcd".contains(c)
}

fn seconds_ms(data: &str) -> u64 {
    data.trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s > 0.0)
        .map_or(0, |s| (s * 1000.0) as u64)
}

fn optional_seconds(data: &str) -> Option<u64> {
    let ms = seconds_ms(data);
    (ms > 0).then_some(ms)
}
