//! What the `sdk_*` tests share: a fake Asterisk 20 and an application
//! written against ari-sdk's public API only, connected to it.

#![allow(dead_code)]

use std::time::Duration;

use ari_sdk::stream::StreamItem;
use ari_sdk::v20::{Ari, Event, StasisApp};
use fake_asterisk::FakeAsterisk;
use futures::{Stream, StreamExt as _};

/// Long enough for anything the fake does at its test time scale.
pub const WAIT: Duration = Duration::from_secs(10);

pub const APP: &str = "sdk-test";
pub const PASSWORD: &str = "pa55-w0rd-that-must-not-leak";

pub async fn start_fake() -> FakeAsterisk {
    FakeAsterisk::builder()
        .username("sdk")
        .password(PASSWORD)
        .time_scale(0.02)
        .build()
        .start()
        .await
        .expect("the fake starts")
}

pub async fn connect(fake: &FakeAsterisk) -> (Ari, StasisApp) {
    let config = ari_sdk::Config::builder()
        .url(fake.url())
        .username("sdk")
        .password(PASSWORD)
        .application(APP)
        .build()
        .expect("config");
    let ari = Ari::connect(config).await.expect("connects to a 20");
    let app = ari.stasis_app().expect("app");
    wait_connected(&app).await;
    (ari, app)
}

pub async fn wait_connected(app: &StasisApp) {
    tokio::time::timeout(WAIT, app.registered())
        .await
        .expect("registered in time")
        .expect("the application is registered");
}

pub async fn next<S: Stream + Unpin>(stream: &mut S) -> S::Item {
    tokio::time::timeout(WAIT, stream.next())
        .await
        .expect("an item in time")
        .expect("the stream goes on")
}

/// Reads `events` until `until` accepts an item; returns everything read.
pub async fn read_until<S>(
    events: &mut S,
    until: impl Fn(&StreamItem<Event>) -> bool,
) -> Vec<StreamItem<Event>>
where
    S: Stream<Item = StreamItem<Event>> + Unpin,
{
    let mut seen = Vec::new();
    loop {
        let item = next(events).await;
        let done = until(&item);
        seen.push(item);
        if done {
            return seen;
        }
    }
}

/// What the fake sent about channel `id`, as frames' types, in order: an
/// oracle independent of the SDK's own `concerns`.
pub fn delivered_about_channel(fake: &FakeAsterisk, id: &str) -> Vec<String> {
    let as_object = format!("\"id\":\"{id}\"");
    let as_target = format!("\"target_uri\":\"channel:{id}\"");
    fake.delivered_events()
        .into_iter()
        .filter(|d| d.application == APP)
        .map(|d| d.event.to_string())
        .filter(|frame| frame.contains(&as_object) || frame.contains(&as_target))
        .map(|frame| {
            let value: serde_json::Value = serde_json::from_str(&frame).expect("json");
            value["type"].as_str().unwrap_or_default().to_string()
        })
        .collect()
}

pub fn event_types(items: &[StreamItem<Event>]) -> Vec<String> {
    items
        .iter()
        .filter_map(|item| item.event().map(|e| e.type_name().to_string()))
        .collect()
}

/// Creates a media channel of the fake's (`externalMedia` with
/// `transport=websocket`, `connection_type=server`, and `transport_data`
/// when given) and connects its websocket.
pub async fn external_media(
    app: &StasisApp,
    transport_data: Option<&str>,
) -> Result<(ari_sdk::v20::ChannelHandle, ari_sdk::media::MediaChannel), ari_sdk::media::MediaError>
{
    use ari_sdk::v20::channels::{ConnectionType, Encapsulation, Transport};
    app.external_media(|ari, id| {
        let request = ari
            .channels()
            .external_media(APP, "ulaw")
            .channel_id(id)
            .transport(Transport::Websocket)
            .encapsulation(Encapsulation::None)
            .connection_type(ConnectionType::Server);
        match transport_data {
            Some(data) => request.transport_data(data),
            None => request,
        }
        .into_request()
    })
    .await
}
