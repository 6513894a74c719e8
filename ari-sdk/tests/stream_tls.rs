//! The event stream over `wss://`: a private CA the settings trust, and a
//! certificate the default roots must refuse. Loopback servers only.

mod stream_support;

use std::sync::Arc;
use std::time::Duration;

use ari_sdk::stream::rustls::pki_types::{CertificateDer, PrivatePkcs8KeyDer};
use ari_sdk::stream::rustls::{self, ClientConfig, RootCertStore, ServerConfig};
use ari_sdk::stream::{ConnectionState, EventStream, StreamItem};
use futures::SinkExt as _;
use stream_support::*;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// A self-signed certificate for 127.0.0.1, and a server config using it.
fn server() -> (CertificateDer<'static>, TlsAcceptor) {
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let certificate = certified.cert.der().clone();
    let key = PrivatePkcs8KeyDer::from(certified.signing_key.serialize_der());
    let config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![certificate.clone()], key.into())
            .unwrap();
    (certificate, TlsAcceptor::from(Arc::new(config)))
}

fn trusting(certificate: CertificateDer<'static>) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    roots.add(certificate).unwrap();
    let config =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
    Arc::new(config)
}

fn wss_settings(listener: &TcpListener) -> ari_sdk::stream::StreamSettings {
    let port = listener.local_addr().unwrap().port();
    let mut settings = settings(listener.local_addr().unwrap());
    settings.url = format!("wss://127.0.0.1:{port}/ari/events?{APPS}");
    settings
}

#[tokio::test]
async fn events_flow_over_tls_with_a_private_ca() {
    let (certificate, acceptor) = server();
    let listener = bind().await;
    let settings = wss_settings(&listener).tls(trusting(certificate));
    let stream = EventStream::<TestEvent>::connect(settings).unwrap();
    let mut events = stream.subscribe();

    let tls = acceptor
        .accept(accept_tcp(&listener).await)
        .await
        .expect("the TLS handshake succeeds");
    let (mut socket, upgrade) = stream_support::upgrade(tls).await;
    assert_eq!(upgrade.target, format!("/ari/events?{APPS}"));
    assert_eq!(
        upgrade.authorization,
        Some(format!("Basic {}", basic_token()))
    );
    socket.send(event("StasisStart", 1)).await.unwrap();

    assert!(matches!(next(&mut events).await, StreamItem::Connected));
    assert_eq!(next_seq(&mut events).await, 1);
}

#[tokio::test]
async fn an_untrusted_certificate_is_refused_and_retried() {
    let (_, acceptor) = server();
    let listener = bind().await;
    // The default: web PKI roots, which do not know this certificate.
    let stream = EventStream::<TestEvent>::connect(wss_settings(&listener)).unwrap();
    let mut states = stream.state_changes();

    for _ in 0..2 {
        // The client aborts the handshake.
        assert!(acceptor.accept(accept_tcp(&listener).await).await.is_err());
    }
    tokio::time::timeout(
        PATIENCE,
        states.wait_for(
            |state| matches!(state, ConnectionState::Disconnected { attempt } if *attempt >= 2),
        ),
    )
    .await
    .unwrap()
    .unwrap();
    let mut events = stream.subscribe();
    assert!(stays_quiet(&mut events, Duration::from_millis(100)).await);
    stream.close();
    tokio::time::timeout(PATIENCE, stream.closed())
        .await
        .unwrap();
}
