//! Playbacks and recordings: per-target media queues run one job after
//! another (as a channel's Stasis control queue does), each job timed with
//! the fake's clock and steerable from REST while it runs.

use std::sync::Arc;

use serde_json::{json, Map};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::calls;
use crate::model::{
    IfExists, LiveRecording, MediaJob, Playback, PlaybackControl, PlaybackState, RecordingControl,
    RecordingState, StoredRecording, Target,
};
use crate::sounds::{plan_media, MediaPlan};
use crate::world::{Inner, Route, World};

/// Default `skipms` of a playback.
pub(crate) const DEFAULT_SKIP_MS: u64 = 3000;
/// Stored recordings keep at most this much audio (simulated ms).
const MAX_STORED_AUDIO_MS: u64 = 10 * 60 * 1000;

fn target_route(w: &World, target: &Target) -> Route {
    match target {
        Target::Channel(id) => w.channel_route(&[id]),
        Target::Bridge(id) => Route::Bridge {
            bridge: id.clone(),
            channels: Vec::new(),
        },
    }
}

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

/// Adds a job to a target's queue and starts the queue runner if idle.
pub(crate) fn push_job(inner: &Arc<Inner>, w: &mut World, target: &Target, job: MediaJob) {
    let start = match target {
        Target::Channel(id) => w.channels.get_mut(id).map(|c| {
            c.media_queue.push_back(job);
            !std::mem::replace(&mut c.media_busy, true)
        }),
        Target::Bridge(id) => w.bridges.get_mut(id).map(|b| {
            b.media_queue.push_back(job);
            !std::mem::replace(&mut b.media_busy, true)
        }),
    };
    if start == Some(true) {
        let inner = inner.clone();
        let target = target.clone();
        tokio::spawn(async move { run_queue(inner, target).await });
    }
}

async fn run_queue(inner: Arc<Inner>, target: Target) {
    loop {
        let job = {
            let mut w = inner.lock();
            let queue = match &target {
                Target::Channel(id) => w
                    .channels
                    .get_mut(id)
                    .map(|c| (&mut c.media_queue, &mut c.media_busy)),
                Target::Bridge(id) => w
                    .bridges
                    .get_mut(id)
                    .map(|b| (&mut b.media_queue, &mut b.media_busy)),
            };
            let Some((queue, busy)) = queue else {
                return;
            };
            match queue.pop_front() {
                Some(job) => job,
                None => {
                    *busy = false;
                    return;
                }
            }
        };
        match job {
            MediaJob::Play(key) => run_playback(&inner, key).await,
            MediaJob::Record(name) => run_recording(&inner, name).await,
        }
    }
}

/// A watch that flips when the target goes away (hangup, bridge destroyed).
fn gone_watch(w: &World, target: &Target) -> Option<watch::Receiver<bool>> {
    match target {
        Target::Channel(id) => w.channels.get(id).map(|c| c.hangup_tx.subscribe()),
        Target::Bridge(id) => w.bridges.get(id).map(|b| b.gone_tx.subscribe()),
    }
}

enum Outcome {
    Done,
    Failed,
    Stopped,
    Gone,
}

async fn run_playback(inner: &Arc<Inner>, key: u64) {
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
) -> Result<(), crate::http::response::ApiError> {
    use crate::http::response::ApiError;
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

/// Ends the media of a channel being hung up: the running playback fails,
/// queued ones vanish, a running recording completes.
pub(crate) fn abort_channel_media(w: &mut World, id: &str) {
    let target = Target::Channel(id.to_string());
    let running: Vec<u64> = w
        .playbacks
        .iter()
        .filter(|p| p.target == target)
        .filter(|p| {
            matches!(
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
    w.playbacks.retain(|p| p.target != target);
    if let Some(channel) = w.channels.get_mut(id) {
        channel.media_queue.clear();
    }
    if let Some(name) = w.channels.get(id).and_then(|c| c.recording.clone()) {
        finish_recording(w, &name, RecordingState::Complete);
    }
    let queued: Vec<String> = w
        .live_recordings
        .values()
        .filter(|r| r.target == target)
        .map(|r| r.name.clone())
        .collect();
    for name in queued {
        w.live_recordings.shift_remove(&name);
    }
}

/// Ends every playback and recording of a bridge being destroyed.
pub(crate) fn abort_bridge_media(w: &mut World, id: &str) {
    let target = Target::Bridge(id.to_string());
    let running: Vec<u64> = w
        .playbacks
        .iter()
        .filter(|p| {
            p.target == target
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
    w.playbacks.retain(|p| p.target != target);
    let recordings: Vec<String> = w
        .live_recordings
        .values()
        .filter(|r| r.target == target)
        .map(|r| r.name.clone())
        .collect();
    for name in recordings {
        finish_recording(w, &name, RecordingState::Complete);
    }
}

/// Options of a new recording (`POST .../record`).
#[derive(Debug, Clone)]
pub(crate) struct RecordOptions {
    pub name: String,
    pub format: String,
    pub max_duration_seconds: u64,
    pub max_silence_seconds: u64,
    pub terminate_on: String,
    pub if_exists: IfExists,
    pub beep: bool,
}

/// Starts a recording on a channel (queued behind its media) or a bridge
/// (right away, on its own recorder). Returns the live recording JSON.
pub(crate) fn start_recording(
    inner: &Arc<Inner>,
    w: &mut World,
    target: Target,
    options: RecordOptions,
) -> Result<serde_json::Value, crate::http::response::ApiError> {
    use crate::http::response::ApiError;
    if options
        .name
        .split('/')
        .any(|part| part == ".." || part == ".")
        || options.name.starts_with('/')
    {
        return Err(ApiError::bad_request("Recording name invalid"));
    }
    let exists = w.stored_recordings.contains_key(&options.name);
    if (options.if_exists == IfExists::Fail && exists)
        || w.live_recordings.contains_key(&options.name)
    {
        return Err(ApiError::conflict(format!(
            "Recording '{}' already exists and can not be overwritten",
            options.name
        )));
    }
    let recording = LiveRecording {
        name: options.name.clone(),
        format: options.format.clone(),
        target: target.clone(),
        state: RecordingState::Queued,
        max_duration_seconds: options.max_duration_seconds,
        max_silence_seconds: options.max_silence_seconds,
        terminate_on: options.terminate_on.clone(),
        if_exists: options.if_exists,
        beep: options.beep,
        muted: false,
        duration: None,
        talking_duration: None,
        control: None,
        accumulated_ms: 0,
        active_since: None,
    };
    let json = recording.to_json();
    w.live_recordings.insert(options.name.clone(), recording);
    match &target {
        Target::Channel(_) => push_job(inner, w, &target, MediaJob::Record(options.name)),
        Target::Bridge(id) => {
            if let Some(bridge) = w.bridges.get_mut(id) {
                bridge.recordings.push(options.name.clone());
            }
            let inner = inner.clone();
            tokio::spawn(async move { run_recording(&inner, options.name).await });
        }
    }
    Ok(json)
}

fn publish_recording(w: &mut World, name: &str, cause: Option<&str>) {
    let Some(recording) = w.live_recordings.get(name) else {
        return;
    };
    let kind = match recording.state {
        RecordingState::Recording => "RecordingStarted",
        RecordingState::Complete | RecordingState::Canceled => "RecordingFinished",
        RecordingState::Failed => "RecordingFailed",
        RecordingState::Queued | RecordingState::Paused => return,
    };
    let mut json = recording.to_json();
    if let (Some(cause), Some(obj)) = (cause, json.as_object_mut()) {
        obj.insert("cause".into(), json!(cause));
    }
    let mut fields = Map::new();
    fields.insert("recording".into(), json);
    let route = target_route(w, &recording.target);
    w.emit(route, kind, fields);
}

/// Accounting of a running recording in simulated milliseconds.
struct RecordClock {
    recorded_ms: u64,
    talking_ms: u64,
    silence_ms: u64,
    talking: bool,
    paused: bool,
    since: Instant,
}

impl RecordClock {
    fn settle(&mut self, inner: &Inner) {
        let elapsed = inner.clock.simulated_ms(self.since.elapsed());
        self.since = Instant::now();
        if self.paused {
            return;
        }
        self.recorded_ms += elapsed;
        if self.talking {
            self.talking_ms += elapsed;
            self.silence_ms = 0;
        } else {
            self.silence_ms += elapsed;
        }
    }
}

async fn run_recording(inner: &Arc<Inner>, name: String) {
    let (control_tx, mut control_rx) = mpsc::unbounded_channel();
    let (mut gone_rx, options, talking) = {
        let mut w = inner.lock();
        let Some(recording) = w.live_recordings.get(&name) else {
            return;
        };
        if recording.state != RecordingState::Queued {
            // Stopped or canceled before it started.
            w.live_recordings.shift_remove(&name);
            return;
        }
        let target = recording.target.clone();
        let beep = recording.beep;
        let Some(gone_rx) = gone_watch(&w, &target) else {
            w.live_recordings.shift_remove(&name);
            return;
        };
        let mut talking = false;
        if let Target::Channel(id) = &target {
            let Some(channel) = w.channels.get(id) else {
                return;
            };
            if channel.bridge.is_some() {
                if let Some(r) = w.live_recordings.get_mut(&name) {
                    r.state = RecordingState::Failed;
                }
                publish_recording(&mut w, &name, Some("Cannot record channel while in bridge"));
                w.live_recordings.shift_remove(&name);
                return;
            }
            talking = channel.talking_since.is_some();
            if channel.state != crate::model::ChanState::Up {
                calls::answer(inner, &mut w, id);
            }
            if let Some(channel) = w.channels.get_mut(id) {
                channel.recording = Some(name.clone());
            }
        } else if let Target::Bridge(id) = &target {
            talking = w
                .bridges
                .get(id)
                .map(|b| {
                    b.channels
                        .iter()
                        .any(|c| w.channels.get(c).is_some_and(|c| c.talking_since.is_some()))
                })
                .unwrap_or(false);
        }
        let Some(recording) = w.live_recordings.get_mut(&name) else {
            return;
        };
        recording.state = RecordingState::Recording;
        recording.control = Some(control_tx);
        recording.active_since = Some(Instant::now());
        let options = (
            recording.max_duration_seconds * 1000,
            recording.max_silence_seconds * 1000,
            recording.terminate_on.clone(),
        );
        publish_recording(&mut w, &name, None);
        if beep {
            w.played
                .entry(target.uri())
                .or_default()
                .push("sound:beep".into());
        }
        (gone_rx, options, talking)
    };
    let (max_duration_ms, max_silence_ms, terminate_on) = options;
    let mut clock = RecordClock {
        recorded_ms: 0,
        talking_ms: 0,
        silence_ms: 0,
        talking,
        paused: false,
        since: Instant::now(),
    };
    let mut end = RecordingState::Complete;
    loop {
        let mut wait: Option<u64> = None;
        if !clock.paused {
            if max_duration_ms > 0 {
                wait = Some(max_duration_ms.saturating_sub(clock.recorded_ms));
            }
            if max_silence_ms > 0 && !clock.talking {
                let left = max_silence_ms.saturating_sub(clock.silence_ms);
                wait = Some(wait.map_or(left, |w| w.min(left)));
            }
        }
        let sleeping = async {
            match wait {
                Some(ms) => inner.clock.sleep(ms).await,
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = sleeping => {
                clock.settle(inner);
                let duration_hit = max_duration_ms > 0 && clock.recorded_ms >= max_duration_ms;
                let silence_hit = max_silence_ms > 0 && !clock.talking && clock.silence_ms >= max_silence_ms;
                if duration_hit || silence_hit {
                    break;
                }
            }
            _ = gone_rx.wait_for(|g| *g) => {
                clock.settle(inner);
                break;
            }
            control = control_rx.recv() => {
                clock.settle(inner);
                match control {
                    None | Some(RecordingControl::Stop) => break,
                    Some(RecordingControl::Cancel) => {
                        end = RecordingState::Canceled;
                        break;
                    }
                    Some(RecordingControl::Pause) => clock.paused = true,
                    Some(RecordingControl::Unpause) => clock.paused = false,
                    Some(RecordingControl::Mute) | Some(RecordingControl::Unmute) => {}
                    Some(RecordingControl::Talking(on)) => clock.talking = on,
                    Some(RecordingControl::Dtmf(digit)) => {
                        let any = terminate_on == "any";
                        if any || terminate_on.contains(digit) {
                            break;
                        }
                    }
                }
            }
        }
    }
    let mut w = inner.lock();
    let talking = (max_silence_ms > 0).then_some(clock.talking_ms);
    if let Some(recording) = w.live_recordings.get_mut(&name) {
        recording.duration = Some(clock.recorded_ms / 1000);
        recording.talking_duration = talking.map(|ms| ms / 1000);
        if recording.state == RecordingState::Canceled {
            end = RecordingState::Canceled;
        }
    }
    store_and_finish(&mut w, &name, end, clock.recorded_ms);
}

/// Completes a recording that is being torn down with its target.
fn finish_recording(w: &mut World, name: &str, state: RecordingState) {
    let Some(recording) = w.live_recordings.get_mut(name) else {
        return;
    };
    if recording.state == RecordingState::Queued {
        w.live_recordings.shift_remove(name);
        return;
    }
    let live_ms = recording
        .active_since
        .map_or(0, |since| w.clock.simulated_ms(since.elapsed()));
    let recorded_ms = recording.accumulated_ms + live_ms;
    recording.duration = Some(recorded_ms / 1000);
    store_and_finish(w, name, state, recorded_ms);
}

fn store_and_finish(w: &mut World, name: &str, end: RecordingState, recorded_ms: u64) {
    let Some(recording) = w.live_recordings.get_mut(name) else {
        return;
    };
    recording.state = end;
    recording.control = None;
    let format = recording.format.clone();
    let if_exists = recording.if_exists;
    let target = recording.target.clone();
    publish_recording(w, name, None);
    if end != RecordingState::Canceled {
        let previous_ms = match (if_exists, w.stored_recordings.get(name)) {
            (IfExists::Append, Some(existing)) => existing.duration_ms,
            _ => 0,
        };
        let duration_ms = (previous_ms + recorded_ms).min(MAX_STORED_AUDIO_MS);
        w.stored_recordings.insert(
            name.to_string(),
            StoredRecording {
                name: name.to_string(),
                format: format.clone(),
                duration_ms,
                bytes: silent_audio(&format, duration_ms),
            },
        );
    }
    w.live_recordings.shift_remove(name);
    match target {
        Target::Channel(id) => {
            if let Some(channel) = w.channels.get_mut(&id) {
                if channel.recording.as_deref() == Some(name) {
                    channel.recording = None;
                }
            }
        }
        Target::Bridge(id) => {
            if let Some(bridge) = w.bridges.get_mut(&id) {
                bridge.recordings.retain(|r| r != name);
            }
        }
    }
}

/// REST control of a live recording (`stop`, `pause`, `mute`, ...).
pub(crate) fn control_recording(
    w: &mut World,
    name: &str,
    control: RecordingControl,
) -> Result<(), crate::http::response::ApiError> {
    use crate::http::response::ApiError;
    let clock = w.clock;
    let Some(recording) = w.live_recordings.get_mut(name) else {
        return Err(ApiError::not_found("Recording not found"));
    };
    use RecordingControl as C;
    use RecordingState as S;
    let send = |r: &LiveRecording, c: C| {
        if let Some(tx) = &r.control {
            let _ = tx.send(c);
        }
    };
    match (recording.state, &control) {
        (S::Queued, C::Cancel | C::Stop) => recording.state = S::Canceled,
        (S::Recording | S::Paused, C::Cancel) => {
            recording.state = S::Canceled;
            send(recording, C::Cancel);
        }
        (S::Recording | S::Paused, C::Stop) => {
            recording.state = S::Complete;
            send(recording, C::Stop);
        }
        (S::Recording, C::Pause) => {
            recording.state = S::Paused;
            if let Some(since) = recording.active_since.take() {
                recording.accumulated_ms += clock.simulated_ms(since.elapsed());
            }
            send(recording, C::Pause);
        }
        (S::Paused, C::Unpause) => {
            recording.state = S::Recording;
            recording.active_since = Some(Instant::now());
            send(recording, C::Unpause);
        }
        (S::Recording, C::Unpause) | (S::Paused, C::Pause) => {}
        (S::Recording | S::Paused, C::Mute | C::Unmute) => {
            recording.muted = control == C::Mute;
            send(recording, control);
        }
        _ => return Err(ApiError::conflict("Recording not in session")),
    }
    Ok(())
}

/// Forwards a stimulus (DTMF, talking) from a channel to the recordings
/// that hear it: its own and its bridge's.
pub(crate) fn recording_stimulus(w: &World, channel_id: &str, stimulus: RecordingControl) {
    let Some(channel) = w.channels.get(channel_id) else {
        return;
    };
    let mut names: Vec<&String> = channel.recording.iter().collect();
    if let Some(bridge) = channel.bridge.as_ref().and_then(|b| w.bridges.get(b)) {
        names.extend(bridge.recordings.iter());
    }
    for name in names {
        if let Some(tx) = w.live_recordings.get(name).and_then(|r| r.control.as_ref()) {
            let _ = tx.send(stimulus.clone());
        }
    }
}

/// Audio of silence in `format`: a WAV file for `wav`, raw frames otherwise.
pub(crate) fn silent_audio(format: &str, duration_ms: u64) -> Vec<u8> {
    let samples = duration_ms * 8;
    match format {
        "wav" | "WAV" | "wav16" => {
            let rate: u32 = if format == "wav16" { 16_000 } else { 8_000 };
            let samples = duration_ms * u64::from(rate) / 1000;
            let data_len = u32::try_from(samples * 2).unwrap_or(u32::MAX - 44);
            let mut out = Vec::with_capacity(44 + data_len as usize);
            out.extend_from_slice(b"RIFF");
            out.extend_from_slice(&(36 + data_len).to_le_bytes());
            out.extend_from_slice(b"WAVEfmt ");
            out.extend_from_slice(&16u32.to_le_bytes());
            out.extend_from_slice(&1u16.to_le_bytes()); // PCM
            out.extend_from_slice(&1u16.to_le_bytes()); // mono
            out.extend_from_slice(&rate.to_le_bytes());
            out.extend_from_slice(&(rate * 2).to_le_bytes());
            out.extend_from_slice(&2u16.to_le_bytes());
            out.extend_from_slice(&16u16.to_le_bytes());
            out.extend_from_slice(b"data");
            out.extend_from_slice(&data_len.to_le_bytes());
            out.resize(44 + data_len as usize, 0);
            out
        }
        "gsm" => vec![0u8; (duration_ms / 20 * 33) as usize],
        "alaw" | "al" => vec![0xD5; samples as usize],
        "sln" | "slin" | "raw" => vec![0u8; (samples * 2) as usize],
        _ => vec![0xFF; samples as usize],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wav_has_a_valid_header() {
        let wav = silent_audio("wav", 1000);
        assert_eq!(&wav[..4], b"RIFF");
        assert_eq!(&wav[8..16], b"WAVEfmt ");
        assert_eq!(wav.len(), 44 + 16_000);
        assert_eq!(
            u32::from_le_bytes([wav[40], wav[41], wav[42], wav[43]]),
            16_000
        );
        assert_eq!(silent_audio("ulaw", 500).len(), 4000);
        assert_eq!(silent_audio("gsm", 1000).len(), 50 * 33);
    }
}
