//! The error of a handle's operation (why a resource is gone is
//! [`HandleEnded`], beside [`ResourceKind`] in `resource.rs`, so that
//! [`Error`] can carry it).

use crate::error::Error;

pub use crate::resource::HandleEnded;
use crate::resource::ResourceKind;

/// The error of a handle's operation or wait.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HandleError {
    /// A REST request failed.
    #[error(transparent)]
    Request(#[from] Error),
    /// The resource (or the one it depends on) ended first.
    #[error("{kind} {id}: {reason}")]
    Ended {
        /// The kind of the handle's resource.
        kind: ResourceKind,
        /// Its id.
        id: String,
        /// Why.
        reason: HandleEnded,
    },
}

impl HandleError {
    /// Why the resource ended, if that is the error.
    pub fn ended(&self) -> Option<&HandleEnded> {
        match self {
            HandleError::Ended { reason, .. } => Some(reason),
            HandleError::Request(_) => None,
        }
    }

    /// The REST error, if that is the error.
    pub fn request(&self) -> Option<&Error> {
        match self {
            HandleError::Request(error) => Some(error),
            HandleError::Ended { .. } => None,
        }
    }
}

impl From<HandleError> for Error {
    /// One error type for an application: a REST failure stays itself, a
    /// resource that ended becomes [`Error::Ended`].
    fn from(error: HandleError) -> Error {
        match error {
            HandleError::Request(error) => error,
            HandleError::Ended { kind, id, reason } => Error::Ended { kind, id, reason },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_handle_error_becomes_the_one_error_type() {
        let ended = Error::from(HandleError::Ended {
            kind: ResourceKind::Playback,
            id: "p1".into(),
            reason: HandleEnded::Failed { cause: None },
        });
        assert_eq!(ended.to_string(), "playback p1: it failed");
        assert_eq!(ended.ended(), Some(&HandleEnded::Failed { cause: None }));

        let request = Error::from(HandleError::Request(Error::Timeout {
            operation: "channels.answer",
        }));
        assert!(matches!(
            request,
            Error::Timeout {
                operation: "channels.answer"
            }
        ));
    }
}
