//! The `voicemail` example against the fake: messages recorded after the
//! beep are stored and counted in the mailbox; the owner's menu announces
//! and plays them, and `7` deletes the one playing.

#[path = "../../ari-sdk/examples/voicemail/main.rs"]
#[allow(dead_code)]
mod example;
mod examples_support;

use std::time::Duration;

use examples_support::real_asterisk::{RealTest, REAL_WAIT};
use examples_support::{eventually, spawn_stasis_app, start_fake, while_disconnected, WAIT};
use fake_asterisk::FakeAsterisk;

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
    let fake = start_fake(example::demo::fake_asterisk()).await;
    let app = spawn_stasis_app(&fake, example::APP, example::app).await;

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
    let fake = start_fake(example::demo::fake_asterisk()).await;
    let app = spawn_stasis_app(&fake, example::APP, example::app).await;

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

/// On a real Asterisk (it empties mailbox 1001 first): a caller who presses
/// `#` after speaking hears the prompt, the beep and goodbye, and leaves a
/// message; a caller who hangs up while speaking leaves one too; the owner
/// hears the count and the messages, deletes the one playing with `7`, and
/// the mailbox counts follow.
#[tokio::test]
#[cfg_attr(not(real_asterisk), ignore = "needs a real Asterisk: set ARI_TEST_URL")]
async fn real_asterisk() {
    let real = RealTest::start().await;
    let (asterisk, observer, control) = (&real.asterisk, &real.observer, &real.control);
    for name in example::messages(control, example::MAILBOX)
        .await
        .expect("messages")
    {
        control
            .recordings()
            .delete_stored(&name)
            .await
            .expect("an old message deleted");
    }
    control
        .mailboxes()
        .update(example::MAILBOX, 0, 0)
        .await
        .expect("the mailbox emptied");
    let app = spawn_stasis_app(asterisk, example::APP, example::app).await;
    let counts = || async {
        let mailbox = control
            .mailboxes()
            .get(example::MAILBOX)
            .await
            .expect("the mailbox");
        (mailbox.old_messages, mailbox.new_messages)
    };

    // Alice waits for the beep, speaks and presses `#` (caller `talkhash`).
    let alice = real
        .call(example::LEAVE_EXTENSION, "talkhash", Some("alice <1>"))
        .await;
    observer.wait_destroyed(&alice.app_side, REAL_WAIT).await;
    // The beep is part of the recording on a real Asterisk, not a playback.
    assert_eq!(
        observer.played_on(&format!("channel:{}", alice.app_side)),
        ["sound:vm-intro", "sound:vm-goodbye"]
    );
    let first = example::messages(control, example::MAILBOX)
        .await
        .expect("messages");
    assert_eq!(first.len(), 1, "{first:?}");
    let recorded: Vec<_> = observer
        .channel_events(&alice.app_side)
        .into_iter()
        .filter(|e| e["type"] == "RecordingFinished")
        .collect();
    assert_eq!(recorded.len(), 1, "{recorded:#?}");
    assert_eq!(recorded[0]["recording"]["name"], first[0].as_str());
    assert_eq!(counts().await, (0, 1));

    // Bob speaks and hangs up (caller `talk`): his message is kept too.
    let bob = real
        .call(example::LEAVE_EXTENSION, "talk", Some("bob <2>"))
        .await;
    observer.wait_destroyed(&bob.app_side, REAL_WAIT).await;
    let mut both = Vec::new();
    for _ in 0..50 {
        both = example::messages(control, example::MAILBOX)
            .await
            .expect("messages");
        if both.len() == 2 && counts().await == (0, 2) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(both.len(), 2, "{both:?}");
    assert_eq!(both[0], first[0], "names sort oldest first");
    assert_eq!(counts().await, (0, 2));

    // The owner presses 7 ~4 s in (caller `listen7`), during a message.
    let owner = real
        .call(example::LISTEN_EXTENSION, "listen7", Some("owner <1001>"))
        .await;
    observer.wait_destroyed(&owner.app_side, REAL_WAIT).await;
    let heard = observer.played_on(&format!("channel:{}", owner.app_side));
    assert_eq!(
        heard[..3],
        ["sound:vm-youhave", "number:2", "sound:vm-messages"],
        "{heard:?}"
    );
    let deleted_at = heard
        .iter()
        .position(|m| m == "sound:vm-deleted")
        .unwrap_or_else(|| panic!("a message deleted: {heard:?}"));
    let deleted = heard[deleted_at - 1]
        .strip_prefix("recording:")
        .unwrap_or_else(|| panic!("a message was playing: {heard:?}"))
        .to_string();
    assert_eq!(heard.last().map(String::as_str), Some("sound:vm-goodbye"));
    let kept: Vec<String> = both.iter().filter(|m| **m != deleted).cloned().collect();
    assert_eq!(kept.len(), 1, "{deleted} is one of {both:?}");
    assert_eq!(
        example::messages(control, example::MAILBOX)
            .await
            .expect("messages"),
        kept
    );
    assert_eq!(counts().await, (1, 0), "one heard, none new");
    app.stop().await.expect("the app ends cleanly");
    real.close().await;
}
