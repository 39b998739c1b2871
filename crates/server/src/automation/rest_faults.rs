//! The one layer that injects faults into the REST routes an app's backend calls
//! (docs/automation.md#faults): a request matching an `http` rule of its caller (by path
//! pattern and method) is answered with the rule's status instead of reaching its handler.
//!
//! A 429 is the rate limiter's own (`rate_limits::answer`, docs/rate-limits.md#the-429):
//! HubSpot's rate-limit body (`errorType: RATE_LIMIT`, `policyName`, the policy's exact
//! message, which the official clients' retry logic reads) and headers (`Retry-After`,
//! `X-HubSpot-RateLimit-*`); 500, 502 and 503 have HubSpot's error body. The layer sits
//! inside the REST trace (`host::rest_trace`), which records the answer with the rule that
//! fired, so the inspector and the transcript show it as injected.
//!
//! Cost: with no `http` rule, a request passes with one check of this process's copy of the
//! rules (`super::fault_rules`); only with one does the layer look up whose credentials the
//! request carries, and only a request a rule fits claims the firing in the store.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use callhost_store::secret;
use serde_json::{json, Value};

use super::faults::{FaultEffect, Fired};
use crate::auth::query_param;
use crate::rate_limits::answer::{seconds_to_midnight, too_many_requests};
use crate::rate_limits::{Caller, Policy, RateLimits, Usage};
use crate::AppState;

/// On a response a fault produced: what fired (for the REST trace).
#[derive(Debug, Clone)]
pub struct InjectedFault(pub Value);

/// The middleware: see the module docs.
pub async fn inject_rest_faults(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if !state.faults.any_http() {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let (portal, developer) = identity(&state, &parts).await;
    let fired = state
        .faults
        .on_rest(portal, developer, parts.method.as_str(), parts.uri.path())
        .await;
    let Some(fired) = fired else {
        return next.run(Request::from_parts(parts, body)).await;
    };
    let on = format!("{} {}", parts.method, parts.uri.path());
    tracing::info!(fault.id = %fired.rule_id, on = %on, "injected REST fault fired");
    let mut response = answer(&state, &parts, &fired);
    response
        .extensions_mut()
        .insert(InjectedFault(fired.describe(&on)));
    response
}

/// Who a request acts as: the portal of its bearer token, the developer of its key (or of
/// its token). Unknown credentials are nobody; the handler would refuse them anyway.
async fn identity(
    state: &AppState,
    parts: &axum::http::request::Parts,
) -> (Option<i64>, Option<i64>) {
    let mut developer = None;
    if let Some(key) = query_param(parts, "hapikey") {
        developer = state
            .store
            .find_developer_by_api_key(&secret::hash(&key))
            .await
            .ok()
            .flatten();
    }
    let grant = crate::auth::bearer_grant(parts, state).await.ok().flatten();
    let portal = grant.as_ref().map(|g| g.portal_id);
    (
        portal,
        developer.or(grant.and_then(|g| g.developer_account_id)),
    )
}

fn answer(state: &AppState, parts: &axum::http::request::Parts, fired: &Fired) -> Response {
    let FaultEffect::Http {
        status,
        policy_name,
    } = &fired.effect
    else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if *status == 429 {
        return too_many(state, parts, policy_name.as_deref());
    }
    let correlation_id = uuid::Uuid::new_v4().to_string();
    let code = StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let category = match status {
        502 => "BAD_GATEWAY",
        503 => "SERVICE_UNAVAILABLE",
        _ => "INTERNAL_ERROR",
    };
    let body = json!({
        "status": "error",
        "message": format!("An injected fault answered {status} (callhost fault {}).", fired.rule_id),
        "correlationId": correlation_id,
        "category": category,
        "errors": [],
    });
    let mut response = (code, Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(&correlation_id) {
        response
            .headers_mut()
            .insert("x-hubspot-correlation-id", value);
    }
    response
}

/// An injected 429, built as the rate limiter builds its own (`rate_limits::answer`): the
/// caller's limits when they are on (the limiter put the caller in the request), HubSpot's
/// published numbers otherwise, with the chosen policy spent.
fn too_many(
    state: &AppState,
    parts: &axum::http::request::Parts,
    policy: Option<&str>,
) -> Response {
    let policy = policy
        .and_then(Policy::from_name)
        .unwrap_or(Policy::TenSecondlyRolling);
    let caller = parts.extensions.get::<Caller>();
    let limits = state
        .rate_limits
        .as_ref()
        .map_or_else(RateLimits::hubspot, |l| *l.limits());
    let tier = caller.map_or(limits.private, |c| *c.tier(&limits));
    let usage = Usage::spent(policy, &tier);
    let retry_after = match policy {
        Policy::Secondly => 1,
        Policy::Daily => seconds_to_midnight(chrono::Utc::now().timestamp_millis()),
        Policy::TenSecondlyRolling => usage
            .burst
            .map_or(10, |(window, _)| window.interval_ms.div_ceil(1000)),
    };
    let group = caller.map(Caller::key);
    too_many_requests(policy, &usage, retry_after, group.as_deref())
}
