//! What goes into and comes out of a widget session: the engine's whole interface.
//!
//! [`Input`] and [`Output`] are everything the engine takes and gives (JSON, `kind`-tagged,
//! camelCase). The WebSocket between the host page and the server carries only the page's
//! share of them, typed on its own in `page.rs` ([`PageInput`](super::PageInput),
//! [`PageOutput`](super::PageOutput)); `store` requests are the server's to carry out and
//! their results ([`Input::Done`]) the server's to feed back, and `log` entries feed the
//! inspector.

use std::collections::BTreeMap;

use super::page::PageInput;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Where the app's iframe lives (`iframeLocation` in SYNC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum IframeLocation {
    Widget,
    Remote,
    Window,
}

/// Fixed facts about a session, known when the page opens it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionConfig {
    /// The host page's exact origin (`scheme://host:port`, no trailing slash).
    pub host_url: String,
    pub portal_id: i64,
    pub user_id: i64,
    pub owner_id: i64,
    pub app_id: i64,
    /// The app's iframe URL from its settings (or a localStorage override).
    pub app_url: String,
    /// Origins besides the app URL's that SET_WIDGET_URL may move to.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    pub iframe_location: IframeLocation,
    pub uses_calling_window: bool,
    /// A live call to resume (the page was reloaded or navigated mid-call).
    #[serde(default)]
    pub engagement_id: Option<i64>,
    /// Also send the legacy ENGAGEMENT_CREATED after CREATE_ENGAGEMENT_SUCCEEDED.
    #[serde(default)]
    pub legacy_engagement_created: bool,
}

/// Why the page refused a message before it reached the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum DropReason {
    /// `event.origin` was not the app's origin.
    Origin,
    /// `event.source` was not the app's iframe.
    Source,
}

/// What a Call button dials: a record's phone number, or (the automation API's dial by
/// number, docs/automation.md#actions) a number no record has, without the record's fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DialRequest {
    /// `0-1` contacts, `0-2` companies, `2-...` custom objects; absent without a record.
    #[serde(default)]
    pub object_type_id: Option<String>,
    #[serde(default)]
    pub object_id: Option<i64>,
    /// `CONTACT`, `COMPANY`, ... when known.
    #[serde(default)]
    pub object_type: Option<String>,
    /// The phone property clicked (`phone`, `mobilephone`, ...); absent without a record.
    #[serde(default)]
    pub property: Option<String>,
    pub phone_number: String,
    /// ISO 3166 region of the number, when known (`US`).
    #[serde(default)]
    pub country_code: Option<String>,
    /// When the user clicked, ms since the epoch (the page's clock).
    pub timestamp_ms: i64,
}

/// Something the user did in the host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "action"
)]
pub enum UserAction {
    Minimize,
    Restore,
    Close,
    EndCall,
    /// The user started or stopped working a call task queue (hideWidget is then ignored).
    TaskQueue {
        active: bool,
    },
}

/// An identifier the engine gives a store request, echoed in its result.
pub type OpId = u64;

/// An input to a session: what a page observed ([`PageInput`]), or the result of a store
/// request, which only the server feeds back. The page's inputs are typed once, in
/// [`PageInput`]; this type only adds the server's own.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// Something the page observed and sent over the WebSocket.
    Page(PageInput),
    /// The result of a [`StoreRequest`].
    Done { op: OpId, result: OpResult },
}

impl From<PageInput> for Input {
    fn from(input: PageInput) -> Input {
        Input::Page(input)
    }
}

/// The inspector records an input as its frame: a page input as the page sent it, a store
/// result as `{"kind": "done", "op", "result"}`.
impl Serialize for Input {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(tag = "kind", rename = "done")]
        struct Done<'a> {
            op: OpId,
            result: &'a OpResult,
        }
        match self {
            Input::Page(input) => input.serialize(serializer),
            Input::Done { op, result } => Done { op: *op, result }.serialize(serializer),
        }
    }
}

/// What the engine wants done.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "kind"
)]
pub enum Output {
    /// Post `message` into the iframe with exactly this target origin.
    Post {
        message: Value,
        target_origin: String,
    },
    Ui(UiCommand),
    Store {
        op: OpId,
        request: StoreRequest,
    },
    Log(LogEntry),
}

/// A change to the host's UI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "command"
)]
pub enum UiCommand {
    /// Start (or restart) the SYNC loop with these top-level SYNC fields, to this origin.
    StartSync {
        fields: Map<String, Value>,
        target_origin: String,
    },
    /// The handshake finished; later messages from the app are accepted from `app_origin`.
    Synced {
        app_origin: String,
    },
    /// Show "app failed to load" with a retry.
    LoadFailed,
    /// Show an alert; `message` is plain text from the app or the host. An alert that the
    /// app is logged out (`loggedOut`) goes away by itself when the app reports it logged in.
    Alert {
        message: String,
        logged_out: bool,
    },
    Show,
    Hide,
    Minimize,
    /// Size the iframe; values are CSS lengths (`"400px"`), already formatted.
    Resize {
        width: Option<String>,
        height: Option<String>,
    },
    /// Open a record page.
    Navigate {
        object_type_id: String,
        object_id: i64,
        new_tab: bool,
    },
    /// Load a new URL in the iframe (SET_WIDGET_URL accepted); a new SYNC follows its load.
    LoadUrl {
        url: String,
        app_origin: String,
    },
    /// A call as the page shows it (the widget's call bar, the calling remote's ringing call,
    /// the provider switcher's lock, the navigation guard): sent whenever its phase, its
    /// engagement or who is calling changes. Every field is decided here, none by the page.
    CallState {
        external_call_id: String,
        engagement_id: Option<i64>,
        state: CallPhase,
        /// Still ringing, dialing or connected: End call is offered, the switcher is locked
        /// and leaving the page asks first.
        live: bool,
        /// Unknown for a call adopted from an earlier page (the app never said).
        direction: Option<Direction>,
        /// The other party's number: the caller's on an inbound call, the one dialed on an
        /// outbound call.
        number: Option<String>,
        /// Who the other party is: the first caller-ID match's name, else the number; none
        /// when neither is known.
        display_name: Option<String>,
        /// The first caller-ID match's record, which the page offers to open.
        caller: Option<ObjectRef>,
    },
    /// The app's login or availability changed.
    AppStatus {
        logged_in: bool,
        available: Option<bool>,
    },
    /// A store write changed this call object (created, updated or finalized), including the
    /// statuses the host records without a reply to the app: a page showing the call (a
    /// record's timeline) re-reads it. Sent once per successful write, never for a failed one.
    CallChanged {
        engagement_id: i64,
        /// The app's id for the call, when the session knows it.
        external_call_id: Option<String>,
    },
}

/// Where a call is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CallPhase {
    Ringing,
    Dialing,
    InProgress,
    Ended,
    Completed,
    Transferred,
}

/// The direction of a call, from the user's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Direction {
    Inbound,
    Outbound,
}

/// A CRM record, by type id and id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ObjectRef {
    pub object_type_id: String,
    pub object_id: i64,
}

/// Store work the engine needs; the server does it and answers with [`Input::Done`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "request"
)]
pub enum StoreRequest {
    /// Log the call (app, externalCallId) once: create its call object, or return the one that
    /// exists (the server fills in what that one lacks from `properties`).
    CreateCall {
        /// With `external_call_id`, which call this is (the server's creation lock and its one
        /// rule for "the same call").
        app_id: i64,
        external_call_id: String,
        /// Every property of the new call object, as `call_object::CallStart` builds them
        /// (string values). `hs_timestamp` is missing when the engine knows no start time:
        /// the server then uses its own clock.
        properties: BTreeMap<String, String>,
        /// The record the call is associated with (the dialed record, or the caller's match).
        associate: Option<ObjectRef>,
        /// The number an inbound call came in on, for finding its help-desk channel; `None`
        /// for an outbound call.
        called_number: Option<String>,
    },
    /// Set call properties (already validated `hs_*` names, string values).
    UpdateCall {
        engagement_id: i64,
        properties: Map<String, Value>,
    },
    /// Contacts and companies whose phone numbers are this number.
    CallerId { number: String },
    /// Mark the call final (help desk: attach it to the channel's ticket).
    FinalizeCall {
        engagement_id: i64,
        external_call_id: Option<String>,
    },
    /// Whether a record exists in the portal (NAVIGATE_TO_RECORD).
    RecordExists { object: ObjectRef },
}

/// A caller-ID match, as CALLER_ID_MATCH_SUCCEEDED carries it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallerIdMatch {
    /// `CONTACT` or `COMPANY`.
    pub caller_id_type: String,
    pub object_type_id: String,
    pub object_id: i64,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

/// The result of a [`StoreRequest`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "result"
)]
pub enum OpResult {
    Call { engagement_id: i64 },
    Matches { matches: Vec<CallerIdMatch> },
    Exists { exists: bool },
    Done,
    Failed { message: String },
}

/// Which way a logged message went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Flow {
    /// App → host.
    FromApp,
    /// Host → app.
    ToApp,
    /// Refused by the page (origin or source).
    Dropped,
    /// Happened in the host (user action, store result, timeout).
    Host,
    /// A call an app's backend made to the REST API about this session's calls (recorded by
    /// the server, never produced by the engine).
    Rest,
}

/// One line of the protocol log, as the inspector shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEntry {
    pub flow: Flow,
    /// The message type, when there is one.
    pub message_type: Option<String>,
    pub message: Value,
    pub findings: Vec<Finding>,
}

/// A validation finding: a stable code and a sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// Stable, documented: `unknown-type`, `missing-field`, `wrong-type`, `out-of-order`, ...
    pub code: String,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::PageInput;
    use serde_json::json;

    /// The page's side of the WebSocket is written against these exact shapes.
    #[test]
    fn wire_shapes_are_camel_case_throughout() {
        let post = Output::Post {
            message: json!({"type": "DIAL_NUMBER"}),
            target_origin: "http://a".into(),
        };
        assert_eq!(
            serde_json::to_value(&post).unwrap(),
            json!({"kind": "post", "message": {"type": "DIAL_NUMBER"}, "targetOrigin": "http://a"})
        );
        let ui = Output::Ui(UiCommand::CallState {
            external_call_id: "x".into(),
            engagement_id: Some(1),
            state: CallPhase::InProgress,
            live: true,
            direction: Some(Direction::Inbound),
            number: Some("+1".into()),
            display_name: Some("Ada Lovelace".into()),
            caller: Some(ObjectRef {
                object_type_id: "0-1".into(),
                object_id: 5,
            }),
        });
        assert_eq!(
            serde_json::to_value(&ui).unwrap(),
            json!({"kind": "ui", "command": "callState", "externalCallId": "x", "engagementId": 1,
                "state": "IN_PROGRESS", "live": true, "direction": "INBOUND", "number": "+1",
                "displayName": "Ada Lovelace", "caller": {"objectTypeId": "0-1", "objectId": 5}})
        );
        let dial: PageInput =
            serde_json::from_value(json!({"kind": "dial", "objectTypeId": "0-1", "objectId": 5,
            "property": "phone", "phoneNumber": "+1", "timestampMs": 3}))
            .unwrap();
        assert!(matches!(
            dial,
            PageInput::Dial(DialRequest {
                object_id: Some(5),
                ..
            })
        ));
        let user: PageInput =
            serde_json::from_value(json!({"kind": "user", "action": "taskQueue", "active": true}))
                .unwrap();
        assert_eq!(
            user,
            PageInput::User(UserAction::TaskQueue { active: true })
        );
        let changed = Output::Ui(UiCommand::CallChanged {
            engagement_id: 7,
            external_call_id: Some("x".into()),
        });
        assert_eq!(
            serde_json::to_value(&changed).unwrap(),
            json!({"kind": "ui", "command": "callChanged", "engagementId": 7, "externalCallId": "x"})
        );
        let store = Output::Store {
            op: 1,
            request: StoreRequest::CallerId {
                number: "+1".into(),
            },
        };
        assert_eq!(
            serde_json::to_value(&store).unwrap(),
            json!({"kind": "store", "op": 1, "request": {"request": "callerId", "number": "+1"}})
        );
    }
}
