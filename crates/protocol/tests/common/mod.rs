//! Helpers for driving a [`Session`] the way the host page and the server do.
#![allow(dead_code)]

use callhost_protocol::engine::*;
use serde_json::{json, Value};

pub const HOST: &str = "http://127.0.0.1:8080";
pub const APP_URL: &str = "https://app.example/widget/index.html";
pub const APP: &str = "https://app.example";
pub const PORTAL: i64 = 62515;
pub const USER: i64 = 7;
pub const OWNER: i64 = 9;
pub const APP_ID: i64 = 1000;

pub fn config() -> SessionConfig {
    SessionConfig {
        host_url: HOST.into(),
        portal_id: PORTAL,
        user_id: USER,
        owner_id: OWNER,
        app_id: APP_ID,
        app_url: APP_URL.into(),
        allowed_origins: vec![],
        iframe_location: IframeLocation::Widget,
        uses_calling_window: false,
        engagement_id: None,
        legacy_engagement_created: false,
    }
}

/// An app message as the SDK builds it: `{type, messageId, data}` with an SDK-style id.
pub fn msg(message_type: &str, data: Value) -> Value {
    json!({"type": message_type, "messageId": "1700000000000_1700000000001", "data": data})
}

/// A data-less app message (`userLoggedIn()` and friends).
pub fn bare(message_type: &str) -> Value {
    json!({"type": message_type, "messageId": "1700000000000_1700000000002"})
}

pub fn app(message: Value) -> Input {
    Input::Page(PageInput::App {
        message,
        origin: APP.into(),
    })
}

pub fn sync_ack() -> Value {
    json!({
        "type": "SYNC_ACK", "messageId": "h-sync-1", "hostUrl": HOST, "portalId": PORTAL,
        "debugMode": true, "version": "0.9.7-beta.0", "iFrameUrl": APP
    })
}

pub fn dial() -> DialRequest {
    DialRequest {
        object_type_id: Some("0-1".into()),
        object_id: Some(501),
        object_type: None,
        property: Some("mobilephone".into()),
        phone_number: "+1 617 555 0100".into(),
        country_code: Some("US".into()),
        timestamp_ms: 1_700_000_000_000,
    }
}

pub fn done(op: OpId, result: OpResult) -> Input {
    Input::Done { op, result }
}

/// What a session did, without the log entries: easier to compare row by row.
#[derive(Debug, Clone, PartialEq)]
pub enum Act {
    Post(String, Value),
    Ui(UiCommand),
    Store(OpId, StoreRequest),
    /// `ui:callState`, by its call, engagement and phase ([`call_state`]); who the page shows
    /// is compared with [`shown`].
    State(String, Option<i64>, CallPhase),
}

/// Who each `ui:callState` in `outputs` shows: its display name and the caller's record.
pub fn shown(outputs: &[Output]) -> Vec<(Option<String>, Option<ObjectRef>)> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Ui(UiCommand::CallState {
                display_name,
                caller,
                ..
            }) => Some((display_name.clone(), caller.clone())),
            _ => None,
        })
        .collect()
}

pub fn post(message_type: &str, data: Value) -> Act {
    Act::Post(message_type.into(), data)
}

/// The outputs as [`Act`]s; checks every post's envelope on the way.
pub fn acts(outputs: &[Output]) -> Vec<Act> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Post {
                message,
                target_origin,
            } => {
                let object = message.as_object().expect("posts are objects");
                assert_eq!(object.len(), 3, "{message}");
                let id = message["messageId"].as_str().expect("messageId");
                assert!(id.starts_with("h-"), "{id}");
                assert_ne!(target_origin, "*");
                Some(Act::Post(
                    message["type"].as_str().unwrap().into(),
                    message["data"].clone(),
                ))
            }
            Output::Ui(UiCommand::CallState {
                external_call_id,
                engagement_id,
                state,
                live,
                ..
            }) => {
                assert_eq!(
                    *live,
                    matches!(
                        state,
                        CallPhase::Ringing | CallPhase::Dialing | CallPhase::InProgress
                    )
                );
                Some(Act::State(external_call_id.clone(), *engagement_id, *state))
            }
            Output::Ui(command) => Some(Act::Ui(command.clone())),
            Output::Store { op, request } => Some(Act::Store(*op, request.clone())),
            Output::Log(_) => None,
        })
        .collect()
}

/// The finding codes of the input's own log entry (always the first output).
pub fn codes(outputs: &[Output]) -> Vec<String> {
    match outputs.first() {
        Some(Output::Log(entry)) => entry.findings.iter().map(|f| f.code.clone()).collect(),
        other => panic!("first output is not the input's log entry: {other:?}"),
    }
}

/// A session that finished the handshake, was initialized and is logged in.
pub fn ready() -> Session {
    ready_with(config())
}

pub fn ready_with(config: SessionConfig) -> Session {
    let mut s = Session::new(config);
    s.handle(Input::Page(PageInput::Loaded));
    s.handle(app(sync_ack()));
    s.handle(app(msg("INITIALIZED", json!({"isLoggedIn": true}))));
    s
}

/// The op id of the only store request in `outputs`.
pub fn only_op(outputs: &[Output]) -> OpId {
    let ops: Vec<OpId> = outputs
        .iter()
        .filter_map(|o| match o {
            Output::Store { op, .. } => Some(*op),
            _ => None,
        })
        .collect();
    assert_eq!(ops.len(), 1, "{outputs:?}");
    ops[0]
}

/// Starts an outbound call c1 after a dial, with createEngagement; returns the create op.
pub fn outbound_call(s: &mut Session, create: bool) -> Vec<Output> {
    s.handle(Input::Page(PageInput::Dial(dial())));
    s.handle(app(msg(
        "OUTGOING_CALL_STARTED",
        json!({"externalCallId": "c1", "toNumber": "+16175550100", "fromNumber": "+15550001111",
               "callStartTime": 1_700_000_000_500i64, "createEngagement": create}),
    )))
}

/// [`outbound_call`] with createEngagement, logged by the store as call object
/// `engagement_id` (the answer to op 1).
pub fn logged_outbound_call(s: &mut Session, engagement_id: i64) {
    outbound_call(s, true);
    s.handle(done(1, OpResult::Call { engagement_id }));
}

/// INCOMING_CALL in1 from +1 to +2 (`createEngagement` when `create`); caller ID is op 1.
pub fn incoming_call(s: &mut Session, create: bool) -> Vec<Output> {
    let mut data = json!({"externalCallId": "in1", "fromNumber": "+1", "toNumber": "+2"});
    if create {
        data["createEngagement"] = json!(true);
    }
    s.handle(app(msg("INCOMING_CALL", data)))
}

pub fn call_state(id: &str, engagement_id: Option<i64>, state: CallPhase) -> Act {
    Act::State(id.into(), engagement_id, state)
}

/// `ui:callChanged`: a store write changed this call object.
pub fn call_changed(engagement_id: i64, external_call_id: &str) -> Act {
    Act::Ui(UiCommand::CallChanged {
        engagement_id,
        external_call_id: Some(external_call_id.into()),
    })
}

/// A call object's properties, as `StoreRequest::CreateCall` carries them.
pub fn call_properties(pairs: &[(&str, &str)]) -> std::collections::BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect()
}

/// A contact matched by caller ID (object 501), named as given.
pub fn contact(first: Option<&str>, last: Option<&str>) -> CallerIdMatch {
    CallerIdMatch {
        caller_id_type: "CONTACT".into(),
        object_type_id: "0-1".into(),
        object_id: 501,
        first_name: first.map(String::from),
        last_name: last.map(String::from),
        email: first.map(|_| "ada@example.com".into()),
        name: None,
    }
}

/// A company matched by caller ID (object 601).
pub fn company(name: &str) -> CallerIdMatch {
    CallerIdMatch {
        caller_id_type: "COMPANY".into(),
        object_type_id: "0-2".into(),
        object_id: 601,
        first_name: None,
        last_name: None,
        email: None,
        name: Some(name.into()),
    }
}
