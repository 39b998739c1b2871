//! Fault rules: what a test asked to go wrong, and whether a rule fits what is happening
//! (docs/automation.md#faults). Where the rules are kept and how a firing is claimed is
//! [`super::fault_rules`]'s.
//!
//! A rule has a matcher (message type, app, session; or a REST path glob and method), an
//! effect and, optionally, a number of `times` it fires before it is spent. The hooks that
//! consult it sit at two boundaries only, never in handlers: where the widget session carries
//! out the engine's store requests and sends its posts (`host::widget_socket`), and one layer
//! on the REST routers ([`super::rest_faults`]). The engine never knows: it sees a store
//! result that failed, a reply that came late or never, caller-ID matches, exactly as it
//! would from a broken store or a slow network.
//!
//! Invariant: **a rule only fits for its owner** (a portal's sessions and requests, or a
//! developer's apps' sessions and its own requests, [`Owner`]).

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
    /// Whether it has fired all its times.
    pub fn spent(&self) -> bool {
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

impl FaultRule {
    /// Whether the rule fits a store request the engine made: `fail` a write, `callerId` a
    /// caller-ID lookup, in the rule's owner's session, caused by the message it names.
    pub fn fits_store(&self, site: &Site<'_>, request: &StoreRequest) -> bool {
        let write = matches!(
            request,
            StoreRequest::CreateCall { .. }
                | StoreRequest::UpdateCall { .. }
                | StoreRequest::FinalizeCall { .. }
        );
        let lookup = matches!(request, StoreRequest::CallerId { .. });
        let fits = match self.effect {
            FaultEffect::Fail { .. } => write,
            FaultEffect::CallerId { .. } => lookup,
            _ => false,
        };
        fits && in_session(self, site)
            && self
                .matcher
                .message_type
                .as_deref()
                .is_none_or(|t| Some(t) == site.cause)
    }

    /// Whether the rule fits a post to the app of type `message_type`: `delay` or `drop`.
    pub fn fits_post(&self, site: &Site<'_>, message_type: &str) -> bool {
        matches!(self.effect, FaultEffect::Delay { .. } | FaultEffect::Drop)
            && in_session(self, site)
            && self
                .matcher
                .message_type
                .as_deref()
                .is_none_or(|t| t == message_type || Some(t) == site.cause)
    }

    /// Whether the rule (an `http` one) fits a REST request made as `portal` (a token) or
    /// `developer` (a key, or a token acting for one).
    pub fn fits_rest(
        &self,
        portal: Option<i64>,
        developer: Option<i64>,
        method: &str,
        path: &str,
    ) -> bool {
        let owned = match self.owner {
            Some(Owner::Portal(id)) => portal == Some(id),
            Some(Owner::Developer(id)) => developer == Some(id),
            None => false,
        };
        matches!(self.effect, FaultEffect::Http { .. })
            && owned
            && self.matcher.path.as_deref().is_some_and(|p| glob(p, path))
            && self
                .matcher
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
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

    /// A rule fits only its owner's sessions, the message it names and the kind of request
    /// its effect is for.
    #[test]
    fn rules_fit_their_owner_and_message_only() {
        let mut fail = rule(FaultEffect::Fail { message: None }, Some(1));
        fail.owner = Some(Owner::Portal(7));
        let lookup = StoreRequest::CallerId {
            number: "+1".into(),
        };
        let update = StoreRequest::UpdateCall {
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
        assert!(!fail.fits_store(&site(8, Some("OUTGOING_CALL_STARTED")), &update));
        assert!(!fail.fits_store(&site(7, Some("CALL_ENDED")), &update));
        assert!(!fail.fits_store(&site(7, Some("OUTGOING_CALL_STARTED")), &lookup));
        assert!(fail.fits_store(&site(7, Some("OUTGOING_CALL_STARTED")), &update));
        assert!(!fail.fits_post(
            &site(7, Some("OUTGOING_CALL_STARTED")),
            "OUTGOING_CALL_STARTED"
        ));
        assert!(!fail.fits_rest(Some(7), None, "PATCH", "/crm/v3/objects/calls/1"));

        let mut drop = rule(FaultEffect::Drop, None);
        drop.owner = Some(Owner::Developer(5));
        let by_developer = Site {
            developer: Some(5),
            ..site(9, None)
        };
        assert!(drop.fits_post(&by_developer, "OUTGOING_CALL_STARTED"));
        assert!(!drop.fits_post(&site(9, None), "OUTGOING_CALL_STARTED"));
        assert!(!drop.fits_post(&by_developer, "DIAL_NUMBER"));

        let mut http = rule(
            FaultEffect::Http {
                status: 503,
                policy_name: None,
            },
            None,
        );
        http.matcher = FaultMatch {
            path: Some("/crm/v3/objects/calls*".into()),
            method: Some("patch".into()),
            ..FaultMatch::default()
        };
        http.owner = Some(Owner::Portal(7));
        assert!(http.fits_rest(Some(7), None, "PATCH", "/crm/v3/objects/calls/1"));
        assert!(!http.fits_rest(Some(7), None, "GET", "/crm/v3/objects/calls/1"));
        assert!(!http.fits_rest(Some(8), Some(7), "PATCH", "/crm/v3/objects/calls/1"));
        assert!(!http.fits_rest(Some(7), None, "PATCH", "/crm/v3/objects/contacts/1"));
    }
}
