//! Outbound websockets: the application as the websocket server that
//! Asterisk dials (Asterisk 20.15.0, 21.10.0, 22.5.0 and later).
//!
//! Instead of the application connecting to `/ari/events`, Asterisk
//! connects to the application, which suits applications behind NAT or in
//! a cluster that Asterisk can reach but not the other way round. On such a
//! connection everything travels on the websocket: Asterisk's events one
//! way, and the application's REST requests the other (`RESTRequest`,
//! answered by `RESTResponse`, as with
//! [`RestTransport::EventWebsocket`](crate::config::RestTransport)); the
//! application has no HTTP access to Asterisk at all.
//!
//! [`OutboundServer`] listens (plain or TLS, with an optional check of
//! the credentials Asterisk sends) and hands each connection to what the
//! application declared:
//!
//! - [`OutboundServer::persistent`]: a `connection_type = persistent`
//!   connection, one for all calls of its applications. The result is a
//!   [`StasisApp`] like `ari.stasis_app()`'s, the same calls and handles;
//!   each time Asterisk dials (again) it is that session's connection. A
//!   dropped connection is a `Disconnected` / `Reconnected` pair on its
//!   event stream, and the handles reconcile as after any reconnection;
//!   Asterisk keeps the events of the gap and sends them first when it
//!   dials again, so none is lost.
//! - [`OutboundServer::per_call`]: a `connection_type = per_call_config`
//!   connection, one per call that enters `Stasis(<app>)`, under the
//!   application id `<app>:<channel name>`. Each is a [`PerCallSession`]
//!   with its own [`StasisApp`] and its one call.
//! - [`OutboundServer::media`]: the media websockets chan_websocket dials
//!   for `externalMedia` channels with `connection_type=client`, as
//!   [`MediaChannel`](crate::media::MediaChannel)s.
//!
//! A session's client ([`Client::is_outbound`]) never learns the server's
//! release (there is no `Ari::connect` over HTTP), so the per-release guard
//! ([`Error::NotInRelease`](crate::Error::NotInRelease)) does not refuse
//! anything there; a request that cannot go over the websocket (a
//! recording's file) fails with
//! [`Error::HttpUnavailable`](crate::Error::HttpUnavailable).
//!
//! Which is which comes from the connection's first message: Asterisk
//! sends an event naming the application at once on every connection
//! (`ApplicationRegistered`, or the events it kept while disconnected),
//! and chan_websocket starts with `MEDIA_START`. So one listener, one URL,
//! serves them all. A connection for an application nothing declared is
//! closed and reported ([`OutboundServer::rejections`]).
//!
//! # Asterisk's configuration
//!
//! `websocket_client.conf` (module `res_websocket_client`), one section per
//! connection Asterisk dials:
//!
//! ```ini
//! [ari_app]                         ; the connection's id
//! type = websocket_client
//! uri = ws://app.example.com:8765   ; wss:// with tls_enabled = yes
//! protocols = ari
//! connection_type = persistent      ; or per_call_config
//! username = asterisk               ; sent as HTTP basic auth
//! password = s3cret
//! reconnect_interval = 500          ; ms between attempts (default 500)
//! reconnect_attempts = 4            ; per_call_config: attempts before the call fails
//! ;tls_enabled = yes
//! ;ca_list_file = /etc/asterisk/keys/app-ca.pem
//! ;verify_server_cert = yes
//! ;verify_server_hostname = yes
//! ```
//!
//! `ari.conf`, one `outbound_websocket` per connection, naming the
//! applications it serves and the local ARI user whose rights its REST
//! requests have (a user with a plain-text password):
//!
//! ```ini
//! [asterisk]
//! type = user
//! password = secret
//!
//! [hello_outbound]
//! type = outbound_websocket
//! websocket_client_id = ari_app
//! apps = hello                      ; several: apps = a,b
//! local_ari_user = asterisk
//! ;subscribe_all = yes
//! ```
//!
//! For media, a `websocket_client` with `protocols = media` (any
//! `connection_type`; chan_websocket dials it per channel) named as the
//! `external_host` of an `externalMedia` request with `transport=websocket`
//! and `connection_type=client`.
//!
//! With `persistent`, Asterisk registers the applications when it loads the
//! configuration and dials at once, retrying forever. With
//! `per_call_config`, `Stasis(hello)` finds no application `hello`
//! registered, dials, waits for the connection, then runs the call in
//! application `hello:<channel name>`; a connection that cannot be made
//! fails the call (`STASISSTATUS=FAILED`). Asterisk closes a per-call
//! connection a few seconds after the call's `StasisEnd`.
//!
//! ```no_run
//! # #[cfg(feature = "asterisk-22")]
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use ari_sdk::outbound::{OutboundServer, OutboundSettings};
//! use ari_sdk::v22::Ari;
//! use futures::StreamExt as _;
//!
//! let settings = OutboundSettings::new().basic_auth("asterisk", "s3cret");
//! let server = OutboundServer::bind("0.0.0.0:8765", settings).await?;
//! let app = server.persistent::<Ari>(["hello"])?;
//! let mut calls = app.calls();
//! while let Some(call) = calls.next().await {
//!     tokio::spawn(async move {
//!         // REST over the websocket Asterisk opened.
//!         call.answer().await?;
//!         call.play(["sound:hello-world"]).await?;
//!         call.hangup().await?;
//!         Ok::<_, ari_sdk::handles::HandleError>(())
//!     });
//! }
//! # Ok(())
//! # }
//! ```

mod error;
mod media;
mod router;
mod session;
mod settings;
mod upgrade;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use futures::Stream;
use tokio::net::{TcpListener, ToSocketAddrs};
use tokio::sync::mpsc;

pub use error::OutboundError;
pub use media::{ExpectedMedia, MediaConnections, UnexpectedMedia};
pub use session::{PerCallSession, PerCallSessions};
pub use settings::OutboundSettings;

use crate::client::Client;
use crate::config::Config;
use crate::handles::{StasisApp, StasisOptions, VersionApi};
use crate::stream::accepted::AcceptFeed;
use crate::stream::StreamEvent;
use crate::sync::lock;
use router::{PerCallMaker, Routes};

/// How many refused connections wait in [`Rejections`] before the oldest
/// are only logged.
const REJECTIONS_KEPT: usize = 64;

/// The websocket server Asterisk dials: binds an address, accepts
/// Asterisk's connections and hands each to the session it belongs to (see
/// the [module docs](self)).
///
/// Dropping it stops accepting, and every session's stream ends once its
/// current connection is gone.
pub struct OutboundServer {
    shared: Arc<Shared>,
    local_addr: SocketAddr,
    accepting: tokio::task::JoinHandle<()>,
}

struct Shared {
    settings: OutboundSettings,
    routes: Mutex<Routes>,
    rejections: Mutex<Option<mpsc::Sender<OutboundError>>>,
}

impl OutboundServer {
    /// Listens on `addr` (`0.0.0.0:8765`; port 0 picks a free port, see
    /// [`local_addr`](Self::local_addr)) and starts accepting. Needs a
    /// Tokio runtime.
    pub async fn bind<A>(
        addr: A,
        settings: OutboundSettings,
    ) -> Result<OutboundServer, OutboundError>
    where
        A: ToSocketAddrs + std::fmt::Debug,
    {
        let shown = format!("{addr:?}");
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| OutboundError::Bind {
                addr: shown.clone(),
                source,
            })?;
        let local_addr = listener
            .local_addr()
            .map_err(|source| OutboundError::Bind {
                addr: shown,
                source,
            })?;
        let shared = Arc::new(Shared {
            settings,
            routes: Mutex::new(Routes::default()),
            rejections: Mutex::new(None),
        });
        let accepting = tokio::spawn(accept_loop(listener, Arc::clone(&shared)));
        tracing::info!(%local_addr, "listening for Asterisk's outbound websockets");
        Ok(OutboundServer {
            shared,
            local_addr,
            accepting,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The session of a `connection_type = persistent` connection serving
    /// `applications` (its `apps` in `ari.conf`: name them all): a
    /// [`StasisApp`] of version module `V` whose event stream is each
    /// connection Asterisk dials for them, in turn. Until Asterisk dials,
    /// [`StasisApp::registered`] waits and REST requests wait for the
    /// connection (within the request timeout).
    pub fn persistent<V>(
        &self,
        applications: impl IntoIterator<Item = impl Into<String>>,
    ) -> Result<StasisApp<V>, OutboundError>
    where
        V: VersionApi + From<Client>,
    {
        self.persistent_with_options(applications, StasisOptions::default())
    }

    /// [`persistent`](Self::persistent) with [`StasisOptions`].
    pub fn persistent_with_options<V>(
        &self,
        applications: impl IntoIterator<Item = impl Into<String>>,
        options: StasisOptions<<V::Event as StreamEvent>::Kind>,
    ) -> Result<StasisApp<V>, OutboundError>
    where
        V: VersionApi + From<Client>,
    {
        let applications: Vec<String> = applications.into_iter().map(Into::into).collect();
        let mut routes = lock(&self.shared.routes);
        if let Some(taken) = applications.iter().find(|app| routes.serves(app)) {
            return Err(OutboundError::AlreadyServed(taken.clone()));
        }
        let (feed, accepted) = AcceptFeed::new(None);
        let client = session_client(&self.shared.settings, applications.clone(), accepted)?;
        let app = StasisApp::with_options(V::from(client), options)?;
        routes.persistent.push((applications, feed));
        Ok(app)
    }

    /// The sessions of `connection_type = per_call_config` connections for
    /// `application` (what `Stasis()` names; each session's application id
    /// is `<application>:<channel name>`), in the order Asterisk dials them.
    pub fn per_call<V>(&self, application: &str) -> Result<PerCallSessions<V>, OutboundError>
    where
        V: VersionApi + From<Client>,
    {
        let mut routes = lock(&self.shared.routes);
        if routes.serves(application) {
            return Err(OutboundError::AlreadyServed(application.to_owned()));
        }
        let (sessions, receiver) = mpsc::unbounded_channel();
        let settings = self.shared.settings.clone();
        let maker: Arc<PerCallMaker> = Arc::new(move |application_id, accepted| {
            let (feed, taken) = AcceptFeed::new(Some(settings.redial_window));
            let client = session_client(&settings, vec![application_id.to_owned()], taken)?;
            let app = StasisApp::new(V::from(client))?;
            // Cannot fail: the stream holds the receiver.
            let _ = feed.send(Ok(accepted));
            if sessions
                .send(PerCallSession::new(app, application_id.to_owned()))
                .is_err()
            {
                tracing::warn!(
                    application_id,
                    "nothing takes this application's per-call sessions; its connection is closed"
                );
            }
            Ok(feed)
        });
        routes.per_call.insert(application.to_owned(), maker);
        Ok(PerCallSessions { receiver })
    }

    /// The media connections Asterisk dials (`externalMedia` with
    /// `connection_type=client`); from this call on they are taken, before
    /// it they are refused. Every call returns the same connections.
    pub fn media(&self) -> MediaConnections {
        lock(&self.shared.routes)
            .media
            .get_or_insert_with(MediaConnections::new)
            .clone()
    }

    /// The connections refused from now on, with why (also logged):
    /// failed TLS or upgrade, wrong credentials, an application nothing
    /// serves. The newest 64 unread are kept. A newer stream replaces an
    /// older one.
    pub fn rejections(&self) -> Rejections {
        let (sender, receiver) = mpsc::channel(REJECTIONS_KEPT);
        *lock(&self.shared.rejections) = Some(sender);
        Rejections { receiver }
    }
}

impl Drop for OutboundServer {
    fn drop(&mut self) {
        self.accepting.abort();
        // The sessions' feeds go: each stream ends after its connection.
        *lock(&self.shared.routes) = Routes::default();
    }
}

impl std::fmt::Debug for OutboundServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboundServer")
            .field("local_addr", &self.local_addr)
            .field("settings", &self.shared.settings)
            .finish_non_exhaustive()
    }
}

/// Refused connections, as a [`Stream`] of [`OutboundError`]s.
#[derive(Debug)]
pub struct Rejections {
    receiver: mpsc::Receiver<OutboundError>,
}

impl Stream for Rejections {
    type Item = OutboundError;

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<OutboundError>> {
        self.get_mut().receiver.poll_recv(cx)
    }
}

/// The client of one session: its applications, the request timeout, and
/// the connections the listener delivers.
fn session_client(
    settings: &OutboundSettings,
    applications: Vec<String>,
    accepted: Arc<AcceptFeed>,
) -> Result<Client, OutboundError> {
    let config = Config::builder()
        .applications(applications)
        .request_timeout(settings.request_timeout)
        .build()
        .map_err(|error| OutboundError::InvalidApplication(error.to_string()))?;
    Ok(Client::outbound(config, accepted))
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let (tcp, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of file descriptors and the like: report, breathe, go on.
                reject(&shared, OutboundError::Accept(error));
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let served = match upgrade::upgrade(tcp, peer, &shared.settings).await {
                Ok(upgraded) => router::route(&shared.routes, upgraded).await,
                Err(error) => Err(error),
            };
            if let Err(error) = served {
                reject(&shared, error);
            }
        });
    }
}

/// Logs a refused connection and hands it to [`Rejections`].
fn reject(shared: &Shared, error: OutboundError) {
    tracing::warn!(%error, "outbound websocket refused");
    if let Some(sender) = lock(&shared.rejections).as_ref() {
        if sender.try_send(error).is_err() {
            tracing::debug!("rejections not read: only logged");
        }
    }
}
