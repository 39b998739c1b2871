//! Channel-connection settings: `/crm/v3/extensions/calling/{appId}/settings/channel-connection`.
//!
//! The webhook the host calls to list the phone numbers an app can connect to a help-desk
//! inbox, and whether the app is ready to be offered for that.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use callhost_store::{now, ChannelConnectionSettings};
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

/// The body of a create (both required) or update (both optional) request.
#[derive(Debug, ToSchema)]
#[schema(as = ChannelConnectionSettingsRequest)]
#[allow(dead_code)] // for the OpenAPI document; parsing goes through `Fields`
pub struct ChannelConnectionSettingsRequestDoc {
    /// The webhook that lists the app's phone numbers: https, or http on loopback.
    url: String,
    /// Whether help-desk admins can pick this app.
    #[schema(rename = "isReady")]
    is_ready: bool,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChannelConnectionSettingsResponse {
    pub url: String,
    pub is_ready: bool,
    #[serde(serialize_with = "crate::time::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: chrono::DateTime<chrono::Utc>,
    #[serde(serialize_with = "crate::time::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<ChannelConnectionSettings> for ChannelConnectionSettingsResponse {
    fn from(s: ChannelConnectionSettings) -> Self {
        Self {
            url: s.url,
            is_ready: s.is_ready,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// `(url, isReady)` from `body`, validated; `required` makes both mandatory.
fn parse(body: &Map<String, Value>, required: bool) -> ApiResult<(Option<String>, Option<bool>)> {
    let mut fields = Fields::new(body);
    let url = fields.string("url").and_then(|raw| {
        let parsed = AppUrl::parse(raw).map_err(|why| format!("url {why}"));
        fields.check("url", "INVALID_URL", parsed)
    });
    let is_ready = fields.boolean("isReady");
    let (url, is_ready) = if required {
        (
            fields.required("url", url),
            fields.required("isReady", is_ready),
        )
    } else {
        (url, is_ready)
    };
    fields.finish("channel connection settings")?;
    Ok((url.map(AppUrl::into_string), is_ready))
}

fn no_settings(app_id: i64) -> ApiError {
    ApiError::not_found(format!(
        "No channel connection settings exist for app {app_id}."
    ))
}

/// Creates or replaces the app's channel-connection settings.
#[utoipa::path(post, path = "/crm/v3/extensions/calling/{appId}/settings/channel-connection",
    tag = "Channel connection settings", operation_id = "create_channel_connection_settings",
    params(("appId" = i64, Path, description = "The app's id")),
    request_body = ChannelConnectionSettingsRequestDoc,
    responses((status = 200, body = ChannelConnectionSettingsResponse), (status = "4XX", body = crate::error::ErrorBody)),
    security(("developer_hapikey" = []), ("oauth2" = ["developers-write"])))]
pub async fn create_channel_settings(
    State(state): State<AppState>,
    developer: Developer,
    AppId(app_id): AppId,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<ChannelConnectionSettingsResponse>> {
    let (Some(url), Some(is_ready)) = parse(&body, true)? else {
        return Err(ApiError::internal());
    };
    registered_app(&state, developer, app_id).await?;
    let settings = state
        .store
        .put_channel_connection_settings(app_id, &url, is_ready, now())
        .await?;
    Ok(Json(settings.into()))
}

/// Reads the app's channel-connection settings.
#[utoipa::path(get, path = "/crm/v3/extensions/calling/{appId}/settings/channel-connection",
    tag = "Channel connection settings", operation_id = "get_channel_connection_settings",
    params(("appId" = i64, Path, description = "The app's id")),
    responses((status = 200, body = ChannelConnectionSettingsResponse), (status = "4XX", body = crate::error::ErrorBody)),
    security(("developer_hapikey" = []), ("oauth2" = ["developers-read"])))]
pub async fn get_channel_settings(
    State(state): State<AppState>,
    developer: Developer,
    AppId(app_id): AppId,
) -> ApiResult<Json<ChannelConnectionSettingsResponse>> {
    owned_app(&state, developer, app_id).await?;
    let settings = state.store.get_channel_connection_settings(app_id).await?;
    Ok(Json(settings.ok_or_else(|| no_settings(app_id))?.into()))
}

/// Changes the given fields of the app's channel-connection settings.
#[utoipa::path(patch, path = "/crm/v3/extensions/calling/{appId}/settings/channel-connection",
    tag = "Channel connection settings", operation_id = "update_channel_connection_settings",
    params(("appId" = i64, Path, description = "The app's id")),
    request_body = ChannelConnectionSettingsRequestDoc,
    responses((status = 200, body = ChannelConnectionSettingsResponse), (status = "4XX", body = crate::error::ErrorBody)),
    security(("developer_hapikey" = []), ("oauth2" = ["developers-write"])))]
pub async fn update_channel_settings(
    State(state): State<AppState>,
    developer: Developer,
    AppId(app_id): AppId,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<ChannelConnectionSettingsResponse>> {
    let (url, is_ready) = parse(&body, false)?;
    owned_app(&state, developer, app_id).await?;
    let settings = state
        .store
        .patch_channel_connection_settings(app_id, url.as_deref(), is_ready, now())
        .await?;
    Ok(Json(settings.ok_or_else(|| no_settings(app_id))?.into()))
}

/// Removes the app's channel-connection settings.
#[utoipa::path(delete, path = "/crm/v3/extensions/calling/{appId}/settings/channel-connection",
    tag = "Channel connection settings", operation_id = "archive_channel_connection_settings",
    params(("appId" = i64, Path, description = "The app's id")),
    responses((status = 204), (status = "4XX", body = crate::error::ErrorBody)),
    security(("developer_hapikey" = []), ("oauth2" = ["developers-write"])))]
pub async fn archive_channel_settings(
    State(state): State<AppState>,
    developer: Developer,
    AppId(app_id): AppId,
) -> ApiResult<StatusCode> {
    owned_app(&state, developer, app_id).await?;
    if state
        .store
        .delete_channel_connection_settings(app_id)
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(no_settings(app_id))
    }
}
