//! The SDK over NATS (`ari_sdk::cluster`) against three fake Asterisk nodes,
//! each with its proxy, and a real nats-server: the calls of every node in
//! one stream, requests reaching the node of their resource, new calls
//! spread over the nodes, a node killed mid-call, NATS restarted, an
//! application restarted under JetStream, instances sharing the calls, a
//! slow instance. Counted, not timed.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use ari_proxy::{EventStore, Proxy, ProxyConfig};
use ari_sdk::cluster::{self, ClusterSettings, Placement, SharedCalls};
use ari_sdk::stream::{ConnectionState, NodeNotice, StreamItem};
use ari_sdk::v22::{Ari, Call, Event, StasisApp};
use fake_asterisk::FakeAsterisk;
use futures::StreamExt as _;
use support::{ari_config, NatsServer, APP, PATIENCE};

/// The event store the proxies write to, in the JetStream tests.
const STORE: &str = "ARI_EVENTS";

/// Three (or N) nodes: a fake Asterisk each (with its own `systemname`, as
/// the Asterisks of a cluster must have), and a proxy each.
struct Rig {
    nats: NatsServer,
    fakes: Vec<FakeAsterisk>,
    proxies: Vec<Option<Proxy>>,
    store: Option<EventStore>,
    _dir: Option<tempfile::TempDir>,
}

fn node_name(index: usize) -> String {
    format!("node-{}", index + 1)
}

impl Rig {
    async fn start(nodes: usize) -> Rig {
        Rig::start_with(nodes, false).await
    }

    async fn start_with(nodes: usize, jetstream: bool) -> Rig {
        // What went wrong shows with `--nocapture`; `TEST_LOG=debug` says
        // more.
        let level = std::env::var("TEST_LOG")
            .ok()
            .and_then(|level| level.parse().ok())
            .unwrap_or(tracing::Level::INFO);
        let _ = tracing_subscriber::fmt()
            .with_max_level(level)
            .with_test_writer()
            .try_init();
        let (nats, dir) = if jetstream {
            let dir = tempfile::tempdir().expect("temporary directory");
            (
                NatsServer::start_jetstream(dir.path().to_path_buf()),
                Some(dir),
            )
        } else {
            (NatsServer::start(), None)
        };
        let mut rig = Rig {
            nats,
            fakes: Vec::new(),
            proxies: Vec::new(),
            store: jetstream.then(|| EventStore::new(STORE)),
            _dir: dir,
        };
        for index in 0..nodes {
            let fake = FakeAsterisk::builder()
                .username("proxy")
                .password("secret")
                .system_name(node_name(index))
                .build()
                .start()
                .await
                .expect("fake Asterisk");
            rig.fakes.push(fake);
            rig.proxies.push(None);
            rig.start_proxy(index).await;
        }
        rig
    }

    async fn start_proxy(&mut self, index: usize) {
        let mut config = ProxyConfig::new(ari_config(&self.fakes[index], &[APP]), self.nats.url())
            .node(node_name(index))
            .announce_interval(Duration::from_millis(300));
        if let Some(store) = &self.store {
            config = config.event_store(store.clone());
        }
        let proxy = Proxy::start(config).await.expect("proxy starts");
        self.proxies[index] = Some(proxy);
    }

    /// The settings of an application instance, quick to notice a node
    /// gone.
    fn settings(&self) -> ClusterSettings {
        ClusterSettings::new(self.nats.url(), [APP])
            .ping_interval(Duration::from_millis(200))
            .node_timeout(Duration::from_millis(1500))
            .discovery(PATIENCE)
            .request_timeout(Duration::from_secs(5))
    }

    /// An application instance, once it sees every node up.
    async fn instance(&self, settings: ClusterSettings) -> Ari {
        let client = cluster::connect(settings).await.expect("cluster client");
        let nodes = self.fakes.len();
        wait_until(|| client.nodes().len() == nodes).await;
        Ari::new(client)
    }

    /// An application instance with its Stasis app, registered on every
    /// node.
    async fn app(&self, settings: ClusterSettings) -> (Ari, StasisApp) {
        let ari = self.instance(settings).await;
        let app = ari.stasis_app().expect("stasis app");
        app.registered().await.expect("registered");
        (ari, app)
    }

    /// A call from `endpoint` on node `index` into the application.
    fn call_in(&self, index: usize, endpoint: &str) -> fake_asterisk::Call {
        self.fakes[index]
            .phone(endpoint)
            .expect("phone")
            .call_into_app(APP, &[])
            .expect("call")
    }
}

async fn wait_until(mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "gave up waiting");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn next_call(calls: &mut ari_sdk::handles::Calls<Ari>) -> Call {
    tokio::time::timeout(PATIENCE, calls.next())
        .await
        .expect("a call in time")
        .expect("the calls go on")
}

/// The node a channel id of these fakes names (`node-2-<epoch>.<seq>`).
fn node_of_id(id: &str) -> String {
    let mut parts = id.splitn(3, '-');
    format!(
        "{}-{}",
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_calls_of_every_node_come_in_one_stream_and_requests_reach_their_node() {
    let rig = Rig::start(3).await;
    let (ari, app) = rig.app(rig.settings()).await;
    let mut calls = app.calls();

    let mut phones = Vec::new();
    for index in 0..3 {
        for n in 0..3 {
            phones.push(rig.call_in(index, &format!("PJSIP/{index}{n}")));
        }
    }
    let mut per_node = BTreeMap::<String, usize>::new();
    let mut taken = Vec::new();
    for _ in 0..9 {
        let call = next_call(&mut calls).await;
        let node = call
            .node()
            .expect("a cluster call knows its node")
            .to_owned();
        assert_eq!(
            node,
            node_of_id(call.id()),
            "tagged with the node it came from"
        );
        *per_node.entry(node).or_default() += 1;
        taken.push(call);
    }
    assert_eq!(per_node.values().copied().collect::<Vec<_>>(), [3, 3, 3]);

    // Each answer reaches the call's own node, and only it.
    for call in &taken {
        call.answer().await.expect("answered through the proxy");
    }
    for phone in &phones {
        assert_eq!(
            phone.state().as_deref(),
            Some("Up"),
            "{}",
            phone.channel_id()
        );
    }
    // A listing merges every node's.
    let channels = ari.channels().list().await.expect("listing");
    assert_eq!(channels.len(), 9);
    // A request about a channel no node has: the nodes' 404.
    let missing = ari.channels().answer("node-9-0.0").await.unwrap_err();
    assert!(missing.is_not_found(), "{missing}");

    for call in &taken {
        call.hangup().await.expect("hung up");
    }
    for phone in &phones {
        wait_until(|| !phone.is_alive()).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_calls_are_spread_over_the_nodes_or_put_where_asked() {
    let rig = Rig::start(3).await;
    // Every node has the endpoint the calls dial.
    let _phones: Vec<_> = rig
        .fakes
        .iter()
        .map(|fake| fake.phone("PJSIP/alice").expect("phone"))
        .collect();
    let (ari, _app) = rig
        .app(rig.settings().placement(Placement::RoundRobin))
        .await;

    let mut placed = BTreeMap::<String, usize>::new();
    for _ in 0..6 {
        let channel = ari
            .channels()
            .originate("PJSIP/alice")
            .app(APP)
            .await
            .expect("originated");
        *placed.entry(node_of_id(&channel.id)).or_default() += 1;
        assert_eq!(
            ari.client()
                .node_of(ari_sdk::resource::ResourceKind::Channel, &channel.id),
            Some(node_of_id(&channel.id)),
            "its node is known from the answer"
        );
    }
    assert_eq!(placed.values().copied().collect::<Vec<_>>(), [2, 2, 2]);

    // Pinned: on node-3 only.
    let on_three = Ari::new(ari.client().on_node("node-3"));
    let channel = on_three
        .channels()
        .originate("PJSIP/alice")
        .app(APP)
        .await
        .expect("originated on node-3");
    assert_eq!(node_of_id(&channel.id), "node-3");
    assert_eq!(rig.fakes[2].channel_ids().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_mid_call_is_lost_and_its_calls_end_while_the_others_go_on() {
    let mut rig = Rig::start(3).await;
    let (ari, app) = rig.app(rig.settings()).await;
    let mut news = app.event_stream().subscribe();
    let mut calls = app.calls();
    let _phones: Vec<_> = (0..3)
        .flat_map(|index| (0..2).map(move |n| (index, n)))
        .map(|(index, n)| rig.call_in(index, &format!("PJSIP/{index}{n}")))
        .collect();
    let mut taken = Vec::new();
    for _ in 0..6 {
        // Its node, while it is known: a lost node's calls are forgotten.
        let call = next_call(&mut calls).await;
        taken.push((call.node(), call));
    }

    // Node 2 goes: its proxy and its Asterisk.
    if let Some(proxy) = rig.proxies[1].take() {
        proxy.shutdown().await;
    }
    let lost = loop {
        let item = tokio::time::timeout(PATIENCE, news.next())
            .await
            .expect("news in time")
            .expect("stream goes on");
        if let StreamItem::Node(notice) = item {
            if matches!(*notice, NodeNotice::Lost { .. }) {
                break notice;
            }
        }
    };
    assert_eq!(lost.node(), "node-2");
    assert_eq!(ari.client().nodes(), ["node-1", "node-3"]);

    // Its calls end (the reconciliation no longer finds them); the others
    // are alive and reachable.
    for (node, call) in &taken {
        if node.as_deref() == Some("node-2") {
            let ended = tokio::time::timeout(PATIENCE, call.ended())
                .await
                .expect("a call of the lost node ends");
            assert!(call.end_reason().is_some(), "{ended:?}");
        } else {
            assert!(call.end_reason().is_none(), "{} goes on", call.id());
            call.answer().await.expect("the other nodes still answer");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_restarted_every_event_is_delivered_or_counted() {
    let mut rig = Rig::start(3).await;
    let (ari, app) = rig.app(rig.settings()).await;
    let mut events = app.event_stream().subscribe();
    let mut calls = app.calls();
    let first = rig.call_in(0, "PJSIP/before");
    let call = next_call(&mut calls).await;
    call.answer().await.expect("answered");

    // What node-1 sends and what of it arrives, counted from the start
    // (the subscription holds everything since before the first call).
    let mut delivered = 0u64;
    let mut missed = 0u64;
    let mut disconnected = false;
    let mut reconnected = false;

    rig.nats.restart();
    // The caller hangs up while the proxies and the application are still
    // reconnecting: those events reach the application or are counted.
    first.hangup();
    let after: Vec<_> = (0..3)
        .map(|index| rig.call_in(index, &format!("PJSIP/after{index}")))
        .collect();
    wait_until(|| ari.client().nodes().len() == 3).await;
    for _ in 0..3 {
        let call = next_call(&mut calls).await;
        call.answer().await.expect("answered after the restart");
    }
    for phone in &after {
        assert_eq!(phone.state().as_deref(), Some("Up"));
    }
    let numbered = || {
        rig.proxies[0]
            .as_ref()
            .map(|proxy| {
                let stats = proxy.stats();
                stats.events_published + stats.events_lost
            })
            .unwrap_or(0)
    };
    // Every event node-1's proxy numbered, delivered or counted missed.
    while delivered + missed < numbered() || !(disconnected && reconnected) {
        let item = tokio::time::timeout(PATIENCE, events.next())
            .await
            .expect("every event of node-1 accounted for in time")
            .expect("stream goes on");
        match item {
            StreamItem::Event(event) if event.asterisk_id() == Some("node-1") => delivered += 1,
            StreamItem::Node(notice) => {
                if let NodeNotice::Missed {
                    node, missed: n, ..
                } = &*notice
                {
                    if node == "node-1" {
                        missed += n;
                    }
                }
            }
            StreamItem::Disconnected { .. } => disconnected = true,
            StreamItem::Reconnected { .. } => reconnected = true,
            _ => {}
        }
    }
    assert_eq!(delivered + missed, numbered());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_application_restarted_under_jetstream_misses_no_event() {
    let rig = Rig::start_with(3, true).await;
    let settings = rig.settings().durable(STORE, "demo-app");

    // The first run: three calls, read to the last event.
    let ari = rig.instance(settings.clone()).await;
    let stream = ari
        .client()
        .connect_event_stream::<Event>()
        .expect("event stream");
    let mut events = stream.subscribe();
    let before: Vec<_> = (0..3)
        .map(|index| rig.call_in(index, &format!("PJSIP/first{index}")))
        .collect();
    let mut started = BTreeSet::new();
    while started.len() < 3 {
        if let Some(StreamItem::Event(event)) = tokio::time::timeout(PATIENCE, events.next())
            .await
            .expect("in time")
        {
            if let Event::StasisStart(start) = &*event {
                started.insert(start.channel.id.clone());
            }
        }
    }
    // The application stops (a deploy).
    stream.close();
    drop(events);
    drop(ari);

    // Meanwhile: those calls end, and three more come in.
    for phone in &before {
        phone.hangup();
    }
    let during: Vec<_> = (0..3)
        .map(|index| rig.call_in(index, &format!("PJSIP/second{index}")))
        .collect();

    // The next run resumes where the first stopped: the ends of the first
    // calls, then the new calls, nothing twice, nothing missing.
    let ari = rig.instance(settings).await;
    let stream = ari
        .client()
        .connect_event_stream::<Event>()
        .expect("event stream");
    let mut events = stream.subscribe();
    let mut ended = BTreeSet::new();
    let mut new_calls = BTreeSet::new();
    while ended.len() < 3 || new_calls.len() < 3 {
        let item = tokio::time::timeout(PATIENCE, events.next())
            .await
            .expect("in time")
            .expect("stream goes on");
        match item {
            StreamItem::Event(event) => match &*event {
                Event::StasisStart(start) => {
                    assert!(
                        new_calls.insert(start.channel.id.clone()),
                        "a call started twice"
                    );
                    assert!(!started.contains(&start.channel.id), "replayed");
                }
                Event::StasisEnd(end) => {
                    assert!(ended.insert(end.channel.id.clone()), "ended twice");
                }
                _ => {}
            },
            StreamItem::Node(notice) => {
                if let NodeNotice::Missed { missed, .. } = *notice {
                    panic!("{missed} events missed under JetStream")
                }
            }
            StreamItem::Lagged { missed, .. } => panic!("{missed} lagged"),
            _ => {}
        }
    }
    assert_eq!(ended, started);
    let expected: BTreeSet<_> = during.iter().map(|p| p.channel_id().to_owned()).collect();
    assert_eq!(new_calls, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_sharing_the_calls_serve_each_exactly_once() {
    let rig = Rig::start_with(3, true).await;
    let shared = |instance| {
        rig.settings()
            .shared_calls(SharedCalls::new("calls", instance))
    };
    let (_first, app_a) = rig.app(shared("instance-a")).await;
    let (_second, app_b) = rig.app(shared("instance-b")).await;
    let apps = [app_a, app_b];
    let (mut calls_a, mut calls_b) = (apps[0].calls(), apps[1].calls());
    // Each instance hears of the other at its next heartbeat (a ping
    // interval); until then both would prefer themselves, which only
    // costs balance.
    tokio::time::sleep(Duration::from_millis(600)).await;

    const CALLS: usize = 30;
    let phones: Vec<_> = (0..CALLS)
        .map(|n| rig.call_in(n % 3, &format!("PJSIP/c{n}")))
        .collect();
    let mut served: [BTreeSet<String>; 2] = Default::default();
    while served[0].len() + served[1].len() < CALLS {
        let (call, which) = tokio::select! {
            call = next_call(&mut calls_a) => (call, 0),
            call = next_call(&mut calls_b) => (call, 1),
        };
        call.answer()
            .await
            .expect("the instance that took it answers it");
        assert!(served[which].insert(call.id().to_owned()));
    }
    assert!(served[0].is_disjoint(&served[1]), "a call served twice");
    let all: BTreeSet<_> = phones.iter().map(|p| p.channel_id().to_owned()).collect();
    let union: BTreeSet<_> = served[0].union(&served[1]).cloned().collect();
    assert_eq!(union, all);
    assert!(
        !served[0].is_empty() && !served[1].is_empty(),
        "both instances took calls"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_instance_is_told_exactly_how_many_events_it_missed() {
    let rig = Rig::start(3).await;
    let ari = rig.instance(rig.settings().buffer(16)).await;
    let stream = ari
        .client()
        .connect_event_stream::<Event>()
        .expect("event stream");
    let mut events = stream.subscribe();
    // Events published before the stream is connected are not its own:
    // the calls come once it is.
    tokio::time::timeout(
        PATIENCE,
        stream
            .state_changes()
            .wait_for(|state| *state == ConnectionState::Connected),
    )
    .await
    .expect("connected in time")
    .expect("the stream goes on");
    // Connected, then a notice per node, before anything is missed.
    let mut delivered = 0u64;
    let mut missed = 0u64;
    // Thirty calls while the subscriber reads nothing: far more than its
    // buffer of 16 holds.
    let _phones: Vec<_> = (0..30)
        .map(|n| rig.call_in(n % 3, &format!("PJSIP/slow{n}")))
        .collect();
    let published = || -> u64 {
        rig.proxies
            .iter()
            .flatten()
            .map(|proxy| proxy.stats().events_published)
            .sum()
    };
    wait_until(|| published() >= 30).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Now it reads: everything published is either delivered or counted.
    while delivered + missed < published() {
        match tokio::time::timeout(PATIENCE, events.next())
            .await
            .expect("every event accounted for in time")
            .expect("stream goes on")
        {
            StreamItem::Event(_) => delivered += 1,
            StreamItem::Lagged { missed: n, .. } => missed += n,
            StreamItem::Node(notice) => {
                if let NodeNotice::Missed { missed: n, .. } = *notice {
                    missed += n;
                }
            }
            _ => {}
        }
    }
    assert_eq!(delivered + missed, published());
    assert!(missed > 0, "the buffer of 16 overflowed");
    assert!(delivered > 0, "what the buffer held was kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_proxy_brings_its_node_back_and_its_calls_go_on() {
    let mut rig = Rig::start(3).await;
    let (ari, app) = rig.app(rig.settings()).await;
    let mut news = app.event_stream().subscribe();
    let mut calls = app.calls();
    let phone = rig.call_in(0, "PJSIP/stays");
    let call = next_call(&mut calls).await;
    assert_eq!(call.node().as_deref(), Some("node-1"));

    if let Some(proxy) = rig.proxies[0].take() {
        proxy.shutdown().await;
    }
    rig.start_proxy(0).await;
    // The node comes back under a new proxy process: a gap, reconciled.
    loop {
        let item = tokio::time::timeout(PATIENCE, news.next())
            .await
            .expect("news in time")
            .expect("stream goes on");
        if let StreamItem::Node(notice) = item {
            if let NodeNotice::Up {
                node,
                returning: true,
                ..
            } = &*notice
            {
                assert_eq!(node, "node-1");
                break;
            }
        }
    }
    wait_until(|| ari.client().nodes().len() == 3).await;
    // The call is still there, and reachable.
    call.answer().await.expect("answered through the new proxy");
    assert_eq!(phone.state().as_deref(), Some("Up"));
    assert!(call.end_reason().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_messages_on_the_event_subjects_are_reported_and_lose_nothing() {
    let rig = Rig::start(1).await;
    let (_ari, app) = rig.app(rig.settings()).await;
    let mut events = app.event_stream().subscribe();
    let mut calls = app.calls();

    // Anyone on NATS can publish on the event subjects.
    let intruder = async_nats::connect(rig.nats.url()).await.expect("NATS");
    let subject = format!("ari.event.{APP}.node-1");
    for payload in [
        &b"{not json"[..],
        &[0xff, 0xfe, 0x00][..],
        &br#"{"type":"SomethingNew","application":"demo","asterisk_id":"node-1"}"#[..],
    ] {
        intruder
            .publish(subject.clone(), payload.to_vec().into())
            .await
            .expect("published");
    }
    intruder.flush().await.expect("flushed");
    let _phone = rig.call_in(0, "PJSIP/after-garbage");
    let call = next_call(&mut calls).await;
    call.answer().await.expect("the call is served as usual");

    let (mut errors, mut unknown) = (0, 0);
    while errors < 2 || unknown < 1 {
        match tokio::time::timeout(PATIENCE, events.next())
            .await
            .expect("reported in time")
            .expect("stream goes on")
        {
            StreamItem::Error(error) => {
                assert!(!error.is_fatal(), "{error}");
                errors += 1;
            }
            StreamItem::Event(event) if event.type_name() == "SomethingNew" => unknown += 1,
            _ => {}
        }
    }
}
