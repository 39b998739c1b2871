//! `POST /crm/v3/extensions/calling/recordings/ready`: an app says a call's recording can be
//! fetched. Bearer auth; 204 on success.
//!
//! The call must be one of the token's portal (404 otherwise) and carry
//! `hs_call_external_id`, which the host puts into the app's recording URL template (400
//! otherwise). The mark is kept (`RecordingStore`; marking again moves its time) and the
//! timeline shows it beside the call's player (`host::recordings`); fetching the recording is
//! the host's work when someone plays it.
//!
//! Only the external id is required, not `hs_call_app_id` and `hs_call_source` as well: an
//! app may mark a call it logged through the CRM API without them, and the player explains
//! what is missing when it cannot offer the recording.

use axum::extract::State;
use axum::http::StatusCode;

use crate::auth::PortalAccess;
use crate::crm::catalog::object_type;
use crate::error::{ApiError, ApiResult, ErrorDetail};
use crate::extract::JsonObject;
use crate::fields::Fields;
use crate::AppState;

/// Any of these scopes lets a token mark recordings ready or report inbound calls.
pub const CALL_WRITE_SCOPES: &[&str] = &[
    "crm.objects.contacts.write",
    "crm.objects.contacts.sensitive.write.v2",
    "crm.objects.contacts.highly_sensitive.write.v2",
    "crm.schemas.contacts.write",
];

/// Checks that the token has one of [`CALL_WRITE_SCOPES`].
pub fn require_call_write(access: &PortalAccess) -> ApiResult<()> {
    crate::scopes::require(&access.0, CALL_WRITE_SCOPES)
}

/// The body of `recordings/ready`, for the OpenAPI document.
#[derive(utoipa::ToSchema)]
#[schema(as = RecordingReadyRequest, rename_all = "camelCase")]
#[allow(dead_code)]
pub struct RecordingReadyRequestDoc {
    /// The call's id.
    #[schema(minimum = 1)]
    engagement_id: i64,
}

/// Marks a call's recording as ready: 204.
#[utoipa::path(post, path = "/crm/v3/extensions/calling/recordings/ready", tag = "Calling",
    operation_id = "mark_recording_ready",
    request_body = RecordingReadyRequestDoc,
    responses((status = 204, description = "Marked")),
    security(("oauth2" = [])))]
pub async fn mark_recording_ready(
    State(state): State<AppState>,
    access: PortalAccess,
    JsonObject(body): JsonObject,
) -> ApiResult<StatusCode> {
    require_call_write(&access)?;
    let mut fields = Fields::new(&body);
    let id = fields.integer("engagementId", 1..=i64::MAX);
    let id = fields.required("engagementId", id);
    fields.finish("request")?;
    let id = id.ok_or_else(ApiError::internal)?;
    let call = state
        .store
        .get_objects(access.0.portal_id, object_type::CALL, &[id], false)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::not_found(format!("No call with engagementId {id}.")))?;
    let Some(external_id) = call.properties.get("hs_call_external_id") else {
        return Err(ApiError::validation(
            format!("Call {id} has no hs_call_external_id, so its recording cannot be fetched."),
            vec![ErrorDetail::field(
                "engagementId",
                "MISSING_EXTERNAL_ID",
                "The call needs hs_call_external_id",
            )],
        ));
    };
    // The call was read just above; if it is deleted in between, nothing is marked.
    if !state
        .store
        .mark_recording_ready(access.0.portal_id, id, callhost_store::now())
        .await?
    {
        return Err(ApiError::not_found(format!(
            "No call with engagementId {id}."
        )));
    }
    tracing::info!(call.id = id, call.external_id = %external_id, portal.id = access.0.portal_id, "recording marked ready");
    Ok(StatusCode::NO_CONTENT)
}
