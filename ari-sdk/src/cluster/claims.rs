//! Which instance serves a call, when several instances of an application
//! share the calls ([`SharedCalls`](super::SharedCalls)).
//!
//! A claim is a key of a JetStream key-value bucket, created only if it does
//! not exist yet: the server decides which instance was first, whatever the
//! number of instances. The value is the instance's name, so an instance
//! that restarts (and replays a durable consumer) finds its own claims.

use std::time::Duration;

use async_nats::jetstream::kv::{self, CreateErrorKind};

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

/// The claims bucket.
#[derive(Debug, Clone)]
pub(crate) struct Claims {
    store: kv::Store,
    instance: String,
}

impl Claims {
    /// Opens (or creates) the bucket.
    pub(crate) async fn open(
        jetstream: &async_nats::jetstream::Context,
        shared: &SharedCalls,
    ) -> Result<Claims, ClusterError> {
        let store = match jetstream.get_key_value(&shared.bucket).await {
            Ok(store) => store,
            Err(_) => {
                create_bucket(jetstream, shared).await?;
                jetstream
                    .get_key_value(&shared.bucket)
                    .await
                    .map_err(|error| {
                        ClusterError::JetStream(format!(
                            "cannot open the claims bucket {}: {error}",
                            shared.bucket
                        ))
                    })?
            }
        };
        Ok(Claims {
            store,
            instance: shared.instance.clone(),
        })
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

/// Creates the bucket's stream as a key-value bucket's is made (`KV_<bucket>`
/// on `$KV.<bucket>.>`, one value per key, no deletes), rather than with
/// `create_key_value`, whose answer async-nats cannot read from a NATS
/// server 2.9. Another instance creating it at the same time is no error.
async fn create_bucket(
    jetstream: &async_nats::jetstream::Context,
    shared: &SharedCalls,
) -> Result<(), ClusterError> {
    use async_nats::jetstream::stream;
    let created = jetstream
        .create_stream(stream::Config {
            name: format!("KV_{}", shared.bucket),
            subjects: vec![format!("$KV.{}.>", shared.bucket)],
            max_messages_per_subject: 1,
            discard: stream::DiscardPolicy::New,
            allow_rollup: true,
            deny_delete: true,
            max_age: shared.keep_for,
            ..stream::Config::default()
        })
        .await;
    match created {
        Ok(_) => Ok(()),
        Err(error) if jetstream.get_key_value(&shared.bucket).await.is_ok() => {
            tracing::debug!(%error, "the claims bucket was created meanwhile");
            Ok(())
        }
        Err(error) => Err(ClusterError::JetStream(format!(
            "cannot create the claims bucket {}: {error}",
            shared.bucket
        ))),
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
