//! The `voice_bot` example against the fake: the caller is bridged with a
//! media websocket channel, hears their audio back (every frame the bot
//! echoed reached Asterisk, none dropped), the keys they press reach the
//! bot as `DTMF_END`, and `#` ends the call.

#[path = "../../ari-sdk/examples/voice_bot/main.rs"]
#[allow(dead_code)]
mod example;
mod examples_support;

use example::{CallReport, Ending};
use examples_support::real_asterisk::{RealTest, REAL_WAIT};
use examples_support::{spawn_stasis_app, start_fake, WAIT};
use fake_asterisk::FakeAsterisk;
use tokio::sync::mpsc;

/// The example's application, its reports sent to the test.
async fn reporting(
    server: &impl examples_support::Server,
    app: &str,
) -> (
    examples_support::Running<example::common::Result>,
    mpsc::UnboundedReceiver<CallReport>,
) {
    let (reports, received) = mpsc::unbounded_channel();
    let running = spawn_stasis_app(server, app, move |stasis| {
        example::app_reporting(stasis, move |report| {
            let _ = reports.send(report);
        })
    })
    .await;
    (running, received)
}

/// The fake with the example's application on it, and a call from
/// `phone` into the bot, bridged with its media channel.
async fn call_the_bot(
    phone: &str,
) -> (
    FakeAsterisk,
    examples_support::Running<example::common::Result>,
    mpsc::UnboundedReceiver<CallReport>,
    fake_asterisk::Call,
    String,
) {
    let fake = start_fake(example::demo::fake_asterisk()).await;
    let (app, reports) = reporting(&fake, example::APP).await;
    let call = fake
        .phone(phone)
        .expect("phone")
        .dial(example::EXTENSION)
        .expect("dials");
    let media = example::demo::media_channel_of(&fake, call.channel_id())
        .await
        .expect("bridged with a media channel");
    (fake, app, reports, call, media)
}

async fn next_report(reports: &mut mpsc::UnboundedReceiver<CallReport>) -> CallReport {
    tokio::time::timeout(REAL_WAIT, reports.recv())
        .await
        .expect("the bot reports the call")
        .expect("the bot runs")
}

#[tokio::test]
async fn the_caller_hears_their_echo_and_ends_with_the_hash_key() {
    let (fake, app, mut reports, call, media) = call_the_bot("PJSIP/alice").await;
    // Some of the caller's audio, echoed, before the keys.
    tokio::time::timeout(WAIT, async {
        while fake.media_record(&media).map_or(0, |r| r.frames_received) < 20 {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the echo reaches the media channel");
    call.press("5").await;
    call.press("#").await;
    call.wait_hangup(WAIT).await.expect("the bot hangs up");

    let report = next_report(&mut reports).await;
    assert_eq!(report.media_channel, media);
    assert_eq!(report.digits, "5#");
    assert_eq!(report.ending, Ending::EndDigit);
    assert_eq!(report.tone_frames, 0);
    assert!(report.frames_echoed >= 20, "{report}");
    assert_eq!(report.frames_echoed, report.frames_in, "{report}");
    // What the bot sent is what the media channel got, all played: the
    // bot waited for its mark before hanging up.
    let record = fake.media_record(&media).expect("a media channel");
    assert_eq!(record.frames_received, report.frames_echoed, "{record:?}");
    assert_eq!(record.frames_played, record.frames_received, "{record:?}");
    assert_eq!(record.frames_dropped, 0, "{record:?}");
    assert!(record.frames_sent >= report.frames_in, "{record:?}");
    // The bot hung up both channels.
    assert!(fake.channel(&media).is_none());
    assert!(fake.channel(call.channel_id()).is_none());
    app.stop().await.expect("the app ends cleanly");
    fake.shutdown().await;
}

#[tokio::test]
async fn a_tone_longer_than_the_queue_loses_nothing() {
    let (fake, app, mut reports, call, media) = call_the_bot("PJSIP/bob").await;
    call.press(&example::TONE_DIGIT.to_string()).await;
    // More than the tone's length of audio reached the media channel
    // (echo and tone; the sender waits through XOFF), then the end: `#`
    // stops a tone still being sent.
    tokio::time::timeout(WAIT, async {
        while fake.media_record(&media).map_or(0, |r| r.frames_received) <= example::TONE_FRAMES {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the tone reaches the media channel");
    call.press("#").await;
    call.wait_hangup(WAIT).await.expect("the bot hangs up");

    let report = next_report(&mut reports).await;
    assert_eq!(report.digits, "1#");
    assert!(
        report.tone_frames > 0 && report.tone_frames <= example::TONE_FRAMES,
        "{report}"
    );
    // Whether the queue reached XOFF depends on how fast the machine
    // sends; that nothing was dropped does not.
    let record = fake.media_record(&media).expect("a media channel");
    assert_eq!(record.frames_dropped, 0, "{record:?}");
    assert_eq!(
        record.frames_received,
        report.frames_echoed + report.tone_frames,
        "{record:?} {report}"
    );
    assert_eq!(record.frames_played, record.frames_received);
    app.stop().await.expect("the app ends cleanly");
    fake.shutdown().await;
}

/// On a real Asterisk 22.8 or later with `chan_websocket` (the kit's
/// 22.10.1): the kit has no voice-bot extension, so the bot runs as the
/// application of extension 700 (`Stasis(quick-start)`), and the caller
/// `listen7` presses `7`, then `#`. The bot echoes the caller's audio,
/// sees both keys on its media websocket and hangs up.
#[tokio::test]
#[cfg_attr(not(real_asterisk), ignore = "needs a real Asterisk: set ARI_TEST_URL")]
async fn real_asterisk() {
    let real = RealTest::start().await;
    let (asterisk, observer) = (&real.asterisk, &real.observer);
    let (app, mut reports) = reporting(asterisk, "quick-start").await;

    let caller = real.call("700", "listen7", Some("alice <5551001>")).await;
    let report = next_report(&mut reports).await;
    assert_eq!(report.digits, "7#", "{report}");
    assert_eq!(report.ending, Ending::EndDigit, "{report}");
    assert!(report.frames_in > 0, "{report}");
    assert_eq!(report.frames_echoed, report.frames_in, "{report}");
    assert_eq!(report.frames_lagged, 0, "{report}");
    observer.wait_destroyed(&caller.app_side, REAL_WAIT).await;
    observer
        .wait_destroyed(&report.media_channel, REAL_WAIT)
        .await;
    // The media channel was bridged with the caller.
    let media_types = observer.channel_event_types(&report.media_channel);
    assert!(
        media_types.iter().any(|t| t == "ChannelEnteredBridge"),
        "{media_types:?}"
    );
    app.stop().await.expect("the app ends cleanly");
    real.close().await;
}
