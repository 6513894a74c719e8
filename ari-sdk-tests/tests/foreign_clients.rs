//! Other languages' ARI clients against the fake, with no proxy between:
//! Node's `ari-client` and Python's `asyncari` run the programs of
//! `ari-sdk-tests/foreign/` (hello world, and two callers in a bridge)
//! against the fake emulating Asterisk 22, and the fake's side of the calls
//! is checked: what each caller heard, who hung up whom, who was bridged
//! with whom and what became of the bridge.
//!
//! The clients are installed by `cargo xtask test`, which names them in
//! `ARI_FOREIGN_NODE_MODULES` and `ARI_FOREIGN_PYTHON`; without those the
//! tests are listed as ignored.

mod examples_support;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use examples_support::{channel_event_types, concerns_channel, position};
use fake_asterisk::{BridgeHistory, Call, FakeAsterisk, Step};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

const APP: &str = "foreign";
const EXTENSION: &str = "100";
/// The major the fake emulates: its api-docs are what the clients load.
const MAJOR: u32 = 22;
/// How long a client may take to start (an interpreter, its libraries and
/// the api-docs it loads) or to finish; a guard against hanging, not a
/// measurement.
const CLIENT_WAIT: Duration = Duration::from_secs(60);

#[derive(Clone, Copy, Debug)]
enum Client {
    /// Node's `ari-client`.
    Node,
    /// Python's `asyncari`.
    Python,
}

#[derive(Clone, Copy, Debug)]
enum Flow {
    HelloWorld,
    Bridge,
}

impl Flow {
    fn program(self) -> &'static str {
        match self {
            Flow::HelloWorld => "hello_world",
            Flow::Bridge => "bridge",
        }
    }
}

/// Where `cargo xtask test` installed a client.
fn installed(variable: &str) -> PathBuf {
    std::env::var_os(variable)
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("{variable} is not set: run cargo xtask test"))
}

fn foreign_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("foreign")
}

async fn start_fake() -> FakeAsterisk {
    FakeAsterisk::builder()
        .major(MAJOR)
        .time_scale(0.02)
        // The application answers: the dialplan only hands the call over.
        .extension("default", EXTENSION, vec![Step::stasis(APP, &[])])
        .build()
        .start()
        .await
        .expect("the fake emulating Asterisk 22 starts (needs ../shared/ari-spec/22)")
}

/// A foreign client program running against the fake, and the progress
/// lines (JSON objects) it printed.
struct Running {
    name: String,
    child: Child,
    lines: mpsc::UnboundedReceiver<Value>,
    seen: Vec<Value>,
    stderr: JoinHandle<String>,
}

impl Running {
    fn spawn(client: Client, flow: Flow, fake: &FakeAsterisk, calls: u32) -> Running {
        let program = flow.program();
        let mut command = match client {
            Client::Node => {
                let mut command = Command::new("node");
                command
                    .arg(foreign_dir().join(format!("node/{program}.js")))
                    .env("NODE_PATH", installed("ARI_FOREIGN_NODE_MODULES"));
                command
            }
            Client::Python => {
                let mut command = Command::new(installed("ARI_FOREIGN_PYTHON"));
                command.arg(foreign_dir().join(format!("python/{program}.py")));
                command
            }
        };
        let calls = calls.to_string();
        command
            .args(["--url", &fake.url()])
            .args(["--username", fake.username()])
            .args(["--password", fake.password()])
            .args(["--app", APP, "--calls", &calls])
            // Keeps the source folder free of __pycache__.
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let name = format!("{client:?} {program}");
        let mut child = command
            .spawn()
            .unwrap_or_else(|error| panic!("starting {name}: {error}"));
        let stdout = child.stdout.take().expect("piped stdout");
        let mut stderr = child.stderr.take().expect("piped stderr");
        let (sender, lines) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut reader = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                // Progress is one JSON object a line; anything else (a
                // library's warning) is not progress.
                if let Ok(value @ Value::Object(_)) = serde_json::from_str::<Value>(&line) {
                    if sender.send(value).is_err() {
                        return;
                    }
                }
            }
        });
        let stderr = tokio::spawn(async move {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text).await;
            text
        });
        Running {
            name,
            child,
            lines,
            seen: Vec::new(),
            stderr,
        }
    }

    /// Waits for the next progress line whose `event` is `event`.
    async fn wait_for(&mut self, event: &str) -> Value {
        loop {
            let line = tokio::time::timeout(CLIENT_WAIT, self.lines.recv())
                .await
                .unwrap_or_else(|_| panic!("{} printed no {event}: {:#?}", self.name, self.seen));
            let Some(line) = line else {
                let status = self.child.wait().await.expect("the client's status");
                let stderr = (&mut self.stderr).await.unwrap_or_default();
                panic!(
                    "{} ended ({status}) before {event}: {:#?}\n{stderr}",
                    self.name, self.seen
                );
            };
            self.seen.push(line.clone());
            if line["event"] == event {
                return line;
            }
        }
    }

    /// Waits for the program to exit by itself, checks it exited 0, and
    /// returns every progress line it printed.
    async fn exits_cleanly(mut self) -> Vec<Value> {
        let status = tokio::time::timeout(CLIENT_WAIT, self.child.wait())
            .await
            .unwrap_or_else(|_| panic!("{} did not exit: {:#?}", self.name, self.seen))
            .expect("the client's status");
        while let Some(line) = self.lines.recv().await {
            self.seen.push(line);
        }
        let stderr = self.stderr.await.unwrap_or_default();
        assert!(
            status.success(),
            "{} exited with {status}: {:#?}\n{stderr}",
            self.name,
            self.seen
        );
        self.seen
    }
}

/// The program connected to the fake, saw Asterisk 22, and listens.
async fn started(client: Client, flow: Flow, fake: &FakeAsterisk, calls: u32) -> Running {
    let mut running = Running::spawn(client, flow, fake, calls);
    let connected = running.wait_for("connected").await;
    let version = connected["version"].as_str().unwrap_or_default();
    assert!(version.starts_with("22."), "{connected}");
    running.wait_for("ready").await;
    running
}

fn dial(fake: &FakeAsterisk, name: &str) -> Call {
    fake.phone(&format!("PJSIP/{name}"))
        .expect("phone")
        .dial(EXTENSION)
        .expect("dial")
}

/// The channel's `ChannelHangupRequest`s: `soft` ones come from a
/// `DELETE /channels/{id}` (the application), the others from the phone.
fn hangup_requests(fake: &FakeAsterisk, call: &Call) -> Vec<Value> {
    fake.delivered_events()
        .into_iter()
        .map(|delivered| delivered.event)
        .filter(|e| e["type"] == "ChannelHangupRequest" && concerns_channel(e, call.channel_id()))
        .collect()
}

fn hung_up_by_the_application(fake: &FakeAsterisk, call: &Call) -> bool {
    let requests = hangup_requests(fake, call);
    requests.len() == 1 && requests[0]["soft"] == true
}

fn progress<'a>(lines: &'a [Value], event: &str) -> Vec<&'a Value> {
    lines.iter().filter(|line| line["event"] == event).collect()
}

/// Two callers, each answered by the program, greeted with hello-world to
/// its end and hung up by it; then the program exits 0.
async fn hello_world(client: Client) {
    let fake = start_fake().await;
    let running = started(client, Flow::HelloWorld, &fake, 2).await;

    let alice = dial(&fake, "alice");
    let bob = dial(&fake, "bob");
    for call in [&alice, &bob] {
        // Neither phone hangs up: the program does.
        call.wait_hangup(CLIENT_WAIT)
            .await
            .expect("the program hangs the caller up");
    }

    for call in [&alice, &bob] {
        assert_eq!(call.heard(), ["sound:hello-world"]);
        let types = channel_event_types(&fake, call.channel_id());
        let answered = position(&types, "ChannelStateChange");
        let started = position(&types, "PlaybackStarted");
        let finished = position(&types, "PlaybackFinished");
        let hangup = position(&types, "ChannelHangupRequest");
        assert!(
            position(&types, "StasisStart") < answered
                && answered < started
                && started < finished
                && finished < hangup,
            "{types:?}"
        );
        let end = fake
            .delivered_events()
            .into_iter()
            .map(|delivered| delivered.event)
            .find(|e| e["type"] == "PlaybackFinished" && concerns_channel(e, call.channel_id()))
            .expect("a PlaybackFinished");
        assert_eq!(end["playback"]["media_uri"], "sound:hello-world");
        assert_eq!(end["playback"]["state"], "done", "heard to its end");
        assert!(
            hung_up_by_the_application(&fake, call),
            "{:#?}",
            hangup_requests(&fake, call)
        );
    }

    let lines = running.exits_cleanly().await;
    assert_eq!(progress(&lines, "handled").len(), 2, "{lines:#?}");
    let mut greeted: Vec<&str> = progress(&lines, "playback_finished")
        .iter()
        .map(|line| {
            assert_eq!(line["media"], "sound:hello-world", "{line}");
            assert_eq!(line["state"], "done", "{line}");
            line["channel"].as_str().unwrap_or_default()
        })
        .collect();
    greeted.sort_unstable();
    let mut callers = vec![alice.channel_id(), bob.channel_id()];
    callers.sort_unstable();
    assert_eq!(greeted, callers);
    fake.shutdown().await;
}

/// Two callers bridged together by the program; when alice hangs up, the
/// program hangs bob up and destroys the bridge; then it exits 0.
async fn bridge(client: Client) {
    let fake = start_fake().await;
    let running = started(client, Flow::Bridge, &fake, 1).await;

    let alice = dial(&fake, "alice");
    // Bob comes once alice is answered, so alice is the one who waited.
    alice
        .wait_state("Up", CLIENT_WAIT)
        .await
        .expect("alice answered");
    let bob = dial(&fake, "bob");
    bob.wait_state("Up", CLIENT_WAIT)
        .await
        .expect("bob answered");
    let bridged = tokio::time::timeout(CLIENT_WAIT, async {
        loop {
            let shared = [&alice, &bob].map(|call| {
                fake.channel_features(call.channel_id())
                    .and_then(|features| features.bridge)
            });
            if let [Some(a), Some(b)] = &shared {
                if a == b {
                    return a.clone();
                }
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("alice and bob bridged together");
    let mut members = fake.bridge_channels(&bridged).expect("the bridge");
    members.sort_unstable();
    let mut pair = vec![alice.channel_id().to_string(), bob.channel_id().to_string()];
    pair.sort_unstable();
    assert_eq!(members, pair, "nobody else in the bridge");
    let bridge_json = fake
        .delivered_events()
        .into_iter()
        .map(|delivered| delivered.event)
        .find(|e| e["type"] == "ChannelEnteredBridge" && e["bridge"]["id"] == bridged)
        .expect("a ChannelEnteredBridge");
    assert_eq!(bridge_json["bridge"]["bridge_type"], "mixing");

    alice.hangup();
    bob.wait_hangup(CLIENT_WAIT)
        .await
        .expect("the program hangs bob up");
    assert!(
        hung_up_by_the_application(&fake, &bob),
        "{:#?}",
        hangup_requests(&fake, &bob)
    );
    let lines = running.exits_cleanly().await;
    assert!(
        fake.bridge_channels(&bridged).is_none(),
        "the bridge is destroyed"
    );

    let history: Vec<BridgeHistory> = fake
        .bridge_history()
        .into_iter()
        .filter(|event| match event {
            BridgeHistory::Created { bridge }
            | BridgeHistory::Destroyed { bridge }
            | BridgeHistory::Entered { bridge, .. }
            | BridgeHistory::Left { bridge, .. } => *bridge == bridged,
        })
        .collect();
    let id = |call: &Call| call.channel_id().to_string();
    assert_eq!(
        history,
        [
            BridgeHistory::Created {
                bridge: bridged.clone()
            },
            BridgeHistory::Entered {
                bridge: bridged.clone(),
                channel: id(&alice)
            },
            BridgeHistory::Entered {
                bridge: bridged.clone(),
                channel: id(&bob)
            },
            BridgeHistory::Left {
                bridge: bridged.clone(),
                channel: id(&alice)
            },
            BridgeHistory::Left {
                bridge: bridged.clone(),
                channel: id(&bob)
            },
            BridgeHistory::Destroyed {
                bridge: bridged.clone()
            },
        ]
    );
    assert_eq!(
        fake.bridge_history()
            .iter()
            .filter(|event| matches!(event, BridgeHistory::Created { .. }))
            .count(),
        1,
        "one bridge for one pair"
    );

    // What the program says it did.
    let said = |event: &str| progress(&lines, event);
    assert_eq!(said("bridged").len(), 1, "{lines:#?}");
    assert_eq!(said("bridged")[0]["bridge"], bridged.as_str());
    assert_eq!(
        said("bridged")[0]["channels"],
        serde_json::json!([id(&alice), id(&bob)])
    );
    assert_eq!(said("left")[0]["channel"], id(&alice).as_str());
    assert_eq!(said("hung_up")[0]["channel"], id(&bob).as_str());
    assert_eq!(said("bridge_destroyed")[0]["bridge"], bridged.as_str());
    assert_eq!(said("handled").len(), 1);
    fake.shutdown().await;
}

#[tokio::test]
#[cfg_attr(
    not(foreign_clients),
    ignore = "needs the foreign ARI clients: run cargo xtask test"
)]
async fn node_ari_client_hello_world() {
    hello_world(Client::Node).await;
}

#[tokio::test]
#[cfg_attr(
    not(foreign_clients),
    ignore = "needs the foreign ARI clients: run cargo xtask test"
)]
async fn node_ari_client_bridge() {
    bridge(Client::Node).await;
}

#[tokio::test]
#[cfg_attr(
    not(foreign_clients),
    ignore = "needs the foreign ARI clients: run cargo xtask test"
)]
async fn python_asyncari_hello_world() {
    hello_world(Client::Python).await;
}

#[tokio::test]
#[cfg_attr(
    not(foreign_clients),
    ignore = "needs the foreign ARI clients: run cargo xtask test"
)]
async fn python_asyncari_bridge() {
    bridge(Client::Python).await;
}
