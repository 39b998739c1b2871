//! Who may drive the host: the automation gate and the caller of every `/callhost/v1/` route.
//!
//! [`Caller`] is the one extractor the automation routes take. With the gate closed
//! (`AppState::automation` off, docs/design.md#automation-gate) it answers the 404 of a route
//! that does not exist, before it looks at credentials, so a server that is not meant to be
//! driven does not even say the surface is there. With it open it takes a developer API key
//! (`?hapikey=`, acting for its apps' sessions) or a portal access token (`Authorization:
//! Bearer`, acting for that portal's sessions). No cookie is read: a browser signed in to the
//! host gets nothing here without a credential, so a page on another site cannot drive it.
//!
//! Invariant: **a caller sees only its own sessions and faults**; everything here is scoped
//! by [`Caller::owns_session`] and the fault rules' [`Owner`].

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use callhost_store::secret;

use crate::auth::{bearer_grant, query_param};
use crate::error::ApiError;
use crate::routes::unknown_route;
use crate::AppState;

/// Whose sessions and faults a request acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase", tag = "kind", content = "id")]
pub enum Owner {
    /// A developer account: the sessions of its apps.
    Developer(i64),
    /// A portal: its users' sessions.
    Portal(i64),
}

/// An authenticated caller of the automation API.
#[derive(Debug, Clone, Copy)]
pub struct Caller {
    pub owner: Owner,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if !state.automation {
            return Err(unknown_route(parts.method.as_str(), parts.uri.path()));
        }
        if let Some(key) = query_param(parts, "hapikey") {
            let account_id = state
                .store
                .find_developer_by_api_key(&secret::hash(&key))
                .await?
                .ok_or_else(|| ApiError::unauthenticated("The API key provided is invalid."))?;
            return Ok(Caller {
                owner: Owner::Developer(account_id),
            });
        }
        match bearer_grant(parts, state).await? {
            Some(grant) => Ok(Caller {
                owner: Owner::Portal(grant.portal_id),
            }),
            None => Err(ApiError::unauthenticated(
                "The automation API takes a developer API key (the hapikey query parameter) \
                 or a portal access token (an Authorization: Bearer header); cookies are not \
                 accepted.",
            )),
        }
    }
}

impl Caller {
    /// Whether a session of `portal_id` running an app of `developer` (its developer account,
    /// when the app is registered) is this caller's.
    pub fn owns_session(&self, portal_id: i64, developer: Option<i64>) -> bool {
        match self.owner {
            Owner::Portal(id) => id == portal_id,
            Owner::Developer(id) => developer == Some(id),
        }
    }
}

/// The developer account of an app, when it is registered (a localStorage override runs
/// under an id no developer may own).
pub async fn developer_of(state: &AppState, app_id: i64) -> Result<Option<i64>, ApiError> {
    Ok(state
        .store
        .get_app(app_id)
        .await?
        .map(|app| app.developer_account_id))
}
