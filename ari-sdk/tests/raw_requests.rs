//! `Client::send_raw` against the fake Asterisk: the status and body come
//! back verbatim, error statuses included; only what could not be sent is
//! an `Error`.

use ari_sdk::request::Method;
use ari_sdk::{Client, Config, Error, RawRequest};
use fake_asterisk::FakeAsterisk;
use serde_json::{json, Value};

async fn fake() -> FakeAsterisk {
    FakeAsterisk::builder()
        .username("u")
        .password("p")
        .build()
        .start()
        .await
        .expect("fake starts")
}

fn client(fake: &FakeAsterisk) -> Client {
    let config = Config::builder()
        .url(fake.url())
        .username(fake.username())
        .password(fake.password())
        .applications(["demo"])
        .build()
        .expect("config");
    Client::new(config).expect("client")
}

#[tokio::test]
async fn a_success_comes_back_with_its_status_and_body() {
    let fake = fake().await;
    let client = client(&fake);
    let _bob = fake.phone("PJSIP/bob").expect("phone");

    let answer = client
        .send_raw(
            RawRequest::new(Method::Post, "/channels/raw-1")
                .query("endpoint", "PJSIP/bob")
                .query("app", "demo")
                .json_body(json!({"variables": {"WHO": "a & b"}})),
        )
        .await
        .expect("sent");
    assert_eq!(answer.status, 200);
    assert!(answer.is_success());
    let channel: Value = answer.json().expect("JSON");
    assert_eq!(channel["id"], "raw-1");
    assert_eq!(fake.channel_ids(), ["raw-1"]);

    // A 204 has an empty body.
    let hangup = client
        .send_raw(RawRequest::new(Method::Delete, "/channels/raw-1"))
        .await
        .expect("sent");
    assert_eq!((hangup.status, hangup.body.len()), (204, 0));
}

#[tokio::test]
async fn an_error_status_is_an_answer_with_asterisks_message() {
    let fake = fake().await;
    let client = client(&fake);
    let answer = client
        .send_raw(RawRequest::new(Method::Get, "/channels/nobody"))
        .await
        .expect("an answer, not an error");
    assert_eq!(answer.status, 404);
    assert!(!answer.is_success());
    let body: Value = answer.json().expect("JSON");
    assert_eq!(body, json!({"message": "Channel not found"}));
}

#[tokio::test]
async fn a_path_ari_lacks_is_answered_as_asterisk_answers_it() {
    let fake = fake().await;
    let client = client(&fake);
    let answer = client
        .send_raw(RawRequest::new(Method::Get, "/no/such/resource"))
        .await
        .expect("an answer, not an error");
    assert_eq!(answer.status, 404);
    let body: Value = answer.json().expect("JSON");
    assert_eq!(body, json!({"message": "Resource not found"}));
}

#[tokio::test]
async fn paths_that_leave_ari_and_unreachable_servers_are_errors() {
    let fake = fake().await;
    let client = client(&fake);
    for path in ["channels", "/../httpstatus", "/channels?x=1"] {
        let error = client
            .send_raw(RawRequest::new(Method::Get, path))
            .await
            .expect_err(path);
        assert!(
            matches!(
                error,
                Error::InvalidArgument {
                    parameter: "path",
                    ..
                }
            ),
            "{path}: {error}"
        );
    }
    fake.stop_accepting();
    let error = client
        .send_raw(RawRequest::new(Method::Get, "/asterisk/info"))
        .await
        .expect_err("nobody listens");
    assert!(matches!(error, Error::Transport { .. }), "{error}");
}
