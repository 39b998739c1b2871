//! Tickets from calls to connected numbers, and the help-desk page's ticket list.
//!
//! An inbound call whose `toNumber` (read as E.164) is connected in the portal by the call's
//! app is attached, when its engagement is created (or at the latest when the app finalizes
//! it), to the newest open ticket of that channel's inbox made for the same caller (the first
//! caller-ID match, or the calling number when nothing matches), or else to a new CRM ticket
//! associated with the call (HubSpot-defined 219/220) and the caller's record. The store
//! writes all of it (the call too, when it is new) in one transaction.
//!
//! Callers (`call_log`, the one home of call logging) hold the call
//! (`ExclusionStore::hold_call`, across instances) around [`attach`], so that tabs, API
//! requests and instances reporting the same call at once agree; the store is idempotent per
//! call anyway.

use std::collections::BTreeMap;

use axum::extract::{RawQuery, State};
use axum::Json;
use callhost_store::crm::{phone, AssociationKind, CrmObject, ObjectRef};
use callhost_store::helpdesk::{Attached, CallToAttach, Channel, HelpdeskTicket, TicketPlan};
use callhost_store::{now, Store, StoreError};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::numbers::is_e164;
use crate::crm::catalog::{self, object_type};
use crate::error::ApiResult;
use crate::host::signin::HostUser;
use crate::AppState;

/// The most tickets the page lists at once.
pub const TICKET_LIMIT: u32 = 200;

/// `raw` as E.164: read like caller ID reads numbers, or taken as is when it already is.
pub fn as_e164(raw: &str) -> Option<String> {
    let raw = raw.trim();
    phone::normalize(raw, Some(phone::INDEX_REGION)).or_else(|| is_e164(raw).then(|| raw.into()))
}

/// The channel a call to `to_number` came in on, when it is connected in the portal by an app
/// `accepts`.
pub async fn channel_for(
    store: &dyn Store,
    portal_id: i64,
    to_number: Option<&str>,
    accepts: impl Fn(i64) -> bool,
) -> Result<Option<Channel>, StoreError> {
    let Some(e164) = to_number.and_then(as_e164) else {
        return Ok(None);
    };
    Ok(store
        .find_channel(portal_id, &e164)
        .await?
        .filter(|c| accepts(c.app_id)))
}

fn kind(type_id: i32) -> AssociationKind {
    AssociationKind {
        category: "HUBSPOT_DEFINED".to_owned(),
        type_id,
    }
}

/// A record's name as the help desk shows it: a contact's first and last name (else its
/// email), a company's name.
pub fn record_name(object: &CrmObject) -> Option<String> {
    let p = |name: &str| object.properties.get(name).map(|v| v.trim().to_owned());
    let name = if object.object_type_id == object_type::CONTACT {
        let full = [p("firstname"), p("lastname")]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        Some(full).filter(|s| !s.is_empty()).or_else(|| p("email"))
    } else {
        p("name")
    };
    name.filter(|s| !s.is_empty())
}

/// Attaches the call (made in the same transaction when `call` is `New`) to its ticket in
/// `channel`'s inbox, and marks it finalized at `finalize_at` (when given) in the same
/// transaction: a call finalized after its number was connected is attached and final, or
/// neither.
pub async fn attach(
    store: &dyn Store,
    portal_id: i64,
    call: CallToAttach<'_>,
    channel: &Channel,
    from_number: Option<&str>,
    source_type: &str,
    finalize_at: Option<DateTime<Utc>>,
) -> Result<Attached, StoreError> {
    let from_number = from_number.map(str::trim).filter(|n| !n.is_empty());
    let caller = match from_number {
        Some(number) => store
            .find_by_phone(portal_id, number, Some(phone::INDEX_REGION))
            .await?
            .into_iter()
            .next(),
        None => None,
    };
    let who = caller
        .as_ref()
        .and_then(record_name)
        .or_else(|| from_number.map(str::to_owned))
        .unwrap_or_else(|| "an unknown number".to_owned());
    let line = match &channel.friendly_name {
        Some(name) => format!("{name} ({})", channel.e164),
        None => channel.e164.clone(),
    };
    let ticket_properties = BTreeMap::from([
        ("subject".to_owned(), format!("Call from {who}")),
        ("hs_pipeline".to_owned(), "0".to_owned()),
        ("hs_pipeline_stage".to_owned(), "1".to_owned()),
        (
            "content".to_owned(),
            format!("Inbound call from {who} to {line}."),
        ),
    ]);
    let (to_call, from_call) = catalog::hubspot_defined(object_type::TICKET, object_type::CALL)
        .first()
        .copied()
        .unwrap_or((219, 220));
    let ticket_to_caller = caller.as_ref().and_then(|c| {
        catalog::hubspot_defined(object_type::TICKET, &c.object_type_id)
            .first()
            .map(|&(forward, reverse)| (kind(forward), kind(reverse)))
    });
    let plan = TicketPlan {
        channel,
        caller: caller
            .as_ref()
            .map(|c| ObjectRef::new(&c.object_type_id, c.id)),
        caller_number: from_number.map(|n| as_e164(n).unwrap_or_else(|| n.to_owned())),
        ticket_properties,
        ticket_to_call: (kind(to_call), kind(from_call)),
        ticket_to_caller,
        source_type,
        finalize_at,
    };
    let attached = store.attach_call(portal_id, call, &plan, now()).await?;
    tracing::info!(
        portal.id = portal_id,
        call.id = attached.engagement_id,
        ticket.id = attached.ticket_id,
        ticket.new = attached.new_ticket,
        channel.id = channel.id,
        "call attached to a help-desk ticket"
    );
    Ok(attached)
}

/// `GET /host/api/helpdesk/tickets[?inboxId=N]`: newest first.
pub async fn list_tickets(
    State(state): State<AppState>,
    user: HostUser,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    let mut inbox_id = None;
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        if key == "inboxId" {
            inbox_id = Some(crate::extract::positive_id("inboxId", &value)?);
        }
    }
    let tickets = state
        .store
        .list_tickets(user.grant.portal_id, inbox_id, TICKET_LIMIT)
        .await?;
    let tickets: Vec<Value> = tickets.iter().map(ticket_json).collect();
    Ok(Json(json!({ "tickets": tickets })))
}

fn ticket_json(ticket: &HelpdeskTicket) -> Value {
    let p = |object: &CrmObject, name: &str| object.properties.get(name).cloned();
    let calls: Vec<Value> = ticket
        .calls
        .iter()
        .map(|c| {
            json!({
                "engagementId": c.call.id,
                "externalCallId": p(&c.call, "hs_call_external_id"),
                "fromNumber": p(&c.call, "hs_call_from_number"),
                "toNumber": p(&c.call, "hs_call_to_number"),
                "status": p(&c.call, "hs_call_status"),
                "finalizedAt": c.finalized_at.as_ref().map(crate::time::format),
            })
        })
        .collect();
    let finalized =
        !ticket.calls.is_empty() && ticket.calls.iter().all(|c| c.finalized_at.is_some());
    let contact = ticket.caller.as_ref().map(|c| {
        json!({
            "objectTypeId": c.object_type_id,
            "objectId": c.id,
            "name": record_name(c),
        })
    });
    json!({
        "id": ticket.ticket.id,
        "inboxId": ticket.inbox_id,
        "channelId": ticket.channel_id,
        "subject": p(&ticket.ticket, "subject"),
        "stage": p(&ticket.ticket, "hs_pipeline_stage"),
        "createdAt": crate::time::format(&ticket.ticket.created_at),
        "finalized": finalized,
        "contact": contact,
        "calls": calls,
    })
}
