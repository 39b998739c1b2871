//! Calling settings: `/crm/v3/extensions/calling/{appId}/settings`.
//!
//! One settings record per app, shared by every portal that installs it. POST creates or
//! replaces (docs/design.md#settings-writes-replace: what works against HubSpot must work here), PATCH changes the given
//! fields, DELETE removes the app as a calling provider everywhere.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use callhost_store::{now, CallingSettings, CallingSettingsFields, CallingSettingsPatch};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::{owned_app, registered_app};
use crate::auth::Developer;
use crate::domain::AppUrl;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AppId, JsonObject};
use crate::fields::Fields;
use crate::AppState;

const SIZE: std::ops::RangeInclusive<i64> = 1..=4000;
const NAME_MAX: usize = 256;

/// Defaults for fields a create request leaves out (docs/rest-api.md#calling-settings).
pub const DEFAULT_WIDTH: i32 = 400;
pub const DEFAULT_HEIGHT: i32 = 600;

/// The body of a settings create (POST). Only `name` and `url` are required.
#[derive(Debug, Clone, PartialEq, ToSchema)]
#[schema(as = SettingsRequest)]
#[allow(dead_code)] // fields exist for the OpenAPI document; parsing goes through `Fields`
pub struct SettingsRequestDoc {
    /// The label users see for this calling provider.
    name: String,
    /// The iframe URL of the calling app: https, or http on a loopback host.
    url: String,
    /// Iframe width in pixels, 1–4000 (default 400).
    width: Option<i32>,
    /// Iframe height in pixels, 1–4000 (default 600).
    height: Option<i32>,
    /// Whether users can pick this provider (default true).
    #[schema(rename = "isReady")]
    is_ready: Option<bool>,
    /// Click-to-call on custom object records (default false).
    #[schema(rename = "supportsCustomObjects")]
    supports_custom_objects: Option<bool>,
    /// Inbound calls in the host (default false).
    #[schema(rename = "supportsInboundCalling")]
    supports_inbound_calling: Option<bool>,
    /// The call lives in the calling window (default true).
    #[schema(rename = "usesCallingWindow")]
    uses_calling_window: Option<bool>,
    /// The app uses the calling remote (default true).
    #[schema(rename = "usesRemote")]
    uses_remote: Option<bool>,
}

/// The body of a settings update (PATCH): every field optional, as in [`SettingsRequestDoc`].
#[derive(Debug, Clone, PartialEq, ToSchema)]
#[schema(as = SettingsPatchRequest)]
#[allow(dead_code)] // fields exist for the OpenAPI document; parsing goes through `Fields`
pub struct SettingsPatchRequestDoc {
    name: Option<String>,
    url: Option<String>,
    width: Option<i32>,
    height: Option<i32>,
    #[schema(rename = "isReady")]
    is_ready: Option<bool>,
    #[schema(rename = "supportsCustomObjects")]
    supports_custom_objects: Option<bool>,
    #[schema(rename = "supportsInboundCalling")]
    supports_inbound_calling: Option<bool>,
    #[schema(rename = "usesCallingWindow")]
    uses_calling_window: Option<bool>,
    #[schema(rename = "usesRemote")]
    uses_remote: Option<bool>,
}

/// Calling settings as the API returns them: every field present.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SettingsResponse {
    pub name: String,
    pub url: String,
    pub width: i32,
    pub height: i32,
    pub is_ready: bool,
    pub supports_custom_objects: bool,
    pub supports_inbound_calling: bool,
    pub uses_calling_window: bool,
    pub uses_remote: bool,
    #[serde(serialize_with = "crate::time::serialize")]
    #[schema(value_type = String, format = DateTime, example = "2026-01-01T00:00:00.000Z")]
    pub created_at: chrono::DateTime<chrono::Utc>,
    #[serde(serialize_with = "crate::time::serialize")]
    #[schema(value_type = String, format = DateTime, example = "2026-01-01T00:00:00.000Z")]
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<CallingSettings> for SettingsResponse {
    fn from(s: CallingSettings) -> Self {
        let f = s.fields;
        Self {
            name: f.name,
            url: f.url,
            width: f.width,
            height: f.height,
            is_ready: f.is_ready,
            supports_custom_objects: f.supports_custom_objects,
            supports_inbound_calling: f.supports_inbound_calling,
            uses_calling_window: f.uses_calling_window,
            uses_remote: f.uses_remote,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// Reads the nine settings fields, all optional, validating what is there.
fn parse_patch(fields: &mut Fields<'_>) -> CallingSettingsPatch {
    let name = fields.string("name").and_then(|n| {
        let check = if n.trim().is_empty() {
            Err("name must not be blank".to_owned())
        } else if n.chars().count() > NAME_MAX {
            Err(format!("name must be at most {NAME_MAX} characters"))
        } else {
            Ok(n.to_owned())
        };
        fields.check("name", "INVALID_VALUE", check)
    });
    let url = fields.string("url").and_then(|u| {
        let parsed = AppUrl::parse(u).map_err(|why| format!("url {why}"));
        fields.check("url", "INVALID_URL", parsed)
    });
    CallingSettingsPatch {
        name,
        url: url.map(AppUrl::into_string),
        width: fields.integer("width", SIZE).map(|n| n as i32),
        height: fields.integer("height", SIZE).map(|n| n as i32),
        is_ready: fields.boolean("isReady"),
        supports_custom_objects: fields.boolean("supportsCustomObjects"),
        supports_inbound_calling: fields.boolean("supportsInboundCalling"),
        uses_calling_window: fields.boolean("usesCallingWindow"),
        uses_remote: fields.boolean("usesRemote"),
    }
}

/// A create body: `name` and `url` required, defaults for the rest.
pub fn parse_create(body: &Map<String, Value>) -> ApiResult<CallingSettingsFields> {
    let mut fields = Fields::new(body);
    let patch = parse_patch(&mut fields);
    let name = fields.required("name", patch.name.clone());
    let url = fields.required("url", patch.url.clone());
    fields.finish("calling settings")?;
    let (Some(name), Some(url)) = (name, url) else {
        return Err(ApiError::internal());
    };
    Ok(CallingSettingsFields {
        name,
        url,
        width: patch.width.unwrap_or(DEFAULT_WIDTH),
        height: patch.height.unwrap_or(DEFAULT_HEIGHT),
        is_ready: patch.is_ready.unwrap_or(true),
        supports_custom_objects: patch.supports_custom_objects.unwrap_or(false),
        supports_inbound_calling: patch.supports_inbound_calling.unwrap_or(false),
        uses_calling_window: patch.uses_calling_window.unwrap_or(true),
        uses_remote: patch.uses_remote.unwrap_or(true),
    })
}

fn no_settings(app_id: i64) -> ApiError {
    ApiError::not_found(format!("No calling settings exist for app {app_id}."))
}

/// Creates or replaces an app's calling settings.
#[utoipa::path(post, path = "/crm/v3/extensions/calling/{appId}/settings", tag = "Calling settings",
    operation_id = "create_settings",
    params(("appId" = i64, Path, description = "The app's id")),
    request_body = SettingsRequestDoc,
    responses((status = 200, body = SettingsResponse), (status = "4XX", body = crate::error::ErrorBody)),
    security(("developer_hapikey" = []), ("oauth2" = ["developers-write"])))]
pub async fn create_settings(
    State(state): State<AppState>,
    developer: Developer,
    AppId(app_id): AppId,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<SettingsResponse>> {
    let fields = parse_create(&body)?;
    registered_app(&state, developer, app_id).await?;
    let settings = state
        .store
        .put_calling_settings(app_id, &fields, now())
        .await?;
    state.install_for_development(developer, app_id).await?;
    tracing::info!(app.id = app_id, "calling settings written");
    Ok(Json(settings.into()))
}

/// Reads an app's calling settings.
#[utoipa::path(get, path = "/crm/v3/extensions/calling/{appId}/settings", tag = "Calling settings",
    operation_id = "get_settings",
    params(("appId" = i64, Path, description = "The app's id")),
    responses((status = 200, body = SettingsResponse), (status = "4XX", body = crate::error::ErrorBody)),
    security(("developer_hapikey" = []), ("oauth2" = ["developers-read"])))]
pub async fn get_settings(
    State(state): State<AppState>,
    developer: Developer,
    AppId(app_id): AppId,
) -> ApiResult<Json<SettingsResponse>> {
    owned_app(&state, developer, app_id).await?;
    let settings = state.store.get_calling_settings(app_id).await?;
    Ok(Json(settings.ok_or_else(|| no_settings(app_id))?.into()))
}

/// Changes the given fields of an app's calling settings.
#[utoipa::path(patch, path = "/crm/v3/extensions/calling/{appId}/settings", tag = "Calling settings",
    operation_id = "update_settings",
    params(("appId" = i64, Path, description = "The app's id")),
    request_body = SettingsPatchRequestDoc,
    responses((status = 200, body = SettingsResponse), (status = "4XX", body = crate::error::ErrorBody)),
    security(("developer_hapikey" = []), ("oauth2" = ["developers-write"])))]
pub async fn update_settings(
    State(state): State<AppState>,
    developer: Developer,
    AppId(app_id): AppId,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<SettingsResponse>> {
    let mut fields = Fields::new(&body);
    let patch = parse_patch(&mut fields);
    fields.finish("calling settings")?;
    owned_app(&state, developer, app_id).await?;
    let settings = state
        .store
        .patch_calling_settings(app_id, &patch, now())
        .await?;
    Ok(Json(settings.ok_or_else(|| no_settings(app_id))?.into()))
}

/// Removes an app's calling settings: it is no longer offered as a calling provider.
#[utoipa::path(delete, path = "/crm/v3/extensions/calling/{appId}/settings", tag = "Calling settings",
    operation_id = "archive_settings",
    params(("appId" = i64, Path, description = "The app's id")),
    responses((status = 204), (status = "4XX", body = crate::error::ErrorBody)),
    security(("developer_hapikey" = []), ("oauth2" = ["developers-write"])))]
pub async fn archive_settings(
    State(state): State<AppState>,
    developer: Developer,
    AppId(app_id): AppId,
) -> ApiResult<StatusCode> {
    owned_app(&state, developer, app_id).await?;
    if state.store.delete_calling_settings(app_id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(no_settings(app_id))
    }
}
