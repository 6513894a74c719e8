//! Request building, the hot path of every REST call: a typed builder of
//! `ari_sdk::v20`, filled and turned into its `Request` (path encoded, query
//! and JSON body set), without sending anything. The client (and its
//! reqwest connection pool) is built once, outside the timed loop.
//!
//! `cargo bench -p ari-sdk --features asterisk-20 --bench request_building`
//!
//! Each iteration builds one request; criterion's `thrpt` is requests/s.

use ari_sdk::request::Method;
use ari_sdk::runtime::Request;
use ari_sdk::v20::channels::{Answer, Originate};
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

// The four requests, each built by one function that both `check` and the
// timed loop call, so what is checked is what is timed.

fn originate_app_caller_id_variables(ari: &Ari) -> Originate {
    ari.channels()
        .originate(black_box("PJSIP/alice"))
        .app(black_box("demo"))
        .caller_id(black_box("Robot <100>"))
        .variables([(black_box("A"), black_box("1"))])
}

/// The same without the JSON body, to show what the body costs.
fn originate_endpoint_only(ari: &Ari) -> Originate {
    ari.channels().originate(black_box("PJSIP/alice"))
}

fn answer_plain_id(ari: &Ari) -> Answer {
    ari.channels().answer(black_box("1700000000.42"))
}

fn answer_hostile_id(ari: &Ari) -> Answer {
    ari.channels().answer(black_box("a/b?c#d"))
}

/// Asserts what a built request will send.
fn expect(
    request: &Request,
    method: Method,
    path: &str,
    query: &[(&str, &str)],
    body: Option<serde_json::Value>,
) {
    assert_eq!(request.operation().method, method, "{path}");
    assert_eq!(request.path(), path);
    let pairs: Vec<(&str, &str)> = request
        .query_pairs()
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    assert_eq!(pairs, query, "{path}");
    assert_eq!(request.json_body(), body.as_ref(), "{path}");
}

/// The requests are what Asterisk expects: a benchmark of the wrong work
/// would measure nothing.
fn check(ari: &Ari) {
    expect(
        originate_app_caller_id_variables(ari).request(),
        Method::Post,
        "/channels",
        &[
            ("endpoint", "PJSIP/alice"),
            ("app", "demo"),
            ("callerId", "Robot <100>"),
        ],
        Some(serde_json::json!({"variables": {"A": "1"}})),
    );
    expect(
        originate_endpoint_only(ari).request(),
        Method::Post,
        "/channels",
        &[("endpoint", "PJSIP/alice")],
        None,
    );
    expect(
        answer_plain_id(ari).request(),
        Method::Post,
        "/channels/1700000000.42/answer",
        &[],
        None,
    );
    expect(
        answer_hostile_id(ari).request(),
        Method::Post,
        "/channels/a%2Fb%3Fc%23d/answer",
        &[],
        None,
    );
}

fn benches(c: &mut Criterion) {
    let ari = ari();
    check(&ari);

    let mut group = c.benchmark_group("request_building");
    group.throughput(Throughput::Elements(1));
    group.bench_function("originate_app_caller_id_variables", |b| {
        b.iter(|| {
            let builder = originate_app_caller_id_variables(black_box(&ari));
            black_box(builder.request());
            builder
        })
    });
    group.bench_function("originate_endpoint_only", |b| {
        b.iter(|| {
            let builder = originate_endpoint_only(black_box(&ari));
            black_box(builder.request());
            builder
        })
    });
    group.bench_function("answer_plain_id", |b| {
        b.iter(|| {
            let builder = answer_plain_id(black_box(&ari));
            black_box(builder.request());
            builder
        })
    });
    group.bench_function("answer_hostile_id", |b| {
        b.iter(|| {
            let builder = answer_hostile_id(black_box(&ari));
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
