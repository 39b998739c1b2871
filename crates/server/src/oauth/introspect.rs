//! What a token is: `GET /oauth/v1/access-tokens/{token}` and
//! `GET|DELETE /oauth/v1/refresh-tokens/{token}` (the v1 metadata endpoints the official
//! clients call), and `POST /oauth/2026-03/token/introspect` (RFC 7662's shape, with the
//! client's credentials in the form).
//!
//! The v1 endpoints take no credentials, as HubSpot's do: the token in the path is the secret.
//! They only know OAuth tokens; a development or host token is a 404 here.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use callhost_store::{now, secret};
use serde_json::{json, Value};

use super::error::Shape;
use super::token::{authenticate_client, Form};
use crate::error::{ApiError, ApiResult};
use crate::extract::Segment;
use crate::AppState;

/// The email and the portal's name of the token's user, as `user` and `hub_domain`.
async fn who(state: &AppState, portal_id: i64, user_id: i64) -> ApiResult<(Value, Value)> {
    let user = state.store.get_user(portal_id, user_id).await?;
    let portal = state.store.get_portal(portal_id).await?;
    Ok((json!(user.map(|u| u.email)), json!(portal.map(|p| p.name))))
}

/// `GET /oauth/v1/access-tokens/{token}`: the token's portal, user, app, scopes and seconds
/// left. An expired token is a 401 `EXPIRED_AUTHENTICATION`, an unknown one a 404.
#[utoipa::path(get, path = "/oauth/v1/access-tokens/{token}", tag = "OAuth", operation_id = "get_access_token",
    params(("token" = String, Path, description = "The access token")),
    responses((status = 200, body = super::openapi::AccessTokenInfo),
        (status = "4XX", body = crate::error::ErrorBody)))]
pub async fn get_access_token(
    State(state): State<AppState>,
    Segment(token): Segment,
) -> ApiResult<Json<Value>> {
    let found = state
        .store
        .find_oauth_access_token(&secret::hash(&token))
        .await?
        .ok_or_else(|| ApiError::not_found("The access token does not exist."))?;
    let left = (found.expires_at - now()).num_seconds();
    if left <= 0 {
        return Err(ApiError::expired(-left));
    }
    let (user, hub_domain) = who(&state, found.portal_id, found.user_id).await?;
    Ok(Json(json!({
        "token": token,
        "user": user,
        "hub_domain": hub_domain,
        "scopes": found.scopes,
        "hub_id": found.portal_id,
        "app_id": found.app_id,
        "expires_in": left,
        "user_id": found.user_id,
        "token_type": "access",
    })))
}

/// `GET /oauth/v1/refresh-tokens/{token}`.
#[utoipa::path(get, path = "/oauth/v1/refresh-tokens/{token}", tag = "OAuth", operation_id = "get_refresh_token",
    params(("token" = String, Path, description = "The refresh token")),
    responses((status = 200, body = super::openapi::RefreshTokenInfo),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_refresh_token(
    State(state): State<AppState>,
    Segment(token): Segment,
) -> ApiResult<Json<Value>> {
    let grant = state
        .store
        .find_refresh_token(&secret::hash(&token))
        .await?
        .ok_or_else(|| ApiError::not_found("The refresh token does not exist."))?;
    let client = state.store.get_oauth_client(grant.app_id).await?;
    let (user, hub_domain) = who(&state, grant.portal_id, grant.user_id).await?;
    Ok(Json(json!({
        "token": token,
        "user": user,
        "hub_domain": hub_domain,
        "scopes": grant.scopes,
        "hub_id": grant.portal_id,
        "client_id": client.map(|c| c.client_id),
        "user_id": grant.user_id,
        "token_type": "refresh",
    })))
}

/// `DELETE /oauth/v1/refresh-tokens/{token}`: 204; the access tokens issued with it run out
/// in their time, as HubSpot's do.
#[utoipa::path(delete, path = "/oauth/v1/refresh-tokens/{token}", tag = "OAuth", operation_id = "archive_refresh_token",
    params(("token" = String, Path, description = "The refresh token")),
    responses((status = 204, description = "Revoked"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn delete_refresh_token(
    State(state): State<AppState>,
    Segment(token): Segment,
) -> ApiResult<StatusCode> {
    if state
        .store
        .delete_refresh_token(&secret::hash(&token))
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("The refresh token does not exist."))
    }
}

/// `POST /oauth/2026-03/token/introspect` (form: `client_id`, `client_secret`, `token`,
/// `token_type_hint`): `{"active": false}` for a token that is unknown, expired or another
/// app's; otherwise `active` with the token's client, portal, user, scopes and expiry.
#[utoipa::path(post, path = "/oauth/2026-03/token/introspect", tag = "OAuth", operation_id = "introspect_token",
    request_body(content = super::openapi::IntrospectRequest, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, body = super::openapi::IntrospectResponse),
        (status = 400, body = crate::error::ErrorBody)))]
pub async fn introspect_token(State(state): State<AppState>, request: Request) -> Response {
    match introspect(&state, request).await {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

async fn introspect(state: &AppState, request: Request) -> ApiResult<Response> {
    let form = Form::read(request.into_body()).await?;
    let client = match authenticate_client(state, &form).await? {
        Ok(client) => client,
        Err(refused) => return Ok(refused.into_response(Shape::Standard)),
    };
    let hash = secret::hash(form.get("token").unwrap_or_default());
    let inactive = || Ok(Json(json!({"active": false})).into_response());
    let access = state.store.find_oauth_access_token(&hash).await?;
    if let Some(found) = access.filter(|t| t.app_id == client.app_id) {
        if found.expires_at <= now() {
            return inactive();
        }
        return Ok(Json(json!({
            "active": true,
            "token_type": "access_token",
            "client_id": client.client_id,
            "app_id": client.app_id,
            "hub_id": found.portal_id,
            "user_id": found.user_id,
            "scope": found.scopes.join(" "),
            "exp": found.expires_at.timestamp(),
        }))
        .into_response());
    }
    let refresh = state.store.find_refresh_token(&hash).await?;
    match refresh.filter(|t| t.app_id == client.app_id) {
        Some(grant) => Ok(Json(json!({
            "active": true,
            "token_type": "refresh_token",
            "client_id": client.client_id,
            "app_id": client.app_id,
            "hub_id": grant.portal_id,
            "user_id": grant.user_id,
            "scope": grant.scopes.join(" "),
            "iat": grant.created_at.timestamp(),
        }))
        .into_response()),
        None => inactive(),
    }
}
