//! The README's quick start: answer every call into the application, greet
//! it and hang up. Needs a real Asterisk (see the README); the same code is
//! in README.md, and a test keeps the two identical.

use ari_sdk::handles::HandleError;
use ari_sdk::v22::{Ari, Call};
use futures::StreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // ARI_URL, ARI_USERNAME, ARI_PASSWORD and ARI_APPLICATION.
    let ari = Ari::connect(ari_sdk::Config::from_env()?).await?;
    let app = ari.stasis_app()?;
    let mut calls = app.calls();
    while let Some(call) = calls.next().await {
        // A task per call: calls never wait for one another.
        tokio::spawn(async move {
            if let Err(error) = greet(&call).await {
                eprintln!("call {}: {error}", call.id());
            }
        });
    }
    Ok(())
}

async fn greet(call: &Call) -> Result<(), HandleError> {
    println!("call from {:?}", call.snapshot().caller.number);
    call.answer().await?;
    match call.play(["sound:hello-world"]).await {
        Ok(_) => println!("greeting heard to the end"),
        // The caller hung up during it, or the sound could not be played.
        Err(error) => println!("greeting not heard: {error}"),
    }
    call.hangup().await?; // a caller who already hung up is fine
    Ok(())
}
