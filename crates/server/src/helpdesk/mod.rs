//! The help desk, host side: the phone numbers an app offers for a help-desk channel (here),
//! inboxes and connected numbers ([`channels`]), and tickets made from calls ([`tickets`]).
//!
//! `GET /host/api/channels/{appId}/numbers[?override=1]` (host session cookie): when the app,
//! installed in the user's portal, has channel-connection settings with `isReady` (or the
//! page sends `override=1` because `LocalSettings:Calling:supportsChannelConnection` is
//! true), POSTs `{appId, portalId, userId}` to the settings URL, signed with the app's client
//! secret (v3 with `X-HubSpot-Request-Timestamp`, and v2), and answers
//! `{"numbers": [...]}` ([`numbers`]).
//!
//! Failures of the app's webhook (not configured, not ready, refused address, timeout,
//! non-2xx, invalid JSON, wrong shape) are not failures of this request: they answer 200
//! with `{"numbers": [], "error": {"code", "message"}}`, the message written for the admin,
//! and are logged. HubSpot-shaped 4xx errors are kept for the request itself (not signed in,
//! a malformed app id, an app not installed in the portal).

pub mod channels;
pub mod numbers;
pub mod tickets;

use axum::extract::{RawQuery, State};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use callhost_store::AccessGrant;
use reqwest::Method;
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult};
use crate::extract::AppId;
use crate::host::signin::HostUser;
use crate::webhooks::WebhookRequest;
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/host/api/channels/{app_id}/numbers", get(list_numbers))
        .route("/host/api/helpdesk/apps", get(channels::list_apps))
        .route(
            "/host/api/helpdesk/inboxes",
            get(channels::list_inboxes).post(channels::create_inbox),
        )
        .route(
            "/host/api/helpdesk/channels",
            post(channels::connect_numbers),
        )
        .route(
            "/host/api/helpdesk/channels/{id}",
            delete(channels::disconnect_number),
        )
        .route("/host/api/helpdesk/tickets", get(tickets::list_tickets))
}

/// Why the app's webhook gave no list of numbers: a stable `code` and a message for the admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookFailure {
    pub code: String,
    pub message: String,
}

async fn list_numbers(
    State(state): State<AppState>,
    user: HostUser,
    AppId(app_id): AppId,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    match offered_numbers(&state, &user.grant, app_id, overridden(query.as_deref())).await? {
        Ok(numbers) => Ok(Json(json!({ "numbers": numbers }))),
        Err(failure) => Ok(Json(json!({
            "numbers": [],
            "error": { "code": failure.code, "message": failure.message },
        }))),
    }
}

/// Asks the app's channel-connection webhook which numbers it offers to the user of `grant`
/// (404 when the app is not installed in the portal). A webhook that gives no usable list is
/// the inner `Err`, logged here.
pub async fn offered_numbers(
    state: &AppState,
    grant: &AccessGrant,
    app_id: i64,
    overridden: bool,
) -> ApiResult<Result<Vec<numbers::PhoneNumber>, WebhookFailure>> {
    let portal_id = grant.portal_id;
    crate::host::apps::require_installed(state, portal_id, app_id).await?;
    let Some(settings) = state.store.get_channel_connection_settings(app_id).await? else {
        return Ok(Err(failure(
            app_id,
            portal_id,
            "NOT_CONFIGURED",
            format!(
                "App {app_id} has no channel-connection settings: its developer registers the \
                 webhook with POST /crm/v3/extensions/calling/{app_id}/settings/channel-connection."
            ),
        )));
    };
    if !settings.is_ready && !overridden {
        return Ok(Err(failure(
            app_id,
            portal_id,
            "NOT_READY",
            format!(
                "App {app_id}'s channel connection is not released (isReady is false). To test \
                 it, set LocalSettings:Calling:supportsChannelConnection to true in localStorage."
            ),
        )));
    }
    let secret = state
        .store
        .client_secret(app_id)
        .await?
        .ok_or_else(ApiError::internal)?;
    let body = serde_json::to_vec(&json!({
        "appId": app_id,
        "portalId": portal_id,
        "userId": grant.user_id,
    }))
    .map_err(|_| ApiError::internal())?;
    let request = WebhookRequest {
        method: Method::POST,
        url: &settings.url,
        body: Some(body),
        secret: &secret,
    };
    let answer = match state.webhooks.json(request).await {
        Ok(answer) => answer,
        Err(err) => return Ok(Err(failure(app_id, portal_id, err.code(), err.to_string()))),
    };
    match numbers::parse(&answer) {
        Ok(numbers) => {
            tracing::info!(
                app.id = app_id,
                portal.id = portal_id,
                numbers.count = numbers.len(),
                "channel-connection webhook answered"
            );
            Ok(Ok(numbers))
        }
        Err(numbers::WrongShape(why)) => Ok(Err(failure(
            app_id,
            portal_id,
            "WRONG_SHAPE",
            format!(
                "The webhook's answer is not a list of phone numbers: {why} \
                 (expected {{\"phoneNumbers\": [{{\"e164PhoneNumber\": ...}}]}})."
            ),
        ))),
    }
}

/// `override=1` (or `true`): the page's localStorage override of `isReady`.
fn overridden(query: Option<&str>) -> bool {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .any(|(k, v)| k == "override" && (v == "1" || v == "true"))
}

/// A webhook that gave no numbers, logged once here.
fn failure(app_id: i64, portal_id: i64, code: &str, message: String) -> WebhookFailure {
    tracing::warn!(
        app.id = app_id,
        portal.id = portal_id,
        error.code = code,
        error.message = %message,
        "channel-connection webhook failed"
    );
    WebhookFailure {
        code: code.to_owned(),
        message,
    }
}
