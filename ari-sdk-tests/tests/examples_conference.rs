//! The `conference` example against the fake: everyone ends up in one
//! bridge, joins and leaves are announced to the room, `1` mutes and
//! unmutes, and the room closes with its last member.

#[path = "../../ari-sdk/examples/conference/main.rs"]
#[allow(dead_code)]
mod example;
mod examples_support;

use examples_support::real_asterisk::{RealTest, REAL_WAIT};
use examples_support::{eventually, spawn_stasis_app, start_fake, while_disconnected, WAIT};
use fake_asterisk::{Call, FakeAsterisk};

fn bridge_of(fake: &FakeAsterisk, call: &Call) -> Option<String> {
    fake.channel_features(call.channel_id())?.bridge
}

fn muted(fake: &FakeAsterisk, call: &Call) -> Option<String> {
    fake.channel_features(call.channel_id())?.muted
}

#[tokio::test]
async fn callers_share_one_room_with_announcements_and_mute() {
    let fake = start_fake(example::demo::fake_asterisk()).await;
    let app = spawn_stasis_app(&fake, example::APP, example::app).await;
    let dial = |name: &str| {
        fake.phone(&format!("PJSIP/{name}"))
            .expect("phone")
            .dial(example::EXTENSION)
            .expect("dial")
    };

    let alice = dial("alice");
    eventually("alice in the room", || bridge_of(&fake, &alice).is_some()).await;
    let room = bridge_of(&fake, &alice).expect("bridge");
    eventually("alice told she is alone", || {
        alice.heard() == ["sound:conf-onlyperson"]
    })
    .await;

    let bob = dial("bob");
    let carol = dial("carol");
    eventually("all three in the room", || {
        fake.bridge_channels(&room).is_some_and(|c| c.len() == 3)
    })
    .await;
    assert_eq!(
        fake.bridge_channels(&room).expect("room"),
        [alice.channel_id(), bob.channel_id(), carol.channel_id()]
    );
    eventually("three joins announced", || {
        fake.played_on_bridge(&room) == ["sound:confbridge-join"; 3]
    })
    .await;
    assert!(
        bob.heard().is_empty(),
        "only the first caller hears they are alone"
    );

    // Bob mutes himself (the room no longer hears him), then unmutes.
    bob.press(example::MUTE_KEY).await;
    eventually("bob muted", || muted(&fake, &bob).as_deref() == Some("in")).await;
    eventually("bob told", || bob.heard() == ["sound:conf-muted"]).await;
    assert_eq!(muted(&fake, &alice), None);
    bob.press(example::MUTE_KEY).await;
    eventually("bob unmuted", || muted(&fake, &bob).is_none()).await;
    eventually("bob told again", || {
        bob.heard() == ["sound:conf-muted", "sound:conf-unmuted"]
    })
    .await;

    // Leaves are announced to those who stay; the last one closes the room.
    alice.hangup();
    eventually("alice's leave announced", || {
        fake.played_on_bridge(&room).last().map(String::as_str) == Some("sound:confbridge-leave")
    })
    .await;
    assert_eq!(
        fake.bridge_channels(&room).expect("room"),
        [bob.channel_id(), carol.channel_id()]
    );
    bob.hangup();
    eventually("bob's leave announced", || {
        fake.played_on_bridge(&room).len() == 5
    })
    .await;
    carol.hangup();
    carol.wait_hangup(WAIT).await.expect("carol gone");
    eventually("the room closed", || fake.bridge_channels(&room).is_none()).await;
    assert_eq!(
        fake.played_on_bridge(&room),
        [
            "sound:confbridge-join",
            "sound:confbridge-join",
            "sound:confbridge-join",
            "sound:confbridge-leave",
            "sound:confbridge-leave",
        ]
    );
    app.stop().await.expect("the app ends cleanly");
    fake.shutdown().await;
}

#[tokio::test]
async fn a_member_who_left_while_the_connection_was_down_leaves_the_room() {
    let fake = start_fake(example::demo::fake_asterisk()).await;
    let app = spawn_stasis_app(&fake, example::APP, example::app).await;
    let dial = |name: &str| {
        fake.phone(&format!("PJSIP/{name}"))
            .expect("phone")
            .dial(example::EXTENSION)
            .expect("dial")
    };
    let alice = dial("alice");
    eventually("alice in the room", || bridge_of(&fake, &alice).is_some()).await;
    let room = bridge_of(&fake, &alice).expect("bridge");
    let bob = dial("bob");
    eventually("both in the room", || {
        fake.bridge_channels(&room).is_some_and(|c| c.len() == 2)
    })
    .await;
    // Bob's join is done (its announcement is the application's last
    // request for it): the fake refuses new connections while the
    // websocket is down, so a join still under way would fail.
    eventually("both joins announced", || {
        fake.played_on_bridge(&room) == ["sound:confbridge-join"; 2]
    })
    .await;

    // Alice hangs up while the application hears nothing.
    while_disconnected(&fake, || alice.hangup()).await;
    // Her leaving is announced once the application is back...
    eventually("alice's leave announced", || {
        fake.played_on_bridge(&room).last().map(String::as_str) == Some("sound:confbridge-leave")
    })
    .await;
    // ...so when bob, the last one, leaves, the room closes.
    bob.hangup();
    eventually("the room closed", || fake.bridge_channels(&room).is_none()).await;
    app.stop().await.expect("the app ends cleanly");
    fake.shutdown().await;
}

/// On a real Asterisk: callers share one room; the first hears that they
/// are alone, every join and leave is announced to the room, a caller who
/// presses the mute key twice hears "muted" then "unmuted", and the room is
/// destroyed when the last caller leaves.
#[tokio::test]
#[cfg_attr(not(real_asterisk), ignore = "needs a real Asterisk: set ARI_TEST_URL")]
async fn real_asterisk() {
    let real = RealTest::start().await;
    let (asterisk, observer, control) = (&real.asterisk, &real.observer, &real.control);
    let app = spawn_stasis_app(asterisk, example::APP, example::app).await;

    let alice = real
        .call(example::EXTENSION, "wait60", Some("alice <1>"))
        .await;
    observer
        .eventually("alice in the room", |o| {
            o.bridge_of(&alice.app_side).is_some()
        })
        .await;
    let room = observer.bridge_of(&alice.app_side).expect("room");
    let on_alice = format!("channel:{}", alice.app_side);
    observer
        .eventually("alice told she is alone", |o| {
            o.played_on(&on_alice) == ["sound:conf-onlyperson"]
        })
        .await;

    // Bob presses the mute key ~3 s after he is answered, and again ~3 s
    // later (the caller extension `conf`).
    let bob = real.call(example::EXTENSION, "conf", Some("bob <2>")).await;
    let carol = real
        .call(example::EXTENSION, "wait60", Some("carol <3>"))
        .await;
    observer
        .eventually("all three in the room", |o| {
            o.bridge_members(&room).len() == 3
        })
        .await;
    let on_room = format!("bridge:{room}");
    observer
        .eventually("three joins announced", |o| {
            o.played_on(&on_room) == ["sound:confbridge-join"; 3]
        })
        .await;
    let on_bob = format!("channel:{}", bob.app_side);
    observer
        .eventually("bob muted, then unmuted", |o| {
            o.played_on(&on_bob) == ["sound:conf-muted", "sound:conf-unmuted"]
        })
        .await;

    real.hang_up(&alice).await;
    observer
        .eventually("alice's leave announced", |o| {
            o.played_on(&on_room).last().map(String::as_str) == Some("sound:confbridge-leave")
        })
        .await;
    assert_eq!(
        observer.bridge_members(&room),
        [bob.app_side.clone(), carol.app_side.clone()]
    );
    for phone in [&bob.phone, &carol.phone] {
        // Bob's caller extension may already have hung up.
        let _ = control.channels().hangup(phone).await;
    }
    observer
        .eventually("the room closed", |o| o.bridge_destroyed(&room))
        .await;
    observer.wait_destroyed(&carol.app_side, REAL_WAIT).await;
    app.stop().await.expect("the app ends cleanly");
    real.close().await;
}
