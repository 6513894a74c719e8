//! Playbacks: queued on a channel's or bridge's media queue, each media
//! URI timed with the fake's clock, steerable while it plays (`pause`,
//! `forward`, `stop`, ...), reported as `PlaybackStarted`, `Continuing`
//! and `Finished`.

use std::sync::Arc;

use serde_json::Map;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::{gone_watch, push_job, target_route};
use crate::error::ApiError;
use crate::model::{MediaJob, Playback, PlaybackControl, PlaybackState, Target};
use crate::sounds::{plan_media, MediaPlan};
use crate::world::{Inner, World};

/// Default `skipms` of a playback.
pub(crate) const DEFAULT_SKIP_MS: u64 = 3000;

/// Emits the event for a playback's state (`playing`, `continuing`, `done`, `failed`).
fn publish_playback(w: &mut World, key: u64) {
    let Some(playback) = w.playbacks.iter().find(|p| p.key == key) else {
        return;
    };
    let kind = match playback.state {
        PlaybackState::Playing => "PlaybackStarted",
        PlaybackState::Continuing => "PlaybackContinuing",
        PlaybackState::Failed
        | PlaybackState::Stopped
        | PlaybackState::Complete
        | PlaybackState::Canceled => "PlaybackFinished",
        PlaybackState::Queued | PlaybackState::Paused => return,
    };
    let mut fields = Map::new();
    fields.insert("playback".into(), playback.to_json());
    let route = target_route(w, &playback.target);
    w.emit(route, kind, fields);
}

/// Queues a playback on a channel or bridge; returns its JSON (`queued`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn queue_playback(
    inner: &Arc<Inner>,
    w: &mut World,
    target: Target,
    medias: Vec<String>,
    language: String,
    playback_id: Option<String>,
    skipms: u64,
    offsetms: u64,
) -> serde_json::Value {
    let key = w.playback_seq;
    w.playback_seq += 1;
    let id = playback_id
        .filter(|id| !id.is_empty())
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let playback = Playback {
        key,
        id,
        medias,
        index: 0,
        target: target.clone(),
        language,
        state: PlaybackState::Queued,
        skipms,
        offsetms,
        controllable: false,
        control: None,
    };
    let json = playback.to_json();
    w.playbacks.push(playback);
    push_job(inner, w, &target, MediaJob::Play(key));
    json
}

enum Outcome {
    Done,
    Failed,
    Stopped,
    Gone,
}

pub(super) async fn run_playback(inner: &Arc<Inner>, key: u64) {
    let (control_tx, mut control_rx) = mpsc::unbounded_channel();
    let mut index = 0;
    loop {
        let (plan, mut gone_rx, skipms) = {
            let mut w = inner.lock();
            let Some(playback) = w.playback_mut(key) else {
                return;
            };
            if index >= playback.medias.len() {
                break;
            }
            playback.index = index;
            let target = playback.target.clone();
            if playback.state == PlaybackState::Canceled {
                publish_playback(&mut w, key);
                w.playbacks.retain(|p| p.key != key);
                return;
            }
            let Some(gone_rx) = gone_watch(&w, &target) else {
                w.playbacks.retain(|p| p.key != key);
                return;
            };
            let Some(playback) = w.playback_mut(key) else {
                return;
            };
            playback.state = PlaybackState::Playing;
            playback.control = Some(control_tx.clone());
            let uri = playback.medias[index].clone();
            let skipms = playback.skipms;
            // `offsetms` applies to the first media only.
            let offsetms = if index == 0 { playback.offsetms } else { 0 };
            publish_playback(&mut w, key);
            w.played.entry(target.uri()).or_default().push(uri.clone());
            let stored = &w.stored_recordings;
            let mut plan = plan_media(&uri, &w.sounds, |name| {
                stored.get(name).map(|r| r.duration_ms)
            });
            if let MediaPlan::Play {
                duration_ms: Some(ms),
                controllable: true,
            } = &mut plan
            {
                *ms = ms.saturating_sub(offsetms);
            }
            (plan, gone_rx, skipms)
        };
        let outcome = match plan {
            // Asterisk 20 logs and moves on without a final event.
            MediaPlan::Skip => {
                index += 1;
                continue;
            }
            MediaPlan::Fail => Outcome::Failed,
            MediaPlan::Play {
                duration_ms,
                controllable,
            } => {
                if let Some(playback) = inner.lock().playback_mut(key) {
                    playback.controllable = controllable;
                }
                wait_media(inner, duration_ms, skipms, &mut control_rx, &mut gone_rx).await
            }
        };
        let mut w = inner.lock();
        let Some(playback) = w.playback_mut(key) else {
            return;
        };
        let last = index + 1 >= playback.medias.len();
        let gone = matches!(outcome, Outcome::Gone);
        match outcome {
            Outcome::Done => {
                playback.state = if last {
                    PlaybackState::Complete
                } else {
                    PlaybackState::Continuing
                };
            }
            Outcome::Stopped => playback.state = PlaybackState::Stopped,
            Outcome::Failed | Outcome::Gone => {
                if playback.state != PlaybackState::Stopped {
                    playback.state = if last || gone {
                        PlaybackState::Failed
                    } else {
                        PlaybackState::Continuing
                    };
                }
            }
        }
        let stop = gone || playback.state == PlaybackState::Stopped;
        publish_playback(&mut w, key);
        if stop {
            break;
        }
        index += 1;
    }
    inner.lock().playbacks.retain(|p| p.key != key);
}

async fn wait_media(
    inner: &Arc<Inner>,
    duration_ms: Option<u64>,
    skipms: u64,
    control_rx: &mut mpsc::UnboundedReceiver<PlaybackControl>,
    gone_rx: &mut watch::Receiver<bool>,
) -> Outcome {
    let mut remaining = duration_ms;
    let mut started = Instant::now();
    let mut paused = false;
    loop {
        let sleeping = async {
            match (remaining, paused) {
                (Some(ms), false) => inner.clock.sleep(ms).await,
                _ => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = sleeping => return Outcome::Done,
            _ = gone_rx.wait_for(|g| *g) => return Outcome::Gone,
            control = control_rx.recv() => {
                let elapsed = inner.clock.simulated_ms(started.elapsed());
                let left = |r: Option<u64>| r.map(|ms| ms.saturating_sub(elapsed));
                match control {
                    None => return Outcome::Gone,
                    Some(PlaybackControl::Stop) => return Outcome::Stopped,
                    Some(PlaybackControl::Pause) if !paused => {
                        remaining = left(remaining);
                        paused = true;
                    }
                    Some(PlaybackControl::Unpause) if paused => paused = false,
                    Some(PlaybackControl::Restart) => remaining = duration_ms,
                    Some(PlaybackControl::Forward) if !paused => {
                        remaining = left(remaining).map(|ms| ms.saturating_sub(skipms));
                    }
                    Some(PlaybackControl::Reverse) if !paused => {
                        remaining = match (left(remaining), duration_ms) {
                            (Some(ms), Some(total)) => Some((ms + skipms).min(total)),
                            (other, _) => other,
                        };
                    }
                    Some(_) => {
                        if !paused {
                            remaining = left(remaining);
                        }
                    }
                }
                started = Instant::now();
            }
        }
    }
}

/// `POST /playbacks/{id}/control` and `DELETE /playbacks/{id}`.
pub(crate) fn control_playback(
    w: &mut World,
    id: &str,
    operation: PlaybackControl,
    name: &str,
) -> Result<(), ApiError> {
    let Some(playback) = w.playbacks.iter_mut().find(|p| p.id == id) else {
        return Err(ApiError::not_found("Playback not found"));
    };
    let key = playback.key;
    let state = playback.state;
    let controllable = playback.controllable;
    let send = |p: &Playback, c| {
        if let Some(tx) = &p.control {
            let _ = tx.send(c);
        }
    };
    use PlaybackControl as C;
    use PlaybackState as S;
    let not_playing = || ApiError::conflict(format!("Can only {name} while media is playing"));
    let failed = || {
        if operation == C::Stop {
            ApiError::internal("Could not stop playback")
        } else {
            ApiError::internal(format!("Could not {name} playback"))
        }
    };
    match (state, operation) {
        (S::Queued, C::Stop) => playback.state = S::Canceled,
        (S::Queued, C::Restart) => {}
        (S::Playing | S::Continuing | S::Paused, C::Stop) => {
            if !controllable {
                return Err(failed());
            }
            playback.state = S::Stopped;
            send(playback, C::Stop);
        }
        (S::Playing | S::Continuing, C::Restart | C::Reverse | C::Forward) => {
            if !controllable {
                return Err(failed());
            }
            send(playback, operation);
        }
        (S::Playing | S::Continuing, C::Pause) => {
            if !controllable {
                return Err(failed());
            }
            playback.state = S::Paused;
            send(playback, C::Pause);
        }
        (S::Playing | S::Continuing, C::Unpause) | (S::Paused, C::Pause) => {}
        (S::Paused, C::Unpause) => {
            if !controllable {
                return Err(failed());
            }
            playback.state = S::Playing;
            send(playback, C::Unpause);
            publish_playback(w, key);
        }
        (S::Complete | S::Failed | S::Canceled | S::Stopped, C::Stop) => {}
        _ => return Err(not_playing()),
    }
    Ok(())
}

/// Ends the playbacks of a channel or bridge going away: a running one
/// fails (with its `PlaybackFinished`), queued ones vanish without an event.
pub(super) fn abort_playbacks(w: &mut World, target: &Target) {
    let running: Vec<u64> = w
        .playbacks
        .iter()
        .filter(|p| {
            &p.target == target
                && matches!(
                    p.state,
                    PlaybackState::Playing | PlaybackState::Paused | PlaybackState::Continuing
                )
        })
        .map(|p| p.key)
        .collect();
    for key in running {
        if let Some(playback) = w.playback_mut(key) {
            playback.state = PlaybackState::Failed;
        }
        publish_playback(w, key);
    }
    w.playbacks.retain(|p| &p.target != target);
}
