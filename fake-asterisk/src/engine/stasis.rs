//! Entering and leaving Stasis, as `stasis_app_exec` does: `STASISSTATUS`,
//! `StasisStart`/`StasisEnd` sent to the owning application, and the
//! application's subscription to the channel.

use serde_json::{json, Map};

use crate::world::{Route, World};

/// `Stasis(app,args)` data as `ChannelDialplan` and snapshots show it.
pub(crate) fn app_data(app: &str, args: &[String]) -> String {
    let mut data = app.to_string();
    for arg in args {
        data.push(',');
        data.push_str(arg);
    }
    data
}

/// Splits `Stasis` application data the way `AST_STANDARD_APP_ARGS` does:
/// on commas, honouring double quotes.
pub(crate) fn split_app_args(data: &str) -> Vec<String> {
    if data.is_empty() {
        return Vec::new();
    }
    let mut args = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in data.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => args.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    args.push(current);
    args
}

/// Puts a channel into Stasis. `via_pbx` is false when the channel was
/// handed to Stasis directly (originate with `app`, `/channels/create`,
/// snoop), so its dialplan location is restored on leaving.
/// Returns false (and sets `STASISSTATUS=FAILED`) when the app has no websocket.
pub(crate) fn enter_stasis(
    w: &mut World,
    id: &str,
    app: &str,
    args: Vec<String>,
    via_pbx: bool,
) -> bool {
    let data = app_data(app, &args);
    let Some(channel) = w.channels.get_mut(id) else {
        return false;
    };
    if !via_pbx {
        channel.pre_stasis_dialplan = Some(channel.dialplan.clone());
        channel.dialplan.app_name = "Stasis".into();
        channel.dialplan.app_data = data;
    }
    channel.vars.insert("STASISSTATUS".into(), String::new());
    w.emit_varset(id, "STASISSTATUS", "");
    if w.active_app(app).is_none() {
        if let Some(channel) = w.channels.get_mut(id) {
            channel.vars.insert("STASISSTATUS".into(), "FAILED".into());
        }
        w.emit_varset(id, "STASISSTATUS", "FAILED");
        if let Some(channel) = w.channels.get_mut(id) {
            if let Some(previous) = channel.pre_stasis_dialplan.take() {
                channel.dialplan = previous;
            }
        }
        return false;
    }
    if let Some(channel) = w.channels.get_mut(id) {
        channel.stasis = Some((app.to_string(), args.clone()));
    }
    if let Some(app) = w.apps.get_mut(app) {
        app.channels.add(id);
    }
    let Some(channel) = w.channels.get(id) else {
        return false;
    };
    let mut fields = Map::new();
    fields.insert("args".into(), json!(args));
    fields.insert("channel".into(), channel.snapshot());
    w.emit(Route::App(app.to_string()), "StasisStart", fields);
    true
}

/// Sets `STASISSTATUS` (with its `ChannelVarset`).
pub(crate) fn set_status(w: &mut World, id: &str, status: &str) {
    if let Some(channel) = w.channels.get_mut(id) {
        channel.vars.insert("STASISSTATUS".into(), status.into());
        w.emit_varset(id, "STASISSTATUS", status);
    }
}

/// Takes a channel out of Stasis: `StasisEnd`, `STASISSTATUS=SUCCESS`.
pub(crate) fn leave_stasis(w: &mut World, id: &str) {
    let Some(channel) = w.channels.get_mut(id) else {
        return;
    };
    let Some((app, _)) = channel.stasis.take() else {
        return;
    };
    let snapshot = channel.snapshot();
    let mut fields = Map::new();
    fields.insert("channel".into(), snapshot);
    w.emit(Route::App(app.clone()), "StasisEnd", fields);
    if let Some(app) = w.apps.get_mut(&app) {
        app.channels.remove_one(id);
    }
    if let Some(channel) = w.channels.get_mut(id) {
        channel.vars.insert("STASISSTATUS".into(), "SUCCESS".into());
    }
    w.emit_varset(id, "STASISSTATUS", "SUCCESS");
    if let Some(channel) = w.channels.get_mut(id) {
        if let Some(previous) = channel.pre_stasis_dialplan.take() {
            channel.dialplan = previous;
        }
        channel.pbx_wake.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_args_like_asterisk() {
        assert_eq!(
            split_app_args("arg1,arg 2,x=y"),
            vec!["arg1", "arg 2", "x=y"]
        );
        assert_eq!(split_app_args("\"a,b\",c"), vec!["a,b", "c"]);
        assert!(split_app_args("").is_empty());
        assert_eq!(split_app_args("a,"), vec!["a", ""]);
        assert_eq!(app_data("app", &["x".into(), "y".into()]), "app,x,y");
    }
}
