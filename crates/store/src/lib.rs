//! callhost's storage: the [`Store`] trait and its two backends.
//!
//! Invariants kept here:
//! - **Only this crate contains SQL.** Callers see typed records ([`model`]) and [`StoreError`].
//! - **Both backends pass the same contract tests** (`tests/contract.rs`); each query is
//!   written once, in generic code that runs on either backend's connections ([`sql`] is the
//!   seam), so they cannot drift.
//! - **Secrets are stored hashed** ([`secret`]); a plaintext key never reaches a table. The
//!   one exception is an app's client secret, the HMAC key of its webhooks, which is kept as
//!   is and shown only to the app's developer account. The same secret authenticates the app's
//!   OAuth client, as in HubSpot; the token endpoint checks a digest of it ([`oauth`]).
//! - **OAuth codes and tokens never cross portals or apps** ([`oauth`]).
//! - **Every multi-row write is one transaction**, so a failure never leaves half a record.
//! - **CRM objects never cross portals** ([`crm`]): every CRM method is scoped by portal id.
//! - **A call and its help-desk ticket are written together** ([`helpdesk`]).
//! - **Saved searches are scoped by portal and user** ([`saved_searches`]).
//! - **Replacing or resetting the whole store is one transaction** ([`dataset`]).
//! - **A request adds to its rate-limit counters in one statement** ([`rate_limits`]).
//! - **Processes sharing a store talk only through it**: typed events on its [`bus`]
//!   (PostgreSQL's `LISTEN`/`NOTIFY`), and widget sessions handed over by compare-and-set on
//!   their owner ([`widget_sessions`]).
//! - **The inspector's record is bounded, and trimmed oldest first** ([`inspector`]).
//! - **Reports of one call, and starting instances, exclude each other across every process
//!   sharing the database** ([`exclusion`]).
//! - **A fault rule fires at most `times` times across every process** ([`faults`]).

pub mod bus;
pub mod crm;
pub mod dataset;
mod error;
pub mod exclusion;
pub mod faults;
pub mod helpdesk;
pub mod inspector;
pub mod model;
pub mod oauth;
mod object_cache;
mod postgres;
mod queries;
pub mod rate_limits;
mod recordings;
pub mod saved_searches;
pub mod secret;
mod settings;
mod sql;
mod sqlite;
mod sqlite_reads;
mod sqlite_writes;
mod statistics;
#[cfg(test)]
mod timeouts;
pub mod widget_sessions;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

pub use bus::{Bus, Delivery, Event};
pub use crm::CrmStore;
pub use dataset::DatasetStore;
pub use error::{Result, StoreError};
pub use exclusion::ExclusionStore;
pub use faults::FaultStore;
pub use helpdesk::HelpdeskStore;
pub use inspector::InspectorStore;
pub use model::*;
pub use oauth::OAuthStore;
pub use postgres::PgStore;
pub use rate_limits::{CounterHit, RateLimitStore};
pub use recordings::RecordingStore;
pub use saved_searches::SavedSearchStore;
pub use sqlite::SqliteStore;
pub use widget_sessions::{StoredSession, WidgetSessionStore};

/// How a store runs statements, the same on both backends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreOptions {
    /// The longest a statement may run before the database stops it and the store answers
    /// [`StoreError::Timeout`]. PostgreSQL enforces it itself (`statement_timeout`); SQLite,
    /// which has no such setting, through a progress handler that interrupts a connection's
    /// statements once one use of it has run this long (see `sqlite.rs`).
    pub statement_timeout: Duration,
}

impl StoreOptions {
    /// The default statement timeout: far beyond any query the API's limits allow, short
    /// enough that a runaway one cannot hold a connection for minutes.
    pub const DEFAULT_STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            statement_timeout: Self::DEFAULT_STATEMENT_TIMEOUT,
        }
    }
}

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend's name as callhost prints it (`sqlite`, `postgres`).
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Everything callhost keeps. One implementation per backend; all methods are atomic. The CRM
/// part is [`CrmStore`] and the recording marks [`RecordingStore`], supertraits, so `dyn Store`
/// offers all of them.
#[async_trait]
pub trait Store:
    CrmStore
    + RecordingStore
    + HelpdeskStore
    + SavedSearchStore
    + DatasetStore
    + OAuthStore
    + RateLimitStore
    + WidgetSessionStore
    + InspectorStore
    + ExclusionStore
    + FaultStore
    + Send
    + Sync
    + 'static
{
    fn backend(&self) -> Backend;

    /// The notification bus between the processes sharing this store ([`bus`]).
    fn bus(&self) -> Bus;

    // Tenancy and credentials.
    async fn create_developer_account(&self, name: &str) -> Result<DeveloperAccount>;
    async fn add_developer_api_key(&self, developer_account_id: i64, key_hash: &str) -> Result<()>;
    /// The developer account that owns the key with this hash.
    async fn find_developer_by_api_key(&self, key_hash: &str) -> Result<Option<i64>>;
    async fn create_portal(&self, name: &str) -> Result<Portal>;
    async fn get_portal(&self, portal_id: i64) -> Result<Option<Portal>>;
    async fn create_user(&self, user: &NewUser<'_>) -> Result<User>;
    async fn get_user(&self, portal_id: i64, user_id: i64) -> Result<Option<User>>;
    async fn list_users(&self, portal_id: i64) -> Result<Vec<User>>;
    async fn add_access_token(&self, token: &NewAccessToken<'_>) -> Result<()>;
    /// What the token with this hash grants, if it exists and has not expired.
    async fn find_access_token(&self, token_hash: &str) -> Result<Option<AccessGrant>>;
    /// Deletes the host tokens that have expired; returns how many there were. OAuth access
    /// tokens are left for their install to clear (`OAuthStore::issue_oauth_tokens`), so that
    /// an expired one is told apart from an unknown one until then.
    async fn delete_expired_access_tokens(&self) -> Result<u64>;

    // Apps.
    async fn get_app(&self, app_id: i64) -> Result<Option<App>>;
    /// Registers `app_id` to the developer account unless it exists; returns the app as stored
    /// (whose owner may be another account: callers check).
    async fn register_app(&self, app_id: i64, developer_account_id: i64) -> Result<App>;
    async fn install_app(&self, portal_id: i64, app_id: i64) -> Result<()>;
    async fn installed_apps(&self, portal_id: i64) -> Result<Vec<i64>>;
    /// The app's client secret (which signs the webhooks sent to it), made on first need.
    /// `None` when the app does not exist. Kept in plain text: an HMAC needs the key itself.
    async fn client_secret(&self, app_id: i64) -> Result<Option<String>>;
    /// Replaces the app's client secret with a new one and returns it; the old one stops
    /// signing, and (for an OAuth app) exchanging tokens, at once. `None` when the app does not
    /// exist.
    async fn rotate_client_secret(&self, app_id: i64) -> Result<Option<String>>;

    // Calling settings.
    /// Creates or replaces the app's calling settings; a replacement keeps `created_at`.
    async fn put_calling_settings(
        &self,
        app_id: i64,
        fields: &CallingSettingsFields,
        now: DateTime<Utc>,
    ) -> Result<CallingSettings>;
    async fn get_calling_settings(&self, app_id: i64) -> Result<Option<CallingSettings>>;
    /// Changes the given fields; `None` when the app has no settings.
    async fn patch_calling_settings(
        &self,
        app_id: i64,
        patch: &CallingSettingsPatch,
        now: DateTime<Utc>,
    ) -> Result<Option<CallingSettings>>;
    /// True when there were settings to delete.
    async fn delete_calling_settings(&self, app_id: i64) -> Result<bool>;

    // Recording settings (no delete, as in HubSpot).
    async fn put_recording_settings(
        &self,
        app_id: i64,
        url: &str,
        now: DateTime<Utc>,
    ) -> Result<RecordingSettings>;
    async fn get_recording_settings(&self, app_id: i64) -> Result<Option<RecordingSettings>>;
    async fn patch_recording_settings(
        &self,
        app_id: i64,
        url: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Option<RecordingSettings>>;

    // Channel-connection settings.
    async fn put_channel_connection_settings(
        &self,
        app_id: i64,
        url: &str,
        is_ready: bool,
        now: DateTime<Utc>,
    ) -> Result<ChannelConnectionSettings>;
    async fn get_channel_connection_settings(
        &self,
        app_id: i64,
    ) -> Result<Option<ChannelConnectionSettings>>;
    async fn patch_channel_connection_settings(
        &self,
        app_id: i64,
        url: Option<&str>,
        is_ready: Option<bool>,
        now: DateTime<Utc>,
    ) -> Result<Option<ChannelConnectionSettings>>;
    async fn delete_channel_connection_settings(&self, app_id: i64) -> Result<bool>;

    // Small facts about the store itself (e.g. what the development seed created).
    async fn get_meta(&self, key: &str) -> Result<Option<String>>;
    async fn set_meta(&self, key: &str, value: &str) -> Result<()>;

    /// One round trip to the database (`select 1`), for readiness probes: fails when the
    /// database cannot be reached or a statement cannot run.
    async fn ping(&self) -> Result<()>;

    // One-time sign-in links for the host's pages (docs/deploy.md#signing-in).
    /// Stores a sign-in code (its digest) for the user, deleting expired ones first.
    async fn add_signin_code(
        &self,
        code_hash: &str,
        portal_id: i64,
        user_id: i64,
        expires_at: DateTime<Utc>,
    ) -> Result<()>;
    /// Deletes the code as it reads it (one statement, so two uses racing cannot both win);
    /// `(portal_id, user_id)` when it existed and had not expired.
    async fn take_signin_code(&self, code_hash: &str) -> Result<Option<(i64, i64)>>;
}

/// Opens the store a database URL names: `postgres://` or `postgresql://` for PostgreSQL,
/// `sqlite:` followed by a file path for SQLite. Migrations run before this returns.
pub async fn connect(database_url: &str) -> Result<Arc<dyn Store>> {
    connect_with(database_url, &StoreOptions::default()).await
}

/// [`connect`] with `options`.
pub async fn connect_with(database_url: &str, options: &StoreOptions) -> Result<Arc<dyn Store>> {
    if database_url.starts_with("postgres://") || database_url.starts_with("postgresql://") {
        Ok(Arc::new(
            PgStore::connect_with(database_url, None, options).await?,
        ))
    } else if let Some(path) = database_url.strip_prefix("sqlite:") {
        let path = path.trim_start_matches("//");
        Ok(Arc::new(
            SqliteStore::open_with(Path::new(path), options).await?,
        ))
    } else {
        Err(StoreError::InvalidUrl(format!(
            "{database_url:?}: expected postgres://... or sqlite:PATH"
        )))
    }
}
