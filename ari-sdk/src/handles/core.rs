//! What every handle is made of: the application's hub, the resource's
//! tracker, and the event stream opened before the resource existed.

use std::fmt;
use std::sync::{Arc, Mutex};

use super::ended::{HandleEnded, HandleError};
use super::hub::Hub;
use super::tracker::{HandleEvents, Tracker};
use super::version::{ResourceEvent, Signal, VersionApi};
use crate::resource::ResourceKind;
use crate::sync::lock;

pub(crate) struct Core<V: VersionApi> {
    pub(crate) hub: Arc<Hub<V>>,
    pub(crate) tracker: Arc<Tracker<V::Event>>,
    /// Opened before the request that made the resource (or, for a call,
    /// by the dispatcher right after its `StasisStart`): the first
    /// `events()` takes it, so nothing that happened in between is missed.
    pending: Mutex<Option<HandleEvents<V::Event>>>,
}

impl<V: VersionApi> Core<V> {
    pub(crate) fn new(
        hub: Arc<Hub<V>>,
        tracker: Arc<Tracker<V::Event>>,
        pending: Option<HandleEvents<V::Event>>,
    ) -> Self {
        Core {
            hub,
            tracker,
            pending: Mutex::new(pending),
        }
    }

    pub(crate) fn id(&self) -> &str {
        &self.tracker.id
    }

    pub(crate) fn events(&self) -> HandleEvents<V::Event> {
        let pending = lock(&self.pending).take();
        pending.unwrap_or_else(|| self.tracker.subscribe())
    }

    /// The channel or bridge a playback or recording runs on, when its
    /// handle made it (a handle attached to an existing one does not know).
    pub(crate) fn target(&self) -> Option<(ResourceKind, &str)> {
        self.tracker
            .target
            .as_ref()
            .map(|(kind, id)| (*kind, &**id))
    }

    /// Waits for the end of a playback or recording and gives its final
    /// snapshot, which `last` reads from the event that finished it; any
    /// other end (a failure, the target gone first, ...) is the error.
    pub(crate) async fn finished<T>(
        &self,
        last: impl FnOnce(Signal<'_, V::Event>) -> Option<T>,
    ) -> Result<T, HandleError> {
        let ending = self.tracker.ended().await;
        if let (HandleEnded::Finished, Some(event)) = (&ending.reason, &ending.event) {
            if let Some(snapshot) = last(event.signal()) {
                return Ok(snapshot);
            }
        }
        Err(self.error(ending.reason))
    }

    pub(crate) fn error(&self, reason: HandleEnded) -> HandleError {
        HandleError::Ended {
            kind: self.tracker.kind,
            id: self.tracker.id.to_string(),
            reason,
        }
    }
}

impl<V: VersionApi> Clone for Core<V> {
    fn clone(&self) -> Self {
        Core::new(Arc::clone(&self.hub), Arc::clone(&self.tracker), None)
    }
}

impl<V: VersionApi> fmt::Debug for Core<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("kind", &self.tracker.kind)
            .field("id", &self.tracker.id)
            .field("ended", &self.tracker.ending().map(|e| e.reason))
            .finish()
    }
}

/// The methods every handle has, written once.
macro_rules! common_handle_methods {
    ($handle:ident, $what:literal) => {
        impl<V: $crate::handles::VersionApi> $handle<V> {
            #[doc = concat!("The ", $what, "'s id.")]
            pub fn id(&self) -> &str {
                self.core.id()
            }

            /// The version module's API this handle sends through.
            pub fn ari(&self) -> &V {
                &self.core.hub.ari
            }

            /// The application this handle belongs to.
            pub fn app(&self) -> $crate::handles::StasisApp<V> {
                $crate::handles::StasisApp::from_hub(::std::sync::Arc::clone(&self.core.hub))
            }

            #[doc = concat!("The events of this ", $what, ", with the connection's news (see [`HandleEvents`](crate::handles::HandleEvents)).")]
            ///
            /// A handle made by a staged creation (or delivered by
            /// [`StasisApp::calls`](crate::handles::StasisApp::calls)) opened
            /// its first stream before the resource existed: the first call
            /// returns that one, so no event is missed; later calls return
            /// streams of what happens from then on.
            pub fn events(&self) -> $crate::handles::HandleEvents<V::Event> {
                self.core.events()
            }

            #[doc = concat!("Waits until the ", $what, " ends, and says why.")]
            pub async fn ended(&self) -> $crate::handles::HandleEnded {
                self.core.tracker.ended().await.reason
            }

            #[doc = concat!("Why the ", $what, " ended, or `None` while it lives.")]
            pub fn end_reason(&self) -> Option<$crate::handles::HandleEnded> {
                self.core.tracker.ending().map(|ending| ending.reason)
            }
        }

        impl<V: $crate::handles::VersionApi> ::std::clone::Clone for $handle<V> {
            /// Another handle on the same resource (its `events()` starts now).
            fn clone(&self) -> Self {
                $handle {
                    core: self.core.clone(),
                }
            }
        }

        impl<V: $crate::handles::VersionApi> ::std::fmt::Debug for $handle<V> {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Debug::fmt(&self.core, f)
            }
        }
    };
}

pub(crate) use common_handle_methods;
