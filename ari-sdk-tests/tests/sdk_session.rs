//! End to end, against the fake Asterisk, with the public API only: an
//! application takes a call, plays, collects digits, survives a websocket
//! drop in the middle, records, bridges and hangs up, and knows about every
//! event of its calls.

mod sdk_support;

use std::time::Duration;

use ari_sdk::handles::{
    HandleEnded, IfExists, Prompt, PromptEnd, RecordOptions, ResourceKind, TerminateOn,
};
use ari_sdk::stream::{StreamError, StreamItem};
use ari_sdk::v20::device_states::DeviceState;
use ari_sdk::v20::{Ari, Event, LiveRecordingState, PlaybackState};
use futures::StreamExt as _;
use sdk_support::{
    connect, delivered_about_channel, event_types, next, read_until, start_fake, APP, PASSWORD,
    WAIT,
};
use std::future::IntoFuture as _;

#[tokio::test]
async fn a_whole_call_survives_a_websocket_drop() {
    let fake = start_fake().await;
    let (_ari, app) = connect(&fake).await;
    let mut calls = app.calls();

    // A call comes in.
    let alice = fake
        .call_into_app(APP, "3001", &["sales", "vip"])
        .expect("call");
    let call = next(&mut calls).await;
    assert_eq!(call.id(), alice.channel_id());
    assert_eq!(call.args(), ["sales", "vip"]);
    assert_eq!(call.snapshot().caller.number, "3001");
    let mut call_events = call.events();
    call.answer().await.expect("answer");

    // Play to the end; the playback's own events all arrive.
    let playback = call
        .play(["sound:hello-world"])
        .start()
        .await
        .expect("play");
    assert_eq!(playback.target(), Some((ResourceKind::Channel, call.id())));
    let mut playback_events = playback.events();
    let done = playback.finished().await.expect("finished");
    assert_eq!(done.id, playback.id());
    assert_eq!(done.state, PlaybackState::Done);
    let seen = read_until(&mut playback_events, |item| {
        matches!(item.event().map(|e| &**e), Some(Event::PlaybackFinished(_)))
    })
    .await;
    assert_eq!(event_types(&seen), ["PlaybackStarted", "PlaybackFinished"]);
    assert_eq!(alice.heard(), ["sound:hello-world"]);

    // Collect a PIN: the caller types while the prompt plays.
    let presser = {
        let alice = alice.clone();
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(30)).await;
            alice.press("12#").await;
        })
    };
    let reply = call
        .prompt(&Prompt::new(["sound:demo-congrats"]).max_digits(4))
        .await
        .expect("prompt");
    presser.await.expect("pressed");
    assert_eq!(reply.digits, "12");
    assert_eq!(reply.end, PromptEnd::Terminator('#'));

    // The websocket drops in the middle of the call.
    fake.drop_websockets();
    let gap = read_until(&mut call_events, |item| {
        matches!(item, StreamItem::Reconnected { .. })
    })
    .await;
    assert!(
        gap.iter()
            .any(|item| matches!(item, StreamItem::Disconnected { .. })),
        "the call's stream tells of the gap: {gap:?}"
    );
    let mut before_gap = gap;

    // Reconciled: the call still exists, so it lives on.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(call.end_reason(), None);

    // Record a message: it stops on silence.
    let recording = call
        .record(
            RecordOptions::new("wav")
                .name("sdk-msg-1")
                .max_silence_seconds(2)
                .beep(true),
        )
        .start()
        .await
        .expect("record");
    assert_eq!(recording.id(), "sdk-msg-1");
    alice.speak(1000).await;
    let message = recording.finished().await.expect("recorded");
    assert_eq!(message.name, "sdk-msg-1");
    assert_eq!(message.state, LiveRecordingState::Done);
    assert!(fake
        .stored_recordings()
        .iter()
        .any(|r| r.name == "sdk-msg-1" && r.format == "wav"));

    // A second caller; both are bridged.
    let bob = fake.call_into_app(APP, "3002", &[]).expect("call");
    let call2 = next(&mut calls).await;
    assert_eq!(call2.id(), bob.channel_id());
    call2.answer().await.expect("answer");
    let bridge = app
        .bridge_channels([call.channel(), call2.channel()])
        .await
        .expect("bridged");
    let mut members = fake.bridge_channels(bridge.id()).expect("bridge exists");
    members.sort();
    let mut expected = vec![call.id().to_string(), call2.id().to_string()];
    expected.sort();
    assert_eq!(members, expected);

    // Bob hangs up; the application hangs up Alice and destroys the bridge.
    bob.hangup();
    let reason = tokio::time::timeout(WAIT, call2.ended())
        .await
        .expect("ends");
    assert!(
        matches!(
            reason,
            HandleEnded::LeftApplication | HandleEnded::HungUp { .. }
        ),
        "{reason:?}"
    );
    // Alice is still in the bridge, so the application is subscribed to it
    // and hears of its end.
    bridge.destroy().await.expect("destroy");
    assert_eq!(
        tokio::time::timeout(WAIT, bridge.ended())
            .await
            .expect("ends"),
        HandleEnded::Destroyed
    );
    call.hangup().await.expect("hangup");
    alice.wait_hangup(WAIT).await.expect("alice hung up");
    tokio::time::timeout(WAIT, call.ended())
        .await
        .expect("ends");

    // Every event Asterisk sent about Alice's channel after her StasisStart
    // reached the call's stream, in order, around the notices of the gap.
    let after_gap = read_until(&mut call_events, |item| {
        matches!(item.event().map(|e| &**e), Some(Event::StasisEnd(_)))
    })
    .await;
    before_gap.extend(after_gap);
    // Whatever Asterisk still sends about the channel (a ChannelDestroyed,
    // while the application follows it).
    while let Ok(Some(item)) =
        tokio::time::timeout(std::time::Duration::from_millis(300), call_events.next()).await
    {
        before_gap.push(item);
    }
    let mut sent = delivered_about_channel(&fake, alice.channel_id());
    assert_eq!(sent.first().map(String::as_str), Some("StasisStart"));
    sent.remove(0);
    assert_eq!(event_types(&before_gap), sent);
    for expected in [
        "ChannelStateChange",
        "PlaybackStarted",
        "ChannelDtmfReceived",
        "RecordingFinished",
        "ChannelEnteredBridge",
        "ChannelLeftBridge",
        "StasisEnd",
    ] {
        assert!(sent.iter().any(|t| t == expected), "{expected}: {sent:?}");
    }
    fake.shutdown().await;
}

#[tokio::test]
async fn finished_fails_when_the_channel_hangs_up_first() {
    let fake = start_fake().await;
    let (ari, app) = connect(&fake).await;
    let mut calls = app.calls();
    let caller = fake.call_into_app(APP, "3003", &[]).expect("call");
    let call = next(&mut calls).await;
    call.answer().await.expect("answer");
    let playing = call
        .play(["sound:demo-congrats"])
        .start()
        .await
        .expect("play");
    let queued = call
        .play(["sound:hello-world"])
        .start()
        .await
        .expect("play");
    let mut playing_events = playing.events();
    read_until(&mut playing_events, |item| {
        matches!(item.event().map(|e| &**e), Some(Event::PlaybackStarted(_)))
    })
    .await;

    caller.hangup();
    // The playing one is ended by the hangup, as Asterisk reports it
    // (PlaybackFinished in state `failed`): nobody heard it to the end.
    let cut = playing.finished().await.expect_err("a cut playback");
    assert_eq!(
        cut.ended(),
        Some(&HandleEnded::Failed { cause: None }),
        "{cut}"
    );
    // ...the queued one never starts: its channel went away first.
    let error = tokio::time::timeout(WAIT, queued.finished())
        .await
        .expect("does not wait forever")
        .expect_err("the channel is gone");
    assert_eq!(
        error.ended(),
        Some(&HandleEnded::TargetGone {
            kind: ResourceKind::Channel,
            id: call.id().to_string()
        }),
        "{error}"
    );
    assert!(call.end_reason().is_some());
    // A prompt on a channel that is gone fails at once.
    let error = call
        .prompt(&Prompt::new(Vec::<String>::new()))
        .await
        .expect_err("gone");
    // Known from the events, without a request: the call's own end.
    assert!(
        matches!(
            error.ended(),
            Some(HandleEnded::LeftApplication | HandleEnded::HungUp { .. })
        ),
        "{error:?}"
    );
    // Hanging up a call that is already gone is done, not an error, for a
    // handle; the REST call itself still says 404.
    call.hangup().await.expect("already gone is done");
    let rest = ari.channels().hangup(call.id()).await.expect_err("404");
    assert!(rest.is_not_found(), "{rest}");
    fake.shutdown().await;
}

#[tokio::test]
async fn finished_fails_for_a_sound_asterisk_cannot_play() {
    let fake = start_fake().await;
    let (_ari, app) = connect(&fake).await;
    let mut calls = app.calls();
    let _caller = fake.call_into_app(APP, "3004", &[]).expect("call");
    let call = next(&mut calls).await;
    call.answer().await.expect("answer");
    let missing = call.play(["sound:no-such"]).start().await.expect("play");
    let error = missing.finished().await.expect_err("nothing was played");
    assert_eq!(
        error.ended(),
        Some(&HandleEnded::Failed { cause: None }),
        "{error}"
    );
    // A playback that played: Ok, and done.
    let played = call
        .play(["sound:hello-world"])
        .start()
        .await
        .expect("play");
    let done = played.finished().await.expect("played");
    assert_eq!(done.state, PlaybackState::Done);
    fake.shutdown().await;
}

#[tokio::test]
async fn a_playback_that_ends_during_the_gap_ends_as_vanished() {
    let fake = start_fake().await;
    let (_ari, app) = connect(&fake).await;
    let mut calls = app.calls();
    let _caller = fake.call_into_app(APP, "3004", &[]).expect("call");
    let call = next(&mut calls).await;
    call.answer().await.expect("answer");
    // 1.4 s at the fake's time scale: over well before the reconnect.
    let playback = call
        .play(["sound:hello-world"])
        .start()
        .await
        .expect("play");
    fake.drop_websockets();
    let error = tokio::time::timeout(WAIT, playback.finished())
        .await
        .expect("does not wait forever")
        .expect_err("its end was lost in the gap");
    assert_eq!(
        error.ended(),
        Some(&HandleEnded::VanishedDuringReconnect),
        "{error}"
    );
    // The call itself is still there after reconciling. (A stream outlives
    // the handle it came from.)
    let mut events = app.channel(call.id()).events();
    call.play(["sound:beep"]).await.expect("still playable");
    read_until(&mut events, |item| {
        matches!(item.event().map(|e| &**e), Some(Event::PlaybackFinished(_)))
    })
    .await;
    assert_eq!(call.end_reason(), None);
    fake.shutdown().await;
}

#[tokio::test]
async fn originated_channels_and_timeouts() {
    let fake = start_fake().await;
    let (_ari, app) = connect(&fake).await;
    let bob = fake.phone("PJSIP/bob").expect("phone");
    let channel = app
        .originate_staged(|ari, id| {
            ari.channels()
                .originate_with_id(id, "PJSIP/bob")
                .app(APP)
                .caller_id("Robot <100>")
        })
        .await
        .expect("originated");
    // Staged: the stream existed before the originate, so StasisStart (on
    // answer) arrives on it and not as an incoming call.
    let mut events = channel.events();
    let ringing = bob.next_incoming(sdk_support::WAIT).await.expect("rings");
    assert_eq!(ringing.channel_id(), channel.id());
    ringing.answer().expect("answers");
    read_until(&mut events, |item| {
        matches!(item.event().map(|e| &**e), Some(Event::StasisStart(_)))
    })
    .await;
    // Nobody presses anything: the prompt times out with no digits.
    let reply = channel
        .prompt(
            &Prompt::new(["sound:beep"]).first_digit_timeout(std::time::Duration::from_millis(50)),
        )
        .await
        .expect("prompt");
    assert_eq!(reply.digits, "");
    assert_eq!(reply.end, PromptEnd::Timeout);
    // A matcher ends the input as soon as it accepts.
    let presser = {
        let ringing = ringing.clone();
        tokio::spawn(async move { ringing.press("27").await })
    };
    let reply = channel
        .prompt(&Prompt::new(Vec::<String>::new()).matching(|d| d.starts_with('2')))
        .await
        .expect("prompt");
    presser.await.expect("pressed");
    assert_eq!(
        (reply.digits.as_str(), reply.end),
        ("2", PromptEnd::Matched)
    );
    channel.hangup().await.expect("hangup");
    tokio::time::timeout(WAIT, channel.ended())
        .await
        .expect("ends");
    fake.shutdown().await;
}

/// Whether `item` is a `DeviceStateChanged` of `device` to `state`.
fn device_changed(item: &StreamItem<Event>, device: &str, state: &str) -> bool {
    matches!(
        item.event().map(|e| &**e),
        Some(Event::DeviceStateChanged(e))
            if e.device_state.name == device && e.device_state.state.as_str() == state
    )
}

#[tokio::test]
async fn device_state_subscriptions_come_back_after_a_reconnect() {
    let fake = start_fake().await;
    let (ari, app) = connect(&fake).await;
    let mut events = app.event_stream().subscribe();
    ari.applications()
        .subscribe(APP, ["deviceState:Stasis:lamp"])
        .await
        .expect("subscribed");
    ari.device_states()
        .update("Stasis:lamp", DeviceState::Busy)
        .await
        .expect("set");
    read_until(&mut events, |item| {
        device_changed(item, "Stasis:lamp", "BUSY")
    })
    .await;

    // Asterisk forgets an application's subscriptions with its websocket.
    fake.drop_websockets();
    read_until(&mut events, |item| {
        matches!(item, StreamItem::Reconnected { .. })
    })
    .await;
    // The SDK subscribes again (in the background, right after).
    let restored = async {
        loop {
            let subscribed = fake.application(APP).is_some_and(|app| {
                app["device_names"]
                    .as_array()
                    .is_some_and(|names| names.iter().any(|n| n == "Stasis:lamp"))
            });
            if subscribed {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::time::timeout(WAIT, restored)
        .await
        .expect("the subscription is restored");
    ari.device_states()
        .update("Stasis:lamp", DeviceState::Inuse)
        .await
        .expect("set");
    read_until(&mut events, |item| {
        device_changed(item, "Stasis:lamp", "INUSE")
    })
    .await;

    fake.shutdown().await;
}

/// `StasisApp::registered` resolves once Asterisk has registered the
/// application, and says why when it never will: refused credentials, or a
/// stream closed before it connected.
#[tokio::test]
async fn registered_waits_for_the_application_or_says_why_not() {
    let fake = start_fake().await;
    let (_ari, app) = connect(&fake).await;
    app.registered().await.expect("still registered");
    assert!(fake.application(APP).is_some());

    let app_with = |url: String, password: &str| {
        let config = ari_sdk::Config::builder()
            .url(url)
            .username("sdk")
            .password(password)
            .application("other-app")
            .build()
            .expect("config");
        // No version check: it would fail first, over REST.
        Ari::new(ari_sdk::Client::new(config).expect("client"))
            .stasis_app()
            .expect("app")
    };
    let refused = app_with(fake.url(), "wrong");
    let error = tokio::time::timeout(WAIT, refused.registered())
        .await
        .expect("settles")
        .expect_err("refused");
    assert!(
        matches!(&error, ari_sdk::Error::Stream(e) if matches!(**e, StreamError::Unauthorized { status: 401 })),
        "{error:?}"
    );

    // Nothing listens there: the stream retries until it is closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let unreachable = app_with(format!("http://127.0.0.1:{port}/ari"), PASSWORD);
    let waiting = {
        let unreachable = unreachable.clone();
        tokio::spawn(async move { unreachable.registered().await })
    };
    unreachable.event_stream().close();
    let error = tokio::time::timeout(WAIT, waiting)
        .await
        .expect("settles")
        .expect("no panic")
        .expect_err("closed");
    assert!(
        matches!(&error, ari_sdk::Error::Stream(e) if matches!(**e, StreamError::Closed)),
        "{error:?}"
    );
}

/// A handle's `play` and `record`, awaited, run to their end: a hangup
/// right after cannot cut them short.
#[tokio::test]
async fn play_and_record_awaited_run_to_their_end() {
    let fake = start_fake().await;
    let (_ari, app) = connect(&fake).await;
    let mut calls = app.calls();
    let alice = fake.call_into_app(APP, "3001", &[]).expect("call");
    let call = next(&mut calls).await;
    call.answer().await.expect("answer");

    let greeting = call
        .play(["sound:hello-world"])
        .await
        .expect("played to its end");
    assert_eq!(greeting.state, PlaybackState::Done);

    // The recording stops on a second of silence after alice spoke.
    let speaking = alice.speak(500);
    let (message, ()) = tokio::join!(
        call.record(
            RecordOptions::new("wav")
                .name("sdk-awaited")
                .max_silence_seconds(1)
                .terminate_on(TerminateOn::Hash)
                .if_exists(IfExists::Overwrite),
        )
        .into_future(),
        speaking
    );
    let message = message.expect("recorded to its end");
    assert_eq!(message.name, "sdk-awaited");
    assert_eq!(message.state, LiveRecordingState::Done);

    call.hangup().await.expect("hangup");
    let types = delivered_about_channel(&fake, alice.channel_id());
    let finished = types
        .iter()
        .position(|t| t == "PlaybackFinished")
        .expect("the greeting finished");
    let hangup = types
        .iter()
        .position(|t| t == "ChannelHangupRequest")
        .expect("hung up");
    assert!(finished < hangup, "{types:?}");
}
