//! Verbatim REST (`AriRest`) through the proxies of three nodes: a request
//! reaches the node its subject names, whatever the subject's class;
//! Asterisk's status and body come back as `ari_rest`, an HTTP error status
//! included; only a node that cannot be reached is an error.
//!
//! Run by `cargo xtask test` (`NATS_SERVER`); otherwise listed as ignored.

mod support;

use ari_proxy_protocol::{AriRest, ErrorClass, Key, Request, Response};
use serde_json::Value;
use support::{wait_until, Cluster, APP};

fn rest(rest: AriRest, node: &str) -> Request {
    Request::ari_rest(rest, Key::node(APP, node))
}

/// The `ari_rest` answer of a response without an error: its status and
/// body as JSON (`Null` when empty).
fn answer(response: &Response) -> (u16, Value) {
    let ok = response.result().expect("an answer, not an error");
    let answer = ok.ari_rest.as_ref().expect("an ari_rest answer");
    let bytes = answer.body_bytes().expect("a readable body");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).expect("JSON body")
    };
    (answer.status, body)
}

#[tokio::test]
#[cfg_attr(not(nats_server), ignore = "needs nats-server: run cargo xtask test")]
async fn requests_reach_the_named_node_and_error_statuses_are_answers() {
    let cluster = Cluster::start(3).await;
    let _bobs = cluster.phones("PJSIP/bob");

    // An originate on node-2 through its create subject.
    let originate = AriRest::new("POST", "/channels")
        .with_query("endpoint", "PJSIP/bob")
        .with_query("app", APP)
        .with_body(serde_json::json!({"variables": {"ORIGIN": "ari_rest"}}));
    let response = cluster
        .request("ari.create.demo.node-2", &rest(originate, "node-2"))
        .await;
    let (status, channel) = answer(&response);
    assert_eq!(status, 200, "{channel}");
    let id = channel["id"]
        .as_str()
        .expect("the channel's id")
        .to_string();
    let holders: Vec<&str> = cluster
        .nodes
        .iter()
        .filter(|n| n.fake.channel_ids().contains(&id))
        .map(|n| n.name.as_str())
        .collect();
    assert_eq!(holders, ["node-2"]);

    // Node-2 has it; node-1 answers Asterisk's 404, not an error. Any
    // class subject serves the kind.
    let get = AriRest::new("GET", format!("/channels/{id}"));
    let response = cluster
        .request("ari.get.demo.node-2", &rest(get.clone(), "node-2"))
        .await;
    let (status, body) = answer(&response);
    assert_eq!((status, body["id"].as_str()), (200, Some(id.as_str())));
    for subject in ["ari.data.demo.node-1", "ari.command.demo.node-1"] {
        let response = cluster.request(subject, &rest(get.clone(), "node-1")).await;
        assert!(response.error.is_empty(), "{subject}: {response:?}");
        let (status, body) = answer(&response);
        assert_eq!(status, 404, "{subject}");
        assert_eq!(body["message"], "Channel not found", "{subject}");
    }

    // The hangup's 204 has no body.
    let hangup = AriRest::new("DELETE", format!("/channels/{id}"));
    let response = cluster
        .request("ari.command.demo.node-2", &rest(hangup, "node-2"))
        .await;
    assert_eq!(answer(&response), (204, Value::Null));
    assert!(!cluster.nodes[1].fake.channel_ids().contains(&id));
}

#[tokio::test]
#[cfg_attr(not(nats_server), ignore = "needs nats-server: run cargo xtask test")]
async fn malformed_requests_and_unreachable_nodes_are_errors() {
    let cluster = Cluster::start(3).await;
    for (method, path) in [("PATCH", "/channels"), ("GET", "channels")] {
        let response = cluster
            .request(
                "ari.get.demo.node-1",
                &rest(AriRest::new(method, path), "node-1"),
            )
            .await;
        let error = response.result().expect_err("malformed");
        assert_eq!(error.class, ErrorClass::InvalidRequest, "{method} {path}");
        assert!(response.ari_rest.is_none());
    }
    let mut without = rest(AriRest::new("GET", "/channels"), "node-1");
    without.ari_rest = None;
    let response = cluster.request("ari.get.demo.node-1", &without).await;
    assert_eq!(
        response.result().expect_err("no ari_rest").class,
        ErrorClass::InvalidRequest
    );

    // Node-3's Asterisk stops; once its proxy noticed (it left the create
    // queue group), a request for it is answered Unavailable.
    cluster.nodes[2].fake.stop_accepting();
    let third = cluster.nodes[2].proxy.as_ref().unwrap();
    wait_until("node-3 noticed", || !third.takes_creates()).await;
    let response = cluster
        .request(
            "ari.get.demo.node-3",
            &rest(AriRest::new("GET", "/channels"), "node-3"),
        )
        .await;
    assert_eq!(
        response.result().expect_err("unreachable").class,
        ErrorClass::Unavailable
    );
    // The others still answer.
    let response = cluster
        .request(
            "ari.get.demo.node-1",
            &rest(AriRest::new("GET", "/channels"), "node-1"),
        )
        .await;
    assert_eq!(answer(&response), (200, serde_json::json!([])));
}
