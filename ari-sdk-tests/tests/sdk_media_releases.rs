//! Media commands by Asterisk release: `MediaChannel` refuses, before
//! sending, a command the connected release's chan_websocket does not take
//! (`MediaError::NotInRelease`), and on a release without `MARK_MEDIA`
//! its sender keeps count with `GET_STATUS` instead of marks of its own
//! (which such a release would never answer). Against the fake reporting
//! each release.

mod sdk_support;

use std::time::Duration;

use ari_sdk::media::{
    MediaChannel, MediaCommand, MediaDirection, MediaError, MediaEvent, MediaItem,
};
use ari_sdk::v20::{ChannelHandle, StasisApp};
use fake_asterisk::FakeAsterisk;
use sdk_support::PASSWORD;

const PATIENCE: Duration = Duration::from_secs(30);

/// A fake reporting Asterisk `version`, and an application on it.
async fn setup(version: &str) -> (FakeAsterisk, StasisApp) {
    let fake = FakeAsterisk::builder()
        .username("sdk")
        .password(PASSWORD)
        .version(version)
        .time_scale(0.02)
        .build()
        .start()
        .await
        .expect("the fake starts");
    let (_, app) = sdk_support::connect(&fake).await;
    (fake, app)
}

async fn media(app: &StasisApp) -> (ChannelHandle, MediaChannel) {
    sdk_support::external_media(app, None)
        .await
        .expect("media channel")
}

fn refused(result: Result<(), MediaError>) -> (&'static str, &'static str, String) {
    match result {
        Err(MediaError::NotInRelease {
            command,
            needs,
            server,
        }) => (command, needs, server),
        other => panic!("not refused for its release: {other:?}"),
    }
}

/// The next item that is not audio.
async fn next_control(media: &mut MediaChannel) -> MediaItem {
    tokio::time::timeout(PATIENCE, async {
        loop {
            match media.next().await {
                Some(MediaItem::Audio(_)) => {}
                Some(item) => return item,
                None => panic!("the media stream ended without Ended"),
            }
        }
    })
    .await
    .expect("a control item in time")
}

#[tokio::test]
async fn the_first_release_refuses_what_came_later() {
    let (fake, app) = setup("20.16.0").await;
    let (channel, mut media) = media(&app).await;
    // 20.16.0 sends no channel_id in MEDIA_START.
    assert_eq!(media.start().channel_id, "");
    for (command, needs) in [
        (MediaCommand::PauseMedia, "20.17.0"),
        (MediaCommand::ContinueMedia, "20.17.0"),
        (MediaCommand::ReportQueueDrained, "20.17.0"),
        (
            MediaCommand::MarkMedia {
                correlation_id: Some("m".into()),
            },
            "20.18.0",
        ),
        (
            MediaCommand::SetMediaDirection(MediaDirection::In),
            "20.19.0",
        ),
    ] {
        let name = command.name();
        assert_eq!(
            refused(media.command(command).await),
            (name, needs, "20.16.0".to_string())
        );
    }
    // What the release has goes through: STATUS answers GET_STATUS.
    media
        .command(MediaCommand::GetStatus)
        .await
        .expect("GET_STATUS is in 20.16.0");
    match next_control(&mut media).await {
        MediaItem::Event(MediaEvent::Status(status)) => assert_eq!(status.xoff_level, 900),
        other => panic!("unexpected {other:?}"),
    }
    // Nothing refused reached Asterisk.
    let record = fake.media_record(channel.id()).expect("a media channel");
    assert_eq!(record.commands, ["GET_STATUS"]);

    // The JSON format (transport_data) came with 20.18.0 too: the REST
    // guard refuses the channel itself.
    let json = sdk_support::external_media(&app, Some("f(json)")).await;
    match json {
        Err(MediaError::Setup(error)) => assert!(
            matches!(
                error.request(),
                Some(ari_sdk::Error::NotInRelease {
                    parameter: Some("transport_data"),
                    ..
                })
            ),
            "{error:?}"
        ),
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn without_marks_the_sender_counts_with_status_requests() {
    // 20.17.0: PAUSE_MEDIA and CONTINUE_MEDIA, no MARK_MEDIA.
    let (fake, app) = setup("20.17.0").await;
    let (channel, mut media) = media(&app).await;
    assert_eq!(media.start().channel_id, channel.id());
    assert!(matches!(
        media
            .command(MediaCommand::MarkMedia {
                correlation_id: None
            })
            .await,
        Err(MediaError::NotInRelease {
            needs: "20.18.0",
            ..
        })
    ));
    // Paused, Asterisk's queue fills to XOFF; more than a window of
    // frames goes through once it plays again, none of them dropped.
    media
        .command(MediaCommand::PauseMedia)
        .await
        .expect("pause");
    let sender = media.sender();
    const FRAMES: u64 = 1_200;
    let sending = tokio::spawn(async move {
        for n in 0..FRAMES {
            sender
                .send_audio(vec![(n % 256) as u8; 160])
                .await
                .expect("send");
        }
    });
    let mut xon = 0;
    while xon == 0 {
        match next_control(&mut media).await {
            MediaItem::Event(MediaEvent::MediaXoff) => {
                assert!(media.sender().is_paused());
                media
                    .command(MediaCommand::ContinueMedia)
                    .await
                    .expect("continue");
            }
            MediaItem::Event(MediaEvent::MediaXon) => xon += 1,
            MediaItem::Lagged { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    tokio::time::timeout(PATIENCE, sending)
        .await
        .expect("every frame is handed over")
        .expect("sender");
    // All of them reach Asterisk: wait until they are played (or lost).
    let record = tokio::time::timeout(PATIENCE, async {
        loop {
            let record = fake.media_record(channel.id()).expect("record");
            if record.frames_played + record.frames_dropped >= FRAMES {
                return record;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{:?}", fake.media_record(channel.id())));
    assert_eq!(record.frames_dropped, 0, "{record:?}");
    assert_eq!(record.frames_received, FRAMES);
    // No marks of the sender's own, which this release would not answer:
    // status requests, whose STATUS answers the application never saw
    // (the loop above refuses any other event).
    assert!(
        !record.commands.iter().any(|c| c == "MARK_MEDIA"),
        "{record:?}"
    );
    let requests = record
        .commands
        .iter()
        .filter(|c| *c == "GET_STATUS")
        .count();
    assert!(requests >= (FRAMES / 50) as usize, "{record:?}");
    // The application's own GET_STATUS is still answered to it.
    media
        .command(MediaCommand::GetStatus)
        .await
        .expect("status");
    loop {
        match next_control(&mut media).await {
            MediaItem::Event(MediaEvent::Status(_)) => break,
            // The queue refilled after the first XON; the far side's
            // audio, unread meanwhile.
            MediaItem::Event(MediaEvent::MediaXoff | MediaEvent::MediaXon)
            | MediaItem::Lagged { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_release_with_everything_refuses_nothing() {
    let (fake, app) = setup("20.20.1").await;
    let (channel, media) = media(&app).await;
    for command in [
        MediaCommand::PauseMedia,
        MediaCommand::ContinueMedia,
        MediaCommand::ReportQueueDrained,
        MediaCommand::MarkMedia {
            correlation_id: Some("m".into()),
        },
        MediaCommand::GetStatus,
    ] {
        media.command(command).await.expect("sent");
    }
    // SET_MEDIA_DIRECTION is in the release, not in plain text.
    assert!(matches!(
        media
            .command(MediaCommand::SetMediaDirection(MediaDirection::Both))
            .await,
        Err(MediaError::JsonOnly(_))
    ));
    tokio::time::timeout(PATIENCE, async {
        while fake
            .media_record(channel.id())
            .is_some_and(|r| r.commands.len() < 5)
        {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the five commands arrive");
}
