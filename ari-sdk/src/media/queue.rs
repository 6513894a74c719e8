//! The items a media connection received and the application has not yet
//! read: never blocks the connection task; audio beyond the bound drops
//! the oldest frames and counts them.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use tokio::sync::Notify;

use super::MediaItem;

#[derive(Debug, Default)]
struct State {
    items: VecDeque<MediaItem>,
    audio: usize,
    dropped: u64,
    waker: Option<Waker>,
}

#[derive(Debug)]
pub(super) struct Incoming {
    state: Mutex<State>,
    max_audio: usize,
    reader_gone: AtomicBool,
    reader_gone_notify: Notify,
}

impl Incoming {
    pub(super) fn new(max_audio: usize) -> Self {
        Incoming {
            state: Mutex::new(State::default()),
            max_audio,
            reader_gone: AtomicBool::new(false),
            reader_gone_notify: Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic elsewhere while holding the lock leaves the queue usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn push(&self, item: MediaItem) {
        if self.is_reader_gone() {
            return;
        }
        let waker = {
            let mut state = self.lock();
            state.items.push_back(item);
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    pub(super) fn push_audio(&self, frame: Bytes) {
        if self.is_reader_gone() {
            return;
        }
        {
            let mut state = self.lock();
            if state.audio >= self.max_audio {
                let oldest = state
                    .items
                    .iter()
                    .position(|item| matches!(item, MediaItem::Audio(_)));
                if let Some(index) = oldest {
                    state.items.remove(index);
                    state.audio -= 1;
                    state.dropped += 1;
                }
            }
            state.audio += 1;
        }
        self.push(MediaItem::Audio(frame));
    }

    pub(super) fn poll_pop(&self, cx: &mut Context<'_>) -> Poll<MediaItem> {
        let mut state = self.lock();
        if state.dropped > 0 {
            let frames = std::mem::take(&mut state.dropped);
            return Poll::Ready(MediaItem::Lagged { frames });
        }
        match state.items.pop_front() {
            Some(item) => {
                if matches!(item, MediaItem::Audio(_)) {
                    state.audio -= 1;
                }
                Poll::Ready(item)
            }
            None => {
                state.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }

    pub(super) fn reader_gone(&self) {
        self.reader_gone.store(true, Ordering::Release);
        self.lock().items.clear();
        self.reader_gone_notify.notify_one();
    }

    pub(super) fn is_reader_gone(&self) -> bool {
        self.reader_gone.load(Ordering::Acquire)
    }

    pub(super) async fn reader_gone_wait(&self) {
        if !self.is_reader_gone() {
            self.reader_gone_notify.notified().await;
        }
    }
}
