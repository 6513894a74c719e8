//! Plumbing the examples share; not part of the SDK.
//!
//! - Where Asterisk is: a real one when `ARI_URL` is set (with `ARI_USERNAME`,
//!   `ARI_PASSWORD` and optionally `ARI_APPLICATION`), otherwise the embedded
//!   fake Asterisk (`fake-asterisk`) with the dialplan the example needs and
//!   simulated callers.
//! - The handles' [`StasisApp`], ready once the application is registered.
//! - [`say`], [`caller_of`] and [`report`]: the narrative the examples print.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use ari_sdk::v22::{Ari, Call, StasisApp};
use ari_sdk::Config;
use fake_asterisk::{FakeAsterisk, FakeAsteriskBuilder, Step};

/// Any error an example gives up on.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// The examples' result type.
pub type Result<T = ()> = std::result::Result<T, Error>;

/// Prints one line of what happens in the calls: `[tag] line`.
pub fn say(tag: &str, line: impl fmt::Display) {
    println!("[{tag}] {line}");
}

/// How long the embedded demo may take before it is called off.
const DEMO_LIMIT: Duration = Duration::from_secs(30);

/// A fake Asterisk of the major the examples' SDK module is for
/// (`ari_sdk::v22`), so `Ari::connect`'s version check passes as it would
/// against a real Asterisk 22, with simulated time 20 times faster than real
/// time: a 1.4 s prompt plays in 70 ms. It emulates Asterisk 22 from 22's
/// api-docs when the spec folder has them (`$ARI_SPEC_DIR`, or
/// `../shared/ari-spec` beside the checkout); without them it is the fake's
/// Asterisk 20, which has 22's routes and parameters, reporting 22's release.
pub fn fake_asterisk() -> FakeAsteriskBuilder {
    let fake = FakeAsterisk::builder().time_scale(0.05);
    if fake.api_docs_available(Ari::MAJOR) {
        fake.major(Ari::MAJOR)
    } else {
        fake.version(Ari::RELEASE)
    }
}

/// The dialplan of an extension handing calls to `app`, as the README's
/// `extensions.conf` has it: `NoOp()`, `Stasis(app,args)`, `Hangup()`.
pub fn stasis_steps(app: &str, args: &[&str]) -> Vec<Step> {
    vec![Step::noop(""), Step::stasis(app, args), Step::hangup()]
}

/// The settings of an SDK client for the fake, receiving `app`'s events.
pub fn fake_config(fake: &FakeAsterisk, app: &str) -> Result<Config> {
    Ok(Config::builder()
        .url(fake.url())
        .username(fake.username())
        .password(fake.password())
        .application(app)
        .request_timeout(Duration::from_secs(5))
        .build()?)
}

/// The application's handles entry point, once Asterisk has registered the
/// application: from then on calls into it are not missed (and the calls
/// the stream delivers wait in `StasisApp::calls` until they are taken).
pub async fn stasis_app(ari: &Ari) -> Result<StasisApp> {
    let app = ari.stasis_app()?;
    match tokio::time::timeout(Duration::from_secs(10), app.registered()).await {
        Ok(registered) => registered.map(|()| app).map_err(Into::into),
        Err(_) => Err("the event stream did not connect within 10 s".into()),
    }
}

/// Whether the example runs against a real Asterisk (`ARI_URL` is set).
pub fn real_asterisk() -> bool {
    std::env::var("ARI_URL").is_ok_and(|url| !url.trim().is_empty())
}

/// Runs an example: against the Asterisk named by `ARI_URL` until Ctrl-C,
/// or, when `ARI_URL` is not set, against the embedded fake built from
/// `fake`, with `simulate` placing the calls; the demo ends by itself.
/// `app` gets the application's [`StasisApp`] once Asterisk has registered
/// it.
pub async fn run<A, F, S>(app_name: &str, fake: FakeAsteriskBuilder, app: A, simulate: S) -> Result
where
    A: FnOnce(StasisApp) -> F,
    F: Future<Output = Result> + Send + 'static,
    S: AsyncFnOnce(&FakeAsterisk) -> Result,
{
    run_prepared(app_name, fake, |_| Ok(()), app, simulate).await
}

/// [`run`], with `prepare` setting the embedded fake up (its phones, say)
/// before the application starts.
pub async fn run_prepared<P, A, F, S>(
    app_name: &str,
    fake: FakeAsteriskBuilder,
    prepare: P,
    app: A,
    simulate: S,
) -> Result
where
    P: FnOnce(&FakeAsterisk) -> Result,
    A: FnOnce(StasisApp) -> F,
    F: Future<Output = Result> + Send + 'static,
    S: AsyncFnOnce(&FakeAsterisk) -> Result,
{
    if real_asterisk() {
        return run_against_real_asterisk(app_name, app).await;
    }
    let fake = fake.build().start().await?;
    say("demo", format!("embedded fake Asterisk at {}", fake.url()));
    prepare(&fake)?;
    let ari = Ari::connect(fake_config(&fake, app_name)?).await?;
    let stasis = stasis_app(&ari).await?;
    let stream = stasis.event_stream().clone();
    let app_task = tokio::spawn(app(stasis));
    let simulated = tokio::time::timeout(DEMO_LIMIT, simulate(&fake)).await;
    // Closing the stream ends the calls, and with them the app.
    stream.close();
    let app_result = tokio::time::timeout(Duration::from_secs(5), app_task).await;
    fake.shutdown().await;
    conclude(simulated, app_result)
}

/// How an embedded demo went: its simulated calls (within their time
/// limit), then the application's task (within its time to stop).
pub fn conclude(
    simulated: std::result::Result<Result, tokio::time::error::Elapsed>,
    app: std::result::Result<
        std::result::Result<Result, tokio::task::JoinError>,
        tokio::time::error::Elapsed,
    >,
) -> Result {
    match simulated {
        Ok(result) => result?,
        Err(_) => return Err("the simulated calls took too long".into()),
    }
    match app {
        Ok(Ok(result)) => result?,
        Ok(Err(join_error)) => return Err(join_error.into()),
        Err(_) => return Err("the application did not stop".into()),
    }
    say("demo", "done");
    Ok(())
}

async fn run_against_real_asterisk<A, F>(app_name: &str, app: A) -> Result
where
    A: FnOnce(StasisApp) -> F,
    F: Future<Output = Result> + Send + 'static,
{
    // ARI_APPLICATION defaults to the example's own application name.
    let config = Config::from_lookup(|name| {
        std::env::var(name)
            .ok()
            .or_else(|| (name == "ARI_APPLICATION").then(|| app_name.to_string()))
    })?;
    let apps = config.applications().join(",");
    let url = config.url().to_string();
    let ari = Ari::connect(config).await?;
    let version = ari.asterisk_version().await?;
    let stasis = stasis_app(&ari).await?;
    let stream = stasis.event_stream().clone();
    say(
        "demo",
        format!("connected to Asterisk {version} at {url} as application {apps}; Ctrl-C stops"),
    );
    let result = tokio::select! {
        result = app(stasis) => result,
        _ = tokio::signal::ctrl_c() => {
            say("demo", "stopped");
            Ok(())
        }
    };
    // A close frame, so that Asterisk unregisters the application at once
    // instead of logging a websocket read error when the process is gone.
    stream.close();
    if tokio::time::timeout(Duration::from_secs(2), stream.closed())
        .await
        .is_err()
    {
        say("demo", "the event stream did not close within 2 s");
    }
    result
}

/// Who is on a call, for the narrative: `alice (5551001)`.
pub fn caller_of(call: &Call) -> String {
    let channel = call.snapshot();
    let number = &channel.caller.number;
    match channel.caller.name.as_str() {
        "" if number.is_empty() => channel.name.clone(),
        "" => number.clone(),
        name if number.is_empty() => name.to_string(),
        name => format!("{name} ({number})"),
    }
}

/// Says how a call's task ended: an error once the caller has hung up is
/// the hang-up (the step in progress could not finish), anything else is
/// told as it is.
pub fn report(tag: &str, call: &Call, result: Result) {
    match result {
        Ok(()) => {}
        Err(_) if call.end_reason().is_some() => say(tag, format!("{} hung up", caller_of(call))),
        Err(error) => say(tag, format!("{}: {error}", caller_of(call))),
    }
}
