//! The token endpoints: `POST /oauth/v1/token` and its body-only successors `/oauth/v3/token`
//! and `/oauth/2026-03/token`, all taking a form (`application/x-www-form-urlencoded`) with the
//! `authorization_code` or `refresh_token` grant, as the official clients send it.
//!
//! - authorization_code: `client_id`, `client_secret`, `redirect_uri` (the one the code was
//!   issued for), `code` (single use, [`super::CODE_TTL`]), and `code_verifier` when the
//!   install URL carried a PKCE `code_challenge` (`S256` or `plain`).
//! - refresh_token: `client_id`, `client_secret`, `refresh_token`. The refresh token stays the
//!   same, as HubSpot's do; a new access token is issued each time.
//!
//! Both answer `{access_token, refresh_token, expires_in, token_type, hub_id, user_id,
//! scopes}` with `Cache-Control: no-store`. Errors are 400s ([`TokenError`]).

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{CACHE_CONTROL, PRAGMA};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use callhost_store::oauth::{IssuedTokens, OAuthClient};
use callhost_store::{now, secret};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::error::{Shape, TokenError};
use super::{constant_time_eq, span};
use crate::error::ApiError;
use crate::extract::read_body;
use crate::AppState;

/// A token request is a few short fields; anything longer is not one.
const FORM_LIMIT: usize = 16 * 1024;

/// `POST /oauth/v1/token`.
#[utoipa::path(post, path = "/oauth/v1/token", tag = "OAuth", operation_id = "create_token",
    request_body(content = super::openapi::TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, body = super::openapi::TokenResponse),
        (status = 400, body = super::openapi::TokenErrorV1)))]
pub async fn create_token_v1(State(state): State<AppState>, request: Request) -> Response {
    create_token(state, request.into_body(), Shape::V1).await
}

/// `POST /oauth/v3/token` and `POST /oauth/2026-03/token`.
#[utoipa::path(post, path = "/oauth/v3/token", tag = "OAuth", operation_id = "create_token_v3",
    request_body(content = super::openapi::TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, body = super::openapi::TokenResponse),
        (status = 400, body = crate::error::ErrorBody)))]
pub async fn create_token_v3(State(state): State<AppState>, request: Request) -> Response {
    create_token(state, request.into_body(), Shape::Standard).await
}

/// The fields of a token request; a field sent twice keeps its first value.
#[derive(Debug, Default)]
pub(crate) struct Form(Vec<(String, String)>);

impl Form {
    pub(crate) async fn read(body: Body) -> Result<Self, ApiError> {
        let bytes = read_body(body, FORM_LIMIT).await?;
        Ok(Self(
            url::form_urlencoded::parse(&bytes)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        ))
    }

    /// The field's value; an empty value counts as absent.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.raw(name).filter(|v| !v.is_empty())
    }

    /// The field's value as sent, empty or not.
    pub(crate) fn raw(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

async fn create_token(state: AppState, body: Body, shape: Shape) -> Response {
    let form = match Form::read(body).await {
        Ok(form) => form,
        Err(err) => return err.into_response(),
    };
    match exchange(&state, &form).await {
        Ok(Ok(tokens)) => no_store(Json(tokens).into_response()),
        Ok(Err(refused)) => refused.into_response(shape),
        Err(err) => err.into_response(),
    }
}

/// The answer's headers: tokens must not be cached on the way (RFC 6749, 5.1).
fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// The app whose credentials the form carries, or why not.
pub(crate) async fn authenticate_client(
    state: &AppState,
    form: &Form,
) -> Result<Result<OAuthClient, TokenError>, ApiError> {
    let Some(client_id) = form.get("client_id") else {
        return Ok(Err(TokenError::BadClientId));
    };
    let Some((client, digest)) = state.store.find_oauth_client(client_id).await? else {
        return Ok(Err(TokenError::BadClientId));
    };
    let offered = secret::hash(form.get("client_secret").unwrap_or_default());
    if !constant_time_eq(&offered, &digest) {
        return Ok(Err(TokenError::BadClientSecret));
    }
    Ok(Ok(client))
}

/// Checks the request and issues tokens. The outer error is callhost's (a 500), the inner the
/// request's.
async fn exchange(
    state: &AppState,
    form: &Form,
) -> Result<Result<serde_json::Value, TokenError>, ApiError> {
    let grant_type = form.get("grant_type");
    if !matches!(grant_type, Some("authorization_code" | "refresh_token")) {
        return Ok(Err(TokenError::BadGrantType));
    }
    let client = match authenticate_client(state, form).await? {
        Ok(client) => client,
        Err(refused) => return Ok(Err(refused)),
    };
    let access_token = secret::generate("coa-");
    let expires_at = now() + span(state.token_ttl);
    let (portal_id, user_id, scopes, refresh_token, new_refresh) =
        if grant_type == Some("authorization_code") {
            let Some(code) = form.get("code") else {
                return Ok(Err(TokenError::BadAuthCode));
            };
            // Taken (deleted) before anything else is checked: a code is tried once.
            let Some(code) = state.store.take_oauth_code(&secret::hash(code)).await? else {
                return Ok(Err(TokenError::BadAuthCode));
            };
            if code.app_id != client.app_id || code.expires_at <= now() {
                return Ok(Err(TokenError::BadAuthCode));
            }
            if form.get("redirect_uri") != Some(code.redirect_uri.as_str()) {
                return Ok(Err(TokenError::BadRedirectUri));
            }
            if let Some(challenge) = &code.code_challenge {
                let method = code.code_challenge_method.as_deref().unwrap_or("plain");
                if !pkce_matches(challenge, method, form.get("code_verifier")) {
                    return Ok(Err(TokenError::BadCodeVerifier));
                }
            }
            let refresh = secret::generate("cor-");
            (code.portal_id, code.user_id, code.scopes, refresh, true)
        } else {
            let Some(refresh) = form.get("refresh_token") else {
                return Ok(Err(TokenError::BadRefreshToken));
            };
            let Some(grant) = state
                .store
                .find_refresh_token(&secret::hash(refresh))
                .await?
            else {
                return Ok(Err(TokenError::BadRefreshToken));
            };
            if grant.app_id != client.app_id {
                return Ok(Err(TokenError::BadRefreshToken));
            }
            (
                grant.portal_id,
                grant.user_id,
                grant.scopes,
                refresh.to_owned(),
                false,
            )
        };
    let refresh_hash = secret::hash(&refresh_token);
    state
        .store
        .issue_oauth_tokens(&IssuedTokens {
            app_id: client.app_id,
            portal_id,
            user_id,
            scopes: &scopes,
            access_token_hash: &secret::hash(&access_token),
            access_expires_at: expires_at,
            refresh_token_hash: new_refresh.then_some(refresh_hash.as_str()),
        })
        .await?;
    tracing::info!(
        app.id = client.app_id,
        portal.id = portal_id,
        user.id = user_id,
        "issued an OAuth access token"
    );
    Ok(Ok(json!({
        "token_type": "bearer",
        "access_token": access_token,
        "refresh_token": refresh_token,
        "expires_in": state.token_ttl.as_secs(),
        "hub_id": portal_id,
        "user_id": user_id,
        "scopes": scopes,
    })))
}

/// PKCE (RFC 7636): the verifier must hash (`S256`) or equal (`plain`) to the challenge.
fn pkce_matches(challenge: &str, method: &str, verifier: Option<&str>) -> bool {
    let Some(verifier) = verifier else {
        return false;
    };
    let expected = match method {
        "S256" => base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(Sha256::digest(verifier.as_bytes())),
        "plain" => verifier.to_owned(),
        _ => return false,
    };
    constant_time_eq(&expected, challenge)
}

#[cfg(test)]
mod tests {
    use super::pkce_matches;

    #[test]
    fn pkce_s256_matches_rfc_7636s_example() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(!pkce_matches(challenge, "S256", Some("wrong")));
        assert!(!pkce_matches(challenge, "S256", None));
        assert!(pkce_matches("same", "plain", Some("same")));
        assert!(!pkce_matches(challenge, "S512", Some(verifier)));
        assert!(pkce_matches(challenge, "S256", Some(verifier)));
    }
}
