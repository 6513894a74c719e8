//! Serving one request: the ARI REST calls a request kind stands for, and
//! the typed response they make.
//!
//! Every key in a response is stamped with the application and this node
//! (and the request's dialog), so the application reaches the resource's
//! node directly afterwards. Ids a creation leaves empty are made here
//! (UUIDs), so the dialog binding exists before Asterisk's first event about
//! the new resource.

use std::sync::Arc;

use ari_proxy_protocol::{
    AriRestAnswer, Entity, EntityData, EntityKind, Key, Request, RequestKind, Response,
};
use ari_sdk::raw::RawRequest;
use ari_sdk::request::{Method, Request as RestRequest};
use serde_json::Value;

use crate::dialogs::Dialogs;
use crate::failure::Failure;
use crate::rest::{self, query, query_number};

/// What requests are served against: one node's ARI.
#[derive(Clone)]
pub(crate) struct Handler {
    client: ari_sdk::Client,
    node: Arc<str>,
    dialogs: Arc<Dialogs>,
}

/// Where a request's results live: the application, the node, the dialog.
struct Place<'a> {
    app: &'a str,
    node: &'a str,
    dialog: &'a str,
}

impl Place<'_> {
    fn key(&self, kind: EntityKind, id: impl Into<String>) -> Key {
        Key {
            kind,
            id: id.into(),
            node: self.node.to_string(),
            dialog: self.dialog.to_string(),
            app: self.app.to_string(),
        }
    }
}

/// The request's parameters of its kind, or the typed error for their
/// absence.
fn params<'a, T>(field: &'a Option<T>, name: &str) -> Result<&'a T, Failure> {
    field
        .as_ref()
        .ok_or_else(|| Failure::invalid(format!("{name} is mandatory")))
}

/// The key's id, which the kind needs.
fn id<'a>(key: &'a Key, what: &str) -> Result<&'a str, Failure> {
    if key.id.is_empty() {
        Err(Failure::invalid(format!("{what} key not supplied")))
    } else {
        Ok(&key.id)
    }
}

/// `value`, or a new UUID when it is empty.
fn or_new_id(value: &str) -> String {
    if value.is_empty() {
        uuid::Uuid::new_v4().to_string()
    } else {
        value.to_string()
    }
}

/// A string field of Asterisk's JSON.
fn str_field<'a>(json: &'a Value, field: &str) -> &'a str {
    json.get(field).and_then(Value::as_str).unwrap_or("")
}

impl Handler {
    pub(crate) fn new(client: ari_sdk::Client, node: Arc<str>, dialogs: Arc<Dialogs>) -> Handler {
        Handler {
            client,
            node,
            dialogs,
        }
    }

    /// Serves `request` for `app`.
    pub(crate) async fn handle(&self, app: &str, request: &Request) -> Response {
        match self.dispatch(app, request).await {
            Ok(response) => response,
            Err(failure) => failure.into_response(),
        }
    }

    async fn json(&self, request: RestRequest) -> Result<Value, Failure> {
        Ok(self.client.send_json::<Value>(request).await?)
    }

    async fn unit(&self, request: RestRequest) -> Result<Response, Failure> {
        self.client.send_unit(request).await?;
        Ok(Response::ok())
    }

    /// One resource's data in the `slot` of a data response.
    async fn data(&self, request: RestRequest, slot: &str, key: Key) -> Result<Response, Failure> {
        let json = self.json(request).await?;
        let mut data = EntityData::default();
        if let Some(field) = data.slot_mut(slot) {
            *field = Some(Entity::from_asterisk(json, key));
        }
        Ok(Response::with_data(data))
    }

    /// The keys of a list Asterisk answered, each item's id read by `id_of`.
    async fn list(
        &self,
        request: RestRequest,
        place: &Place<'_>,
        kind: EntityKind,
        id_of: impl Fn(&Value) -> String,
    ) -> Result<Response, Failure> {
        let json = self.json(request).await?;
        let keys = json
            .as_array()
            .into_iter()
            .flatten()
            .map(|item| place.key(kind.clone(), id_of(item)))
            .filter(|key| !key.id.is_empty())
            .collect();
        Ok(Response::with_keys(keys))
    }

    /// The key of a resource that exists (checked with a GET).
    async fn existing(
        &self,
        request: RestRequest,
        place: &Place<'_>,
        kind: EntityKind,
        id: &str,
    ) -> Result<Response, Failure> {
        self.json(request).await?;
        Ok(Response::with_key(place.key(kind, id)))
    }

    fn bind(&self, place: &Place<'_>, kind: EntityKind, id: &str) {
        self.dialogs.bind(place.dialog, kind, id);
    }

    /// An `AriRest` request: sent to Asterisk as given, whatever the
    /// subject's class, and answered with Asterisk's status and body (an
    /// error status included). No dialog is bound: the proxy does not know
    /// what the request touches.
    async fn ari_rest(&self, request: &Request) -> Result<Response, Failure> {
        let rest = params(&request.ari_rest, "ari_rest")?;
        let method = match rest.method.as_str() {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "DELETE" => Method::Delete,
            other => {
                return Err(Failure::invalid(format!(
                    "AriRest method {other:?} is not GET, POST, PUT or DELETE"
                )))
            }
        };
        if !rest.path.starts_with('/') {
            return Err(Failure::invalid(format!(
                "AriRest path {:?} does not start with '/'",
                rest.path
            )));
        }
        let mut raw = RawRequest::new(method, rest.path.as_str());
        for (name, value) in &rest.query {
            raw = raw.query(name.as_str(), value.as_str());
        }
        if let Some(body) = &rest.body {
            raw = raw.json_body(body.clone());
        }
        let answer = self.client.send_raw(raw).await?;
        Ok(Response::with_ari_rest(AriRestAnswer::from_bytes(
            answer.status,
            &answer.body,
        )))
    }

    async fn dispatch(&self, app: &str, request: &Request) -> Result<Response, Failure> {
        use EntityKind as E;
        use RequestKind as K;

        if request.kind == K::AriRest {
            return self.ari_rest(request).await;
        }

        let key = request.key_or_default();
        let place = Place {
            app,
            node: &self.node,
            dialog: &key.dialog,
        };
        let by_id = |item: &Value| str_field(item, "id").to_string();
        let by_name = |item: &Value| str_field(item, "name").to_string();

        match &request.kind {
            // --- applications
            K::ApplicationList => {
                let r = rest::request(&rest::APPLICATIONS_LIST, &[]);
                self.list(r, &place, E::Application, by_name).await
            }
            K::ApplicationGet | K::ApplicationData => {
                let name = if key.id.is_empty() { app } else { &key.id };
                let r = rest::request(&rest::APPLICATION_GET, &[("applicationName", name)]);
                if request.kind == K::ApplicationGet {
                    self.existing(r, &place, E::Application, name).await
                } else {
                    self.data(r, "application", place.key(E::Application, name))
                        .await
                }
            }
            K::ApplicationSubscribe | K::ApplicationUnsubscribe => {
                let source =
                    &params(&request.application_subscribe, "ApplicationSubscribe")?.event_source;
                let name = if key.id.is_empty() { app } else { &key.id };
                let op = if request.kind == K::ApplicationSubscribe {
                    &rest::APPLICATION_SUBSCRIBE
                } else {
                    &rest::APPLICATION_UNSUBSCRIBE
                };
                let mut r = rest::request(op, &[("applicationName", name)]);
                query(&mut r, "eventSource", source);
                self.json(r).await?;
                if request.kind == K::ApplicationSubscribe {
                    if let Some((kind, id)) = source.split_once(':') {
                        let kind = match kind {
                            "deviceState" => E::DeviceState,
                            other => E::from_wire(other),
                        };
                        self.bind(&place, kind, id);
                    }
                }
                Ok(Response::ok())
            }

            // --- asterisk
            K::AsteriskInfo => {
                let r = rest::request(&rest::ASTERISK_INFO, &[]);
                self.data(r, "asterisk", place.key(E::Unspecified, ""))
                    .await
            }
            K::AsteriskVariableGet => {
                let mut r = rest::request(&rest::GLOBAL_VAR_GET, &[]);
                query(&mut r, "variable", id(&key, "variable")?);
                let json = self.json(r).await?;
                Ok(Response::with_data(EntityData::variable(str_field(
                    &json, "value",
                ))))
            }
            K::AsteriskVariableSet => {
                let value = &params(&request.asterisk_variable_set, "AsteriskVariableSet")?.value;
                let mut r = rest::request(&rest::GLOBAL_VAR_SET, &[]);
                query(&mut r, "variable", id(&key, "variable")?);
                query(&mut r, "value", value);
                self.unit(r).await
            }

            // --- channels
            K::ChannelList => {
                let r = rest::request(&rest::CHANNELS_LIST, &[]);
                self.list(r, &place, E::Channel, by_id).await
            }
            K::ChannelGet => {
                let channel = id(&key, "channel")?;
                let r = rest::request(&rest::CHANNEL_GET, &[("channelId", channel)]);
                self.existing(r, &place, E::Channel, channel).await
            }
            K::ChannelData => {
                let channel = id(&key, "channel")?;
                let r = rest::request(&rest::CHANNEL_GET, &[("channelId", channel)]);
                self.data(r, "channel", place.key(E::Channel, channel))
                    .await
            }
            K::ChannelOriginate | K::ChannelStageOriginate => {
                let o = &params(&request.channel_originate, "OriginateRequest")?.originate_request;
                let channel = or_new_id(&o.channel_id);
                self.bind(&place, E::Channel, &channel);
                self.bind(&place, E::Channel, &o.other_channel_id);
                self.bind(&place, E::Channel, &o.originator);
                self.bind(&place, E::Channel, &key.id);
                if request.kind == K::ChannelStageOriginate {
                    return Ok(Response::with_key(place.key(E::Channel, channel)));
                }
                let mut r = rest::request(&rest::CHANNEL_ORIGINATE, &[("channelId", &channel)]);
                query(&mut r, "endpoint", &o.endpoint);
                query(&mut r, "app", &o.app);
                query(&mut r, "appArgs", &o.app_args);
                query(&mut r, "context", &o.context);
                query(&mut r, "extension", &o.extension);
                query_number(&mut r, "priority", o.priority);
                query(&mut r, "label", &o.label);
                query(&mut r, "callerId", &o.caller_id);
                query_number(&mut r, "timeout", o.timeout);
                query(&mut r, "otherChannelId", &o.other_channel_id);
                query(&mut r, "originator", &o.originator);
                query(&mut r, "formats", &o.formats);
                if !o.variables.is_empty() {
                    r.body_field_json("variables", &o.variables);
                }
                let json = self.json(r).await?;
                let made = str_field(&json, "id");
                let made = if made.is_empty() { &channel } else { made };
                Ok(Response::with_key(place.key(E::Channel, made)))
            }
            K::ChannelCreate => {
                let c = &params(&request.channel_create, "ChannelCreateRequest")?
                    .channel_create_request;
                let channel = or_new_id(&c.channel_id);
                self.bind(&place, E::Channel, &channel);
                self.bind(&place, E::Channel, &c.other_channel_id);
                let mut r = rest::request(&rest::CHANNEL_CREATE, &[]);
                query(&mut r, "endpoint", &c.endpoint);
                query(&mut r, "app", &c.app);
                query(&mut r, "appArgs", &c.app_args);
                query(&mut r, "channelId", &channel);
                query(&mut r, "otherChannelId", &c.other_channel_id);
                query(&mut r, "originator", &c.originator);
                query(&mut r, "formats", &c.formats);
                self.json(r).await?;
                Ok(Response::with_key(place.key(E::Channel, channel)))
            }
            K::ChannelExternalMedia | K::ChannelStageExternalMedia => {
                let o = &params(&request.channel_external_media, "ExternalMediaOptions")?.options;
                let channel = or_new_id(&o.channel_id);
                self.bind(&place, E::Channel, &channel);
                if request.kind == K::ChannelStageExternalMedia {
                    return Ok(Response::with_key(place.key(E::Channel, channel)));
                }
                let mut r = rest::request(&rest::CHANNEL_EXTERNAL_MEDIA, &[]);
                query(&mut r, "channelId", &channel);
                query(&mut r, "app", &o.app);
                query(&mut r, "external_host", &o.external_host);
                query(&mut r, "encapsulation", &o.encapsulation);
                query(&mut r, "transport", &o.transport);
                query(&mut r, "connection_type", &o.connection_type);
                query(&mut r, "format", &o.format);
                query(&mut r, "direction", &o.direction);
                query(&mut r, "data", &o.data);
                if let Some(variables) = o.variables.as_ref().filter(|v| !v.is_empty()) {
                    r.body_field_json("variables", variables);
                }
                self.json(r).await?;
                Ok(Response::with_key(place.key(E::Channel, channel)))
            }
            K::ChannelAnswer
            | K::ChannelBusy
            | K::ChannelCongestion
            | K::ChannelHangup
            | K::ChannelHold
            | K::ChannelStopHold
            | K::ChannelRing
            | K::ChannelStopRing
            | K::ChannelSilence
            | K::ChannelStopSilence
            | K::ChannelStopMoh => {
                let channel = id(&key, "channel")?;
                if matches!(
                    request.kind,
                    K::ChannelAnswer | K::ChannelBusy | K::ChannelCongestion
                ) {
                    self.bind(&place, E::Channel, channel);
                }
                let op = match request.kind {
                    K::ChannelAnswer => &rest::CHANNEL_ANSWER,
                    K::ChannelHold => &rest::CHANNEL_HOLD,
                    K::ChannelStopHold => &rest::CHANNEL_UNHOLD,
                    K::ChannelRing => &rest::CHANNEL_RING,
                    K::ChannelStopRing => &rest::CHANNEL_RING_STOP,
                    K::ChannelSilence => &rest::CHANNEL_SILENCE,
                    K::ChannelStopSilence => &rest::CHANNEL_SILENCE_STOP,
                    K::ChannelStopMoh => &rest::CHANNEL_MOH_STOP,
                    _ => &rest::CHANNEL_HANGUP,
                };
                let mut r = rest::request(op, &[("channelId", channel)]);
                match request.kind {
                    K::ChannelBusy => query(&mut r, "reason", "busy"),
                    K::ChannelCongestion => query(&mut r, "reason", "congestion"),
                    K::ChannelHangup => {
                        if let Some(hangup) = &request.channel_hangup {
                            query(&mut r, "reason", &hangup.reason);
                        }
                    }
                    _ => {}
                }
                self.unit(r).await
            }
            K::ChannelContinue => {
                let channel = id(&key, "channel")?;
                let c = params(&request.channel_continue, "ChannelContinue")?;
                let mut r = rest::request(&rest::CHANNEL_CONTINUE, &[("channelId", channel)]);
                query(&mut r, "context", &c.context);
                query(&mut r, "extension", &c.extension);
                query_number(&mut r, "priority", c.priority);
                self.unit(r).await
            }
            K::ChannelDial => {
                let channel = id(&key, "channel")?;
                let d = params(&request.channel_dial, "ChannelDial")?;
                let mut r = rest::request(&rest::CHANNEL_DIAL, &[("channelId", channel)]);
                query(&mut r, "caller", &d.caller);
                let seconds = i64::try_from(d.timeout.as_secs()).unwrap_or(i64::MAX);
                query_number(&mut r, "timeout", seconds);
                self.unit(r).await
            }
            K::ChannelMoh => {
                let channel = id(&key, "channel")?;
                let m = params(&request.channel_moh, "ChannelMOH")?;
                let mut r = rest::request(&rest::CHANNEL_MOH, &[("channelId", channel)]);
                query(&mut r, "mohClass", &m.music);
                self.unit(r).await
            }
            K::ChannelMute | K::ChannelUnmute => {
                let channel = id(&key, "channel")?;
                let op = if request.kind == K::ChannelMute {
                    &rest::CHANNEL_MUTE
                } else {
                    &rest::CHANNEL_UNMUTE
                };
                let mut r = rest::request(op, &[("channelId", channel)]);
                if let Some(mute) = &request.channel_mute {
                    query(&mut r, "direction", &mute.direction);
                }
                self.unit(r).await
            }
            K::ChannelSendDtmf => {
                let channel = id(&key, "channel")?;
                let d = params(&request.channel_send_dtmf, "ChannelSendDTMF")?;
                let mut r = rest::request(&rest::CHANNEL_DTMF, &[("channelId", channel)]);
                query(&mut r, "dtmf", &d.dtmf);
                if let Some(o) = &d.options {
                    let ms =
                        |d: std::time::Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
                    query_number(&mut r, "before", ms(o.before));
                    query_number(&mut r, "between", ms(o.between));
                    query_number(&mut r, "duration", ms(o.duration));
                    query_number(&mut r, "after", ms(o.after));
                }
                self.unit(r).await
            }
            K::ChannelPlay | K::ChannelStagePlay => {
                let channel = id(&key, "channel")?;
                let p = params(&request.channel_play, "ChannelPlay")?;
                let playback = or_new_id(&p.playback_id);
                self.bind(&place, E::Channel, channel);
                self.bind(&place, E::Playback, &playback);
                if request.kind == K::ChannelStagePlay {
                    let r = rest::request(&rest::CHANNEL_GET, &[("channelId", channel)]);
                    return self.existing(r, &place, E::Playback, &playback).await;
                }
                let mut r = rest::request(
                    &rest::CHANNEL_PLAY,
                    &[("channelId", channel), ("playbackId", &playback)],
                );
                query(&mut r, "media", &p.media_uri);
                self.json(r).await?;
                Ok(Response::with_key(place.key(E::Playback, playback)))
            }
            K::ChannelRecord | K::ChannelStageRecord => {
                let channel = id(&key, "channel")?;
                let record = params(&request.channel_record, "ChannelRecord")?;
                let name = or_new_id(&record.name);
                self.bind(&place, E::Channel, channel);
                self.bind(&place, E::LiveRecording, &name);
                if request.kind == K::ChannelStageRecord {
                    let r = rest::request(&rest::CHANNEL_GET, &[("channelId", channel)]);
                    return self.existing(r, &place, E::LiveRecording, &name).await;
                }
                let mut r = rest::request(&rest::CHANNEL_RECORD, &[("channelId", channel)]);
                recording_query(&mut r, &name, record.options.as_ref());
                self.json(r).await?;
                Ok(Response::with_key(place.key(E::LiveRecording, name)))
            }
            K::ChannelSnoop | K::ChannelStageSnoop => {
                let channel = id(&key, "channel")?;
                let s = params(&request.channel_snoop, "ChannelSnoop")?;
                let snoop = or_new_id(&s.snoop_id);
                self.bind(&place, E::Channel, &snoop);
                if request.kind == K::ChannelStageSnoop {
                    let r = rest::request(&rest::CHANNEL_GET, &[("channelId", channel)]);
                    return self.existing(r, &place, E::Channel, &snoop).await;
                }
                let mut r = rest::request(
                    &rest::CHANNEL_SNOOP,
                    &[("channelId", channel), ("snoopId", &snoop)],
                );
                if let Some(o) = &s.options {
                    query(&mut r, "app", &o.app);
                    query(&mut r, "appArgs", &o.app_args);
                    query(&mut r, "spy", &o.spy);
                    query(&mut r, "whisper", &o.whisper);
                }
                self.json(r).await?;
                Ok(Response::with_key(place.key(E::Channel, snoop)))
            }
            K::ChannelVariableGet | K::ChannelVariableSet => {
                let channel = id(&key, "channel")?;
                let v = params(&request.channel_variable, "ChannelVariable")?;
                if request.kind == K::ChannelVariableGet {
                    let mut r = rest::request(&rest::CHANNEL_VAR_GET, &[("channelId", channel)]);
                    query(&mut r, "variable", &v.name);
                    let json = self.json(r).await?;
                    return Ok(Response::with_data(EntityData::variable(str_field(
                        &json, "value",
                    ))));
                }
                let mut r = rest::request(&rest::CHANNEL_VAR_SET, &[("channelId", channel)]);
                query(&mut r, "variable", &v.name);
                query(&mut r, "value", &v.value);
                self.unit(r).await
            }
            K::ChannelUserEvent => {
                let channel = id(&key, "channel")?;
                let event = &params(&request.channel_user_event, "UserEvent")?.user_event;
                let name = str_field(event, "eventname");
                let mut r = rest::request(&rest::USER_EVENT, &[("eventName", name)]);
                query(&mut r, "application", app);
                query(&mut r, "source", &format!("channel:{channel}"));
                if let Some(fields) = event.get("userevent").filter(|v| v.is_object()) {
                    r.body_field("variables", fields.clone());
                }
                self.unit(r).await
            }
            K::ChannelSubscribe => {
                self.bind(&place, E::Channel, id(&key, "channel")?);
                Ok(Response::ok())
            }

            // --- bridges
            K::BridgeList => {
                let r = rest::request(&rest::BRIDGES_LIST, &[]);
                self.list(r, &place, E::Bridge, by_id).await
            }
            K::BridgeGet => {
                let bridge = id(&key, "bridge")?;
                let r = rest::request(&rest::BRIDGE_GET, &[("bridgeId", bridge)]);
                self.existing(r, &place, E::Bridge, bridge).await
            }
            K::BridgeData => {
                let bridge = id(&key, "bridge")?;
                let r = rest::request(&rest::BRIDGE_GET, &[("bridgeId", bridge)]);
                self.data(r, "bridge", place.key(E::Bridge, bridge)).await
            }
            K::BridgeCreate | K::BridgeStageCreate => {
                let bridge = or_new_id(&key.id);
                self.bind(&place, E::Bridge, &bridge);
                if request.kind == K::BridgeStageCreate {
                    return Ok(Response::with_key(place.key(E::Bridge, bridge)));
                }
                let mut r = rest::request(&rest::BRIDGE_CREATE, &[("bridgeId", &bridge)]);
                if let Some(c) = &request.bridge_create {
                    query(&mut r, "type", &c.bridge_type);
                    query(&mut r, "name", &c.name);
                }
                self.json(r).await?;
                Ok(Response::with_key(place.key(E::Bridge, bridge)))
            }
            K::BridgeDelete | K::BridgeStopMoh | K::BridgeVideoSourceDelete => {
                let bridge = id(&key, "bridge")?;
                let op = match request.kind {
                    K::BridgeDelete => &rest::BRIDGE_DESTROY,
                    K::BridgeStopMoh => &rest::BRIDGE_MOH_STOP,
                    _ => &rest::BRIDGE_VIDEO_SOURCE_CLEAR,
                };
                self.unit(rest::request(op, &[("bridgeId", bridge)])).await
            }
            K::BridgeAddChannel => {
                let bridge = id(&key, "bridge")?;
                let a = params(&request.bridge_add_channel, "BridgeAddChannel")?;
                let mut r = rest::request(&rest::BRIDGE_ADD_CHANNEL, &[("bridgeId", bridge)]);
                query(&mut r, "channel", &a.channel);
                query(&mut r, "role", &a.role);
                if a.absorb_dtmf {
                    query(&mut r, "absorbDTMF", "true");
                }
                if a.mute {
                    query(&mut r, "mute", "true");
                }
                self.unit(r).await
            }
            K::BridgeRemoveChannel => {
                let bridge = id(&key, "bridge")?;
                let c = params(&request.bridge_remove_channel, "BridgeRemoveChannel")?;
                let mut r = rest::request(&rest::BRIDGE_REMOVE_CHANNEL, &[("bridgeId", bridge)]);
                query(&mut r, "channel", &c.channel);
                self.unit(r).await
            }
            K::BridgeVideoSource => {
                let bridge = id(&key, "bridge")?;
                let c = params(&request.bridge_video_source, "BridgeVideoSource")?;
                let r = rest::request(
                    &rest::BRIDGE_VIDEO_SOURCE,
                    &[("bridgeId", bridge), ("channelId", &c.channel)],
                );
                self.unit(r).await
            }
            K::BridgeMoh => {
                let bridge = id(&key, "bridge")?;
                let m = params(&request.bridge_moh, "BridgeMOH")?;
                let mut r = rest::request(&rest::BRIDGE_MOH, &[("bridgeId", bridge)]);
                query(&mut r, "mohClass", &m.class);
                self.unit(r).await
            }
            K::BridgePlay | K::BridgeStagePlay => {
                let bridge = id(&key, "bridge")?;
                let p = params(&request.bridge_play, "BridgePlay")?;
                let playback = or_new_id(&p.playback_id);
                self.bind(&place, E::Bridge, bridge);
                self.bind(&place, E::Playback, &playback);
                if request.kind == K::BridgeStagePlay {
                    let r = rest::request(&rest::BRIDGE_GET, &[("bridgeId", bridge)]);
                    return self.existing(r, &place, E::Playback, &playback).await;
                }
                let mut r = rest::request(
                    &rest::BRIDGE_PLAY,
                    &[("bridgeId", bridge), ("playbackId", &playback)],
                );
                query(&mut r, "media", &p.media_uri);
                self.json(r).await?;
                Ok(Response::with_key(place.key(E::Playback, playback)))
            }
            K::BridgeRecord | K::BridgeStageRecord => {
                let bridge = id(&key, "bridge")?;
                let record = params(&request.bridge_record, "BridgeRecord")?;
                let name = or_new_id(&record.name);
                self.bind(&place, E::Bridge, bridge);
                self.bind(&place, E::LiveRecording, &name);
                if request.kind == K::BridgeStageRecord {
                    let r = rest::request(&rest::BRIDGE_GET, &[("bridgeId", bridge)]);
                    return self.existing(r, &place, E::LiveRecording, &name).await;
                }
                let mut r = rest::request(&rest::BRIDGE_RECORD, &[("bridgeId", bridge)]);
                recording_query(&mut r, &name, record.options.as_ref());
                self.json(r).await?;
                Ok(Response::with_key(place.key(E::LiveRecording, name)))
            }
            K::BridgeSubscribe => {
                self.bind(&place, E::Bridge, id(&key, "bridge")?);
                Ok(Response::ok())
            }

            // --- playbacks
            K::PlaybackGet => {
                let playback = id(&key, "playback")?;
                let r = rest::request(&rest::PLAYBACK_GET, &[("playbackId", playback)]);
                self.existing(r, &place, E::Playback, playback).await
            }
            K::PlaybackData => {
                let playback = id(&key, "playback")?;
                let r = rest::request(&rest::PLAYBACK_GET, &[("playbackId", playback)]);
                self.data(r, "playback", place.key(E::Playback, playback))
                    .await
            }
            K::PlaybackStop => {
                let playback = id(&key, "playback")?;
                self.unit(rest::request(
                    &rest::PLAYBACK_STOP,
                    &[("playbackId", playback)],
                ))
                .await
            }
            K::PlaybackControl => {
                let playback = id(&key, "playback")?;
                let c = params(&request.playback_control, "PlaybackControl")?;
                let mut r = rest::request(&rest::PLAYBACK_CONTROL, &[("playbackId", playback)]);
                query(&mut r, "operation", &c.command);
                self.unit(r).await
            }
            K::PlaybackSubscribe => {
                self.bind(&place, E::Playback, id(&key, "playback")?);
                Ok(Response::ok())
            }

            // --- live recordings
            K::RecordingLiveGet => {
                let name = id(&key, "recording")?;
                let r = rest::request(&rest::LIVE_GET, &[("recordingName", name)]);
                self.existing(r, &place, E::LiveRecording, name).await
            }
            K::RecordingLiveData => {
                let name = id(&key, "recording")?;
                let r = rest::request(&rest::LIVE_GET, &[("recordingName", name)]);
                self.data(r, "live_recording", place.key(E::LiveRecording, name))
                    .await
            }
            K::RecordingLiveStop
            | K::RecordingLivePause
            | K::RecordingLiveResume
            | K::RecordingLiveMute
            | K::RecordingLiveUnmute
            | K::RecordingLiveScrap => {
                let name = id(&key, "recording")?;
                let op = match request.kind {
                    K::RecordingLiveStop => &rest::LIVE_STOP,
                    K::RecordingLivePause => &rest::LIVE_PAUSE,
                    K::RecordingLiveResume => &rest::LIVE_UNPAUSE,
                    K::RecordingLiveMute => &rest::LIVE_MUTE,
                    K::RecordingLiveUnmute => &rest::LIVE_UNMUTE,
                    _ => &rest::LIVE_CANCEL,
                };
                self.unit(rest::request(op, &[("recordingName", name)]))
                    .await
            }
            K::RecordingLiveSubscribe => {
                self.bind(&place, E::LiveRecording, id(&key, "recording")?);
                Ok(Response::ok())
            }

            // --- stored recordings
            K::RecordingStoredList => {
                let r = rest::request(&rest::STORED_LIST, &[]);
                self.list(r, &place, E::StoredRecording, by_name).await
            }
            K::RecordingStoredGet => {
                let name = id(&key, "recording")?;
                let r = rest::request(&rest::STORED_GET, &[("recordingName", name)]);
                self.existing(r, &place, E::StoredRecording, name).await
            }
            K::RecordingStoredData => {
                let name = id(&key, "recording")?;
                let r = rest::request(&rest::STORED_GET, &[("recordingName", name)]);
                self.data(r, "stored_recording", place.key(E::StoredRecording, name))
                    .await
            }
            K::RecordingStoredDelete => {
                let name = id(&key, "recording")?;
                self.unit(rest::request(
                    &rest::STORED_DELETE,
                    &[("recordingName", name)],
                ))
                .await
            }
            K::RecordingStoredCopy => {
                let name = id(&key, "recording")?;
                let c = params(&request.recording_stored_copy, "RecordingStoredCopy")?;
                let mut r = rest::request(&rest::STORED_COPY, &[("recordingName", name)]);
                query(&mut r, "destinationRecordingName", &c.destination);
                self.json(r).await?;
                Ok(Response::ok())
            }

            // --- device states
            K::DeviceStateList => {
                let r = rest::request(&rest::DEVICE_STATES_LIST, &[]);
                self.list(r, &place, E::DeviceState, by_name).await
            }
            K::DeviceStateGet => {
                let name = id(&key, "device state")?;
                let r = rest::request(&rest::DEVICE_STATE_GET, &[("deviceName", name)]);
                self.existing(r, &place, E::DeviceState, name).await
            }
            K::DeviceStateData => {
                let name = id(&key, "device state")?;
                let r = rest::request(&rest::DEVICE_STATE_GET, &[("deviceName", name)]);
                self.data(r, "device_state", place.key(E::DeviceState, name))
                    .await
            }
            K::DeviceStateUpdate => {
                let name = id(&key, "device state")?;
                let u = params(&request.device_state_update, "DeviceStateUpdate")?;
                let mut r = rest::request(&rest::DEVICE_STATE_UPDATE, &[("deviceName", name)]);
                query(&mut r, "deviceState", &u.state);
                self.unit(r).await
            }
            K::DeviceStateDelete => {
                let name = id(&key, "device state")?;
                self.unit(rest::request(
                    &rest::DEVICE_STATE_DELETE,
                    &[("deviceName", name)],
                ))
                .await
            }

            // --- endpoints
            K::EndpointList | K::EndpointListByTech => {
                let r = match &request.endpoint_list_by_tech {
                    Some(t) if request.kind == K::EndpointListByTech => {
                        rest::request(&rest::ENDPOINTS_BY_TECH, &[("tech", &t.tech)])
                    }
                    None if request.kind == K::EndpointListByTech => {
                        return Err(Failure::invalid("EndpointListByTech is mandatory"))
                    }
                    _ => rest::request(&rest::ENDPOINTS_LIST, &[]),
                };
                self.list(r, &place, E::Endpoint, |item| {
                    format!(
                        "{}/{}",
                        str_field(item, "technology"),
                        str_field(item, "resource")
                    )
                })
                .await
            }
            K::EndpointGet | K::EndpointData => {
                let endpoint = id(&key, "endpoint")?;
                let (tech, resource) = endpoint
                    .split_once('/')
                    .ok_or_else(|| Failure::invalid("endpoint id is not tech/resource"))?;
                let r = rest::request(
                    &rest::ENDPOINT_GET,
                    &[("tech", tech), ("resource", resource)],
                );
                if request.kind == K::EndpointGet {
                    self.existing(r, &place, E::Endpoint, endpoint).await
                } else {
                    self.data(r, "endpoint", place.key(E::Endpoint, endpoint))
                        .await
                }
            }

            // --- mailboxes
            K::MailboxList => {
                let r = rest::request(&rest::MAILBOXES_LIST, &[]);
                self.list(r, &place, E::Mailbox, by_name).await
            }
            K::MailboxGet => {
                let name = id(&key, "mailbox")?;
                let r = rest::request(&rest::MAILBOX_GET, &[("mailboxName", name)]);
                self.existing(r, &place, E::Mailbox, name).await
            }
            K::MailboxData => {
                let name = id(&key, "mailbox")?;
                let r = rest::request(&rest::MAILBOX_GET, &[("mailboxName", name)]);
                self.data(r, "mailbox", place.key(E::Mailbox, name)).await
            }
            K::MailboxUpdate => {
                let name = id(&key, "mailbox")?;
                let u = params(&request.mailbox_update, "MailboxUpdate")?;
                let mut r = rest::request(&rest::MAILBOX_UPDATE, &[("mailboxName", name)]);
                r.query("oldMessages", u.old.to_string());
                r.query("newMessages", u.new.to_string());
                self.unit(r).await
            }
            K::MailboxDelete => {
                let name = id(&key, "mailbox")?;
                self.unit(rest::request(
                    &rest::MAILBOX_DELETE,
                    &[("mailboxName", name)],
                ))
                .await
            }

            // --- sounds
            K::SoundList => {
                let mut r = rest::request(&rest::SOUNDS_LIST, &[]);
                if let Some(filters) = request.sound_list.as_ref().and_then(|s| s.filters.as_ref())
                {
                    for (name, value) in filters {
                        match name.as_str() {
                            "lang" => query(&mut r, "lang", value),
                            "format" => query(&mut r, "format", value),
                            _ => {}
                        }
                    }
                }
                self.list(r, &place, E::Sound, by_id).await
            }
            K::SoundData => {
                let sound = id(&key, "sound")?;
                let r = rest::request(&rest::SOUND_GET, &[("soundId", sound)]);
                self.data(r, "sound", place.key(E::Sound, sound)).await
            }

            // Configuration, logging channels and modules: not served.
            _ => Err(Failure::not_implemented()),
        }
    }
}

/// The query of a `record` operation from Go's recording options.
fn recording_query(
    r: &mut RestRequest,
    name: &str,
    options: Option<&ari_proxy_protocol::RecordingOptions>,
) {
    query(r, "name", name);
    let format = options.map_or("", |o| o.format.as_str());
    // ARI requires a format; Go's client defaults to wav as well.
    query(r, "format", if format.is_empty() { "wav" } else { format });
    if let Some(o) = options {
        let seconds = |d: std::time::Duration| i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
        query_number(r, "maxDurationSeconds", seconds(o.max_duration));
        query_number(r, "maxSilenceSeconds", seconds(o.max_silence));
        query(r, "ifExists", &o.exists);
        if o.beep {
            query(r, "beep", "true");
        }
        query(r, "terminateOn", &o.terminate);
    }
}
