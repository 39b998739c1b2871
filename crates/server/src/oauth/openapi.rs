//! The OAuth paths of the OpenAPI document: the shapes of the forms and answers (documented
//! here, built as JSON in the handlers) and the paths, merged into the document by
//! `crate::openapi`. `/oauth/2026-03/token` is derived from `/oauth/v3/token`, which it is.

#![allow(dead_code)] // The structs below only describe shapes for the document.

use utoipa::openapi::OpenApi as Document;
use utoipa::{Modify, OpenApi, ToSchema};

use super::{introspect, token};

/// A token request (`application/x-www-form-urlencoded`).
#[derive(ToSchema)]
pub struct TokenRequest {
    /// `authorization_code` or `refresh_token`.
    grant_type: String,
    client_id: String,
    client_secret: String,
    /// authorization_code: the redirect URI the code was issued for.
    redirect_uri: Option<String>,
    /// authorization_code: the code from the redirect (single use, 10 minutes).
    code: Option<String>,
    /// authorization_code: the PKCE verifier, when the install URL had a `code_challenge`.
    code_verifier: Option<String>,
    /// refresh_token: the refresh token.
    refresh_token: Option<String>,
}

/// Issued tokens.
#[derive(ToSchema)]
pub struct TokenResponse {
    /// `bearer`.
    token_type: String,
    access_token: String,
    /// Stays the same when refreshing.
    refresh_token: String,
    /// Seconds the access token lasts (1800 unless `--token-ttl`).
    expires_in: i64,
    hub_id: i64,
    user_id: i64,
    scopes: Vec<String>,
}

/// A v1 token error: `status` is HubSpot's code (`BAD_AUTH_CODE`, `BAD_REFRESH_TOKEN`,
/// `BAD_CLIENT_ID`, `BAD_CLIENT_SECRET`, `BAD_REDIRECT_URI`, `BAD_GRANT_TYPE`). The v3 and
/// 2026-03 endpoints answer the standard error body with the code as `subCategory`.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct TokenErrorV1 {
    status: String,
    message: String,
    correlation_id: String,
}

/// An access token's metadata.
#[derive(ToSchema)]
pub struct AccessTokenInfo {
    token: String,
    /// The user's email.
    user: String,
    /// The portal's name.
    hub_domain: String,
    scopes: Vec<String>,
    hub_id: i64,
    app_id: i64,
    /// Seconds left.
    expires_in: i64,
    user_id: i64,
    /// `access`.
    token_type: String,
}

/// A refresh token's metadata.
#[derive(ToSchema)]
pub struct RefreshTokenInfo {
    token: String,
    user: String,
    hub_domain: String,
    scopes: Vec<String>,
    hub_id: i64,
    client_id: String,
    user_id: i64,
    /// `refresh`.
    token_type: String,
}

/// An introspection request (form).
#[derive(ToSchema)]
pub struct IntrospectRequest {
    client_id: String,
    client_secret: String,
    token: String,
    token_type_hint: Option<String>,
}

/// RFC 7662's answer: `{"active": false}` for a token that is unknown, expired or another
/// app's.
#[derive(ToSchema)]
pub struct IntrospectResponse {
    active: bool,
    /// `access_token` or `refresh_token`.
    token_type: Option<String>,
    client_id: Option<String>,
    app_id: Option<i64>,
    hub_id: Option<i64>,
    user_id: Option<i64>,
    /// The scopes, space-separated.
    scope: Option<String>,
    /// Access tokens: when it expires (seconds since the epoch).
    exp: Option<i64>,
    /// Refresh tokens: when it was issued.
    iat: Option<i64>,
}

#[derive(OpenApi)]
#[openapi(
    paths(
        token::create_token_v1, token::create_token_v3,
        introspect::get_access_token, introspect::get_refresh_token,
        introspect::delete_refresh_token, introspect::introspect_token,
    ),
    components(schemas(
        TokenRequest, TokenResponse, TokenErrorV1, AccessTokenInfo, RefreshTokenInfo,
        IntrospectRequest, IntrospectResponse
    )),
    modifiers(&DatedToken)
)]
pub struct OAuthDoc;

/// `/oauth/2026-03/token`, the same operation as `/oauth/v3/token`.
struct DatedToken;

impl Modify for DatedToken {
    fn modify(&self, doc: &mut Document) {
        if let Some(item) = doc.paths.paths.get("/oauth/v3/token").cloned() {
            let mut item = item;
            if let Some(op) = item.post.as_mut() {
                op.operation_id = Some("create_token_2026_03".into());
            }
            doc.paths.paths.insert("/oauth/2026-03/token".into(), item);
        }
    }
}

/// Adds the OAuth paths and schemas to `doc`.
pub fn add_to(doc: &mut Document) {
    doc.merge(OAuthDoc::openapi());
}
