//! Whose limits a request counts against (docs/rate-limits.md#who-is-counted): an OAuth
//! token's app in its portal, a portal's other access tokens (private-app and development
//! tokens, which callhost keeps without an app: one private app per portal), or a developer
//! API key's developer account. A request with no credentials, or wrong ones, is nobody's:
//! it is not counted, and its handler refuses it.

use axum::http::request::Parts;
use callhost_store::secret;

use super::config::{RateLimits, Tier};
use crate::auth::{bearer_grant, query_param, KnownGrant};
use crate::AppState;

/// The caller a request counts against. Put in the request's extensions by the limiter, so
/// the fault layer answers an injected 429 with the same caller's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    /// A public app's OAuth token, in the portal that installed the app.
    OAuth { app_id: i64, portal_id: i64 },
    /// Any other access token of a portal.
    Private { portal_id: i64 },
    /// A developer API key (`?hapikey=`).
    Developer { account_id: i64 },
}

impl Caller {
    /// Who `parts` acts as; `None` for nobody. A bearer token found is kept in the request's
    /// extensions ([`KnownGrant`]), so the handler does not look it up again.
    pub async fn of(state: &AppState, parts: &mut Parts) -> Option<Self> {
        // The developer endpoints prefer the key, as `auth::Developer` does.
        if let Some(key) = query_param(parts, "hapikey") {
            let account = state
                .store
                .find_developer_by_api_key(&secret::hash(&key))
                .await
                .ok()
                .flatten()?;
            return Some(Caller::Developer {
                account_id: account,
            });
        }
        let grant = bearer_grant(parts, state).await.ok().flatten()?;
        let caller = match grant.app_id {
            Some(app_id) => Caller::OAuth {
                app_id,
                portal_id: grant.portal_id,
            },
            None => Caller::Private {
                portal_id: grant.portal_id,
            },
        };
        parts.extensions.insert(KnownGrant(grant));
        Some(caller)
    }

    /// The prefix of the caller's counter keys, also the 429's `groupName`.
    pub fn key(&self) -> String {
        match self {
            Caller::OAuth { app_id, portal_id } => format!("app:{app_id}:portal:{portal_id}"),
            Caller::Private { portal_id } => format!("portal:{portal_id}"),
            Caller::Developer { account_id } => format!("developer:{account_id}"),
        }
    }

    /// The limits that apply to the caller.
    pub fn tier<'a>(&self, limits: &'a RateLimits) -> &'a Tier {
        match self {
            Caller::OAuth { .. } => &limits.oauth,
            Caller::Private { .. } | Caller::Developer { .. } => &limits.private,
        }
    }
}
