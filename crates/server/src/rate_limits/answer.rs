//! HubSpot's rate-limit headers and its 429, built in one place for the limiter and for the
//! automation API's injected 429 (`automation::rest_faults`), so both answer alike
//! (docs/rate-limits.md#the-429).

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::config::{Tier, Window};

/// Which limit a 429 is for, as HubSpot's `policyName` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    TenSecondlyRolling,
    Secondly,
    Daily,
}

impl Policy {
    pub fn name(self) -> &'static str {
        match self {
            Policy::TenSecondlyRolling => "TEN_SECONDLY_ROLLING",
            Policy::Secondly => "SECONDLY",
            Policy::Daily => "DAILY",
        }
    }

    /// A `policyName` as a fault rule gives it.
    pub fn from_name(name: &str) -> Option<Self> {
        [Policy::TenSecondlyRolling, Policy::Secondly, Policy::Daily]
            .into_iter()
            .find(|p| p.name() == name)
    }

    /// HubSpot's exact message: the official clients' retry logic compares it.
    fn message(self) -> &'static str {
        match self {
            Policy::TenSecondlyRolling => "You have reached your ten_secondly_rolling limit.",
            Policy::Secondly => "You have reached your secondly limit.",
            Policy::Daily => "You have reached your daily limit.",
        }
    }
}

/// What a caller has left of each limit that applies to a request: the values of the
/// `X-HubSpot-RateLimit-*` headers. A limit that does not apply has no headers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// The burst window and what remains of it (`-Interval-Milliseconds`, `-Max`, `-Remaining`).
    pub burst: Option<(Window, u64)>,
    /// The search API's limit per second and what remains (`-Secondly`, `-Secondly-Remaining`).
    pub secondly: Option<(u64, u64)>,
    /// The daily limit and what remains (`-Daily`, `-Daily-Remaining`).
    pub daily: Option<(u64, u64)>,
}

impl Usage {
    /// The headers of a limit reached: `policy`'s limit spent, the others as `tier` has them
    /// untouched. A policy the tier lacks shows HubSpot's published number for it.
    pub fn spent(policy: Policy, tier: &Tier) -> Self {
        let mut usage = Usage {
            burst: tier.burst.map(|w| (w, w.max)),
            secondly: None,
            daily: tier.daily.map(|d| (d, d)),
        };
        match policy {
            Policy::TenSecondlyRolling => {
                let window = tier.burst.unwrap_or(Window {
                    max: super::config::HUBSPOT_PRIVATE_BURST,
                    interval_ms: super::config::TEN_SECONDS_MS,
                });
                usage.burst = Some((window, 0));
            }
            Policy::Secondly => {
                let max = tier
                    .search
                    .unwrap_or(super::config::HUBSPOT_SEARCH_SECONDLY);
                usage.burst = None;
                usage.secondly = Some((max, 0));
            }
            Policy::Daily => {
                let max = tier.daily.unwrap_or(super::config::HUBSPOT_PRIVATE_DAILY);
                usage.daily = Some((max, 0));
            }
        }
        usage
    }

    /// Sets the headers on `headers`.
    pub fn write(&self, headers: &mut HeaderMap) {
        let mut set = |name: &'static str, value: u64| {
            headers.insert(HeaderName::from_static(name), HeaderValue::from(value));
        };
        if let Some((window, remaining)) = self.burst {
            set(
                "x-hubspot-ratelimit-interval-milliseconds",
                window.interval_ms,
            );
            set("x-hubspot-ratelimit-max", window.max);
            set("x-hubspot-ratelimit-remaining", remaining);
        }
        if let Some((max, remaining)) = self.secondly {
            set("x-hubspot-ratelimit-secondly", max);
            set("x-hubspot-ratelimit-secondly-remaining", remaining);
        }
        if let Some((max, remaining)) = self.daily {
            set("x-hubspot-ratelimit-daily", max);
            set("x-hubspot-ratelimit-daily-remaining", remaining);
        }
    }
}

/// HubSpot's 429 for `policy`: its body (`errorType: RATE_LIMIT`, `policyName`, the exact
/// message), the usage headers, `Retry-After` in seconds and the correlation id header.
pub fn too_many_requests(
    policy: Policy,
    usage: &Usage,
    retry_after_secs: u64,
    group_name: Option<&str>,
) -> Response {
    let correlation_id = uuid::Uuid::new_v4().to_string();
    let mut body = json!({
        "status": "error",
        "message": policy.message(),
        "errorType": "RATE_LIMIT",
        "correlationId": correlation_id,
        "policyName": policy.name(),
        "requestId": uuid::Uuid::new_v4().to_string(),
        "category": "RATE_LIMITS",
        "errors": [],
    });
    if let Some(group) = group_name {
        body["groupName"] = group.into();
    }
    let mut response = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
    let headers = response.headers_mut();
    usage.write(headers);
    headers.insert(
        axum::http::header::RETRY_AFTER,
        HeaderValue::from(retry_after_secs.max(1)),
    );
    if let Ok(value) = HeaderValue::from_str(&correlation_id) {
        headers.insert("x-hubspot-correlation-id", value);
    }
    response
}

/// Seconds until the next UTC midnight, when the daily limit starts over (at least 1).
pub fn seconds_to_midnight(now_ms: i64) -> u64 {
    let day = 86_400_000;
    let left = day - now_ms.rem_euclid(day);
    ((left + 999) / 1000).max(1) as u64
}
