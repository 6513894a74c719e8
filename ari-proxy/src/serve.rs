//! The request subjects a proxy listens on, and answering each message.
//!
//! Per application: `ari.<class>.<app>` and `ari.<class>.<app>.<node>` for
//! every class, create requests in the queue group `ariproxy`. Once per
//! process: the bare `ari.<class>` subjects, whose requests are served for
//! the application their key names (or the first one served). A request
//! for an application this proxy does not serve is left to the proxies that
//! do, except on the bare `ari.create`, a queue subscription: the proxy
//! that took it is the only one to see it, so it answers with an error
//! rather than leave the requester waiting.
//!
//! The create subscriptions are held only while the node's ARI websocket is
//! up (see `proxy.rs`): a proxy whose Asterisk is unreachable leaves the
//! queue group, so new calls land on the nodes that can take them.

use std::sync::Arc;

use ari_proxy_protocol::{Request, RequestClass, Response, Subjects, CREATE_QUEUE_GROUP};
use ari_sdk::stream::{ConnectionState, EventStream};
use bytes::Bytes;
use futures::StreamExt as _;
use serde_json::Value;
use tokio::task::JoinSet;

use crate::failure::Failure;
use crate::handler::Handler;
use crate::stats::Counters;

/// What answering needs.
#[derive(Clone)]
pub(crate) struct Server {
    pub(crate) nats: async_nats::Client,
    pub(crate) handler: Handler,
    pub(crate) apps: Arc<[String]>,
    pub(crate) events: EventStream<Value>,
    pub(crate) counters: Arc<Counters>,
}

/// One subscription: its subject, whether it is a queue subscription, and
/// the application its subject names (none for the bare subjects).
struct Listen {
    subject: String,
    queue: bool,
    app: Option<String>,
}

fn listens(subjects: &Subjects, apps: &[String], node: &str) -> Vec<Listen> {
    let mut all = Vec::new();
    for class in RequestClass::ALL {
        let queue = class == RequestClass::Create;
        all.push(Listen {
            subject: subjects.request(class, None, None),
            queue,
            app: None,
        });
        for app in apps {
            for at_node in [None, Some(node)] {
                all.push(Listen {
                    subject: subjects.request(class, Some(app), at_node),
                    queue,
                    app: Some(app.clone()),
                });
            }
        }
    }
    all
}

impl Server {
    /// Subscribes to the get, data and command subjects (`creates` false)
    /// or to the create subjects of the queue group (`creates` true), and
    /// serves them in `tasks`.
    pub(crate) async fn start(
        &self,
        subjects: &Subjects,
        node: &str,
        creates: bool,
        tasks: &mut JoinSet<()>,
    ) -> Result<(), async_nats::SubscribeError> {
        let wanted = listens(subjects, &self.apps, node)
            .into_iter()
            .filter(|listen| listen.queue == creates);
        for listen in wanted {
            let mut messages = if listen.queue {
                self.nats
                    .queue_subscribe(listen.subject.clone(), CREATE_QUEUE_GROUP.to_string())
                    .await?
            } else {
                self.nats.subscribe(listen.subject.clone()).await?
            };
            let server = self.clone();
            tasks.spawn(async move {
                while let Some(message) = messages.next().await {
                    let server = server.clone();
                    let app = listen.app.clone();
                    let queue = listen.queue;
                    // Requests never wait for one another.
                    tokio::spawn(async move { server.answer(app, queue, message).await });
                }
            });
        }
        Ok(())
    }

    fn connected(&self) -> bool {
        matches!(
            self.events.state(),
            ConnectionState::Connected | ConnectionState::Replaced
        )
    }

    /// Answers one request. `queue`: it came through the create queue
    /// group, so no other proxy sees it.
    async fn answer(&self, subject_app: Option<String>, queue: bool, message: async_nats::Message) {
        let Some(reply) = message.reply else {
            tracing::debug!(subject = %message.subject, "request without a reply subject: ignored");
            return;
        };
        let response = match serde_json::from_slice::<Request>(&message.payload) {
            Err(error) => {
                Failure::invalid(format!("the request is not valid JSON: {error}")).into_response()
            }
            Ok(request) => {
                match self.app_for(subject_app, &request) {
                    // Another proxy serves it and answers.
                    None if !queue => return,
                    // Taken from the queue group: nobody else will answer.
                    None => Failure::invalid(format!(
                        "this node does not serve application {:?}",
                        request.key.as_ref().map(|k| k.app.as_str()).unwrap_or("")
                    ))
                    .into_response(),
                    Some(app) => self.serve(&app, &request).await,
                }
            }
        };
        self.reply(reply, &response).await;
    }

    /// Serves a request for `app`, unless the ARI websocket is down.
    async fn serve(&self, app: &str, request: &Request) -> Response {
        if self.connected() {
            self.handler.handle(app, request).await
        } else {
            Failure::unavailable().into_response()
        }
    }

    /// The application a request is served for, or none when it is for an
    /// application this proxy does not serve.
    fn app_for(&self, subject_app: Option<String>, request: &Request) -> Option<String> {
        if subject_app.is_some() {
            return subject_app;
        }
        let keyed = request.key.as_ref().map(|k| k.app.as_str()).unwrap_or("");
        if keyed.is_empty() {
            return self.apps.first().cloned();
        }
        self.apps.iter().find(|a| *a == keyed).cloned()
    }

    async fn reply(&self, reply: async_nats::Subject, response: &Response) {
        let payload = match serde_json::to_vec(response) {
            Ok(bytes) => Bytes::from(bytes),
            Err(error) => {
                tracing::error!(%error, "cannot encode a response");
                return;
            }
        };
        match self.nats.publish(reply, payload).await {
            Ok(()) => Counters::add(&self.counters.requests_served, 1),
            Err(error) => tracing::warn!(%error, "cannot publish a response"),
        }
    }
}
