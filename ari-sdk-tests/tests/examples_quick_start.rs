//! The README's quick start, run as written (its `main`, configured from the
//! environment) against the fake: a caller is answered, hears hello-world to
//! its end and is hung up; a caller who hangs up during the greeting leaves
//! the program serving the next one.

// The example's items at this crate's root, where the test can call them
// (the test harness has its own entry point, so `main` is just a function);
// build.rs drops its module docs, which `include!` cannot take.
include!(concat!(env!("OUT_DIR"), "/quick_start.rs"));

use std::time::Duration;

use fake_asterisk::{FakeAsterisk, Step};

const APP: &str = "quick-start";
const WAIT: Duration = Duration::from_secs(10);

#[test]
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
