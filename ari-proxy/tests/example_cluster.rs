//! The `cluster` example, run as `cargo run -p ari-proxy --example cluster`
//! runs it: every call served on its node, node-2's calls ended when it
//! goes away, the calls placed after that on the nodes left.

#[path = "../examples/cluster/main.rs"]
#[allow(dead_code)]
mod example;

use std::collections::BTreeMap;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cluster_demo_serves_every_node_and_survives_losing_one() {
    let _ = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .try_init();
    let summary = example::demo::run().await.expect("the demo runs");
    // Two callers per node, then four calls placed on node-1 and node-3.
    assert_eq!(
        summary.served,
        BTreeMap::from([
            ("node-1".to_owned(), 4),
            ("node-2".to_owned(), 2),
            ("node-3".to_owned(), 4),
        ])
    );
    assert_eq!(summary.ended_with_node, 2);
    assert_eq!(
        summary.placed_after,
        BTreeMap::from([("node-1".to_owned(), 2), ("node-3".to_owned(), 2)])
    );
}
