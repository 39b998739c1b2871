//! `POST /callhost/v1/sessions/{id}/actions`: act in a live session as its user would
//! (docs/automation.md#actions).
//!
//! What the user does to the app (dial, end the call, change the widget's visibility, answer
//! or decline a ringing call) becomes the same `PageInput` the page would send, handed to the
//! engine on the server side ([`widget_socket::inject`]): the engine stays the one place that
//! decides, and the page only carries out what comes back. What only the page does (open a
//! record, pick another app) is a frame to the page ([`widget_socket::instruct`]), recorded in
//! the transcript as a host entry. Each action answers with the transcript entries it caused,
//! or with a clear error before anything is done: no such session, the app is not logged in,
//! nothing is ringing, no live call.

use axum::extract::State;
use axum::Json;
use callhost_protocol::engine::{
    object_type_name, CallPhase, DialRequest, Direction, Flow, Input, LogEntry, PageInput,
    PageOutput, Session, UiCommand, UserAction,
};
use callhost_store::crm::phone;
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::gate::Caller;
use super::sessions::find;
use super::transcript::{entries_in, TranscriptPage};
use crate::error::{ApiError, ApiResult, ErrorDetail};
use crate::extract::{JsonObject, Segment};
use crate::host::widget_socket::{self, Handle};
use crate::AppState;

/// One action, by its `action` name.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(
    tag = "action",
    rename_all = "kebab-case",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum Action {
    /// Click to call: a record (`objectTypeId`, `objectId`, optionally the phone `property`)
    /// or a `phoneNumber`, dialed as the first contact or company that has it, or without a
    /// record when none has it.
    Dial {
        #[serde(default)]
        phone_number: Option<String>,
        #[serde(default)]
        object_type_id: Option<String>,
        #[serde(default)]
        #[schema(value_type = Option<String>)]
        object_id: Option<Value>,
        #[serde(default)]
        property: Option<String>,
    },
    /// The widget's End call (END_CALL to the app).
    EndCall,
    /// Minimize, hide or show the widget (VISIBILITY_CHANGED to the app).
    Visibility {
        #[serde(default)]
        is_minimized: bool,
        #[serde(default)]
        is_hidden: bool,
    },
    /// Answer the ringing inbound call: the app is brought forward, as the calling remote's
    /// Answer does; the app answers it and reports CALL_ANSWERED.
    Answer,
    /// Decline the ringing inbound call (END_CALL to the app).
    Decline,
    /// Open a record page in the host.
    Navigate {
        object_type_id: String,
        #[schema(value_type = String)]
        object_id: Value,
    },
    /// Switch the widget to another installed app, as the provider switcher does.
    SelectApp { app_id: i64 },
}

/// Acts in a session; answers with the transcript entries the action caused.
#[utoipa::path(
    post,
    path = "/callhost/v1/sessions/{id}/actions",
    tag = "Automation",
    params(("id" = String, Path, description = "The widget session's id")),
    request_body = Action,
    responses(
        (status = 200, description = "The transcript entries the action caused", body = TranscriptPage),
        (status = 400, description = "Not an action", body = crate::error::ErrorBody),
        (status = 404, description = "No such session (or not yours), no such record", body = crate::error::ErrorBody),
        (status = 409, description = "The app is not logged in, nothing is ringing, no live call", body = crate::error::ErrorBody),
    ),
    security(("developer_hapikey" = []), ("oauth2" = []))
)]
pub async fn act_in_session(
    State(state): State<AppState>,
    caller: Caller,
    Segment(id): Segment,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<TranscriptPage>> {
    let handle = find(&state, &caller, &id).await?;
    let action: Action = serde_json::from_value(Value::Object(body)).map_err(|err| {
        ApiError::validation(
            format!("Invalid action: {err}"),
            vec![ErrorDetail::field(
                "action",
                "INVALID_ACTION",
                err.to_string(),
            )],
        )
    })?;
    let seqs = match action {
        Action::Navigate {
            object_type_id,
            object_id,
        } => {
            let object_id = object_id_of(&object_id)?;
            existing(&state, handle.portal_id, &object_type_id, object_id).await?;
            let command = UiCommand::Navigate {
                object_type_id: object_type_id.clone(),
                object_id,
                new_tab: false,
            };
            let what = json!({"objectTypeId": object_type_id, "objectId": object_id});
            instruct(&state, &handle, "navigate", what, PageOutput::Ui(command)).await
        }
        Action::SelectApp { app_id } => {
            let installed = state.store.installed_apps(handle.portal_id).await?;
            if !installed.contains(&app_id) {
                return Err(ApiError::not_found(format!(
                    "App {app_id} is not installed in portal {}.",
                    handle.portal_id
                )));
            }
            let what = json!({ "appId": app_id });
            instruct(
                &state,
                &handle,
                "select-app",
                what,
                PageOutput::SelectApp { app_id },
            )
            .await
        }
        other => {
            let input = {
                let live = handle.live.lock().await;
                input_for(&state, &handle, &live.engine, other).await?
            };
            widget_socket::inject(&state, &handle.id, &handle.live, input).await
        }
    };
    Ok(Json(TranscriptPage {
        results: entries_in(&state, &handle.id, &seqs).await?,
    }))
}

/// The engine input an action is, once the session's state allows it.
async fn input_for(
    state: &AppState,
    handle: &Handle,
    engine: &Session,
    action: Action,
) -> ApiResult<Input> {
    let input = match action {
        Action::Dial {
            phone_number,
            object_type_id,
            object_id,
            property,
        } => {
            let target = match (object_type_id, object_id, phone_number) {
                (Some(type_id), Some(id), _) => Ok((type_id, object_id_of(&id)?)),
                (None, None, Some(number)) => Err(number),
                _ => {
                    return Err(ApiError::validation(
                        "A dial names a record (objectTypeId and objectId) or a phoneNumber.",
                        vec![],
                    ))
                }
            };
            ready_to_dial(engine)?;
            let request = match target {
                Ok((type_id, id)) => {
                    dial_record(state, handle.portal_id, &type_id, id, property).await?
                }
                Err(number) => dial_number(state, handle.portal_id, &number).await?,
            };
            PageInput::Dial(request)
        }
        Action::EndCall => {
            if engine.active_call().is_none() {
                return Err(ApiError::conflict("There is no live call to end."));
            }
            PageInput::User(UserAction::EndCall)
        }
        Action::Visibility {
            is_minimized,
            is_hidden,
        } => PageInput::User(match (is_hidden, is_minimized) {
            (true, _) => UserAction::Close,
            (false, true) => UserAction::Minimize,
            (false, false) => UserAction::Restore,
        }),
        Action::Answer => {
            ringing(engine)?;
            PageInput::User(UserAction::Restore)
        }
        Action::Decline => {
            ringing(engine)?;
            PageInput::User(UserAction::EndCall)
        }
        Action::Navigate { .. } | Action::SelectApp { .. } => return Err(ApiError::internal()),
    };
    Ok(input.into())
}

fn ready_to_dial(engine: &Session) -> ApiResult<()> {
    if !engine.initialized() {
        return Err(ApiError::conflict(
            "The app has not initialized yet (no INITIALIZED since it loaded); it cannot take a dial.",
        ));
    }
    if !engine.logged_in() {
        return Err(ApiError::conflict(
            "The app is logged out (no LOGGED_IN); log in to the app before dialing.",
        ));
    }
    Ok(())
}

fn ringing(engine: &Session) -> ApiResult<()> {
    let ringing = engine.active_call().is_some_and(|call| {
        call.phase == CallPhase::Ringing && call.direction == Some(Direction::Inbound)
    });
    if ringing {
        Ok(())
    } else {
        Err(ApiError::conflict(
            "Nothing is ringing: the session has no inbound call waiting to be answered.",
        ))
    }
}

/// A dial of a record's phone property (`property`, else its first phone property with a
/// value).
async fn dial_record(
    state: &AppState,
    portal_id: i64,
    object_type_id: &str,
    object_id: i64,
    property: Option<String>,
) -> ApiResult<DialRequest> {
    let object = existing(state, portal_id, object_type_id, object_id).await?;
    let candidates: Vec<&str> = match &property {
        Some(p) => vec![p.as_str()],
        None => phone::PHONE_PROPERTIES.to_vec(),
    };
    let (property, number) = candidates
        .iter()
        .find_map(|p| {
            let value = object.properties.get(*p)?;
            (!value.trim().is_empty()).then(|| ((*p).to_owned(), value.clone()))
        })
        .ok_or_else(|| {
            ApiError::validation(
                format!("Record {object_type_id} {object_id} has no phone number to dial."),
                vec![],
            )
        })?;
    let mut request = dial_request(number);
    request.object_type_id = Some(object_type_id.to_owned());
    request.object_id = Some(object_id);
    request.object_type = object_type_name(object_type_id).map(str::to_owned);
    request.property = Some(property);
    Ok(request)
}

/// A dial of a number: as the first contact or company with it, like a click on its phone,
/// else without a record.
async fn dial_number(state: &AppState, portal_id: i64, number: &str) -> ApiResult<DialRequest> {
    // Written as people write numbers (test numbers such as 555-01xx included): digits and
    // the usual punctuation, nothing else.
    let digits = number.chars().filter(char::is_ascii_digit).count();
    let plain = number
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    if !plain || !(3..=20).contains(&digits) || number.len() > 40 {
        return Err(ApiError::validation(
            format!("{number:?} is not a phone number."),
            vec![ErrorDetail::field(
                "phoneNumber",
                "INVALID_PHONE",
                "not a phone number",
            )],
        ));
    }
    let found = state
        .store
        .find_by_phone(portal_id, number, Some(phone::INDEX_REGION))
        .await?;
    let mut request = dial_request(number.to_owned());
    if let Some(object) = found.first() {
        request.property = phone::PHONE_PROPERTIES
            .iter()
            .find(|p| object.properties.contains_key(**p))
            .map(|p| (*p).to_owned());
        request.object_type = object_type_name(&object.object_type_id).map(str::to_owned);
        request.object_type_id = Some(object.object_type_id.clone());
        request.object_id = Some(object.id);
    }
    Ok(request)
}

/// A dial of `number` naming no record yet.
fn dial_request(number: String) -> DialRequest {
    let country_code = phone::normalize(&number, Some(phone::INDEX_REGION))
        .filter(|n| n.starts_with("+1"))
        .map(|_| phone::INDEX_REGION.to_owned());
    DialRequest {
        object_type_id: None,
        object_id: None,
        object_type: None,
        property: None,
        phone_number: number,
        country_code,
        timestamp_ms: chrono::Utc::now().timestamp_millis(),
    }
}

async fn existing(
    state: &AppState,
    portal_id: i64,
    object_type_id: &str,
    object_id: i64,
) -> ApiResult<callhost_store::crm::CrmObject> {
    state
        .store
        .get_objects(portal_id, object_type_id, &[object_id], false)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "No record {object_type_id} {object_id} in portal {portal_id}."
            ))
        })
}

/// An object id given as a number or a string of digits.
fn object_id_of(value: &Value) -> ApiResult<i64> {
    let id = match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    };
    id.filter(|id| *id > 0).ok_or_else(|| {
        ApiError::validation(
            "objectId must be a positive integer (a number or a string of digits).",
            vec![ErrorDetail::field(
                "objectId",
                "INVALID_ID",
                "not a positive integer",
            )],
        )
    })
}

/// Sends the page an instruction and records it as a host entry; returns its entry.
async fn instruct(
    state: &AppState,
    handle: &Handle,
    action: &str,
    what: Value,
    frame: PageOutput,
) -> Vec<usize> {
    let mut message = json!({ "kind": "automation", "action": action });
    if let (Some(message), Value::Object(what)) = (message.as_object_mut(), what) {
        message.extend(what);
    }
    let entry = LogEntry {
        flow: Flow::Host,
        message_type: None,
        message,
        findings: Vec::new(),
    };
    let seq = state.inspector.record(&handle.id, entry);
    widget_socket::instruct(state, &handle.id, &handle.live, frame).await;
    seq.into_iter().collect()
}
