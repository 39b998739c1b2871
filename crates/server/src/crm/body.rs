//! The parts of CRM request bodies that several APIs share: a batch's `inputs` (at most
//! [`MAX_INPUTS`]), ids given as strings or numbers, and lists of property names. Each
//! problem is a 400 naming where it is.

use serde_json::{Map, Value};

use super::limits::{distinct, MAX_PROPERTY_NAMES};
use crate::error::{ApiError, ApiResult, ErrorDetail};
use crate::extract::json_type;

/// The most inputs a batch takes.
pub const MAX_INPUTS: usize = 100;

pub(super) fn invalid(location: &str, code: &str, message: String) -> ApiError {
    ApiError::validation(
        format!("Invalid input: {message}"),
        vec![ErrorDetail::field(location, code, message)],
    )
}

/// The `inputs` array of a batch body, each an object, 1 to [`MAX_INPUTS`] of them.
pub fn inputs(body: &Map<String, Value>) -> ApiResult<Vec<&Map<String, Value>>> {
    let list = match body.get("inputs") {
        Some(Value::Array(list)) => list,
        Some(other) => {
            return Err(invalid(
                "inputs",
                "INVALID_TYPE",
                format!("inputs must be an array, got {}", json_type(other)),
            ))
        }
        None => return Err(invalid("inputs", "REQUIRED", "inputs is required".into())),
    };
    if list.len() > MAX_INPUTS {
        return Err(invalid(
            "inputs",
            "TOO_MANY_INPUTS",
            format!(
                "a batch takes at most {MAX_INPUTS} inputs, got {}",
                list.len()
            ),
        ));
    }
    list.iter()
        .enumerate()
        .map(|(i, item)| {
            item.as_object().ok_or_else(|| {
                invalid(
                    &format!("inputs[{i}]"),
                    "INVALID_TYPE",
                    format!("inputs[{i}] must be an object, got {}", json_type(item)),
                )
            })
        })
        .collect()
}

/// The `id` of each of a batch's `inputs`.
pub fn input_ids(body: &Map<String, Value>) -> ApiResult<Vec<String>> {
    inputs(body)?
        .iter()
        .enumerate()
        .map(|(i, item)| id_field(item, "id", &format!("inputs[{i}]")))
        .collect()
}

/// A string field (numbers accepted, as ids often are).
pub fn id_field(map: &Map<String, Value>, name: &str, at: &str) -> ApiResult<String> {
    match map.get(name) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        _ => Err(invalid(
            &format!("{at}.{name}"),
            "REQUIRED",
            format!("{at}.{name} must be a non-empty string"),
        )),
    }
}

/// A list of property names (`properties`, `propertiesWithHistory`), absent meaning empty,
/// without repeats and at most [`MAX_PROPERTY_NAMES`] of them.
pub fn string_list(map: &Map<String, Value>, name: &str) -> ApiResult<Vec<String>> {
    distinct(any_strings(map, name)?, name, MAX_PROPERTY_NAMES)
}

fn any_strings(map: &Map<String, Value>, name: &str) -> ApiResult<Vec<String>> {
    match map.get(name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str().map(str::to_owned).ok_or_else(|| {
                    invalid(
                        name,
                        "INVALID_TYPE",
                        format!("{name} must be a list of strings"),
                    )
                })
            })
            .collect(),
        Some(other) => Err(invalid(
            name,
            "INVALID_TYPE",
            format!("{name} must be a list of strings, got {}", json_type(other)),
        )),
    }
}
