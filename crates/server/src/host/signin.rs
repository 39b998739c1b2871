//! Who is using the host: a session cookie that holds an access token of a portal user.
//!
//! Security:
//! - On loopback, while a development seed exists, opening a host page signs the seeded user
//!   in (docs/design.md#development-portal); anywhere else there is no automatic sign-in.
//!   "On loopback" means all of: the peer is a loopback address; the request's Host is a
//!   direct name of the listener (its address or `localhost`, [`ServedAs::Direct`]), never a
//!   `--allowed-host` name, which is a reverse proxy's, and every request a proxy on the same
//!   machine forwards comes from loopback; and the request carries no forwarding header
//!   (`Forwarded`, `X-Forwarded-For`, `X-Forwarded-Host`, `X-Real-IP`), which a proxy adds.
//!   The Host check itself (`served_host`) runs before this, so a rebound name never gets here.
//! - A host session lasts [`SESSION_TTL`]: its token expires in the store and its cookie
//!   with it (`Max-Age`). Every cookie-less page view used to mint a token that never
//!   expired, so page views grew the token table without bound; now the development user's
//!   current token is reused while it has more than [`SESSION_RENEW_BEFORE`] to live, and
//!   minting a new one first deletes the expired ones. The table holds at most a few host
//!   tokens, whatever the number of page views.
//! - The cookie is HttpOnly and SameSite=Strict, and its token is stored hashed like any
//!   access token. The WebSocket also checks `Origin` against the host's own origin, so a
//!   page of another origin (a calling app on another port is same-site!) cannot drive a
//!   session with the user's cookie.

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::{COOKIE, HOST, ORIGIN};
use axum::http::request::Parts;
use callhost_protocol::engine::origin::{http_origin, origin_of};
use callhost_store::{secret, AccessGrant, NewAccessToken};
use chrono::{DateTime, Utc};
use tokio::sync::Mutex;

use crate::dev::DEV_SCOPES;
use crate::error::{ApiError, ApiResult};
use crate::served_host::ServedAs;
use crate::AppState;

pub const COOKIE_NAME: &str = "callhost_session";

/// How long a host session (its token and its cookie) lasts.
pub const SESSION_TTL: Duration = Duration::from_secs(12 * 60 * 60);

/// A session token with less than this to live is not handed out again: a page opened just
/// before it expires would lose its session at once.
pub const SESSION_RENEW_BEFORE: Duration = Duration::from_secs(60 * 60);

/// The development user's current host token, reused by automatic sign-ins while valid.
/// Only its hash is in the store, so the token itself is kept here; after a restart a
/// new one is minted and the old one expires in its time.
#[derive(Debug, Default)]
pub struct HostToken(Mutex<Option<(String, DateTime<Utc>)>>);

impl HostToken {
    /// Stores the current token again (after a reset put the store back to a time before it
    /// was minted), so open host pages stay signed in.
    pub async fn write_back(&self, state: &AppState) -> ApiResult<()> {
        let current = self.0.lock().await;
        let (Some((token, expires_at)), Some(dev)) = (current.as_ref(), state.development) else {
            return Ok(());
        };
        let scopes: Vec<String> = DEV_SCOPES.iter().map(|s| (*s).to_owned()).collect();
        state
            .store
            .add_access_token(&NewAccessToken {
                token_hash: &secret::hash(token),
                portal_id: dev.portal_id,
                user_id: dev.user_id,
                developer_account_id: None,
                scopes: &scopes,
                expires_at: Some(*expires_at),
            })
            .await?;
        Ok(())
    }
}

/// A signed-in host user, and the token its page uses for the REST API.
#[derive(Debug, Clone)]
pub struct HostUser {
    pub grant: AccessGrant,
    pub token: String,
}

impl FromRequestParts<AppState> for HostUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        match current(parts, state).await? {
            Some(user) => Ok(user),
            None => Err(ApiError::unauthenticated("Open a host page to sign in.")),
        }
    }
}

/// The user of the request's session cookie, if it is valid.
pub async fn current(parts: &Parts, state: &AppState) -> ApiResult<Option<HostUser>> {
    let Some(token) = cookie(parts, COOKIE_NAME) else {
        return Ok(None);
    };
    let grant = state.store.find_access_token(&secret::hash(&token)).await?;
    Ok(grant.map(|grant| HostUser { grant, token }))
}

/// Headers a reverse proxy adds: a request with any of them was forwarded, whatever its peer.
const FORWARDING_HEADERS: [&str; 4] = [
    "forwarded",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-real-ip",
];

/// Signs the development user in when the request comes from loopback, directly (see the
/// module's comment); returns the user and the `Set-Cookie` value to send.
pub async fn sign_in_on_loopback(
    parts: &Parts,
    state: &AppState,
) -> ApiResult<Option<(HostUser, String)>> {
    let Some(dev) = state.development else {
        return Ok(None);
    };
    if !is_direct_loopback(parts) {
        return Ok(None);
    }
    // Held across the store's writes so that concurrent first page views mint one token.
    let mut current = state.host_token.0.lock().await;
    let now = Utc::now();
    let (token, expires_at) = match current.as_ref() {
        Some((token, expires_at)) if *expires_at - now > delta(SESSION_RENEW_BEFORE) => {
            (token.clone(), *expires_at)
        }
        _ => {
            let (token, expires_at) = mint_session(state, dev.portal_id, dev.user_id).await?;
            *current = Some((token.clone(), expires_at));
            (token, expires_at)
        }
    };
    drop(current);
    Ok(Some(signed_in(
        dev.portal_id,
        dev.user_id,
        token,
        expires_at,
    )))
}

/// A new host session token for the user, lasting [`SESSION_TTL`]; expired host tokens are
/// deleted first, so sign-ins never grow the table.
pub async fn mint_session(
    state: &AppState,
    portal_id: i64,
    user_id: i64,
) -> ApiResult<(String, DateTime<Utc>)> {
    let scopes: Vec<String> = DEV_SCOPES.iter().map(|s| (*s).to_owned()).collect();
    state.store.delete_expired_access_tokens().await?;
    let token = secret::generate("chs-");
    let expires_at = Utc::now() + delta(SESSION_TTL);
    state
        .store
        .add_access_token(&NewAccessToken {
            token_hash: &secret::hash(&token),
            portal_id,
            user_id,
            developer_account_id: None,
            scopes: &scopes,
            expires_at: Some(expires_at),
        })
        .await?;
    Ok((token, expires_at))
}

/// The signed-in user of a host session token, and the `Set-Cookie` value that carries it.
pub fn signed_in(
    portal_id: i64,
    user_id: i64,
    token: String,
    expires_at: DateTime<Utc>,
) -> (HostUser, String) {
    let grant = AccessGrant {
        portal_id,
        user_id,
        developer_account_id: None,
        scopes: DEV_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
        app_id: None,
    };
    let max_age = (expires_at - Utc::now()).num_seconds().max(0);
    let set_cookie =
        format!("{COOKIE_NAME}={token}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict");
    (HostUser { grant, token }, set_cookie)
}

fn delta(duration: Duration) -> chrono::TimeDelta {
    chrono::TimeDelta::from_std(duration).expect("a session duration fits a TimeDelta")
}

/// True when the request comes straight from a loopback peer under a direct name of the
/// listener, with no sign of a proxy in between.
pub fn is_direct_loopback(parts: &Parts) -> bool {
    let peer_is_loopback = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .is_some_and(|c| c.0.ip().is_loopback());
    let direct_name = parts.extensions.get::<ServedAs>() == Some(&ServedAs::Direct);
    let forwarded = FORWARDING_HEADERS
        .iter()
        .any(|name| parts.headers.contains_key(*name));
    peer_is_loopback && direct_name && !forwarded
}

/// The origin this request was addressed to, as pages on it see it: `http://` + Host, or
/// `https://` + Host under a reverse proxy's name (`--allowed-host`) whose proxy says the
/// browser's connection was TLS (`X-Forwarded-Proto: https`, or `proto=https` in
/// `Forwarded`; docs/deploy.md#reverse-proxy). The header is believed only under a proxied
/// name: the operator named that proxy, and a direct request has no proxy to say it.
pub fn host_origin(parts: &Parts) -> Option<String> {
    let host = parts.headers.get(HOST)?.to_str().ok()?;
    let proxied = parts.extensions.get::<ServedAs>() == Some(&ServedAs::Proxied);
    if proxied && forwarded_tls(&parts.headers) {
        return origin_of(&format!("https://{host}"));
    }
    Some(http_origin(host))
}

/// Whether the proxy says the browser spoke TLS to it (the first hop's protocol).
fn forwarded_tls(headers: &axum::http::HeaderMap) -> bool {
    let first = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(|v| v.trim().to_ascii_lowercase())
    };
    if let Some(proto) = first("x-forwarded-proto") {
        return proto == "https";
    }
    first("forwarded").is_some_and(|hop| {
        hop.split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .any(|(k, v)| k.eq_ignore_ascii_case("proto") && v.trim_matches('"') == "https")
    })
}

/// True when the request's `Origin` is this host's own origin.
pub fn same_origin(parts: &Parts) -> bool {
    let origin = parts.headers.get(ORIGIN).and_then(|o| o.to_str().ok());
    matches!((origin, host_origin(parts)), (Some(o), Some(h)) if o == h)
}

/// Layer on the host's routes: a request that may change state (any method but GET, HEAD and
/// OPTIONS) must come from a page of the host's own origin, else 403. The session cookie is
/// SameSite=Strict, but a calling app served from another port of the same host is same-site
/// and would send it; a `text/plain` POST needs no preflight.
pub async fn require_same_origin_writes(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::Method;
    use axum::response::IntoResponse;
    let reads = [Method::GET, Method::HEAD, Method::OPTIONS];
    let (parts, body) = request.into_parts();
    if !reads.contains(&parts.method) && !same_origin(&parts) {
        return crate::error::ApiError::forbidden(
            "The host's data is only changed from the host's own pages (Origin must be the host's).",
        )
        .into_response();
    }
    next.run(axum::extract::Request::from_parts(parts, body))
        .await
}

fn cookie(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}
