//! OAuth as HubSpot has it (docs/oauth.md): the install page (`/oauth/authorize`), the token
//! endpoints (`/oauth/v1/token`, `/oauth/v3/token`, `/oauth/2026-03/token`), and token
//! metadata (`/oauth/v1/access-tokens/{token}`, `/oauth/v1/refresh-tokens/{token}`,
//! `/oauth/2026-03/token/introspect`). The paths are HubSpot's, so a backend written for
//! HubSpot only changes its hosts.
//!
//! Security invariants:
//! - **Codes and tokens are random (256 bits) and stored as digests**; client secrets are
//!   compared as digests in constant time ([`constant_time_eq`]).
//! - **A redirect only ever goes to a registered redirect URL**, exactly as registered; every
//!   other failure of the install page is a page of its own.
//! - **The consent page cannot be framed** (`frame-ancestors 'none'`, `X-Frame-Options`) and
//!   its form carries a token derived from the session, checked with the `Origin`.
//! - **Only super admins install** (docs/oauth.md#who-may-install), checked when the page is
//!   shown and again when the form is sent.

pub mod apps;
pub mod authorize;
pub mod error;
pub mod introspect;
pub mod openapi;
pub mod page;
pub mod token;

use std::time::Duration;

use axum::routing::{get, post};
use axum::Router;

use crate::AppState;

/// How long an access token lasts unless `--token-ttl` says otherwise: HubSpot's 30 minutes.
pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(30 * 60);

/// How long an authorization code may wait to be exchanged.
pub const CODE_TTL: Duration = Duration::from_secs(10 * 60);

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/oauth/authorize",
            get(authorize::show_consent).post(authorize::answer_consent),
        )
        .route("/oauth/v1/token", post(token::create_token_v1))
        .route("/oauth/v3/token", post(token::create_token_v3))
        .route("/oauth/2026-03/token", post(token::create_token_v3))
        .route(
            "/oauth/v1/access-tokens/{token}",
            get(introspect::get_access_token),
        )
        .route(
            "/oauth/v1/refresh-tokens/{token}",
            get(introspect::get_refresh_token).delete(introspect::delete_refresh_token),
        )
        .route(
            "/oauth/2026-03/token/introspect",
            post(introspect::introspect_token),
        )
}

/// Compares two strings in time that depends only on their lengths.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A `chrono` span of a std duration (saturating: a TTL never overflows in practice).
pub(crate) fn span(duration: Duration) -> chrono::TimeDelta {
    chrono::TimeDelta::from_std(duration).unwrap_or(chrono::TimeDelta::MAX)
}

#[cfg(test)]
mod tests {
    #[test]
    fn constant_time_eq_compares_whole_strings() {
        assert!(super::constant_time_eq("abc", "abc"));
        assert!(!super::constant_time_eq("abc", "abd"));
        assert!(!super::constant_time_eq("abc", "abcd"));
    }
}
