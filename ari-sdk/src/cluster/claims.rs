//! Which instance serves a call, when several instances of an application
//! share the calls ([`SharedCalls`](super::SharedCalls)).
//!
//! A claim is a key of a JetStream key-value bucket, created only if it does
//! not exist yet: the server decides which instance was first, whatever the
//! number of instances. The value is the instance's name, so an instance
//! that restarts (and replays a durable consumer) finds its own claims.
//!
//! Every instance sees every call, so the first to claim would take nearly
//! all of them. To spread them, the instances say they are alive in a
//! second bucket (`<bucket>_instances`, one key each, refreshed every ping
//! interval and gone after the node timeout), and each call has a
//! preferred instance among those alive (the highest hash of the instance
//! and the channel: rendezvous hashing). The preferred one claims at once;
//! the others only after a grace, so a call whose preferred instance just
//! died is still taken. The claim alone decides: instances that disagree
//! about who is alive cost balance, never a call.

use std::hash::{Hash as _, Hasher as _};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use async_nats::jetstream::kv::{self, CreateErrorKind};

use crate::sync::lock;

use super::error::ClusterError;
use super::settings::SharedCalls;

/// Attempts at a claim the server did not decide (NATS reconnecting)
/// before the call is taken anyway.
const ATTEMPTS: u32 = 5;

/// What a claim came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Claim {
    /// This instance serves the call.
    Ours,
    /// Another instance does.
    Theirs,
    /// The bucket could not be reached: the call is served here rather
    /// than by nobody (it may be served twice).
    Undecided,
}

/// How long an instance that is not a call's preferred one waits before
/// claiming it.
pub(crate) const GRACE: Duration = Duration::from_millis(300);

/// The claims bucket, and the instances alive.
#[derive(Debug, Clone)]
pub(crate) struct Claims {
    store: kv::Store,
    instance: String,
    /// The instances alive, their names as keys spell them (this one
    /// always among them).
    alive: Arc<Mutex<Vec<String>>>,
}

impl Claims {
    /// Opens (or creates) the buckets, and keeps this instance said alive
    /// every `heartbeat` until the claims are dropped.
    pub(crate) async fn open(
        jetstream: &async_nats::jetstream::Context,
        shared: &SharedCalls,
        heartbeat: Duration,
        alive_for: Duration,
    ) -> Result<Claims, ClusterError> {
        let store = open_bucket(jetstream, &shared.bucket, shared.keep_for).await?;
        let presence = open_bucket(
            jetstream,
            &format!("{}_instances", shared.bucket),
            alive_for,
        )
        .await?;
        let alive = Arc::new(Mutex::new(vec![key_part(&shared.instance)]));
        tokio::spawn(say_alive(
            presence,
            shared.instance.clone(),
            Arc::downgrade(&alive),
            heartbeat,
        ));
        Ok(Claims {
            store,
            instance: shared.instance.clone(),
            alive,
        })
    }

    /// Whether this instance is the preferred one for the channel `id` of
    /// `node`.
    pub(crate) fn preferred(&self, node: &str, id: &str) -> bool {
        let alive = lock(&self.alive);
        let score = |instance: &str| {
            let mut hasher = std::hash::DefaultHasher::new();
            (instance, node, id).hash(&mut hasher);
            hasher.finish()
        };
        let own = key_part(&self.instance);
        alive
            .iter()
            .max_by_key(|instance| (score(instance), instance.as_str()))
            .is_none_or(|best| *best == own)
    }

    /// Claims the channel `id` of `node` for this instance.
    pub(crate) async fn claim(&self, node: &str, id: &str) -> Claim {
        let key = claim_key(node, id);
        for attempt in 1..=ATTEMPTS {
            match self
                .store
                .create(&key, self.instance.clone().into_bytes().into())
                .await
            {
                Ok(_) => return Claim::Ours,
                Err(error) if error.kind() == CreateErrorKind::AlreadyExists => {
                    match self.store.get(&key).await {
                        Ok(Some(owner)) if owner.as_ref() == self.instance.as_bytes() => {
                            return Claim::Ours
                        }
                        Ok(Some(_)) => return Claim::Theirs,
                        // Expired in between: try again.
                        Ok(None) => continue,
                        Err(error) => {
                            tracing::debug!(%error, attempt, "reading a claim failed");
                        }
                    }
                }
                Err(error) => tracing::debug!(%error, attempt, "claiming failed"),
            }
            tokio::time::sleep(Duration::from_millis(100) * attempt).await;
        }
        tracing::error!(
            node,
            channel = id,
            "the claims bucket cannot be reached: the call is served here, \
             and may be served by another instance too"
        );
        Claim::Undecided
    }
}

/// Opens the bucket `name`, creating it when missing.
async fn open_bucket(
    jetstream: &async_nats::jetstream::Context,
    name: &str,
    keep_for: Duration,
) -> Result<kv::Store, ClusterError> {
    if let Ok(store) = jetstream.get_key_value(name).await {
        return Ok(store);
    }
    create_bucket(jetstream, name, keep_for).await?;
    jetstream
        .get_key_value(name)
        .await
        .map_err(|error| ClusterError::JetStream(format!("cannot open the bucket {name}: {error}")))
}

/// Creates the bucket's stream as a key-value bucket's is made (`KV_<bucket>`
/// on `$KV.<bucket>.>`, one value per key, no deletes), rather than with
/// `create_key_value`, whose answer async-nats cannot read from a NATS
/// server 2.9. Another instance creating it at the same time is no error.
async fn create_bucket(
    jetstream: &async_nats::jetstream::Context,
    name: &str,
    keep_for: Duration,
) -> Result<(), ClusterError> {
    use async_nats::jetstream::stream;
    let created = jetstream
        .create_stream(stream::Config {
            name: format!("KV_{name}"),
            subjects: vec![format!("$KV.{name}.>")],
            max_messages_per_subject: 1,
            discard: stream::DiscardPolicy::New,
            allow_rollup: true,
            deny_delete: true,
            max_age: keep_for,
            ..stream::Config::default()
        })
        .await;
    match created {
        Ok(_) => Ok(()),
        Err(error) if jetstream.get_key_value(name).await.is_ok() => {
            tracing::debug!(%error, "the bucket was created meanwhile");
            Ok(())
        }
        Err(error) => Err(ClusterError::JetStream(format!(
            "cannot create the bucket {name}: {error}"
        ))),
    }
}

/// Says `instance` is alive every `heartbeat`, and reads who else is, until
/// the claims are dropped.
async fn say_alive(
    presence: kv::Store,
    instance: String,
    alive: Weak<Mutex<Vec<String>>>,
    heartbeat: Duration,
) {
    use futures::TryStreamExt as _;
    let key = key_part(&instance);
    let mut ticks = tokio::time::interval(heartbeat);
    loop {
        ticks.tick().await;
        let Some(alive) = alive.upgrade() else {
            return;
        };
        if let Err(error) = presence
            .put(&key, instance.clone().into_bytes().into())
            .await
        {
            tracing::debug!(%error, "saying this instance is alive failed");
            continue;
        }
        let keys = match presence.keys().await {
            Ok(keys) => keys.try_collect::<Vec<String>>().await,
            Err(error) => {
                tracing::debug!(%error, "reading the instances alive failed");
                continue;
            }
        };
        // The names as keys spell them, everywhere alike.
        if let Ok(mut names) = keys {
            if !names.contains(&key) {
                names.push(key.clone());
            }
            names.sort();
            *lock(&alive) = names;
        }
    }
}

/// The bucket key of a channel: `<node>.<id>`, each part kept as it is when
/// it holds only characters keys allow, hex-encoded after `x-` otherwise
/// (and when it starts with `x-` itself).
pub(crate) fn claim_key(node: &str, id: &str) -> String {
    format!("{}.{}", key_part(node), key_part(id))
}

fn key_part(part: &str) -> String {
    let plain = !part.is_empty()
        && !part.starts_with("x-")
        && !part.starts_with('.')
        && !part.ends_with('.')
        && part
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'=' | b'.'));
    if plain {
        return part.to_owned();
    }
    let mut encoded = String::with_capacity(2 + part.len() * 2);
    encoded.push_str("x-");
    for byte in part.bytes() {
        encoded.push_str(&format!("{byte:02x}"));
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::claim_key;

    #[test]
    fn keys_keep_plain_ids_and_encode_the_rest() {
        assert_eq!(claim_key("node-1", "1700000000.12"), "node-1.1700000000.12");
        assert_eq!(claim_key("n", "a/b c"), "n.x-612f622063");
        assert_eq!(claim_key("n", ""), "n.x-");
    }
}
