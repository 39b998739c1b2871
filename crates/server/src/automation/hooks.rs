//! The fault hooks at the engine's boundary: the widget session asks here before it carries
//! out a store request and before it posts a reply, and nowhere else (docs/automation.md#faults).
//!
//! A fired rule is recorded in the session's record (a `FAULT` entry, so the transcript and
//! the inspector show it as injected) before its effect takes place; the engine then gets an
//! ordinary store result or no reply at all. What the app sees is what a failing store or a
//! slow network would show it.

use callhost_protocol::engine::{OpResult, StoreRequest};

use super::faults::{CallerIdMatches, FaultEffect, Fired, Site};
use crate::call_log;
use crate::crm::catalog::object_type;
use crate::host::calls;
use crate::AppState;

/// What a post should do after the hooks: go now, go late, or not at all.
pub enum PostFate {
    Send,
    DelayMs(u64),
    Drop,
}

/// The developer account of the session's app, read only when a developer's rule could
/// apply (most runs have no rule at all, and then no store read is made).
pub async fn developer_for(state: &AppState, app_id: i64) -> Option<i64> {
    if !state.faults.any_for_developers() {
        return None;
    }
    super::gate::developer_of(state, app_id)
        .await
        .ok()
        .flatten()
}

/// Carries out a store request, or what a fault rule puts in its place; returns the result
/// and whether it was injected.
pub async fn store(state: &AppState, site: &Site<'_>, request: &StoreRequest) -> (OpResult, bool) {
    let fired = if state.faults.is_empty() {
        None
    } else {
        state.faults.on_store(site, request).await
    };
    let Some(fired) = fired else {
        let result = calls::carry_out(state, site.portal_id, site.app_id, request.clone()).await;
        return (result, false);
    };
    record(state, site, &fired, request_name(request));
    let result = match &fired.effect {
        FaultEffect::Fail { message } => OpResult::Failed {
            message: message
                .clone()
                .unwrap_or_else(|| format!("Injected failure (callhost fault {}).", fired.rule_id)),
        },
        FaultEffect::CallerId {
            matches: CallerIdMatches::None,
        } => OpResult::Matches {
            matches: Vec::new(),
        },
        FaultEffect::CallerId {
            matches: CallerIdMatches::Many,
        } => many_matches(state, site.portal_id, request).await,
        // The other kinds never fire for a store request (`Faults::on_store`).
        _ => calls::carry_out(state, site.portal_id, site.app_id, request.clone()).await,
    };
    (result, true)
}

/// What happens to a post of `message_type` to the app.
pub async fn post(state: &AppState, site: &Site<'_>, message_type: &str) -> PostFate {
    if state.faults.is_empty() {
        return PostFate::Send;
    }
    let Some(fired) = state.faults.on_post(site, message_type).await else {
        return PostFate::Send;
    };
    record(state, site, &fired, message_type);
    match fired.effect {
        FaultEffect::Delay { ms } => PostFate::DelayMs(ms),
        FaultEffect::Drop => PostFate::Drop,
        _ => PostFate::Send,
    }
}

fn record(state: &AppState, site: &Site<'_>, fired: &Fired, on: &str) {
    tracing::info!(session.id = %site.session_id, fault.id = %fired.rule_id, on, "injected fault fired");
    state
        .inspector
        .record_fault(site.session_id, fired.describe(on));
}

/// Several records for a caller: the real matches, topped up with other contacts of the
/// portal until there are at least two.
async fn many_matches(state: &AppState, portal_id: i64, request: &StoreRequest) -> OpResult {
    let StoreRequest::CallerId { number } = request else {
        return OpResult::Failed {
            message: "Caller ID fault on a request that is not caller ID.".into(),
        };
    };
    let store = state.store.as_ref();
    let Ok(mut matches) = call_log::caller_id(store, portal_id, number).await else {
        return OpResult::Failed {
            message: "Caller ID failed.".into(),
        };
    };
    if matches.len() < 2 {
        let others = store
            .list_objects(portal_id, object_type::CONTACT, false, None, 5)
            .await
            .unwrap_or_default();
        for other in others {
            if matches.len() >= 2 {
                break;
            }
            if !matches.iter().any(|m| m.object_id == other.id) {
                matches.push(call_log::caller_id_match(&other));
            }
        }
    }
    OpResult::Matches { matches }
}

fn request_name(request: &StoreRequest) -> &'static str {
    match request {
        StoreRequest::CreateCall { .. } => "createCall",
        StoreRequest::UpdateCall { .. } => "updateCall",
        StoreRequest::CallerId { .. } => "callerId",
        StoreRequest::FinalizeCall { .. } => "finalizeCall",
        StoreRequest::RecordExists { .. } => "recordExists",
    }
}
