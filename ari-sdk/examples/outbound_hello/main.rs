//! Hello world where Asterisk dials the application (outbound websockets,
//! Asterisk 20.15.0 / 21.10.0 / 22.5.0 and later): the application listens,
//! Asterisk connects to it, and every call into `hello-outbound` is
//! answered, hears `sound:hello-world`, and is hung up, all of it REST
//! over the websocket Asterisk opened.
//!
//! ```text
//! cargo run -p ari-sdk --example outbound_hello
//! ```
//!
//! This file is the application; `demo.rs` beside it is the embedded demo:
//! the fake's `websocket_client.conf` / `ari.conf` and the simulated callers.
//!
//! Without `OUTBOUND_LISTEN` it runs against the embedded fake Asterisk,
//! which dials the application's listener; alice and bob dial extension
//! 100. With `OUTBOUND_LISTEN` it serves a real Asterisk until Ctrl-C:
//!
//! - `OUTBOUND_LISTEN`: the address to listen on (`0.0.0.0:8765`), what
//!   `uri` in `websocket_client.conf` points at (`ws://<this host>:8765`);
//! - `OUTBOUND_USERNAME`, `OUTBOUND_PASSWORD`: if set, the credentials
//!   Asterisk must send (`username` / `password` of the connection);
//! - `OUTBOUND_MODE`: `persistent` (the default) or `per_call`, as the
//!   connection's `connection_type` (`persistent` / `per_call_config`);
//! - `ARI_APPLICATION`: the application (`apps` of the `ari.conf`
//!   `outbound_websocket`), default `hello-outbound`.
//!
//! The `ari_sdk::outbound` module docs list the `ari.conf` and
//! `websocket_client.conf` lines; the dialplan is `Stasis(hello-outbound)`.

#[allow(dead_code)]
#[path = "../common/mod.rs"]
pub mod common;
pub mod demo;

use std::time::Duration;

use ari_sdk::outbound::{OutboundServer, OutboundSettings, PerCallSessions};
use ari_sdk::stream::EventStream;
use ari_sdk::v22::{Ari, Call, Event, StasisApp};
use common::{caller_of, say, Result};
use futures::StreamExt;

/// The Stasis application.
pub const APP: &str = "hello-outbound";

/// The extension the demo's dialplan routes into [`APP`].
pub const EXTENSION: &str = "100";

/// How Asterisk's connection is configured (`connection_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// One connection for every call (`persistent`).
    Persistent,
    /// One connection per call (`per_call_config`).
    PerCall,
}

impl Mode {
    /// `OUTBOUND_MODE`: `per_call` (or `per_call_config`), else persistent.
    pub fn from_env() -> Mode {
        match std::env::var("OUTBOUND_MODE").as_deref() {
            Ok("per_call" | "per_call_config") => Mode::PerCall,
            _ => Mode::Persistent,
        }
    }
}

/// What the application serves on the listener.
pub enum Served {
    /// The persistent connection's application.
    Persistent(StasisApp),
    /// One session per call.
    PerCall(PerCallSessions<Ari>),
}

impl Served {
    /// The persistent connection's event stream (per-call sessions have
    /// one each, closed by Asterisk).
    pub fn event_stream(&self) -> Option<EventStream<Event>> {
        match self {
            Served::Persistent(app) => Some(app.event_stream().clone()),
            Served::PerCall(_) => None,
        }
    }
}

/// Declares on `server` what Asterisk will dial for `app_name`.
pub fn declare(server: &OutboundServer, app_name: &str, mode: Mode) -> Result<Served> {
    Ok(match mode {
        Mode::Persistent => Served::Persistent(server.persistent::<Ari>([app_name])?),
        Mode::PerCall => Served::PerCall(server.per_call::<Ari>(app_name)?),
    })
}

/// The application: answers, greets and hangs up every call, until the
/// listener is gone.
pub async fn app(served: Served) -> Result {
    match served {
        Served::Persistent(app) => {
            let mut calls = app.calls();
            while let Some(call) = calls.next().await {
                tokio::spawn(async move { report(&call, greet(&call).await) });
            }
        }
        Served::PerCall(mut sessions) => {
            while let Some(session) = sessions.next().await {
                say(
                    "hello",
                    format!("Asterisk dialled {}", session.application()),
                );
                tokio::spawn(async move {
                    if let Some(call) = session.call().await {
                        report(&call, greet(&call).await);
                    }
                });
            }
        }
    }
    Ok(())
}

fn report(call: &Call, result: Result) {
    if let Err(error) = result {
        say("hello", format!("{}: {error}", caller_of(call)));
    }
}

/// One call: answer, play `sound:hello-world` to its end, hang up.
async fn greet(call: &Call) -> Result {
    let who = caller_of(call);
    say("hello", format!("{who} called: answering"));
    call.answer().await?;
    say("hello", format!("{who} hears sound:hello-world"));
    match call.play(["sound:hello-world"]).await {
        Ok(_) => say("hello", format!("greeting done: hanging up {who}")),
        Err(error) if error.ended().is_some() => {
            say("hello", format!("{who}: greeting not heard ({error})"))
        }
        Err(error) => return Err(error.into()),
    }
    call.hangup().await?;
    Ok(())
}

/// The listener's settings from the environment: basic auth when
/// `OUTBOUND_USERNAME` and `OUTBOUND_PASSWORD` are set.
pub fn settings_from_env() -> OutboundSettings {
    let settings = OutboundSettings::new().request_timeout(Duration::from_secs(10));
    match (
        std::env::var("OUTBOUND_USERNAME"),
        std::env::var("OUTBOUND_PASSWORD"),
    ) {
        (Ok(username), Ok(password)) => settings.basic_auth(username, password),
        _ => settings,
    }
}

#[tokio::main]
async fn main() -> Result {
    let mode = Mode::from_env();
    let Ok(listen) = std::env::var("OUTBOUND_LISTEN") else {
        return demo::run(mode).await;
    };
    let app_name = std::env::var("ARI_APPLICATION").unwrap_or_else(|_| APP.to_string());
    let server = OutboundServer::bind(listen.as_str(), settings_from_env()).await?;
    let served = declare(&server, &app_name, mode)?;
    say(
        "demo",
        format!(
            "listening on {} for Asterisk's {mode:?} connections of {app_name}; Ctrl-C stops",
            server.local_addr()
        ),
    );
    let mut rejections = server.rejections();
    tokio::spawn(async move {
        while let Some(rejected) = rejections.next().await {
            say("demo", format!("refused: {rejected}"));
        }
    });
    let stream = served.event_stream();
    let result = tokio::select! {
        result = app(served) => result,
        _ = tokio::signal::ctrl_c() => {
            say("demo", "stopped");
            Ok(())
        }
    };
    if let Some(stream) = stream {
        // A close frame: Asterisk sees the application go (and dials
        // again until it is back) rather than a broken connection.
        stream.close();
        let _ = tokio::time::timeout(Duration::from_secs(2), stream.closed()).await;
    }
    result
}
