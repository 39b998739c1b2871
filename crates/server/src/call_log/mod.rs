//! Call logging: one call object per call, however many times and ways it is reported.
//!
//! Two paths log calls: the widget path (the engine's store requests, carried out by
//! `host::calls`) and `POST /crm/v3/extensions/calling/inbound-call` (`calling::inbound`).
//! Both come here to log a call once ([`report()`]), to update it ([`update()`]), to
//! finalize it ([`finalize()`]) and to associate it ([`association_to`]). What they write is
//! decided by the engine's one property builder (`callhost_protocol::engine::call_object`);
//! this module only adds the clock and checks the values as the CRM API would.
//!
//! **The same call.** A call is (portal, app, externalCallId). A report that names its app (the
//! widget always does; the inbound-call API does through `hs_call_app_id`, or through the app
//! whose help-desk number was called) is the call object with that `hs_call_external_id` and
//! that `hs_call_app_id`, failing that the one with no `hs_call_app_id` (logged without an app,
//! through the CRM API or the inbound-call API naming none): the reporting app adopts it. A
//! report that names no app is the call with that external id and no app, failing that the
//! oldest with that external id (among its developer account's apps' calls, when the report
//! comes with a token of a developer account). Another app's call is never the same call, and an app never
//! finalizes it.
//!
//! **Invariants.** Reports of one external id exclude each other in every process sharing the
//! database: each holds the store's hold on (portal, externalCallId)
//! (`ExclusionStore::hold_call`: a PostgreSQL advisory lock, an in-process lock on SQLite,
//! which is one process), coarser than a call's identity because a report without an app can
//! be the same call as any app's. Under it, find-then-create makes one call object however
//! many tabs, windows, API requests and instances report the call at once; finalization and
//! the help-desk attachment run under it too. Why a hold and not a unique key:
//! docs/design.md#one-call-across-instances. The help desk
//! (`helpdesk::tickets`): a call into a connected number is attached to its ticket in the
//! transaction that creates it; reported again and still not attached, it is attached then;
//! finalized and still not attached, it is attached and finalized in one transaction.

mod finalize;
mod report;

use std::collections::BTreeMap;

use callhost_protocol::engine::{CallerIdMatch, ObjectRef as EngineRef};
use callhost_protocol::object_type;
use callhost_store::crm::{phone, AssociationKind, CrmObject, ObjectRef, ObjectUpdate};
use callhost_store::helpdesk::Channel;
use callhost_store::{now, Store, StoreError};
use serde_json::{Map, Value};

pub use finalize::finalize;
pub use report::{report, CallReport, Existing};

use crate::crm::catalog;
use crate::crm::input::{self, PropertyError, Write};
use crate::helpdesk::tickets;

/// Why a call could not be logged, updated or finalized. Every variant but `Store` and
/// `Internal` is a sentence the app may be shown.
#[derive(Debug, thiserror::Error)]
pub enum CallLogError {
    #[error("Invalid engagement properties: {}", describe(.0))]
    InvalidProperties(Vec<PropertyError>),
    #[error("The record to log the call on does not exist.")]
    MissingRecord,
    #[error("No call engagement {0} in this portal.")]
    UnknownCall(i64),
    #[error("Call engagement {engagement_id} is the call {stored:?}, not {given:?}.")]
    OtherCall {
        engagement_id: i64,
        stored: String,
        given: String,
    },
    #[error("Call engagement {engagement_id} was logged by app {app_id}, not by this app.")]
    OtherApp { engagement_id: i64, app_id: i64 },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A broken expectation about the store's answer.
    #[error("{0}")]
    Internal(&'static str),
}

fn describe(errors: &[PropertyError]) -> String {
    let list: Vec<String> = errors
        .iter()
        .map(|e| format!("{}: {}", e.name, e.message))
        .collect();
    list.join("; ")
}

/// `properties` checked and normalized as the CRM API checks a call's (a time in epoch
/// milliseconds becomes ISO-8601); nothing is required, since the clock fills `hs_timestamp`.
pub fn check_properties(
    properties: Map<String, Value>,
) -> Result<BTreeMap<String, String>, CallLogError> {
    let calls = catalog::builtin(object_type::CALL).expect("calls are a built-in type");
    input::properties(calls, Some(&Value::Object(properties)), Write::Update)
        .map_err(CallLogError::InvalidProperties)
}

/// [`check_properties`] for string values (the engine's).
fn check_strings(
    properties: BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, CallLogError> {
    check_properties(
        properties
            .into_iter()
            .map(|(name, value)| (name, Value::String(value)))
            .collect(),
    )
}

/// The call of (app, external id) among `found` (all calls with that external id), by the
/// rule in the module's documentation.
fn same_call(found: &[CrmObject], app_id: Option<i64>) -> Option<&CrmObject> {
    let mut oldest_first: Vec<&CrmObject> = found.iter().collect();
    oldest_first.sort_by_key(|call| call.id);
    let by_app = |app: Option<i64>| {
        oldest_first
            .iter()
            .find(|call| logged_by(call) == app)
            .copied()
    };
    match app_id {
        Some(app_id) => by_app(Some(app_id)).or_else(|| by_app(None)),
        None => by_app(None).or_else(|| oldest_first.first().copied()),
    }
}

/// The association from a call to `target`: HubSpot's defined type where there is one (194 to
/// contacts, 182 to companies), otherwise a user-defined one (custom objects). Never fails.
pub fn association_to(target: &EngineRef) -> (ObjectRef, AssociationKind, AssociationKind) {
    let kind = |category: &str, type_id| AssociationKind {
        category: category.to_owned(),
        type_id,
    };
    let to = ObjectRef::new(&target.object_type_id, target.object_id);
    match catalog::hubspot_defined(object_type::CALL, &target.object_type_id).first() {
        Some(&(forward, reverse)) => (
            to,
            kind("HUBSPOT_DEFINED", forward),
            kind("HUBSPOT_DEFINED", reverse),
        ),
        None => (to, kind("USER_DEFINED", 1), kind("USER_DEFINED", 1)),
    }
}

/// The help-desk channel a call to `called_number` came in on: connected in the portal by
/// `app_id` (by any app when `None`), and by an app of `developer_account_id` when given (the
/// inbound-call API's token may act only for its own account's apps).
pub async fn help_desk_channel(
    store: &dyn Store,
    portal_id: i64,
    called_number: Option<&str>,
    app_id: Option<i64>,
    developer_account_id: Option<i64>,
) -> Result<Option<Channel>, StoreError> {
    let accepts = |channel_app| app_id.is_none_or(|app| app == channel_app);
    let Some(channel) = tickets::channel_for(store, portal_id, called_number, accepts).await?
    else {
        return Ok(None);
    };
    if let Some(account) = developer_account_id {
        if !of_account(store, channel.app_id, account).await? {
            return Ok(None);
        }
    }
    Ok(Some(channel))
}

/// Whether `app_id` is an app of developer `account`.
pub(super) async fn of_account(
    store: &dyn Store,
    app_id: i64,
    account: i64,
) -> Result<bool, StoreError> {
    let app = store.get_app(app_id).await?;
    Ok(app.is_some_and(|app| app.developer_account_id == account))
}

/// The app a call object was logged by (`hs_call_app_id`), when it names one.
pub(super) fn logged_by(call: &CrmObject) -> Option<i64> {
    call.properties
        .get("hs_call_app_id")
        .and_then(|a| a.parse::<i64>().ok())
}

/// The call object `engagement_id`, when it is `app_id`'s or was logged without an app: an
/// app updates and finalizes its own calls, never another app's (it can name any
/// engagementId, in INITIALIZED or CALL_COMPLETED).
pub(super) async fn own_call(
    store: &dyn Store,
    portal_id: i64,
    app_id: i64,
    engagement_id: i64,
) -> Result<CrmObject, CallLogError> {
    let call = store
        .get_objects(portal_id, object_type::CALL, &[engagement_id], false)
        .await?
        .into_iter()
        .next()
        .ok_or(CallLogError::UnknownCall(engagement_id))?;
    match logged_by(&call).filter(|logged_by| *logged_by != app_id) {
        Some(other) => Err(CallLogError::OtherApp {
            engagement_id,
            app_id: other,
        }),
        None => Ok(call),
    }
}

/// Sets call properties (an app's CALL_COMPLETED, a status the engine records) on an app's
/// own call ([`own_call`]).
pub async fn update(
    store: &dyn Store,
    portal_id: i64,
    app_id: i64,
    engagement_id: i64,
    properties: Map<String, Value>,
    source_type: &str,
) -> Result<(), CallLogError> {
    let properties = check_properties(properties)?;
    own_call(store, portal_id, app_id, engagement_id).await?;
    let update = ObjectUpdate {
        id: engagement_id,
        properties,
    };
    match store
        .update_objects(portal_id, object_type::CALL, &[update], source_type, now())
        .await
    {
        Ok(_) => Ok(()),
        Err(StoreError::Missing(_)) => Err(CallLogError::UnknownCall(engagement_id)),
        Err(err) => Err(err.into()),
    }
}

/// Caller ID: the contacts and companies whose phone numbers are `number`, as the engine and
/// the inbound-call API report them (contacts with names and email, companies with a name).
pub async fn caller_id(
    store: &dyn Store,
    portal_id: i64,
    number: &str,
) -> Result<Vec<CallerIdMatch>, StoreError> {
    let found = store
        .find_by_phone(portal_id, number, Some(phone::INDEX_REGION))
        .await?;
    Ok(found.iter().map(caller_id_match).collect())
}

pub fn caller_id_match(object: &CrmObject) -> CallerIdMatch {
    let p = |name: &str| object.properties.get(name).cloned();
    let contact = object.object_type_id == object_type::CONTACT;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn call(id: i64, app: Option<&str>) -> CrmObject {
        let mut properties = BTreeMap::from([("hs_call_external_id".into(), "x".into())]);
        if let Some(app) = app {
            properties.insert("hs_call_app_id".into(), app.into());
        }
        CrmObject {
            id,
            object_type_id: object_type::CALL.into(),
            properties,
            created_at: now(),
            updated_at: now(),
            archived_at: None,
        }
    }

    fn found(calls: &[CrmObject], app: Option<i64>) -> Option<i64> {
        same_call(calls, app).map(|c| c.id)
    }

    #[test]
    fn the_same_call_is_the_apps_own_else_one_logged_without_an_app() {
        let calls = [call(3, Some("7")), call(2, None), call(1, Some("8"))];
        assert_eq!(found(&calls, Some(7)), Some(3));
        assert_eq!(found(&calls, Some(8)), Some(1));
        assert_eq!(
            found(&calls, Some(9)),
            Some(2),
            "an app adopts a call without one"
        );
        assert_eq!(found(&calls, None), Some(2));
        let apps_only = [call(5, Some("7")), call(4, Some("8"))];
        assert_eq!(found(&apps_only, Some(9)), None, "never another app's call");
        assert_eq!(found(&apps_only, None), Some(4), "no app named: the oldest");
        assert_eq!(found(&[], None), None);
    }

    #[test]
    fn associations_never_fail_custom_objects_are_user_defined() {
        let to = |object_type_id: &str| EngineRef {
            object_type_id: object_type_id.into(),
            object_id: 1,
        };
        let (_, forward, reverse) = association_to(&to(object_type::CONTACT));
        assert_eq!(
            (forward.category.as_str(), forward.type_id),
            ("HUBSPOT_DEFINED", 194)
        );
        assert_eq!(reverse.type_id, 193);
        let (_, forward, _) = association_to(&to(object_type::COMPANY));
        assert_eq!(forward.type_id, 182);
        let (to, forward, reverse) = association_to(&to("2-17"));
        assert_eq!(to, ObjectRef::new("2-17", 1));
        assert_eq!(
            (forward.category.as_str(), forward.type_id),
            ("USER_DEFINED", 1)
        );
        assert_eq!(reverse.type_id, 1);
    }
}
