//! Where Asterisk is and who we are: the settings a [`crate::Client`] and the
//! event stream are built from.

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use secrecy::{ExposeSecret, SecretString};

use crate::error::Error;

/// The URL used when none is given: a local Asterisk's ARI.
pub const DEFAULT_URL: &str = "http://localhost:8088/ari";

/// The default time a REST request may take.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The default largest REST response body read: 16 MiB, like the event
/// stream's largest message.
pub const DEFAULT_MAX_RESPONSE_SIZE: usize = 16 * 1024 * 1024;

/// Connection settings.
///
/// ```
/// let config = ari_sdk::Config::builder()
///     .url("http://pbx.example.com:8088/ari")
///     .username("asterisk")
///     .password("secret")
///     .application("my-app")
///     .build()?;
/// assert_eq!(
///     config.events_url(),
///     "ws://pbx.example.com:8088/ari/events?app=my-app"
/// );
/// // The password never shows.
/// assert!(!format!("{config:?}").contains("secret"));
/// # Ok::<(), ari_sdk::Error>(())
/// ```
#[derive(Clone)]
pub struct Config {
    url: String,
    username: String,
    password: SecretString,
    applications: Vec<String>,
    subscribe_all: bool,
    version_check: bool,
    release_check: bool,
    request_timeout: Duration,
    max_response_size: usize,
    rest_transport: RestTransport,
}

/// How a [`Client`](crate::Client) sends its REST requests.
///
/// ```
/// use ari_sdk::config::RestTransport;
///
/// let config = ari_sdk::Config::builder()
///     .application("my-app")
///     .rest_transport(RestTransport::EventWebsocket)
///     .build()?;
/// assert_eq!(config.rest_transport(), RestTransport::EventWebsocket);
/// assert_eq!(ari_sdk::Config::builder().build()?.rest_transport(), RestTransport::Http);
/// # Ok::<(), ari_sdk::Error>(())
/// ```
///
/// The same typed calls, sent on the application's event websocket once
/// `stasis_app()` connected it:
///
/// ```no_run
/// # #[cfg(feature = "asterisk-22")]
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use ari_sdk::config::RestTransport;
/// use ari_sdk::v22::Ari;
/// use futures::StreamExt as _;
///
/// let config = ari_sdk::Config::builder()
///     .url("http://pbx.example.com:8088/ari")
///     .username("asterisk")
///     .password("secret")
///     .application("my-app")
///     .rest_transport(RestTransport::EventWebsocket)
///     .build()?;
/// // The version check goes over HTTP; everything after over the websocket.
/// let ari = Ari::connect(config).await?;
/// let app = ari.stasis_app()?;
/// let mut calls = app.calls();
/// while let Some(call) = calls.next().await {
///     // A `RESTRequest` on the websocket, resolved by its `RESTResponse`.
///     match ari.channels().answer(call.id()).await {
///         Ok(()) => println!("answered {}", call.id()),
///         Err(error) if error.is_not_found() => println!("{} hung up first", call.id()),
///         Err(error) => return Err(error.into()),
///     }
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RestTransport {
    /// Each request is an HTTP request to ARI's base URL (the default).
    #[default]
    Http,
    /// Each request is a `RESTRequest` message on the client's event
    /// websocket (one connected with the client's
    /// [`stream_settings`](crate::Client::stream_settings), as
    /// `stasis_app()` and `event_stream()` do: start custom settings from
    /// them), answered by the `RESTResponse` event with its `request_id`; Asterisk
    /// 20.14.0, 21.9.0, 22.4.0 or newer on each line (every 23). The
    /// results and errors are the HTTP transport's, status for status.
    ///
    /// - A request waits for the websocket to be connected, within the
    ///   request timeout: with none connected in that time it fails with
    ///   [`Error::RestWebsocketUnavailable`] and was not sent; a client
    ///   whose event stream was never connected fails that way too.
    /// - The connection that carried a request closing before the answer
    ///   fails it at once with [`Error::RestWebsocketClosed`]: Asterisk may
    ///   or may not have carried it out. No answer within the request
    ///   timeout is [`Error::Timeout`], as over HTTP.
    /// - A server whose release is older refuses nothing and answers
    ///   nothing, so the request fails before it is sent with
    ///   [`Error::RestTransportNotInRelease`] (see
    ///   [`ConfigBuilder::release_check`]); a client made without
    ///   `Ari::connect` reads the server's release over HTTP once, at its
    ///   first websocket request.
    /// - The `RESTResponse` events are the transport's: they reach no
    ///   subscriber, handle or event stream of the client. Asterisk sends
    ///   them as events, so an application event filter
    ///   (`applications.filter`) must let `RESTResponse` through: one that
    ///   keeps it out has every request carried out but never answered
    ///   (each fails with [`Error::Timeout`]).
    /// - Asterisk cannot put a binary answer in a `RESTResponse`, so a
    ///   recording's file (`recordings.get_stored_file`) and the version
    ///   check of `Ari::connect` still go over HTTP.
    EventWebsocket,
}

impl fmt::Debug for Config {
    // Hand-written: the password must never reach a log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("url", &self.url)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("applications", &self.applications)
            .field("subscribe_all", &self.subscribe_all)
            .field("version_check", &self.version_check)
            .field("release_check", &self.release_check)
            .field("request_timeout", &self.request_timeout)
            .field("max_response_size", &self.max_response_size)
            .field("rest_transport", &self.rest_transport)
            .finish()
    }
}

/// Builds a [`Config`].
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct ConfigBuilder {
    url: Option<String>,
    username: Option<String>,
    password: Option<SecretString>,
    applications: Vec<String>,
    subscribe_all: bool,
    version_check: Option<bool>,
    release_check: Option<bool>,
    request_timeout: Option<Duration>,
    max_response_size: Option<usize>,
    rest_transport: RestTransport,
}

impl ConfigBuilder {
    /// ARI's base URL, `http(s)://HOST:PORT/ari` (default [`DEFAULT_URL`]).
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// The ARI user (a section of `ari.conf`).
    pub fn username(mut self, username: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self
    }

    /// The ARI user's password.
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.password = Some(SecretString::from(password.into()));
        self
    }

    /// Adds a Stasis application whose events the event stream receives.
    ///
    /// A config without any serves REST only: the event stream (and so
    /// `stasis_app()`) refuses to start without an application
    /// ([`StreamError::InvalidSettings`](crate::stream::StreamError::InvalidSettings)),
    /// since Asterisk answers such an upgrade with 400.
    pub fn application(mut self, application: impl Into<String>) -> Self {
        self.applications.push(application.into());
        self
    }

    /// Adds several Stasis applications.
    pub fn applications<I, S>(mut self, applications: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.applications
            .extend(applications.into_iter().map(Into::into));
        self
    }

    /// Subscribe the applications to every event of the system, not only to
    /// their own channels and bridges (default `false`).
    pub fn subscribe_all(mut self, subscribe_all: bool) -> Self {
        self.subscribe_all = subscribe_all;
        self
    }

    /// Whether a version module's `Ari::connect` checks that the server runs
    /// the module's Asterisk major (default `true`).
    pub fn version_check(mut self, version_check: bool) -> Self {
        self.version_check = Some(version_check);
        self
    }

    /// Whether an operation that first shipped in a later release of the
    /// major than the server runs fails before it is sent, with
    /// [`Error::NotInRelease`] (default
    /// `true`). The server's release is learnt by `Ari::connect`'s version
    /// check; a server whose version is not `major.minor.patch`
    /// (certified-*, custom builds) is never refused. Turn it off for a
    /// server whose version does not tell what it has.
    pub fn release_check(mut self, release_check: bool) -> Self {
        self.release_check = Some(release_check);
        self
    }

    /// How long one REST request may take (default [`DEFAULT_REQUEST_TIMEOUT`]).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = Some(timeout);
        self
    }

    /// The largest REST response body read (default
    /// [`DEFAULT_MAX_RESPONSE_SIZE`]); a larger one fails the request with
    /// [`Error::ResponseTooLarge`] instead of filling the memory. A recording
    /// fetched with `recordings.get_stored_file` counts too: raise it for
    /// long recordings.
    ///
    /// ```
    /// let config = ari_sdk::Config::builder()
    ///     .max_response_size(64 * 1024 * 1024)
    ///     .build()?;
    /// assert_eq!(config.max_response_size(), 64 * 1024 * 1024);
    /// # Ok::<(), ari_sdk::Error>(())
    /// ```
    pub fn max_response_size(mut self, bytes: usize) -> Self {
        self.max_response_size = Some(bytes);
        self
    }

    /// How REST requests are sent (default [`RestTransport::Http`]): over
    /// HTTP, or over the event websocket
    /// ([`RestTransport::EventWebsocket`], which says what changes).
    pub fn rest_transport(mut self, transport: RestTransport) -> Self {
        self.rest_transport = transport;
        self
    }

    /// Checks the settings.
    ///
    /// Fails when the URL is not `http(s)://...`, or when an application name
    /// is empty or holds a comma (the event stream joins them with commas).
    ///
    /// Credentials written into the URL (`http://user:pass@host/ari`, as
    /// some deployments set `ARI_URL`) are taken out of it and used as the
    /// username and password, so they are sent once, in the
    /// `Authorization` header, and never shown by [`Config::url`], a
    /// `Debug` or an error. Giving them in the URL *and* with
    /// [`username`](Self::username) or [`password`](Self::password) is an
    /// error.
    ///
    /// ```
    /// let config = ari_sdk::Config::builder()
    ///     .url("http://asterisk:s%40cret@pbx:8088/ari")
    ///     .build()?;
    /// assert_eq!(config.url(), "http://pbx:8088/ari");
    /// assert_eq!(config.username(), "asterisk");
    /// assert!(!format!("{config:?}").contains("cret"));
    /// # Ok::<(), ari_sdk::Error>(())
    /// ```
    pub fn build(mut self) -> Result<Config, Error> {
        let written = self.url.take().unwrap_or_else(|| DEFAULT_URL.to_string());
        let (url, credentials) = split_credentials(written.trim().trim_end_matches('/'));
        let rest = url
            .strip_prefix("http://")
            .or_else(|| url.strip_prefix("https://"))
            .ok_or_else(|| {
                Error::Config(format!(
                    "the ARI URL must start with http:// or https://, got `{url}`"
                ))
            })?;
        if rest.is_empty() || rest.starts_with('/') {
            return Err(Error::Config(format!("the ARI URL `{url}` has no host")));
        }
        if url.contains(['?', '#']) {
            return Err(Error::Config(format!(
                "the ARI URL `{url}` must not have a query or a fragment"
            )));
        }
        if let Some((username, password)) = credentials {
            if self.username.is_some() || self.password.is_some() {
                return Err(Error::Config(format!(
                    "the ARI URL `{url}` carries credentials, and so does the config: give \
                     them once"
                )));
            }
            self.username = Some(username);
            self.password = Some(password);
        }
        for app in &self.applications {
            if app.is_empty() || app.contains(',') {
                return Err(Error::Config(format!(
                    "invalid application name `{app}`: it must be non-empty and hold no comma"
                )));
            }
        }
        Ok(Config {
            url,
            username: self.username.unwrap_or_default(),
            password: self
                .password
                .unwrap_or_else(|| SecretString::from(String::new())),
            applications: self.applications,
            subscribe_all: self.subscribe_all,
            version_check: self.version_check.unwrap_or(true),
            release_check: self.release_check.unwrap_or(true),
            request_timeout: self.request_timeout.unwrap_or(DEFAULT_REQUEST_TIMEOUT),
            max_response_size: self.max_response_size.unwrap_or(DEFAULT_MAX_RESPONSE_SIZE),
            rest_transport: self.rest_transport,
        })
    }
}

/// The environment variables [`Config::from_env`] reads.
pub mod env {
    /// ARI's base URL (default [`super::DEFAULT_URL`]).
    pub const URL: &str = "ARI_URL";
    /// The ARI user.
    pub const USERNAME: &str = "ARI_USERNAME";
    /// The ARI user's password.
    pub const PASSWORD: &str = "ARI_PASSWORD";
    /// Comma-separated Stasis applications.
    pub const APPLICATION: &str = "ARI_APPLICATION";
    /// `true`/`1`/`yes` to subscribe to every event.
    pub const SUBSCRIBE_ALL: &str = "ARI_SUBSCRIBE_ALL";
    /// `http` (the default) or `websocket`: how REST requests are sent
    /// (see [`RestTransport`](super::RestTransport)).
    pub const REST_TRANSPORT: &str = "ARI_REST_TRANSPORT";
}

impl Config {
    /// A builder with the defaults.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// Reads `ARI_URL` (default [`DEFAULT_URL`]), `ARI_USERNAME`,
    /// `ARI_PASSWORD`, `ARI_APPLICATION` (comma-separated),
    /// `ARI_SUBSCRIBE_ALL` and `ARI_REST_TRANSPORT` (`http` or `websocket`).
    ///
    /// ```no_run
    /// let config = ari_sdk::Config::from_env()?;
    /// # Ok::<(), ari_sdk::Error>(())
    /// ```
    pub fn from_env() -> Result<Config, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`Config::from_env`], with the variables from `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, Error> {
        let mut builder = Config::builder();
        if let Some(url) = lookup(env::URL).filter(|s| !s.trim().is_empty()) {
            builder = builder.url(url);
        }
        if let Some(username) = lookup(env::USERNAME) {
            builder = builder.username(username);
        }
        if let Some(password) = lookup(env::PASSWORD) {
            builder = builder.password(password);
        }
        if let Some(apps) = lookup(env::APPLICATION) {
            builder = builder.applications(
                apps.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
            );
        }
        if let Some(flag) = lookup(env::SUBSCRIBE_ALL) {
            let on = match flag.trim().to_ascii_lowercase().as_str() {
                "" | "0" | "false" | "no" | "off" => false,
                "1" | "true" | "yes" | "on" => true,
                other => {
                    return Err(Error::Config(format!(
                        "{}: expected true or false, got `{other}`",
                        env::SUBSCRIBE_ALL
                    )))
                }
            };
            builder = builder.subscribe_all(on);
        }
        if let Some(transport) = lookup(env::REST_TRANSPORT) {
            let transport = match transport.trim().to_ascii_lowercase().as_str() {
                "" | "http" => RestTransport::Http,
                "websocket" | "ws" => RestTransport::EventWebsocket,
                other => {
                    return Err(Error::Config(format!(
                        "{}: expected http or websocket, got `{other}`",
                        env::REST_TRANSPORT
                    )))
                }
            };
            builder = builder.rest_transport(transport);
        }
        builder.build()
    }

    /// ARI's base URL without a trailing slash (`http://localhost:8088/ari`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The ARI user.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The Stasis applications.
    pub fn applications(&self) -> &[String] {
        &self.applications
    }

    /// Whether the applications subscribe to every event.
    pub fn subscribe_all(&self) -> bool {
        self.subscribe_all
    }

    /// Whether `Ari::connect` checks the server's Asterisk major.
    pub fn version_check(&self) -> bool {
        self.version_check
    }

    /// Whether operations newer than the server's release are refused
    /// before they are sent.
    pub fn release_check(&self) -> bool {
        self.release_check
    }

    /// How long one REST request may take.
    pub fn request_timeout(&self) -> Duration {
        self.request_timeout
    }

    /// The largest REST response body read.
    pub fn max_response_size(&self) -> usize {
        self.max_response_size
    }

    /// How REST requests are sent.
    pub fn rest_transport(&self) -> RestTransport {
        self.rest_transport
    }

    /// The event websocket's URL: `ws(s)://HOST/ari/events?app=a,b`, with
    /// `&subscribeAll=true` when asked for. Credentials never go in the URL:
    /// the event stream sends them in the upgrade's `Authorization` header.
    pub fn events_url(&self) -> String {
        // ARI_URL was checked to start with http:// or https:// by build().
        let ws_base = if let Some(rest) = self.url.strip_prefix("https://") {
            format!("wss://{rest}")
        } else if let Some(rest) = self.url.strip_prefix("http://") {
            format!("ws://{rest}")
        } else {
            self.url.clone()
        };
        let apps: Vec<String> = self
            .applications
            .iter()
            .map(|app| utf8_percent_encode(app, QUERY_VALUE).to_string())
            .collect();
        let mut url = format!("{ws_base}/events?app={}", apps.join(","));
        if self.subscribe_all {
            url.push_str("&subscribeAll=true");
        }
        url
    }

    /// `Basic base64(user:password)`, the value of the `Authorization` header
    /// of every request and of the websocket upgrade.
    pub(crate) fn authorization_header(&self) -> String {
        let raw = format!("{}:{}", self.username, self.password.expose_secret());
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(raw)
        )
    }
}

/// `url` without the `user:password@` of its authority, and those
/// credentials (percent-decoded), if it has them. The URL that comes back
/// carries no secret, whatever else is wrong with it, so errors may show it.
fn split_credentials(url: &str) -> (String, Option<(String, SecretString)>) {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, url),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return (url.to_owned(), None);
    };
    let userinfo = &rest[..at];
    let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    let decode = |text: &str| percent_decode_str(text).decode_utf8_lossy().into_owned();
    let rest = &rest[at + 1..];
    let stripped = match scheme {
        Some(scheme) => format!("{scheme}://{rest}"),
        None => rest.to_owned(),
    };
    (
        stripped,
        Some((decode(user), SecretString::from(decode(password)))),
    )
}

/// Characters escaped in a query value: all but unreserved ones.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn defaults() {
        let config = Config::builder().build().unwrap();
        assert_eq!(config.url(), DEFAULT_URL);
        assert_eq!(config.request_timeout(), DEFAULT_REQUEST_TIMEOUT);
        assert!(config.version_check());
        assert!(!config.subscribe_all());
    }

    #[test]
    fn events_url_maps_scheme_and_joins_apps() {
        let config = Config::builder()
            .url("https://pbx:8089/ari/")
            .applications(["a", "b c"])
            .subscribe_all(true)
            .build()
            .unwrap();
        assert_eq!(config.url(), "https://pbx:8089/ari");
        assert_eq!(
            config.events_url(),
            "wss://pbx:8089/ari/events?app=a,b%20c&subscribeAll=true"
        );
    }

    #[test]
    fn rejects_bad_settings() {
        for url in ["ftp://x", "localhost:8088", "http://", "http://h/ari?x=1"] {
            let err = Config::builder().url(url).build().unwrap_err();
            assert!(matches!(err, Error::Config(_)), "{url}: {err}");
        }
        assert!(Config::builder().application("a,b").build().is_err());
        assert!(Config::builder().application("").build().is_err());
    }

    #[test]
    fn password_stays_secret() {
        let config = Config::builder()
            .username("user")
            .password("hunter2")
            .build()
            .unwrap();
        assert!(!format!("{config:?}").contains("hunter2"));
        assert!(!config.events_url().contains("hunter2"));
        // base64("user:hunter2")
        assert_eq!(config.authorization_header(), "Basic dXNlcjpodW50ZXIy");
    }

    #[test]
    fn credentials_in_the_url_become_the_credentials_and_never_show() {
        let config = Config::builder()
            .url("http://asterisk:hunter%402@pbx.test:8088/ari/")
            .application("app")
            .build()
            .unwrap();
        assert_eq!(config.url(), "http://pbx.test:8088/ari");
        assert_eq!(config.username(), "asterisk");
        // base64("asterisk:hunter@2")
        assert_eq!(
            config.authorization_header(),
            "Basic YXN0ZXJpc2s6aHVudGVyQDI="
        );
        assert_eq!(config.events_url(), "ws://pbx.test:8088/ari/events?app=app");
        let shown = format!("{config:?}");
        assert!(!shown.contains("hunter"), "{shown}");

        // A user without a password, and an `@` in the path (not userinfo).
        let config = Config::builder()
            .url("https://ops@pbx/ari@v2")
            .build()
            .unwrap();
        assert_eq!(config.url(), "https://pbx/ari@v2");
        assert_eq!(config.username(), "ops");

        // Errors about the URL never repeat the secret.
        for url in [
            "ftp://u:hunter2@pbx/ari",
            "http://u:hunter2@/ari",
            "http://u:hunter2@pbx/ari?x=1",
        ] {
            let error = Config::builder().url(url).build().unwrap_err().to_string();
            assert!(!error.contains("hunter2"), "{error}");
        }
        // Credentials twice: refused, without showing either.
        let error = Config::builder()
            .url("http://u:hunter2@pbx/ari")
            .password("other")
            .build()
            .unwrap_err()
            .to_string();
        assert!(error.contains("give them once"), "{error}");
        assert!(
            !error.contains("hunter2") && !error.contains("other"),
            "{error}"
        );
        let from_env = Config::from_lookup(|name| {
            (name == env::URL).then(|| "http://u:hunter2@pbx/ari".to_owned())
        })
        .unwrap();
        assert_eq!(from_env.url(), "http://pbx/ari");
        assert_eq!(from_env.username(), "u");
    }

    #[test]
    fn from_lookup_reads_every_variable() {
        let vars: HashMap<&str, &str> = [
            ("ARI_URL", "http://pbx.test:8088/ari"),
            ("ARI_USERNAME", "u"),
            ("ARI_PASSWORD", "p"),
            ("ARI_APPLICATION", "one, two,"),
            ("ARI_SUBSCRIBE_ALL", "yes"),
            ("ARI_REST_TRANSPORT", "websocket"),
        ]
        .into_iter()
        .collect();
        let config = Config::from_lookup(|k| vars.get(k).map(|v| v.to_string())).unwrap();
        assert_eq!(config.url(), "http://pbx.test:8088/ari");
        assert_eq!(config.username(), "u");
        assert_eq!(config.applications(), ["one", "two"]);
        assert!(config.subscribe_all());
        assert_eq!(config.rest_transport(), RestTransport::EventWebsocket);
        let bad_transport =
            Config::from_lookup(|k| (k == "ARI_REST_TRANSPORT").then(|| "smoke".into()));
        assert!(bad_transport.is_err());
        let bad = Config::from_lookup(|k| (k == "ARI_SUBSCRIBE_ALL").then(|| "maybe".into()));
        assert!(bad.is_err());
        let empty = Config::from_lookup(|_| None).unwrap();
        assert_eq!(empty.url(), DEFAULT_URL);
        assert_eq!(empty.rest_transport(), RestTransport::Http);
    }
}
