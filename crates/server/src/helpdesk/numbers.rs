//! The channel-connection webhook's answer, read as the admin should see it (docs/rest-api.md#channel-connection-webhook):
//! `{"phoneNumbers": [...]}` or a bare array; each entry's `e164PhoneNumber` checked against
//! `^\+[1-9]\d{1,14}$`; `friendlyName` cut to 24 characters; numbers with an `extension`
//! listed but not selectable. Nothing the app sent is dropped: an entry that cannot be used
//! is listed with the reason.

use serde::Serialize;
use serde_json::Value;

/// HubSpot's limit for a number's friendly name, in characters (Unicode scalar values).
pub const FRIENDLY_NAME_LIMIT: usize = 24;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PhoneNumber {
    pub e164_phone_number: Option<String>,
    pub extension: Option<String>,
    pub friendly_name: Option<String>,
    /// True when the number can be connected to a help-desk inbox.
    pub selectable: bool,
    /// True when `e164PhoneNumber` is a valid E.164 number.
    pub valid: bool,
    /// Why the number is not selectable.
    pub reason: Option<String>,
}

/// The answer is neither `{"phoneNumbers": [...]}` nor an array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrongShape(pub String);

/// Every entry of the webhook's answer, in order.
pub fn parse(answer: &Value) -> Result<Vec<PhoneNumber>, WrongShape> {
    let entries = match answer {
        Value::Array(entries) => entries,
        Value::Object(object) => match object.get("phoneNumbers") {
            Some(Value::Array(entries)) => entries,
            Some(other) => {
                return Err(WrongShape(format!(
                    "phoneNumbers is {}, not an array",
                    crate::extract::json_type(other)
                )))
            }
            None => {
                return Err(WrongShape(
                    "the answer has no phoneNumbers array".to_owned(),
                ))
            }
        },
        other => {
            return Err(WrongShape(format!(
                "the answer is {}, not an object with phoneNumbers",
                crate::extract::json_type(other)
            )))
        }
    };
    Ok(entries.iter().map(entry).collect())
}

fn entry(value: &Value) -> PhoneNumber {
    let Value::Object(fields) = value else {
        return PhoneNumber {
            e164_phone_number: None,
            extension: None,
            friendly_name: None,
            selectable: false,
            valid: false,
            reason: Some(format!(
                "the entry is {}, not an object",
                crate::extract::json_type(value)
            )),
        };
    };
    // `e164Number` is the field's name in one older revision of HubSpot's docs.
    let number = fields
        .get("e164PhoneNumber")
        .or_else(|| fields.get("e164Number"));
    let extension = match fields.get("extension") {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let friendly_name = match fields.get("friendlyName") {
        // NUL is dropped: it cannot be stored (docs/rest-api.md#text-limits).
        Some(Value::String(name)) => Some(
            name.chars()
                .filter(|c| *c != '\0')
                .take(FRIENDLY_NAME_LIMIT)
                .collect(),
        ),
        _ => None,
    };
    let (e164_phone_number, invalid) = match number {
        Some(Value::String(n)) if is_e164(n) => (Some(n.clone()), None),
        Some(Value::String(n)) => (
            Some(n.clone()),
            Some(format!(
                "{n:?} is not an E.164 number (+ and 2 to 15 digits, the first not 0)"
            )),
        ),
        Some(other) => (
            None,
            Some(format!(
                "e164PhoneNumber is {}, not a string",
                crate::extract::json_type(other)
            )),
        ),
        None => (None, Some("the entry has no e164PhoneNumber".to_owned())),
    };
    let valid = invalid.is_none();
    let reason = invalid.or_else(|| {
        extension
            .as_ref()
            .map(|_| "numbers with an extension can't be connected to the help desk".to_owned())
    });
    PhoneNumber {
        e164_phone_number,
        selectable: valid && extension.is_none(),
        extension,
        friendly_name,
        valid,
        reason,
    }
}

/// `^\+[1-9]\d{1,14}$`.
pub fn is_e164(number: &str) -> bool {
    let Some(digits) = number.strip_prefix('+') else {
        return false;
    };
    (2..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn e164_is_plus_then_two_to_fifteen_digits_not_starting_with_zero() {
        for ok in ["+18001231234", "+12", "+123456789012345"] {
            assert!(is_e164(ok), "{ok}");
        }
        for bad in [
            "18001231234",
            "+1",
            "+1234567890123456",
            "+08001231234",
            "+1 800 123",
            "+1-800",
            "",
            "+",
            "+１２３",
        ] {
            assert!(!is_e164(bad), "{bad}");
        }
    }

    #[test]
    fn the_wrapped_and_the_bare_array_forms_are_read_alike() {
        let entry = json!({"e164PhoneNumber": "+18001231234", "friendlyName": "Main line"});
        let wrapped = parse(&json!({"phoneNumbers": [entry.clone()]})).unwrap();
        assert_eq!(wrapped, parse(&json!([entry])).unwrap());
        assert_eq!(
            wrapped[0],
            PhoneNumber {
                e164_phone_number: Some("+18001231234".into()),
                extension: None,
                friendly_name: Some("Main line".into()),
                selectable: true,
                valid: true,
                reason: None,
            }
        );
    }

    #[test]
    fn invalid_numbers_and_odd_entries_are_listed_with_the_reason() {
        let numbers = parse(&json!({"phoneNumbers": [
            {"e164PhoneNumber": "800-123", "friendlyName": "Old"},
            {"friendlyName": "No number"},
            {"e164PhoneNumber": 18001231234_i64},
            "not an object",
            {"e164Number": "+442071234567"},
        ]}))
        .unwrap();
        assert_eq!(numbers.len(), 5, "nothing is dropped");
        assert!(numbers[..4].iter().all(|n| !n.valid && !n.selectable));
        assert!(numbers[0]
            .reason
            .as_deref()
            .unwrap()
            .contains("not an E.164"));
        assert_eq!(numbers[0].e164_phone_number.as_deref(), Some("800-123"));
        assert!(numbers[1]
            .reason
            .as_deref()
            .unwrap()
            .contains("no e164PhoneNumber"));
        assert!(numbers[2].reason.as_deref().unwrap().contains("a number"));
        assert!(numbers[3]
            .reason
            .as_deref()
            .unwrap()
            .contains("not an object"));
        assert!(numbers[4].valid && numbers[4].selectable);
    }

    #[test]
    fn extensions_make_a_valid_number_unselectable() {
        let numbers = parse(&json!([
            {"e164PhoneNumber": "+18001231234", "extension": "1"},
            {"e164PhoneNumber": "+18001231234", "extension": ""},
        ]))
        .unwrap();
        assert!(numbers[0].valid && !numbers[0].selectable);
        assert_eq!(numbers[0].extension.as_deref(), Some("1"));
        assert!(numbers[0].reason.as_deref().unwrap().contains("extension"));
        assert!(numbers[1].selectable, "an empty extension is no extension");
    }

    #[test]
    fn friendly_names_are_cut_to_24_characters() {
        let numbers = parse(&json!([
            {"e164PhoneNumber": "+12", "friendlyName": "Support line for the whole EMEA region"},
            {"e164PhoneNumber": "+12", "friendlyName": "Ligne d'assistance éèêëàâäôöûü"},
        ]))
        .unwrap();
        assert_eq!(
            numbers[0].friendly_name.as_deref(),
            Some("Support line for the who")
        );
        assert_eq!(
            numbers[1].friendly_name.as_deref().unwrap().chars().count(),
            24
        );
    }

    #[test]
    fn other_shapes_are_refused() {
        assert!(parse(&json!({"numbers": []})).is_err());
        assert!(parse(&json!({"phoneNumbers": {}})).is_err());
        assert!(parse(&json!("text")).is_err());
        assert!(parse(&json!(null)).is_err());
    }
}
