//! The host: the CRM pages that run calling apps, and the WebSocket that connects each
//! widget session to the protocol engine.
//!
//! Routes (host origin):
//! - `GET /contacts/{portalId}/{*rest}` and `GET /calling-integration-popup-ui/{portalId}`: the
//!   host page (one shell; its scripts route by path). Signs the development user in on
//!   loopback.
//! - `GET /host/static/{*path}`: the host page's scripts and styles.
//! - `GET /host/api/context`: who is signed in, their token for the REST API, and the portal's
//!   calling apps.
//! - `GET /host/signin?code=..`: a one-time sign-in link ([`signin_link`]).
//! - `GET /host/api/app-check?url=..`: why an app may not load ([`app_check`]).
//! - `GET /host/ws?appId=..&location=..[&engagementId=..][&url=..][&session=..]`: a widget
//!   session ([`widget_socket`]).
//! - `GET /calling-inspector/{portalId}`: the protocol inspector's page;
//!   `GET /host/api/inspector[?appId=..][&externalCallId=..][&session=..][&download=1]` its
//!   record as JSON ([`inspector`]), which the page polls to stay live.
//! - `GET /help-desk/{portalId}` (help desk: channels and tickets) and
//!   `GET /settings/{portalId}/apps` (the installed apps' client secrets): the host page too.
//! - `/host/api/apps…`: the admin API for installed apps and their client secrets ([`admin`]).
//! - `GET /host/api/recordings/{engagementId}[/status|/audio]`: a call's recording, asked of
//!   its app and streamed through callhost ([`recordings`]).
//! - `/host/api/saved-searches…`: the user's saved searches of the list pages
//!   ([`saved_searches`]).
//! - `/host/api/installs`, `DELETE /host/api/apps/{appId}`: installs and uninstalling
//!   ([`installs`]); `/host/api/me`, `/host/api/users`, `/host/api/session`: who is signed in,
//!   and switching users in development ([`users`]); `POST /host/api/developer/apps`: creating
//!   an OAuth app in development ([`developer`]).

pub mod admin;
pub mod app_check;
pub mod apps;
pub mod calls;
pub mod cluster;
pub mod developer;
pub mod handover;
pub mod hops;
pub mod inspector;
pub mod installs;
pub mod local_app;
pub mod not_found;
pub mod recordings;
pub mod rest_trace;
pub mod saved_searches;
pub mod session_registry;
pub mod signin;
pub mod signin_link;
pub mod users;
pub mod widget_socket;

/// A widget session's config for unit tests: the demo app's in a widget, of `portal_id` and
/// `user_id`, on a loopback host.
#[cfg(test)]
pub(crate) fn test_session_config(portal_id: i64, user_id: i64) -> SessionConfig {
    SessionConfig {
        host_url: "http://127.0.0.1:8080".into(),
        portal_id,
        user_id,
        owner_id: 2,
        app_id: 3,
        app_url: "http://127.0.0.1:9000/".into(),
        allowed_origins: Vec::new(),
        iframe_location: IframeLocation::Widget,
        uses_calling_window: false,
        engagement_id: None,
        legacy_engagement_created: false,
    }
}

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, WebSocket};
use axum::extract::{Request, State, WebSocketUpgrade};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use callhost_protocol::engine::{IframeLocation, Session, SessionConfig};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::assets;
use crate::domain::{without_credentials, AppUrl};
use crate::error::{ApiError, ApiResult};
use crate::extract::Query;
use crate::host::signin::HostUser;
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/contacts/{portal_id}", get(show_page))
        .route("/contacts/{portal_id}/{*rest}", get(show_page))
        .route("/calling-integration-popup-ui/{portal_id}", get(show_page))
        .route("/host/static/{*path}", get(assets::host_static))
        .route("/host/api/context", get(get_context))
        .route("/host/signin", get(signin_link::open_signin_link))
        .route("/host/api/app-check", get(app_check::check_app_url))
        .route("/host/ws", get(open_socket))
        .route("/calling-inspector/{portal_id}", get(show_page))
        .route("/host/api/inspector", get(export_inspector))
        .route("/help-desk/{portal_id}", get(show_page))
        .route("/help-desk/{portal_id}/{*rest}", get(show_page))
        .route("/settings/{portal_id}/apps", get(show_page))
        .merge(admin::router())
        .merge(developer::router())
        .merge(installs::router())
        .merge(users::router())
        .merge(recordings::router())
        .merge(saved_searches::router())
}

/// The host page, for the signed-in user's portal (signing in on loopback if needed).
async fn show_page(State(state): State<AppState>, request: Request) -> ApiResult<Response> {
    let (parts, _) = request.into_parts();
    let portal = parts
        .uri
        .path()
        .split('/')
        .nth(2)
        .and_then(|p| p.parse::<i64>().ok());
    let (user, set_cookie) = match signin::current(&parts, &state).await? {
        Some(user) => (user, None),
        None => match signin::sign_in_on_loopback(&parts, &state).await? {
            Some((user, cookie)) => (user, Some(cookie)),
            None => {
                let error = ApiError::unauthenticated(
                    "Sign-in is only automatic on loopback; elsewhere, open a sign-in link (callhost user sign-in).",
                );
                let status = StatusCode::UNAUTHORIZED;
                return Ok(not_found::answer(&parts, &state, status, "Not signed in", error).await);
            }
        },
    };
    if portal != Some(user.grant.portal_id) {
        let path = parts.uri.path();
        let error = ApiError::not_found(match portal {
            Some(other) => format!(
                "{path} is a page of portal {other}, which is not yours: you are signed in to portal {}.",
                user.grant.portal_id
            ),
            None => format!("{path} names no portal."),
        });
        // The same page in the user's portal: the path with its portal segment replaced.
        let mut segments: Vec<&str> = path.split('/').collect();
        let mine = user.grant.portal_id.to_string();
        if segments.len() > 2 {
            segments[2] = &mine;
        }
        let same_page = segments.join("/");
        let page = not_found::page(
            StatusCode::NOT_FOUND,
            "Not your portal",
            &error.to_string(),
            Some(user.grant.portal_id),
            Some(&same_page),
        );
        return Ok(if not_found::wants_html(&parts.headers) {
            page
        } else {
            error.into_response()
        });
    }
    let page = if parts.uri.path().starts_with("/calling-inspector/") {
        "inspector.html"
    } else {
        "host.html"
    };
    let mut response = assets::web_page(page);
    if let Some(cookie) = set_cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        response.headers_mut().insert(SET_COOKIE, cookie);
    }
    Ok(response)
}

/// The apps a session can use: installed in the portal, with calling settings.
async fn installed_apps(state: &AppState, portal_id: i64) -> ApiResult<Vec<Value>> {
    let mut apps = Vec::new();
    for app_id in state.store.installed_apps(portal_id).await? {
        if let Some(s) = state.store.get_calling_settings(app_id).await? {
            let f = s.fields;
            apps.push(json!({"appId": app_id, "name": f.name, "url": without_credentials(&f.url), "width": f.width,
                "height": f.height, "isReady": f.is_ready, "supportsCustomObjects": f.supports_custom_objects,
                "supportsInboundCalling": f.supports_inbound_calling,
                "usesCallingWindow": f.uses_calling_window, "usesRemote": f.uses_remote}));
        }
    }
    Ok(apps)
}

async fn get_context(
    State(state): State<AppState>,
    user: HostUser,
    request: Request,
) -> ApiResult<Json<Value>> {
    let (parts, _) = request.into_parts();
    let grant = &user.grant;
    let owner = state
        .store
        .get_user(grant.portal_id, grant.user_id)
        .await?
        .map(|u| u.owner_id);
    Ok(Json(json!({
        "portalId": grant.portal_id,
        "userId": grant.user_id,
        "ownerId": owner,
        "hostUrl": signin::host_origin(&parts),
        "accessToken": user.token,
        "apps": installed_apps(&state, grant.portal_id).await?,
    })))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SocketParams {
    app_id: Option<i64>,
    location: Option<IframeLocation>,
    engagement_id: Option<i64>,
    url: Option<String>,
    session: Option<String>,
}

/// The widget socket's starting read and write buffers.
const SOCKET_BUFFER_BYTES: usize = 8 * 1024;

async fn open_socket(
    State(state): State<AppState>,
    user: HostUser,
    Query(params): Query<SocketParams>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    request: Request,
) -> ApiResult<Response> {
    // A plain GET (no upgrade headers) is the client's mistake, told in HubSpot's shape.
    let upgrade = upgrade.map_err(|rejection| {
        ApiError::validation(
            format!("Not a WebSocket upgrade: {}", rejection.body_text()),
            vec![],
        )
    })?;
    let (parts, _) = request.into_parts();
    if !signin::same_origin(&parts) {
        return Err(ApiError::forbidden(
            "The host socket only accepts pages of its own origin.",
        ));
    }
    let (portal_id, user_id) = (user.grant.portal_id, user.grant.user_id);
    // A session a reset ended is not resumed: its page gets a new one (fixture::reset).
    let resume = params
        .session
        .as_ref()
        .filter(|id| !state.resets.ended(id, portal_id, user_id));
    let (id, live) = match resume {
        Some(id) => {
            // Held here, or taken over from the instance that drove it (handover).
            // (A session taken over continues its inspector record: `handover::adopt`.)
            let live = handover::resume(&state, id, portal_id, user_id).await;
            (
                id.clone(),
                live.ok_or_else(|| ApiError::not_found("That widget session has ended."))?,
            )
        }
        None => {
            let host_url = signin::host_origin(&parts).ok_or_else(ApiError::internal)?;
            let config = session_config(&state, &user, &params, host_url).await?;
            let (id, live) =
                handover::open(&state, Session::new(config.clone()), portal_id, user_id).await;
            state.inspector.open(&id, &config);
            (id, live)
        }
    };
    // The transport allows more than the loop does, so that a frame over the loop's limit is
    // still read whole and answered with 1009 and a finding instead of a broken connection.
    let transport_limit = widget_socket::MAX_FRAME_BYTES * 4;
    // Buffers start small: a page's frames are a few hundred bytes, and tungstenite's default
    // 128 KiB each for reading and writing made a session cost about 140 KiB at 10,000
    // sessions (bench/README.md). Both grow for a larger frame, up to the limits above.
    let upgrade = upgrade
        .max_message_size(transport_limit)
        .max_frame_size(transport_limit)
        .read_buffer_size(SOCKET_BUFFER_BYTES)
        .write_buffer_size(SOCKET_BUFFER_BYTES);
    Ok(upgrade.on_upgrade(move |socket: WebSocket| async move {
        let (sink, stream) = socket.split();
        let sink = sink
            .with(|text: String| async move { Ok::<_, axum::Error>(Message::Text(text.into())) });
        let stream = stream.filter_map(|message| async move {
            match message {
                Ok(Message::Text(text)) => Some(text.to_string()),
                _ => None,
            }
        });
        let (ending, mut sink) =
            widget_socket::drive(state, id, live, Box::pin(sink), Box::pin(stream)).await;
        if ending == widget_socket::Ending::TooLarge {
            let close = axum::extract::ws::CloseFrame {
                code: axum::extract::ws::close_code::SIZE,
                reason: "frame too large".into(),
            };
            let _ = sink
                .as_mut()
                .get_pin_mut()
                .send(Message::Close(Some(close)))
                .await;
        }
    }))
}

/// The engine's configuration for a new session of `params.app_id` (or of a URL from the
/// `LocalSettings:Calling:CallingExtensions` override) in the user's portal.
async fn session_config(
    state: &AppState,
    user: &HostUser,
    params: &SocketParams,
    host_url: String,
) -> ApiResult<SessionConfig> {
    let grant = &user.grant;
    let owner_id = state
        .store
        .get_user(grant.portal_id, grant.user_id)
        .await?
        .map_or(0, |u| u.owner_id);
    let app_id = params.app_id.unwrap_or(0);
    let installed = state
        .store
        .installed_apps(grant.portal_id)
        .await?
        .contains(&app_id);
    let settings = if installed {
        state.store.get_calling_settings(app_id).await?
    } else {
        None
    };
    let app_url = match (&params.url, &settings) {
        (Some(url), _) => AppUrl::parse(url)
            .map_err(|why| ApiError::validation(format!("url {why}"), vec![]))?
            .into_string(),
        (None, Some(s)) => without_credentials(&s.fields.url),
        (None, None) => {
            return Err(ApiError::not_found(format!(
                "App {app_id} is not installed with calling settings."
            )))
        }
    };
    // An app loaded from a URL of another origin is a local app, with calls of its own.
    let app_id = match &params.url {
        Some(url)
            if local_app::runs_another_app(
                settings.as_ref().map(|s| s.fields.url.as_str()),
                url,
            ) =>
        {
            local_app::local_app_id(url)
        }
        _ => app_id,
    };
    Ok(SessionConfig {
        host_url,
        portal_id: grant.portal_id,
        user_id: grant.user_id,
        owner_id,
        app_id,
        app_url,
        allowed_origins: Vec::new(),
        iframe_location: params.location.unwrap_or(IframeLocation::Widget),
        uses_calling_window: settings
            .as_ref()
            .is_none_or(|s| s.fields.uses_calling_window),
        engagement_id: params.engagement_id,
        legacy_engagement_created: false,
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct InspectorParams {
    app_id: Option<i64>,
    external_call_id: Option<String>,
    /// One widget session (the inspector panel beside the widget).
    session: Option<String>,
    #[serde(default)]
    download: Option<String>,
}

/// The inspector's record of the user's portal, filtered by app and call; `download=1` makes
/// it a file.
async fn export_inspector(
    State(state): State<AppState>,
    user: HostUser,
    Query(params): Query<InspectorParams>,
) -> ApiResult<Response> {
    let portal_id = user.grant.portal_id;
    let filter = inspector::ExportFilter {
        app_id: params.app_id,
        external_call_id: params.external_call_id.as_deref(),
        session_id: params.session.as_deref(),
    };
    let sessions = state.inspector.export(portal_id, &filter).await?;
    let body = json!({
        "portalId": portal_id,
        "exportedAt": crate::time::format(&callhost_store::now()),
        "findingCodes": "docs/findings.md",
        "sessions": sessions,
    });
    let mut response = Json(body).into_response();
    if params.download.is_some() {
        let name = HeaderValue::from_static("attachment; filename=\"callhost-inspector.json\"");
        response
            .headers_mut()
            .insert(axum::http::header::CONTENT_DISPOSITION, name);
    }
    Ok(response)
}
