//! Who is calling: developer API keys (`?hapikey=`) and bearer access tokens.
//!
//! Security notes:
//! - Credentials are looked up by their SHA-256 ([`callhost_store::secret::hash`]); the
//!   plaintext is never stored or logged.
//! - A request with a wrong credential is refused even if it also carries a right one, so a
//!   client never silently runs as someone it did not mean to be.
//! - Developer endpoints take a hapikey, or a bearer token that acts for a developer account
//!   and has `developers-read` (GET) or `developers-write` (anything else).
//! - A bearer token's grant is remembered ([`Grants`]) until the token expires, and only until
//!   the bus's access count moves ([`callhost_store::Bus::access_epoch`]), which it does on
//!   every revocation, here or on another instance, and every reset. A revoked or expired
//!   token is refused on this instance's next request; another instance refuses it once it
//!   hears of it on the bus.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::Method;
use callhost_store::{secret, AccessGrant};

use crate::error::ApiError;
use crate::AppState;

const NO_CREDENTIALS: &str = "Authentication credentials not found. This API supports both API \
    Key (the hapikey query parameter) and OAuth 2.0 (an Authorization: Bearer header).";

/// A developer account, authenticated for the developer (calling settings) endpoints.
#[derive(Debug, Clone, Copy)]
pub struct Developer {
    pub account_id: i64,
}

impl FromRequestParts<AppState> for Developer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(key) = query_param(parts, "hapikey") {
            let account_id = state
                .store
                .find_developer_by_api_key(&secret::hash(&key))
                .await?
                .ok_or_else(|| ApiError::unauthenticated("The API key provided is invalid."))?;
            // A bearer token beside the key must be valid too (`bearer_grant` refuses one that
            // is not), and must not act for another developer account: either would mean the
            // client is not who it thinks it is.
            if let Some(grant) = bearer_grant(parts, state).await? {
                if grant
                    .developer_account_id
                    .is_some_and(|other| other != account_id)
                {
                    return Err(ApiError::unauthenticated(
                        "The API key and the access token act for different developer accounts.",
                    ));
                }
            }
            return Ok(Developer { account_id });
        }
        let grant = bearer_grant(parts, state)
            .await?
            .ok_or_else(|| ApiError::unauthenticated(NO_CREDENTIALS))?;
        let scope = if parts.method == Method::GET || parts.method == Method::HEAD {
            "developers-read"
        } else {
            "developers-write"
        };
        match grant.developer_account_id {
            Some(account_id) if grant.has_scope(scope) => Ok(Developer { account_id }),
            _ => Err(ApiError::missing_scopes(&[scope])),
        }
    }
}

/// A portal user, authenticated by a bearer token.
#[derive(Debug, Clone)]
pub struct PortalAccess(pub Arc<AccessGrant>);

impl FromRequestParts<AppState> for PortalAccess {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        bearer_grant(parts, state)
            .await?
            .map(PortalAccess)
            .ok_or_else(|| ApiError::unauthenticated(NO_CREDENTIALS))
    }
}

/// The grant of the request's bearer token, once a layer before the handler looked it up
/// (the rate limiter): kept in the request's extensions so the handler does not look it up
/// again. Only a layer that read this request's own Authorization header inserts it.
#[derive(Debug, Clone)]
pub(crate) struct KnownGrant(pub Arc<AccessGrant>);

/// How many tokens' grants are remembered before [`Grants`] starts over.
const MAX_GRANTS: usize = 1024;

/// The grants of recently seen bearer tokens (by their SHA-256), each until its token expires,
/// all of them until the bus's access count moves (docs/design.md#tenancy-and-auth). Every
/// request of the REST API checks its token; remembering the grant spares it a read of the
/// store (bench/README.md, "REST throughput").
#[derive(Debug, Default)]
pub struct Grants(RwLock<Remembered>);

#[derive(Debug, Default)]
struct Remembered {
    /// The access count the grants were read under.
    epoch: u64,
    by_hash: HashMap<String, (Arc<AccessGrant>, Option<i64>)>,
}

impl Grants {
    /// The grant of the token with this hash, if remembered under the access count `epoch`
    /// (the current one) and valid at `now_ms`.
    fn get(&self, epoch: u64, hash: &str, now_ms: i64) -> Option<Arc<AccessGrant>> {
        let remembered = self.0.read().unwrap_or_else(|p| p.into_inner());
        if remembered.epoch != epoch {
            return None;
        }
        let (grant, expires_ms) = remembered.by_hash.get(hash)?;
        expires_ms
            .is_none_or(|expires_ms| expires_ms > now_ms)
            .then(|| Arc::clone(grant))
    }

    /// Remembers a grant read from the store under the access count `epoch`, taken before
    /// the read. A grant read under an older count than the remembered ones is dropped; one
    /// read under a count that has moved since is kept, but `get` asks with the current count,
    /// so it is never given out.
    fn put(&self, epoch: u64, hash: String, grant: Arc<AccessGrant>, expires_ms: Option<i64>) {
        let mut remembered = self.0.write().unwrap_or_else(|p| p.into_inner());
        if remembered.epoch != epoch {
            if epoch < remembered.epoch {
                return;
            }
            remembered.epoch = epoch;
            remembered.by_hash.clear();
        }
        if remembered.by_hash.len() >= MAX_GRANTS && !remembered.by_hash.contains_key(&hash) {
            remembered.by_hash.clear();
        }
        remembered.by_hash.insert(hash, (grant, expires_ms));
    }
}

/// The grant of the request's bearer token; `None` without an Authorization header.
pub(crate) async fn bearer_grant(
    parts: &Parts,
    state: &AppState,
) -> Result<Option<Arc<AccessGrant>>, ApiError> {
    if let Some(KnownGrant(grant)) = parts.extensions.get::<KnownGrant>() {
        return Ok(Some(grant.clone()));
    }
    let Some(header) = parts.headers.get(AUTHORIZATION) else {
        return Ok(None);
    };
    let token = header
        .to_str()
        .ok()
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::unauthenticated("The Authorization header must be \"Bearer <token>\".")
        })?;
    let hash = secret::hash(token);
    match lookup(state, hash).await? {
        Lookup::Valid(grant) => return Ok(Some(grant)),
        // An OAuth token that expired is told apart, as HubSpot does, so that a backend
        // knows to refresh rather than to reinstall.
        Lookup::Expired {
            app_id: Some(_),
            ago_secs,
        } => return Err(ApiError::expired(ago_secs)),
        Lookup::Expired { .. } | Lookup::Unknown => {}
    }
    Err(ApiError::unauthenticated(
        "The access token provided is invalid or has expired.",
    ))
}

/// What the store holds for an access token, by its hash.
pub(crate) enum Lookup {
    /// Its grant, valid now.
    Valid(Arc<AccessGrant>),
    /// It expired this long ago; `app_id` is the app an OAuth token was issued to.
    Expired {
        app_id: Option<i64>,
        ago_secs: i64,
    },
    Unknown,
}

/// The token with this hash: its grant remembered ([`Grants`]), or read from the store and
/// then remembered while the bus can say it holds (nothing is remembered while it cannot).
pub(crate) async fn lookup(state: &AppState, hash: String) -> Result<Lookup, ApiError> {
    // One clock for the remembered grant and the store's answer alike.
    let now_ms = callhost_store::now().timestamp_millis();
    let epoch = state.bus.access_epoch();
    if let Some(grant) = epoch.and_then(|epoch| state.grants.get(epoch, &hash, now_ms)) {
        return Ok(Lookup::Valid(grant));
    }
    let Some(found) = state.store.find_access_grant(&hash).await? else {
        return Ok(Lookup::Unknown);
    };
    if !found.valid_at(now_ms) {
        let ago_secs = found
            .expires_at
            .map_or(0, |at| (callhost_store::now() - at).num_seconds().max(0));
        return Ok(Lookup::Expired {
            app_id: found.grant.app_id,
            ago_secs,
        });
    }
    let grant = Arc::new(found.grant);
    if let Some(epoch) = epoch {
        let expires_ms = found.expires_at.map(|at| at.timestamp_millis());
        state
            .grants
            .put(epoch, hash, Arc::clone(&grant), expires_ms);
    }
    Ok(Lookup::Valid(grant))
}

/// The first value of a query parameter, decoded.
pub(crate) fn query_param(parts: &Parts, name: &str) -> Option<String> {
    let query = parts.uri.query()?;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}
