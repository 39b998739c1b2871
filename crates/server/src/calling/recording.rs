//! Recording settings: `/crm/v3/extensions/calling/{appId}/settings/recording`.
//!
//! The URL template the host calls to get a playable recording of a call (`%s` is the call's
//! external id). Register, read and update; HubSpot has no delete, and neither do we.

use axum::extract::State;
use axum::Json;
use callhost_store::{now, RecordingSettings};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::{owned_app, registered_app};
use crate::auth::Developer;
use crate::domain::RecordingUrlTemplate;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AppId, JsonObject};
use crate::fields::Fields;
use crate::AppState;

const FIELD: &str = "urlToRetrieveAuthedRecording";

/// The body of a register (required) or update (optional) request.
#[derive(Debug, ToSchema)]
#[schema(as = RecordingSettingsRequest)]
#[allow(dead_code)] // for the OpenAPI document; parsing goes through `Fields`
pub struct RecordingSettingsRequestDoc {
    /// An https URL (http on loopback) containing `%s`, replaced by the call's external id.
    #[schema(rename = "urlToRetrieveAuthedRecording")]
    url_to_retrieve_authed_recording: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecordingSettingsResponse {
    pub url_to_retrieve_authed_recording: String,
}

impl From<RecordingSettings> for RecordingSettingsResponse {
    fn from(s: RecordingSettings) -> Self {
        Self {
            url_to_retrieve_authed_recording: s.url_to_retrieve_authed_recording,
        }
    }
}

/// The template in `body`, validated; `required` says whether it may be absent.
fn parse_template(body: &Map<String, Value>, required: bool) -> ApiResult<Option<String>> {
    let mut fields = Fields::new(body);
    let template = fields.string(FIELD).and_then(|raw| {
        let parsed = RecordingUrlTemplate::parse(raw).map_err(|why| format!("{FIELD} {why}"));
        fields.check(FIELD, "INVALID_URL", parsed)
    });
    let template = if required {
        fields.required(FIELD, template)
    } else {
        template
    };
    fields.finish("recording settings")?;
    Ok(template.map(RecordingUrlTemplate::into_string))
}

fn no_settings(app_id: i64) -> ApiError {
    ApiError::not_found(format!("No recording settings exist for app {app_id}."))
}

/// Registers (or replaces) the app's recording URL template.
#[utoipa::path(post, path = "/crm/v3/extensions/calling/{appId}/settings/recording",
    tag = "Recording settings", operation_id = "register_url_format",
    params(("appId" = i64, Path, description = "The app's id")),
    request_body = RecordingSettingsRequestDoc,
    responses((status = 200, body = RecordingSettingsResponse), (status = "4XX", body = crate::error::ErrorBody)),
    security(("developer_hapikey" = []), ("oauth2" = ["developers-write"])))]
pub async fn register_recording_settings(
    State(state): State<AppState>,
    developer: Developer,
    AppId(app_id): AppId,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<RecordingSettingsResponse>> {
    let template = parse_template(&body, true)?.ok_or_else(ApiError::internal)?;
    registered_app(&state, developer, app_id).await?;
    let settings = state
        .store
        .put_recording_settings(app_id, &template, now())
        .await?;
    Ok(Json(settings.into()))
}

/// Reads the app's recording URL template.
#[utoipa::path(get, path = "/crm/v3/extensions/calling/{appId}/settings/recording",
    tag = "Recording settings", operation_id = "get_url_format",
    params(("appId" = i64, Path, description = "The app's id")),
    responses((status = 200, body = RecordingSettingsResponse), (status = "4XX", body = crate::error::ErrorBody)),
    security(("developer_hapikey" = []), ("oauth2" = ["developers-read"])))]
pub async fn get_recording_settings(
    State(state): State<AppState>,
    developer: Developer,
    AppId(app_id): AppId,
) -> ApiResult<Json<RecordingSettingsResponse>> {
    owned_app(&state, developer, app_id).await?;
    let settings = state.store.get_recording_settings(app_id).await?;
    Ok(Json(settings.ok_or_else(|| no_settings(app_id))?.into()))
}

/// Changes the app's recording URL template.
#[utoipa::path(patch, path = "/crm/v3/extensions/calling/{appId}/settings/recording",
    tag = "Recording settings", operation_id = "update_url_format",
    params(("appId" = i64, Path, description = "The app's id")),
    request_body = RecordingSettingsRequestDoc,
    responses((status = 200, body = RecordingSettingsResponse), (status = "4XX", body = crate::error::ErrorBody)),
    security(("developer_hapikey" = []), ("oauth2" = ["developers-write"])))]
pub async fn update_recording_settings(
    State(state): State<AppState>,
    developer: Developer,
    AppId(app_id): AppId,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<RecordingSettingsResponse>> {
    let template = parse_template(&body, false)?;
    owned_app(&state, developer, app_id).await?;
    let settings = state
        .store
        .patch_recording_settings(app_id, template.as_deref(), now())
        .await?;
    Ok(Json(settings.ok_or_else(|| no_settings(app_id))?.into()))
}
