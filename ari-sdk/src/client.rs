//! The version-agnostic HTTP client every version module sends through.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};

use bytes::{Bytes, BytesMut};
use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION};
use serde::de::DeserializeOwned;
use tracing::Instrument as _;

use crate::config::{Config, RestTransport};
use crate::error::{Error, HttpErrorKind};
use crate::error_body;
use crate::request::{Method, OperationMeta, Request};
use crate::stream::accepted::AcceptFeed;
use crate::stream::{EventStream, StreamError, StreamEvent, StreamSettings};
use crate::subscriptions::{self, AppSubscriptions};
use crate::ws_rest::{self, NoAnswer, QueryString, RestRequest, WsRest};
use secrecy::SecretString;

/// The future of a sent request.
pub type ResponseFuture<T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'static>>;

/// A connection to one Asterisk's ARI: the HTTP client, the base URL and the
/// credentials. Cheap to clone; clones share the connection pool.
///
/// The endpoint methods live in the version modules: wrap a client in
/// `ari_sdk::v22::Ari` (or any enabled major) to call them.
///
/// ```no_run
/// # async fn run() -> Result<(), ari_sdk::Error> {
/// let client = ari_sdk::Client::new(ari_sdk::Config::from_env()?)?;
/// println!("Asterisk {}", client.asterisk_version().await?);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    /// The node every request of this clone goes to, in a cluster
    /// ([`Client::on_node`]).
    node: Option<Arc<str>>,
}

struct Inner {
    /// `None` on an outbound websocket session, which has no HTTP access.
    http: Option<reqwest::Client>,
    config: Config,
    authorization: HeaderValue,
    /// What the applications subscribed to, restored after reconnections.
    subscriptions: AppSubscriptions,
    /// The server's release, once the version check has read it.
    server_release: OnceLock<ServerRelease>,
    /// REST over the event websocket: the connection and the requests in
    /// flight (unused with the HTTP transport).
    ws_rest: Arc<WsRest>,
    /// On an outbound websocket session, the connections Asterisk dials,
    /// which the client's event stream serves instead of dialling.
    accepted: Option<Arc<AcceptFeed>>,
    /// A cluster client's transport (`ari_sdk::cluster`).
    #[cfg(feature = "cluster")]
    cluster: Option<Arc<crate::cluster::ClusterLink>>,
}

/// `(major, minor, patch)`.
pub(crate) type Release = (u32, u32, u32);

/// The server's version as it said it, and as a [`Release`] when it has
/// that form.
type ServerRelease = (String, Option<Release>);

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

static ASTERISK_INFO: OperationMeta = OperationMeta {
    name: "asterisk.getInfo",
    method: Method::Get,
    path: "/asterisk/info",
    errors: &[],
    since: &[],
    params_since: &[],
};

impl Client {
    /// A client for `config`.
    pub fn new(config: Config) -> Result<Client, Error> {
        let http = reqwest::Client::builder()
            .timeout(config.request_timeout())
            .user_agent(concat!("ari-sdk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        Self::with_http_client(config, http)
    }

    /// A client that sends through an HTTP client of the caller's (proxies,
    /// custom TLS roots). The config's request timeout is then the caller's
    /// business.
    pub fn with_http_client(config: Config, http: reqwest::Client) -> Result<Client, Error> {
        let mut authorization =
            HeaderValue::from_str(&config.authorization_header()).map_err(|_| {
                Error::Config("the username or password is not a valid header value".into())
            })?;
        authorization.set_sensitive(true);
        Ok(Client {
            inner: Arc::new(Inner {
                http: Some(http),
                config,
                authorization,
                subscriptions: AppSubscriptions::default(),
                server_release: OnceLock::new(),
                ws_rest: Arc::default(),
                accepted: None,
                #[cfg(feature = "cluster")]
                cluster: None,
            }),
            node: None,
        })
    }

    /// The client of an outbound websocket session: its event stream takes
    /// the connections from `accepted`, every request goes over them, and
    /// nothing over HTTP. `config` names the applications and the request
    /// timeout; its transport is the websocket whatever it says.
    pub(crate) fn outbound(config: Config, accepted: Arc<AcceptFeed>) -> Client {
        Client {
            inner: Arc::new(Inner {
                http: None,
                config,
                // Never sent: there is no HTTP request.
                authorization: HeaderValue::from_static(""),
                subscriptions: AppSubscriptions::default(),
                server_release: OnceLock::new(),
                ws_rest: Arc::default(),
                accepted: Some(accepted),
                #[cfg(feature = "cluster")]
                cluster: None,
            }),
            node: None,
        }
    }

    /// The client of a cluster (`ari_sdk::cluster::connect`): every request
    /// and the event stream go through the proxies.
    #[cfg(feature = "cluster")]
    pub(crate) fn cluster(config: Config, link: Arc<crate::cluster::ClusterLink>) -> Client {
        Client {
            inner: Arc::new(Inner {
                http: None,
                config,
                authorization: HeaderValue::from_static(""),
                subscriptions: AppSubscriptions::default(),
                server_release: OnceLock::new(),
                ws_rest: Arc::default(),
                accepted: None,
                cluster: Some(link),
            }),
            node: None,
        }
    }

    /// True for a cluster client (`ari_sdk::cluster`).
    pub fn is_cluster(&self) -> bool {
        #[cfg(feature = "cluster")]
        if self.inner.cluster.is_some() {
            return true;
        }
        false
    }

    /// A clone whose requests all go to the cluster node `node` (a new
    /// call placed on a node of the caller's choosing, a node's own
    /// state); requests about a resource of another node then fail there.
    /// Outside a cluster, the same client.
    ///
    /// ```no_run
    /// # #[cfg(all(feature = "asterisk-22", feature = "cluster"))]
    /// # async fn run(client: ari_sdk::Client) -> Result<(), ari_sdk::Error> {
    /// let on_pbx2 = ari_sdk::v22::Ari::new(client.on_node("pbx-2"));
    /// let info = on_pbx2.asterisk().get_info().send().await?;
    /// # let _ = info;
    /// # Ok(())
    /// # }
    /// ```
    pub fn on_node(&self, node: impl Into<String>) -> Client {
        let mut client = self.clone();
        if self.is_cluster() {
            client.node = Some(Arc::from(node.into()));
        }
        client
    }

    /// The node [`on_node`](Self::on_node) pinned this clone to.
    pub fn pinned_node(&self) -> Option<&str> {
        self.node.as_deref()
    }

    /// The nodes of the cluster up now, by name (empty outside a cluster).
    pub fn nodes(&self) -> Vec<String> {
        #[cfg(feature = "cluster")]
        if let Some(link) = &self.inner.cluster {
            return link.nodes.live().iter().map(ToString::to_string).collect();
        }
        Vec::new()
    }

    /// The cluster node a channel, bridge, playback or live recording is
    /// known to live on (`None` outside a cluster, or when not known).
    pub fn node_of(&self, kind: crate::resource::ResourceKind, id: &str) -> Option<String> {
        #[cfg(feature = "cluster")]
        if let Some(link) = &self.inner.cluster {
            return link.node_of(kind, id);
        }
        let _ = (kind, id);
        None
    }

    /// Whether this instance serves the call of a channel a listing found
    /// (a reconciliation's recovered call): always, but in a cluster whose
    /// instances share the calls, where another may have claimed it.
    pub(crate) async fn serves_listed_call(&self, channel_id: &str) -> bool {
        #[cfg(feature = "cluster")]
        if let Some(link) = &self.inner.cluster {
            return link.claim_listed(channel_id).await;
        }
        let _ = channel_id;
        true
    }

    /// True for the client of an outbound websocket session
    /// ([`crate::outbound`]): Asterisk dialled the application, every
    /// request goes over that websocket, none over HTTP.
    pub fn is_outbound(&self) -> bool {
        self.inner.accepted.is_some()
    }

    /// A client configured from the environment ([`Config::from_env`]).
    pub fn from_env() -> Result<Client, Error> {
        Client::new(Config::from_env()?)
    }

    /// A client for `config` that, unless the config turns
    /// [`version_check`](crate::config::ConfigBuilder::version_check) off,
    /// first checks that the server runs Asterisk `major`.
    pub async fn connect(config: Config, major: u32) -> Result<Client, Error> {
        let client = Client::new(config)?;
        if client.config().version_check() {
            client.check_major(major).await?;
        }
        Ok(client)
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The settings of the event websocket for this client's config: its
    /// [`events_url`](Config::events_url) and credentials.
    ///
    /// With [`RestTransport::EventWebsocket`], a stream connected with
    /// these settings carries the client's REST requests and takes the
    /// `RESTResponse` events that answer them.
    pub fn stream_settings(&self) -> StreamSettings {
        let mut settings = StreamSettings::new(
            self.inner.config.events_url(),
            SecretString::from(self.inner.config.authorization_header()),
        );
        if self.transport() == RestTransport::EventWebsocket {
            settings.rest = Some(Arc::clone(&self.inner.ws_rest));
        }
        settings.accepted = self.inner.accepted.clone();
        #[cfg(feature = "cluster")]
        if let Some(link) = &self.inner.cluster {
            settings.feed = Some(Arc::new(Arc::clone(link)));
            settings.buffer = link.settings.buffer;
        }
        settings
    }

    /// The server's Asterisk version (`system.version` of `GET /asterisk/info`).
    pub async fn asterisk_version(&self) -> Result<String, Error> {
        #[derive(serde::Deserialize)]
        struct Info {
            system: Option<System>,
        }
        #[derive(serde::Deserialize)]
        struct System {
            version: String,
        }
        let mut request = Request::new(&ASTERISK_INFO, &[]);
        request.query("only", "system".into());
        // Over HTTP whatever the transport (it runs before any websocket),
        // but for an outbound session, which has only its websocket.
        let body = if self.is_outbound() {
            // Boxed: a websocket request may read the release through here.
            Box::pin(self.execute(request)).await?
        } else {
            self.execute_http(request).await?
        };
        let info: Info = serde_json::from_slice(&body).map_err(|source| Error::Decode {
            operation: ASTERISK_INFO.name,
            body: error_body::kept(&body),
            source,
        })?;
        info.system.map(|s| s.version).ok_or_else(|| Error::Decode {
            operation: ASTERISK_INFO.name,
            body: "{}".into(),
            source: serde::de::Error::missing_field("system"),
        })
    }

    /// The server's Asterisk major (`20` for `20.20.1`), to pick the
    /// version module that fits it (see [`crate::enabled_majors`]).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), ari_sdk::Error> {
    /// let client = ari_sdk::Client::from_env()?;
    /// match client.asterisk_major().await? {
    ///     # #[cfg(feature = "asterisk-22")]
    ///     22 => { let _ari = ari_sdk::v22::Ari::new(client); }
    ///     other => eprintln!("no module for Asterisk {other} in this build"),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// Fails with [`Error::VersionMismatch`] (`expected` 0) when the
    /// version does not start with a number (a development build's `GIT-...`).
    pub async fn asterisk_major(&self) -> Result<u32, Error> {
        let version = self.asterisk_version().await?;
        major_of(&version).ok_or(Error::VersionMismatch {
            expected: 0,
            found: version,
        })
    }

    /// Checks that the server runs Asterisk `major`; returns its version.
    pub async fn check_major(&self, major: u32) -> Result<String, Error> {
        let version = self.asterisk_version().await?;
        let found = major_of(&version);
        if found == Some(major) {
            let _ = self
                .inner
                .server_release
                .set((version.clone(), release_of(&version)));
            Ok(version)
        } else {
            Err(Error::VersionMismatch {
                expected: major,
                found: version,
            })
        }
    }

    /// Sends a request whose response is JSON of type `T`.
    pub fn send_json<T>(&self, request: Request) -> ResponseFuture<T>
    where
        T: DeserializeOwned + Send + 'static,
    {
        let client = self.clone();
        Box::pin(async move {
            let op = request.operation();
            let body = client.execute(request).await?;
            serde_json::from_slice(&body).map_err(|source| Error::Decode {
                operation: op.name,
                body: error_body::kept(&body),
                source,
            })
        })
    }

    /// Sends a request whose response has no body (`void`); a body is ignored.
    pub fn send_unit(&self, request: Request) -> ResponseFuture<()> {
        let client = self.clone();
        let ok_if_gone = request.is_ok_if_gone();
        Box::pin(async move {
            match client.execute(request).await {
                Ok(_) => Ok(()),
                Err(error) if ok_if_gone && error.is_not_found() => {
                    tracing::debug!(error = %error, "already gone: done");
                    Ok(())
                }
                Err(error) => Err(error),
            }
        })
    }

    /// Sends a request whose response is raw bytes (a recording's file),
    /// over HTTP whatever the [`RestTransport`]: Asterisk cannot put a
    /// binary answer in a `RESTResponse` (it answers 406).
    pub fn send_bytes(&self, request: Request) -> ResponseFuture<Bytes> {
        let client = self.clone();
        Box::pin(async move {
            if client.is_cluster() {
                // The proxy carries a binary body in base64.
                return client.execute(request).await;
            }
            client.execute_http(request).await
        })
    }

    /// The event stream of this client's config, of version module events
    /// `E`: it restores the applications' subscriptions
    /// (`applications.subscribe` through this client) after every
    /// reconnection. Each module's `Ari::event_stream` calls it.
    ///
    /// ```no_run
    /// # #[cfg(feature = "asterisk-22")]
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let client = ari_sdk::Client::new(ari_sdk::Config::from_env()?)?;
    /// let stream = client.connect_event_stream::<ari_sdk::v22::Event>()?;
    /// let mut events = stream.subscribe();
    /// # let _ = &mut events;
    /// # Ok(())
    /// # }
    /// ```
    pub fn connect_event_stream<E: StreamEvent>(&self) -> Result<EventStream<E>, StreamError> {
        let stream = EventStream::connect(self.stream_settings())?;
        self.restore_subscriptions_on(&stream);
        Ok(stream)
    }

    /// Makes `stream` re-send the applications' subscriptions when it is back.
    pub(crate) fn restore_subscriptions_on<E: StreamEvent>(&self, stream: &EventStream<E>) {
        subscriptions::restore_on(self, stream);
    }

    pub(crate) fn app_subscriptions(&self) -> &AppSubscriptions {
        &self.inner.subscriptions
    }

    /// Sends over the config's transport, maps error statuses, returns the
    /// body of a success.
    async fn execute(&self, request: Request) -> Result<Bytes, Error> {
        self.execute_on(request, self.transport()).await
    }

    /// How requests go: the config's transport, the websocket for an
    /// outbound session.
    fn transport(&self) -> RestTransport {
        if self.is_outbound() {
            RestTransport::EventWebsocket
        } else {
            self.inner.config.rest_transport()
        }
    }

    /// Sends over `transport`, maps error statuses, returns the body of a
    /// success.
    async fn execute_on(&self, request: Request, transport: RestTransport) -> Result<Bytes, Error> {
        #[cfg(feature = "cluster")]
        if let Some(link) = &self.inner.cluster {
            request.check()?;
            self.check_release(&request)?;
            let op = request.operation();
            let span = tracing::debug_span!(
                "ari_request",
                operation = op.name,
                method = op.method.as_str(),
                path = op.path,
                transport = "cluster",
                node = self.node.as_deref(),
                status = tracing::field::Empty,
                latency_ms = tracing::field::Empty,
            );
            let started = std::time::Instant::now();
            let result = link
                .send(&request, self.node.as_deref())
                .instrument(span.clone())
                .await;
            return self.conclude(&request, &span, started, result);
        }
        match transport {
            RestTransport::Http => self.execute_http(request).await,
            RestTransport::EventWebsocket => {
                request.check()?;
                self.check_release(&request)?;
                let span = request_span(request.operation(), transport);
                let started = std::time::Instant::now();
                let result = self
                    .send_on_websocket(&request)
                    .instrument(span.clone())
                    .await;
                self.conclude(&request, &span, started, result)
            }
        }
    }

    /// [`execute_on`](Self::execute_on) over HTTP.
    async fn execute_http(&self, request: Request) -> Result<Bytes, Error> {
        request.check()?;
        self.check_release(&request)?;
        let span = request_span(request.operation(), RestTransport::Http);
        let started = std::time::Instant::now();
        let result = self.send_http(&request).instrument(span.clone()).await;
        self.conclude(&request, &span, started, result)
    }

    /// What a request sent by either transport comes to, from the status
    /// and body of its answer on: the body of a success, the error of an
    /// error status.
    fn conclude(
        &self,
        request: &Request,
        span: &tracing::Span,
        started: std::time::Instant,
        result: Result<(u16, Bytes), Error>,
    ) -> Result<Bytes, Error> {
        let op = request.operation();
        span.record("latency_ms", started.elapsed().as_secs_f64() * 1000.0);
        if let Some(status) = result
            .as_ref()
            .map_or_else(Error::status, |(status, _)| Some(*status))
        {
            span.record("status", status);
        }
        let _entered = span.enter();
        let (status, body) = result?;
        if (200..300).contains(&status) {
            tracing::debug!(status, "ARI response");
            if let Some(change) = subscriptions::Change::of(request) {
                self.inner.subscriptions.apply(change);
            }
            return Ok(body);
        }
        let documented = op.documented_error(status);
        let message = error_body::message(&body);
        let kind = classify(documented.map(|d| d.kind), status, message.as_deref());
        tracing::debug!(status, "ARI error response");
        Err(Error::Http {
            status,
            operation: op.name,
            reason: documented.map(|d| d.reason),
            kind,
            message,
            body: error_body::kept(&body),
        })
    }

    /// Sends `request` over HTTP: the status and body of any response.
    async fn send_http(&self, request: &Request) -> Result<(u16, Bytes), Error> {
        let op = request.operation();
        let built = self.build_http(
            op.name,
            op.method,
            request.path(),
            request.query_pairs(),
            request.json_body(),
        )?;
        if built.url().as_str().len() > MAX_URL_LEN {
            // hyper refuses it with an error quoting the whole URL.
            return Err(Error::InvalidArgument {
                operation: op.name,
                parameter: request.longest_parameter(),
                problem: "makes the request's URL longer than 65,534 bytes",
            });
        }
        self.send_built(op.name, built, false).await
    }

    /// The HTTP request for `method` on `path` (encoded, below the base
    /// URL) with the credentials, `query` and a JSON `body`.
    pub(crate) fn build_http<K, V>(
        &self,
        operation: &'static str,
        method: Method,
        path: &str,
        query: &[(K, V)],
        body: Option<&serde_json::Value>,
    ) -> Result<reqwest::Request, Error>
    where
        K: serde::Serialize,
        V: serde::Serialize,
    {
        let Some(http) = &self.inner.http else {
            return Err(Error::HttpUnavailable { operation });
        };
        let url = format!("{}{}", self.inner.config.url(), path);
        let mut builder = http
            .request(http_method(method), &url)
            .header(AUTHORIZATION, self.inner.authorization.clone())
            .header(ACCEPT, "application/json");
        if !query.is_empty() {
            builder = builder.query(query);
        }
        if let Some(body) = body {
            builder = builder.json(body);
        }
        builder
            .build()
            .map_err(|source| Error::Transport { operation, source })
    }

    /// Sends `request` as a `RESTRequest` on the event websocket: the
    /// status and body of the `RESTResponse` that answers it.
    async fn send_on_websocket(&self, request: &Request) -> Result<(u16, Bytes), Error> {
        let op = request.operation();
        self.check_websocket_release(op).await?;
        let timeout = self.inner.config.request_timeout();
        let deadline = tokio::time::Instant::now() + timeout;
        let hub = &self.inner.ws_rest;
        let id = hub.next_request_id();
        let message = websocket_request(request, &id).map_err(|source| Error::Decode {
            operation: op.name,
            body: String::new(),
            source,
        })?;
        let Ok(pending) = tokio::time::timeout_at(deadline, hub.send(&id, message)).await else {
            return Err(Error::RestWebsocketUnavailable {
                operation: op.name,
                waited: timeout,
            });
        };
        // Forgets the request however this ends (answered, timed out,
        // dropped); a no-op once answered.
        struct Forget<'a>(&'a WsRest, &'a str);
        impl Drop for Forget<'_> {
            fn drop(&mut self) {
                self.0.forget(self.1);
            }
        }
        let _forget = Forget(hub, &id);
        let answer = match tokio::time::timeout_at(deadline, pending.answer()).await {
            Err(_) => return Err(Error::Timeout { operation: op.name }),
            Ok(Err(NoAnswer::Closed)) => {
                return Err(Error::RestWebsocketClosed { operation: op.name })
            }
            Ok(Ok(answer)) => answer,
        };
        let Ok(status) = u16::try_from(answer.status_code) else {
            return Err(Error::Decode {
                operation: op.name,
                body: answer.status_code.to_string(),
                source: serde::de::Error::custom("RESTResponse status_code out of range"),
            });
        };
        let body = Bytes::from(answer.message_body.unwrap_or_default());
        let limit = self.inner.config.max_response_size();
        if (200..300).contains(&status) && body.len() > limit {
            return Err(Error::ResponseTooLarge {
                operation: op.name,
                status,
                limit,
            });
        }
        Ok((status, body))
    }

    /// Refuses the websocket transport on a server release without it,
    /// reading the release over HTTP first if no version check did.
    async fn check_websocket_release(&self, op: &'static OperationMeta) -> Result<(), Error> {
        // Asterisk dials applications from 20.15.0, 21.10.0 and 22.5.0:
        // every release that does takes REST over the websocket.
        if !self.inner.config.release_check() || self.is_outbound() {
            return Ok(());
        }
        self.learn_release().await;
        if let Some((server, Some(running))) = self.inner.server_release.get() {
            if let Some(needs) = ws_rest::needs(*running) {
                return Err(Error::RestTransportNotInRelease {
                    operation: op.name,
                    needs,
                    server: server.clone(),
                });
            }
        }
        Ok(())
    }

    /// Reads the server's release over HTTP unless a version check or an
    /// earlier read already did; a failed read leaves it unknown (and so
    /// nothing is refused for it, as an odd version is not).
    pub(crate) async fn learn_release(&self) {
        if self.inner.server_release.get().is_some() {
            return;
        }
        match self.asterisk_version().await {
            Ok(version) => {
                let _ = self
                    .inner
                    .server_release
                    .set((version.clone(), release_of(&version)));
            }
            Err(error) => {
                tracing::debug!(%error, "cannot read the server's release");
            }
        }
    }

    /// The server's version as far as known, for the per-release guards
    /// outside REST (the media commands); `None` when the config turns
    /// [`release_check`](crate::config::ConfigBuilder::release_check) off
    /// or no version was read yet ([`learn_release`](Self::learn_release)).
    pub(crate) fn release_for_checks(&self) -> Option<String> {
        if !self.inner.config.release_check() {
            return None;
        }
        self.inner
            .server_release
            .get()
            .map(|(version, _)| version.clone())
    }

    /// Sends a built request; the status and body of any response, the body
    /// read up to the config's limit (an error status's body up to what an
    /// error keeps, the rest not read, unless `verbatim`: then every body
    /// is read whole, as a success's).
    pub(crate) async fn send_built(
        &self,
        operation: &'static str,
        request: reqwest::Request,
        verbatim: bool,
    ) -> Result<(u16, Bytes), Error> {
        let transport = |source: reqwest::Error| {
            if source.is_timeout() {
                Error::Timeout { operation }
            } else {
                Error::Transport { operation, source }
            }
        };
        let Some(http) = &self.inner.http else {
            return Err(Error::HttpUnavailable { operation });
        };
        let mut response = http.execute(request).await.map_err(transport)?;
        let status = response.status().as_u16();
        let limit = self.inner.config.max_response_size();
        let too_large = Error::ResponseTooLarge {
            operation,
            status,
            limit,
        };
        let success = verbatim || (200..300).contains(&status);
        if success
            && response
                .content_length()
                .is_some_and(|length| length > limit as u64)
        {
            return Err(too_large);
        }
        let keep = if success {
            limit
        } else {
            error_body::KEPT_BODY
        };
        let mut body = BytesMut::new();
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            if body.len() + chunk.len() > keep {
                if success {
                    return Err(too_large);
                }
                body.extend_from_slice(&chunk[..keep - body.len()]);
                break;
            }
            body.extend_from_slice(&chunk);
        }
        Ok((status, body.freeze()))
    }
}

/// What an error status means: the documented meaning of the status for
/// the operation, unless Asterisk's own message says otherwise. Asterisk
/// answers 409 for more than the one reason the api-docs give
/// (`bridges.stopMoh` on a bridge without music: "Bridge isn't playing
/// music", documented only as "not in Stasis"), so "not in Stasis" is only
/// believed when Asterisk's message says so, or when it said nothing.
fn classify(
    documented: Option<HttpErrorKind>,
    status: u16,
    message: Option<&str>,
) -> HttpErrorKind {
    match documented {
        Some(HttpErrorKind::NotInStasis) => match message {
            Some(message) if !message.to_ascii_lowercase().contains("stasis") => {
                HttpErrorKind::from_status(status)
            }
            _ => HttpErrorKind::NotInStasis,
        },
        Some(kind) => kind,
        None => HttpErrorKind::from_status(status),
    }
}

/// The span of one request.
fn request_span(op: &OperationMeta, transport: RestTransport) -> tracing::Span {
    tracing::debug_span!(
        "ari_request",
        operation = op.name,
        method = op.method.as_str(),
        path = op.path,
        transport = ?transport,
        status = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
    )
}

/// reqwest's method for ARI's.
fn http_method(method: Method) -> reqwest::Method {
    match method {
        Method::Get => reqwest::Method::GET,
        Method::Post => reqwest::Method::POST,
        Method::Put => reqwest::Method::PUT,
        Method::Delete => reqwest::Method::DELETE,
    }
}

/// The `RESTRequest` message of `request`, with `id` as its `request_id`
/// and `transaction_id`: the path without its leading slash (Asterisk
/// resolves it from the first segment), the query as `query_strings`, a
/// JSON body as `message_body`.
fn websocket_request(request: &Request, id: &str) -> Result<String, serde_json::Error> {
    let message_body = request.json_body().map(serde_json::to_string).transpose()?;
    serde_json::to_string(&RestRequest {
        kind: "RESTRequest",
        transaction_id: id,
        request_id: id,
        method: request.operation().method.as_str(),
        uri: request.path().trim_start_matches('/'),
        query_strings: request
            .query_pairs()
            .iter()
            .map(|(name, value)| QueryString { name, value })
            .collect(),
        content_type: message_body.as_ref().map(|_| "application/json"),
        message_body,
    })
}

/// The longest URL the HTTP stack sends (`http::Uri`'s limit).
pub(crate) const MAX_URL_LEN: usize = u16::MAX as usize - 1;

/// The major of a version string (`20` of `20.20.1`, `13` of `13.38.3-cert1`).
impl Client {
    /// Refuses an operation newer than the server's release, when both are
    /// known and the config asks for it.
    fn check_release(&self, request: &Request) -> Result<(), Error> {
        let Some((server, Some(running))) = self.inner.server_release.get() else {
            return Ok(());
        };
        let op = request.operation();
        if !self.inner.config.release_check() {
            return Ok(());
        }
        let refuse = |parameter, needs| Error::NotInRelease {
            operation: op.name,
            parameter,
            needs,
            server: server.clone(),
        };
        if let Some(needs) = newer_than(op.since, running) {
            return Err(refuse(None, needs));
        }
        for (parameter, since) in op.params_since {
            if !request.sets(parameter) {
                continue;
            }
            if let Some(needs) = newer_than(since, running) {
                return Err(refuse(Some(*parameter), needs));
            }
        }
        Ok(())
    }
}

/// The release of `running`'s line in `since` (releases of several lines),
/// if `running` is older than it.
fn newer_than(since: &'static [&'static str], running: &Release) -> Option<&'static str> {
    since
        .iter()
        .filter_map(|since| Some((*since, release_of(since)?)))
        .find(|(_, release)| release.0 == running.0)
        .filter(|(_, release)| running < release)
        .map(|(since, _)| since)
}

/// `(major, minor, patch)` of a plain release (`22.3.0`); `None` for
/// anything else (`certified-20.7-cert3`, `GIT-master-abc`, `22.3.0-rc1`).
pub(crate) fn release_of(version: &str) -> Option<Release> {
    let mut parts = version.trim().split('.');
    let mut next = || parts.next()?.parse::<u32>().ok();
    let release = (next()?, next()?, next()?);
    parts.next().is_none().then_some(release)
}

fn major_of(version: &str) -> Option<u32> {
    version
        .split(['.', '-'])
        .next()
        .and_then(|m| m.trim().parse::<u32>().ok())
}

#[cfg(test)]
mod tests {
    #[test]
    fn majors_of_versions() {
        assert_eq!(super::major_of("20.20.1"), Some(20));
        assert_eq!(super::major_of("13.38.3-cert1"), Some(13));
        assert_eq!(super::major_of("GIT-master-abc"), None);
    }

    #[test]
    fn websocket_request_shape() {
        use crate::request::{Method, OperationMeta, Request};
        static ORIGINATE: OperationMeta = OperationMeta {
            name: "channels.originateWithId",
            method: Method::Post,
            path: "/channels/{channelId}",
            errors: &[],
            since: &[],
            params_since: &[],
        };
        let mut request = Request::new(&ORIGINATE, &[("channelId", "a b/c")]);
        request.query("endpoint", "PJSIP/alice".into());
        request.query("app", "demo".into());
        request.body_field("variables", serde_json::json!({"X": "1 & 2"}));
        let text = super::websocket_request(&request, "ari-sdk-7").expect("json");
        let message: serde_json::Value = serde_json::from_str(&text).expect("valid");
        assert_eq!(
            message,
            serde_json::json!({
                "type": "RESTRequest",
                "transaction_id": "ari-sdk-7",
                "request_id": "ari-sdk-7",
                "method": "POST",
                "uri": "channels/a%20b%2Fc",
                "query_strings": [
                    {"name": "endpoint", "value": "PJSIP/alice"},
                    {"name": "app", "value": "demo"},
                ],
                "content_type": "application/json",
                "message_body": r#"{"variables":{"X":"1 & 2"}}"#,
            })
        );
        // Without query or body, neither is sent.
        let bare = Request::new(&ORIGINATE, &[("channelId", "c")]);
        let text = super::websocket_request(&bare, "1").expect("json");
        assert_eq!(
            text,
            r#"{"type":"RESTRequest","transaction_id":"1","request_id":"1","method":"POST","uri":"channels/c"}"#
        );
    }

    #[test]
    fn releases_of_versions() {
        assert_eq!(super::release_of("22.10.1"), Some((22, 10, 1)));
        assert!(super::release_of("22.3.0") < super::release_of("22.10.0"));
        // Odd versions are never compared, so never refused.
        for odd in [
            "22.3.0-rc1",
            "certified-20.7-cert3",
            "GIT-master-abc",
            "22.3",
            "22.3.0.1",
        ] {
            assert_eq!(super::release_of(odd), None, "{odd}");
        }
    }
}
