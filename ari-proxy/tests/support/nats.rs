//! A real `nats-server` on a free loopback port, for the tests.
//!
//! nats-server cannot bind port 0 and report the port, so a free one is
//! found by binding 127.0.0.1:0 and letting it go, then the server is
//! started on it; if another process took the port meanwhile, the server
//! exits and the next port is tried. Each server gets a unique name,
//! checked in the `INFO` line it greets connections with, so a test never
//! mistakes another test's server on the same port for its own.

use std::io::{BufRead as _, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running nats-server, killed on drop.
pub struct NatsServer {
    child: Child,
    port: u16,
    store: Option<PathBuf>,
}

/// The binary `cargo xtask test` names.
fn binary() -> PathBuf {
    std::env::var_os("NATS_SERVER")
        .map(PathBuf::from)
        .expect("NATS_SERVER names the nats-server binary (run cargo xtask test)")
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    listener.local_addr().expect("local address").port()
}

/// A name no other server started by these tests has.
fn unique_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos().into());
    nanos ^ (NEXT.fetch_add(1, Ordering::Relaxed) << 32)
}

/// Whether the server listening on `port` is the one named `name`.
fn greets_as(port: u16, name: &str) -> bool {
    let Ok(stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut info = String::new();
    if BufReader::new(stream).read_line(&mut info).is_err() {
        return false;
    }
    info.contains(&format!("\"server_name\":\"{name}\""))
}

impl NatsServer {
    /// A server without persistence.
    pub fn start() -> NatsServer {
        NatsServer::start_on(None, None)
    }

    /// A server with JetStream, storing under `store`.
    #[allow(dead_code)]
    pub fn start_jetstream(store: PathBuf) -> NatsServer {
        NatsServer::start_on(None, Some(store))
    }

    fn start_on(port: Option<u16>, store: Option<PathBuf>) -> NatsServer {
        let mut last_error = String::new();
        for _ in 0..10 {
            let port = port.unwrap_or_else(free_port);
            let name = format!("test-{}-{port}-{}", std::process::id(), unique_suffix());
            let mut command = Command::new(binary());
            command
                .args(["-a", "127.0.0.1", "-p", &port.to_string()])
                .args(["--server_name", &name])
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            if let Some(store) = &store {
                command.arg("-js").arg("-sd").arg(store);
            }
            let mut child = command.spawn().expect("start nats-server");
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                if let Ok(Some(status)) = child.try_wait() {
                    last_error = format!("nats-server on port {port} exited: {status}");
                    break;
                }
                if greets_as(port, &name) {
                    return NatsServer {
                        child,
                        port,
                        store: store.clone(),
                    };
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    last_error = format!("nats-server on port {port} never listened");
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        panic!("cannot start nats-server: {last_error}");
    }

    /// `nats://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Stops the server and starts it again on the same port (and store).
    #[allow(dead_code)]
    pub fn restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // The old value's drop kills a process already gone: harmless.
        *self = NatsServer::start_on(Some(self.port), self.store.clone());
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
