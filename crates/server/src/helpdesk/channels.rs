//! Inboxes and connected numbers (channels), for the help-desk page.
//!
//! Connecting asks the app's webhook again, server side: the page's list may be stale, and
//! the server must not take the page's word for what the app offers. Every requested number
//! must be offered, valid, selectable and not connected in the portal; otherwise nothing is
//! connected and each refused number is named (the store writes all of them in one
//! transaction, and re-checks "not connected" there).

use std::collections::BTreeSet;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use callhost_store::helpdesk::{Channel, Connected, Inbox, NewChannel};
use callhost_store::now;
use serde_json::{json, Value};

use super::numbers::PhoneNumber;
use super::offered_numbers;
use crate::crm::limits::{distinct, MAX_NUMBERS};
use crate::domain::without_credentials;
use crate::error::{ApiError, ApiResult, ErrorDetail, StoreRemap};
use crate::extract::{JsonObject, Segment};
use crate::fields::Fields;
use crate::host::apps::{self, require_installed};
use crate::host::signin::HostUser;
use crate::AppState;

/// The inbox a portal gets when it has none.
pub const DEFAULT_INBOX: &str = "Support";
/// The longest inbox name, in characters.
pub const INBOX_NAME_LIMIT: usize = 100;

/// `GET /host/api/helpdesk/apps`: the portal's installed apps and their channel-connection
/// settings, so the page can grey out the apps that are not ready.
pub async fn list_apps(State(state): State<AppState>, user: HostUser) -> ApiResult<Json<Value>> {
    let mut apps = Vec::new();
    for (app_id, name) in apps::installed_with_names(&state, user.grant.portal_id).await? {
        let name = name.unwrap_or_else(|| format!("App {app_id}"));
        let connection = state
            .store
            .get_channel_connection_settings(app_id)
            .await?
            .map(|s| json!({"url": without_credentials(&s.url), "isReady": s.is_ready}));
        apps.push(json!({"appId": app_id, "name": name, "channelConnection": connection}));
    }
    Ok(Json(json!({ "apps": apps })))
}

pub fn channel_json(channel: &Channel) -> Value {
    json!({
        "id": channel.id,
        "inboxId": channel.inbox_id,
        "appId": channel.app_id,
        "appName": channel.app_name,
        "e164PhoneNumber": channel.e164,
        "friendlyName": channel.friendly_name,
        "connectedAt": crate::time::format(&channel.connected_at),
    })
}

fn inbox_json(inbox: &Inbox) -> Value {
    let channels: Vec<Value> = inbox.channels.iter().map(channel_json).collect();
    json!({"id": inbox.id, "name": inbox.name, "channels": channels})
}

/// `GET /host/api/helpdesk/inboxes`.
pub async fn list_inboxes(State(state): State<AppState>, user: HostUser) -> ApiResult<Json<Value>> {
    let inboxes = state
        .store
        .list_inboxes(user.grant.portal_id, DEFAULT_INBOX, now())
        .await?;
    let inboxes: Vec<Value> = inboxes.iter().map(inbox_json).collect();
    Ok(Json(json!({ "inboxes": inboxes })))
}

fn invalid_name(message: String) -> ApiError {
    ApiError::validation(
        format!("Invalid inbox: {message}."),
        vec![ErrorDetail::field("name", "INVALID_NAME", message)],
    )
}

/// `POST /host/api/helpdesk/inboxes` `{"name"}`: 201 with the new inbox.
pub async fn create_inbox(
    State(state): State<AppState>,
    user: HostUser,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let mut fields = Fields::new(&body);
    let name = fields.string("name");
    let name = fields.required("name", name);
    fields.finish("inbox")?;
    let name = name.ok_or_else(ApiError::internal)?.trim();
    if name.is_empty() {
        return Err(invalid_name("name must not be empty".into()));
    }
    if name.chars().count() > INBOX_NAME_LIMIT {
        return Err(invalid_name(format!(
            "name must be at most {INBOX_NAME_LIMIT} characters"
        )));
    }
    // Read first so that the portal's default inbox exists before a new one is added.
    state
        .store
        .list_inboxes(user.grant.portal_id, DEFAULT_INBOX, now())
        .await?;
    let inbox = state
        .store
        .create_inbox(user.grant.portal_id, name, now())
        .await
        .on_duplicate(|_| {
            ApiError::validation(
                format!("Invalid inbox: an inbox named {name:?} already exists."),
                vec![ErrorDetail::field(
                    "name",
                    "DUPLICATE_NAME",
                    format!("An inbox named {name:?} already exists"),
                )],
            )
        })?;
    Ok((StatusCode::CREATED, Json(inbox_json(&inbox))).into_response())
}

/// The checked body of a connect request.
struct ConnectRequest {
    inbox_id: i64,
    app_id: i64,
    numbers: Vec<String>,
    overridden: bool,
}

fn parse_connect(body: &serde_json::Map<String, Value>) -> ApiResult<ConnectRequest> {
    let mut fields = Fields::new(body);
    let inbox_id = fields.integer("inboxId", 1..=i64::MAX);
    let inbox_id = fields.required("inboxId", inbox_id);
    let app_id = fields.integer("appId", 1..=i64::MAX);
    let app_id = fields.required("appId", app_id);
    let overridden = fields.boolean("override").unwrap_or(false);
    let numbers = match body.get("numbers") {
        Some(Value::Array(items)) if !items.is_empty() => {
            let strings: Option<Vec<String>> = items
                .iter()
                .map(|v| v.as_str().map(|s| s.trim().to_owned()))
                .collect();
            let checked = strings.ok_or_else(|| "numbers must be strings".to_owned());
            // Without repeats, and bounded (docs/rest-api.md#list-limits).
            fields
                .check("numbers", "INVALID_TYPE", checked)
                .and_then(|numbers| {
                    let unique = distinct(numbers, "numbers", MAX_NUMBERS).map_err(|_| {
                        format!("at most {MAX_NUMBERS} numbers can be connected at once")
                    });
                    fields.check("numbers", "TOO_MANY_VALUES", unique)
                })
        }
        Some(Value::Array(_)) => fields.check(
            "numbers",
            "REQUIRED",
            Err("numbers must name at least one number".to_owned()),
        ),
        Some(Value::Null) | None => fields.required("numbers", None),
        Some(_) => fields.check(
            "numbers",
            "INVALID_TYPE",
            Err("numbers must be an array of strings".to_owned()),
        ),
    };
    fields.finish("channel connection")?;
    let missing = ApiError::internal;
    // One number asked twice is connected once.
    let mut seen = BTreeSet::new();
    let numbers = numbers
        .ok_or_else(missing)?
        .into_iter()
        .filter(|n| seen.insert(n.clone()))
        .collect();
    Ok(ConnectRequest {
        inbox_id: inbox_id.ok_or_else(missing)?,
        app_id: app_id.ok_or_else(missing)?,
        numbers,
        overridden,
    })
}

/// Why `number` cannot be connected, given what the app offered; `None` when it can.
fn refusal(number: &str, offered: &[PhoneNumber]) -> Option<(&'static str, String)> {
    let entries: Vec<&PhoneNumber> = offered
        .iter()
        .filter(|n| n.e164_phone_number.as_deref() == Some(number))
        .collect();
    if entries.is_empty() {
        return Some((
            "NOT_OFFERED",
            format!("{number} is not among the numbers the app offers"),
        ));
    }
    if entries.iter().any(|n| n.selectable) {
        return None;
    }
    if entries.iter().all(|n| !n.valid) {
        return Some((
            "INVALID",
            format!("{number} is not an E.164 number (+ and 2 to 15 digits, the first not 0)"),
        ));
    }
    Some((
        "HAS_EXTENSION",
        format!("{number} has an extension; numbers with an extension can't be connected"),
    ))
}

fn refused(errors: Vec<ErrorDetail>) -> ApiError {
    let list: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
    ApiError::validation(
        format!("No number was connected: {}.", list.join("; ")),
        errors,
    )
}

/// `POST /host/api/helpdesk/channels`: connects the numbers, all or none; 201 with them.
pub async fn connect_numbers(
    State(state): State<AppState>,
    user: HostUser,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let request = parse_connect(&body)?;
    let portal_id = user.grant.portal_id;
    require_installed(&state, portal_id, request.app_id).await?;
    let inboxes = state
        .store
        .list_inboxes(portal_id, DEFAULT_INBOX, now())
        .await?;
    if !inboxes.iter().any(|i| i.id == request.inbox_id) {
        return Err(unknown_inbox(request.inbox_id));
    }
    let offered =
        match offered_numbers(&state, &user.grant, request.app_id, request.overridden).await? {
            Ok(offered) => offered,
            Err(failure) => {
                return Err(ApiError::bad_gateway(
                    "WEBHOOK_FAILED",
                    &failure.code,
                    failure.message,
                ))
            }
        };
    let connected: BTreeSet<String> = inboxes
        .iter()
        .flat_map(|i| i.channels.iter().map(|c| c.e164.clone()))
        .collect();
    let mut errors = Vec::new();
    for number in &request.numbers {
        let why = refusal(number, &offered).or_else(|| {
            connected.contains(number).then(|| {
                (
                    "ALREADY_CONNECTED",
                    format!("{number} is already connected to an inbox"),
                )
            })
        });
        if let Some((code, message)) = why {
            errors.push(ErrorDetail::field(number, code, message));
        }
    }
    if !errors.is_empty() {
        return Err(refused(errors));
    }
    let numbers: Vec<NewChannel> = request
        .numbers
        .iter()
        .map(|number| NewChannel {
            e164: number.clone(),
            friendly_name: offered
                .iter()
                .find(|n| n.selectable && n.e164_phone_number.as_deref() == Some(number))
                .and_then(|n| n.friendly_name.clone()),
        })
        .collect();
    let made = state
        .store
        .connect_channels(portal_id, request.inbox_id, request.app_id, &numbers, now())
        .await?;
    match made {
        Connected::Channels(channels) => {
            tracing::info!(
                portal.id = portal_id,
                app.id = request.app_id,
                inbox.id = request.inbox_id,
                channels.count = channels.len(),
                "help-desk numbers connected"
            );
            let channels: Vec<Value> = channels.iter().map(channel_json).collect();
            Ok((StatusCode::CREATED, Json(json!({ "channels": channels }))).into_response())
        }
        Connected::UnknownInbox => Err(unknown_inbox(request.inbox_id)),
        // Connected by someone else between the check above and the store's transaction.
        Connected::AlreadyConnected(numbers) => Err(refused(
            numbers
                .iter()
                .map(|number| {
                    ErrorDetail::field(
                        number,
                        "ALREADY_CONNECTED",
                        format!("{number} is already connected to an inbox"),
                    )
                })
                .collect(),
        )),
    }
}

fn unknown_inbox(inbox_id: i64) -> ApiError {
    ApiError::not_found(format!("No inbox {inbox_id} in this portal."))
}

/// `DELETE /host/api/helpdesk/channels/{id}`: 204; the number's tickets stay.
pub async fn disconnect_number(
    State(state): State<AppState>,
    user: HostUser,
    Segment(raw): Segment,
) -> ApiResult<StatusCode> {
    let id = crate::extract::positive_id("id", &raw)?;
    if state
        .store
        .disconnect_channel(user.grant.portal_id, id)
        .await?
    {
        tracing::info!(
            portal.id = user.grant.portal_id,
            channel.id = id,
            "help-desk number disconnected"
        );
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!(
            "No connected number {id} in this portal."
        )))
    }
}
