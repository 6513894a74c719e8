//! The `worker_pool` example's demo: the embedded fake Asterisk's dialplan
//! (extension 800 broadcasts to `^pool-`), two more instances of the pool
//! and five simulated callers (the application is in `main.rs`).

use std::time::Duration;

use ari_sdk::v22::Ari;
use fake_asterisk::{FakeAsterisk, FakeAsteriskBuilder, Step};

use super::common::{self, say, Result};
use super::EXTENSION;

/// The other instances the demo starts beside `main`'s `pool-1`.
pub const OTHER_INSTANCES: [&str; 2] = ["pool-2", "pool-3"];

/// The embedded fake's dialplan: extension 800 offers the call to every
/// `pool-*` application for 3 s, then (unclaimed) plays `sorry`.
pub fn fake_asterisk() -> FakeAsteriskBuilder {
    common::fake_asterisk().extension(
        "default",
        EXTENSION,
        vec![
            Step::stasis_broadcast(Some(3_000), Some("^pool-"), &["sales"], true),
            Step::playback("sorry"),
            Step::hangup(),
        ],
    )
}

/// Two more instances join (as two more processes would), then five callers
/// dial in at once.
pub async fn simulate(fake: &FakeAsterisk) -> Result {
    let mut instances = Vec::new();
    for name in OTHER_INSTANCES {
        let ari = Ari::connect(common::fake_config(fake, name)?).await?;
        let app = common::stasis_app(&ari).await?;
        let stream = app.event_stream().clone();
        instances.push((tokio::spawn(super::app(app)), stream));
    }
    let mut calls = Vec::new();
    for i in 1..=5 {
        let phone = fake.phone(&format!("PJSIP/caller{i}"))?;
        phone.set_caller_id(&format!("caller {i}"), &format!("555100{i}"));
        calls.push((i, phone.dial(EXTENSION)?));
    }
    for (i, call) in calls {
        call.wait_hangup(Duration::from_secs(10)).await?;
        say("phone", format!("caller {i} heard {:?}", call.heard()));
    }
    for (task, stream) in instances {
        stream.close();
        let _ = tokio::time::timeout(Duration::from_secs(2), task).await;
    }
    Ok(())
}
