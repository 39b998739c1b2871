//! Calls: their lifecycle messages, their engagements and the replies about them.
//!
//! Calls are keyed by externalCallId, never by messageId (two SDK messages sent in one
//! millisecond share an id, docs/protocol.md#message-ids). Invariants: a call's `engagement_id` is set once and
//! never changes; each call asks the store for at most one CreateCall (the server logs one
//! call object per (app, externalCallId) across tabs and the inbound-call API), carrying every
//! property of the call object as `call_object` builds them; inbound calls get their caller-ID
//! reply before their CREATE_ENGAGEMENT_* reply, and their engagement is associated with the
//! first match (docs/design.md#inbound-order).

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::call_object::{self, CallStart};
use super::findings;
use super::io::*;
use super::replies;
use super::session::{Session, Turn};
use super::validate::Fields;

/// CALL_ENDED's documented end statuses (the `EndStatus` type of the SDK).
const END_STATUSES: &[&str] = &[
    "COMPLETED",
    "FAILED",
    "CANCELED",
    "BUSY",
    "NO_ANSWER",
    "REJECTED",
    "MISSED",
];

/// A call the session has seen start (or resumed after a reload).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Call {
    pub external_call_id: String,
    /// `None` for a call resumed from an engagementId alone.
    pub direction: Option<Direction>,
    pub phase: CallPhase,
    pub engagement_id: Option<i64>,
    pub answered: bool,
    pub end_status: Option<String>,
    pub to_number: Option<String>,
    pub from_number: Option<String>,
    pub started_at_ms: i64,
    /// The dialed record, or the caller's first match.
    pub associate: Option<ObjectRef>,
    /// The caller-ID matches of an inbound call, once looked up (for restating a ringing call
    /// to a page that reloaded).
    pub caller_matches: Option<Vec<CallerIdMatch>>,
    /// The app asked for an engagement (`createEngagement: true`).
    wants_engagement: bool,
    /// CreateCall was requested (at most once per call).
    create_requested: bool,
    caller_id_pending: bool,
    /// Store work that waits for the engagement to exist.
    pending_status: Option<String>,
    pending_update: Option<Map<String, Value>>,
}

impl Call {
    /// Still ringing, dialing or connected.
    pub fn is_live(&self) -> bool {
        matches!(
            self.phase,
            CallPhase::Ringing | CallPhase::Dialing | CallPhase::InProgress
        )
    }

    fn new(external_call_id: &str, direction: Option<Direction>, phase: CallPhase) -> Call {
        Call {
            external_call_id: external_call_id.to_string(),
            direction,
            phase,
            engagement_id: None,
            answered: false,
            end_status: None,
            to_number: None,
            from_number: None,
            started_at_ms: 0,
            associate: None,
            caller_matches: None,
            wants_engagement: false,
            create_requested: false,
            caller_id_pending: false,
            pending_status: None,
            pending_update: None,
        }
    }

    /// Whether the app asked for an engagement that does not exist yet.
    pub(super) fn awaiting_engagement(&self) -> bool {
        self.wants_engagement && self.engagement_id.is_none()
    }

    /// Keeps CALL_COMPLETED's properties until the engagement exists.
    pub(super) fn defer_update(&mut self, properties: Map<String, Value>) {
        self.pending_update = Some(properties);
    }

    /// Sets the engagement once; returns the one the call keeps.
    pub(super) fn set_engagement(&mut self, engagement_id: i64) -> i64 {
        *self.engagement_id.get_or_insert(engagement_id)
    }

    /// Store work that waited for the engagement: a status, properties.
    pub(super) fn take_deferred(&mut self) -> (Option<String>, Option<Map<String, Value>>) {
        (self.pending_status.take(), self.pending_update.take())
    }

    pub(super) fn caller_id_done(&mut self) {
        self.caller_id_pending = false;
    }

    /// The call as the page shows it. The other party is the caller on an inbound call and
    /// the number dialed otherwise; it is shown by the first caller-ID match's name, else by
    /// its number.
    pub(super) fn state(&self) -> UiCommand {
        let number = match self.direction {
            Some(Direction::Inbound) => self.from_number.clone(),
            _ => self.to_number.clone(),
        };
        let first_match = self.caller_matches.as_deref().and_then(<[_]>::first);
        UiCommand::CallState {
            external_call_id: self.external_call_id.clone(),
            engagement_id: self.engagement_id,
            state: self.phase,
            live: self.is_live(),
            direction: self.direction,
            display_name: first_match.and_then(match_name).or(number.clone()),
            number,
            caller: first_match.map(|m| ObjectRef {
                object_type_id: m.object_type_id.clone(),
                object_id: m.object_id,
            }),
        }
    }
}

/// A caller-ID match's name: a contact's first and last names, else a company's name.
fn match_name(m: &CallerIdMatch) -> Option<String> {
    let person = [&m.first_name, &m.last_name]
        .into_iter()
        .flatten()
        .map(|part| part.trim())
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let company = m.name.as_deref().map(str::trim).unwrap_or_default();
    if !person.is_empty() {
        Some(person)
    } else if !company.is_empty() {
        Some(company.to_string())
    } else {
        None
    }
}

/// Store work in flight, by op id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) enum Pending {
    CreateCall {
        external_call_id: String,
    },
    CallerId {
        external_call_id: String,
    },
    /// `reply`: CALL_COMPLETED's update (answered with UPDATE_ENGAGEMENT_*), or a status the
    /// host records on its own (no reply).
    Update {
        engagement_id: i64,
        reply: bool,
    },
    Finalize {
        engagement_id: i64,
        external_call_id: Option<String>,
        legacy: bool,
    },
    RecordExists {
        object: ObjectRef,
        new_tab: bool,
        engagement_id: Value,
        coordinates: Value,
    },
}

impl Session {
    /// OUTGOING_CALL_STARTED and INCOMING_CALL.
    pub(super) fn on_call_started(&mut self, direction: Direction, data: Fields, turn: &mut Turn) {
        let inbound = direction == Direction::Inbound;
        let f = &mut turn.findings;
        let external_call_id = data.str("externalCallId", true, f);
        let (to_number, from_number) = if inbound {
            (
                data.str("toNumber", true, f),
                data.str("fromNumber", true, f),
            )
        } else {
            (
                data.str_or_alias("toNumber", "phoneNumber", false, f),
                data.str("fromNumber", false, f),
            )
        };
        let started_at = data.number("callStartTime", f);
        let create = data.bool("createEngagement", f) == Some(true);
        if !self.initialized {
            turn.find(findings::OUT_OF_ORDER, "a call started before INITIALIZED");
        }
        if !self.logged_in {
            turn.find(
                findings::NOT_LOGGED_IN,
                "a call started while the app is not logged in (send LOGGED_IN first)",
            );
        }
        let Some(id) = external_call_id else {
            let message = "externalCallId is required";
            if inbound {
                self.post(
                    turn,
                    "CALLER_ID_MATCH_FAILED",
                    replies::failure(message, &[]),
                );
            }
            if create {
                self.post(
                    turn,
                    "CREATE_ENGAGEMENT_FAILED",
                    replies::failure(message, &[]),
                );
            }
            return;
        };
        if let Some(call) = self.calls.get_mut(id) {
            turn.findings.push(findings::finding(
                findings::DUPLICATE_CALL,
                format!("call {id} already started; the first one is kept"),
            ));
            if create {
                call.wants_engagement = true;
                match call.engagement_id {
                    Some(engagement_id) => self.created(turn, engagement_id),
                    None => self.maybe_create(id, turn),
                }
            }
            return;
        }
        let mut call = Call::new(
            id,
            Some(direction),
            if inbound {
                CallPhase::Ringing
            } else {
                CallPhase::Dialing
            },
        );
        call.wants_engagement = create;
        call.to_number = to_number.map(String::from);
        call.from_number = from_number.map(String::from);
        call.started_at_ms = started_at.unwrap_or(0);
        if !inbound {
            // The call is about the record last dialed, once: a call the app starts on its
            // own afterwards is not associated with that record.
            if let Some(dial) = self.last_dial.take() {
                if let (Some(object_type_id), Some(object_id)) =
                    (dial.object_type_id, dial.object_id)
                {
                    call.associate = Some(ObjectRef {
                        object_type_id,
                        object_id,
                    });
                }
                call.to_number = call.to_number.or(Some(dial.phone_number));
                call.started_at_ms = started_at.unwrap_or(dial.timestamp_ms);
            }
        }
        call.caller_id_pending = inbound && from_number.is_some();
        turn.ui(call.state());
        self.calls.insert(id.to_string(), call);
        self.active = Some(id.to_string());
        if let (true, Some(number)) = (inbound, from_number) {
            let request = StoreRequest::CallerId {
                number: number.to_string(),
            };
            let pending = Pending::CallerId {
                external_call_id: id.to_string(),
            };
            self.store(turn, request, pending);
        } else if inbound {
            let failure = replies::failure("fromNumber is required", &[]);
            self.post(turn, "CALLER_ID_MATCH_FAILED", failure);
        }
        self.maybe_create(id, turn);
    }

    /// Requests the call's engagement when the app wants one and nothing is in the way.
    pub(super) fn maybe_create(&mut self, id: &str, turn: &mut Turn) {
        let app_id = self.config.app_id;
        let owner_id = self.config.owner_id;
        let Some(call) = self.calls.get_mut(id) else {
            return;
        };
        if !call.wants_engagement
            || call.create_requested
            || call.caller_id_pending
            || call.engagement_id.is_some()
        {
            return;
        }
        call.create_requested = true;
        // Every property of the call object is decided here; the server only adds its clock.
        let direction = call.direction.unwrap_or(Direction::Outbound);
        let start = CallStart {
            external_call_id: id,
            direction,
            app_id: Some(app_id),
            owner_id: Some(owner_id),
            from_number: call.from_number.as_deref(),
            to_number: call.to_number.as_deref(),
            started_at_ms: Some(call.started_at_ms),
        };
        let request = StoreRequest::CreateCall {
            app_id,
            external_call_id: id.to_string(),
            properties: start.properties(),
            associate: call.associate.clone(),
            called_number: match direction {
                Direction::Inbound => call.to_number.clone(),
                Direction::Outbound => None,
            },
        };
        let pending = Pending::CreateCall {
            external_call_id: id.to_string(),
        };
        self.store(turn, request, pending);
    }

    /// CREATE_ENGAGEMENT_SUCCEEDED, and the legacy ENGAGEMENT_CREATED when asked for.
    pub(super) fn created(&mut self, turn: &mut Turn, engagement_id: i64) {
        let data = json!({ "engagementId": engagement_id });
        self.post(turn, "CREATE_ENGAGEMENT_SUCCEEDED", data.clone());
        if self.config.legacy_engagement_created {
            self.post(turn, "ENGAGEMENT_CREATED", data);
        }
    }

    /// The call a lifecycle message is about, by externalCallId, else by engagementId, else
    /// the active call. An unknown id adopts an engagement being resumed after a reload.
    pub(super) fn target_call(
        &mut self,
        id: Option<&str>,
        engagement_id: Option<i64>,
        turn: &mut Turn,
    ) -> Option<String> {
        match id {
            Some(id) if self.calls.contains_key(id) => Some(id.to_string()),
            Some(id) => match self.resume {
                Some(resumed) if engagement_id.is_none_or(|e| e == resumed) => {
                    let mut call = Call::new(id, None, CallPhase::InProgress);
                    call.engagement_id = Some(resumed);
                    call.answered = true;
                    self.resume = None;
                    self.calls.insert(id.to_string(), call);
                    self.active = Some(id.to_string());
                    Some(id.to_string())
                }
                _ => {
                    turn.find(
                        findings::UNKNOWN_CALL,
                        format!("no call with externalCallId {id} started in this session"),
                    );
                    None
                }
            },
            None => engagement_id
                .and_then(|e| {
                    self.calls
                        .values()
                        .find(|c| c.engagement_id == Some(e))
                        .map(|c| c.external_call_id.clone())
                })
                .or_else(|| self.active_call().map(|c| c.external_call_id.clone())),
        }
    }

    /// INITIALIZED with engagementId: show the call again, or remember it for adoption.
    pub(super) fn resume_engagement(&mut self, engagement_id: i64, turn: &mut Turn) {
        let known = self
            .calls
            .values()
            .find(|c| c.engagement_id == Some(engagement_id))
            .map(|c| (c.external_call_id.clone(), c.state()));
        match known {
            Some((id, state)) => {
                self.active = Some(id);
                turn.ui(state);
            }
            None => self.resume = Some(engagement_id),
        }
    }

    /// Reports an engagementId that disagrees with the call's own.
    pub(super) fn check_engagement(&self, id: &str, given: Option<i64>, turn: &mut Turn) {
        let known = self.calls.get(id).and_then(|c| c.engagement_id);
        if let (Some(given), Some(known)) = (given, known) {
            if given != known {
                turn.find(
                    findings::ENGAGEMENT_MISMATCH,
                    format!("engagementId {given} is not call {id}'s engagement {known}"),
                );
            }
        }
    }

    pub(super) fn on_call_answered(&mut self, data: Fields, turn: &mut Turn) {
        let f = &mut turn.findings;
        let id = data.str_or_alias("externalCallId", "callId", true, f);
        let Some(id) = self.target_call(id, None, turn) else {
            return;
        };
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        if !call.is_live() {
            turn.findings.push(findings::finding(
                findings::OUT_OF_ORDER,
                format!("CALL_ANSWERED for call {id}, which already ended"),
            ));
            return;
        }
        call.phase = CallPhase::InProgress;
        call.answered = true;
        turn.ui(call.state());
        self.record_status(&id, "IN_PROGRESS", turn);
    }

    /// CALL_ENDED and CALL_TRANSFERRED: the call leaves the user; its call object records the
    /// end status when the app gives one (CALL_COMPLETED's properties may still override it).
    pub(super) fn on_call_ended(&mut self, data: Fields, phase: CallPhase, turn: &mut Turn) {
        let f = &mut turn.findings;
        let id = data.str_or_alias("externalCallId", "callId", true, f);
        let engagement_id = data.id("engagementId", false, f);
        let status = data.one_of("callEndStatus", END_STATUSES, f);
        let Some(id) = self.target_call(id, engagement_id, turn) else {
            return;
        };
        self.check_engagement(&id, engagement_id, turn);
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        if !call.is_live() {
            turn.findings.push(findings::finding(
                findings::OUT_OF_ORDER,
                format!("call {id} had already ended"),
            ));
            return;
        }
        call.phase = phase;
        call.end_status = status.map(String::from);
        turn.ui(call.state());
        // `callEndStatus` is optional: an answered call that ends without one was completed
        // (it must not stay IN_PROGRESS); an unanswered one keeps what it had.
        let logged = status
            .map(call_object::end_status)
            .or(call.answered.then_some("COMPLETED"));
        if let Some(status) = logged {
            self.record_status(&id, status, turn);
        }
    }

    pub(super) fn record_status(&mut self, id: &str, status: &str, turn: &mut Turn) {
        let Some(call) = self.calls.get_mut(id) else {
            return;
        };
        match call.engagement_id {
            Some(engagement_id) => {
                let mut properties = Map::new();
                properties.insert("hs_call_status".into(), status.into());
                let request = StoreRequest::UpdateCall {
                    engagement_id,
                    properties,
                };
                let pending = Pending::Update {
                    engagement_id,
                    reply: false,
                };
                self.store(turn, request, pending);
            }
            None if call.create_requested => call.pending_status = Some(status.to_string()),
            None => {}
        }
    }
}
