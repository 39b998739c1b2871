//! Who is signed in to the host, and, in development, signing in as someone else
//! (docs/oauth.md#users).
//!
//! Routes (host origin):
//! - `GET /host/api/me` → `{"userId", "portalId", "portalName", "email", "firstName",
//!   "lastName", "superAdmin", "canSwitch"}`: the signed-in user.
//! - `GET /host/api/users` → `{"users": [{"userId", "portalId", "portalName", "email",
//!   "superAdmin"}]}`: everyone one may switch to, and
//!   `POST /host/api/session {"portalId", "userId"}` → `{"portalId", "userId"}` with a new
//!   session cookie for that user. Both only on loopback, under a direct name, with no
//!   forwarding header, as the automatic sign-in (`signin::is_direct_loopback`): a
//!   development instance belongs to whoever sits at the machine, nothing more.

use axum::extract::{Request, State};
use axum::http::header::SET_COOKIE;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult};
use crate::extract::parse_object;
use crate::host::signin::{self, HostUser};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/host/api/me", get(show_me))
        .route("/host/api/users", get(list_users))
        .route("/host/api/session", post(switch_user))
}

async fn show_me(
    State(state): State<AppState>,
    host: HostUser,
    request: Request,
) -> ApiResult<Json<Value>> {
    let (parts, _) = request.into_parts();
    let grant = &host.grant;
    let user = state
        .store
        .get_user(grant.portal_id, grant.user_id)
        .await?
        .ok_or_else(|| ApiError::unauthenticated("The signed-in user no longer exists."))?;
    let portal = state.store.get_portal(grant.portal_id).await?;
    Ok(Json(json!({
        "userId": user.id,
        "portalId": user.portal_id,
        "portalName": portal.map(|p| p.name),
        "email": user.email,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "superAdmin": user.super_admin,
        "canSwitch": signin::is_direct_loopback(&parts) && state.development.is_some(),
    })))
}

fn require_development(parts: &axum::http::request::Parts, state: &AppState) -> ApiResult<()> {
    if signin::is_direct_loopback(parts) && state.development.is_some() {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "Switching users is only for development, on loopback.",
        ))
    }
}

async fn list_users(State(state): State<AppState>, request: Request) -> ApiResult<Json<Value>> {
    let (parts, _) = request.into_parts();
    require_development(&parts, &state)?;
    let mut users = Vec::new();
    for portal in state.store.list_portals().await? {
        for user in state.store.list_users(portal.id).await? {
            users.push(json!({
                "userId": user.id,
                "portalId": portal.id,
                "portalName": portal.name,
                "email": user.email,
                "superAdmin": user.super_admin,
            }));
        }
    }
    Ok(Json(json!({ "users": users })))
}

async fn switch_user(State(state): State<AppState>, request: Request) -> ApiResult<Response> {
    let (parts, body) = request.into_parts();
    require_development(&parts, &state)?;
    let body = crate::extract::read_body(body, 4096).await?;
    let body = parse_object(&body)?;
    let id = |name: &str| body.get(name).and_then(Value::as_i64);
    let (Some(portal_id), Some(user_id)) = (id("portalId"), id("userId")) else {
        return Err(ApiError::validation(
            "portalId and userId are required numbers.",
            vec![],
        ));
    };
    let user = state
        .store
        .get_user(portal_id, user_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("No user {user_id} in portal {portal_id}.")))?;
    let (token, expires_at) = signin::mint_session(&state, user.portal_id, user.id).await?;
    tracing::info!(
        portal.id = user.portal_id,
        user.id = user.id,
        "switched user"
    );
    let (_, cookie) = signin::signed_in(user.portal_id, user.id, token, expires_at);
    let mut response = Json(json!({"portalId": user.portal_id, "userId": user.id})).into_response();
    if let Ok(cookie) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(SET_COOKIE, cookie);
    }
    Ok(response)
}
