//! Request building, the hot path of every REST call: a typed builder of
//! `ari_sdk::v20`, filled and turned into its `Request` (path encoded, query
//! and JSON body set), without sending anything. The client (and its
//! reqwest connection pool) is built once, outside the timed loop.
//!
//! `cargo bench -p ari-sdk --features asterisk-20 --bench request_building`
//!
//! Each iteration builds one request; criterion's `thrpt` is requests/s.

use ari_sdk::v20::Ari;
use ari_sdk::{Client, Config};
use criterion::{black_box, criterion_group, Criterion, Throughput};

/// An `Ari` that never connects: building requests needs no server.
fn ari() -> Ari {
    let config = Config::builder()
        .url("http://127.0.0.1:8088/ari")
        .username("asterisk")
        .password("secret")
        .application("demo")
        .build()
        .expect("a valid config");
    Ari::new(Client::new(config).expect("an HTTP client"))
}

/// The requests are what Asterisk expects: a benchmark of the wrong work
/// would measure nothing.
fn check(ari: &Ari) {
    let originate = ari
        .channels()
        .originate("PJSIP/alice")
        .app("demo")
        .caller_id("Robot <100>")
        .variables([("A", "1")]);
    let request = originate.request();
    assert_eq!(request.path(), "/channels");
    assert_eq!(
        request.query_pairs(),
        [
            ("endpoint", "PJSIP/alice".to_string()),
            ("app", "demo".to_string()),
            ("callerId", "Robot <100>".to_string()),
        ]
    );
    assert_eq!(
        request.json_body(),
        Some(&serde_json::json!({"variables": {"A": "1"}}))
    );
    let answer = ari.channels().answer("a/b?c#d");
    assert_eq!(answer.request().path(), "/channels/a%2Fb%3Fc%23d/answer");
}

fn benches(c: &mut Criterion) {
    let ari = ari();
    check(&ari);

    let mut group = c.benchmark_group("request_building");
    group.throughput(Throughput::Elements(1));
    group.bench_function("originate_app_caller_id_variables", |b| {
        b.iter(|| {
            let builder = black_box(&ari)
                .channels()
                .originate(black_box("PJSIP/alice"))
                .app(black_box("demo"))
                .caller_id(black_box("Robot <100>"))
                .variables([(black_box("A"), black_box("1"))]);
            black_box(builder.request());
            builder
        })
    });
    // The same without the JSON body, to show what the body costs.
    group.bench_function("originate_endpoint_only", |b| {
        b.iter(|| {
            let builder = black_box(&ari)
                .channels()
                .originate(black_box("PJSIP/alice"));
            black_box(builder.request());
            builder
        })
    });
    group.bench_function("answer_plain_id", |b| {
        b.iter(|| {
            let builder = black_box(&ari)
                .channels()
                .answer(black_box("1700000000.42"));
            black_box(builder.request());
            builder
        })
    });
    group.bench_function("answer_hostile_id", |b| {
        b.iter(|| {
            let builder = black_box(&ari).channels().answer(black_box("a/b?c#d"));
            black_box(builder.request());
            builder
        })
    });
    group.finish();
}

criterion_group!(request_building, benches);

fn main() {
    request_building();
    Criterion::default().configure_from_args().final_summary();
}
