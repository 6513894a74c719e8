//! Live recordings: of a channel (queued behind its playbacks) or a
//! bridge's mix (at once), ended by the maximum duration, silence, a key,
//! REST control or the target going away, then stored as silent audio of
//! the recorded length.

use std::sync::Arc;

use serde_json::{json, Map};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::{gone_watch, push_job, target_route};
use crate::engine::calls;
use crate::error::ApiError;
use crate::model::{
    IfExists, LiveRecording, MediaJob, RecordingControl, RecordingState, StoredRecording, Target,
};
use crate::world::{Inner, World};

/// Stored recordings keep at most this much audio (simulated ms).
const MAX_STORED_AUDIO_MS: u64 = 10 * 60 * 1000;

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
) -> Result<serde_json::Value, ApiError> {
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

pub(super) async fn run_recording(inner: &Arc<Inner>, name: String) {
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
pub(super) fn finish_recording(w: &mut World, name: &str, state: RecordingState) {
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
) -> Result<(), ApiError> {
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

/// The live recordings of a channel or bridge, running or queued.
pub(super) fn recordings_of(w: &World, target: &Target) -> Vec<String> {
    w.live_recordings
        .values()
        .filter(|r| &r.target == target)
        .map(|r| r.name.clone())
        .collect()
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
