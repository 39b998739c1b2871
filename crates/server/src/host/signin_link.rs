//! One-time sign-in links (docs/deploy.md#signing-in): where nobody is signed in
//! automatically (behind a reverse proxy, or any address but loopback), an operator makes a
//! link for a user with `callhost user sign-in`, and opening it signs that user in.
//!
//! Security:
//! - A link carries a random 256-bit code; the store keeps only its SHA-256, for
//!   [`LINK_TTL`], and its first use deletes it in the statement that reads it, so a link
//!   works once, even when two requests race for it.
//! - Opening a link mints an ordinary host session (`signin::mint_session`: 12 hours, the
//!   HttpOnly, SameSite=Strict cookie); the code itself never becomes a credential.
//! - The answer is a small page that moves on to the user's portal by itself: a navigation
//!   that came from another site (a link in a mail) does not carry a SameSite=Strict cookie,
//!   but the page's own next navigation does.

use std::time::Duration;

use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, SET_COOKIE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use callhost_protocol::object_type;
use callhost_store::{secret, Store};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{not_found, signin};
use crate::error::{ApiError, ApiResult};
use crate::extract::Query;
use crate::html::escape;
use crate::AppState;

/// How long a sign-in link works.
pub const LINK_TTL: Duration = Duration::from_secs(10 * 60);

/// A new sign-in code for the user (who must exist in the portal), and when it expires; the
/// link is `/host/signin?code={code}` on the host's public origin.
pub async fn mint(
    store: &dyn Store,
    portal_id: i64,
    user_id: i64,
) -> ApiResult<(String, DateTime<Utc>)> {
    if store.get_user(portal_id, user_id).await?.is_none() {
        return Err(ApiError::not_found(format!(
            "Portal {portal_id} has no user {user_id}."
        )));
    }
    let code = secret::generate("chl-");
    let expires_at = Utc::now() + chrono::TimeDelta::from_std(LINK_TTL).expect("ten minutes");
    store
        .add_signin_code(&secret::hash(&code), portal_id, user_id, expires_at)
        .await?;
    Ok((code, expires_at))
}

#[derive(Debug, Deserialize)]
pub struct LinkParams {
    code: Option<String>,
}

/// `GET /host/signin?code=..`: signs the link's user in and moves on to their portal, or
/// says (as a page) that the link is used up or expired.
pub async fn open_signin_link(
    State(state): State<AppState>,
    Query(params): Query<LinkParams>,
) -> ApiResult<Response> {
    let taken = match params.code.as_deref() {
        Some(code) => state.store.take_signin_code(&secret::hash(code)).await?,
        None => None,
    };
    let Some((portal_id, user_id)) = taken else {
        return Ok(not_found::page(
            StatusCode::UNAUTHORIZED,
            "Sign-in link not valid",
            "This sign-in link was used already, has expired or is incomplete. Ask for a new one (callhost user sign-in).",
            None,
            None,
        ));
    };
    let (token, expires_at) = signin::mint_session(&state, portal_id, user_id).await?;
    let (_, cookie) = signin::signed_in(portal_id, user_id, token, expires_at);
    tracing::info!(
        portal.id = portal_id,
        user.id = user_id,
        "signed in with a sign-in link"
    );
    let next = format!(
        "/contacts/{portal_id}/objects/{}/views/all/list",
        object_type::CONTACT
    );
    Ok(moving_on(&next, &cookie))
}

/// The page that sets the session cookie and moves on to `next` by itself.
fn moving_on(next: &str, cookie: &str) -> Response {
    let next = escape(next);
    let body = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta http-equiv=\"refresh\" content=\"0; url={next}\">\
         <title>Signed in | callhost</title><link rel=\"stylesheet\" href=\"/host/static/host.css\"></head>\
         <body class=\"plain-page\"><main data-testid=\"signed-in\"><h1>Signed in</h1>\
         <p><a href=\"{next}\">Continue to your portal</a></p></main></body></html>\n"
    );
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'self'; frame-ancestors 'none'"),
    );
    if let Ok(value) = HeaderValue::from_str(cookie) {
        headers.insert(SET_COOKIE, value);
    }
    response
}
