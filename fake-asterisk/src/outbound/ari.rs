//! ARI over connections the fake dials (`res/ari/ari_websockets.c`):
//!
//! - persistent: the applications are registered at start and the
//!   connection dialled at once, then again whenever it drops, for ever.
//!   Events for the applications wait in the session's queue while it is
//!   not connected and are sent first when it is back, followed (on a
//!   re-dial) by `ApplicationRegistered` for each application.
//! - per call: `Stasis(app)` of an application nobody registered, with a
//!   `per_call_config` section for it, registers `<app>:<channel name>`,
//!   dials (up to `reconnect_attempts`), and runs the call in that
//!   application once connected (`STASISSTATUS=FAILED` if it cannot
//!   connect). After the call leaves Stasis the connection stays up for
//!   the close delay (the events that follow), then is closed with 1000.
//!   A connection that drops before is dialled again; if that fails, the
//!   call leaves Stasis failed.
//!
//! On each connection `RESTRequest` messages are answered as on
//! `/ari/events` (see `http::ws_rest`), with the session's first
//! application as the answer's `application`.

use std::sync::Arc;

use futures::{SinkExt as _, StreamExt as _};
use serde_json::Map;
use tokio::sync::{mpsc, oneshot, watch};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

use super::config::{OutboundWebsocket, WebsocketClient};
use super::dial::{dial, Dialled};
use crate::engine::stasis;
use crate::http::ws::{self, Registered};
use crate::world::{Inner, Outbound, Route};

/// How one connection's service ended.
enum Served {
    /// It dropped (or a test dropped it): dial again.
    Lost,
    /// The fake closed it: the session is over.
    Done,
}

/// Queues `ApplicationRegistered` for each application of a session.
fn announce(inner: &Inner, apps: &[String]) {
    let mut w = inner.lock();
    for app in apps {
        w.emit(Route::App(app.clone()), "ApplicationRegistered", Map::new());
    }
}

/// A registered session and what its connections need: its queue of
/// frames, the test controls' drop signal, the pause of dialling.
struct Link {
    id: u64,
    app: String,
    rx: mpsc::UnboundedReceiver<Outbound>,
    kill: watch::Receiver<bool>,
    paused: watch::Receiver<bool>,
}

impl Link {
    fn new(inner: &Inner, registered: Registered) -> Link {
        let Registered {
            id, app, rx, kill, ..
        } = registered;
        let mut w = inner.lock();
        if let Some(session) = w.sessions.get_mut(&id) {
            session.outbound = true;
        }
        let paused = w.outbound_paused.subscribe();
        Link {
            id,
            app,
            rx,
            kill,
            paused,
        }
    }

    /// Dials the session's connection; counts it and re-arms the test
    /// controls' drop signal once connected.
    async fn connect(
        &mut self,
        inner: &Inner,
        client: &WebsocketClient,
    ) -> Result<Dialled, String> {
        let socket = dial(client, None, &mut self.paused).await?;
        let mut w = inner.lock();
        w.outbound_dials += 1;
        if let Some(session) = w.sessions.get(&self.id) {
            session.kill_tx.send_replace(false);
        }
        Ok(socket)
    }
}

/// Runs a persistent connection's session for ever (until the fake stops).
pub(crate) async fn persistent(
    inner: Arc<Inner>,
    websocket: OutboundWebsocket,
    client: WebsocketClient,
) {
    let registered = ws::register(&inner, websocket.apps.clone(), websocket.subscribe_all);
    // Registering queues the events; they go out when it connects.
    announce(&inner, &websocket.apps);
    let mut link = Link::new(&inner, registered);
    let mut first = true;
    loop {
        let socket = match link.connect(&inner, &client).await {
            Ok(socket) => socket,
            Err(error) => {
                tracing::debug!(%error, "persistent connection gave up");
                return;
            }
        };
        if !first {
            announce(&inner, &websocket.apps);
        }
        first = false;
        tracing::debug!(connection = %websocket.id, "outbound websocket connected");
        let never = watch::channel(false).1;
        match serve(&inner, socket, &mut link, never, None).await {
            Served::Lost => {
                tracing::debug!(connection = %websocket.id, "outbound websocket disconnected; reconnecting");
            }
            Served::Done => return,
        }
    }
}

/// A per-call session, open: the application id the call runs in, and
/// the way to say the call has left Stasis.
pub(crate) struct PerCall {
    pub(crate) app_id: String,
    done: watch::Sender<bool>,
}

impl PerCall {
    /// The call left Stasis: close after the close delay.
    pub(crate) fn finish(self) {
        self.done.send_replace(true);
    }
}

/// Opens the per-call session of channel `channel_id` for `app`, waiting
/// until its connection is up; `None` when there is no `per_call_config`
/// for `app` or the connection could not be made.
pub(crate) async fn open_per_call(
    inner: &Arc<Inner>,
    channel_id: &str,
    app: &str,
) -> Option<PerCall> {
    let (websocket, client) = {
        let (websocket, client) = inner.settings.outbound.per_call(app)?;
        (websocket.clone(), client.clone())
    };
    let name = inner.lock().channels.get(channel_id)?.name.clone();
    let app_id = format!("{app}:{name}");
    let registered = ws::register(inner, vec![app_id.clone()], websocket.subscribe_all);
    announce(inner, std::slice::from_ref(&app_id));
    let (up_tx, up_rx) = oneshot::channel();
    let (done, done_rx) = watch::channel(false);
    let task = tokio::spawn(per_call(
        Arc::clone(inner),
        client,
        registered,
        channel_id.to_owned(),
        up_tx,
        done_rx,
    ));
    inner.lock().outbound_tasks.push(task.abort_handle());
    match up_rx.await {
        Ok(()) => Some(PerCall { app_id, done }),
        Err(_) => None,
    }
}

async fn per_call(
    inner: Arc<Inner>,
    client: WebsocketClient,
    registered: Registered,
    channel_id: String,
    up: oneshot::Sender<()>,
    done: watch::Receiver<bool>,
) {
    let mut link = Link::new(&inner, registered);
    let mut up = Some(up);
    let close_delay = inner.settings.outbound.per_call_close_delay;
    loop {
        let socket = match link.connect(&inner, &client).await {
            Ok(socket) => socket,
            Err(error) => {
                tracing::debug!(%error, app = link.app, "per-call connection failed");
                if up.is_none() {
                    // Mid-call: the call goes back to the dialplan, failed.
                    let mut w = inner.lock();
                    stasis::leave_stasis(&mut w, &channel_id);
                    stasis::set_status(&mut w, &channel_id, "FAILED");
                }
                break;
            }
        };
        match up.take() {
            Some(up) => {
                let _ = up.send(());
            }
            None => announce(&inner, std::slice::from_ref(&link.app)),
        }
        let served = serve(&inner, socket, &mut link, done.clone(), Some(close_delay)).await;
        if let Served::Done = served {
            break;
        }
    }
    ws::unregister(&inner, link.id);
}

/// Pumps the session's events to the socket and answers its
/// `RESTRequest`s until the socket drops, a test drops it, or (`done` set,
/// then `close_delay` later) the fake closes it.
async fn serve(
    inner: &Arc<Inner>,
    socket: Dialled,
    link: &mut Link,
    mut done: watch::Receiver<bool>,
    close_delay: Option<std::time::Duration>,
) -> Served {
    let Link { app, rx, kill, .. } = link;
    let (mut sink, mut stream) = socket.split();
    let closing = tokio::time::sleep(std::time::Duration::MAX / 4);
    tokio::pin!(closing);
    let mut closing_armed = false;
    // A persistent connection is never done.
    let mut watching_done = close_delay.is_some();
    loop {
        if *kill.borrow_and_update() {
            // As a network failure: no close frame.
            return Served::Lost;
        }
        tokio::select! {
            biased;
            changed = kill.changed() => if changed.is_err() { return Served::Done },
            changed = done.changed(), if watching_done && !closing_armed => {
                if changed.is_err() {
                    watching_done = false;
                } else if *done.borrow() {
                    if let Some(delay) = close_delay {
                        closing.as_mut().reset(tokio::time::Instant::now() + delay);
                        closing_armed = true;
                    }
                }
            }
            () = &mut closing, if closing_armed => {
                let close = CloseFrame { code: CloseCode::Normal, reason: "".into() };
                let _ = sink.send(Message::Close(Some(close))).await;
                return Served::Done;
            }
            outbound = rx.recv() => match outbound {
                Some(Outbound::Frame(text)) => {
                    if sink.send(Message::text(text)).await.is_err() {
                        return Served::Lost;
                    }
                }
                None => return Served::Done,
            },
            incoming = stream.next() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    let Some(answer) = crate::http::ws_rest::answer(inner, app, text.as_str()) else {
                        continue;
                    };
                    if sink.send(Message::text(answer)).await.is_err() {
                        return Served::Lost;
                    }
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return Served::Lost,
                Some(Ok(_)) => {}
            },
        }
    }
}
