//! HubSpot's API rate limits (docs/rate-limits.md), so that app backends can test their
//! backoff: one layer on the REST routes an app's backend calls (the calling and CRM APIs)
//! counts each request against its caller's limits, adds HubSpot's `X-HubSpot-RateLimit-*`
//! headers to the answer, and answers HubSpot's 429 once a limit is spent.
//!
//! Invariants:
//! - **Off costs nothing**: with `--rate-limits off` (the default) the layer is not in the
//!   router at all (`routes::api_router`), and no answer has the headers.
//! - **One 429**: the limiter's and the automation API's injected 429 are both built by
//!   [`answer::too_many_requests`].
//! - **A counter failure never fails a request**: it is logged and the request goes through,
//!   without headers; so does a count that takes over a second. Counting is one statement
//!   (PostgreSQL) or one map update (SQLite).
//! - **Counted per caller** ([`caller::Caller`]): one app's or portal's use never spends
//!   another's limit, and instances sharing a PostgreSQL database share the counts.

pub mod answer;
pub mod caller;
pub mod config;
pub mod counter;

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use callhost_store::Store;

pub use answer::{Policy, Usage};
pub use caller::Caller;
pub use config::{RateLimits, Tier, Window};

use crate::automation::rest_faults::InjectedFault;
use crate::AppState;
use counter::{Counts, Hit};

const SECOND_MS: i64 = 1000;
/// The longest counting may hold a request up before it goes through uncounted (a busy pool,
/// a slow database); the statement, dropped, closes its connection.
const COUNT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);
const DAY_MS: i64 = 86_400_000;

/// The limits in force and their counts.
pub struct Limiter {
    limits: RateLimits,
    counts: Counts,
}

/// What counting a request found: the headers to send, and the limit it went past, if any,
/// with the seconds until that limit's window starts over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub usage: Usage,
    pub exceeded: Option<(Policy, u64)>,
}

impl Limiter {
    pub fn new(limits: RateLimits, store: Arc<dyn Store>) -> Self {
        Limiter {
            limits,
            counts: Counts::for_store(store),
        }
    }

    pub fn limits(&self) -> &RateLimits {
        &self.limits
    }

    /// Counts one request of `caller` (a search API request when `search`) at `now_ms`.
    /// `None` when no limit applies to it, or when the counts cannot be reached (logged).
    pub async fn count(&self, caller: &Caller, search: bool, now_ms: i64) -> Option<Verdict> {
        #[derive(Clone, Copy)]
        enum Kind {
            Burst(Window),
            Secondly(u64),
            Daily(u64),
        }
        let tier = caller.tier(&self.limits);
        let prefix = caller.key();
        let mut kinds = Vec::with_capacity(2);
        if search {
            // HubSpot's burst limit excludes the search API, which has its own.
            kinds.extend(tier.search.map(Kind::Secondly));
        } else {
            kinds.extend(tier.burst.map(Kind::Burst));
        }
        kinds.extend(tier.daily.map(Kind::Daily));
        if kinds.is_empty() {
            return None;
        }
        let hits: Vec<Hit> = kinds
            .iter()
            .map(|kind| {
                let (name, length) = match kind {
                    Kind::Burst(w) => ("burst", w.interval_ms as i64),
                    Kind::Secondly(_) => ("search", SECOND_MS),
                    Kind::Daily(_) => ("daily", DAY_MS),
                };
                let start = now_ms - now_ms.rem_euclid(length);
                Hit {
                    key: format!("{prefix}|{name}"),
                    window_start: start,
                    window_end: start + length,
                }
            })
            .collect();
        let counted = tokio::time::timeout(COUNT_TIMEOUT, self.counts.add(&hits, now_ms)).await;
        let counts = match counted {
            Ok(Ok(counts)) => counts,
            Ok(Err(err)) => {
                tracing::warn!(error = %err, rate_limits.caller = %prefix, "cannot count a request against its rate limits; letting it through");
                return None;
            }
            Err(_) => {
                tracing::warn!(rate_limits.caller = %prefix, rate_limits.timeout_ms = COUNT_TIMEOUT.as_millis() as u64, "counting a request against its rate limits took too long; letting it through");
                return None;
            }
        };
        let mut verdict = Verdict {
            usage: Usage::default(),
            exceeded: None,
        };
        for ((kind, hit), count) in kinds.iter().zip(&hits).zip(counts) {
            let count = u64::try_from(count).unwrap_or(0);
            let (policy, max) = match *kind {
                Kind::Burst(w) => {
                    verdict.usage.burst = Some((w, w.max.saturating_sub(count)));
                    (Policy::TenSecondlyRolling, w.max)
                }
                Kind::Secondly(max) => {
                    verdict.usage.secondly = Some((max, max.saturating_sub(count)));
                    (Policy::Secondly, max)
                }
                Kind::Daily(max) => {
                    verdict.usage.daily = Some((max, max.saturating_sub(count)));
                    (Policy::Daily, max)
                }
            };
            // The daily limit, checked last, wins: it is the longer wait.
            if count > max {
                let wait_ms = (hit.window_end - now_ms).max(0);
                let retry_after = u64::try_from((wait_ms + 999) / 1000).unwrap_or(1);
                verdict.exceeded = Some((policy, retry_after));
            }
        }
        Some(verdict)
    }

    /// Forgets the counts kept in this process (on a reset).
    pub fn clear_local(&self) {
        self.counts.clear_local();
    }
}

/// The layer: see the module docs. Placed on the REST routes only while limits are on.
pub async fn limit_rate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(limiter) = state.rate_limits.clone() else {
        return next.run(request).await;
    };
    let (mut parts, body) = request.into_parts();
    let Some(caller) = Caller::of(&state, &mut parts).await else {
        return next.run(Request::from_parts(parts, body)).await;
    };
    parts.extensions.insert(caller);
    let search = parts.method == Method::POST && parts.uri.path().ends_with("/search");
    let now_ms = chrono::Utc::now().timestamp_millis();
    let Some(verdict) = limiter.count(&caller, search, now_ms).await else {
        return next.run(Request::from_parts(parts, body)).await;
    };
    if let Some((policy, retry_after)) = verdict.exceeded {
        let group = caller.key();
        tracing::debug!(rate_limits.caller = %group, rate_limits.policy = policy.name(), "rate limit reached");
        return answer::too_many_requests(policy, &verdict.usage, retry_after, Some(&group));
    }
    let mut response = next.run(Request::from_parts(parts, body)).await;
    // An injected 429 has its own, spent, headers.
    if response.extensions().get::<InjectedFault>().is_none() {
        verdict.usage.write(response.headers_mut());
    }
    response
}
