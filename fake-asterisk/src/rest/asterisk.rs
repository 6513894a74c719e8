//! `/asterisk`: info, ping, global variables, modules, logging, dynamic config.

use std::sync::Arc;

use serde_json::{json, Map, Value};

use super::request::AriRequest;
use super::response::AriResponse;
use crate::clock::{asterisk_timestamp, format_build_date, format_timestamp};
use crate::error::ApiError;
use crate::world::{Inner, LogChannel, Route};

pub(crate) fn info(inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    let only: Vec<String> = req
        .list("only")
        .into_iter()
        .map(|s| s.to_ascii_lowercase())
        .collect();
    let show = |section: &str| only.is_empty() || only.iter().any(|o| o == section);
    let mut out = Map::new();
    if show("build") {
        out.insert(
            "build".into(),
            json!({
                "os": std::env::consts::OS,
                "kernel": "fake",
                "machine": std::env::consts::ARCH,
                "options": "OPTIONAL_API",
                "date": format_build_date(inner.started),
                "user": "fake-asterisk",
            }),
        );
    }
    if show("system") {
        out.insert(
            "system".into(),
            json!({"version": inner.settings.version, "entity_id": inner.settings.asterisk_id}),
        );
    }
    if show("config") {
        out.insert(
            "config".into(),
            json!({"name": "", "default_language": "en", "setid": {"user": "", "group": ""}}),
        );
    }
    if show("status") {
        let started = format_timestamp(inner.started);
        out.insert(
            "status".into(),
            json!({"startup_time": started, "last_reload_time": started}),
        );
    }
    AriResponse::ok(Value::Object(out))
}

pub(crate) fn ping(inner: &Arc<Inner>, _req: &AriRequest) -> AriResponse {
    AriResponse::ok(json!({
        "ping": "pong",
        "timestamp": asterisk_timestamp(),
        "asterisk_id": inner.settings.asterisk_id,
    }))
}

pub(crate) fn get_global_var(inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    let Some(name) = req.string("variable").filter(|v| !v.is_empty()) else {
        return ApiError::bad_request("Variable name is required").into();
    };
    let w = inner.lock();
    // `ast_str_retrieve_variable` does not evaluate functions: `ENV(HOME)` reads as empty.
    let value = if name.ends_with(')') {
        String::new()
    } else {
        w.global_vars.get(&name).cloned().unwrap_or_default()
    };
    AriResponse::ok(json!({"value": value}))
}

pub(crate) fn set_global_var(inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    let Some(name) = req.string("variable").filter(|v| !v.is_empty()) else {
        return ApiError::bad_request("Variable name is required").into();
    };
    let mut w = inner.lock();
    match req.string("value") {
        Some(value) => {
            w.global_vars.insert(name.clone(), value.clone());
            let mut fields = Map::new();
            fields.insert("variable".into(), json!(name));
            fields.insert("value".into(), json!(value));
            w.emit(Route::AllChannels, "ChannelVarset", fields);
        }
        None => {
            w.global_vars.shift_remove(&name);
        }
    }
    AriResponse::no_content()
}

/// Module names may be given with or without `.so`.
fn module_key(name: &str) -> String {
    if name.ends_with(".so") {
        name.to_string()
    } else {
        format!("{name}.so")
    }
}

fn module_json(name: &str, module: &crate::world::Module) -> Value {
    json!({
        "name": name,
        "description": module.description,
        "use_count": 0,
        "status": "Running",
        "support_level": module.support_level,
    })
}

pub(crate) fn list_modules(inner: &Arc<Inner>, _req: &AriRequest) -> AriResponse {
    let w = inner.lock();
    AriResponse::ok(Value::Array(
        w.modules
            .iter()
            .filter(|(_, m)| m.loaded)
            .map(|(name, m)| module_json(name, m))
            .collect(),
    ))
}

pub(crate) fn get_module(inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    let w = inner.lock();
    let key = module_key(req.path("moduleName"));
    match w.modules.get(&key).filter(|m| m.loaded) {
        Some(module) => AriResponse::ok(module_json(&key, module)),
        None => ApiError::not_found("Module could not be found in running modules").into(),
    }
}

pub(crate) fn load_module(inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    let mut w = inner.lock();
    let key = module_key(req.path("moduleName"));
    match w.modules.get_mut(&key) {
        Some(module) if module.loaded => ApiError::conflict("Module is already loaded").into(),
        Some(module) => {
            module.loaded = true;
            AriResponse::no_content()
        }
        None => ApiError::conflict("Module load declined").into(),
    }
}

pub(crate) fn unload_module(inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    let mut w = inner.lock();
    let key = module_key(req.path("moduleName"));
    match w.modules.get_mut(&key).filter(|m| m.loaded) {
        Some(module) => {
            module.loaded = false;
            AriResponse::no_content()
        }
        None => ApiError::not_found("Module not found in running modules").into(),
    }
}

pub(crate) fn reload_module(inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    let w = inner.lock();
    let key = module_key(req.path("moduleName"));
    match w.modules.get(&key).filter(|m| m.loaded) {
        Some(_) => AriResponse::no_content(),
        None => ApiError::not_found("Module not found in running modules").into(),
    }
}

pub(crate) fn list_log_channels(inner: &Arc<Inner>, _req: &AriRequest) -> AriResponse {
    let w = inner.lock();
    AriResponse::ok(Value::Array(
        w.log_channels
            .iter()
            .map(|c| json!({"channel": c.channel, "type": c.kind, "status": "Enabled", "configuration": c.configuration}))
            .collect(),
    ))
}

/// Log files live here, as `astlogdir` does.
const LOG_DIR: &str = "/var/log/asterisk";

pub(crate) fn add_log(inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    let Some(configuration) = req.string("configuration").filter(|c| !c.is_empty()) else {
        return ApiError::bad_request("Configuration levels are required").into();
    };
    let mut w = inner.lock();
    let name = req.path("logChannelName");
    let path = format!("{LOG_DIR}/{name}");
    if w.log_channels.iter().any(|c| c.channel == path) {
        return ApiError::conflict("Log channel already exists").into();
    }
    let mut levels = String::new();
    for level in configuration
        .split(',')
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        levels.push_str(&level.to_ascii_uppercase());
        levels.push(' ');
    }
    w.log_channels.insert(
        0,
        LogChannel {
            channel: path,
            kind: "File".into(),
            configuration: levels,
        },
    );
    AriResponse::no_content()
}

/// `DELETE /asterisk/logging/{name}`: Asterisk 20 compares the name with the
/// channel's full path, so only `%2F`-encoded full paths match.
pub(crate) fn delete_log(inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    let mut w = inner.lock();
    let name = req.path("logChannelName");
    let before = w.log_channels.len();
    w.log_channels
        .retain(|c| c.channel != name || c.kind != "File");
    if w.log_channels.len() == before {
        return ApiError::not_found("Log channel does not exist").into();
    }
    AriResponse::no_content()
}

pub(crate) fn rotate_log(inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    let w = inner.lock();
    let name = req.path("logChannelName");
    let exists = w.log_channels.iter().any(|c| {
        c.kind == "File" && (c.channel == name || c.channel.rsplit('/').next() == Some(name))
    });
    if exists {
        AriResponse::no_content()
    } else {
        ApiError::not_found("Log channel does not exist").into()
    }
}

fn config_not_found(req: &AriRequest) -> AriResponse {
    ApiError::not_found(format!(
        "configClass '{}' not found",
        req.path("configClass")
    ))
    .into()
}

/// The fake has no sorcery-backed configuration classes.
pub(crate) fn get_object(_inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    config_not_found(req)
}

pub(crate) fn update_object(_inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    config_not_found(req)
}

pub(crate) fn delete_object(_inner: &Arc<Inner>, req: &AriRequest) -> AriResponse {
    config_not_found(req)
}
