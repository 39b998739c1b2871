//! One widget session: the state machine between a host page and one calling app iframe.
//!
//! [`Session::handle`] takes one [`Input`] and returns everything it causes, in order: first
//! the input's log entry (with its findings), then UI commands, store requests and posts, each
//! post followed by its own log entry. This file owns the state, the dispatch and the
//! envelope of posts; the handshake, login and user actions are in `readiness.rs`, call
//! messages in `calls.rs` and `completion.rs`, size, URL and navigation in `widget.rs`.
//!
//! Invariants, which the property tests check on random input:
//! - nothing panics, whatever the app sends;
//! - every post is a new message `{type, messageId, data}` whose id is `h-<n>`, unique in the
//!   session and never starting with a digit (an app's SDK treats ids that start with its
//!   13-digit instance id as responses and swallows them, docs/protocol.md#message-ids), sent to the current app
//!   origin (never `*`);
//! - nothing is ever posted in answer to ERROR (two SDKs answer each other's ERROR forever);
//! - a call's engagementId never changes once set, and each externalCallId gets at most one
//!   CreateCall.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::calls::{Call, Pending};
use super::findings::{self, finding};
use super::io::*;
use super::origin::origin_or_trimmed;
use super::page::PageInput;
use super::validate::{self, Fields};
use crate::catalog::catalog;

/// What one input produced, collected while handling it.
#[derive(Default)]
pub(super) struct Turn {
    pub out: Vec<Output>,
    pub findings: Vec<Finding>,
}

impl Turn {
    pub fn ui(&mut self, command: UiCommand) {
        self.out.push(Output::Ui(command));
    }

    pub fn find(&mut self, code: &'static str, message: impl Into<String>) {
        self.findings.push(finding(code, message));
    }
}

/// A widget session. See the module docs for what it guarantees.
///
/// It serializes whole (serde, no I/O), so that the server can keep it in the store and
/// another process can resume it (docs/design.md#session-handover).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    pub(super) config: SessionConfig,
    /// The URL the iframe loads: the settings URL, or one SET_WIDGET_URL moved it to.
    pub(super) current_url: String,
    /// Where posts go and where app messages must come from.
    pub(super) app_origin: String,
    /// The iframe has fired `load` at least once.
    pub(super) loaded: bool,
    pub(super) synced: bool,
    pub(super) app_version: Option<String>,
    pub(super) debug_mode: bool,
    pub(super) initialized: bool,
    pub(super) logged_in: bool,
    pub(super) available: Option<bool>,
    /// A dial clicked before the app could take it; a newer click replaces it.
    pub(super) pending_dial: Option<DialRequest>,
    /// The last DIAL_NUMBER sent: the record the next OUTGOING_CALL_STARTED is about.
    pub(super) last_dial: Option<DialRequest>,
    pub(super) calls: BTreeMap<String, Call>,
    pub(super) active: Option<String>,
    /// An engagement the app is in the middle of (config, or INITIALIZED's) whose
    /// externalCallId this session has not seen yet; the next unknown call adopts it.
    pub(super) resume: Option<i64>,
    pub(super) task_queue: bool,
    pub(super) ops: BTreeMap<OpId, Pending>,
    next_op: OpId,
    sent: u64,
}

impl Session {
    pub fn new(config: SessionConfig) -> Self {
        let current_url = config.app_url.clone();
        let app_origin = origin_or_trimmed(&current_url);
        let resume = config.engagement_id;
        Session {
            config,
            current_url,
            app_origin,
            loaded: false,
            synced: false,
            app_version: None,
            debug_mode: false,
            initialized: false,
            logged_in: false,
            available: None,
            pending_dial: None,
            last_dial: None,
            calls: BTreeMap::new(),
            active: None,
            resume,
            task_queue: false,
            ops: BTreeMap::new(),
            next_op: 0,
            sent: 0,
        }
    }

    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// The origin posts go to (and app messages must come from).
    pub fn app_origin(&self) -> &str {
        &self.app_origin
    }

    /// The URL the iframe should be showing.
    pub fn app_url(&self) -> &str {
        &self.current_url
    }

    pub fn synced(&self) -> bool {
        self.synced
    }

    /// Whether the iframe has loaded (at least once).
    pub fn loaded(&self) -> bool {
        self.loaded
    }

    /// The SDK version the app reported in SYNC_ACK.
    pub fn app_version(&self) -> Option<&str> {
        self.app_version.as_deref()
    }

    pub fn debug_mode(&self) -> bool {
        self.debug_mode
    }

    pub fn initialized(&self) -> bool {
        self.initialized
    }

    pub fn logged_in(&self) -> bool {
        self.logged_in
    }

    pub fn available(&self) -> Option<bool> {
        self.available
    }

    pub fn pending_dial(&self) -> Option<&DialRequest> {
        self.pending_dial.as_ref()
    }

    pub fn task_queue_active(&self) -> bool {
        self.task_queue
    }

    pub fn call(&self, external_call_id: &str) -> Option<&Call> {
        self.calls.get(external_call_id)
    }

    pub fn calls(&self) -> impl Iterator<Item = &Call> {
        self.calls.values()
    }

    /// The call the user is on: the latest one started and not yet ended.
    pub fn active_call(&self) -> Option<&Call> {
        self.active
            .as_deref()
            .and_then(|id| self.calls.get(id))
            .filter(|c| c.is_live())
    }

    /// The call started last, live or not.
    pub fn latest_call(&self) -> Option<&Call> {
        self.active.as_deref().and_then(|id| self.calls.get(id))
    }

    /// The engagement SYNC should carry: the live call's, or one being resumed.
    pub fn resume_engagement_id(&self) -> Option<i64> {
        self.active_call()
            .and_then(|c| c.engagement_id)
            .or(self.resume)
    }

    /// What a page that (re)connects to this session must show: the state of every live
    /// call, who is calling included. A reloaded page starts blank, while the session (and an
    /// unanswered INCOMING_CALL) went on; these UI commands restate it. Nothing is posted and
    /// nothing is logged: the app has not said anything new.
    pub fn restate(&self) -> Vec<Output> {
        self.calls
            .values()
            .filter(|c| c.is_live())
            .map(|call| Output::Ui(call.state()))
            .collect()
    }

    /// What this session's page shows of `command`, a UI command of another session of the
    /// same user (its calling window, another tab's widget), sent from `app_id`'s session
    /// (docs/design.md#pages-of-a-user): every page re-reads a call another session wrote
    /// (`callChanged`); a calling remote of the same app shows an inbound call ringing or live
    /// elsewhere, unless this session knows the call itself (its own `callState` is the one
    /// that counts). Nothing else crosses sessions, and nothing of another user ever does
    /// (the server routes by portal and user, and this checks them again).
    pub fn relayed(
        &self,
        portal_id: i64,
        user_id: i64,
        app_id: i64,
        command: &UiCommand,
    ) -> Option<UiCommand> {
        if (portal_id, user_id) != (self.config.portal_id, self.config.user_id) {
            return None;
        }
        match command {
            UiCommand::CallChanged { .. } => Some(command.clone()),
            UiCommand::CallState {
                external_call_id,
                direction: Some(Direction::Inbound),
                ..
            } if self.config.iframe_location == IframeLocation::Remote
                && app_id == self.config.app_id
                && !self.calls.contains_key(external_call_id) =>
            {
                Some(command.clone())
            }
            _ => None,
        }
    }

    /// Handles one input; see the module docs for the order of what comes back.
    pub fn handle(&mut self, input: Input) -> Vec<Output> {
        let mut turn = Turn::default();
        let entry_head = match &input {
            Input::Page(PageInput::App { message, .. }) => (Flow::FromApp, message.clone()),
            Input::Page(PageInput::Dropped { message, .. }) => (Flow::Dropped, message.clone()),
            other => (
                Flow::Host,
                serde_json::to_value(other).unwrap_or(Value::Null),
            ),
        };
        match input {
            Input::Page(PageInput::Loaded) => self.on_loaded(&mut turn),
            Input::Page(PageInput::App { message, origin }) => {
                self.on_app(&message, &origin, &mut turn)
            }
            Input::Page(PageInput::Dropped { origin, reason, .. }) => match reason {
                DropReason::Origin => turn.find(
                    findings::DROPPED_ORIGIN,
                    format!(
                        "refused: sent from {origin}, not the app's origin {}",
                        self.app_origin
                    ),
                ),
                DropReason::Source => turn.find(
                    findings::DROPPED_SOURCE,
                    format!("refused: sent by a window other than the app's iframe ({origin})"),
                ),
            },
            Input::Page(PageInput::SyncFailed) => turn.ui(UiCommand::LoadFailed),
            Input::Page(PageInput::Dial(request)) => self.on_dial(request, &mut turn),
            Input::Page(PageInput::User(action)) => self.on_user(action, &mut turn),
            Input::Done { op, result } => self.on_done(op, result, &mut turn),
        }
        let (flow, message) = entry_head;
        let message_type = match flow {
            Flow::FromApp | Flow::Dropped => message
                .get("type")
                .and_then(Value::as_str)
                .map(String::from),
            _ => None,
        };
        let mut outputs = Vec::with_capacity(turn.out.len() + 1);
        outputs.push(Output::Log(LogEntry {
            flow,
            message_type,
            message,
            findings: turn.findings,
        }));
        outputs.extend(turn.out);
        outputs
    }

    /// Posts a new host message (and logs it).
    pub(super) fn post(&mut self, turn: &mut Turn, message_type: &str, data: Value) {
        self.sent += 1;
        let message = json!({
            "type": message_type,
            "messageId": format!("h-{}", self.sent),
            "data": data,
        });
        turn.out.push(Output::Post {
            message: message.clone(),
            target_origin: self.app_origin.clone(),
        });
        turn.out.push(Output::Log(LogEntry {
            flow: Flow::ToApp,
            message_type: Some(message_type.to_string()),
            message,
            findings: Vec::new(),
        }));
    }

    /// Asks the server for store work; its result comes back as `Input::Done { op, .. }`.
    pub(super) fn store(&mut self, turn: &mut Turn, request: StoreRequest, pending: Pending) {
        self.next_op += 1;
        self.ops.insert(self.next_op, pending);
        turn.out.push(Output::Store {
            op: self.next_op,
            request,
        });
    }

    /// The iframe (re)loaded: a new app instance, so the handshake and login start over;
    /// calls, a pending dial and the task queue belong to the host and survive.
    fn on_loaded(&mut self, turn: &mut Turn) {
        self.loaded = true;
        self.synced = false;
        self.initialized = false;
        self.logged_in = false;
        self.available = None;
        self.app_origin = origin_or_trimmed(&self.current_url);
        let mut fields = Map::new();
        fields.insert(
            "hostUrl".into(),
            origin_or_trimmed(&self.config.host_url).into(),
        );
        fields.insert("portalId".into(), self.config.portal_id.into());
        fields.insert("userId".into(), self.config.user_id.into());
        fields.insert("ownerId".into(), self.config.owner_id.into());
        fields.insert(
            "iframeLocation".into(),
            serde_json::to_value(self.config.iframe_location).unwrap_or(Value::Null),
        );
        fields.insert(
            "usesCallingWindow".into(),
            self.config.uses_calling_window.into(),
        );
        if let Some(engagement_id) = self.resume_engagement_id() {
            fields.insert("engagementId".into(), engagement_id.into());
        }
        // The page posts SYNC every 100 ms until the ACK (docs/protocol.md#handshake); the log
        // has it once, as the engine starts the loop, so the record shows the host's side of
        // the handshake (each post's own id is the page's).
        let mut message = fields.clone();
        message.insert("type".into(), "SYNC".into());
        let log = LogEntry {
            flow: Flow::ToApp,
            message_type: Some("SYNC".into()),
            message: Value::Object(message),
            findings: Vec::new(),
        };
        turn.ui(UiCommand::StartSync {
            fields,
            target_origin: self.app_origin.clone(),
        });
        turn.out.push(Output::Log(log));
    }

    fn on_app(&mut self, message: &Value, origin: &str, turn: &mut Turn) {
        let Some(envelope) = validate::open(message, &mut turn.findings) else {
            return;
        };
        let message_type = envelope.message_type;
        let catalog = catalog();
        if !catalog.is_message_type(message_type) {
            turn.find(
                findings::UNKNOWN_TYPE,
                format!("{message_type} is not a message type of the SDK; ignored"),
            );
            return;
        }
        if !catalog.is_app_to_host(message_type) {
            turn.find(
                findings::HOST_ONLY_TYPE,
                format!("{message_type} is sent by the host, never by an app; ignored"),
            );
            return;
        }
        if let Some(note) = catalog.deprecation(message_type) {
            turn.find(
                findings::DEPRECATED_TYPE,
                format!("{message_type} is deprecated: {note}"),
            );
        }
        if message_type != "SYNC_ACK" && !self.synced {
            turn.find(
                findings::BEFORE_SYNC,
                format!("{message_type} arrived before SYNC_ACK; the SDK never sends this"),
            );
        }
        let data = envelope.data;
        match message_type {
            "SYNC_ACK" => self.on_sync_ack(Fields::new(envelope.top), origin, turn),
            "INITIALIZED" => self.on_initialized(data, turn),
            "LOGGED_IN" => self.on_logged_in(turn),
            "LOGGED_OUT" => {
                self.logged_in = false;
                self.pending_dial = None;
                self.app_status(turn);
            }
            "USER_AVAILABLE" | "USER_UNAVAILABLE" => {
                self.available = Some(message_type == "USER_AVAILABLE");
                self.app_status(turn);
            }
            "OUTGOING_CALL_STARTED" => self.on_call_started(Direction::Outbound, data, turn),
            "INCOMING_CALL" => self.on_call_started(Direction::Inbound, data, turn),
            "CALL_ANSWERED" => self.on_call_answered(data, turn),
            "CALL_ENDED" => self.on_call_ended(data, CallPhase::Ended, turn),
            "CALL_TRANSFERRED" => self.on_call_ended(data, CallPhase::Transferred, turn),
            "CALL_COMPLETED" => self.on_call_completed(data, turn),
            "FINALIZE_ENGAGEMENT" | "PUBLISH_TO_CHANNEL" => {
                self.on_finalize(message_type == "PUBLISH_TO_CHANNEL", data, turn)
            }
            "NAVIGATE_TO_RECORD" => self.on_navigate(data, turn),
            "SET_WIDGET_URL" => self.on_set_widget_url(data, Fields::new(envelope.top), turn),
            "RESIZE_WIDGET" => self.on_resize(data, turn),
            "ERROR" => self.on_error(data, turn),
            // CALL_DATA is legacy ("no longer used", 2019): logged, nothing else.
            _ => {}
        }
    }

    fn on_done(&mut self, op: OpId, result: OpResult, turn: &mut Turn) {
        match self.ops.remove(&op) {
            Some(pending) => self.on_store_result(pending, result, turn),
            None => turn.find(
                findings::UNKNOWN_OP,
                format!("no store operation {op} is waiting for a result"),
            ),
        }
    }
}
