//! The records the store keeps, as plain values.
//!
//! Times are `DateTime<Utc>` here and whole milliseconds since the Unix epoch in the tables,
//! so both backends round-trip them exactly and the API can print them with milliseconds.

use chrono::{DateTime, TimeZone, Utc};

/// A developer account: owns developer API keys and apps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeveloperAccount {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

/// A portal (a HubSpot "account"): has users, access tokens, installed apps and CRM objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Portal {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

/// A user of a portal. Every user is also an owner, with an id of its own (as in HubSpot).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub portal_id: i64,
    pub owner_id: i64,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    /// May install and uninstall apps (docs/oauth.md#who-may-install).
    pub super_admin: bool,
    pub created_at: DateTime<Utc>,
}

/// What the store needs to create a user.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub portal_id: i64,
    pub email: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
}

/// An access token to keep: only its hash is stored.
#[derive(Debug, Clone)]
pub struct NewAccessToken<'a> {
    pub token_hash: &'a str,
    pub portal_id: i64,
    pub user_id: i64,
    /// The developer account a token acts for on the developer (settings) endpoints, if any.
    pub developer_account_id: Option<i64>,
    pub scopes: &'a [String],
    /// When the token stops being valid; `None` keeps it until it is revoked (API and
    /// development tokens). Host sign-in tokens expire (`host::signin`).
    pub expires_at: Option<DateTime<Utc>>,
}

/// What a valid access token grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessGrant {
    pub portal_id: i64,
    pub user_id: i64,
    pub developer_account_id: Option<i64>,
    pub scopes: Vec<String>,
    /// The app the token was issued to through OAuth; `None` for development and host tokens.
    pub app_id: Option<i64>,
}

impl AccessGrant {
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

/// A calling app, owned by one developer account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    pub id: i64,
    pub developer_account_id: i64,
    pub created_at: DateTime<Utc>,
}

/// An app's calling settings: how hosts show its widget and which features it supports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallingSettings {
    pub app_id: i64,
    pub fields: CallingSettingsFields,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The user-settable part of calling settings, complete (defaults already applied).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallingSettingsFields {
    pub name: String,
    pub url: String,
    pub width: i32,
    pub height: i32,
    pub is_ready: bool,
    pub supports_custom_objects: bool,
    pub supports_inbound_calling: bool,
    pub uses_calling_window: bool,
    pub uses_remote: bool,
}

/// A partial update of calling settings: `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallingSettingsPatch {
    pub name: Option<String>,
    pub url: Option<String>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub is_ready: Option<bool>,
    pub supports_custom_objects: Option<bool>,
    pub supports_inbound_calling: Option<bool>,
    pub uses_calling_window: Option<bool>,
    pub uses_remote: Option<bool>,
}

impl CallingSettingsPatch {
    /// The settings after this patch is applied to `current`.
    pub fn apply(&self, current: &CallingSettingsFields) -> CallingSettingsFields {
        CallingSettingsFields {
            name: self.name.clone().unwrap_or_else(|| current.name.clone()),
            url: self.url.clone().unwrap_or_else(|| current.url.clone()),
            width: self.width.unwrap_or(current.width),
            height: self.height.unwrap_or(current.height),
            is_ready: self.is_ready.unwrap_or(current.is_ready),
            supports_custom_objects: self
                .supports_custom_objects
                .unwrap_or(current.supports_custom_objects),
            supports_inbound_calling: self
                .supports_inbound_calling
                .unwrap_or(current.supports_inbound_calling),
            uses_calling_window: self
                .uses_calling_window
                .unwrap_or(current.uses_calling_window),
            uses_remote: self.uses_remote.unwrap_or(current.uses_remote),
        }
    }
}

/// Where the host asks an app for a playable recording URL (`%s` is the call's external id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingSettings {
    pub app_id: i64,
    pub url_to_retrieve_authed_recording: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Where the host asks an app for the phone numbers it can connect to a help desk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelConnectionSettings {
    pub app_id: i64,
    pub url: String,
    pub is_ready: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Milliseconds since the epoch, as stored in the tables.
pub(crate) fn to_millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

/// The inverse of [`to_millis`]; out-of-range values (never written by us) clamp to the epoch.
pub(crate) fn from_millis(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// The current time, truncated to whole milliseconds so that what is returned equals what is stored.
pub fn now() -> DateTime<Utc> {
    from_millis(Utc::now().timestamp_millis())
}
