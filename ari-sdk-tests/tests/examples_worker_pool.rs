//! The `worker_pool` example against the fake: three instances share the
//! calls that `StasisBroadcast` offers; each call is served by exactly one.

#[path = "../../ari-sdk/examples/worker_pool/main.rs"]
#[allow(dead_code)]
mod example;
mod examples_support;

use std::collections::HashMap;

use examples_support::{spawn_stasis_app, start_fake, WAIT};

#[tokio::test]
async fn each_call_is_served_by_exactly_one_instance() {
    let fake = start_fake(example::demo::fake_asterisk()).await;
    let mut instances = vec![spawn_stasis_app(&fake, example::APP, example::app).await];
    for name in example::demo::OTHER_INSTANCES {
        instances.push(spawn_stasis_app(&fake, name, example::app).await);
    }
    let mut calls = Vec::new();
    for i in 0..6 {
        let phone = fake.phone(&format!("PJSIP/caller{i}")).expect("phone");
        calls.push(phone.dial(example::EXTENSION).expect("dials"));
    }
    for call in &calls {
        call.wait_hangup(WAIT).await.expect("served and hung up");
        assert_eq!(call.heard(), ["sound:hello-world"], "not the fallback");
    }
    // Who got each call: the StasisStart of each channel went to one
    // instance, with the broadcast's arguments.
    let mut served: HashMap<String, Vec<String>> = HashMap::new();
    for delivered in fake.delivered_events() {
        if delivered.event["type"] == "StasisStart" {
            assert_eq!(delivered.event["args"], serde_json::json!(["sales"]));
            let channel = delivered.event["channel"]["id"].as_str().expect("id");
            served
                .entry(channel.to_string())
                .or_default()
                .push(delivered.application.clone());
        }
    }
    for call in &calls {
        let apps = served.get(call.channel_id()).expect("entered Stasis");
        assert_eq!(apps.len(), 1, "one instance: {apps:?}");
        assert!(apps[0].starts_with("pool-"), "{apps:?}");
    }
    for instance in instances {
        instance.stop().await.expect("the instance ends cleanly");
    }
    fake.shutdown().await;
}
