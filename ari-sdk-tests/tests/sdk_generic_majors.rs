//! One application for several majors (issue 11): what Asterisk did not
//! change between majors is one type in the SDK, and the handle operations
//! every major has are reachable through traits, so a function written once
//! serves a fake emulating Asterisk 20 and one emulating Asterisk 22.

mod sdk_support;

use std::collections::HashSet;

use ari_sdk::handles::{Call, ChannelHandle, ChannelOps, StasisApp, VersionApi};
use fake_asterisk::FakeAsterisk;
use futures::StreamExt as _;

/// Alike in Asterisk 22 and 23 (and 18, 20), so one type: this compiles
/// only because `v22::Channel` *is* `v23::Channel`.
fn upgrade(channel: ari_sdk::v22::Channel) -> ari_sdk::v23::Channel {
    channel
}

/// `CallerID` has not changed since 13.
fn caller_of_13(caller: ari_sdk::v23::CallerID) -> ari_sdk::v13::CallerID {
    caller
}

/// The application, generic over the major: answer, greet to the end, hang up.
async fn greet_every_caller<V: VersionApi>(app: StasisApp<V>, callers: usize) -> HashSet<String>
where
    ChannelHandle<V>: ChannelOps,
{
    let mut served = HashSet::new();
    let mut calls = app.calls();
    let mut tasks = Vec::new();
    while served.len() < callers {
        let call: Call<V> = calls.next().await.expect("a call");
        served.insert(call.id().to_string());
        tasks.push(tokio::spawn(async move {
            ChannelOps::answer(call.channel()).await?;
            call.play(["sound:hello-world"]).await?;
            ChannelOps::hangup(call.channel()).await
        }));
    }
    for task in tasks {
        task.await.expect("the call's task").expect("greeted");
    }
    served
}

async fn run_major<V: VersionApi>(major: u32, connect: impl AsyncFnOnce(ari_sdk::Config) -> V)
where
    ChannelHandle<V>: ChannelOps,
{
    let fake = FakeAsterisk::builder()
        .major(major)
        .time_scale(0.02)
        .build()
        .start()
        .await
        .expect("fake");
    let config = ari_sdk::Config::builder()
        .url(fake.url())
        .username(fake.username())
        .password(fake.password())
        .application("generic")
        .build()
        .expect("config");
    let ari = connect(config).await;
    let app = StasisApp::new(ari).expect("app");
    app.registered().await.expect("registered");
    let callers: Vec<_> = (0..3)
        .map(|i| {
            fake.call_into_app("generic", &format!("55510{i}"), &[])
                .expect("call")
        })
        .collect();
    let served = greet_every_caller(app, callers.len()).await;
    assert_eq!(served.len(), 3, "major {major}: every call taken");
    for caller in &callers {
        caller
            .wait_hangup(sdk_support::WAIT)
            .await
            .expect("the app hangs up");
        assert_eq!(caller.heard(), ["sound:hello-world"], "major {major}");
        assert!(served.contains(caller.channel_id()), "major {major}");
    }
    fake.shutdown().await;
}

#[tokio::test]
async fn one_generic_application_serves_asterisk_20_and_22() {
    run_major(20, async |config| {
        ari_sdk::v20::Ari::connect(config).await.expect("a 20")
    })
    .await;
    run_major(22, async |config| {
        ari_sdk::v22::Ari::connect(config).await.expect("a 22")
    })
    .await;
}

#[test]
fn what_did_not_change_is_one_type() {
    let json = r#"{"id":"1","name":"PJSIP/a-1","state":"Up","protocol_id":"",
        "caller":{"name":"a","number":"1"},"connected":{"name":"","number":""},
        "accountcode":"","dialplan":{"context":"c","exten":"s","priority":1,
        "app_name":"","app_data":""},"creationtime":"2025-01-01T00:00:00.000+0000",
        "language":"en"}"#;
    let v22: ari_sdk::v22::Channel = serde_json::from_str(json).expect("a channel");
    let v23 = upgrade(v22.clone());
    assert_eq!(v23, v22);
    assert_eq!(caller_of_13(v23.caller.clone()).name, "a");
    // Asterisk 17's Channel lacks fields 18 added: a type of its own.
    assert_ne!(
        std::any::type_name::<ari_sdk::v17::Channel>(),
        std::any::type_name::<ari_sdk::v22::Channel>()
    );
}
