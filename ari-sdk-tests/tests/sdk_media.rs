//! Media over websocket (issue 12): `StasisApp::external_media` creates a
//! `transport=websocket` channel on the fake, connects to its `/media/<id>`
//! and exchanges audio and control messages, in both control formats.
//! Counts only: the fake paces frames by its clock.

mod sdk_support;

use std::time::Duration;

use ari_sdk::media::{
    ControlFormat, MediaChannel, MediaCommand, MediaDirection, MediaEnd, MediaError, MediaEvent,
    MediaItem, MediaSettings,
};
use ari_sdk::v20::{ChannelHandle, StasisApp};
use fake_asterisk::FakeAsterisk;

/// Bounds every wait: a hung test fails instead of hanging CI.
const PATIENCE: Duration = Duration::from_secs(30);

/// The fake (an Asterisk 20 with chan_websocket) and an application on it.
async fn setup() -> (FakeAsterisk, StasisApp) {
    let fake = sdk_support::start_fake().await;
    let (_, app) = sdk_support::connect(&fake).await;
    (fake, app)
}

/// Connecting to `id` is refused with HTTP `status`.
async fn assert_refused(settings: &MediaSettings, id: &str, status: u16) {
    let error = MediaChannel::connect(settings, id)
        .await
        .expect_err("refused");
    match error {
        MediaError::Connect { status: got, .. } => assert_eq!(got, Some(status)),
        other => panic!("unexpected {other:?}"),
    }
}

async fn media(app: &StasisApp, transport_data: Option<&str>) -> (ChannelHandle, MediaChannel) {
    sdk_support::external_media(app, transport_data)
        .await
        .expect("media channel")
}

/// The next item that is not audio (nor a lag notice).
async fn next_control(media: &mut MediaChannel) -> MediaItem {
    tokio::time::timeout(PATIENCE, async {
        loop {
            match media.next().await {
                Some(MediaItem::Audio(_) | MediaItem::Lagged { .. }) => {}
                Some(item) => return item,
                None => panic!("the media stream ended without Ended"),
            }
        }
    })
    .await
    .expect("a control item in time")
}

async fn wait_mark(media: &mut MediaChannel, id: &str) {
    loop {
        match next_control(media).await {
            MediaItem::Event(MediaEvent::MarkProcessed { correlation_id }) => {
                assert_eq!(correlation_id.as_deref(), Some(id));
                return;
            }
            MediaItem::Event(MediaEvent::MediaXoff | MediaEvent::MediaXon) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test]
async fn frames_in_and_out_in_plain_text() {
    let (fake, app) = setup().await;
    let (channel, mut media) = media(&app, None).await;
    let start = media.start().clone();
    assert_eq!(media.format(), ControlFormat::PlainText);
    assert_eq!(
        (start.format.as_str(), start.optimal_frame_size, start.ptime),
        ("ulaw", 160, 20)
    );
    assert_eq!(start.channel_id, channel.id());
    assert!(start.channel.starts_with("WebSocket/"), "{}", start.channel);

    // The far side's frames: 10 of them, frame size each, in order.
    let mut received = Vec::new();
    while received.len() < 10 {
        match tokio::time::timeout(PATIENCE, media.next())
            .await
            .expect("audio")
        {
            Some(MediaItem::Audio(frame)) => received.push(frame),
            Some(MediaItem::Lagged { .. }) => panic!("a reader this quick never lags"),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(received.iter().all(|frame| frame.len() == 160));
    for pair in received.windows(2) {
        assert_eq!(pair[1][0], pair[0][0].wrapping_add(1), "frames in sequence");
    }

    // 25 frames back, then a mark: processed once they have all been played.
    for n in 0..25u8 {
        media.send_audio(vec![n; 160]).await.expect("send");
    }
    media
        .command(MediaCommand::MarkMedia {
            correlation_id: Some("m1".into()),
        })
        .await
        .expect("mark");
    wait_mark(&mut media, "m1").await;
    let record = fake.media_record(channel.id()).expect("a media channel");
    assert_eq!(
        (record.frames_received, record.bytes_received),
        (25, 25 * 160)
    );
    assert_eq!(record.frames_played, 25);
    assert_eq!(record.frames_dropped, 0);
    assert_eq!(record.commands, ["MARK_MEDIA"]);
    assert!(record.frames_sent >= 10);

    // The channel answered and entered the application once connected,
    // after the dial events ARI's originate shows (as Asterisk 22.10.1 does).
    let snapshot = fake.channel(channel.id()).expect("the channel");
    assert_eq!(snapshot["state"], "Up");
    let events = sdk_support::delivered_about_channel(&fake, channel.id());
    assert_eq!(
        events[..5],
        [
            "Dial",
            "ChannelStateChange",
            "Dial",
            "ChannelVarset",
            "StasisStart"
        ],
        "{events:?}"
    );

    // SET_MEDIA_DIRECTION is JSON-only: refused before it is sent.
    let refused = media
        .command(MediaCommand::SetMediaDirection(MediaDirection::In))
        .await;
    assert!(
        matches!(refused, Err(MediaError::JsonOnly(_))),
        "{refused:?}"
    );
}

#[tokio::test]
async fn xoff_pauses_and_xon_resumes_without_loss_in_json() {
    let (fake, app) = setup().await;
    let (channel, mut media) = media(&app, Some("f(json)")).await;
    assert_eq!(media.format(), ControlFormat::Json);
    // Paused, Asterisk's queue only fills: XOFF at 900 frames.
    media
        .command(MediaCommand::PauseMedia)
        .await
        .expect("pause");
    // Once STATUS says so, the pause is in effect.
    media
        .command(MediaCommand::GetStatus)
        .await
        .expect("status");
    match next_control(&mut media).await {
        MediaItem::Event(MediaEvent::Status(status)) => assert!(status.media_paused),
        other => panic!("unexpected {other:?}"),
    }
    let sender = media.sender();
    const FRAMES: u64 = 1500;
    let sending = tokio::spawn(async move {
        for n in 0..FRAMES {
            sender
                .send_audio(vec![(n % 256) as u8; 160])
                .await
                .expect("send");
        }
        sender
            .command(MediaCommand::MarkMedia {
                correlation_id: Some("end".into()),
            })
            .await
            .expect("mark");
    });
    let (mut xoff, mut xon) = (0, 0);
    loop {
        match next_control(&mut media).await {
            // Later XOFFs: the sender refills the queue faster than the
            // fake's clock plays it.
            MediaItem::Event(MediaEvent::MediaXoff) if xoff > 0 => xoff += 1,
            MediaItem::Event(MediaEvent::MediaXoff) => {
                xoff += 1;
                assert!(media.sender().is_paused());
                let record = fake.media_record(channel.id()).expect("record");
                let queued = record.frames_received - record.frames_played;
                assert!((900..1000).contains(&queued), "{record:?}");
                // Playing again drains the queue: XON under 800.
                media
                    .command(MediaCommand::ContinueMedia)
                    .await
                    .expect("continue");
            }
            MediaItem::Event(MediaEvent::MediaXon) => xon += 1,
            MediaItem::Event(MediaEvent::MarkProcessed { correlation_id }) => {
                assert_eq!(correlation_id.as_deref(), Some("end"));
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    sending.await.expect("sender");
    assert!(xoff >= 1 && xon >= 1, "xoff {xoff}, xon {xon}");
    let record = fake.media_record(channel.id()).expect("a media channel");
    assert_eq!(record.frames_dropped, 0, "{record:?}");
    assert_eq!(record.frames_received, FRAMES);
    assert_eq!(record.bytes_received, FRAMES * 160);
    assert_eq!(record.frames_played, FRAMES);

    // STATUS answers GET_STATUS: the queue is empty again.
    media
        .command(MediaCommand::GetStatus)
        .await
        .expect("status");
    match next_control(&mut media).await {
        MediaItem::Event(MediaEvent::Status(status)) => {
            assert_eq!(
                (status.queue_length, status.xoff_level, status.xon_level),
                (0, 900, 800)
            );
            assert!(!status.queue_full);
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn hangup_ends_the_stream_with_a_typed_end() {
    let (fake, app) = setup().await;
    for format in [None, Some("f(json)")] {
        let (channel, mut media) = media(&app, format).await;
        media.command(MediaCommand::Hangup).await.expect("hangup");
        match next_control(&mut media).await {
            MediaItem::Ended(MediaEnd::Closed { code, .. }) => assert_eq!(code, Some(1000)),
            other => panic!("unexpected {other:?}"),
        }
        assert!(media.next().await.is_none(), "nothing after Ended");
        tokio::time::timeout(PATIENCE, channel.ended())
            .await
            .expect("the handle hears the hangup");
        assert!(fake.channel(channel.id()).is_none());
    }

    // Hung up through ARI: the same end.
    let (channel, mut media) = media(&app, None).await;
    channel.hangup().await.expect("hangup");
    assert!(matches!(
        next_control(&mut media).await,
        MediaItem::Ended(MediaEnd::Closed {
            code: Some(1000),
            ..
        })
    ));
}

#[tokio::test]
async fn malformed_and_unknown_control_messages_are_typed() {
    let (fake, app) = setup().await;
    let (channel, mut media) = media(&app, Some("f(json)")).await;
    fake.media_send_text(channel.id(), "{\"event\":")
        .expect("sent");
    match next_control(&mut media).await {
        MediaItem::Malformed(error) => assert_eq!(error.raw, "{\"event\":"),
        other => panic!("unexpected {other:?}"),
    }
    fake.media_send_text(channel.id(), r#"{"event":"MEDIA_START","channel":"x"}"#)
        .expect("sent");
    assert!(matches!(
        next_control(&mut media).await,
        MediaItem::Malformed(_)
    ));
    fake.media_send_text(channel.id(), r#"{"event":"SOMETHING_NEW","x":1}"#)
        .expect("sent");
    match next_control(&mut media).await {
        MediaItem::Event(MediaEvent::Unknown { name, .. }) => assert_eq!(name, "SOMETHING_NEW"),
        other => panic!("unexpected {other:?}"),
    }
    // The connection goes on: DTMF sent to the channel arrives as DTMF_END.
    app.ari()
        .channels()
        .send_dtmf(channel.id())
        .dtmf("7")
        .await
        .expect("dtmf");
    assert_eq!(
        next_control(&mut media).await,
        MediaItem::Event(MediaEvent::DtmfEnd { digit: '7' })
    );
    // A bad direction is Asterisk's ERROR, typed.
    media
        .command(MediaCommand::SetMediaDirection(MediaDirection::Out))
        .await
        .expect("direction");
    fake.media_send_text(channel.id(), "junk").expect("sent");
    assert!(matches!(
        next_control(&mut media).await,
        MediaItem::Malformed(_)
    ));
}

#[tokio::test]
async fn unknown_connection_ids_are_refused() {
    let (fake, app) = setup().await;
    let settings = MediaSettings::for_client(app.ari().client());
    assert_refused(&settings, "no-such-id", 404).await;
    // A second connection for one id is a 409.
    let (channel, media) = media(&app, None).await;
    assert!(fake.media_record(channel.id()).expect("record").connected);
    assert_refused(&settings, &media.start().connection_id, 409).await;
}
