//! What can go wrong with the event stream.

/// An event stream failure.
///
/// Its `Display` never contains the password or the `Authorization` header:
/// neither is ever put into one.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StreamError {
    /// A text frame that is not a valid event (not JSON, no `type`, a field
    /// of the wrong shape). The stream goes on with the next frame.
    #[error("malformed event frame ({} bytes): {source}", raw.len())]
    MalformedFrame {
        /// The frame exactly as received.
        raw: String,
        /// The decoder's complaint.
        #[source]
        source: serde_json::Error,
    },

    /// A binary frame that is not UTF-8 (Asterisk sends text frames only).
    /// The stream goes on with the next frame.
    #[error("binary frame of {len} bytes is not UTF-8 text")]
    NonUtf8Frame {
        /// The frame's size in bytes.
        len: usize,
    },

    /// Asterisk refused the credentials when upgrading to a websocket
    /// (HTTP 401 or 403). Fatal: the stream stops rather than retrying with
    /// credentials that cannot work.
    #[error("Asterisk rejected the event stream's credentials (HTTP {status})")]
    Unauthorized {
        /// 401 or 403.
        status: u16,
    },

    /// Asterisk refused the websocket upgrade as a bad request (HTTP 400),
    /// e.g. `HTTP request is missing param: [app]` for a URL naming no
    /// application. Fatal: the same request would be refused again.
    #[error("Asterisk refused the event stream (HTTP {status}): {message}")]
    Refused {
        /// 400.
        status: u16,
        /// What Asterisk said (empty if it said nothing readable).
        message: String,
    },

    /// The settings cannot work (a URL that is not `ws://` or `wss://`, a
    /// zero buffer, credentials in the URL).
    #[error("invalid event stream settings: {0}")]
    InvalidSettings(&'static str),

    /// The default TLS configuration could not be built.
    #[error("cannot set up TLS for the event stream: {0}")]
    Tls(#[source] rustls::Error),

    /// [`EventStream::connect`](super::EventStream::connect) was called
    /// outside a tokio runtime, which the connection task needs.
    #[error("the event stream must be started inside a tokio runtime")]
    NoRuntime,

    /// The connection of a per-call outbound session (Asterisk dialled the
    /// application for one call, see [`crate::outbound`]) dropped before the
    /// call was over, and Asterisk did not dial it again within `waited`
    /// (its `reconnect_attempts` ran out, or it is gone). Fatal.
    #[error("the per-call connection dropped mid-call and Asterisk did not dial it again within {waited:?}")]
    OutboundDropped {
        /// The redial window waited.
        waited: std::time::Duration,
    },

    /// The stream was closed (by the application, or its last handle was
    /// dropped) before what was waited for happened, e.g. before the
    /// application was registered.
    #[error("the event stream was closed")]
    Closed,
}

impl StreamError {
    /// True for errors after which the stream stopped for good.
    pub fn is_fatal(&self) -> bool {
        !matches!(
            self,
            StreamError::MalformedFrame { .. } | StreamError::NonUtf8Frame { .. }
        )
    }

    /// The raw text of a [`MalformedFrame`](StreamError::MalformedFrame).
    pub fn raw_frame(&self) -> Option<&str> {
        match self {
            StreamError::MalformedFrame { raw, .. } => Some(raw),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync + 'static>() {}

    #[test]
    fn is_send_and_sync() {
        assert_send_sync::<StreamError>();
    }

    #[test]
    fn display_strings() {
        let source = serde_json::from_str::<serde_json::Value>("nope").unwrap_err();
        let malformed = StreamError::MalformedFrame {
            raw: "nope".into(),
            source,
        };
        assert_eq!(
            malformed.to_string(),
            "malformed event frame (4 bytes): expected ident at line 1 column 2"
        );
        assert_eq!(malformed.raw_frame(), Some("nope"));
        assert!(!malformed.is_fatal());

        assert_eq!(
            StreamError::NonUtf8Frame { len: 3 }.to_string(),
            "binary frame of 3 bytes is not UTF-8 text"
        );
        let unauthorized = StreamError::Unauthorized { status: 401 };
        assert_eq!(
            unauthorized.to_string(),
            "Asterisk rejected the event stream's credentials (HTTP 401)"
        );
        assert!(unauthorized.is_fatal());
        assert_eq!(unauthorized.raw_frame(), None);
        assert_eq!(
            StreamError::InvalidSettings("the buffer must hold at least one item").to_string(),
            "invalid event stream settings: the buffer must hold at least one item"
        );
        assert_eq!(
            StreamError::NoRuntime.to_string(),
            "the event stream must be started inside a tokio runtime"
        );
    }
}
