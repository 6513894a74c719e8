//! Test helpers: a raw HTTP/1.1 client (to see Asterisk's own reason
//! phrases) and an `/ari/events` listener.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use futures::StreamExt;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

/// A response as it came off the wire.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Talks HTTP/1.1 to the fake, one connection per request.
#[derive(Debug, Clone)]
pub struct Http {
    pub addr: std::net::SocketAddr,
    pub auth: Option<(String, String)>,
}

impl Http {
    pub fn new(fake: &fake_asterisk::FakeAsterisk) -> Self {
        Http {
            addr: fake.addr(),
            auth: Some((fake.username().to_string(), fake.password().to_string())),
        }
    }

    /// `target` is the path and query as sent, e.g. `/ari/channels?endpoint=...`.
    pub async fn request(
        &self,
        method: &str,
        target: &str,
        json_body: Option<&str>,
    ) -> RawResponse {
        self.try_request(method, target, json_body)
            .await
            .unwrap_or_else(|err| panic!("{method} {target}: {err}"))
    }

    pub async fn try_request(
        &self,
        method: &str,
        target: &str,
        json_body: Option<&str>,
    ) -> std::io::Result<RawResponse> {
        self.try_request_with(method, target, &[], json_body).await
    }

    /// A request with more header lines (`name`, `value`) after `Host`.
    pub async fn request_with(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
    ) -> RawResponse {
        self.try_request_with(method, target, headers, None)
            .await
            .unwrap_or_else(|err| panic!("{method} {target}: {err}"))
    }

    async fn try_request_with(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        json_body: Option<&str>,
    ) -> std::io::Result<RawResponse> {
        let mut stream = TcpStream::connect(self.addr).await?;
        let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {}\r\n", self.addr);
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if !headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("connection"))
        {
            head.push_str("Connection: close\r\n");
        }
        if let Some((user, pass)) = &self.auth {
            let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
            head.push_str(&format!("Authorization: Basic {token}\r\n"));
        }
        let body = json_body.unwrap_or("");
        if json_body.is_some() {
            head.push_str("Content-Type: application/json\r\n");
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(body.as_bytes()).await?;
        let mut raw = Vec::new();
        tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut raw))
            .await
            .map_err(|_| {
                std::io::Error::new(std::io::ErrorKind::TimedOut, "response timed out")
            })??;
        parse_response(&raw)
    }

    pub async fn get(&self, target: &str) -> RawResponse {
        self.request("GET", target, None).await
    }
    pub async fn post(&self, target: &str) -> RawResponse {
        self.request("POST", target, None).await
    }
    pub async fn delete(&self, target: &str) -> RawResponse {
        self.request("DELETE", target, None).await
    }
}

/// Parses a whole HTTP/1.1 response (headers, then a plain or chunked body).
pub fn parse_response(raw: &[u8]) -> std::io::Result<RawResponse> {
    let bad = |m: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, m.to_string());
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad("no header end"))?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().ok_or_else(|| bad("no status line"))?;
    let mut parts = status_line.splitn(3, ' ');
    let _version = parts.next();
    let status = parts
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("bad status"))?;
    let reason = parts.next().unwrap_or("").to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Ok(RawResponse {
        status,
        reason,
        headers,
        body,
    })
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&data[..line_end]).trim(), 16)
            .unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = line_end + 2;
        let end = (start + size).min(data.len());
        out.extend_from_slice(&data[start..end]);
        data = &data[(end + 2).min(data.len())..];
    }
    out
}

/// Events received on one `/ari/events` connection.
#[derive(Debug, Clone)]
pub struct Events {
    pub frames: Arc<Mutex<Vec<Value>>>,
    /// The text frames exactly as received (key order and all).
    pub texts: Arc<Mutex<Vec<String>>>,
    pub closed: Arc<Mutex<bool>>,
}

impl Events {
    /// Connects with `api_key` credentials.
    pub async fn connect(
        fake: &fake_asterisk::FakeAsterisk,
        apps: &str,
        subscribe_all: bool,
    ) -> Events {
        let url = format!(
            "ws://{}/ari/events?app={apps}&api_key={}:{}{}",
            fake.addr(),
            fake.username(),
            fake.password(),
            if subscribe_all {
                "&subscribeAll=true"
            } else {
                ""
            }
        );
        Self::connect_url(&url)
            .await
            .unwrap_or_else(|err| panic!("connect {url}: {err}"))
    }

    pub async fn connect_url(url: &str) -> Result<Events, tokio_tungstenite::tungstenite::Error> {
        let request = url.into_client_request()?;
        let (socket, _) = tokio_tungstenite::connect_async(request).await?;
        let frames = Arc::new(Mutex::new(Vec::new()));
        let texts = Arc::new(Mutex::new(Vec::new()));
        let closed = Arc::new(Mutex::new(false));
        let (sink_frames, sink_texts, sink_closed) =
            (frames.clone(), texts.clone(), closed.clone());
        tokio::spawn(async move {
            let (_write, mut read) = socket.split();
            while let Some(Ok(message)) = read.next().await {
                if let Message::Text(text) = message {
                    if let Ok(value) = serde_json::from_str::<Value>(&text) {
                        sink_frames
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .push(value);
                    }
                    sink_texts
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(text.to_string());
                }
            }
            *sink_closed.lock().unwrap_or_else(|p| p.into_inner()) = true;
        });
        Ok(Events {
            frames,
            texts,
            closed,
        })
    }

    pub fn all(&self) -> Vec<Value> {
        self.frames
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn texts(&self) -> Vec<String> {
        self.texts.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn types(&self) -> Vec<String> {
        self.all()
            .iter()
            .map(|e| e["type"].as_str().unwrap_or("").to_string())
            .collect()
    }

    pub fn is_closed(&self) -> bool {
        *self.closed.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits for the first event matching `pred` (at most `timeout`).
    pub async fn wait_for(
        &self,
        timeout: Duration,
        pred: impl Fn(&Value) -> bool,
    ) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(found) = self.all().into_iter().find(|e| pred(e)) {
                return Some(found);
            }
            if tokio::time::Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Waits for an event of `kind` about channel `id` (any channel if empty).
    pub async fn wait_type(&self, kind: &str, channel: &str) -> Value {
        let found = self
            .wait_for(Duration::from_secs(5), |e| {
                e["type"] == kind && (channel.is_empty() || e["channel"]["id"] == channel)
            })
            .await;
        found.unwrap_or_else(|| panic!("no {kind} for {channel:?}; got {:?}", self.types()))
    }

    /// Types of the events about one channel, in order.
    pub fn channel_types(&self, channel: &str) -> Vec<String> {
        self.all()
            .iter()
            .filter(|e| e["channel"]["id"] == channel || e["peer"]["id"] == channel)
            .map(|e| e["type"].as_str().unwrap_or("").to_string())
            .collect()
    }
}
