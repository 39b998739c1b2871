//! `GET /callhost/v1/sessions`: the live widget sessions a caller may drive, and finding one
//! by id for the other routes.
//!
//! A session another caller owns answers exactly as one that does not exist, so ids cannot be
//! probed across portals.
//!
//! Several instances: the list has the sessions of every instance (from the store; those held
//! elsewhere as last written), and a session held by another instance is taken over by the
//! instance the request reached before anything is done to it (`host::handover`;
//! docs/automation.md#several-instances).

use axum::extract::State;
use axum::Json;
use callhost_protocol::engine::{CallPhase, Direction, IframeLocation, Session};
use serde::Serialize;
use utoipa::ToSchema;

use super::gate::{developer_of, Caller};
use crate::error::{ApiError, ApiResult};
use crate::host::handover;
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
        Self::with(
            &handle.id,
            (handle.portal_id, handle.user_id, handle.app_id),
            engine,
            connected,
        )
    }

    fn with(
        id: &str,
        (portal_id, user_id, app_id): (i64, i64, i64),
        engine: &Session,
        connected: bool,
    ) -> Self {
        let config = engine.config();
        SessionView {
            id: id.to_owned(),
            portal_id,
            user_id,
            app_id,
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
    let here = state.sessions.all();
    for handle in &here {
        if !visible(&state, &caller, handle.portal_id, handle.app_id).await? {
            continue;
        }
        let live = handle.live.lock().await;
        results.push(SessionView::of(handle, &live.engine, live.connected()));
    }
    // Those other instances hold, as they last wrote them.
    for row in state.store.list_widget_sessions().await? {
        if here.iter().any(|h| h.id == row.id)
            || !visible(&state, &caller, row.portal_id, row.app_id).await?
        {
            continue;
        }
        if let Some(engine) = handover::stored_engine(&row) {
            let owner = (row.portal_id, row.user_id, row.app_id);
            results.push(SessionView::with(&row.id, owner, &engine, row.connected));
        }
    }
    results.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(Json(SessionList { results }))
}

/// The session `id` if the caller may drive it; a 404 otherwise, the same as for no session.
/// A session another instance holds is taken over first.
pub async fn find(state: &AppState, caller: &Caller, id: &str) -> ApiResult<Handle> {
    if let Some(handle) = state.sessions.get(id) {
        return match visible(state, caller, handle.portal_id, handle.app_id).await? {
            true => Ok(handle),
            false => Err(no_session(id)),
        };
    }
    let row = state.store.get_widget_session(id).await?;
    let Some(row) = row else {
        return Err(no_session(id));
    };
    if !visible(state, caller, row.portal_id, row.app_id).await?
        || !handover::take_over(state, row).await
    {
        return Err(no_session(id));
    }
    state.sessions.get(id).ok_or_else(|| no_session(id))
}

pub fn no_session(id: &str) -> ApiError {
    ApiError::not_found(format!(
        "No widget session {id}: it has ended, or it is not one of yours."
    ))
}

async fn visible(
    state: &AppState,
    caller: &Caller,
    portal_id: i64,
    app_id: i64,
) -> ApiResult<bool> {
    let developer = match caller.owner {
        super::gate::Owner::Developer(_) => developer_of(state, app_id).await?,
        super::gate::Owner::Portal(_) => None,
    };
    Ok(caller.owns_session(portal_id, developer))
}
