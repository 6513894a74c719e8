//! Broadcast and claim (issue 12): three instances of a worker pool
//! (`pool-1`, `pool-2`, `pool-3`) are offered each call that runs
//! `StasisBroadcast` in the fake; exactly one claim wins, the others hear
//! they lost, the winner serves the call as a handle. Without a claim the
//! dialplan goes on after the timeout.

mod sdk_support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ari_sdk::handles::Claimed;
use ari_sdk::v22::{Ari, StasisApp};
use fake_asterisk::{FakeAsterisk, Step};
use futures::StreamExt as _;

const POOL: [&str; 3] = ["pool-1", "pool-2", "pool-3"];

async fn fake(timeout_ms: u64) -> FakeAsterisk {
    FakeAsterisk::builder()
        .version("22.10.1")
        .extension(
            "default",
            "700",
            vec![
                Step::stasis_broadcast(Some(timeout_ms), Some("^pool-"), &["sales", "vip"], true),
                Step::playback("sorry"),
                Step::hangup(),
            ],
        )
        .build()
        .start()
        .await
        .expect("fake")
}

async fn instance(fake: &FakeAsterisk, name: &str) -> StasisApp {
    let config = ari_sdk::Config::builder()
        .url(fake.url())
        .username(fake.username())
        .password(fake.password())
        .application(name)
        .build()
        .expect("config");
    let app = Ari::connect(config)
        .await
        .expect("a 22")
        .stasis_app()
        .expect("app");
    app.registered().await.expect("registered");
    app
}

#[derive(Debug, Default)]
struct Outcomes {
    won: HashMap<String, Vec<String>>,
    lost: usize,
    gone: usize,
}

/// One worker: claims every offer; serves the calls it wins.
fn worker(app: StasisApp, outcomes: Arc<Mutex<Outcomes>>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut offers = app.broadcasts();
        while let Some(offer) = offers.next().await {
            let outcomes = Arc::clone(&outcomes);
            let name = offer.application().to_string();
            assert_eq!(offer.called(), Some("700"));
            tokio::spawn(async move {
                match offer.claim().await.expect("a claim's outcome") {
                    Claimed::Won(call) => {
                        assert_eq!(call.args(), ["sales", "vip"]);
                        lock(&outcomes)
                            .won
                            .entry(name)
                            .or_default()
                            .push(call.id().to_string());
                        call.answer().await.expect("answer");
                        call.play(["sound:hello-world"]).await.expect("greeting");
                        call.hangup().await.expect("hangup");
                    }
                    Claimed::Lost => lock(&outcomes).lost += 1,
                    Claimed::Gone => lock(&outcomes).gone += 1,
                }
            });
        }
    })
}

fn lock(outcomes: &Mutex<Outcomes>) -> std::sync::MutexGuard<'_, Outcomes> {
    outcomes.lock().unwrap_or_else(|e| e.into_inner())
}

#[tokio::test]
async fn exactly_one_instance_wins_each_call() {
    let fake = fake(5_000).await;
    let outcomes = Arc::new(Mutex::new(Outcomes::default()));
    let mut workers = Vec::new();
    for name in POOL {
        workers.push(worker(instance(&fake, name).await, Arc::clone(&outcomes)));
    }
    let mut calls = Vec::new();
    for i in 0..6 {
        let phone = fake.phone(&format!("PJSIP/caller{i}")).expect("phone");
        calls.push(phone.dial("700").expect("dials"));
    }
    for call in &calls {
        call.wait_hangup(sdk_support::WAIT).await.expect("served");
        assert_eq!(
            call.heard(),
            ["sound:hello-world"],
            "served, not the fallback"
        );
    }
    // Every claim has its outcome before the calls end (the losers' 409s
    // come while the winner holds the call).
    let deadline = tokio::time::Instant::now() + sdk_support::WAIT;
    let settled = |o: &Outcomes| o.won.values().map(Vec::len).sum::<usize>() + o.lost + o.gone;
    while settled(&lock(&outcomes)) < 18 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{:?}",
            lock(&outcomes)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (mut won, lost, gone) = {
        let o = lock(&outcomes);
        let won: Vec<String> = o.won.values().flatten().cloned().collect();
        (won, o.lost, o.gone)
    };
    won.sort();
    let mut dialled: Vec<String> = calls.iter().map(|c| c.channel_id().to_string()).collect();
    dialled.sort();
    assert_eq!(won, dialled, "each call won exactly once");
    assert_eq!(lost, 12, "the other two claims of each call lost");
    assert_eq!(gone, 0);
    // notify_claimed: every matching instance heard who won.
    let claimed = fake
        .delivered_events()
        .into_iter()
        .filter(|d| d.event["type"] == "CallClaimed")
        .count();
    assert_eq!(claimed, 18);
    for worker in workers {
        worker.abort();
    }
    fake.shutdown().await;
}

#[tokio::test]
async fn without_a_claim_the_dialplan_goes_on_and_a_late_claim_is_gone() {
    let fake = fake(300).await;
    let app = instance(&fake, "pool-1").await;
    let mut offers = app.broadcasts();
    let phone = fake.phone("PJSIP/alice").expect("phone");
    let call = phone.dial("700").expect("dials");
    let offer = tokio::time::timeout(sdk_support::WAIT, offers.next())
        .await
        .expect("offered in time")
        .expect("an offer");
    assert_eq!(offer.channel_id(), call.channel_id());
    // Nobody claims: after 300 ms the dialplan plays its fallback.
    call.wait_hangup(sdk_support::WAIT)
        .await
        .expect("fallback ran");
    assert_eq!(call.heard(), ["sound:sorry"]);
    let late = offer.claim().await.expect("an outcome");
    assert!(matches!(late, Claimed::Gone), "{late:?}");
    fake.shutdown().await;
}
