//! The payloads of host messages, and the small conversions they need.
//!
//! Shapes follow docs/protocol.md#host-to-app-messages and docs/design.md#failure-payloads: failures are `{error:{message}}` plus the
//! ids of the request; successes carry exactly what the spec lists, so an app written against
//! HubSpot reads the same keys here. Nothing in this module has state.

use serde_json::{json, Map, Value};

use super::findings::{self, finding};
use super::io::{CallerIdMatch, DialRequest, Finding, SessionConfig};
use crate::object_type;

/// `{error:{message}}` plus the request's ids (`null` ids are left out).
pub fn failure(message: &str, ids: &[(&str, Value)]) -> Value {
    let mut payload = Map::new();
    payload.insert("error".into(), json!({ "message": message }));
    for (key, value) in ids {
        if !value.is_null() {
            payload.insert((*key).into(), value.clone());
        }
    }
    Value::Object(payload)
}

/// The CRM's name for a standard object type id, as DIAL_NUMBER's `objectType` spells it.
pub fn object_type_name(object_type_id: &str) -> Option<&'static str> {
    Some(match object_type_id {
        object_type::CONTACT => "CONTACT",
        object_type::COMPANY => "COMPANY",
        object_type::DEAL => "DEAL",
        object_type::TICKET => "TICKET",
        _ => return None,
    })
}

/// DIAL_NUMBER for a click on a record's phone property. Every id describes the **dialed**
/// record: HubSpot's `objectId`/`subjectId` described the viewed page and were often wrong
/// (SDK issues #207, #216, #228), which is why `calleeInfo` exists; here they all agree. A
/// number dialed without a record has none of the record's fields (no `calleeInfo`, ids or
/// `toPhoneNumberSrc`), rather than fields an app would read as a record.
pub fn dial_number(req: &DialRequest, config: &SessionConfig) -> Value {
    let mut data = json!({
        "phoneNumber": req.phone_number,
        "phone_number": req.phone_number,
        "countryCode": req.country_code,
        "ownerId": config.owner_id,
        "portalId": config.portal_id,
        "startTimestamp": req.timestamp_ms,
    });
    if let (Some(type_id), Some(id), Some(fields)) =
        (&req.object_type_id, req.object_id, data.as_object_mut())
    {
        let object_type = req
            .object_type
            .clone()
            .or_else(|| object_type_name(type_id).map(String::from));
        fields.insert(
            "calleeInfo".into(),
            json!({ "calleeId": id, "calleeObjectTypeId": type_id }),
        );
        fields.insert("objectId".into(), id.into());
        fields.insert("objectType".into(), json!(object_type));
        fields.insert("subjectId".into(), id.into());
        fields.insert("toPhoneNumberSrc".into(), json!(req.property));
    }
    data
}

/// CALLER_ID_MATCH_SUCCEEDED's payload: contacts carry names and email, companies a name.
pub fn caller_id_matches(matches: &[CallerIdMatch], portal_id: i64) -> Value {
    let list: Vec<Value> = matches
        .iter()
        .map(|m| {
            let coordinates = json!({
                "portalId": portal_id,
                "objectId": m.object_id,
                "objectTypeId": m.object_type_id,
            });
            if m.caller_id_type == "COMPANY" {
                json!({
                    "callerIdType": "COMPANY",
                    "objectCoordinates": coordinates,
                    "name": m.name,
                })
            } else {
                json!({
                    "callerIdType": m.caller_id_type,
                    "objectCoordinates": coordinates,
                    "firstName": m.first_name,
                    "lastName": m.last_name,
                    "email": m.email,
                })
            }
        })
        .collect();
    json!({ "callerIdMatches": list })
}

/// `IFrameManager.formatSize` (docs/protocol.md#widget-size): a number becomes `"<n>px"`, a string is used as
/// is, and falsy values (0, "", null, false) are ignored.
pub fn format_size(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::Number(n) if n.as_f64().is_some_and(|f| f != 0.0 && !f.is_nan()) => {
            Some(format!("{n}px"))
        }
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// Call properties an app may set through CALL_COMPLETED (docs/rest-api.md#call-properties).
pub const CALL_PROPERTIES: &[&str] = &[
    "hs_timestamp",
    "hs_call_title",
    "hs_call_body",
    "hs_call_direction",
    "hs_call_disposition",
    "hs_call_duration",
    "hs_call_from_number",
    "hs_call_to_number",
    "hs_call_status",
    "hs_call_recording_url",
    "hs_call_callee_object_id",
    "hs_call_callee_object_type",
    "hs_call_callee_object_type_id",
    "hs_call_source",
    "hs_call_app_id",
    "hs_call_external_id",
    "hs_call_external_account_id",
    "hubspot_owner_id",
    "hs_activity_type",
    "hs_attachment_ids",
];

/// The update for CALL_COMPLETED's `engagementProperties`: known properties only, values as
/// strings (HubSpot's property values are strings; apps send durations as numbers too).
/// Anything else is left out with an `invalid-property` finding.
pub fn engagement_properties(
    raw: &Map<String, Value>,
    out: &mut Vec<Finding>,
) -> Map<String, Value> {
    let mut properties = Map::new();
    for (name, value) in raw {
        if !CALL_PROPERTIES.contains(&name.as_str()) {
            out.push(finding(
                findings::INVALID_PROPERTY,
                format!("`{name}` is not a call property; it was left out of the update"),
            ));
            continue;
        }
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Null => continue,
            other => {
                out.push(finding(
                    findings::INVALID_PROPERTY,
                    format!(
                        "`{name}` should be a string or a number, not {}; it was left out",
                        super::validate::json_kind(other)
                    ),
                ));
                continue;
            }
        };
        properties.insert(name.clone(), Value::String(text));
    }
    properties
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_formatted_like_the_sdk() {
        assert_eq!(format_size(Some(&json!(320))), Some("320px".into()));
        assert_eq!(format_size(Some(&json!(320.5))), Some("320.5px".into()));
        assert_eq!(format_size(Some(&json!("50%"))), Some("50%".into()));
        assert_eq!(format_size(Some(&json!(0))), None);
        assert_eq!(format_size(Some(&json!(""))), None);
        assert_eq!(format_size(Some(&Value::Null)), None);
        assert_eq!(format_size(Some(&json!(true))), None);
        assert_eq!(format_size(None), None);
    }

    #[test]
    fn failures_carry_the_request_ids_that_exist() {
        assert_eq!(
            failure(
                "no",
                &[("engagementId", json!(5)), ("externalCallId", Value::Null)]
            ),
            json!({"error": {"message": "no"}, "engagementId": 5})
        );
    }

    #[test]
    fn engagement_properties_are_stringified_and_filtered() {
        let mut out = Vec::new();
        let raw = json!({
            "hs_call_duration": 3000, "hs_call_body": "hi", "hs_bogus": "x",
            "hs_call_title": {"a": 1}, "hs_call_status": null
        });
        let props = engagement_properties(raw.as_object().unwrap(), &mut out);
        assert_eq!(
            Value::Object(props),
            json!({"hs_call_duration": "3000", "hs_call_body": "hi"})
        );
        assert_eq!(out.len(), 2);
        assert!(out.iter().all(|f| f.code == "invalid-property"));
    }
}
