//! Logging a call once: find the same call or create it, under the call's hold, and put a call
//! into a connected number on its ticket.
//!
//! A report of a call that exists changes it as its path asks ([`Existing`]): the widget only
//! fills in what the call lacks (another tab, a reload, or the app adopting a call logged
//! without one), the inbound-call API overwrites with what it reports (a finished call's final
//! status and duration). Neither moves `hs_timestamp` to the clock: the clock fills it only
//! when a call is created without a known start. Either adds the association the report
//! carries, so a call it adopts is on the dialed record or the caller, as a new one would be.

use std::collections::BTreeMap;

use callhost_protocol::engine::ObjectRef as EngineRef;
use callhost_protocol::object_type;
use callhost_store::crm::{CrmObject, NewAssociation, NewObject, ObjectRef, ObjectUpdate};
use callhost_store::helpdesk::{CallToAttach, Channel};
use callhost_store::{now, StoreError};

use super::{
    association_to, check_strings, help_desk_channel, logged_by, of_account, same_call,
    CallLogError,
};
use crate::helpdesk::tickets;
use crate::AppState;

/// What a report does to a call that is already logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Write only the properties the call does not have yet.
    FillIn,
    /// Write every property of the report.
    Overwrite,
}

/// One report of a call, from either path.
#[derive(Debug, Clone)]
pub struct CallReport {
    pub portal_id: i64,
    /// The app reporting the call, when the report names one.
    pub app_id: Option<i64>,
    pub external_call_id: String,
    /// The call object's properties (`call_object::CallStart` plus what the path adds),
    /// checked here as the CRM API checks them.
    pub properties: BTreeMap<String, String>,
    /// The record a new call object is associated with (the dialed record or the caller).
    pub associate: Option<EngineRef>,
    /// The number an inbound call came in on, for its help-desk channel.
    pub called_number: Option<String>,
    /// Only a channel of this developer account's apps counts (see [`help_desk_channel`]).
    pub developer_account_id: Option<i64>,
    /// `sourceType` of the writes in the property history.
    pub source_type: &'static str,
    pub existing: Existing,
}

/// Logs the call once; returns its engagement id. The call's app is the report's, else the
/// app whose connected number was called (the call is then that app's, as the widget would
/// have logged it).
pub async fn report(state: &AppState, report: CallReport) -> Result<i64, CallLogError> {
    let store = state.store.as_ref();
    let portal_id = report.portal_id;
    let mut properties = check_strings(report.properties)?;
    let channel = help_desk_channel(
        store,
        portal_id,
        report.called_number.as_deref(),
        report.app_id,
        report.developer_account_id,
    )
    .await?;
    let app_id = report.app_id.or(channel.as_ref().map(|c| c.app_id));
    if let (None, Some(app_id)) = (report.app_id, app_id) {
        properties.insert("hs_call_app_id".into(), app_id.to_string());
    }
    // Held until this report returns (dropping it releases the call off the reply's path).
    let _hold = store.hold_call(portal_id, &report.external_call_id).await?;
    let found = store
        .find_objects_by_property(
            portal_id,
            object_type::CALL,
            "hs_call_external_id",
            std::slice::from_ref(&report.external_call_id),
            false,
        )
        .await?;
    let missing = |err| match err {
        StoreError::Missing(_) => CallLogError::MissingRecord,
        other => other.into(),
    };
    let found = match (app_id, report.developer_account_id) {
        // A report naming no app, with a token of a developer account, is never about another
        // account's app's call.
        (None, Some(account)) => of_account_calls(store, found, account).await?,
        _ => found,
    };
    if let Some(call) = same_call(&found, app_id) {
        if let Some(target) = &report.associate {
            // A call adopted by this report (logged without an app, or before its caller
            // matched anyone) gets the association a new call would have had; a record it is
            // already associated with stays as it is. Written before the properties, so a
            // record deleted meanwhile fails the report before it changes anything.
            let (to, kind, reverse) = association_to(target);
            let link = NewAssociation {
                from: ObjectRef::new(object_type::CALL, call.id),
                to,
                kind,
                reverse,
            };
            store
                .associate(portal_id, &[link], now())
                .await
                .map_err(missing)?;
        }
        let changes = match report.existing {
            Existing::Overwrite => properties,
            Existing::FillIn => missing_from(call, properties),
        };
        if !changes.is_empty() {
            let update = ObjectUpdate {
                id: call.id,
                properties: changes,
            };
            store
                .update_objects(
                    portal_id,
                    object_type::CALL,
                    &[update],
                    report.source_type,
                    now(),
                )
                .await?;
        }
        if let Some(channel) = &channel {
            attach_again(state, portal_id, call, channel, report.source_type).await;
        }
        return Ok(call.id);
    }
    if properties.get("hs_timestamp").is_none_or(String::is_empty) {
        properties.insert("hs_timestamp".into(), crate::time::format(&now()));
    }
    let from = properties.get("hs_call_from_number").cloned();
    let object = NewObject {
        properties,
        associations: report.associate.iter().map(association_to).collect(),
    };
    if let Some(channel) = &channel {
        // A call into a connected number: the call, its ticket and their associations are
        // one transaction.
        let attached = tickets::attach(
            store,
            portal_id,
            CallToAttach::New(&object),
            channel,
            from.as_deref(),
            report.source_type,
            None,
        )
        .await
        .map_err(missing)?;
        return Ok(attached.engagement_id);
    }
    let created = store
        .create_objects(
            portal_id,
            object_type::CALL,
            &[object],
            report.source_type,
            now(),
        )
        .await
        .map_err(missing)?;
    created
        .first()
        .map(|call| call.id)
        .ok_or(CallLogError::Internal("the store created no call object"))
}

/// The properties of `properties` that `call` has no value for.
fn missing_from(
    call: &CrmObject,
    properties: BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    properties
        .into_iter()
        .filter(|(name, _)| call.properties.get(name).is_none_or(String::is_empty))
        .collect()
}

/// A call reported again into a connected number and not on a ticket yet (an earlier attempt
/// failed): attach it now. A failure does not undo the report; finalizing tries again.
async fn attach_again(
    state: &AppState,
    portal_id: i64,
    call: &CrmObject,
    channel: &Channel,
    source_type: &str,
) {
    let store = state.store.as_ref();
    let attached = match store.call_ticket(portal_id, call.id).await {
        Ok(None) => {
            let from = call.properties.get("hs_call_from_number");
            let existing = CallToAttach::Existing(call.id);
            tickets::attach(
                store,
                portal_id,
                existing,
                channel,
                from.map(String::as_str),
                source_type,
                None,
            )
            .await
            .map(drop)
        }
        Ok(Some(_)) => Ok(()),
        Err(err) => Err(err),
    };
    if let Err(err) = attached {
        tracing::error!(
            error = %err,
            portal.id = portal_id,
            call.id = call.id,
            "attaching a call reported again failed"
        );
    }
}

/// The calls among `found` logged without an app or by an app of developer `account`.
async fn of_account_calls(
    store: &dyn callhost_store::Store,
    found: Vec<CrmObject>,
    account: i64,
) -> Result<Vec<CrmObject>, CallLogError> {
    let mut kept = Vec::with_capacity(found.len());
    for call in found {
        let ours = match logged_by(&call) {
            None => true,
            Some(app) => of_account(store, app, account).await?,
        };
        if ours {
            kept.push(call);
        }
    }
    Ok(kept)
}
