//! A proxy serving several applications, and what the cluster sees when
//! Asterisk's websocket or the NATS server goes away and comes back.
//!
//! Run by `cargo xtask test` (`NATS_SERVER`); otherwise listed as ignored.

mod support;

use ari_proxy::{Proxy, ProxyConfig};
use ari_proxy_protocol::{ErrorClass, Key, Request, RequestKind, Subjects};
use futures::StreamExt as _;
use serde_json::Value;
use support::{
    ari_config, discover, next_event, start_fake, synced, wait_until, Cluster, NatsServer, APP,
    PATIENCE,
};

#[tokio::test]
#[cfg_attr(not(nats_server), ignore = "needs nats-server: run cargo xtask test")]
async fn one_proxy_serves_several_applications() {
    let nats = NatsServer::start();
    let fake = start_fake().await;
    let proxy = Proxy::start(
        ProxyConfig::new(ari_config(&fake, &["ivr", "queue"]), nats.url()).node("pbx-1"),
    )
    .await
    .unwrap();
    let client = async_nats::connect(nats.url()).await.unwrap();
    let subjects = Subjects::default();
    for app in ["ivr", "queue"] {
        let found = discover(&client, &subjects, app, 1).await;
        assert_eq!(found["pbx-1"].instance, proxy.instance());
    }

    let mut events = client.subscribe("ari.event.>").await.unwrap();
    synced(&client).await;
    let phone = fake.phone("PJSIP/alice").unwrap();
    for app in ["queue", "ivr"] {
        let call = phone.call_into_app(app, &[]).unwrap();
        let (subject, start) = next_event(&mut events, |e| {
            e["type"] == "StasisStart" && e["channel"]["id"] == call.channel_id()
        })
        .await;
        assert_eq!(subject, format!("ari.event.{app}.pbx-1"));
        assert_eq!(start["application"], app);
    }

    // The application a request is for is its subject's.
    for app in ["ivr", "queue"] {
        let request = Request::new(RequestKind::ApplicationData, Key::node(app, "pbx-1"));
        let message = client
            .request(
                format!("ari.data.{app}.pbx-1"),
                serde_json::to_vec(&request).unwrap().into(),
            )
            .await
            .unwrap();
        let response: ari_proxy_protocol::Response =
            serde_json::from_slice(&message.payload).unwrap();
        let data = response.result().unwrap().data.clone().unwrap();
        assert_eq!(data.application.unwrap().str("name"), Some(app));
    }
    // A creation for an application it does not serve, taken from the
    // queue group on the bare subject: answered with an error, not dropped.
    let elsewhere = Request::new(RequestKind::BridgeCreate, Key::node("billing", ""));
    let message = client
        .request("ari.create", serde_json::to_vec(&elsewhere).unwrap().into())
        .await
        .unwrap();
    let response: ari_proxy_protocol::Response = serde_json::from_slice(&message.payload).unwrap();
    let error = response.result().unwrap_err();
    assert_eq!(error.class, ErrorClass::InvalidRequest);
    assert!(error.message.contains("billing"), "{}", error.message);
    proxy.shutdown().await;
}

#[tokio::test]
#[cfg_attr(not(nats_server), ignore = "needs nats-server: run cargo xtask test")]
async fn requests_while_asterisk_is_away_are_answered_unavailable() {
    let cluster = Cluster::start(1).await;
    let fake = &cluster.nodes[0].fake;
    let info = Request::new(RequestKind::AsteriskInfo, Key::node(APP, "node-1"));

    fake.stop_accepting();
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let unavailable = loop {
        let answer = cluster.request("ari.data.demo.node-1", &info).await;
        if let Err(error) = answer.result() {
            if error.class == ErrorClass::Unavailable {
                break error;
            }
        }
        assert!(tokio::time::Instant::now() < deadline, "never unavailable");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(unavailable.message, "ARI connection is down");

    fake.start_accepting().await.unwrap();
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let answer = cluster.request("ari.data.demo.node-1", &info).await;
        if answer.result().is_ok() {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "never back");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
#[cfg_attr(not(nats_server), ignore = "needs nats-server: run cargo xtask test")]
async fn a_restarted_nats_server_finds_the_same_nodes_and_events_flow_again() {
    let mut cluster = Cluster::start(3).await;
    let before = cluster.discover(3).await;
    cluster.nats.restart();

    // Every proxy reconnects by itself, under the same instance.
    let after = cluster.discover(3).await;
    assert_eq!(after, before);

    let mut events = cluster.listen(&cluster.subjects.app_events(APP)).await;
    let call = cluster.call_in(0, "PJSIP/alice", &[]);
    let (subject, _): (String, Value) = next_event(&mut events, |e| {
        e["type"] == "StasisStart" && e["channel"]["id"] == call.channel_id()
    })
    .await;
    assert_eq!(subject, "ari.event.demo.node-1");
}

/// Originates a call on `ari.create.demo` (any node) and returns the node
/// that took it, or the error.
async fn originate_anywhere(cluster: &Cluster) -> Result<String, ErrorClass> {
    let mut request = Request::new(RequestKind::ChannelOriginate, Key::node(APP, ""));
    request.channel_originate = Some(ari_proxy_protocol::ChannelOriginate {
        originate_request: ari_proxy_protocol::OriginateRequest {
            endpoint: "PJSIP/bob".into(),
            app: APP.into(),
            ..Default::default()
        },
    });
    let answer = cluster.request("ari.create.demo", &request).await;
    match answer.result() {
        Ok(ok) => Ok(ok.key.clone().expect("a key").node),
        Err(error) => Err(error.class),
    }
}

#[tokio::test]
#[cfg_attr(not(nats_server), ignore = "needs nats-server: run cargo xtask test")]
async fn creations_avoid_a_node_whose_asterisk_is_down_and_return_when_it_is_back() {
    let cluster = Cluster::start(3).await;
    let _bobs = cluster.phones("PJSIP/bob");
    let third = cluster.nodes[2].proxy.as_ref().unwrap();
    assert!(third.takes_creates());

    cluster.nodes[2].fake.stop_accepting();
    wait_until("left the queue group", || !third.takes_creates()).await;
    let mut nodes = Vec::new();
    for _ in 0..30 {
        nodes.push(
            originate_anywhere(&cluster)
                .await
                .expect("every creation served"),
        );
    }
    assert!(nodes.iter().all(|n| n != "node-3"), "{nodes:?}");

    cluster.nodes[2].fake.start_accepting().await.unwrap();
    wait_until("joined again", || third.takes_creates()).await;
    // NATS spreads the queue group's requests at random: within 60, node 3
    // takes one unless something keeps it out ((2/3)^60 < 1e-10).
    let mut back = false;
    for _ in 0..60 {
        if originate_anywhere(&cluster).await.expect("served") == "node-3" {
            back = true;
            break;
        }
    }
    assert!(back, "node 3 takes creations again");
}

#[tokio::test]
#[cfg_attr(not(nats_server), ignore = "needs nats-server: run cargo xtask test")]
async fn a_node_whose_asterisk_is_down_is_not_announced_until_it_is_back() {
    let nats = NatsServer::start();
    let client = async_nats::connect(nats.url()).await.unwrap();
    let subjects = Subjects::default();
    let mut fakes = Vec::new();
    let mut proxies = Vec::new();
    for node in ["node-1", "node-2"] {
        let fake = start_fake().await;
        // Announcing unasked every few milliseconds too: a node that is
        // down must not be offered that way either.
        let config = ProxyConfig::new(ari_config(&fake, &[APP]), nats.url())
            .node(node)
            .announce_interval(std::time::Duration::from_millis(20));
        proxies.push(Proxy::start(config).await.unwrap());
        fakes.push(fake);
    }
    let mut announcements = client.subscribe(subjects.announce()).await.unwrap();
    synced(&client).await;

    fakes[0].stop_accepting();
    wait_until("node-1 noticed", || !proxies[0].takes_creates()).await;
    // Every ping is answered by node-2 at once; node-1 answers none of 20
    // pings, nor announces on its ticks meanwhile. (What came before
    // node-2's first answer is not counted: node-1 may have announced just
    // before it noticed.)
    let ping = || client.publish(subjects.ping(), r#"{"kind":"","key":null}"#.into());
    ping().await.unwrap();
    let (mut from_node_2, mut from_node_1) = (0, 0);
    while from_node_2 < 20 {
        let message = tokio::time::timeout(PATIENCE, announcements.next())
            .await
            .expect("an announcement in time")
            .unwrap();
        let announcement: ari_proxy_protocol::Announcement =
            serde_json::from_slice(&message.payload).unwrap();
        match announcement.node.as_str() {
            "node-2" => {
                from_node_2 += 1;
                ping().await.unwrap();
            }
            "node-1" if from_node_2 > 0 => from_node_1 += 1,
            _ => {}
        }
    }
    assert_eq!(from_node_1, 0);

    // Back: announced again, unasked.
    fakes[0].start_accepting().await.unwrap();
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let message = tokio::time::timeout_at(deadline, announcements.next())
            .await
            .expect("node-1 announced again in time")
            .unwrap();
        let announcement: ari_proxy_protocol::Announcement =
            serde_json::from_slice(&message.payload).unwrap();
        if announcement.node == "node-1" {
            assert_eq!(announcement.instance, proxies[0].instance());
            break;
        }
    }
    let found = discover(&client, &subjects, APP, 2).await;
    assert_eq!(found.len(), 2);
    for proxy in proxies {
        proxy.shutdown().await;
    }
}
