//! The README's quick start: answer every call into the application and
//! greet it. Needs a real Asterisk (see the README); the same code is in
//! README.md, and a test keeps the two identical.

use ari_sdk::stream::StreamItem;
use ari_sdk::v22::{Ari, Event};
use futures::StreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // ARI_URL, ARI_USERNAME, ARI_PASSWORD and ARI_APPLICATION.
    let ari = Ari::connect(ari_sdk::Config::from_env()?).await?;
    let stream = ari.event_stream()?;
    let mut events = stream.subscribe();
    while let Some(item) = events.next().await {
        let StreamItem::Event(event) = item else {
            continue; // connection news: Connected, Reconnected, ...
        };
        if let Event::StasisStart(start) = &*event {
            let channel = &start.channel;
            println!("call from {:?}", channel.caller.number);
            ari.channels().answer(&channel.id).await?;
            ari.channels()
                .play(&channel.id, ["sound:hello-world"])
                .await?;
        }
    }
    Ok(())
}
