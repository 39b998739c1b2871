//! The API's router: every area's `router()`, the OpenAPI document, and the answers for
//! what matches nothing (unknown route, wrong method, a panic), all in HubSpot's error shape.

use std::any::Any;
use std::convert::Infallible;

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use tower::{Service, ServiceBuilder};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

use crate::crm::catalog::object_type;
use crate::error::ApiError;
use crate::{assets, automation, calling, crm, fixture, helpdesk, host, openapi, AppState};

/// The router of the API (and, as later areas land, of the host) origin. Its listener serves
/// it as [`api_service`].
///
/// Each group of routes takes its layers as one stack (`ServiceBuilder`): axum boxes a route
/// once per `layer` call and copies every box of it on each request, so one call per group
/// keeps that to one box (bench/README.md, "REST throughput").
pub fn api_router(state: AppState) -> Router {
    // A reset waits for the requests in flight and holds new ones (fixture/reset.rs): the
    // outermost layer of the REST routes and of the host's own API.
    let hold = || axum::middleware::from_fn_with_state(state.clone(), fixture::hold_during_reset);
    // REST calls about calls are traced for the protocol inspector (host/rest_trace.rs);
    // inside the trace, HubSpot's rate limits count the request when they are on
    // (rate_limits/), and then the automation API's fault rules may answer in a route's place.
    let rate_limits = state.rate_limits.is_some().then(|| {
        axum::middleware::from_fn_with_state(state.clone(), crate::rate_limits::limit_rate)
    });
    let traced = Router::new()
        .merge(calling::router())
        .merge(crm::router())
        .layer(
            ServiceBuilder::new()
                .layer(hold())
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    host::rest_trace::trace,
                ))
                .option_layer(rate_limits)
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    automation::rest_faults::inject_rest_faults,
                )),
        );
    // The host's own API: writes only from the host's pages.
    let host = Router::new()
        .merge(host::router())
        .merge(helpdesk::router())
        .layer(
            ServiceBuilder::new()
                .layer(hold())
                .layer(axum::middleware::from_fn(
                    host::signin::require_same_origin_writes,
                )),
        );
    Router::new()
        .merge(traced)
        .merge(host)
        .merge(fixture::router())
        // Outside the reset hold: a transcript's long poll or event stream must not hold a
        // reset up; actions take the hold where they reach the engine (widget_socket::inject).
        .merge(automation::router())
        .merge(crate::oauth::router())
        // Probes answer during a reset too: a reset is not an outage.
        .merge(crate::health::router())
        .route("/openapi.json", get(openapi_json))
        .route("/", get(show_start))
        .route("/sdk/{*path}", get(assets::sdk_file))
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

/// A router as a listener serves it, behind layers that wrap the router whole
/// ([`api_service`], [`demo_service`]).
pub trait Served:
    Service<Request, Response = Response, Error = Infallible, Future: Send + 'static>
    + Clone
    + Send
    + Sync
    + 'static
{
}

impl<T> Served for T where
    T: Service<Request, Response = Response, Error = Infallible, Future: Send + 'static>
        + Clone
        + Send
        + Sync
        + 'static
{
}

/// The API origin as its listener serves it: [`api_router`] inside the request's `tracing`
/// span and the answer to a handler that panicked. These wrap the router rather than each of
/// its routes (`Router::layer`), so that they add no box to every route.
pub fn api_service(state: AppState) -> impl Served {
    ServiceBuilder::new()
        .map_response(|response: Response<_>| response.map(axum::body::Body::new))
        .layer(TraceLayer::new_for_http())
        .layer(CatchPanicLayer::custom(panic_response))
        .service(api_router(state))
}

/// The demo origin as its listener serves it: [`demo_router`] inside the request's `tracing`
/// span.
pub fn demo_service(state: AppState) -> impl Served {
    ServiceBuilder::new()
        .map_response(|response: Response<_>| response.map(axum::body::Body::new))
        .layer(TraceLayer::new_for_http())
        .service(demo_router(state))
}

/// The 404 for a path no route matches.
pub fn unknown_route(method: &str, path: &str) -> ApiError {
    ApiError::not_found(format!("No route matches {method} {path}."))
}

/// What matches nothing: HubSpot's JSON 404, or a page for a browser (`host::not_found`).
async fn fallback(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
) -> Response {
    let (parts, _) = request.into_parts();
    let error = unknown_route(parts.method.as_str(), parts.uri.path());
    let status = axum::http::StatusCode::NOT_FOUND;
    host::not_found::answer(&parts, &state, status, "Page not found", error).await
}

async fn method_not_allowed() -> ApiError {
    ApiError::method_not_allowed()
}

/// A handler that panicked: the client gets an opaque 500 in the usual shape, the log the why.
fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let why = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    ApiError::Internal(anyhow::anyhow!("handler panicked: {why}")).into_response()
}

/// `/`: the development portal's contacts when there is one (the first thing a newcomer
/// opens), the start page otherwise.
async fn show_start(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    match state.development {
        Some(dev) => axum::response::Redirect::to(&format!(
            "/contacts/{}/objects/{}/views/all/list",
            dev.portal_id,
            object_type::CONTACT
        ))
        .into_response(),
        None => assets::web_page("index.html"),
    }
}

async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi::document())
}

/// The router of the demo-app origin. Its listener serves it as [`demo_service`].
pub fn demo_router(state: AppState) -> Router {
    Router::new()
        .route("/sdk/{*path}", get(assets::sdk_file))
        .route("/", get(assets::demo_index))
        .route("/{*path}", get(assets::demo_file))
        // The demo app's backend: its help-desk and recording webhooks and its recordings.
        .merge(crate::demo_backend::router())
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}
