//! A channel's parties, caller id and connected line, and the events that
//! publish a change of either.

use serde_json::{json, Map};

use crate::model::Party;
use crate::world::World;

/// Parses a caller id the way `ast_callerid_parse` does.
pub(crate) fn parse_caller_id(value: &str) -> Party {
    let value = value.trim();
    if let (Some(open), Some(close)) = (value.find('<'), value.rfind('>')) {
        if open < close {
            let number = value[open + 1..close].trim().to_string();
            let name = value[..open].trim().trim_matches('"').trim().to_string();
            return Party { name, number };
        }
    }
    let is_number = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_digit() || "+-*#() ".contains(c));
    if is_number {
        Party {
            name: String::new(),
            number: value.chars().filter(|c| !" -()".contains(*c)).collect(),
        }
    } else {
        Party {
            name: value.trim_matches('"').to_string(),
            number: String::new(),
        }
    }
}

/// Emits `ChannelCallerId` after changing a channel's caller.
pub(crate) fn set_caller(w: &mut World, id: &str, caller: Party) {
    let Some(channel) = w.channels.get_mut(id) else {
        return;
    };
    channel.caller = caller;
    let mut fields = Map::new();
    fields.insert("caller_presentation".into(), json!(0));
    fields.insert(
        "caller_presentation_txt".into(),
        json!("Presentation Allowed, Not Screened"),
    );
    w.emit_channel(id, "ChannelCallerId", fields);
}

/// Emits `ChannelConnectedLine` after changing a channel's connected line.
pub(crate) fn set_connected(w: &mut World, id: &str, connected: Party) {
    let Some(channel) = w.channels.get_mut(id) else {
        return;
    };
    channel.connected = connected;
    w.emit_channel(id, "ChannelConnectedLine", Map::new());
}

pub(super) fn update_party(party: &mut Party, field: &str, value: &str) -> bool {
    match field {
        "name" => party.name = value.to_string(),
        "num" | "number" => party.number = value.to_string(),
        "all" => *party = parse_caller_id(value),
        _ => return false,
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_caller_ids() {
        assert_eq!(
            parse_caller_id("Capture Test <5551000>"),
            Party {
                name: "Capture Test".into(),
                number: "5551000".into()
            }
        );
        assert_eq!(
            parse_caller_id("\"Dial Plan\" <200>"),
            Party {
                name: "Dial Plan".into(),
                number: "200".into()
            }
        );
        assert_eq!(
            parse_caller_id("5551000"),
            Party {
                name: String::new(),
                number: "5551000".into()
            }
        );
        assert_eq!(
            parse_caller_id("Alice"),
            Party {
                name: "Alice".into(),
                number: String::new()
            }
        );
    }
}
