//! OAuth apps, behind [`OAuthStore`]: an app's OAuth client, the authorization codes and
//! refresh tokens issued to it, the scopes each install granted, and who may install.
//!
//! Invariants:
//! - **Codes and tokens are kept as SHA-256 digests** ([`crate::secret::hash`]); callers pass
//!   digests in and never get a plaintext back, except the client secret once, at creation.
//! - **A code is used once**: [`OAuthStore::take_oauth_code`] deletes it as it reads it, in one
//!   statement, so two exchanges racing for one code cannot both win.
//! - **Issuing is one transaction**: the install (with its granted scopes), the refresh token
//!   and the access token are written together or not at all.
//! - **Uninstalling revokes everything of that app in that portal**, and nothing elsewhere:
//!   its access tokens, refresh tokens and unused codes, then the install; once that has
//!   committed, the bus hears of it ([`crate::Bus::access_revoked`]), so that no process goes on
//!   honouring a grant it remembers.

mod queries;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::model::{AccessGrant, NewUser, Portal, User};
use crate::Result;

/// An app's OAuth client, as its developer registered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthClient {
    pub app_id: i64,
    pub name: String,
    pub client_id: String,
    pub redirect_urls: Vec<String>,
    /// Scopes the app requires: an install grants all of them.
    pub scopes: Vec<String>,
    /// Scopes the app may ask for besides; an install grants those it asked for.
    pub optional_scopes: Vec<String>,
    pub created_at: DateTime<Utc>,
}

/// What the store needs to create an app with an OAuth client. The caller has checked the
/// values (URLs, scope names).
#[derive(Debug, Clone, Copy)]
pub struct NewOAuthApp<'a> {
    pub developer_account_id: i64,
    pub name: &'a str,
    pub redirect_urls: &'a [String],
    pub scopes: &'a [String],
    pub optional_scopes: &'a [String],
}

/// An authorization code to keep (its digest), issued when a user connected an app.
#[derive(Debug, Clone, Copy)]
pub struct NewOAuthCode<'a> {
    pub code_hash: &'a str,
    pub app_id: i64,
    pub portal_id: i64,
    pub user_id: i64,
    pub redirect_uri: &'a str,
    pub scopes: &'a [String],
    /// PKCE: the challenge and its method (`S256` or `plain`), when the app sent one.
    pub code_challenge: Option<&'a str>,
    pub code_challenge_method: Option<&'a str>,
    pub expires_at: DateTime<Utc>,
}

/// What a code, once taken, grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthCode {
    pub app_id: i64,
    pub portal_id: i64,
    pub user_id: i64,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub expires_at: DateTime<Utc>,
}

/// Tokens to issue for one install (digests only).
#[derive(Debug, Clone, Copy)]
pub struct IssuedTokens<'a> {
    pub app_id: i64,
    pub portal_id: i64,
    pub user_id: i64,
    pub scopes: &'a [String],
    pub access_token_hash: &'a str,
    pub access_expires_at: DateTime<Utc>,
    /// A new refresh token, on the authorization-code grant; `None` when refreshing (the
    /// refresh token stays the same, as HubSpot's do).
    pub refresh_token_hash: Option<&'a str>,
}

/// What a refresh token grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshGrant {
    pub app_id: i64,
    pub portal_id: i64,
    pub user_id: i64,
    pub scopes: Vec<String>,
    pub created_at: DateTime<Utc>,
}

/// An access token of an OAuth app, whether or not it has expired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthAccessToken {
    pub app_id: i64,
    pub portal_id: i64,
    pub user_id: i64,
    pub scopes: Vec<String>,
    pub expires_at: DateTime<Utc>,
}

/// An access token's grant and when the token expires (`None`: never), expired or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimedGrant {
    pub grant: AccessGrant,
    pub expires_at: Option<DateTime<Utc>>,
}

impl TimedGrant {
    /// Whether the token is still valid at `now_ms` (milliseconds since the epoch), as
    /// [`Store::find_access_token`](crate::Store) decides it: it expires at `expires_at`.
    pub fn valid_at(&self, now_ms: i64) -> bool {
        self.expires_at
            .is_none_or(|at| at.timestamp_millis() > now_ms)
    }
}

/// An app installed in a portal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Install {
    pub app_id: i64,
    /// The scopes the install granted; `None` for an install made without OAuth (the
    /// development install).
    pub scopes: Option<Vec<String>>,
    pub created_at: DateTime<Utc>,
}

/// OAuth apps and their installs. A supertrait of [`Store`](crate::Store).
#[async_trait]
pub trait OAuthStore: Send + Sync {
    /// Creates an app of the developer account with a fresh id, its OAuth client and its client
    /// secret, in one transaction; returns the client and the secret's plaintext (shown once).
    async fn create_oauth_app(&self, app: &NewOAuthApp<'_>) -> Result<(OAuthClient, String)>;
    async fn get_oauth_client(&self, app_id: i64) -> Result<Option<OAuthClient>>;
    /// The client with this client id and the digest of its secret.
    async fn find_oauth_client(&self, client_id: &str) -> Result<Option<(OAuthClient, String)>>;

    async fn add_oauth_code(&self, code: &NewOAuthCode<'_>) -> Result<()>;
    /// Deletes the code with this digest and returns what it granted, expired or not (the
    /// caller says which); `None` when there is no such code (never issued, or used).
    async fn take_oauth_code(&self, code_hash: &str) -> Result<Option<OAuthCode>>;

    /// Installs the app (adding the scopes to those its install granted), stores the tokens and
    /// deletes the install's expired access tokens, in one transaction.
    async fn issue_oauth_tokens(&self, tokens: &IssuedTokens<'_>) -> Result<()>;
    async fn find_refresh_token(&self, token_hash: &str) -> Result<Option<RefreshGrant>>;
    /// True when there was such a refresh token to delete.
    async fn delete_refresh_token(&self, token_hash: &str) -> Result<bool>;
    /// The OAuth access token with this digest, expired or not.
    async fn find_oauth_access_token(&self, token_hash: &str) -> Result<Option<OAuthAccessToken>>;
    /// The grant of the access token (any kind) with this digest and when it expires, expired
    /// or not: while [`TimedGrant::valid_at`] holds, the grant
    /// [`Store::find_access_token`](crate::Store) answers, so that a caller may keep it until
    /// then, or until [`crate::Bus::access_epoch`] moves. A read by key (on SQLite, where it
    /// is asked for).
    async fn find_access_grant(&self, token_hash: &str) -> Result<Option<TimedGrant>>;

    /// The portal's installs, oldest first.
    async fn list_installs(&self, portal_id: i64) -> Result<Vec<Install>>;
    /// Revokes every token and code of the app in the portal and removes the install; `false`
    /// when it was not installed there.
    async fn uninstall_app(&self, portal_id: i64, app_id: i64) -> Result<bool>;

    /// Creates a user who is a super admin (or not: [`Store::create_user`](crate::Store) makes
    /// users who are not).
    async fn create_user_as(&self, user: &NewUser<'_>, super_admin: bool) -> Result<User>;
    /// Makes the user a super admin or not; `false` when the portal has no such user.
    async fn set_super_admin(&self, portal_id: i64, user_id: i64, on: bool) -> Result<bool>;
    /// Every user with this email, in every portal (a person's portals), by portal id.
    async fn users_by_email(&self, email: &str) -> Result<Vec<User>>;
    /// Every portal, by id (for switching users in development).
    async fn list_portals(&self) -> Result<Vec<Portal>>;
}
