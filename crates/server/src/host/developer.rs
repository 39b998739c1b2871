//! The developer's side of apps, in development: creating an app with an OAuth client from
//! the host, as `callhost app create` does from the command line (docs/oauth.md#creating-an-app).
//!
//! Route (host origin): `POST /host/api/developer/apps {"name", "redirectUrls": [..],
//! "scopes": "a b", "optionalScopes": "c"}` → 201 `{"appId", "name", "clientId",
//! "clientSecret", "redirectUrls", "scopes", "optionalScopes"}`, for the development
//! developer account. Only on loopback development (`signin::is_direct_loopback`), by a
//! signed-in page of the host's own origin (the host's write rule), and with
//! `Cache-Control: no-store`: the answer carries the client secret.

use axum::extract::{Request, State};
use axum::http::header::CACHE_CONTROL;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::Value;

use crate::error::{ApiError, ApiResult, ErrorDetail};
use crate::extract::{parse_object, read_body};
use crate::host::signin::{self, HostUser};
use crate::oauth::apps::{create_app, AppDeclaration, AppError};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/host/api/developer/apps", post(create_oauth_app))
}

async fn create_oauth_app(
    State(state): State<AppState>,
    _user: HostUser,
    request: Request,
) -> ApiResult<Response> {
    let (parts, body) = request.into_parts();
    let Some(dev) = state
        .development
        .filter(|_| signin::is_direct_loopback(&parts))
    else {
        return Err(ApiError::forbidden(
            "Apps are created from the host only in development, on loopback; use `callhost app create`.",
        ));
    };
    let body = parse_object(&read_body(body, 16 * 1024).await?)?;
    let text = |name: &str| body.get(name).and_then(Value::as_str).unwrap_or_default();
    let redirect_urls = match body.get("redirectUrls") {
        Some(Value::Array(urls)) => urls
            .iter()
            .map(|u| u.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>(),
        _ => None,
    }
    .ok_or_else(|| {
        ApiError::validation(
            "redirectUrls must be an array of URLs.",
            vec![ErrorDetail::field(
                "redirectUrls",
                "INVALID_TYPE",
                "Expected an array of strings.",
            )],
        )
    })?;
    let declared = AppDeclaration {
        name: text("name").to_owned(),
        redirect_urls,
        scopes: text("scopes").to_owned(),
        optional_scopes: text("optionalScopes").to_owned(),
    };
    let created = match create_app(&state.store, dev.developer_account_id, &declared).await {
        Ok(created) => created,
        Err(AppError::Invalid(why)) => return Err(ApiError::validation(why, vec![])),
        Err(AppError::Store(err)) => return Err(err.into()),
    };
    tracing::info!(app.id = created.client.app_id, "app created from the host");
    let mut response = (StatusCode::CREATED, Json(created.to_json())).into_response();
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
