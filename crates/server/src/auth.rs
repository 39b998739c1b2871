//! Who is calling: developer API keys (`?hapikey=`) and bearer access tokens.
//!
//! Security notes:
//! - Credentials are looked up by their SHA-256 ([`callhost_store::secret::hash`]); the
//!   plaintext is never stored or logged.
//! - A request with a wrong credential is refused even if it also carries a right one, so a
//!   client never silently runs as someone it did not mean to be.
//! - Developer endpoints take a hapikey, or a bearer token that acts for a developer account
//!   and has `developers-read` (GET) or `developers-write` (anything else).

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::Method;
use callhost_store::{secret, AccessGrant};

use crate::error::ApiError;
use crate::AppState;

const NO_CREDENTIALS: &str = "Authentication credentials not found. This API supports both API \
    Key (the hapikey query parameter) and OAuth 2.0 (an Authorization: Bearer header).";

/// A developer account, authenticated for the developer (calling settings) endpoints.
#[derive(Debug, Clone, Copy)]
pub struct Developer {
    pub account_id: i64,
}

impl FromRequestParts<AppState> for Developer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(key) = query_param(parts, "hapikey") {
            let account_id = state
                .store
                .find_developer_by_api_key(&secret::hash(&key))
                .await?
                .ok_or_else(|| ApiError::unauthenticated("The API key provided is invalid."))?;
            // A bearer token beside the key must be valid too (`bearer_grant` refuses one that
            // is not), and must not act for another developer account: either would mean the
            // client is not who it thinks it is.
            if let Some(grant) = bearer_grant(parts, state).await? {
                if grant
                    .developer_account_id
                    .is_some_and(|other| other != account_id)
                {
                    return Err(ApiError::unauthenticated(
                        "The API key and the access token act for different developer accounts.",
                    ));
                }
            }
            return Ok(Developer { account_id });
        }
        let grant = bearer_grant(parts, state)
            .await?
            .ok_or_else(|| ApiError::unauthenticated(NO_CREDENTIALS))?;
        let scope = if parts.method == Method::GET || parts.method == Method::HEAD {
            "developers-read"
        } else {
            "developers-write"
        };
        match grant.developer_account_id {
            Some(account_id) if grant.has_scope(scope) => Ok(Developer { account_id }),
            _ => Err(ApiError::missing_scopes(&[scope])),
        }
    }
}

/// A portal user, authenticated by a bearer token.
#[derive(Debug, Clone)]
pub struct PortalAccess(pub AccessGrant);

impl FromRequestParts<AppState> for PortalAccess {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        bearer_grant(parts, state)
            .await?
            .map(PortalAccess)
            .ok_or_else(|| ApiError::unauthenticated(NO_CREDENTIALS))
    }
}

/// The grant of the request's bearer token, once a layer before the handler looked it up
/// (the rate limiter): kept in the request's extensions so the handler does not look it up
/// again. Only a layer that read this request's own Authorization header inserts it.
#[derive(Debug, Clone)]
pub(crate) struct KnownGrant(pub AccessGrant);

/// The grant of the request's bearer token; `None` without an Authorization header.
pub(crate) async fn bearer_grant(
    parts: &Parts,
    state: &AppState,
) -> Result<Option<AccessGrant>, ApiError> {
    if let Some(KnownGrant(grant)) = parts.extensions.get::<KnownGrant>() {
        return Ok(Some(grant.clone()));
    }
    let Some(header) = parts.headers.get(AUTHORIZATION) else {
        return Ok(None);
    };
    let token = header
        .to_str()
        .ok()
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::unauthenticated("The Authorization header must be \"Bearer <token>\".")
        })?;
    let hash = secret::hash(token);
    if let Some(grant) = state.store.find_access_token(&hash).await? {
        return Ok(Some(grant));
    }
    // An OAuth token that expired is told apart, as HubSpot does, so that a backend knows
    // to refresh rather than to reinstall.
    if let Some(expired) = state.store.find_oauth_access_token(&hash).await? {
        let ago = (callhost_store::now() - expired.expires_at)
            .num_seconds()
            .max(0);
        return Err(ApiError::expired(ago));
    }
    Err(ApiError::unauthenticated(
        "The access token provided is invalid or has expired.",
    ))
}

/// The first value of a query parameter, decoded.
pub(crate) fn query_param(parts: &Parts, name: &str) -> Option<String> {
    let query = parts.uri.query()?;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}
