//! `ari-proxy`: runs a proxy beside one Asterisk until Ctrl-C or SIGTERM.

use std::process::ExitCode;

use ari_proxy::{Proxy, ProxyConfig};
use clap::Parser;

/// Bridges one Asterisk's ARI to NATS, speaking the ari-proxy protocol.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// ARI base URL of the Asterisk beside this proxy.
    #[arg(long, env = "ARI_URL", default_value = "http://127.0.0.1:8088/ari")]
    ari_url: String,
    /// ARI user.
    #[arg(long, env = "ARI_USERNAME")]
    ari_username: String,
    /// ARI password.
    #[arg(long, env = "ARI_PASSWORD", hide_env_values = true)]
    ari_password: String,
    /// The ARI applications to serve (repeat, or comma-separate).
    #[arg(
        long = "app",
        env = "ARI_APPLICATION",
        value_delimiter = ',',
        required = true
    )]
    apps: Vec<String>,
    /// NATS server URL(s), comma-separated.
    #[arg(long, env = "NATS_URL", default_value = "nats://127.0.0.1:4222")]
    nats_url: String,
    /// This node's name, unique in the cluster (default: host name and a
    /// hash of the ARI URL).
    #[arg(long, env = "ARI_PROXY_NODE")]
    node: Option<String>,
    /// Subject prefix.
    #[arg(long, env = "ARI_PROXY_PREFIX", default_value = "ari.")]
    prefix: String,
    /// Keep the events in this JetStream stream (created when missing), so
    /// applications reading through durable consumers lose nothing across
    /// their restarts (needs `nats-server -js`).
    #[arg(long, env = "ARI_PROXY_EVENT_STORE")]
    event_store: Option<String>,
    /// How often to announce without being pinged, in milliseconds
    /// (shorter: applications notice a node gone sooner).
    #[arg(long, env = "ARI_PROXY_ANNOUNCE_INTERVAL_MS", default_value_t = 60_000)]
    announce_interval_ms: u64,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("ari-proxy: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let ari = ari_sdk::Config::builder()
        .url(args.ari_url)
        .username(args.ari_username)
        .password(args.ari_password)
        .applications(args.apps)
        .build()?;
    let mut config = ProxyConfig::new(ari, args.nats_url)
        .prefix(args.prefix)
        .announce_interval(std::time::Duration::from_millis(args.announce_interval_ms));
    if let Some(node) = args.node {
        config = config.node(node);
    }
    if let Some(stream) = args.event_store {
        config = config.event_store(ari_proxy::EventStore::new(stream));
    }
    let proxy = Proxy::start(config).await?;
    eprintln!(
        "ari-proxy: node {} (Asterisk {}) serving {:?}",
        proxy.node(),
        proxy.asterisk_id(),
        proxy.applications()
    );
    shutdown_signal().await;
    proxy.shutdown().await;
    Ok(())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
