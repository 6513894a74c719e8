//! The handles of other majors than 20, against the fake reporting that
//! major: the same application code, each module's own operations (13's
//! `play` takes one media URI, later ones a list).

mod sdk_support;

use std::time::Duration;

use ari_sdk::handles::{HandleEnded, Prompt, PromptEnd, ResourceKind};
use fake_asterisk::FakeAsterisk;
use futures::StreamExt as _;

async fn fake(version: &str) -> FakeAsterisk {
    FakeAsterisk::builder()
        .version(version)
        .time_scale(0.02)
        .build()
        .start()
        .await
        .expect("fake")
}

fn config(fake: &FakeAsterisk) -> ari_sdk::Config {
    ari_sdk::Config::builder()
        .url(fake.url())
        .username(fake.username())
        .password(fake.password())
        .application("versions")
        .build()
        .expect("config")
}

macro_rules! call_flow {
    ($module:ident, $version:literal) => {{
        use ari_sdk::$module::{Ari, Event};
        let fake = fake($version).await;
        let ari = Ari::connect(config(&fake)).await.expect("right major");
        let app = ari.stasis_app().expect("app");
        let mut state = app.event_stream().state_changes();
        state
            .wait_for(|s| *s == ari_sdk::stream::ConnectionState::Connected)
            .await
            .expect("connected");
        let mut calls = app.calls();
        let caller = fake.call_into_app("versions", "200", &["x"]).expect("call");
        let call = tokio::time::timeout(sdk_support::WAIT, calls.next())
            .await
            .expect("in time")
            .expect("a call");
        assert_eq!(call.args(), ["x"]);
        call.answer().await.expect("answer");
        let playback = call.play(["sound:beep"]).start().await.expect("play");
        assert_eq!(playback.finished().await.expect("done").id, playback.id());
        let presser = {
            let caller = caller.clone();
            tokio::spawn(async move { caller.press("9").await })
        };
        let reply = call
            .prompt(&Prompt::new(Vec::<String>::new()).max_digits(1))
            .await
            .expect("prompt");
        presser.await.expect("pressed");
        assert_eq!(
            (reply.digits.as_str(), reply.end),
            ("9", PromptEnd::MaxDigits)
        );
        let start: &Event = call.start_event();
        assert!(matches!(start, Event::StasisStart(_)));
        assert!(start.concerns(ResourceKind::Channel, call.id()));
        assert!(!start.concerns(ResourceKind::Bridge, call.id()));
        assert!(!start.concerns(ResourceKind::Channel, "another"));
        caller.hangup();
        let reason = tokio::time::timeout(Duration::from_secs(5), call.ended())
            .await
            .expect("ends");
        assert_eq!(reason, HandleEnded::LeftApplication);
        fake.shutdown().await;
    }};
}

#[tokio::test]
async fn asterisk_13() {
    call_flow!(v13, "13.38.3");
}

#[tokio::test]
async fn asterisk_16() {
    call_flow!(v16, "16.30.1");
}

#[tokio::test]
async fn asterisk_23() {
    call_flow!(v23, "23.4.1");
}

#[tokio::test]
async fn the_server_says_which_module_fits() {
    let fake = fake("18.26.4").await;
    let client = ari_sdk::Client::new(config(&fake)).expect("client");
    assert_eq!(client.asterisk_major().await.expect("major"), 18);
    assert!(ari_sdk::enabled_majors().contains(&18));
    assert_eq!(ari_sdk::enabled_majors().len(), 11);
    fake.shutdown().await;
}

/// An operation newer than the server's release fails before it is sent,
/// naming both releases; with the check off (or on a release that has it)
/// it is sent and Asterisk answers.
#[tokio::test]
async fn an_operation_newer_than_the_servers_release_is_not_sent() {
    use ari_sdk::v22::Ari;

    let old = fake("22.3.0").await;
    let ari = Ari::connect(config(&old)).await.expect("a 22");
    let error = ari
        .events()
        .claim_channel("no-such-channel", "versions")
        .await
        .expect_err("too new");
    assert!(
        matches!(
            &error,
            ari_sdk::Error::NotInRelease {
                operation: "events.claimChannel",
                parameter: None,
                needs: "22.10.0",
                server,
            } if server == "22.3.0"
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "events.claimChannel needs Asterisk 22.10.0; this server runs 22.3.0"
    );
    // What 22.3.0 already had is sent as ever.
    ari.channels().list().await.expect("channels.list");

    let unchecked = ari_sdk::Config::builder()
        .url(old.url())
        .username(old.username())
        .password(old.password())
        .application("versions")
        .release_check(false)
        .build()
        .expect("config");
    let sent = Ari::connect(unchecked)
        .await
        .expect("a 22")
        .events()
        .claim_channel("no-such-channel", "versions")
        .await
        .expect_err("no such channel");
    assert!(sent.status().is_some(), "sent and answered: {sent:?}");

    let new = fake("22.10.1").await;
    let sent = Ari::connect(config(&new))
        .await
        .expect("a 22")
        .events()
        .claim_channel("no-such-channel", "versions")
        .await
        .expect_err("no such channel");
    assert!(sent.status().is_some(), "sent and answered: {sent:?}");
}

/// A parameter newer than the server's release (externalMedia's
/// `transport_data` came in 22.8.0) fails the request before it is sent;
/// the same operation without it is sent.
#[tokio::test]
async fn a_parameter_newer_than_the_servers_release_is_not_sent() {
    use ari_sdk::v22::Ari;

    let old = fake("22.6.0").await;
    let ari = Ari::connect(config(&old)).await.expect("a 22");
    let media = || {
        ari.channels()
            .external_media("versions", "ulaw")
            .external_host("127.0.0.1:9")
    };
    let error = media()
        .transport_data("f(json)")
        .await
        .expect_err("too new");
    assert!(
        matches!(
            &error,
            ari_sdk::Error::NotInRelease {
                operation: "channels.externalMedia",
                parameter: Some("transport_data"),
                needs: "22.8.0",
                server,
            } if server == "22.6.0"
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "channels.externalMedia parameter `transport_data` needs Asterisk 22.8.0; this server runs 22.6.0"
    );
    let channel = media().await.expect("sent without it");
    assert!(
        !channel.id.is_empty(),
        "answered with the channel: {channel:?}"
    );
    old.shutdown().await;
}
