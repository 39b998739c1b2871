//! The end of a call (CALL_COMPLETED, FINALIZE_ENGAGEMENT) and every store result.
//!
//! Each store request the engine makes is answered exactly once through [`Session::handle`]
//! with `Input::Done`; this module turns those results into the replies docs/protocol.md#host-to-app-messages lists. A
//! result of the wrong kind is treated as a failure, so an app always hears back. Every
//! successful write to a call object (create, update, finalize) is also announced to the page
//! with one `ui:callChanged`, whether or not the app gets a reply; a failed one never is.

use serde_json::json;

use super::calls::Pending;
use super::findings;
use super::io::*;
use super::replies;
use super::session::{Session, Turn};
use super::validate::Fields;

impl Session {
    /// CALL_COMPLETED: update the engagement with the app's properties, then hide the widget
    /// unless the app says not to or the user works a call task queue (docs/protocol.md#hiding-the-widget; SDK #237).
    pub(super) fn on_call_completed(&mut self, data: Fields, turn: &mut Turn) {
        let f = &mut turn.findings;
        let id = data.str_or_alias("externalCallId", "callId", true, f);
        let given = data.id("engagementId", false, f);
        let hide = data.bool("hideWidget", f);
        let raw_properties = data.object("engagementProperties", false, f);
        let properties = raw_properties.map(|p| replies::engagement_properties(p.map, f));
        let target = self.target_call(id, given, turn);
        let mut waiting_for_engagement = false;
        if let Some(id) = &target {
            self.check_engagement(id, given, turn);
            if let Some(call) = self.calls.get_mut(id) {
                if call.phase == CallPhase::Completed {
                    turn.findings.push(findings::finding(
                        findings::OUT_OF_ORDER,
                        format!("call {id} was already completed"),
                    ));
                } else if call.is_live() {
                    turn.findings.push(findings::finding(
                        findings::OUT_OF_ORDER,
                        format!("CALL_COMPLETED for call {id} before CALL_ENDED"),
                    ));
                }
                call.phase = CallPhase::Completed;
                waiting_for_engagement = call.awaiting_engagement();
                turn.ui(call.state());
            }
        }
        let engagement_id = given.or_else(|| {
            target
                .as_deref()
                .and_then(|id| self.calls.get(id))
                .and_then(|c| c.engagement_id)
        });
        if let Some(properties) = properties {
            match (engagement_id, target.as_deref()) {
                (Some(engagement_id), _) => {
                    let request = StoreRequest::UpdateCall {
                        engagement_id,
                        properties,
                    };
                    let pending = Pending::Update {
                        engagement_id,
                        reply: true,
                    };
                    self.store(turn, request, pending);
                }
                // The engagement is still being created: update it when it exists.
                (None, Some(id)) if waiting_for_engagement => {
                    if let Some(call) = self.calls.get_mut(id) {
                        call.defer_update(properties);
                    }
                }
                (None, _) => {
                    turn.find(
                        findings::UNKNOWN_ENGAGEMENT,
                        "engagementProperties without an engagement to update \
                         (use createEngagement: true, or pass engagementId)",
                    );
                    let failure = replies::failure("no engagement to update", &[]);
                    self.post(turn, "UPDATE_ENGAGEMENT_FAILED", failure);
                }
            }
        }
        if hide != Some(false) && !self.task_queue {
            turn.ui(UiCommand::Hide);
            let data = json!({ "isMinimized": false, "isHidden": true });
            self.post(turn, "VISIBILITY_CHANGED", data);
        }
    }

    /// FINALIZE_ENGAGEMENT and the deprecated PUBLISH_TO_CHANNEL.
    pub(super) fn on_finalize(&mut self, legacy: bool, data: Fields, turn: &mut Turn) {
        let f = &mut turn.findings;
        let id = data.str_or_alias("externalCallId", "callId", false, f);
        let given = data.id("engagementId", false, f);
        let call = match id {
            Some(id) => self.calls.get(id),
            None => given.and_then(|e| self.calls.values().find(|c| c.engagement_id == Some(e))),
        };
        let engagement_id = given.or(call.and_then(|c| c.engagement_id));
        let external_call_id = id
            .map(String::from)
            .or(call.map(|c| c.external_call_id.clone()));
        let Some(engagement_id) = engagement_id else {
            turn.find(
                findings::UNKNOWN_ENGAGEMENT,
                "no engagement to finalize: pass engagementId or a known externalCallId",
            );
            let ids = [("externalCallId", json!(external_call_id))];
            let failure = replies::failure("unknown engagement", &ids);
            self.post(turn, finalize_type(legacy, false), failure);
            return;
        };
        let request = StoreRequest::FinalizeCall {
            engagement_id,
            external_call_id: external_call_id.clone(),
        };
        let pending = Pending::Finalize {
            engagement_id,
            external_call_id,
            legacy,
        };
        self.store(turn, request, pending);
    }

    pub(super) fn on_store_result(&mut self, pending: Pending, result: OpResult, turn: &mut Turn) {
        let result = match (&pending, result) {
            (_, OpResult::Failed { message }) => Err(message),
            (Pending::CreateCall { .. }, r @ OpResult::Call { .. })
            | (Pending::CallerId { .. }, r @ OpResult::Matches { .. })
            | (Pending::RecordExists { .. }, r @ OpResult::Exists { .. })
            | (Pending::Update { .. } | Pending::Finalize { .. }, r @ OpResult::Done)
            | (Pending::Update { .. } | Pending::Finalize { .. }, r @ OpResult::Call { .. }) => {
                Ok(r)
            }
            (_, other) => {
                turn.find(
                    findings::UNEXPECTED_RESULT,
                    format!("store result {other:?} does not answer {pending:?}"),
                );
                Err("unexpected store result".to_string())
            }
        };
        match pending {
            Pending::CreateCall { external_call_id } => {
                self.on_call_created(&external_call_id, result, turn)
            }
            Pending::CallerId { external_call_id } => {
                self.on_caller_id(&external_call_id, result, turn)
            }
            Pending::Update {
                engagement_id,
                reply,
            } => {
                if result.is_ok() {
                    self.call_changed(turn, engagement_id, None);
                }
                if !reply {
                    return;
                }
                match result {
                    Ok(_) => {
                        let data = json!({ "engagementId": engagement_id });
                        self.post(turn, "UPDATE_ENGAGEMENT_SUCCEEDED", data);
                    }
                    Err(message) => {
                        let ids = [("engagementId", json!(engagement_id))];
                        let failure = replies::failure(&message, &ids);
                        self.post(turn, "UPDATE_ENGAGEMENT_FAILED", failure);
                    }
                }
            }
            Pending::Finalize {
                engagement_id,
                external_call_id,
                legacy,
            } => {
                let ids = [
                    ("engagementId", json!(engagement_id)),
                    ("externalCallId", json!(external_call_id)),
                ];
                match result {
                    Ok(_) => {
                        self.call_changed(turn, engagement_id, external_call_id.clone());
                        let data = json!({
                            "engagementId": engagement_id,
                            "externalCallId": external_call_id,
                        });
                        self.post(turn, finalize_type(legacy, true), data);
                    }
                    Err(message) => {
                        let failure = replies::failure(&message, &ids);
                        self.post(turn, finalize_type(legacy, false), failure);
                    }
                }
            }
            Pending::RecordExists {
                object,
                new_tab,
                engagement_id,
                coordinates,
            } => match result {
                Ok(OpResult::Exists { exists: true }) => turn.ui(UiCommand::Navigate {
                    object_type_id: object.object_type_id,
                    object_id: object.object_id,
                    new_tab,
                }),
                Ok(_) => self.navigate_failed(turn, "record not found", engagement_id, coordinates),
                Err(message) => self.navigate_failed(turn, &message, engagement_id, coordinates),
            },
        }
    }

    fn on_call_created(&mut self, id: &str, result: Result<OpResult, String>, turn: &mut Turn) {
        let Some(call) = self.calls.get_mut(id) else {
            return;
        };
        match result {
            Ok(OpResult::Call { engagement_id }) => {
                let kept = call.set_engagement(engagement_id);
                if kept != engagement_id {
                    turn.findings.push(findings::finding(
                        findings::ENGAGEMENT_MISMATCH,
                        format!("call {id} keeps engagement {kept}, not {engagement_id}"),
                    ));
                }
                let state = call.state();
                let (status, update) = call.take_deferred();
                // The app's reply first: it is what the app waits for, and each page command
                // before it would cost the page a turn of its own first (bench/README.md,
                // "The message path").
                self.created(turn, kept);
                turn.ui(state);
                // The store's call, even when this session keeps another one (a finding above).
                turn.ui(UiCommand::CallChanged {
                    engagement_id,
                    external_call_id: Some(id.to_string()),
                });
                if let Some(status) = status {
                    self.record_status(id, &status, turn);
                }
                if let Some(properties) = update {
                    let request = StoreRequest::UpdateCall {
                        engagement_id: kept,
                        properties,
                    };
                    let pending = Pending::Update {
                        engagement_id: kept,
                        reply: true,
                    };
                    self.store(turn, request, pending);
                }
            }
            Ok(_) | Err(_) => {
                let message = match result {
                    Err(message) => message,
                    Ok(_) => "unexpected store result".to_string(),
                };
                let (_, update) = call.take_deferred();
                let ids = [("externalCallId", json!(id))];
                self.post(
                    turn,
                    "CREATE_ENGAGEMENT_FAILED",
                    replies::failure(&message, &ids),
                );
                if update.is_some() {
                    let failure = replies::failure("the engagement could not be created", &[]);
                    self.post(turn, "UPDATE_ENGAGEMENT_FAILED", failure);
                }
            }
        }
    }

    /// Tells the page that a store write changed a call object. The external id comes from
    /// the request when it had one, else from the session's call with that engagement.
    fn call_changed(&self, turn: &mut Turn, engagement_id: i64, external_call_id: Option<String>) {
        let external_call_id = external_call_id.or_else(|| {
            self.calls
                .values()
                .find(|c| c.engagement_id == Some(engagement_id))
                .map(|c| c.external_call_id.clone())
        });
        turn.ui(UiCommand::CallChanged {
            engagement_id,
            external_call_id,
        });
    }

    fn on_caller_id(&mut self, id: &str, result: Result<OpResult, String>, turn: &mut Turn) {
        match result {
            Ok(OpResult::Matches { matches }) => {
                let data = replies::caller_id_matches(&matches, self.config.portal_id);
                self.post(turn, "CALLER_ID_MATCH_SUCCEEDED", data);
                if let Some(call) = self.calls.get_mut(id) {
                    call.caller_matches = Some(matches.clone());
                    turn.ui(call.state());
                }
                if let (Some(call), Some(first)) = (self.calls.get_mut(id), matches.first()) {
                    call.associate = Some(ObjectRef {
                        object_type_id: first.object_type_id.clone(),
                        object_id: first.object_id,
                    });
                }
            }
            Ok(_) | Err(_) => {
                let message = match result {
                    Err(message) => message,
                    Ok(_) => "unexpected store result".to_string(),
                };
                self.post(
                    turn,
                    "CALLER_ID_MATCH_FAILED",
                    replies::failure(&message, &[]),
                );
            }
        }
        if let Some(call) = self.calls.get_mut(id) {
            call.caller_id_done();
        }
        self.maybe_create(id, turn);
    }
}

fn finalize_type(legacy: bool, succeeded: bool) -> &'static str {
    match (legacy, succeeded) {
        (false, true) => "FINALIZE_ENGAGEMENT_SUCCEEDED",
        (false, false) => "FINALIZE_ENGAGEMENT_FAILED",
        (true, true) => "PUBLISH_TO_CHANNEL_SUCCEEDED",
        (true, false) => "PUBLISH_TO_CHANNEL_FAILED",
    }
}
