//! Reading app messages: the envelope checks and typed access to `data` fields.
//!
//! Apps send whatever their code builds (the SDK copies nothing and checks nothing, docs/protocol.md#envelope),
//! so nothing here fails: a field of the wrong JSON type is reported and treated as absent,
//! `null` is treated as absent (JSON has no `undefined`), and extra fields are ignored.
//! Invariant: every accessor that is given `required = true` reports a missing field exactly
//! once, so the inspector shows one finding per mistake.

use serde_json::{Map, Value};

use super::findings::{self, finding};
use super::io::Finding;

/// Empty `data`, for messages sent without one (`userLoggedIn()` sends `{type}` only).
static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();

/// The parts of an app message the engine acts on.
pub struct Envelope<'a> {
    pub message_type: &'a str,
    pub top: &'a Map<String, Value>,
    pub data: Fields<'a>,
}

/// Checks the envelope (docs/protocol.md#envelope). `None` means the message is ignored; the
/// reason is in `out`.
pub fn open<'a>(message: &'a Value, out: &mut Vec<Finding>) -> Option<Envelope<'a>> {
    let Some(top) = message.as_object() else {
        out.push(finding(
            findings::NOT_AN_OBJECT,
            "the message is not an object",
        ));
        return None;
    };
    let message_type = match top.get("type") {
        Some(Value::String(t)) if !t.is_empty() => t.as_str(),
        _ => {
            out.push(finding(
                findings::MISSING_TYPE,
                "`type` is missing or not a non-empty string; the message is ignored",
            ));
            return None;
        }
    };
    if !matches!(top.get("messageId"), Some(Value::String(id)) if !id.is_empty()) {
        out.push(finding(
            findings::MISSING_MESSAGE_ID,
            "`messageId` is missing or not a non-empty string; HubSpot drops such messages, so \
             callhost ignores it (send messages through the SDK, which sets one)",
        ));
        return None;
    }
    let data = match top.get("data") {
        None | Some(Value::Null) => EMPTY.get_or_init(Map::new),
        Some(Value::Object(map)) => map,
        Some(other) => {
            // CALL_DATA is legacy and carries anything; everything else carries an object.
            if message_type != "CALL_DATA" {
                out.push(finding(
                    findings::WRONG_TYPE,
                    format!("`data` should be an object, not {}", json_kind(other)),
                ));
            }
            EMPTY.get_or_init(Map::new)
        }
    };
    Some(Envelope {
        message_type,
        top,
        data: Fields { map: data },
    })
}

/// The JSON kind of a value, for finding messages.
pub fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// An integer id sent as a number or a numeric string (docs/protocol.md#ids-in-payloads: ids are coerced in the wild).
pub fn as_id(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| {
            let f = n.as_f64()?;
            (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Typed, reporting access to an object's fields.
#[derive(Clone, Copy)]
pub struct Fields<'a> {
    pub map: &'a Map<String, Value>,
}

impl<'a> Fields<'a> {
    pub fn new(map: &'a Map<String, Value>) -> Self {
        Fields { map }
    }

    /// The value of `name`, `null` counted as absent.
    pub fn raw(&self, name: &str) -> Option<&'a Value> {
        self.map.get(name).filter(|v| !v.is_null())
    }

    fn missing(&self, name: &str, required: bool, out: &mut Vec<Finding>) {
        if required {
            out.push(finding(
                findings::MISSING_FIELD,
                format!("`{name}` is required"),
            ));
        }
    }

    fn wrong(name: &str, want: &str, got: &Value, out: &mut Vec<Finding>) {
        out.push(finding(
            findings::WRONG_TYPE,
            format!("`{name}` should be {want}, not {}", json_kind(got)),
        ));
    }

    /// A string field.
    pub fn str(&self, name: &str, required: bool, out: &mut Vec<Finding>) -> Option<&'a str> {
        match self.raw(name) {
            None => {
                self.missing(name, required, out);
                None
            }
            Some(Value::String(s)) => Some(s.as_str()),
            Some(other) => {
                Self::wrong(name, "a string", other, out);
                None
            }
        }
    }

    /// A string field with a deprecated alias (`callId` for `externalCallId`, ...). The
    /// current name wins when both are present.
    pub fn str_or_alias(
        &self,
        name: &str,
        alias: &str,
        required: bool,
        out: &mut Vec<Finding>,
    ) -> Option<&'a str> {
        if self.raw(name).is_some() || self.raw(alias).is_none() {
            return self.str(name, required, out);
        }
        out.push(finding(
            findings::DEPRECATED_ALIAS,
            format!("`{alias}` is deprecated; use `{name}`"),
        ));
        self.str(alias, required, out)
    }

    pub fn bool(&self, name: &str, out: &mut Vec<Finding>) -> Option<bool> {
        match self.raw(name)? {
            Value::Bool(b) => Some(*b),
            other => {
                Self::wrong(name, "a boolean", other, out);
                None
            }
        }
    }

    /// A number field (milliseconds and the like).
    pub fn number(&self, name: &str, out: &mut Vec<Finding>) -> Option<i64> {
        let value = self.raw(name)?;
        match value {
            Value::Number(_) => as_id(value).or_else(|| {
                Self::wrong(name, "an integer", value, out);
                None
            }),
            other => {
                Self::wrong(name, "a number", other, out);
                None
            }
        }
    }

    /// An id: a number or a numeric string.
    pub fn id(&self, name: &str, required: bool, out: &mut Vec<Finding>) -> Option<i64> {
        match self.raw(name) {
            None => {
                self.missing(name, required, out);
                None
            }
            Some(value) => as_id(value).or_else(|| {
                Self::wrong(name, "a number (or a numeric string)", value, out);
                None
            }),
        }
    }

    pub fn object(&self, name: &str, required: bool, out: &mut Vec<Finding>) -> Option<Fields<'a>> {
        match self.raw(name) {
            None => {
                self.missing(name, required, out);
                None
            }
            Some(Value::Object(map)) => Some(Fields { map }),
            Some(other) => {
                Self::wrong(name, "an object", other, out);
                None
            }
        }
    }

    /// A string field whose value must be one of `allowed`; others are reported and dropped.
    pub fn one_of(&self, name: &str, allowed: &[&str], out: &mut Vec<Finding>) -> Option<&'a str> {
        let value = self.str(name, false, out)?;
        if allowed.contains(&value) {
            Some(value)
        } else {
            out.push(finding(
                findings::INVALID_VALUE,
                format!(
                    "`{name}` is {value:?}; expected one of {}",
                    allowed.join(", ")
                ),
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn envelope_needs_an_object_a_type_and_a_message_id() {
        let mut out = Vec::new();
        assert!(open(&json!("hi"), &mut out).is_none());
        assert!(open(&json!({"messageId": "1"}), &mut out).is_none());
        assert!(open(&json!({"type": "", "messageId": "1"}), &mut out).is_none());
        assert!(open(&json!({"type": "LOGGED_IN"}), &mut out).is_none());
        let codes: Vec<_> = out.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                "not-an-object",
                "missing-type",
                "missing-type",
                "missing-message-id"
            ]
        );
    }

    #[test]
    fn missing_or_null_data_reads_as_empty() {
        let mut out = Vec::new();
        let m = json!({"type": "CALL_ENDED", "messageId": "1", "data": null});
        let env = open(&m, &mut out).unwrap();
        assert_eq!(env.data.str("externalCallId", false, &mut out), None);
        assert!(out.is_empty());
        let m = json!({"type": "CALL_ENDED", "messageId": "1", "data": 7});
        open(&m, &mut out).unwrap();
        assert_eq!(out[0].code, "wrong-type");
    }

    #[test]
    fn ids_accept_numbers_and_numeric_strings() {
        assert_eq!(as_id(&json!(42)), Some(42));
        assert_eq!(as_id(&json!(42.0)), Some(42));
        assert_eq!(as_id(&json!("42")), Some(42));
        assert_eq!(as_id(&json!(4.5)), None);
        assert_eq!(as_id(&json!(1e300)), None);
        assert_eq!(as_id(&json!("x")), None);
        assert_eq!(as_id(&json!(true)), None);
    }

    #[test]
    fn aliases_are_accepted_and_reported() {
        let mut out = Vec::new();
        let map = json!({"callId": "c1"});
        let fields = Fields::new(map.as_object().unwrap());
        assert_eq!(
            fields.str_or_alias("externalCallId", "callId", true, &mut out),
            Some("c1")
        );
        assert_eq!(out[0].code, "deprecated-alias");
    }
}
