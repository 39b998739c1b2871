//! The apps installed in a portal, as the host's routes ask about them.

use crate::error::{ApiError, ApiResult};
use crate::AppState;

/// Whether `app_id` is installed in the portal.
pub async fn is_installed(state: &AppState, portal_id: i64, app_id: i64) -> ApiResult<bool> {
    Ok(state
        .store
        .installed_apps(portal_id)
        .await?
        .contains(&app_id))
}

/// 404 unless `app_id` is installed in the portal, as if another portal's app did not exist.
pub async fn require_installed(state: &AppState, portal_id: i64, app_id: i64) -> ApiResult<()> {
    if is_installed(state, portal_id, app_id).await? {
        Ok(())
    } else {
        Err(ApiError::not_found(format!(
            "App {app_id} is not installed in portal {portal_id}."
        )))
    }
}

/// Every app installed in the portal with the name of its calling settings, else the name
/// of its OAuth client (`None` without either).
pub async fn installed_with_names(
    state: &AppState,
    portal_id: i64,
) -> ApiResult<Vec<(i64, Option<String>)>> {
    let mut apps = Vec::new();
    for app_id in state.store.installed_apps(portal_id).await? {
        let name = match state.store.get_calling_settings(app_id).await? {
            Some(settings) => Some(settings.fields.name),
            None => state
                .store
                .get_oauth_client(app_id)
                .await?
                .map(|client| client.name),
        };
        apps.push((app_id, name));
    }
    Ok(apps)
}
