//! Reading a JSON object field by field, collecting every problem with its field name.
//!
//! Handlers parse their input with [`Fields`] into typed request values, so a body with three
//! mistakes gets one 400 that names all three, and the handler only ever sees valid values.

use std::ops::RangeInclusive;

use serde_json::{Map, Value};

use crate::error::{ApiError, ErrorDetail};
use crate::extract::json_type;

pub struct Fields<'a> {
    map: &'a Map<String, Value>,
    errors: Vec<ErrorDetail>,
}

impl<'a> Fields<'a> {
    pub fn new(map: &'a Map<String, Value>) -> Self {
        Self {
            map,
            errors: Vec::new(),
        }
    }

    /// The field's value; `null` counts as absent (clients send it for "not set").
    fn get(&self, name: &str) -> Option<&'a Value> {
        self.map.get(name).filter(|v| !v.is_null())
    }

    fn wrong_type(&mut self, name: &str, expected: &str, got: &Value) {
        self.errors.push(ErrorDetail::field(
            name,
            "INVALID_TYPE",
            format!("{name} must be {expected}, got {}", json_type(got)),
        ));
    }

    pub fn string(&mut self, name: &str) -> Option<&'a str> {
        match self.get(name)? {
            Value::String(s) => Some(s),
            other => {
                self.wrong_type(name, "a string", other);
                None
            }
        }
    }

    pub fn boolean(&mut self, name: &str) -> Option<bool> {
        match self.get(name)? {
            Value::Bool(b) => Some(*b),
            other => {
                self.wrong_type(name, "a boolean", other);
                None
            }
        }
    }

    /// An integer within `range` (a JSON number without a fraction).
    pub fn integer(&mut self, name: &str, range: RangeInclusive<i64>) -> Option<i64> {
        let value = self.get(name)?;
        match value.as_i64() {
            Some(n) if range.contains(&n) => Some(n),
            Some(n) => {
                self.errors.push(ErrorDetail::field(
                    name,
                    "OUT_OF_RANGE",
                    format!(
                        "{name} must be between {} and {}, got {n}",
                        range.start(),
                        range.end()
                    ),
                ));
                None
            }
            None => {
                let expected = format!("an integer between {} and {}", range.start(), range.end());
                self.wrong_type(name, &expected, value);
                None
            }
        }
    }

    /// Records that `name` is required when `value` is absent and the field had no other error.
    pub fn required<T>(&mut self, name: &str, value: Option<T>) -> Option<T> {
        if value.is_none() && !self.has_error(name) {
            self.errors.push(ErrorDetail::field(
                name,
                "REQUIRED",
                format!("{name} is required"),
            ));
        }
        value
    }

    /// Keeps `Ok` values and records `Err` messages against `name` with `code`.
    pub fn check<T>(&mut self, name: &str, code: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(message) => {
                self.errors.push(ErrorDetail::field(name, code, message));
                None
            }
        }
    }

    fn has_error(&self, name: &str) -> bool {
        self.errors
            .iter()
            .any(|e| e.location.as_deref() == Some(name))
    }

    /// `Ok` when no field had a problem; otherwise one 400 naming each of them.
    pub fn finish(self, what: &str) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            return Ok(());
        }
        let list: Vec<&str> = self.errors.iter().map(|e| e.message.as_str()).collect();
        Err(ApiError::validation(
            format!("Invalid {what}: {}.", list.join("; ")),
            self.errors,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn collects_every_problem_with_its_field() {
        let body = map(json!({"name": 3, "width": 0, "height": "tall", "isReady": "yes"}));
        let mut f = Fields::new(&body);
        let name = f.string("name");
        f.required("name", name);
        let url = f.string("url");
        f.required("url", url);
        f.integer("width", 1..=4000);
        f.integer("height", 1..=4000);
        f.boolean("isReady");
        let ApiError::Client {
            errors, message, ..
        } = f.finish("settings").unwrap_err()
        else {
            panic!("expected a client error");
        };
        let found: Vec<(&str, &str)> = errors
            .iter()
            .map(|e| (e.location.as_deref().unwrap(), e.code.as_deref().unwrap()))
            .collect();
        assert_eq!(
            found,
            [
                ("name", "INVALID_TYPE"),
                ("url", "REQUIRED"),
                ("width", "OUT_OF_RANGE"),
                ("height", "INVALID_TYPE"),
                ("isReady", "INVALID_TYPE")
            ]
        );
        assert!(
            message.contains("width must be between 1 and 4000, got 0"),
            "{message}"
        );
    }

    #[test]
    fn null_is_absent_and_fractions_are_not_integers() {
        let body = map(json!({"name": null, "width": 400.5}));
        let mut f = Fields::new(&body);
        assert_eq!(f.string("name"), None);
        assert_eq!(f.integer("width", 1..=4000), None);
        assert!(f.finish("x").is_err(), "400.5 is not an integer");
    }
}
