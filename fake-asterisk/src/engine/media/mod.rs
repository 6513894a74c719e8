//! Playbacks and recordings: per-target media queues run one job after
//! another (as a channel's Stasis control queue does), each job timed with
//! the fake's clock and steerable from REST while it runs. The queue and
//! what ends a target's media are here; the jobs in `playback` and
//! `recording`.

mod playback;
mod recording;

use std::sync::Arc;

use tokio::sync::watch;

use crate::model::{MediaJob, RecordingState, Target};
use crate::world::{Inner, Route, World};

pub(crate) use playback::{control_playback, queue_playback, DEFAULT_SKIP_MS};
pub(crate) use recording::{
    control_recording, recording_stimulus, silent_audio, start_recording, RecordOptions,
};

pub(super) fn target_route(w: &World, target: &Target) -> Route {
    match target {
        Target::Channel(id) => w.channel_route(&[id]),
        Target::Bridge(id) => Route::Bridge {
            bridge: id.clone(),
            channels: Vec::new(),
        },
    }
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
            MediaJob::Play(key) => playback::run_playback(&inner, key).await,
            MediaJob::Record(name) => recording::run_recording(&inner, name).await,
        }
    }
}

/// A watch that flips when the target goes away (hangup, bridge destroyed).
pub(super) fn gone_watch(w: &World, target: &Target) -> Option<watch::Receiver<bool>> {
    match target {
        Target::Channel(id) => w.channels.get(id).map(|c| c.hangup_tx.subscribe()),
        Target::Bridge(id) => w.bridges.get(id).map(|b| b.gone_tx.subscribe()),
    }
}

/// Ends the media of a channel being hung up: the running playback fails,
/// queued ones vanish, a running recording completes, queued ones vanish.
pub(crate) fn abort_channel_media(w: &mut World, id: &str) {
    let target = Target::Channel(id.to_string());
    playback::abort_playbacks(w, &target);
    if let Some(channel) = w.channels.get_mut(id) {
        channel.media_queue.clear();
    }
    if let Some(name) = w.channels.get(id).and_then(|c| c.recording.clone()) {
        recording::finish_recording(w, &name, RecordingState::Complete);
    }
    for name in recording::recordings_of(w, &target) {
        w.live_recordings.shift_remove(&name);
    }
}

/// Ends every playback and recording of a bridge being destroyed.
pub(crate) fn abort_bridge_media(w: &mut World, id: &str) {
    let target = Target::Bridge(id.to_string());
    playback::abort_playbacks(w, &target);
    for name in recording::recordings_of(w, &target) {
        recording::finish_recording(w, &name, RecordingState::Complete);
    }
}
