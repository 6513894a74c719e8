//! Building a fake Asterisk: credentials, port, time scale, dialplan.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use super::clock::Clock;
use super::dialplan::{Dialplan, Step};
use super::emulation::{self, Emulation};
use super::error::FakeError;
use super::http::server::{self, ServerControl};
use super::outbound::config::OutboundConfig;
use super::outbound::{OutboundWebsocket, WebsocketClient};
use super::world::{Inner, Settings, World};
use super::FakeAsterisk;

/// Options of a fake Asterisk; see [`FakeAsterisk::builder`].
#[derive(Debug, Clone)]
pub struct FakeAsteriskBuilder {
    username: String,
    password: String,
    port: u16,
    time_scale: f64,
    asterisk_id: String,
    system_name: Option<String>,
    version: Option<String>,
    major: Option<u32>,
    spec_dir: Option<PathBuf>,
    allowed_origins: String,
    dialplan: Dialplan,
    outbound: OutboundConfig,
}

impl Default for FakeAsteriskBuilder {
    fn default() -> Self {
        FakeAsteriskBuilder {
            username: "asterisk".into(),
            password: "asterisk".into(),
            port: 0,
            time_scale: 0.1,
            asterisk_id: "02:00:00:fa:4e:01".into(),
            system_name: None,
            version: None,
            major: None,
            spec_dir: None,
            allowed_origins: String::new(),
            dialplan: Dialplan::new(),
            outbound: OutboundConfig::default(),
        }
    }
}

impl FakeAsteriskBuilder {
    /// The ARI user (default `asterisk`).
    pub fn username(mut self, username: impl Into<String>) -> Self {
        self.username = username.into();
        self
    }
    /// The ARI password (default `asterisk`).
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.password = password.into();
        self
    }
    /// The port on 127.0.0.1 (default 0: any free port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }
    /// How fast simulated time runs: 1.0 is real time, the default 0.1
    /// plays a 1.4 s prompt in 140 ms.
    pub fn time_scale(mut self, scale: f64) -> Self {
        self.time_scale = scale;
        self
    }
    /// Asterisk's `systemname` (`asterisk.conf`): channel unique ids become
    /// `<name>-<epoch>.<sequence>`, as a real Asterisk makes them, so that
    /// the channels of several Asterisks started in the same second never
    /// share an id (a cluster needs that).
    pub fn system_name(mut self, name: impl Into<String>) -> Self {
        self.system_name = Some(name.into());
        self
    }
    /// The `asterisk_id` (entity id) in events and `/asterisk/info`.
    pub fn asterisk_id(mut self, id: impl Into<String>) -> Self {
        self.asterisk_id = id.into();
        self
    }
    /// The version `/asterisk/info` and the `Server` header report
    /// (default: the emulated [`major`](Self::major)'s release, else
    /// 20.20.1). Only the reported string: routes and parameters are the
    /// major's.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), fake_asterisk::FakeError> {
    /// let fake = fake_asterisk::FakeAsterisk::builder()
    ///     .version("20.0.0-custom")
    ///     .build()
    ///     .start()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = Some(version.into());
        self
    }
    /// Emulates Asterisk `major` (13 to 23) from its api-docs, read at
    /// start from the spec folder (see [`spec_dir`](Self::spec_dir)): only
    /// the routes that major publishes (another path is `404 Resource not
    /// found`, as there), its parameters as its generated handlers read
    /// them (an undeclared one is ignored, only `allowMultiple` ones are
    /// split on commas), its api-docs under `/ari/api-docs/`, and its
    /// release in `/asterisk/info`. The behaviour behind each route is the
    /// fake's one implementation (Asterisk 20's); an operation of the
    /// major the fake lacks answers `501`, naming it.
    ///
    /// Without it the fake answers with Asterisk 20's routes and serves
    /// the api-docs of `<spec folder>/20` if they are there. With it,
    /// [`start`](FakeAsteriskConfig::start) fails with
    /// [`FakeError::SpecUnavailable`] when the major's api-docs cannot be
    /// read, and with [`FakeError::UnsupportedMajor`] outside 13 to 23.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), fake_asterisk::FakeError> {
    /// // Needs the spec folder: $ARI_SPEC_DIR, or ../shared/ari-spec.
    /// let fake = fake_asterisk::FakeAsterisk::builder()
    ///     .major(22)
    ///     .build()
    ///     .start()
    ///     .await?;
    /// // GET {url}/api-docs/resources.json now serves Asterisk 22's listing.
    /// println!("Asterisk 22 at {}", fake.url());
    /// # Ok(()) }
    /// ```
    pub fn major(mut self, major: u32) -> Self {
        self.major = Some(major);
        self
    }
    /// The spec folder holding `<major>/resources.json` and
    /// `<major>/api-docs/` for 13 to 23 (default `$ARI_SPEC_DIR`, else
    /// `../shared/ari-spec` beside the workspace this crate was built in).
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), fake_asterisk::FakeError> {
    /// let fake = fake_asterisk::FakeAsterisk::builder()
    ///     .spec_dir("/opt/ari-spec")
    ///     .major(16)
    ///     .build()
    ///     .start()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn spec_dir(mut self, folder: impl Into<PathBuf>) -> Self {
        self.spec_dir = Some(folder.into());
        self
    }
    /// `allowed_origins` of `ari.conf`: the origins, comma-separated (`*`
    /// for any), whose requests carrying an `Origin` header are answered
    /// with `Access-Control-Allow-Origin` and, for an `OPTIONS` preflight,
    /// `Access-Control-Allow-Methods`. Default empty, as in Asterisk: no
    /// CORS headers.
    pub fn allowed_origins(mut self, origins: impl Into<String>) -> Self {
        self.allowed_origins = origins.into();
        self
    }
    /// Whether the spec folder this builder reads (see
    /// [`spec_dir`](Self::spec_dir)) has the api-docs of `major`, so that
    /// [`major`](Self::major) can start: for programs that emulate a major
    /// where they can and fall back to Asterisk 20 elsewhere.
    ///
    /// ```no_run
    /// let builder = fake_asterisk::FakeAsterisk::builder();
    /// let builder = if builder.api_docs_available(22) {
    ///     builder.major(22)
    /// } else {
    ///     builder.version("22.10.1")
    /// };
    /// ```
    pub fn api_docs_available(&self, major: u32) -> bool {
        emulation::locate_spec_dir(self.spec_dir.clone())
            .major_dir(major)
            .join("resources.json")
            .is_file()
    }
    /// Replaces the dialplan.
    pub fn dialplan(mut self, dialplan: Dialplan) -> Self {
        self.dialplan = dialplan;
        self
    }
    /// Adds one extension to the dialplan.
    pub fn extension(mut self, context: &str, exten: &str, steps: Vec<Step>) -> Self {
        self.dialplan.add_extension(context, exten, steps);
        self
    }
    /// Routes an extension of the `default` context into a Stasis app:
    /// `Answer()`, then `Stasis(app,args)`.
    pub fn stasis_extension(self, exten: &str, app: &str, args: &[&str]) -> Self {
        self.extension(
            "default",
            exten,
            vec![Step::answer(), Step::stasis(app, args)],
        )
    }
    /// Adds a `websocket_client.conf` connection: the application the fake
    /// dials for an [`outbound_websocket`](Self::outbound_websocket), or
    /// for media channels (`externalMedia` with `connection_type=client`
    /// and this id as `external_host`).
    pub fn websocket_client(mut self, client: WebsocketClient) -> Self {
        self.outbound.clients.push(client);
        self
    }
    /// Adds an `ari.conf` `outbound_websocket`: its applications are served
    /// over the connection it names. A persistent one is dialled at start.
    pub fn outbound_websocket(mut self, websocket: OutboundWebsocket) -> Self {
        self.outbound.websockets.push(websocket);
        self
    }
    /// How long a per-call connection stays after its call's `StasisEnd`
    /// (real time; Asterisk's 3 s by default).
    pub fn per_call_close_delay(mut self, delay: std::time::Duration) -> Self {
        self.outbound.per_call_close_delay = delay;
        self
    }
    /// Finishes the configuration.
    pub fn build(self) -> FakeAsteriskConfig {
        FakeAsteriskConfig { options: self }
    }
}

/// A configured fake, ready to [`start`](FakeAsteriskConfig::start).
#[derive(Debug, Clone)]
pub struct FakeAsteriskConfig {
    options: FakeAsteriskBuilder,
}

impl FakeAsteriskConfig {
    /// Binds 127.0.0.1 and starts serving ARI.
    pub async fn start(self) -> Result<FakeAsterisk, FakeError> {
        let o = self.options;
        let spec_dir = emulation::locate_spec_dir(o.spec_dir);
        let (emulation, release) = match o.major {
            Some(major) => Emulation::major(&spec_dir, major)?,
            None => (Emulation::base(&spec_dir), None),
        };
        let version = o
            .version
            .or(release)
            .or_else(|| o.major.map(|major| format!("{major}.0.0")))
            .unwrap_or_else(|| emulation::BASE_RELEASE.to_string());
        let addr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), o.port);
        let listener = server::bind(addr).await.map_err(|source| FakeError::Bind {
            addr: addr.to_string(),
            source,
        })?;
        let local = listener.local_addr().map_err(|source| FakeError::Bind {
            addr: addr.to_string(),
            source,
        })?;
        let clock = Clock::new(o.time_scale);
        let inner = Arc::new(Inner {
            settings: Settings {
                username: o.username,
                password: o.password,
                asterisk_id: o.asterisk_id.clone(),
                version,
                realm: "Asterisk REST Interface".into(),
                allowed_origins: o.allowed_origins,
                outbound: o.outbound,
            },
            emulation,
            clock,
            world: Mutex::new(
                World::new(clock, o.asterisk_id, o.dialplan).system_name(o.system_name),
            ),
            started: SystemTime::now(),
        });
        let mut control = ServerControl::default();
        control.start(inner.clone(), listener);
        crate::outbound::start(&inner);
        tracing::debug!(%local, "fake Asterisk listening");
        Ok(FakeAsterisk::new(inner, local, control))
    }
}
