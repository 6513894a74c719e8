//! Building a fake Asterisk: credentials, port, time scale, dialplan.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use super::clock::Clock;
use super::dialplan::{Dialplan, Step};
use super::error::FakeError;
use super::http::server::{self, ServerControl};
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
    version: String,
    allowed_origins: String,
    dialplan: Dialplan,
}

impl Default for FakeAsteriskBuilder {
    fn default() -> Self {
        FakeAsteriskBuilder {
            username: "asterisk".into(),
            password: "asterisk".into(),
            port: 0,
            time_scale: 0.1,
            asterisk_id: "02:00:00:fa:4e:01".into(),
            version: "20.20.1".into(),
            allowed_origins: String::new(),
            dialplan: Dialplan::new(),
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
    /// The `asterisk_id` (entity id) in events and `/asterisk/info`.
    pub fn asterisk_id(mut self, id: impl Into<String>) -> Self {
        self.asterisk_id = id.into();
        self
    }
    /// The version `/asterisk/info` and the `Server` header report (default 20.20.1).
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
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
                version: o.version,
                realm: "Asterisk REST Interface".into(),
                allowed_origins: o.allowed_origins,
            },
            clock,
            world: Mutex::new(World::new(clock, o.asterisk_id, o.dialplan)),
            started: SystemTime::now(),
        });
        let mut control = ServerControl::default();
        control.start(inner.clone(), listener);
        tracing::debug!(%local, "fake Asterisk listening");
        Ok(FakeAsterisk::new(inner, local, control))
    }
}
