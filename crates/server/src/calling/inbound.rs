//! `POST /crm/v3/extensions/calling/inbound-call`: an app reports an inbound call; the answer
//! is the caller-ID matches for the calling number (contacts and companies whose phone
//! properties are that number, through the store's E.164 index) and, when
//! `createEngagement` is true, the call object, associated with the first match.
//!
//! The call is logged through `call_log`, exactly as the widget logs one: its properties are
//! the engine's (`call_object::CallStart`) plus what this API reports on top (the final
//! status, the duration, `engagementProperties`), it is the same call as the widget's when the
//! portal, the app and `externalCallId` agree, and a call into a number connected to the help
//! desk is attached to a ticket of that number's inbox. Reporting a call again updates it.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::Json;
use callhost_protocol::engine::call_object::CallStart;
use callhost_protocol::engine::{caller_id_matches, Direction, ObjectRef};
use serde_json::{json, Map, Value};

use super::ready::require_call_write;
use crate::auth::PortalAccess;
use crate::call_log::{self, CallLogError, CallReport, Existing};
use crate::crm::catalog::CALL_STATUSES;
use crate::crm::input;
use crate::crm::objects::API_SOURCE;
use crate::error::{ApiError, ApiResult, ErrorDetail};
use crate::extract::JsonObject;
use crate::fields::Fields;
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

/// The body of an inbound-call report, for the OpenAPI document (parsing goes through
/// [`Fields`], to name each bad field).
#[derive(utoipa::ToSchema)]
#[schema(as = InboundCallRequest, rename_all = "camelCase")]
#[allow(dead_code)]
pub struct InboundCallRequestDoc {
    /// Whether to log the call (associated with the first caller-ID match).
    create_engagement: bool,
    /// The app's id for the call; the same id again updates the same call.
    external_call_id: String,
    from_number: PhoneNumberDoc,
    to_number: PhoneNumberDoc,
    /// An `hs_call_status`: COMPLETED, BUSY, NO_ANSWER, ...
    #[schema(example = "COMPLETED")]
    final_call_status: String,
    /// Epoch milliseconds or an ISO-8601 date-time.
    call_started_timestamp: Option<String>,
    #[schema(minimum = 0)]
    duration_seconds: Option<i64>,
    #[schema(minimum = 1)]
    user_id: Option<i64>,
    /// Call properties to set (`hs_call_body`, `hs_call_app_id`, ...).
    engagement_properties: std::collections::BTreeMap<String, serde_json::Value>,
    potential_recipient_user_ids: Vec<i64>,
}

#[derive(utoipa::ToSchema)]
#[schema(as = InboundPhoneNumber, rename_all = "camelCase")]
#[allow(dead_code)]
pub struct PhoneNumberDoc {
    #[schema(example = "+16175550123")]
    e164_number: String,
    /// FIXED_LINE, MOBILE, VOIP, UNKNOWN, ...
    #[schema(example = "MOBILE")]
    phone_number_type: String,
    extension: Option<String>,
}

/// The answer: the caller-ID matches, and the call's id when one was logged.
#[derive(utoipa::ToSchema)]
#[schema(as = InboundCallResponse, rename_all = "camelCase")]
#[allow(dead_code)]
pub struct InboundCallResponseDoc {
    caller_id_matches: Vec<CallerIdMatchDoc>,
    engagement_id: Option<i64>,
}

/// A contact (`firstName`, `lastName`, `email`) or a company (`name`) whose number matched.
#[derive(utoipa::ToSchema)]
#[schema(as = CallerIdMatch, rename_all = "camelCase")]
#[allow(dead_code)]
pub struct CallerIdMatchDoc {
    /// `CONTACT` or `COMPANY`.
    caller_id_type: String,
    object_coordinates: ObjectCoordinatesDoc,
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
    name: Option<String>,
}

#[derive(utoipa::ToSchema)]
#[schema(as = ObjectCoordinates, rename_all = "camelCase")]
#[allow(dead_code)]
pub struct ObjectCoordinatesDoc {
    portal_id: i64,
    object_id: i64,
    object_type_id: String,
}

/// The checked request.
struct InboundCall {
    create_engagement: bool,
    properties: Map<String, Value>,
    external_call_id: String,
    status: String,
    from: String,
    to: String,
    /// `callStartedTimestamp`, ms since the epoch.
    started_at_ms: Option<i64>,
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
    let started = started.and_then(|raw| {
        let at = input::datetime(raw).map(|at| at.timestamp_millis());
        let at = at.ok_or_else(|| {
            "callStartedTimestamp must be epoch milliseconds or an ISO-8601 date-time".to_owned()
        });
        fields.check("callStartedTimestamp", "INVALID_DATE", at)
    });
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
        started_at_ms: started,
        duration_seconds: duration,
        user_id,
    })
}

/// Reports an inbound call: the caller-ID matches and, if asked, the call engagement.
#[utoipa::path(post, path = "/crm/v3/extensions/calling/inbound-call", tag = "Calling",
    operation_id = "report_inbound_call",
    request_body = InboundCallRequestDoc,
    responses((status = 200, body = InboundCallResponseDoc)),
    security(("oauth2" = [])))]
pub async fn report_inbound_call(
    State(state): State<AppState>,
    access: PortalAccess,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<Value>> {
    require_call_write(&access)?;
    let call = parse(&body)?;
    let portal_id = access.0.portal_id;
    let owner_id = match call.user_id {
        Some(user) => state
            .store
            .get_user(portal_id, user)
            .await?
            .map(|user| user.owner_id),
        None => None,
    };
    // The app the call is logged for, when the properties name one (else the app whose
    // connected number was called, which `call_log` finds).
    let named_app = call
        .properties
        .get("hs_call_app_id")
        .and_then(|app| match app {
            Value::String(s) => s.trim().parse::<i64>().ok(),
            other => other.as_i64(),
        });
    // Checked before anything else, so a bad report is refused whether or not it asks for
    // an engagement.
    let properties = properties(&call, named_app, owner_id).map_err(api_error)?;

    let matches = call_log::caller_id(state.store.as_ref(), portal_id, &call.from).await?;
    let mut out = caller_id_matches(&matches, portal_id);
    if !call.create_engagement {
        return Ok(Json(out));
    }
    let report = CallReport {
        portal_id,
        app_id: named_app,
        external_call_id: call.external_call_id.clone(),
        properties,
        associate: matches.first().map(|m| ObjectRef {
            object_type_id: m.object_type_id.clone(),
            object_id: m.object_id,
        }),
        called_number: Some(call.to.clone()),
        developer_account_id: access.0.developer_account_id,
        source_type: API_SOURCE,
        existing: Existing::Overwrite,
    };
    let engagement = call_log::report(&state, report).await.map_err(api_error)?;
    out["engagementId"] = json!(engagement);
    Ok(Json(out))
}

/// The call object's properties: the engine's for an inbound call, then this API's final
/// status and duration, then the app's `engagementProperties`, each overriding the one before.
fn properties(
    call: &InboundCall,
    app_id: Option<i64>,
    owner_id: Option<i64>,
) -> Result<BTreeMap<String, String>, CallLogError> {
    let start = CallStart {
        external_call_id: &call.external_call_id,
        direction: Direction::Inbound,
        app_id,
        owner_id,
        from_number: Some(&call.from),
        to_number: Some(&call.to),
        started_at_ms: call.started_at_ms,
    };
    let mut raw: Map<String, Value> = start
        .properties()
        .into_iter()
        .map(|(name, value)| (name, Value::String(value)))
        .collect();
    raw.insert("hs_call_status".into(), json!(call.status));
    if let Some(seconds) = call.duration_seconds {
        raw.insert(
            "hs_call_duration".into(),
            json!((seconds * 1000).to_string()),
        );
    }
    raw.extend(call.properties.clone());
    // The call is the one `externalCallId` names, whatever `engagementProperties` says: a
    // different `hs_call_external_id` would make its next report another call.
    raw.insert(
        "hs_call_external_id".into(),
        Value::String(call.external_call_id.clone()),
    );
    call_log::check_properties(raw)
}

/// A call-log failure as this API answers it.
fn api_error(err: CallLogError) -> ApiError {
    match err {
        CallLogError::InvalidProperties(errors) => input::invalid_properties(errors),
        CallLogError::Store(err) => err.into(),
        CallLogError::Internal(why) => ApiError::Internal(anyhow::anyhow!(why)),
        other => ApiError::validation(other.to_string(), Vec::new()),
    }
}
