//! A small HTTP/1.1 server on 127.0.0.1 (port 0) that serves a spec folder
//! the way Asterisk serves its api-docs: `/ari/api-docs/resources.json` and
//! `/ari/api-docs/<resource>.json`, optionally behind Basic auth.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use base64::Engine as _;

/// What the server answers for one URL path instead of the file.
#[derive(Clone)]
pub struct Canned {
    pub status: u16,
    pub body: Vec<u8>,
}

#[derive(Default)]
struct Config {
    /// The expected `Authorization` header value, if auth is on.
    authorization: Option<String>,
    canned: HashMap<String, Canned>,
}

/// One request as received: path and `Authorization` header.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    pub path: String,
    pub authorization: Option<String>,
}

pub struct SpecServer {
    address: SocketAddr,
    stop: Arc<AtomicBool>,
    config: Arc<Mutex<Config>>,
    received: Arc<Mutex<Vec<Received>>>,
    thread: Option<JoinHandle<()>>,
}

impl SpecServer {
    /// Serves `root` (a folder with `resources.json` and `api-docs/`).
    pub fn start(root: impl Into<PathBuf>) -> SpecServer {
        let root = root.into();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let address = listener.local_addr().expect("local address");
        let stop = Arc::new(AtomicBool::new(false));
        let config = Arc::new(Mutex::new(Config::default()));
        let received = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let (stop, config, received) = (stop.clone(), config.clone(), received.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(stream) = stream {
                        // A client that hangs up early is its own business.
                        let _ = serve(stream, &root, &config, &received);
                    }
                }
            })
        };
        SpecServer {
            address,
            stop,
            config,
            received,
            thread: Some(thread),
        }
    }

    /// Requires Basic auth with these credentials.
    pub fn require_basic_auth(self, username: &str, password: &str) -> SpecServer {
        let token =
            base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
        self.config.lock().unwrap().authorization = Some(format!("Basic {token}"));
        self
    }

    /// Answers `path` (`/ari/api-docs/channels.json`) with `status` and `body`.
    pub fn can(self, path: &str, status: u16, body: &str) -> SpecServer {
        self.config.lock().unwrap().canned.insert(
            path.to_string(),
            Canned {
                status,
                body: body.as_bytes().to_vec(),
            },
        );
        self
    }

    /// `http://127.0.0.1:PORT/ari`.
    pub fn ari_url(&self) -> String {
        format!("http://{}/ari", self.address)
    }

    /// The requests served so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

impl Drop for SpecServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag.
        let _ = TcpStream::connect(self.address);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(
    stream: TcpStream,
    root: &std::path::Path,
    config: &Mutex<Config>,
    received: &Mutex<Vec<Received>>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("")
        .to_string();
    let mut authorization = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("authorization") {
                authorization = Some(value.trim().to_string());
            }
        }
    }
    received.lock().unwrap().push(Received {
        path: path.clone(),
        authorization: authorization.clone(),
    });
    let (status, body) = answer(
        &path,
        authorization.as_deref(),
        root,
        &config.lock().unwrap(),
    );
    let reason = match status {
        200 => "OK",
        401 => "Unauthorized",
        404 => "Not Found",
        _ => "Other",
    };
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         WWW-Authenticate: Basic realm=\"Asterisk REST Interface\"\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(&body)?;
    stream.flush()
}

fn answer(
    path: &str,
    authorization: Option<&str>,
    root: &std::path::Path,
    config: &Config,
) -> (u16, Vec<u8>) {
    if let Some(expected) = &config.authorization {
        if authorization != Some(expected.as_str()) {
            return (401, br#"{"message": "Authentication required"}"#.to_vec());
        }
    }
    if let Some(canned) = config.canned.get(path) {
        return (canned.status, canned.body.clone());
    }
    let not_found = (404, br#"{"message": "Not found"}"#.to_vec());
    let Some(name) = path.strip_prefix("/ari/api-docs/") else {
        return not_found;
    };
    if name.contains('/') || name.contains("..") {
        return not_found;
    }
    let file = if name == "resources.json" {
        root.join(name)
    } else {
        root.join("api-docs").join(name)
    };
    match std::fs::read(file) {
        Ok(bytes) => (200, bytes),
        Err(_) => not_found,
    }
}
