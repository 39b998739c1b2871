//! Property values written through the API, checked against the object type and normalized
//! to the strings the store keeps.
//!
//! Every problem is reported in HubSpot's way: a 400 `VALIDATION_ERROR` whose message is
//! `Property values were not valid: [...]` (a JSON list naming each property and its error
//! code, such as `PROPERTY_DOESNT_EXIST` or `INVALID_OPTION`) and one error detail each.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, SecondsFormat, TimeZone, Utc};
use serde_json::{json, Map, Value};

use super::catalog::{Kind, ObjectType};
use crate::domain::{refused_character, MAX_VALUE_CHARS};
use crate::error::{ApiError, ErrorDetail};
use crate::extract::json_type;

/// One invalid property.
#[derive(Debug, Clone, PartialEq)]
pub struct PropertyError {
    pub name: String,
    pub code: &'static str,
    pub message: String,
}

impl PropertyError {
    fn new(name: &str, code: &'static str, message: String) -> Self {
        Self {
            name: name.to_owned(),
            code,
            message,
        }
    }
}

/// The 400 for a list of invalid properties.
pub fn invalid_properties(errors: Vec<PropertyError>) -> ApiError {
    let list: Vec<Value> = errors
        .iter()
        .map(|e| json!({"isValid": false, "message": e.message, "error": e.code, "name": e.name}))
        .collect();
    let details = errors
        .into_iter()
        .map(|e| {
            let mut context = Map::new();
            context.insert("propertyName".into(), json!([e.name]));
            ErrorDetail {
                message: e.message,
                location: Some(e.name),
                code: Some(e.code.to_owned()),
                context: Some(context),
            }
        })
        .collect();
    ApiError::validation(
        format!("Property values were not valid: {}", Value::Array(list)),
        details,
    )
}

/// Whether a write creates an object (required properties must be set) or changes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    Create,
    Update,
}

/// The `properties` object of a create or update, checked and normalized.
pub fn properties(
    object_type: &ObjectType,
    value: Option<&Value>,
    write: Write,
) -> Result<BTreeMap<String, String>, Vec<PropertyError>> {
    let map = match value {
        Some(Value::Object(map)) => map.clone(),
        None | Some(Value::Null) => Map::new(),
        Some(other) => {
            return Err(vec![PropertyError::new(
                "properties",
                "INVALID_TYPE",
                format!("properties must be an object, got {}", json_type(other)),
            )])
        }
    };
    let mut out = BTreeMap::new();
    let mut errors = Vec::new();
    for (name, raw) in &map {
        match property(object_type, name, raw) {
            Ok(value) => {
                out.insert(name.clone(), value);
            }
            Err(err) => errors.push(err),
        }
    }
    if write == Write::Create {
        for name in &object_type.required {
            if out.get(name).is_none_or(String::is_empty) && !errors.iter().any(|e| &e.name == name)
            {
                errors.push(PropertyError::new(
                    name,
                    "REQUIRED",
                    format!("Property \"{name}\" is required"),
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// One property value, normalized; an empty string clears the property.
pub fn property(
    object_type: &ObjectType,
    name: &str,
    raw: &Value,
) -> Result<String, PropertyError> {
    let Some(def) = object_type.property(name) else {
        return Err(PropertyError::new(
            name,
            "PROPERTY_DOESNT_EXIST",
            format!("Property \"{name}\" does not exist"),
        ));
    };
    if def.read_only {
        return Err(PropertyError::new(
            name,
            "READ_ONLY_VALUE",
            format!("Property \"{name}\" is read-only"),
        ));
    }
    let text = match raw {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => String::new(),
        other => {
            return Err(PropertyError::new(
                name,
                "INVALID_TYPE",
                format!(
                    "Property \"{name}\" must be a string, got {}",
                    json_type(other)
                ),
            ))
        }
    };
    if text.is_empty() {
        return Ok(text);
    }
    check_text(name, &text)?;
    normalize(&def.kind, &text).ok_or_else(|| {
        let (code, expected) = match &def.kind {
            Kind::Number => ("INVALID_FLOAT", "a number".to_owned()),
            Kind::DateTime => (
                "INVALID_DATE",
                "epoch milliseconds or an ISO-8601 date-time".to_owned(),
            ),
            Kind::Bool => ("INVALID_BOOLEAN", "true or false".to_owned()),
            Kind::Enumeration(options) => (
                "INVALID_OPTION",
                format!("one of the allowed options: [{}]", options.join(", ")),
            ),
            Kind::String => ("INVALID_TYPE", "a string".to_owned()),
        };
        PropertyError::new(
            name,
            code,
            format!("{text:?} was not valid for property \"{name}\": expected {expected}"),
        )
    })
}

/// The limits of every value, whatever its type (docs/rest-api.md#text-limits): at most
/// [`MAX_VALUE_CHARS`] characters, and no NUL. Values from the API have had NUL refused by
/// the extractors already; the widget's come from an app through the engine.
fn check_text(name: &str, text: &str) -> Result<(), PropertyError> {
    // A byte count bounds the character count from above: most values need no counting.
    if text.len() > MAX_VALUE_CHARS {
        let chars = text.chars().count();
        if chars > MAX_VALUE_CHARS {
            return Err(PropertyError::new(
                name,
                "TOO_LONG",
                format!(
                    "Property \"{name}\" must be at most {MAX_VALUE_CHARS} characters, got {chars}"
                ),
            ));
        }
    }
    match refused_character(text) {
        Some(why) => Err(PropertyError::new(
            name,
            "INVALID_CHARACTER",
            format!("Property \"{name}\" {why}"),
        )),
        None => Ok(()),
    }
}

/// `text` as the store keeps a value of `kind`; `None` when it is not one.
pub fn normalize(kind: &Kind, text: &str) -> Option<String> {
    match kind {
        Kind::String => Some(text.to_owned()),
        Kind::Number => {
            let n: f64 = text.trim().parse().ok()?;
            n.is_finite().then(|| text.trim().to_owned())
        }
        Kind::DateTime => datetime(text).map(|at| at.to_rfc3339_opts(SecondsFormat::Millis, true)),
        Kind::Bool => match text.trim().to_ascii_lowercase().as_str() {
            v @ ("true" | "false") => Some(v.to_owned()),
            _ => None,
        },
        Kind::Enumeration(options) => options.iter().any(|o| o == text).then(|| text.to_owned()),
    }
}

/// Epoch milliseconds, an RFC 3339 date-time or a `YYYY-MM-DD` date (midnight UTC).
pub fn datetime(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(ms) = text.parse::<i64>() {
        return Utc.timestamp_millis_opt(ms).single();
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc())
}

#[cfg(test)]
mod tests {
    use super::super::catalog::builtin;
    use super::*;

    #[test]
    fn call_properties_are_checked_and_normalized() {
        let calls = builtin("calls").unwrap();
        let ok = properties(
            calls,
            Some(
                &json!({"hs_timestamp": 1767225600000_i64, "hs_call_duration": 35000,
                "hs_call_direction": "INBOUND"}),
            ),
            Write::Create,
        )
        .unwrap();
        assert_eq!(ok["hs_timestamp"], "2026-01-01T00:00:00.000Z");
        assert_eq!(ok["hs_call_duration"], "35000");
        let errors = properties(
            calls,
            Some(&json!({"nope": "x", "hs_call_direction": "SIDEWAYS", "hs_object_id": "1"})),
            Write::Create,
        )
        .unwrap_err();
        let codes: Vec<(&str, &str)> = errors.iter().map(|e| (e.name.as_str(), e.code)).collect();
        assert_eq!(
            codes,
            [
                ("hs_call_direction", "INVALID_OPTION"),
                ("hs_object_id", "READ_ONLY_VALUE"),
                ("nope", "PROPERTY_DOESNT_EXIST"),
                ("hs_timestamp", "REQUIRED")
            ]
        );
        let ApiError::Client { message, .. } = invalid_properties(errors) else {
            panic!()
        };
        assert!(
            message.starts_with("Property values were not valid: [{"),
            "{message}"
        );
        assert!(properties(calls, Some(&json!({})), Write::Update).is_ok());
    }

    #[test]
    fn values_from_the_engine_meet_the_same_text_limits() {
        let calls = builtin("calls").unwrap();
        let check = |value: String| property(calls, "hs_call_body", &Value::String(value));
        assert!(check("é".repeat(MAX_VALUE_CHARS)).is_ok());
        assert_eq!(
            check("é".repeat(MAX_VALUE_CHARS + 1)).unwrap_err().code,
            "TOO_LONG"
        );
        assert_eq!(check("a\0b".into()).unwrap_err().code, "INVALID_CHARACTER");
    }
}
