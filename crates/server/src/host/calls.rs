//! Carrying out the engine's store requests: call engagements, caller ID, record checks, and
//! finalization (help desk: an inbound call into a connected number is attached to a ticket
//! when it is created, or at the latest when it is finalized; see `helpdesk::tickets`).
//!
//! Invariant: one call object per (portal, app, externalCallId). Several tabs, the calling
//! window and reloads may all report the same call; creation is serialized per key inside
//! this process (a striped lock around find-then-create), so they all get the same
//! engagementId. The store is the source of truth for what exists.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use callhost_protocol::engine::{
    CallerIdMatch, Direction, ObjectRef as EngineRef, OpResult, StoreRequest,
};
use callhost_store::crm::{AssociationKind, CrmObject, NewObject, ObjectRef, ObjectUpdate};
use callhost_store::helpdesk::CallToAttach;
use callhost_store::now;
use chrono::{TimeZone, Utc};
use serde_json::Value;
use tokio::sync::Mutex;

use crate::crm::catalog;
use crate::crm::input::{self, Write};
use crate::helpdesk::tickets;
use crate::AppState;

/// Where host-made writes say they come from (`sourceType` in property history).
const HOST_SOURCE: &str = "CALLING_EXTENSION";

/// Striped locks for call creation: 64 stripes keep unrelated calls from waiting on each other.
pub struct CallLocks([Mutex<()>; 64]);

impl Default for CallLocks {
    fn default() -> Self {
        Self(std::array::from_fn(|_| Mutex::new(())))
    }
}

impl CallLocks {
    pub fn stripe(&self, key: &(i64, i64, &str)) -> &Mutex<()> {
        let mut hasher = DefaultHasher::new();
        key.hash(&mut hasher);
        &self.0[(hasher.finish() % 64) as usize]
    }
}

/// Does `request` for the signed-in user of `portal_id`; failures become `OpResult::Failed`
/// with a message the app may show (no internals).
pub async fn carry_out(
    state: &AppState,
    portal_id: i64,
    app_id: i64,
    request: StoreRequest,
) -> OpResult {
    let result = match request {
        StoreRequest::CreateCall {
            app_id,
            external_call_id,
            direction,
            to_number,
            from_number,
            started_at_ms,
            owner_id,
            associate,
        } => {
            let call = NewCall {
                app_id,
                external_call_id: &external_call_id,
                direction,
                to_number,
                from_number,
                started_at_ms,
                owner_id,
                associate,
            };
            create_call_once(state, portal_id, call)
                .await
                .map(|engagement_id| OpResult::Call { engagement_id })
        }
        StoreRequest::UpdateCall {
            engagement_id,
            properties,
        } => update_call(state, portal_id, engagement_id, properties)
            .await
            .map(|()| OpResult::Done),
        StoreRequest::CallerId { number } => caller_id(state, portal_id, &number).await,
        StoreRequest::FinalizeCall {
            engagement_id,
            external_call_id,
        } => finalize_call(
            state,
            portal_id,
            app_id,
            engagement_id,
            external_call_id.as_deref(),
        )
        .await
        .map(|()| OpResult::Done),
        StoreRequest::RecordExists { object } => state
            .store
            .get_objects(
                portal_id,
                &object.object_type_id,
                &[object.object_id],
                false,
            )
            .await
            .map(|found| OpResult::Exists {
                exists: !found.is_empty(),
            })
            .map_err(logged),
    };
    result.unwrap_or_else(|message| OpResult::Failed { message })
}

struct NewCall<'a> {
    app_id: i64,
    external_call_id: &'a str,
    direction: Direction,
    to_number: Option<String>,
    from_number: Option<String>,
    started_at_ms: i64,
    owner_id: i64,
    associate: Option<EngineRef>,
}

fn logged(err: impl std::fmt::Display) -> String {
    tracing::error!(error = %err, "store request from the host failed");
    "The call could not be saved (internal error).".to_owned()
}

async fn create_call_once(
    state: &AppState,
    portal_id: i64,
    call: NewCall<'_>,
) -> Result<i64, String> {
    let key = (portal_id, call.app_id, call.external_call_id);
    let _guard = state.call_locks.stripe(&key).lock().await;
    let existing = state
        .store
        .find_objects_by_property(
            portal_id,
            "0-48",
            "hs_call_external_id",
            &[call.external_call_id.to_owned()],
            false,
        )
        .await
        .map_err(logged)?;
    let app = call.app_id.to_string();
    let inbound = matches!(call.direction, Direction::Inbound);
    let channel = if inbound {
        tickets::channel_for(
            state.store.as_ref(),
            portal_id,
            call.to_number.as_deref(),
            |app_id| app_id == call.app_id,
        )
        .await
        .map_err(logged)?
    } else {
        None
    };
    if let Some(found) = existing
        .iter()
        .find(|o| o.properties.get("hs_call_app_id") == Some(&app))
    {
        if let Some(channel) = &channel {
            // Reported again (another tab, a reload): attach it if an earlier attempt
            // failed. A failure here does not undo the call; finalizing tries again.
            let attached = state.store.call_ticket(portal_id, found.id).await;
            if matches!(attached, Ok(None)) {
                let from = found.properties.get("hs_call_from_number").cloned();
                let call = CallToAttach::Existing(found.id);
                let done = tickets::attach(
                    state.store.as_ref(),
                    portal_id,
                    call,
                    channel,
                    from.as_deref(),
                    HOST_SOURCE,
                )
                .await;
                if let Err(err) = done {
                    logged(err);
                }
            }
        }
        return Ok(found.id);
    }
    let started = if call.started_at_ms > 0 {
        Utc.timestamp_millis_opt(call.started_at_ms)
            .single()
            .unwrap_or_else(now)
    } else {
        now()
    };
    let (status, direction) = match call.direction {
        Direction::Outbound => ("CONNECTING", "OUTBOUND"),
        Direction::Inbound => ("RINGING", "INBOUND"),
    };
    let mut properties = BTreeMap::from([
        ("hs_timestamp".to_owned(), crate::time::format(&started)),
        ("hs_call_direction".to_owned(), direction.to_owned()),
        ("hs_call_status".to_owned(), status.to_owned()),
        (
            "hs_call_external_id".to_owned(),
            call.external_call_id.to_owned(),
        ),
        ("hs_call_app_id".to_owned(), app),
        (
            "hs_call_source".to_owned(),
            "INTEGRATIONS_PLATFORM".to_owned(),
        ),
        ("hubspot_owner_id".to_owned(), call.owner_id.to_string()),
    ]);
    for (name, value) in [
        ("hs_call_to_number", call.to_number),
        ("hs_call_from_number", call.from_number),
    ] {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            properties.insert(name.to_owned(), value);
        }
    }
    let mut object = NewObject {
        properties,
        associations: Vec::new(),
    };
    if let Some(target) = call.associate {
        object.associations.push(association_to(&target));
    }
    let missing = |err| match err {
        callhost_store::StoreError::Missing(_) => {
            "The record to log the call on does not exist.".to_owned()
        }
        other => logged(other),
    };
    if let Some(channel) = &channel {
        // A call into a connected number: the call, its ticket and their associations are
        // one transaction.
        let from = object.properties.get("hs_call_from_number").cloned();
        return tickets::attach(
            state.store.as_ref(),
            portal_id,
            CallToAttach::New(&object),
            channel,
            from.as_deref(),
            HOST_SOURCE,
        )
        .await
        .map(|attached| attached.engagement_id)
        .map_err(missing);
    }
    let created = state
        .store
        .create_objects(portal_id, "0-48", &[object], HOST_SOURCE, now())
        .await
        .map_err(missing)?;
    created
        .first()
        .map(|o| o.id)
        .ok_or_else(|| logged("no object created"))
}

/// FINALIZE_ENGAGEMENT (and PUBLISH_TO_CHANNEL): attaches a call into a connected number that
/// is not on a ticket yet (the number was connected after the call began) and marks it final,
/// in one transaction. A call on no connected number, or already on a ticket, is simply
/// marked final.
async fn finalize_call(
    state: &AppState,
    portal_id: i64,
    session_app: i64,
    engagement_id: i64,
    external_call_id: Option<&str>,
) -> Result<(), String> {
    let unknown = || format!("No call engagement {engagement_id} in this portal.");
    let call = state
        .store
        .get_objects(portal_id, "0-48", &[engagement_id], false)
        .await
        .map_err(logged)?
        .into_iter()
        .next()
        .ok_or_else(unknown)?;
    let p = |name: &str| call.properties.get(name).map(String::as_str);
    if let (Some(given), Some(stored)) = (external_call_id, p("hs_call_external_id")) {
        if given != stored {
            return Err(format!(
                "Call engagement {engagement_id} is the call {stored:?}, not {given:?}."
            ));
        }
    }
    let app_id = p("hs_call_app_id").and_then(|a| a.parse::<i64>().ok());
    // An app finalizes its own calls (or calls logged without an app), never another app's.
    if let Some(owner) = app_id.filter(|owner| *owner != session_app) {
        return Err(format!(
            "Call engagement {engagement_id} was logged by app {owner}, not by this app."
        ));
    }
    let key = (
        portal_id,
        app_id.unwrap_or(0),
        p("hs_call_external_id").unwrap_or(""),
    );
    let _guard = state.call_locks.stripe(&key).lock().await;
    // A call attached here is finalized by the same transaction; any other is marked below.
    let mut finalized = None;
    if p("hs_call_direction") == Some("INBOUND") {
        let channel = tickets::channel_for(
            state.store.as_ref(),
            portal_id,
            p("hs_call_to_number"),
            |channel_app| app_id.is_none_or(|a| a == channel_app),
        )
        .await
        .map_err(logged)?;
        if let Some(channel) = channel {
            if state
                .store
                .call_ticket(portal_id, engagement_id)
                .await
                .map_err(logged)?
                .is_none()
            {
                let attached = tickets::attach_finalizing(
                    state.store.as_ref(),
                    portal_id,
                    CallToAttach::Existing(engagement_id),
                    &channel,
                    p("hs_call_from_number"),
                    HOST_SOURCE,
                    Some(now()),
                )
                .await
                .map_err(|err| match err {
                    callhost_store::StoreError::Missing(_) => unknown(),
                    other => logged(other),
                })?;
                finalized = attached.finalized_at;
            }
        }
    }
    if finalized.is_none() {
        finalized = state
            .store
            .finalize_call(portal_id, engagement_id, now())
            .await
            .map_err(logged)?;
    }
    match finalized {
        Some(at) => {
            tracing::info!(
                portal.id = portal_id,
                call.id = engagement_id,
                call.finalized_at = %crate::time::format(&at),
                "call finalized"
            );
            Ok(())
        }
        None => Err(unknown()),
    }
}

/// The association from a call to `target`: HubSpot's defined type where there is one
/// (194 to contacts, 182 to companies), otherwise a user-defined one (custom objects).
fn association_to(target: &EngineRef) -> (ObjectRef, AssociationKind, AssociationKind) {
    let kind = |category: &str, type_id| AssociationKind {
        category: category.to_owned(),
        type_id,
    };
    let to = ObjectRef::new(&target.object_type_id, target.object_id);
    match catalog::hubspot_defined("0-48", &target.object_type_id).first() {
        Some(&(forward, reverse)) => (
            to,
            kind("HUBSPOT_DEFINED", forward),
            kind("HUBSPOT_DEFINED", reverse),
        ),
        None => (to, kind("USER_DEFINED", 1), kind("USER_DEFINED", 1)),
    }
}

async fn update_call(
    state: &AppState,
    portal_id: i64,
    engagement_id: i64,
    properties: serde_json::Map<String, Value>,
) -> Result<(), String> {
    let calls = catalog::builtin("calls").ok_or_else(|| logged("no calls type"))?;
    let properties = input::properties(calls, Some(&Value::Object(properties)), Write::Update)
        .map_err(|errors| {
            let list: Vec<String> = errors
                .iter()
                .map(|e| format!("{}: {}", e.name, e.message))
                .collect();
            format!("Invalid engagement properties: {}", list.join("; "))
        })?;
    let update = ObjectUpdate {
        id: engagement_id,
        properties,
    };
    match state
        .store
        .update_objects(portal_id, "0-48", &[update], HOST_SOURCE, now())
        .await
    {
        Ok(_) => Ok(()),
        Err(callhost_store::StoreError::Missing(_)) => Err(format!(
            "No call engagement {engagement_id} in this portal."
        )),
        Err(err) => Err(logged(err)),
    }
}

async fn caller_id(state: &AppState, portal_id: i64, number: &str) -> Result<OpResult, String> {
    let found = state
        .store
        .find_by_phone(
            portal_id,
            number,
            Some(callhost_store::crm::phone::INDEX_REGION),
        )
        .await
        .map_err(logged)?;
    let matches = found.iter().map(caller_id_match).collect();
    Ok(OpResult::Matches { matches })
}

/// A contact or company found by caller ID, as the engine (and the inbound-call API) report it.
pub fn caller_id_match(object: &CrmObject) -> CallerIdMatch {
    let p = |name: &str| object.properties.get(name).cloned();
    let contact = object.object_type_id == "0-1";
    CallerIdMatch {
        caller_id_type: if contact { "CONTACT" } else { "COMPANY" }.to_owned(),
        object_type_id: object.object_type_id.clone(),
        object_id: object.id,
        first_name: if contact { p("firstname") } else { None },
        last_name: if contact { p("lastname") } else { None },
        email: if contact { p("email") } else { None },
        name: if contact { None } else { p("name") },
    }
}
