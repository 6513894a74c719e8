//! A worker pool sharing the calls with broadcast and claim (Asterisk
//! 20.20.0, 22.10.0, 23.4.0): several instances, `pool-1`, `pool-2`, ...,
//! run this same program; the dialplan's `StasisBroadcast` offers each call
//! to all of them, each claims it, exactly one wins and serves it.
//!
//! ```text
//! cargo run -p ari-sdk --example worker_pool
//! ```
//!
//! This file is the application, one instance of the pool; `demo.rs` beside
//! it is the embedded demo: the fake's dialplan, two more instances (as two
//! more processes would be) and the simulated callers.
//!
//! Without `ARI_URL` it runs against the embedded fake Asterisk, where five
//! callers dial extension 800. With `ARI_URL` it is one instance of the
//! pool on a real Asterisk until Ctrl-C: start several with
//! `ARI_APPLICATION=pool-1`, `pool-2`, ... and route calls through
//! `StasisBroadcast(3000,^pool-,sales,yes)` (Asterisk needs the modules
//! `res_stasis_broadcast` and `app_stasis_broadcast`). A call nobody claims
//! within the timeout goes on in the dialplan.

#[allow(dead_code)]
#[path = "../common/mod.rs"]
pub mod common;
pub mod demo;

use ari_sdk::handles::Claimed;
use ari_sdk::v22::{Call, StasisApp};
use common::{caller_of, report, say, Result};
use futures::StreamExt;

/// This instance's application name (`ARI_APPLICATION` chooses another).
pub const APP: &str = "pool-1";

/// The extension the demo's dialplan broadcasts to the pool.
pub const EXTENSION: &str = "800";

/// One instance: claims every call offered to it and serves the calls it
/// wins; a call another instance won is theirs.
pub async fn app(app: StasisApp) -> Result {
    let mut offers = app.broadcasts();
    while let Some(offer) = offers.next().await {
        let me = offer.application().to_string();
        tokio::spawn(async move {
            let caller = offer.caller().unwrap_or("unknown").to_string();
            match offer.claim().await {
                Ok(Claimed::Won(call)) => {
                    say(&me, format!("won the call from {caller}"));
                    let result = serve(&me, &call).await;
                    report(&me, &call, result);
                }
                Ok(Claimed::Lost) => say(&me, format!("another instance took {caller}")),
                Ok(Claimed::Gone) => say(&me, format!("the offer of {caller} is over")),
                Err(error) => say(&me, format!("claiming {caller}: {error}")),
            }
        });
    }
    Ok(())
}

/// The call this instance won: answer, greet, hang up.
async fn serve(me: &str, call: &Call) -> Result {
    call.answer().await?;
    say(me, format!("{} hears sound:hello-world", caller_of(call)));
    call.play(["sound:hello-world"]).await?;
    call.hangup().await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result {
    common::run(APP, demo::fake_asterisk(), app, demo::simulate).await
}
