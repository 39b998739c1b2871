//! The portal admin's API for its installed apps: the list, and each app's client secret
//! (which signs the webhooks callhost sends to the app), shown and rotated. The page is
//! `/settings/{portalId}/apps` (the host shell); the CLI's `callhost app secret` uses the same
//! store methods.
//!
//! Routes (host origin, signed-in host user; the portal is the user's portal):
//! - `GET /host/api/apps` → `{"apps":[{"appId","name"}]}`: every app installed in the portal,
//!   named by its calling settings (`name: null` without them).
//! - `GET /host/api/apps/{appId}/secret` → `{"appId","clientSecret"}` (made on first need).
//! - `POST /host/api/apps/{appId}/secret/rotate` → the same with a new secret; the old one
//!   stops signing at once.
//!
//! Security: an app not installed in the user's portal is a 404, as if it did not exist.
//! Answers carrying a secret are `Cache-Control: no-store`. The rotation changes state, so,
//! like every write to the host's API, it only accepts requests whose `Origin` is the host's
//! own ([`crate::host::signin::require_same_origin_writes`]).

use axum::extract::State;
use axum::http::header::CACHE_CONTROL;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult};
use crate::extract::AppId;
use crate::host::apps;
use crate::host::signin::HostUser;
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/host/api/apps", get(list_apps))
        .route("/host/api/apps/{app_id}/secret", get(show_secret))
        .route("/host/api/apps/{app_id}/secret/rotate", post(rotate_secret))
}

async fn list_apps(State(state): State<AppState>, user: HostUser) -> ApiResult<Json<Value>> {
    let apps: Vec<Value> = apps::installed_with_names(&state, user.grant.portal_id)
        .await?
        .into_iter()
        .map(|(app_id, name)| json!({"appId": app_id, "name": name}))
        .collect();
    Ok(Json(json!({ "apps": apps })))
}

async fn show_secret(
    State(state): State<AppState>,
    user: HostUser,
    AppId(app_id): AppId,
) -> ApiResult<Response> {
    apps::require_installed(&state, user.grant.portal_id, app_id).await?;
    let secret = state.store.client_secret(app_id).await?;
    secret_response(app_id, secret)
}

async fn rotate_secret(
    State(state): State<AppState>,
    user: HostUser,
    AppId(app_id): AppId,
) -> ApiResult<Response> {
    apps::require_installed(&state, user.grant.portal_id, app_id).await?;
    let secret = state.store.rotate_client_secret(app_id).await?;
    tracing::info!(
        app.id = app_id,
        portal.id = user.grant.portal_id,
        "client secret rotated"
    );
    secret_response(app_id, secret)
}

fn secret_response(app_id: i64, secret: Option<String>) -> ApiResult<Response> {
    // An installed app exists, so the store always has a secret for it.
    let secret = secret.ok_or_else(ApiError::internal)?;
    let mut response = Json(json!({"appId": app_id, "clientSecret": secret})).into_response();
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
