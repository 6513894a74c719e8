//! What an error response's body says, kept short: shared by REST errors
//! and a refused websocket upgrade.

/// The longest message taken from a body, in characters.
const MESSAGE_CHARS: usize = 200;

/// The most of a body an error keeps (REST error bodies, bodies that do not
/// decode), in bytes.
pub(crate) const KEPT_BODY: usize = 64 * 1024;

/// What a body says, in one line of at most 200 characters: the `message`
/// (most of Asterisk's errors) or `error` (`{"error":"Allocation failed"}`
/// of a failed originate) of a JSON object, the first paragraph of an HTML
/// page (Asterisk's error pages: `<p>HTTP request is missing param:
/// [app]</p>`), else the text without tags. `None` when nothing is left.
pub(crate) fn message(body: &[u8]) -> Option<String> {
    if let Ok(serde_json::Value::Object(fields)) = serde_json::from_slice(body) {
        let said = ["message", "error"]
            .iter()
            .find_map(|key| fields.get(*key).and_then(serde_json::Value::as_str));
        if let Some(said) = said {
            return one_line(said);
        }
    }
    let text = String::from_utf8_lossy(body);
    let paragraph = text
        .split_once("<p>")
        .and_then(|(_, rest)| rest.split_once("</p>"))
        .map(|(paragraph, _)| paragraph);
    let mut plain = String::new();
    let mut in_tag = false;
    for c in paragraph.unwrap_or(&text).chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                plain.push(' ');
            }
            c if !in_tag => plain.push(c),
            _ => {}
        }
    }
    one_line(&plain)
}

/// `text` with its whitespace collapsed, cut at [`MESSAGE_CHARS`]
/// characters (marked with `...`); `None` when nothing is left.
fn one_line(text: &str) -> Option<String> {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.is_empty() {
        return None;
    }
    Some(match line.char_indices().nth(MESSAGE_CHARS) {
        Some((cut, _)) => format!("{}...", &line[..cut]),
        None => line,
    })
}

/// At most [`KEPT_BODY`] bytes of `body` as text (lossy UTF-8, cut on a
/// character boundary).
pub(crate) fn kept(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(KEPT_BODY)]);
    text.into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_come_from_json_html_or_text() {
        let page = "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\r\n<html><head>\r\n\
                    <title>400 Bad Request</title>\r\n</head><body>\r\n<h1>Bad Request</h1>\r\n\
                    <p>HTTP request is missing param: [app]</p>\r\n<hr />\r\n\
                    <address>Asterisk Server</address>\r\n</body></html>\r\n";
        assert_eq!(
            message(page.as_bytes()).as_deref(),
            Some("HTTP request is missing param: [app]")
        );
        assert_eq!(
            message(br#"{"message":"Channel not found"}"#).as_deref(),
            Some("Channel not found")
        );
        assert_eq!(
            message(br#"{"error":"Allocation failed"}"#).as_deref(),
            Some("Allocation failed")
        );
        assert_eq!(
            message(b"<b>plain</b>  text\n").as_deref(),
            Some("plain text")
        );
        assert_eq!(message(b"  \r\n"), None);
        assert_eq!(message(b""), None);
        let long = "x".repeat(5000);
        assert_eq!(
            message(long.as_bytes()).map(|m| m.chars().count()),
            Some(MESSAGE_CHARS + 3)
        );
    }

    #[test]
    fn kept_bodies_are_bounded() {
        assert_eq!(kept(b"short"), "short");
        assert_eq!(kept(&vec![b'a'; KEPT_BODY * 3]).len(), KEPT_BODY);
    }
}
