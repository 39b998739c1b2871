//! Fault rules: what a test asked to go wrong, and the one place that decides whether a rule
//! fires (docs/automation.md#faults).
//!
//! A rule has a matcher (message type, app, session; or a REST path glob and method), an
//! effect and, optionally, a number of `times` it fires before it is spent. The hooks that
//! consult it sit at two boundaries only, never in handlers: where the widget session carries
//! out the engine's store requests and sends its posts (`host::widget_socket`), and one layer
//! on the REST routers ([`super::rest_faults`]). The engine never knows: it sees a store
//! result that failed, a reply that came late or never, caller-ID matches, exactly as it
//! would from a broken store or a slow network.
//!
//! Invariants: **a rule only fires for its owner** (a portal's sessions and requests, or a
//! developer's apps' sessions and its own requests, [`Owner`]); **a rule fires at most
//! `times` times**, counted under one lock, so two sessions never both take the last one.

use std::sync::Mutex;

use callhost_protocol::engine::StoreRequest;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::gate::Owner;

/// Rules kept per owner, spent ones included (the oldest spent ones go first).
pub const MAX_RULES: usize = 100;
/// The longest delay a rule may ask for.
pub const MAX_DELAY_MS: u64 = 60_000;

/// What a rule matches. Every given field must match; an absent one matches anything.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultMatch {
    /// A message type: the app's message behind a store write or a reply
    /// (`OUTGOING_CALL_STARTED`), or the type of the host's post itself (`DIAL_NUMBER`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// For `http` rules: a path pattern, `*` matching any characters (`/crm/v3/objects/calls*`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// For `http` rules: the request method (any when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
}

/// How many records caller ID should find.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CallerIdMatches {
    None,
    Many,
}

/// What a rule does when it fires.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum FaultEffect {
    /// The store write behind the message fails; the app gets `*_FAILED` with `message`.
    Fail {
        #[serde(default)]
        message: Option<String>,
    },
    /// The host's reply (a post to the app) leaves `ms` milliseconds late.
    Delay { ms: u64 },
    /// The host's reply is never posted.
    Drop,
    /// Caller ID finds no record, or several.
    CallerId { matches: CallerIdMatches },
    /// A REST route answers `status` (429 with HubSpot's rate-limit body and headers,
    /// 500, 502 or 503) instead of running.
    Http {
        status: u16,
        /// For 429: `TEN_SECONDLY_ROLLING` (the default), `SECONDLY` or `DAILY`.
        #[serde(default)]
        policy_name: Option<String>,
    },
}

/// A rule as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FaultRule {
    pub id: String,
    #[serde(rename = "match")]
    pub matcher: FaultMatch,
    pub effect: FaultEffect,
    /// How many times it fires in all; absent: until it is deleted.
    pub times: Option<u32>,
    /// How many times it fired so far.
    pub fired: u32,
    pub created_at: String,
    #[serde(skip)]
    pub owner: Option<Owner>,
}

impl FaultRule {
    fn spent(&self) -> bool {
        self.times.is_some_and(|t| self.fired >= t)
    }
}

/// A rule that fired: which, and what to do.
#[derive(Debug, Clone)]
pub struct Fired {
    pub rule_id: String,
    pub effect: FaultEffect,
}

impl Fired {
    /// The transcript's account of it: the rule, its effect, and what it hit.
    pub fn describe(&self, on: &str) -> Value {
        json!({ "faultId": self.rule_id, "effect": self.effect, "on": on, "injected": true })
    }
}

/// Where in a widget session a hook asks.
#[derive(Debug, Clone, Copy)]
pub struct Site<'a> {
    pub session_id: &'a str,
    pub portal_id: i64,
    pub app_id: i64,
    /// The app's developer account, when it has one.
    pub developer: Option<i64>,
    /// The type of the app message (or host input) whose handling this is.
    pub cause: Option<&'a str>,
}

/// Every rule of this process.
#[derive(Default)]
pub struct Faults {
    rules: Mutex<Vec<FaultRule>>,
}

impl Faults {
    fn with<T>(&self, f: impl FnOnce(&mut Vec<FaultRule>) -> T) -> T {
        f(&mut self.rules.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Adds a rule (already validated) for `owner`; `None` when the owner has
    /// [`MAX_RULES`] rules that are not spent.
    pub fn add(&self, owner: Owner, mut rule: FaultRule) -> Option<FaultRule> {
        rule.owner = Some(owner);
        self.with(|rules| {
            let mine = rules.iter().filter(|r| r.owner == Some(owner)).count();
            if mine >= MAX_RULES {
                let spent = rules
                    .iter()
                    .position(|r| r.owner == Some(owner) && r.spent())?;
                rules.remove(spent);
            }
            rules.push(rule.clone());
            Some(rule)
        })
    }

    pub fn list(&self, owner: Owner) -> Vec<FaultRule> {
        self.with(|rules| {
            rules
                .iter()
                .filter(|r| r.owner == Some(owner))
                .cloned()
                .collect()
        })
    }

    /// Removes an owner's rule; false when it has none of that id.
    pub fn remove(&self, owner: Owner, id: &str) -> bool {
        self.with(|rules| {
            let before = rules.len();
            rules.retain(|r| !(r.owner == Some(owner) && r.id == id));
            rules.len() != before
        })
    }

    /// Forgets every rule (a reset of the host starts without faults).
    pub fn clear(&self) {
        self.with(Vec::clear);
    }

    /// Whether any rule names a developer account as its owner (the hooks then need the
    /// session's app's developer).
    pub fn any_for_developers(&self) -> bool {
        self.with(|rules| {
            rules
                .iter()
                .any(|r| matches!(r.owner, Some(Owner::Developer(_))) && !r.spent())
        })
    }

    /// Whether any live rule is for REST requests.
    pub fn any_http(&self) -> bool {
        self.with(|rules| {
            rules
                .iter()
                .any(|r| matches!(r.effect, FaultEffect::Http { .. }) && !r.spent())
        })
    }

    pub fn is_empty(&self) -> bool {
        self.with(|rules| rules.iter().all(FaultRule::spent))
    }

    /// The rule that fires for a store request the engine made, if any: `fail` for a write,
    /// `callerId` for a caller-ID lookup.
    pub fn on_store(&self, site: &Site<'_>, request: &StoreRequest) -> Option<Fired> {
        let write = matches!(
            request,
            StoreRequest::CreateCall { .. }
                | StoreRequest::UpdateCall { .. }
                | StoreRequest::FinalizeCall { .. }
        );
        let lookup = matches!(request, StoreRequest::CallerId { .. });
        self.fire(|rule| {
            let fits = match rule.effect {
                FaultEffect::Fail { .. } => write,
                FaultEffect::CallerId { .. } => lookup,
                _ => false,
            };
            fits && in_session(rule, site)
                && rule
                    .matcher
                    .message_type
                    .as_deref()
                    .is_none_or(|t| Some(t) == site.cause)
        })
    }

    /// The rule that fires for a post to the app of type `message_type`: `delay` or `drop`.
    pub fn on_post(&self, site: &Site<'_>, message_type: &str) -> Option<Fired> {
        self.fire(|rule| {
            matches!(rule.effect, FaultEffect::Delay { .. } | FaultEffect::Drop)
                && in_session(rule, site)
                && rule
                    .matcher
                    .message_type
                    .as_deref()
                    .is_none_or(|t| t == message_type || Some(t) == site.cause)
        })
    }

    /// The `http` rule that fires for a REST request made as `portal` (a token) or
    /// `developer` (a key, or a token acting for one).
    pub fn on_rest(
        &self,
        portal: Option<i64>,
        developer: Option<i64>,
        method: &str,
        path: &str,
    ) -> Option<Fired> {
        self.fire(|rule| {
            let owned = match rule.owner {
                Some(Owner::Portal(id)) => portal == Some(id),
                Some(Owner::Developer(id)) => developer == Some(id),
                None => false,
            };
            matches!(rule.effect, FaultEffect::Http { .. })
                && owned
                && rule.matcher.path.as_deref().is_some_and(|p| glob(p, path))
                && rule
                    .matcher
                    .method
                    .as_deref()
                    .is_none_or(|m| m.eq_ignore_ascii_case(method))
        })
    }

    /// Fires the first live rule `fits` accepts, counting it under the lock.
    fn fire(&self, fits: impl Fn(&FaultRule) -> bool) -> Option<Fired> {
        self.with(|rules| {
            let rule = rules.iter_mut().find(|r| !r.spent() && fits(r))?;
            rule.fired += 1;
            Some(Fired {
                rule_id: rule.id.clone(),
                effect: rule.effect.clone(),
            })
        })
    }
}

/// Whether a rule's owner, app and session match a widget session.
fn in_session(rule: &FaultRule, site: &Site<'_>) -> bool {
    let owned = match rule.owner {
        Some(Owner::Portal(id)) => id == site.portal_id,
        Some(Owner::Developer(id)) => site.developer == Some(id),
        None => false,
    };
    owned
        && rule.matcher.app_id.is_none_or(|a| a == site.app_id)
        && rule
            .matcher
            .session_id
            .as_deref()
            .is_none_or(|s| s == site.session_id)
}

/// `*` matches any run of characters (none included); everything else matches itself.
pub fn glob(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let Some(first) = parts.next() else {
        return text.is_empty();
    };
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_like_shell_stars() {
        assert!(glob("/crm/v3/objects/calls*", "/crm/v3/objects/calls/12"));
        assert!(glob("/crm/v3/objects/calls*", "/crm/v3/objects/calls"));
        assert!(!glob("/crm/v3/objects/calls*", "/crm/v3/objects/contacts"));
        assert!(glob(
            "/crm/*/objects/*/batch/*",
            "/crm/v3/objects/calls/batch/read"
        ));
        assert!(glob(
            "*/ready",
            "/crm/v3/extensions/calling/recordings/ready"
        ));
        assert!(!glob("/a*b", "/ab/c"));
        assert!(glob("/exact", "/exact"));
        assert!(!glob("/exact", "/exact/more"));
    }

    fn rule(effect: FaultEffect, times: Option<u32>) -> FaultRule {
        FaultRule {
            id: "f-1".into(),
            matcher: FaultMatch {
                message_type: Some("OUTGOING_CALL_STARTED".into()),
                ..FaultMatch::default()
            },
            effect,
            times,
            fired: 0,
            created_at: String::new(),
            owner: None,
        }
    }

    /// A rule fires only for its owner's sessions, for the message it names, `times` times.
    #[test]
    fn rules_fire_for_their_owner_and_message_only_times_times() {
        let faults = Faults::default();
        let fail = FaultEffect::Fail { message: None };
        faults.add(Owner::Portal(7), rule(fail, Some(1)));
        let request = StoreRequest::CallerId {
            number: "+1".into(),
        };
        let create = StoreRequest::UpdateCall {
            engagement_id: 1,
            properties: Default::default(),
        };
        let site = |portal_id, cause| Site {
            session_id: "s",
            portal_id,
            app_id: 3,
            developer: None,
            cause,
        };
        assert!(faults
            .on_store(&site(8, Some("OUTGOING_CALL_STARTED")), &create)
            .is_none());
        assert!(faults
            .on_store(&site(7, Some("CALL_ENDED")), &create)
            .is_none());
        assert!(faults
            .on_store(&site(7, Some("OUTGOING_CALL_STARTED")), &request)
            .is_none());
        assert!(faults
            .on_store(&site(7, Some("OUTGOING_CALL_STARTED")), &create)
            .is_some());
        assert!(faults
            .on_store(&site(7, Some("OUTGOING_CALL_STARTED")), &create)
            .is_none());
        assert_eq!(faults.list(Owner::Portal(7))[0].fired, 1);
        assert!(faults.list(Owner::Portal(8)).is_empty());
    }
}
