//! `/ari/events` websocket sessions: application registration (and
//! `ApplicationReplaced` for the session that loses an app), event frames
//! out, `RESTRequest` messages answered (see `ws_rest`) on releases that
//! take them, pings and close frames answered, and the test controls that
//! freeze or drop a session.

use std::sync::Arc;

use axum::extract::ws::{Message, WebSocket};
use futures::{SinkExt, StreamExt};
use serde_json::Map;
use tokio::sync::{mpsc, watch};

use crate::model::App;
use crate::world::{Inner, Outbound, Route, Session};

/// A registered session, before its socket is attached.
pub(crate) struct Registered {
    pub id: u64,
    /// The session's first application, named in its `RESTResponse`s.
    pub app: String,
    pub rx: mpsc::UnboundedReceiver<Outbound>,
    pub frozen: watch::Receiver<bool>,
    pub kill: watch::Receiver<bool>,
}

/// Registers the session's applications, as Asterisk does before the
/// upgrade completes (so a REST call right after connecting finds them).
pub(crate) fn register(inner: &Inner, apps: Vec<String>, subscribe_all: bool) -> Registered {
    let mut w = inner.lock();
    let id = w.session_seq;
    w.session_seq += 1;
    let (tx, rx) = mpsc::unbounded_channel();
    let (frozen_tx, frozen) = watch::channel(false);
    let (kill_tx, kill) = watch::channel(false);
    let app = apps.first().cloned().unwrap_or_default();
    w.sessions.insert(
        id,
        Session {
            tx,
            apps: apps.clone(),
            frozen_tx,
            kill_tx,
            outbound: false,
        },
    );
    for name in apps {
        let previous = w.apps.get(&name).and_then(|a| a.session);
        if let Some(old) = previous.filter(|old| *old != id) {
            // The old session hears that it lost the app, then stops hearing it.
            w.emit(Route::App(name.clone()), "ApplicationReplaced", Map::new());
            if let Some(session) = w.sessions.get_mut(&old) {
                session.apps.retain(|a| a != &name);
            }
        }
        match w.apps.get_mut(&name) {
            Some(app) => app.session = Some(id),
            None => {
                let mut app = App {
                    name: name.clone(),
                    session: Some(id),
                    ..App::default()
                };
                if subscribe_all {
                    app.channels.all = true;
                    app.bridges.all = true;
                    app.endpoints.all = true;
                    app.devices.all = true;
                }
                w.apps.insert(name, app);
            }
        }
    }
    Registered {
        id,
        app,
        rx,
        frozen,
        kill,
    }
}

/// Undoes `register` when the socket goes away: the apps are deactivated
/// (their events dropped) and forgotten once no channel is in them.
pub(crate) fn unregister(inner: &Inner, id: u64) {
    let mut w = inner.lock();
    let Some(session) = w.sessions.shift_remove(&id) else {
        return;
    };
    for name in session.apps {
        let in_use = w
            .channels
            .values()
            .any(|c| c.stasis.as_ref().is_some_and(|(app, _)| app == &name));
        let Some(app) = w.apps.get_mut(&name) else {
            continue;
        };
        if app.session != Some(id) {
            continue;
        }
        app.session = None;
        app.channels.all = false;
        app.bridges.all = false;
        app.endpoints.all = false;
        app.devices.all = false;
        if !in_use {
            w.apps.shift_remove(&name);
        }
    }
}

/// Pumps events to the socket until it closes or a test drops it.
pub(crate) async fn run_session(inner: Arc<Inner>, socket: WebSocket, registered: Registered) {
    let Registered {
        id,
        app,
        mut rx,
        mut frozen,
        mut kill,
    } = registered;
    let (mut sink, mut stream) = socket.split();
    let rest_requests = super::ws_rest::supported(&inner.settings.version);
    loop {
        if *kill.borrow() {
            break;
        }
        if *frozen.borrow() {
            // A frozen session neither reads (so pings go unanswered) nor writes.
            tokio::select! {
                changed = frozen.changed() => if changed.is_err() { break },
                changed = kill.changed() => if changed.is_err() { break },
            }
            continue;
        }
        tokio::select! {
            outbound = rx.recv() => match outbound {
                Some(Outbound::Frame(text)) => {
                    if sink.send(Message::Text(text.into())).await.is_err() {
                        break;
                    }
                }
                None => break,
            },
            incoming = stream.next() => match incoming {
                None | Some(Err(_)) => break,
                Some(Ok(Message::Close(_))) => {
                    // The close handshake (RFC 6455 5.5.1), as Asterisk
                    // answers a client's close: the websocket layer has
                    // queued a close frame echoing the client's code, and
                    // closing the sink sends it before the socket goes.
                    // An error here means the peer is already gone.
                    let _ = sink.close().await;
                    break;
                }
                Some(Ok(Message::Text(text))) if rest_requests => {
                    let Some(answer) = super::ws_rest::answer(&inner, &app, &text) else {
                        continue;
                    };
                    if sink.send(Message::Text(answer.into())).await.is_err() {
                        break;
                    }
                }
                // An older release reads a text message and drops it.
                // Pings are answered by the websocket layer as we keep reading.
                Some(Ok(_)) => {}
            },
            changed = frozen.changed() => if changed.is_err() { break },
            changed = kill.changed() => if changed.is_err() { break },
        }
    }
    unregister(&inner, id);
}
