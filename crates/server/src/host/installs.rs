//! The portal's installs as the Apps page shows them, and uninstalling
//! (docs/oauth.md#installs).
//!
//! Routes (host origin, signed-in host user; the portal is the user's portal):
//! - `GET /host/api/installs` → `{"canInstall", "why", "apps": [{"appId", "name", "scopes",
//!   "installedAt"}]}`: every installed app, with the scopes its install granted (`null` for
//!   an install made without OAuth), and whether this user may uninstall (a super admin).
//! - `DELETE /host/api/apps/{appId}` → 204: revokes every token and code of the app in this
//!   portal and removes the install, so the app leaves the provider switcher and the help
//!   desk at once. 403 for a user who is not a super admin, 404 for an app not installed.
//!
//! Like every write to the host's API, the DELETE only accepts the host's own `Origin`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use callhost_store::User;
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult};
use crate::extract::AppId;
use crate::host::signin::HostUser;
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/host/api/installs", get(list_installs))
        .route("/host/api/apps/{app_id}", delete(uninstall_app))
}

/// Why `user` may not install or uninstall, or `None` when they may.
pub fn why_not_admin(user: Option<&User>) -> Option<&'static str> {
    match user {
        Some(user) if user.super_admin => None,
        _ => Some(
            "Only super admins may install and uninstall apps. Ask a super admin of this portal.",
        ),
    }
}

async fn list_installs(State(state): State<AppState>, host: HostUser) -> ApiResult<Json<Value>> {
    let portal_id = host.grant.portal_id;
    let user = state.store.get_user(portal_id, host.grant.user_id).await?;
    let mut apps = Vec::new();
    for install in state.store.list_installs(portal_id).await? {
        let settings_name = state
            .store
            .get_calling_settings(install.app_id)
            .await?
            .map(|s| s.fields.name);
        let name = match settings_name {
            Some(name) => Some(name),
            None => state
                .store
                .get_oauth_client(install.app_id)
                .await?
                .map(|c| c.name),
        };
        apps.push(json!({
            "appId": install.app_id,
            "name": name,
            "scopes": install.scopes,
            "installedAt": crate::time::format(&install.created_at),
        }));
    }
    let why = why_not_admin(user.as_ref());
    Ok(Json(
        json!({"canInstall": why.is_none(), "why": why, "apps": apps}),
    ))
}

async fn uninstall_app(
    State(state): State<AppState>,
    host: HostUser,
    AppId(app_id): AppId,
) -> ApiResult<StatusCode> {
    let portal_id = host.grant.portal_id;
    let user = state.store.get_user(portal_id, host.grant.user_id).await?;
    if let Some(why) = why_not_admin(user.as_ref()) {
        return Err(ApiError::forbidden(why));
    }
    if !state.store.uninstall_app(portal_id, app_id).await? {
        return Err(ApiError::not_found(format!(
            "App {app_id} is not installed in portal {portal_id}."
        )));
    }
    tracing::info!(app.id = app_id, portal.id = portal_id, "app uninstalled");
    Ok(StatusCode::NO_CONTENT)
}
