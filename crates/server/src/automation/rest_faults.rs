//! The one layer that injects faults into the REST routes an app's backend calls
//! (docs/automation.md#faults): a request matching an `http` rule of its caller (by path
//! pattern and method) is answered with the rule's status instead of reaching its handler.
//!
//! A 429 has HubSpot's rate-limit body (`errorType: RATE_LIMIT`, `policyName`, the policy's
//! exact message, which the official clients' retry logic reads) and headers (`Retry-After`,
//! `X-HubSpot-RateLimit-*`); 500, 502 and 503 have HubSpot's error body. The layer sits
//! inside the REST trace (`host::rest_trace`), which records the answer with the rule that
//! fired, so the inspector and the transcript show it as injected.
//!
//! Cost: with no `http` rule, a request passes with one check of an in-memory flag; only with
//! one does the layer look up whose credentials the request carries.

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use callhost_store::secret;
use serde_json::{json, Value};

use super::faults::{FaultEffect, Fired};
use crate::auth::query_param;
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
        .on_rest(portal, developer, parts.method.as_str(), parts.uri.path());
    let Some(fired) = fired else {
        return next.run(Request::from_parts(parts, body)).await;
    };
    let on = format!("{} {}", parts.method, parts.uri.path());
    tracing::info!(fault.id = %fired.rule_id, on = %on, "injected REST fault fired");
    let mut response = answer(&fired);
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

fn answer(fired: &Fired) -> Response {
    let correlation_id = uuid::Uuid::new_v4().to_string();
    let FaultEffect::Http {
        status,
        policy_name,
    } = &fired.effect
    else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let code = StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = if *status == 429 {
        let policy = policy_name.as_deref().unwrap_or("TEN_SECONDLY_ROLLING");
        let (message, retry_after) = match policy {
            "SECONDLY" => ("You have reached your secondly limit.".to_owned(), 1),
            "DAILY" => (
                "You have reached your daily limit.".to_owned(),
                seconds_to_midnight(),
            ),
            other => (
                format!(
                    "You have reached your {} limit.",
                    other.to_ascii_lowercase()
                ),
                10,
            ),
        };
        let body = json!({
            "status": "error",
            "message": message,
            "errorType": "RATE_LIMIT",
            "correlationId": correlation_id,
            "policyName": policy,
            "requestId": uuid::Uuid::new_v4().to_string(),
            "category": "RATE_LIMITS",
            "errors": [],
        });
        let mut response = (code, Json(body)).into_response();
        let daily_remaining = if policy == "DAILY" { "0" } else { "249999" };
        let headers = [
            ("retry-after", retry_after.to_string()),
            ("x-hubspot-ratelimit-interval-milliseconds", "10000".into()),
            ("x-hubspot-ratelimit-max", "100".into()),
            ("x-hubspot-ratelimit-remaining", "0".into()),
            ("x-hubspot-ratelimit-daily", "250000".into()),
            (
                "x-hubspot-ratelimit-daily-remaining",
                daily_remaining.into(),
            ),
            ("x-hubspot-ratelimit-secondly", "10".into()),
            ("x-hubspot-ratelimit-secondly-remaining", "0".into()),
        ];
        for (name, value) in headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                response
                    .headers_mut()
                    .insert(HeaderName::from_static(name), value);
            }
        }
        response
    } else {
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
        (code, Json(body)).into_response()
    };
    if let Ok(value) = HeaderValue::from_str(&correlation_id) {
        response
            .headers_mut()
            .insert("x-hubspot-correlation-id", value);
    }
    response
}

fn seconds_to_midnight() -> i64 {
    let now = chrono::Utc::now();
    let midnight = (now.date_naive() + chrono::Days::new(1))
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc());
    midnight.map_or(86_400, |m| (m - now).num_seconds().max(1))
}
