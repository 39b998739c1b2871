//! The help desk, host side. So far: the phone numbers an app offers for a help-desk channel.
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

pub mod numbers;

use axum::extract::{RawQuery, State};
use axum::routing::get;
use axum::{Json, Router};
use reqwest::Method;
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult};
use crate::extract::AppId;
use crate::host::signin::HostUser;
use crate::webhooks::WebhookRequest;
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/host/api/channels/{app_id}/numbers", get(list_numbers))
}

async fn list_numbers(
    State(state): State<AppState>,
    user: HostUser,
    AppId(app_id): AppId,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    let portal_id = user.grant.portal_id;
    if !state
        .store
        .installed_apps(portal_id)
        .await?
        .contains(&app_id)
    {
        return Err(ApiError::not_found(format!(
            "App {app_id} is not installed in portal {portal_id}."
        )));
    }
    let Some(settings) = state.store.get_channel_connection_settings(app_id).await? else {
        return Ok(failure(
            app_id,
            portal_id,
            "NOT_CONFIGURED",
            format!(
                "App {app_id} has no channel-connection settings: its developer registers the \
                 webhook with POST /crm/v3/extensions/calling/{app_id}/settings/channel-connection."
            ),
        ));
    };
    if !settings.is_ready && !overridden(query.as_deref()) {
        return Ok(failure(
            app_id,
            portal_id,
            "NOT_READY",
            format!(
                "App {app_id}'s channel connection is not released (isReady is false). To test \
                 it, set LocalSettings:Calling:supportsChannelConnection to true in localStorage."
            ),
        ));
    }
    let secret = state
        .store
        .client_secret(app_id)
        .await?
        .ok_or_else(ApiError::internal)?;
    let body = serde_json::to_vec(&json!({
        "appId": app_id,
        "portalId": portal_id,
        "userId": user.grant.user_id,
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
        Err(err) => return Ok(failure(app_id, portal_id, err.code(), err.to_string())),
    };
    match numbers::parse(&answer) {
        Ok(numbers) => {
            tracing::info!(
                app.id = app_id,
                portal.id = portal_id,
                numbers.count = numbers.len(),
                "channel-connection webhook answered"
            );
            Ok(Json(json!({ "numbers": numbers })))
        }
        Err(numbers::WrongShape(why)) => Ok(failure(
            app_id,
            portal_id,
            "WRONG_SHAPE",
            format!(
                "The webhook's answer is not a list of phone numbers: {why} \
                 (expected {{\"phoneNumbers\": [{{\"e164PhoneNumber\": ...}}]}})."
            ),
        )),
    }
}

/// `override=1` (or `true`): the page's localStorage override of `isReady`.
fn overridden(query: Option<&str>) -> bool {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .any(|(k, v)| k == "override" && (v == "1" || v == "true"))
}

/// The answer for a webhook that gave no numbers, logged once here.
fn failure(app_id: i64, portal_id: i64, code: &str, message: String) -> Json<Value> {
    tracing::warn!(
        app.id = app_id,
        portal.id = portal_id,
        error.code = code,
        error.message = %message,
        "channel-connection webhook failed"
    );
    Json(json!({ "numbers": [], "error": { "code": code, "message": message } }))
}
