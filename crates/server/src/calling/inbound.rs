//! `POST /crm/v3/extensions/calling/inbound-call`: an app reports an inbound call; the answer
//! is the caller-ID matches for the calling number (contacts and companies whose phone
//! properties are that number, through the store's E.164 index) and, when
//! `createEngagement` is true, the call object, associated with the first match.
//!
//! A call is kept once per `externalCallId` in a portal: reporting it again updates it.
//!
//! A call to a number connected to the help desk (`toNumber`, read as E.164) is attached to
//! a ticket of that number's inbox, in the transaction that creates it (`helpdesk::tickets`).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::Json;
use callhost_protocol::engine::caller_id_matches;
use callhost_store::crm::{AssociationKind, NewObject, ObjectRef, ObjectUpdate};
use callhost_store::helpdesk::CallToAttach;
use callhost_store::now;
use serde_json::{json, Map, Value};

use super::ready::require_call_write;
use crate::auth::PortalAccess;
use crate::crm::catalog::{self, CALL_STATUSES};
use crate::crm::input;
use crate::crm::objects::API_SOURCE;
use crate::error::{ApiError, ApiResult, ErrorDetail};
use crate::extract::JsonObject;
use crate::fields::Fields;
use crate::helpdesk::tickets;
use crate::host::calls::caller_id_match;
use crate::AppState;

const NUMBER_TYPES: &[&str] = &[
    "FIXED_LINE",
    "FIXED_LINE_OR_MOBILE",
    "MOBILE",
    "PAGER",
    "PERSONAL_NUMBER",
    "PREMIUM_RATE",
    "SHARED_COST",
    "TOLL_FREE",
    "UAN",
    "UNKNOWN",
    "VOICEMAIL",
    "VOIP",
];

/// The checked request.
struct InboundCall {
    create_engagement: bool,
    properties: Map<String, Value>,
    external_call_id: String,
    status: String,
    from: String,
    to: String,
    started: Option<String>,
    duration_seconds: Option<i64>,
    user_id: Option<i64>,
}

fn enum_field(fields: &mut Fields<'_>, name: &str, allowed: &[&str]) -> Option<String> {
    let raw = fields.string(name);
    let raw = fields.required(name, raw)?;
    let checked = if allowed.contains(&raw) {
        Ok(raw.to_owned())
    } else {
        Err(format!("{name} must be one of {}", allowed.join(", ")))
    };
    fields.check(name, "INVALID_OPTION", checked)
}

/// `{e164Number, phoneNumberType, extension?}`.
fn phone(body: &Map<String, Value>, name: &str, errors: &mut Vec<ErrorDetail>) -> Option<String> {
    let Some(map) = body.get(name).and_then(Value::as_object) else {
        errors.push(ErrorDetail::field(
            name,
            "REQUIRED",
            format!("{name} is required"),
        ));
        return None;
    };
    let mut fields = Fields::new(map);
    let number = fields.string("e164Number");
    let number = fields.required("e164Number", number);
    enum_field(&mut fields, "phoneNumberType", NUMBER_TYPES);
    if let Err(ApiError::Client { errors: inner, .. }) = fields.finish(name) {
        errors.extend(inner.into_iter().map(|mut e| {
            e.location = e.location.map(|l| format!("{name}.{l}"));
            e
        }));
    }
    number.map(str::to_owned)
}

fn parse(body: &Map<String, Value>) -> ApiResult<InboundCall> {
    let mut errors = Vec::new();
    let from = phone(body, "fromNumber", &mut errors);
    let to = phone(body, "toNumber", &mut errors);
    let mut fields = Fields::new(body);
    let create = fields.boolean("createEngagement");
    let create = fields.required("createEngagement", create);
    let external = fields.string("externalCallId");
    let external = fields.required("externalCallId", external);
    let status = enum_field(&mut fields, "finalCallStatus", CALL_STATUSES);
    let started = fields.string("callStartedTimestamp");
    let duration = fields.integer("durationSeconds", 0..=i64::from(i32::MAX));
    let user_id = fields.integer("userId", 1..=i64::MAX);
    let properties = match body.get("engagementProperties") {
        Some(Value::Object(map)) => Some(map.clone()),
        _ => fields.required("engagementProperties", None),
    };
    if !body
        .get("potentialRecipientUserIds")
        .is_some_and(Value::is_array)
    {
        fields.required::<()>("potentialRecipientUserIds", None);
    }
    let finished = fields.finish("inbound call");
    if let Err(ApiError::Client { errors: inner, .. }) = finished {
        errors.extend(inner);
    }
    if !errors.is_empty() {
        let list: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        return Err(ApiError::validation(
            format!("Invalid inbound call: {}.", list.join("; ")),
            errors,
        ));
    }
    let missing = || ApiError::internal();
    Ok(InboundCall {
        create_engagement: create.ok_or_else(missing)?,
        properties: properties.ok_or_else(missing)?,
        external_call_id: external.ok_or_else(missing)?.to_owned(),
        status: status.ok_or_else(missing)?,
        from: from.ok_or_else(missing)?,
        to: to.ok_or_else(missing)?,
        started: started.map(str::to_owned),
        duration_seconds: duration,
        user_id,
    })
}

/// Reports an inbound call: the caller-ID matches and, if asked, the call engagement.
pub async fn report_inbound_call(
    State(state): State<AppState>,
    access: PortalAccess,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<Value>> {
    require_call_write(&access)?;
    let call = parse(&body)?;
    let portal_id = access.0.portal_id;
    let calls = catalog::builtin("calls").ok_or_else(ApiError::internal)?;
    let mut raw = Map::new();
    raw.insert(
        "hs_timestamp".into(),
        json!(call
            .started
            .clone()
            .unwrap_or_else(|| crate::time::format(&now()))),
    );
    raw.insert("hs_call_direction".into(), json!("INBOUND"));
    raw.insert("hs_call_status".into(), json!(call.status));
    raw.insert("hs_call_from_number".into(), json!(call.from));
    raw.insert("hs_call_to_number".into(), json!(call.to));
    raw.insert("hs_call_external_id".into(), json!(call.external_call_id));
    if let Some(seconds) = call.duration_seconds {
        raw.insert(
            "hs_call_duration".into(),
            json!((seconds * 1000).to_string()),
        );
    }
    if let Some(user) = call.user_id {
        if let Some(user) = state.store.get_user(portal_id, user).await? {
            raw.insert("hubspot_owner_id".into(), json!(user.owner_id.to_string()));
        }
    }
    raw.extend(call.properties.clone());
    let properties: BTreeMap<String, String> =
        input::properties(calls, Some(&Value::Object(raw)), input::Write::Create)
            .map_err(input::invalid_properties)?;

    let matches = state
        .store
        .find_by_phone(
            portal_id,
            &call.from,
            Some(callhost_store::crm::phone::INDEX_REGION),
        )
        .await?;
    let found: Vec<_> = matches.iter().map(caller_id_match).collect();
    let mut out = caller_id_matches(&found, portal_id);
    if !call.create_engagement {
        return Ok(Json(out));
    }
    // The help-desk channel of the number called: connected in this portal by an app of the
    // token's developer account (any app, for a token without one), and by the call's own
    // app when the properties name it.
    let owner = access.0.developer_account_id;
    let named_app = properties
        .get("hs_call_app_id")
        .and_then(|a| a.parse::<i64>().ok());
    let mut channel =
        tickets::channel_for(state.store.as_ref(), portal_id, Some(&call.to), |app| {
            named_app.is_none_or(|named| named == app)
        })
        .await?;
    if let (Some(found), Some(owner)) = (&channel, owner) {
        let app = state.store.get_app(found.app_id).await?;
        if app.is_none_or(|app| app.developer_account_id != owner) {
            channel = None;
        }
    }
    // The call's app: the one its properties name, else the app whose connected number was
    // called (the call is then that app's, as the host would log it).
    let app = named_app.or(channel.as_ref().map(|c| c.app_id));
    let mut properties = properties;
    if let (None, Some(app)) = (named_app, app) {
        properties.insert("hs_call_app_id".into(), app.to_string());
    }
    // Reports of one call are serialized under the host's own key (portal, app,
    // externalCallId), so this API and the widget reporting the same call make one call.
    let key = (portal_id, app.unwrap_or(0), call.external_call_id.as_str());
    let _guard = state.call_locks.stripe(&key).lock().await;
    let existing = state
        .store
        .find_objects_by_property(
            portal_id,
            "0-48",
            "hs_call_external_id",
            std::slice::from_ref(&call.external_call_id),
            false,
        )
        .await?;
    // Another app's call with the same external id is not this one.
    let same_app = |o: &&callhost_store::crm::CrmObject| {
        let logged = o.properties.get("hs_call_app_id");
        app.is_none_or(|app| logged.is_none_or(|l| *l == app.to_string()))
    };
    let engagement = match existing.iter().find(same_app) {
        Some(found) => {
            let update = ObjectUpdate {
                id: found.id,
                properties,
            };
            let updated = state
                .store
                .update_objects(portal_id, "0-48", &[update], API_SOURCE, now())
                .await?
                .remove(0);
            if let Some(channel) = &channel {
                if state
                    .store
                    .call_ticket(portal_id, updated.id)
                    .await?
                    .is_none()
                {
                    let from = Some(call.from.as_str());
                    let existing = CallToAttach::Existing(updated.id);
                    tickets::attach(
                        state.store.as_ref(),
                        portal_id,
                        existing,
                        channel,
                        from,
                        API_SOURCE,
                    )
                    .await?;
                }
            }
            updated.id
        }
        None => {
            let mut new = NewObject {
                properties,
                associations: Vec::new(),
            };
            if let Some(first) = matches.first() {
                let (id, reverse) = catalog::hubspot_defined("0-48", &first.object_type_id)[0];
                let kind = |type_id| AssociationKind {
                    category: "HUBSPOT_DEFINED".into(),
                    type_id,
                };
                new.associations.push((
                    ObjectRef::new(&first.object_type_id, first.id),
                    kind(id),
                    kind(reverse),
                ));
            }
            match &channel {
                // Into a connected number: the call and its ticket in one transaction.
                Some(channel) => {
                    let from = Some(call.from.as_str());
                    let new = CallToAttach::New(&new);
                    tickets::attach(
                        state.store.as_ref(),
                        portal_id,
                        new,
                        channel,
                        from,
                        API_SOURCE,
                    )
                    .await?
                    .engagement_id
                }
                None => {
                    state
                        .store
                        .create_objects(portal_id, "0-48", &[new], API_SOURCE, now())
                        .await?
                        .remove(0)
                        .id
                }
            }
        }
    };
    out["engagementId"] = json!(engagement);
    Ok(Json(out))
}
