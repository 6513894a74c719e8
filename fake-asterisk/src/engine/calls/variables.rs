//! Channel variables and the dialplan functions the fake knows
//! (`CALLERID`, `CONNECTEDLINE`, `CHANNEL`, `GLOBAL`, `TALK_DETECT`):
//! writing them with the events Asterisk emits, reading them as
//! `GET /channels/{id}/variable` does.

use super::party::{set_caller, set_connected, update_party};
use crate::model::ChanKind;
use crate::world::World;

/// Sets (or with `None` unsets) a channel variable or writes a dialplan
/// function, with the events Asterisk emits for each.
pub(crate) fn set_var(w: &mut World, id: &str, name: &str, value: Option<&str>) {
    let Some(channel) = w.channels.get(id) else {
        return;
    };
    let name = name.trim();
    if let Some((func, arg)) = parse_function(name) {
        let value = value.unwrap_or("");
        let func = func.to_ascii_uppercase();
        let arg = arg.to_ascii_lowercase();
        match func.as_str() {
            "CALLERID" => {
                let mut caller = channel.caller.clone();
                if update_party(&mut caller, &arg, value) {
                    set_caller(w, id, caller);
                }
            }
            "CONNECTEDLINE" => {
                let mut connected = channel.connected.clone();
                let peer = channel.peer().map(str::to_string);
                let from_one = matches!(channel.kind, ChanKind::LocalOne { .. });
                if update_party(&mut connected, &arg, value) {
                    set_connected(w, id, connected.clone());
                    match (peer, from_one) {
                        // chan_local writes it into `;2` without publishing.
                        (Some(peer), true) => {
                            if let Some(two) = w.channels.get_mut(&peer) {
                                two.unpublished_caller = Some(connected);
                            }
                        }
                        (Some(peer), false) => set_caller(w, &peer, connected),
                        (None, _) => {}
                    }
                }
            }
            "TALK_DETECT" => {
                if let Some(channel) = w.channels.get_mut(id) {
                    channel.talk_detect = arg == "set";
                }
            }
            "CHANNEL" if arg == "language" => {
                if let Some(channel) = w.channels.get_mut(id) {
                    channel.language = value.to_string();
                }
            }
            "CHANNEL" if arg == "accountcode" => {
                if let Some(channel) = w.channels.get_mut(id) {
                    channel.accountcode = value.to_string();
                }
            }
            "GLOBAL" => {
                w.global_vars.insert(arg_original(name), value.to_string());
            }
            // Unknown functions fail quietly, as a failed write does in Asterisk.
            _ => {}
        }
        return;
    }
    let stored = name.trim_start_matches('_').to_string();
    match value {
        None => {
            if let Some(channel) = w.channels.get_mut(id) {
                channel.vars.shift_remove(&stored);
            }
        }
        Some(value) => {
            if let Some(channel) = w.channels.get_mut(id) {
                channel.vars.insert(stored, value.to_string());
            }
            w.emit_varset(id, name, value);
        }
    }
}

/// `FUNC(args)` to `("FUNC", "args")`.
pub(crate) fn parse_function(name: &str) -> Option<(&str, &str)> {
    let open = name.find('(')?;
    let inner = name.strip_suffix(')')?;
    Some((&name[..open], &inner[open + 1..]))
}

fn arg_original(name: &str) -> String {
    parse_function(name)
        .map(|(_, a)| a.to_string())
        .unwrap_or_default()
}

/// Reads a variable or function as `GET /channels/{id}/variable` does.
/// `Err(true)` means a function that cannot be read; `Err(false)` an unset variable.
pub(crate) fn read_var(w: &World, id: &str, name: &str) -> Result<String, bool> {
    let Some(channel) = w.find_channel_by_name_or_id(id) else {
        return Err(false);
    };
    if name.ends_with(')') {
        let Some((func, arg)) = parse_function(name) else {
            return Err(true);
        };
        let arg_lower = arg.to_ascii_lowercase();
        return match (func.to_ascii_uppercase().as_str(), arg_lower.as_str()) {
            ("CHANNEL", "name") => Ok(channel.name.clone()),
            ("CHANNEL", "state") => Ok(channel.state.as_str().to_string()),
            ("CHANNEL", "uniqueid") => Ok(channel.id.clone()),
            ("CHANNEL", "language") => Ok(channel.language.clone()),
            ("CHANNEL", "accountcode") => Ok(channel.accountcode.clone()),
            ("CHANNEL", "channeltype") => Ok(channel.tech().to_string()),
            ("CALLERID", "name") => Ok(channel.caller.name.clone()),
            ("CALLERID", "num") | ("CALLERID", "number") => Ok(channel.caller.number.clone()),
            ("CALLERID", "all") => Ok(format!(
                "\"{}\" <{}>",
                channel.caller.name, channel.caller.number
            )),
            ("CONNECTEDLINE", "name") => Ok(channel.connected.name.clone()),
            ("CONNECTEDLINE", "num") | ("CONNECTEDLINE", "number") => {
                Ok(channel.connected.number.clone())
            }
            ("CONNECTEDLINE", "all") => Ok(format!(
                "\"{}\" <{}>",
                channel.connected.name, channel.connected.number
            )),
            ("GLOBAL", _) => Ok(w.global_vars.get(arg).cloned().unwrap_or_default()),
            _ => Err(true),
        };
    }
    if let Some(value) = channel.vars.get(name.trim_start_matches('_')) {
        return Ok(value.clone());
    }
    let builtin = match name {
        "CHANNEL" => Some(channel.name.clone()),
        "UNIQUEID" => Some(channel.id.clone()),
        "EXTEN" => Some(channel.dialplan.exten.clone()),
        "CONTEXT" => Some(channel.dialplan.context.clone()),
        "PRIORITY" => Some(channel.dialplan.priority.to_string()),
        "CALLERID(num)" => Some(channel.caller.number.clone()),
        "LANGUAGE" => Some(channel.language.clone()),
        _ => None,
    };
    if let Some(value) = builtin {
        return Ok(value);
    }
    w.global_vars.get(name).cloned().ok_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_function_names() {
        assert_eq!(parse_function("CALLERID(name)"), Some(("CALLERID", "name")));
        assert_eq!(parse_function("PLAIN"), None);
    }
}
