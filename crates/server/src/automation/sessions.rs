//! `GET /callhost/v1/sessions`: the live widget sessions a caller may drive, and finding one
//! by id for the other routes.
//!
//! A session another caller owns answers exactly as one that does not exist, so ids cannot be
//! probed across portals.

use axum::extract::State;
use axum::Json;
use callhost_protocol::engine::{CallPhase, Direction, IframeLocation, Session};
use serde::Serialize;
use utoipa::ToSchema;

use super::gate::{developer_of, Caller};
use crate::error::{ApiError, ApiResult};
use crate::host::widget_socket::Handle;
use crate::AppState;

/// A live widget session.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    pub id: String,
    pub portal_id: i64,
    pub user_id: i64,
    pub app_id: i64,
    /// Where the app's iframe lives: `widget`, `remote` or `window`.
    #[schema(value_type = String)]
    pub location: IframeLocation,
    /// Whether a host page is connected to the session now.
    pub connected: bool,
    pub state: AppStateView,
    /// The call started last (live or not); `null` before the first call.
    pub call: Option<CallView>,
}

/// What the app has done so far.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppStateView {
    /// The iframe fired `load`.
    pub loaded: bool,
    /// The handshake finished (SYNC_ACK).
    pub synced: bool,
    /// INITIALIZED arrived.
    pub initialized: bool,
    /// The app reported LOGGED_IN (and not LOGGED_OUT since).
    pub logged_in: bool,
    /// USER_AVAILABLE / USER_UNAVAILABLE, `null` until either.
    pub available: Option<bool>,
}

/// A call of the session.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallView {
    pub external_call_id: String,
    pub engagement_id: Option<i64>,
    /// `RINGING`, `DIALING`, `IN_PROGRESS`, `ENDED`, `COMPLETED` or `TRANSFERRED`.
    #[schema(value_type = String)]
    pub status: CallPhase,
    #[schema(value_type = Option<String>)]
    pub direction: Option<Direction>,
    /// Still ringing, dialing or connected.
    pub live: bool,
}

/// `{"results": [...]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionList {
    pub results: Vec<SessionView>,
}

impl SessionView {
    pub fn of(handle: &Handle, engine: &Session, connected: bool) -> Self {
        let config = engine.config();
        SessionView {
            id: handle.id.clone(),
            portal_id: handle.portal_id,
            user_id: handle.user_id,
            app_id: handle.app_id,
            location: config.iframe_location,
            connected,
            state: AppStateView {
                loaded: engine.loaded(),
                synced: engine.synced(),
                initialized: engine.initialized(),
                logged_in: engine.logged_in(),
                available: engine.available(),
            },
            call: engine.latest_call().map(|call| CallView {
                external_call_id: call.external_call_id.clone(),
                engagement_id: call.engagement_id,
                status: call.phase,
                direction: call.direction,
                live: call.is_live(),
            }),
        }
    }
}

/// The caller's live widget sessions.
#[utoipa::path(
    get,
    path = "/callhost/v1/sessions",
    tag = "Automation",
    responses(
        (status = 200, description = "The caller's live widget sessions", body = SessionList),
        (status = 401, description = "No or invalid credentials", body = crate::error::ErrorBody),
        (status = 404, description = "Automation is off", body = crate::error::ErrorBody),
    ),
    security(("developer_hapikey" = []), ("oauth2" = []))
)]
pub async fn list_sessions(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<SessionList>> {
    let mut results = Vec::new();
    for handle in state.sessions.all() {
        if !visible(&state, &caller, &handle).await? {
            continue;
        }
        let live = handle.live.lock().await;
        results.push(SessionView::of(&handle, &live.engine, live.connected()));
    }
    Ok(Json(SessionList { results }))
}

/// The session `id` if the caller may drive it; a 404 otherwise, the same as for no session.
pub async fn find(state: &AppState, caller: &Caller, id: &str) -> ApiResult<Handle> {
    match state.sessions.get(id) {
        Some(handle) if visible(state, caller, &handle).await? => Ok(handle),
        _ => Err(no_session(id)),
    }
}

pub fn no_session(id: &str) -> ApiError {
    ApiError::not_found(format!(
        "No widget session {id}: it has ended, or it is not one of yours."
    ))
}

async fn visible(state: &AppState, caller: &Caller, handle: &Handle) -> ApiResult<bool> {
    let developer = match caller.owner {
        super::gate::Owner::Developer(_) => developer_of(state, handle.app_id).await?,
        super::gate::Owner::Portal(_) => None,
    };
    Ok(caller.owns_session(handle.portal_id, developer))
}
