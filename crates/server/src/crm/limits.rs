//! The bounds of every list a CRM request may carry, in one place, so that no request's cost
//! grows with a list the client made long (docs/rest-api.md#list-limits).
//!
//! Lists of names are de-duplicated first (`properties=firstname` repeated 3,000 times is one
//! name), then counted; a list over its bound is a 400 `VALIDATION_ERROR` of code
//! `TOO_MANY_VALUES` naming the list and the bound. HubSpot's own limits are used where it
//! documents one (batch inputs, search filters and sorts, in `body` and `search`); the others
//! are callhost's, chosen well above what any real client sends.

use std::collections::HashSet;

use crate::error::{ApiError, ApiResult, ErrorDetail};

/// `properties` and `propertiesWithHistory`, in a query string or a body: distinct names.
pub const MAX_PROPERTY_NAMES: usize = 1_000;
/// `associations` of a read or list: distinct object types, each listed for every object.
pub const MAX_ASSOCIATION_TYPES: usize = 20;
/// Association specs of one write: a create input's `associations`, one association's
/// `types`, the body of a v4 associate request.
pub const MAX_ASSOCIATION_SPECS: usize = 100;
/// A custom object schema's `properties`, and each of its lists of property names.
pub const MAX_SCHEMA_PROPERTIES: usize = 1_000;
/// Phone numbers connected to an inbox in one request.
pub const MAX_NUMBERS: usize = 100;

/// The 400 for a list `name` longer than `max` (`got` entries, after de-duplication).
pub fn too_many(name: &str, max: usize, got: usize) -> ApiError {
    let message = format!("at most {max} {name} are allowed, got {got}");
    ApiError::validation(
        format!("Invalid input: {message}"),
        vec![ErrorDetail::field(name, "TOO_MANY_VALUES", message)],
    )
}

/// `names` without repeats, in the order first given; a 400 when more than `max` remain.
pub fn distinct(names: Vec<String>, name: &str, max: usize) -> ApiResult<Vec<String>> {
    let mut seen = HashSet::new();
    let unique: Vec<String> = names
        .into_iter()
        .filter(|n| seen.insert(n.clone()))
        .collect();
    if unique.len() > max {
        return Err(too_many(name, max, unique.len()));
    }
    Ok(unique)
}

/// `items` when there are at most `max` of them, else a 400 naming `name`.
pub fn at_most<'a, T>(items: &'a [T], name: &str, max: usize) -> ApiResult<&'a [T]> {
    if items.len() > max {
        return Err(too_many(name, max, items.len()));
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_are_dropped_before_counting_and_one_over_is_refused() {
        let repeated = vec!["firstname".to_owned(); 3_000];
        assert_eq!(distinct(repeated, "properties", 1).unwrap(), ["firstname"]);
        let names = vec!["b".into(), "a".into(), "b".into(), "c".into()];
        assert_eq!(distinct(names.clone(), "x", 3).unwrap(), ["b", "a", "c"]);
        let ApiError::Client { errors, .. } = distinct(names, "x", 2).unwrap_err() else {
            panic!("a client error");
        };
        assert_eq!(errors[0].code.as_deref(), Some("TOO_MANY_VALUES"));
        assert_eq!(errors[0].message, "at most 2 x are allowed, got 3");
        assert!(at_most(&[1, 2], "y", 2).is_ok());
        assert!(at_most(&[1, 2, 3], "y", 2).is_err());
    }
}
