//! The README's quick start, run as written (its `main`, configured from the
//! environment) against the fake: a caller is answered, hears hello-world to
//! its end and is hung up; a caller who hangs up during the greeting leaves
//! the program serving the next one.

// The example's items at this crate's root, where the test can call them
// (the test harness has its own entry point, so `main` is just a function);
// build.rs drops its module docs, which `include!` cannot take.
include!(concat!(env!("OUT_DIR"), "/quick_start.rs"));

mod examples_support;

use std::time::Duration;

use examples_support::position;
use examples_support::real_asterisk::{RealTest, REAL_WAIT};
use fake_asterisk::{FakeAsterisk, Step};

const APP: &str = "quick-start";
const WAIT: Duration = Duration::from_secs(10);

// The quick start reads its server from the process environment, so one
// binary serves one server: the fake, or the real Asterisk when there is one.
#[test]
#[cfg_attr(
    real_asterisk,
    ignore = "this build serves the real Asterisk (ARI_TEST_URL)"
)]
fn the_quick_start_serves_calls() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let fake = runtime.block_on(async {
        FakeAsterisk::builder()
            .version(Ari::RELEASE)
            .time_scale(0.05)
            .extension(
                "default",
                "100",
                vec![Step::noop(""), Step::stasis(APP, &[]), Step::hangup()],
            )
            .build()
            .start()
            .await
            .expect("the fake starts")
    });
    // The quick start reads these; this test is the only one in its binary.
    std::env::set_var("ARI_URL", fake.url());
    std::env::set_var("ARI_USERNAME", fake.username());
    std::env::set_var("ARI_PASSWORD", fake.password());
    std::env::set_var("ARI_APPLICATION", APP);
    // It serves calls until the process ends.
    std::thread::spawn(|| {
        if let Err(error) = main() {
            panic!("the quick start failed: {error}");
        }
    });

    runtime.block_on(async {
        let registered = async {
            while fake.application(APP).is_none() {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        };
        tokio::time::timeout(WAIT, registered)
            .await
            .expect("the quick start registers its application");

        // A caller who hangs up during the greeting.
        let early = fake.phone("PJSIP/early").expect("phone");
        let early_call = early.dial("100").expect("dials");
        let started = fake.wait_for_event(WAIT, |event| {
            event.event["type"] == "PlaybackStarted"
                && event.event["playback"]["target_uri"]
                    == format!("channel:{}", early_call.channel_id())
        });
        started.await.expect("the greeting starts");
        early_call.hangup();

        // The next caller is served all the same, to the end.
        let alice = fake.phone("PJSIP/alice").expect("phone");
        let call = alice.dial("100").expect("dials");
        call.wait_hangup(WAIT)
            .await
            .expect("the quick start hangs up");
        assert_eq!(call.heard(), ["sound:hello-world"]);
        let finished = fake
            .delivered_events()
            .into_iter()
            .filter(|event| event.event["type"] == "PlaybackFinished")
            .map(|event| event.event["playback"]["state"].clone())
            .collect::<Vec<_>>();
        // The first greeting was cut short, the second heard to its end.
        assert_eq!(finished, ["failed", "done"]);
    });
}

/// The extension of the real Asterisk's dialplan that enters the quick
/// start's application.
const REAL_EXTENSION: &str = "700";

/// The same on a real Asterisk: a caller who hangs up during the greeting,
/// then one who hears it to the end and is hung up.
#[test]
#[cfg_attr(not(real_asterisk), ignore = "needs a real Asterisk: set ARI_TEST_URL")]
fn real_asterisk() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    std::env::set_var("ARI_URL", std::env::var("ARI_TEST_URL").unwrap_or_default());
    std::env::set_var(
        "ARI_USERNAME",
        std::env::var("ARI_TEST_USERNAME").unwrap_or_default(),
    );
    std::env::set_var(
        "ARI_PASSWORD",
        std::env::var("ARI_TEST_PASSWORD").unwrap_or_default(),
    );
    std::env::set_var("ARI_APPLICATION", APP);
    runtime.block_on(async {
        let real = RealTest::start().await;
        let (observer, control) = (&real.observer, &real.control);
        std::thread::spawn(|| {
            if let Err(error) = main() {
                panic!("the quick start failed: {error}");
            }
        });
        let registered = async {
            while control.applications().get(APP).await.is_err() {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        };
        tokio::time::timeout(REAL_WAIT, registered)
            .await
            .expect("the quick start registers its application");

        let early = real
            .call(REAL_EXTENSION, "hangup05", Some("early <1>"))
            .await;
        observer.wait_destroyed(&early.app_side, REAL_WAIT).await;
        let alice = real.call(REAL_EXTENSION, "wait20", Some("alice <2>")).await;
        observer.wait_destroyed(&alice.app_side, REAL_WAIT).await;

        let finished = |id: &str| {
            observer
                .channel_events(id)
                .into_iter()
                .filter(|e| e["type"] == "PlaybackFinished")
                .map(|e| e["playback"]["state"].clone())
                .collect::<Vec<_>>()
        };
        // The first greeting was cut short, the second heard to its end,
        // and then the quick start hung up.
        assert_eq!(finished(&early.app_side), ["failed"]);
        assert_eq!(finished(&alice.app_side), ["done"]);
        let types = observer.channel_event_types(&alice.app_side);
        assert!(
            position(&types, "PlaybackFinished") < position(&types, "ChannelHangupRequest"),
            "{types:?}"
        );
        real.close().await;
    });
}
