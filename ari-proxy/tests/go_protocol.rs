//! Interoperation with the Go ari-proxy protocol: a real nats-server, three
//! fake Asterisk nodes with a proxy each, and an application that is a
//! plain NATS client speaking only the documented subjects and payloads
//! (`ari.ping`/`ari.announce`, `ari.event.<app>.<node>`,
//! `ari.get|data|command|create.<app>[.<node>]`, `ari.dialogevent.<dialog>`),
//! with requests written as JSON the way Go's client writes them.
//!
//! The three fakes share one Asterisk entity id, as containers from one
//! image can (ari-proxy issue 47): the node names keep them apart.
//!
//! Run by `cargo xtask test`, which installs `nats-server` when missing and
//! names it in `NATS_SERVER`; without it the tests are listed as ignored.

mod support;

use std::collections::BTreeSet;

use ari_proxy::StartError;
use ari_proxy_protocol::{ErrorClass, Key, Request, RequestKind, Response};
use futures::StreamExt as _;
use serde_json::{json, Value};
use support::{next_event, Cluster, APP, PATIENCE};

const NODES: [&str; 3] = ["node-1", "node-2", "node-3"];

/// A request decoded from JSON as Go's client writes it.
fn go_request(json: Value) -> Request {
    serde_json::from_value(json).expect("a Go request")
}

fn channel_id(event: &Value) -> String {
    event["channel"]["id"]
        .as_str()
        .expect("channel id")
        .to_string()
}

#[tokio::test]
#[cfg_attr(not(nats_server), ignore = "needs nats-server: run cargo xtask test")]
async fn discovery_finds_every_node_under_its_own_name() {
    let cluster = Cluster::start(3).await;
    let found = cluster.discover(3).await;
    assert_eq!(found.keys().map(String::as_str).collect::<Vec<_>>(), NODES);
    let entity = cluster.nodes[0].fake.asterisk_id().to_string();
    let instances: BTreeSet<&str> = found.values().map(|a| a.instance.as_str()).collect();
    assert_eq!(instances.len(), 3, "one instance id per proxy");
    for announcement in found.values() {
        assert_eq!(announcement.application, APP);
        // One entity id for all three: Go would have named them one node.
        assert_eq!(announcement.asterisk_id, entity);
    }
}

#[tokio::test]
#[cfg_attr(not(nats_server), ignore = "needs nats-server: run cargo xtask test")]
async fn events_of_a_call_arrive_on_its_nodes_subject_with_its_node() {
    let cluster = Cluster::start(3).await;
    let mut events = cluster.listen(&cluster.subjects.app_events(APP)).await;

    let call = cluster.call_in(1, "PJSIP/alice", &["hello"]);
    let (subject, start) = next_event(&mut events, |e| e["type"] == "StasisStart").await;
    assert_eq!(subject, "ari.event.demo.node-2");
    assert_eq!(start["asterisk_id"], "node-2");
    assert_eq!(
        start["asterisk_entity_id"],
        cluster.nodes[1].fake.asterisk_id()
    );
    assert_eq!(start["application"], APP);
    assert_eq!(start["args"], json!(["hello"]));
    let channel = channel_id(&start);
    assert_eq!(channel, call.channel_id());

    call.hangup();
    let (subject, end) = next_event(&mut events, |e| {
        e["type"] == "StasisEnd" && e["channel"]["id"] == channel.as_str()
    })
    .await;
    assert_eq!(subject, "ari.event.demo.node-2");
    assert_eq!(end["asterisk_id"], "node-2");
    // Every event of the call came from node 2: the other proxies published
    // nothing.
    for (index, node) in cluster.nodes.iter().enumerate() {
        let published = node.proxy.as_ref().unwrap().stats();
        assert_eq!(published.events_lost, 0);
        if index != 1 {
            assert_eq!(published.events_published, 0, "{}", node.name);
        }
    }
}

#[tokio::test]
#[cfg_attr(not(nats_server), ignore = "needs nats-server: run cargo xtask test")]
async fn get_and_data_reach_the_node_that_owns_the_channel() {
    let cluster = Cluster::start(3).await;
    let mut events = cluster.listen(&cluster.subjects.app_events(APP)).await;
    let _call = cluster.call_in(2, "PJSIP/carol", &[]);
    let (_, start) = next_event(&mut events, |e| e["type"] == "StasisStart").await;
    let channel = channel_id(&start);
    // The key a Go application builds from the event: its node is the
    // event's asterisk_id.
    let key = json!({"kind": "channel", "id": channel, "node": start["asterisk_id"], "app": APP});

    let get = go_request(json!({"kind": "ChannelGet", "key": key}));
    let subject = cluster.subjects.request_for(&get, APP).unwrap();
    assert_eq!(subject, "ari.get.demo.node-3");
    let answer = cluster.request(&subject, &get).await;
    assert_eq!(
        answer.result().unwrap().key,
        Some(Key::channel(&channel).on(APP, "node-3"))
    );

    let data = go_request(json!({"kind": "ChannelData", "key": key}));
    let answer = cluster.request("ari.data.demo.node-3", &data).await;
    let entity = answer.data.as_ref().unwrap().channel.as_ref().unwrap();
    assert_eq!(entity.str("id"), Some(channel.as_str()));
    assert_eq!(
        entity.fields["caller"]["number"],
        start["channel"]["caller"]["number"]
    );
    assert_eq!(entity.key.as_ref().unwrap().node, "node-3");

    // The same channel asked of node 1, which does not have it.
    let elsewhere = cluster.request("ari.data.demo.node-1", &data).await;
    let error = elsewhere.result().unwrap_err();
    assert!(error.is_not_found());
    assert_eq!(error.status, Some(404));

    // A list without a node goes to every proxy; each answers with its own
    // channels, keyed with its node.
    let list = go_request(json!({"kind": "ChannelList", "key": null}));
    let inbox = cluster.client.new_inbox();
    let mut replies = cluster.client.subscribe(inbox.clone()).await.unwrap();
    cluster
        .client
        .publish_with_reply(
            "ari.get.demo",
            inbox,
            serde_json::to_vec(&list).unwrap().into(),
        )
        .await
        .unwrap();
    let mut keys = Vec::new();
    for _ in 0..3 {
        let message = tokio::time::timeout(PATIENCE, replies.next())
            .await
            .unwrap()
            .unwrap();
        let response: Response = serde_json::from_slice(&message.payload).unwrap();
        keys.extend(response.result().unwrap().keys.clone());
    }
    assert_eq!(keys, vec![Key::channel(&channel).on(APP, "node-3")]);
}

#[tokio::test]
#[cfg_attr(not(nats_server), ignore = "needs nats-server: run cargo xtask test")]
async fn originate_answer_and_hangup_through_create_and_command() {
    let cluster = Cluster::start(3).await;
    let mut events = cluster.listen(&cluster.subjects.app_events(APP)).await;
    let mut dialog_events = cluster.listen(&cluster.subjects.dialog_event("d-7")).await;

    // The phones the calls ring (the fake makes an endpoint known when a
    // phone is taken).
    let _bob = cluster.nodes[0].fake.phone("PJSIP/bob").unwrap();
    let _daves: Vec<_> = cluster
        .nodes
        .iter()
        .map(|n| n.fake.phone("PJSIP/dave").unwrap())
        .collect();

    // Originate on node 1 explicitly, in dialog d-7.
    let originate = go_request(json!({
        "kind": "ChannelOriginate",
        "key": {"node": "node-1", "dialog": "d-7", "app": APP},
        "channel_originate": {"originate_request": {
            "endpoint": "PJSIP/bob", "timeout": 30, "app": APP, "appArgs": "outbound"
        }}
    }));
    let answer = cluster.request("ari.create.demo.node-1", &originate).await;
    let key = answer.result().unwrap().key.clone().unwrap();
    assert_eq!(key.node, "node-1");
    assert_eq!(key.dialog, "d-7");
    assert!(cluster.nodes[0].fake.channel_ids().contains(&key.id));

    let (subject, _) = next_event(&mut events, |e| {
        e["type"] == "StasisStart" && e["channel"]["id"] == key.id.as_str()
    })
    .await;
    assert_eq!(subject, "ari.event.demo.node-1");
    // The dialog got the channel's events too, tagged with it.
    let (subject, tagged) = next_event(&mut dialog_events, |e| e["type"] == "StasisStart").await;
    assert_eq!(subject, "ari.dialogevent.d-7");
    assert_eq!(tagged["dialog"], "d-7");
    assert_eq!(tagged["channel"]["id"], key.id.as_str());

    let mut command_key = serde_json::to_value(&key).unwrap();
    command_key["kind"] = json!("channel");
    let answer_call = go_request(json!({"kind": "ChannelAnswer", "key": command_key}));
    let answered = cluster
        .request("ari.command.demo.node-1", &answer_call)
        .await;
    assert!(answered.result().is_ok(), "{answered:?}");
    assert_eq!(
        cluster.nodes[0]
            .fake
            .channel_features(&key.id)
            .unwrap()
            .state,
        "Up"
    );

    let hangup = go_request(json!({
        "kind": "ChannelHangup", "key": command_key, "channel_hangup": {"reason": "normal"}
    }));
    let hung_up = cluster.request("ari.command.demo.node-1", &hangup).await;
    assert!(hung_up.result().is_ok(), "{hung_up:?}");
    let (_, destroyed) = next_event(&mut events, |e| {
        e["type"] == "ChannelDestroyed" && e["channel"]["id"] == key.id.as_str()
    })
    .await;
    assert_eq!(destroyed["asterisk_id"], "node-1");
    let (_, _) = next_event(&mut dialog_events, |e| e["type"] == "ChannelDestroyed").await;
    // The binding ended with the channel.
    let stats = cluster.nodes[0].proxy.as_ref().unwrap().stats();
    assert_eq!(stats.dialog_bindings, 0);
    assert!(stats.dialog_events_published >= 2);

    // A creation without a node lands on exactly one node, which the key
    // names.
    let anywhere = go_request(json!({
        "kind": "ChannelOriginate",
        "key": {"app": APP},
        "channel_originate": {"originate_request": {"endpoint": "PJSIP/dave", "app": APP}}
    }));
    let answer = cluster.request("ari.create.demo", &anywhere).await;
    let key = answer.result().unwrap().key.clone().unwrap();
    let owners: Vec<&str> = cluster
        .nodes
        .iter()
        .filter(|n| n.fake.channel_ids().contains(&key.id))
        .map(|n| n.name.as_str())
        .collect();
    assert_eq!(owners, vec![key.node.as_str()]);
}

#[tokio::test]
#[cfg_attr(not(nats_server), ignore = "needs nats-server: run cargo xtask test")]
async fn unknown_entities_and_kinds_give_typed_errors() {
    let cluster = Cluster::start(3).await;
    let hangup = go_request(json!({
        "kind": "ChannelHangup",
        "key": {"kind": "channel", "id": "no-such-channel", "node": "node-2", "app": APP},
        "channel_hangup": {"reason": ""}
    }));
    let answer = cluster.request("ari.command.demo.node-2", &hangup).await;
    // Exactly what Go's Response.IsNotFound looks for, and the details.
    assert_eq!(answer.error, "Not found");
    let detail = answer.error_detail.as_ref().unwrap();
    assert_eq!(detail.class, ErrorClass::NotFound);
    assert_eq!(detail.status, Some(404));
    assert!(detail.message.as_deref().is_some_and(|m| !m.is_empty()));

    let unknown =
        go_request(json!({"kind": "ChannelTeleport", "key": {"node": "node-2", "app": APP}}));
    let answer = cluster.request("ari.command.demo.node-2", &unknown).await;
    assert_eq!(answer.error, "Not implemented");
    assert_eq!(
        answer.result().unwrap_err().class,
        ErrorClass::NotImplemented
    );

    let missing = Request::new(RequestKind::ChannelOriginate, Key::node(APP, "node-2"));
    let answer = cluster.request("ari.create.demo.node-2", &missing).await;
    assert_eq!(
        answer.result().unwrap_err().class,
        ErrorClass::InvalidRequest
    );

    let garbage = cluster
        .client
        .request("ari.command.demo.node-2", "not json".into())
        .await
        .unwrap();
    let answer: Response = serde_json::from_slice(&garbage.payload).unwrap();
    assert_eq!(
        answer.result().unwrap_err().class,
        ErrorClass::InvalidRequest
    );
}

#[tokio::test]
#[cfg_attr(not(nats_server), ignore = "needs nats-server: run cargo xtask test")]
async fn a_restarted_proxy_is_rediscovered() {
    let mut cluster = Cluster::start(3).await;
    let before = cluster.discover(3).await;
    cluster.stop_proxy(1).await;

    // Node 2 has no proxy: a request to it finds no responder.
    let info = Request::new(RequestKind::AsteriskInfo, Key::node(APP, "node-2"));
    let payload = serde_json::to_vec(&info).unwrap();
    let gone = cluster
        .client
        .request("ari.data.demo.node-2", payload.clone().into())
        .await
        .unwrap_err();
    assert_eq!(gone.kind(), async_nats::RequestErrorKind::NoResponders);

    cluster.start_proxy(1).await.expect("restarts");
    let after = cluster.discover(3).await;
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>()
    );
    assert_ne!(after["node-2"].instance, before["node-2"].instance);
    let answer = cluster.request("ari.data.demo.node-2", &info).await;
    let asterisk = answer.data.as_ref().unwrap().asterisk.as_ref().unwrap();
    assert_eq!(
        asterisk.fields["system"]["entity_id"],
        cluster.nodes[1].fake.asterisk_id()
    );
}

#[tokio::test]
#[cfg_attr(not(nats_server), ignore = "needs nats-server: run cargo xtask test")]
async fn a_second_proxy_cannot_take_a_node_name() {
    let cluster = Cluster::start(2).await;
    // Node 2's Asterisk, but under node 1's name.
    let config = cluster.proxy_config(1).node("node-1");
    let refused = ari_proxy::Proxy::start(config).await.unwrap_err();
    match refused {
        StartError::NodeNameTaken { node, instance, .. } => {
            assert_eq!(node, "node-1");
            assert_eq!(
                instance,
                cluster.nodes[0].proxy.as_ref().unwrap().instance()
            );
        }
        other => panic!("expected NodeNameTaken, got {other}"),
    }
}
