//! Ids a peer or a user chose stay in their path segment end to end: a
//! handle on `../asterisk/info` asks about a channel of that name, never
//! about something else.

mod sdk_support;

use ari_sdk::Error;
use sdk_support::{connect, start_fake};

#[tokio::test]
async fn hostile_ids_never_leave_their_segment() {
    let fake = start_fake().await;
    let (ari, app) = connect(&fake).await;
    for hostile in [
        "../asterisk/info",
        "..%2Fasterisk%2Finfo",
        "a/../../asterisk/info",
        "x?api_key=sdk:pa55",
        "x#fragment",
        "white space",
        "é/ü",
    ] {
        let channel = app.channel(hostile);
        assert_eq!(channel.id(), hostile);
        let error = channel.get().await.expect_err(hostile);
        assert!(error.is_not_found(), "{hostile}: {error}");
        let error = channel.answer().await.expect_err(hostile);
        assert!(error.is_not_found(), "{hostile}: {error}");
        // The REST call says 404 (a handle's stop counts that as done).
        let error = ari.playbacks().stop(hostile).await.expect_err(hostile);
        assert!(error.is_not_found(), "{hostile}: {error}");
        app.playback(hostile).stop().await.expect(hostile);
        let error = app
            .live_recording(hostile)
            .get_live()
            .await
            .expect_err(hostile);
        assert!(error.is_not_found(), "{hostile}: {error}");
        let error = app
            .bridge(hostile)
            .add_channel(["c"])
            .await
            .expect_err(hostile);
        assert!(
            error.is_not_found() || error.status() == Some(400),
            "{hostile}: {error}"
        );
    }
    // Ids that cannot be one segment are refused before anything is sent.
    for impossible in ["", ".", ".."] {
        let error = app.channel(impossible).answer().await.expect_err("refused");
        assert!(
            matches!(
                error,
                Error::InvalidArgument {
                    parameter: "channelId",
                    ..
                }
            ),
            "{impossible:?}: {error}"
        );
    }
    fake.shutdown().await;
}
