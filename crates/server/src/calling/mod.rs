//! The calling-extensions APIs, at HubSpot's v3 paths and their date-versioned aliases
//! (`/crm/extensions/calling/2026-03/...`): the settings (developer API key), and
//! recordings/ready and inbound-call (bearer token of a portal).
//!
//! Ownership: an app belongs to the developer account that first wrote settings for it. Other
//! accounts cannot read or change it: reads, updates and deletes answer 404 as for an absent
//! app (nothing about it leaks), a create answers 403.

pub mod channel;
pub mod inbound;
pub mod ready;
pub mod recording;
pub mod settings;

use axum::routing::post;
use axum::Router;

use crate::auth::Developer;
use crate::error::{ApiError, ApiResult};
use crate::AppState;

/// The path prefixes the settings routes live under: v3 and date-versioned.
pub const PREFIXES: [&str; 2] = [
    "/crm/v3/extensions/calling",
    "/crm/extensions/calling/{version}",
];

pub fn router() -> Router<AppState> {
    PREFIXES.iter().fold(Router::new(), |router, prefix| {
        router
            .route(
                &format!("{prefix}/{{app_id}}/settings"),
                post(settings::create_settings)
                    .get(settings::get_settings)
                    .patch(settings::update_settings)
                    .delete(settings::archive_settings),
            )
            .route(
                &format!("{prefix}/{{app_id}}/settings/recording"),
                post(recording::register_recording_settings)
                    .get(recording::get_recording_settings)
                    .patch(recording::update_recording_settings),
            )
            .route(
                &format!("{prefix}/recordings/ready"),
                post(ready::mark_recording_ready),
            )
            .route(
                &format!("{prefix}/inbound-call"),
                post(inbound::report_inbound_call),
            )
            .route(
                &format!("{prefix}/{{app_id}}/settings/channel-connection"),
                post(channel::create_channel_settings)
                    .get(channel::get_channel_settings)
                    .patch(channel::update_channel_settings)
                    .delete(channel::archive_channel_settings),
            )
    })
}

/// Checks that `app_id` exists and belongs to the caller; otherwise 404.
async fn owned_app(state: &AppState, developer: Developer, app_id: i64) -> ApiResult<()> {
    match state.store.get_app(app_id).await? {
        Some(app) if app.developer_account_id == developer.account_id => Ok(()),
        _ => Err(ApiError::not_found(format!(
            "App {app_id} was not found for this developer account."
        ))),
    }
}

/// Registers `app_id` to the caller on its first write; 403 if another account owns it.
async fn registered_app(state: &AppState, developer: Developer, app_id: i64) -> ApiResult<()> {
    let app = state
        .store
        .register_app(app_id, developer.account_id)
        .await?;
    if app.developer_account_id == developer.account_id {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!(
            "App {app_id} belongs to another developer account."
        )))
    }
}
