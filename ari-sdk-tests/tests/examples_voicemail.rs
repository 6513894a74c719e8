//! The `voicemail` example against the fake: messages recorded after the
//! beep are stored and counted in the mailbox; the owner's menu announces
//! and plays them, and `7` deletes the one playing.

#[path = "../../ari-sdk/examples/voicemail.rs"]
#[allow(dead_code)]
mod example;
mod examples_support;

use std::time::Duration;

use fake_asterisk::FakeAsterisk;
use examples_support::{eventually, spawn_app, start_fake, while_disconnected, WAIT};

async fn recording_started(fake: &FakeAsterisk, channel_id: &str) {
    let target = format!("channel:{channel_id}");
    fake.wait_for_event(WAIT, |e| {
        e.event["type"] == "RecordingStarted" && e.event["recording"]["target_uri"] == target
    })
    .await
    .expect("the recording starts");
}

fn messages(fake: &FakeAsterisk) -> Vec<String> {
    let mut names: Vec<String> = fake
        .stored_recordings()
        .into_iter()
        .map(|r| r.name)
        .filter(|name| name.starts_with(&example::message_prefix(example::MAILBOX)))
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn messages_are_recorded_counted_played_and_deleted() {
    let fake = start_fake(example::fake_asterisk()).await;
    let app = spawn_app(&fake, example::APP, example::app).await;

    // Alice records 2 s and presses #: the app says goodbye and hangs up.
    let alice = fake.phone("PJSIP/alice").expect("phone");
    let call = alice.dial(example::LEAVE_EXTENSION).expect("dial");
    recording_started(&fake, call.channel_id()).await;
    call.speak(2000).await;
    call.press("#").await;
    call.wait_hangup(WAIT).await.expect("the app hangs up");
    assert_eq!(
        call.heard(),
        ["sound:vm-intro", "sound:beep", "sound:vm-goodbye"]
    );
    let first = messages(&fake);
    assert_eq!(first.len(), 1, "{first:?}");
    let stored = fake.stored_recordings();
    let alices = stored.iter().find(|r| r.name == first[0]).expect("stored");
    assert_eq!(alices.format, "wav");
    assert!(alices.duration_ms >= 2000, "{alices:?}");
    assert_eq!(fake.mailbox(example::MAILBOX), Some((0, 1)));

    // Bob talks and hangs up: his message is kept and counted too.
    let bob = fake.phone("PJSIP/bob").expect("phone");
    let call = bob.dial(example::LEAVE_EXTENSION).expect("dial");
    recording_started(&fake, call.channel_id()).await;
    call.speak(1000).await;
    call.hangup();
    eventually("two new messages", || {
        fake.mailbox(example::MAILBOX) == Some((0, 2))
    })
    .await;
    let both = messages(&fake);
    assert_eq!(both.len(), 2);
    assert_eq!(both[0], first[0], "names sort oldest first");

    // The owner hears the count and both messages, deleting bob's.
    let owner = fake.phone("PJSIP/owner").expect("phone");
    let call = owner.dial(example::LISTEN_EXTENSION).expect("dial");
    let bobs = format!("recording:{}", both[1]);
    fake.wait_for_event(WAIT, |e| {
        e.event["type"] == "PlaybackStarted" && e.event["playback"]["media_uri"] == bobs
    })
    .await
    .expect("bob's message plays");
    call.press("7").await;
    call.wait_hangup(WAIT).await.expect("the app hangs up");
    assert_eq!(
        call.heard(),
        [
            "sound:vm-youhave".to_string(),
            "number:2".into(),
            "sound:vm-messages".into(),
            format!("recording:{}", both[0]),
            bobs.clone(),
            "sound:vm-deleted".into(),
            "sound:vm-goodbye".into(),
        ]
    );
    assert_eq!(
        messages(&fake),
        [both[0].clone()],
        "bob's message is deleted"
    );
    assert_eq!(
        fake.mailbox(example::MAILBOX),
        Some((1, 0)),
        "one heard, none new"
    );

    // Calling again: one message, announced in the singular.
    let call = owner.dial(example::LISTEN_EXTENSION).expect("dial");
    call.wait_hangup(Duration::from_secs(5))
        .await
        .expect("hangs up");
    assert_eq!(
        call.heard()[..3],
        ["sound:vm-youhave", "number:1", "sound:vm-message"]
    );
    app.stop().await.expect("the app ends cleanly");
    fake.shutdown().await;
}

#[tokio::test]
async fn a_message_left_while_the_connection_was_down_is_counted() {
    let fake = start_fake(example::fake_asterisk()).await;
    let app = spawn_app(&fake, example::APP, example::app).await;

    let carol = fake.phone("PJSIP/carol").expect("phone");
    let call = carol.dial(example::LEAVE_EXTENSION).expect("dial");
    recording_started(&fake, call.channel_id()).await;
    call.speak(1000).await;
    // Carol ends her message by hanging up while the application hears
    // nothing: her StasisEnd is lost.
    while_disconnected(&fake, || call.hangup()).await;
    // The application learns she is gone once it is back: the message is
    // kept and counted.
    eventually("the message counted", || {
        fake.mailbox(example::MAILBOX) == Some((0, 1))
    })
    .await;
    assert_eq!(messages(&fake).len(), 1);
    app.stop().await.expect("the app ends cleanly");
    fake.shutdown().await;
}
