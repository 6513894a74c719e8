//! NATS subjects of the protocol, built from a prefix.

use crate::request::Request;
use crate::request_kind::RequestClass;

/// The prefix every subject starts with unless configured otherwise.
pub const DEFAULT_PREFIX: &str = "ari.";

/// The NATS queue group every proxy joins for create requests, so that one
/// proxy of those listening takes each (the Go proxy's name for it).
pub const CREATE_QUEUE_GROUP: &str = "ariproxy";

/// A name that cannot be one token of a NATS subject.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubjectError {
    /// The name is empty.
    #[error("the {what} name is empty")]
    Empty {
        /// What the name names (`node`, `application`, `dialog`).
        what: &'static str,
    },
    /// The name has a character NATS gives a meaning in subjects.
    #[error(
        "the {what} name {name:?} contains {found:?}, which cannot be in one NATS subject token"
    )]
    Forbidden {
        /// What the name names.
        what: &'static str,
        /// The name.
        name: String,
        /// The first offending character.
        found: char,
    },
}

/// Checks that `name` can be one subject token: not empty, no `.`, `*`,
/// `>`, whitespace or control character.
///
/// ```
/// assert!(ari_proxy_protocol::Subjects::check_token("node", "pbx-1").is_ok());
/// assert!(ari_proxy_protocol::Subjects::check_token("node", "pbx.example.com").is_err());
/// ```
fn check_token(what: &'static str, name: &str) -> Result<(), SubjectError> {
    if name.is_empty() {
        return Err(SubjectError::Empty { what });
    }
    match name
        .chars()
        .find(|c| matches!(c, '.' | '*' | '>') || c.is_whitespace() || c.is_control())
    {
        Some(found) => Err(SubjectError::Forbidden {
            what,
            name: name.to_string(),
            found,
        }),
        None => Ok(()),
    }
}

/// The subjects of one cluster, all under one prefix.
///
/// ```
/// let subjects = ari_proxy_protocol::Subjects::default();
/// assert_eq!(subjects.ping(), "ari.ping");
/// assert_eq!(subjects.event("demo", "pbx-1"), "ari.event.demo.pbx-1");
/// assert_eq!(subjects.all_events(), "ari.event.>");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subjects {
    prefix: String,
}

impl Default for Subjects {
    fn default() -> Self {
        Subjects {
            prefix: DEFAULT_PREFIX.to_string(),
        }
    }
}

impl Subjects {
    /// Subjects under `prefix`, which ends with a `.` as `ari.` does (one is
    /// added when missing).
    pub fn with_prefix(prefix: impl Into<String>) -> Subjects {
        let mut prefix = prefix.into();
        if !prefix.is_empty() && !prefix.ends_with('.') {
            prefix.push('.');
        }
        Subjects { prefix }
    }

    /// The prefix (`ari.`).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Checks that `name` can be one subject token (what [`Subjects`]
    /// requires of node, application and dialog names).
    pub fn check_token(what: &'static str, name: &str) -> Result<(), SubjectError> {
        check_token(what, name)
    }

    /// `ari.ping`: applications ask every proxy to announce itself.
    pub fn ping(&self) -> String {
        format!("{}ping", self.prefix)
    }

    /// `ari.announce`: where proxies announce themselves.
    pub fn announce(&self) -> String {
        format!("{}announce", self.prefix)
    }

    /// `ari.event.<app>.<node>`: the events of `app` on `node`.
    pub fn event(&self, app: &str, node: &str) -> String {
        format!("{}event.{app}.{node}", self.prefix)
    }

    /// `ari.event.<app>.*`: the events of `app` on every node.
    pub fn app_events(&self, app: &str) -> String {
        format!("{}event.{app}.*", self.prefix)
    }

    /// `ari.event.>`: every event of every application and node.
    pub fn all_events(&self) -> String {
        format!("{}event.>", self.prefix)
    }

    /// `ari.dialogevent.<dialog>`: the events of the resources bound to
    /// `dialog`.
    pub fn dialog_event(&self, dialog: &str) -> String {
        format!("{}dialogevent.{dialog}", self.prefix)
    }

    /// `ari.<class>`, `ari.<class>.<app>` or `ari.<class>.<app>.<node>`: a
    /// node without an application is ignored, as in Go.
    pub fn request(&self, class: RequestClass, app: Option<&str>, node: Option<&str>) -> String {
        let mut subject = format!("{}{}", self.prefix, class.as_str());
        if let Some(app) = app.filter(|a| !a.is_empty()) {
            subject.push('.');
            subject.push_str(app);
            if let Some(node) = node.filter(|n| !n.is_empty()) {
                subject.push('.');
                subject.push_str(node);
            }
        }
        subject
    }

    /// The subject `request` goes to: its class, the key's application (or
    /// `default_app` when the key names none) and the key's node.
    ///
    /// Fails when the application or node cannot be a subject token.
    pub fn request_for(
        &self,
        request: &Request,
        default_app: &str,
    ) -> Result<String, SubjectError> {
        let key = request.key.as_ref();
        let app = key
            .map(|k| k.app.as_str())
            .filter(|a| !a.is_empty())
            .unwrap_or(default_app);
        let node = key.map(|k| k.node.as_str()).filter(|n| !n.is_empty());
        if !app.is_empty() {
            check_token("application", app)?;
        }
        if let Some(node) = node {
            check_token("node", node)?;
        }
        Ok(self.request(request.kind.class(), Some(app), node))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_subjects_follow_the_coordinates() {
        let s = Subjects::default();
        assert_eq!(s.request(RequestClass::Get, None, None), "ari.get");
        assert_eq!(s.request(RequestClass::Get, None, Some("n")), "ari.get");
        assert_eq!(s.request(RequestClass::Data, Some("a"), None), "ari.data.a");
        assert_eq!(
            s.request(RequestClass::Create, Some("a"), Some("n")),
            "ari.create.a.n"
        );
        assert_eq!(Subjects::with_prefix("x").ping(), "x.ping");
    }

    #[test]
    fn tokens_refuse_subject_syntax() {
        assert_eq!(
            check_token("node", ""),
            Err(SubjectError::Empty { what: "node" })
        );
        for bad in ["a.b", "a*", ">", "a b", "a\tb"] {
            assert!(check_token("node", bad).is_err(), "{bad}");
        }
        assert!(check_token("node", "02:00:00:fa:4e:01").is_ok());
    }
}
