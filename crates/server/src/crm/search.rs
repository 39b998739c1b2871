//! Search: `POST /crm/v3/objects/{objectType}/search`.
//!
//! Filter groups are OR'ed, the filters of a group AND'ed. HubSpot's limits are enforced
//! with a 400 that says which: at most 5 groups, 10 filters in a group, 25 filters in all,
//! 100 values in an `IN` or `NOT_IN` filter, a `query` of at most 3,000 characters, one sort,
//! `limit` at most 200, and no more than 10,000 results reachable by paging. A filter or sort
//! on a property the type does not have is a 400 naming it.
//!
//! The limits are also what keeps a search within what the databases can run: SQLite refuses
//! an `IN` list of about 500 values (expression tree depth) and a LIKE pattern of 50,000 bytes,
//! PostgreSQL more than 65,535 bound values. Without them those were 500s, and different ones
//! on each backend; with them both answer the same 400 before any SQL is built.

use axum::extract::State;
use axum::Json;
use callhost_store::crm::search::Operand;
use callhost_store::crm::{Filter, FilterGroup, FilterOp, Search, Sort};
use serde_json::{json, Map, Value};

use super::body::string_list;
use super::catalog::{Kind, ObjectType};
use super::params::PathParams;
use super::view::{self, Extras, Selection};
use super::{input, readable};
use crate::auth::PortalAccess;
use crate::error::{ApiError, ApiResult, ErrorDetail};
use crate::extract::{json_type, JsonObject};
use crate::AppState;

pub const MAX_GROUPS: usize = 5;
pub const MAX_FILTERS_PER_GROUP: usize = 10;
pub const MAX_FILTERS: usize = 25;
pub const MAX_VALUES: usize = 100;
pub const MAX_QUERY_CHARS: usize = 3_000;
pub const MAX_SORTS: usize = 1;
pub const MAX_LIMIT: u64 = 200;
pub const MAX_REACHABLE: u64 = 10_000;

fn invalid(location: &str, code: &str, message: String) -> ApiError {
    ApiError::validation(
        format!("Invalid search request: {message}"),
        vec![ErrorDetail::field(location, code, message)],
    )
}

/// A filter's operand as the property's kind compares it.
fn operand(object_type: &ObjectType, property: &str, raw: &Value, at: &str) -> ApiResult<Operand> {
    let text = match raw {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => {
            return Err(invalid(
                at,
                "INVALID_TYPE",
                format!("{at} must be a string, got {}", json_type(other)),
            ))
        }
    };
    let kind = object_type.property(property).map(|p| &p.kind);
    let number = match kind {
        Some(Kind::Number) => text.trim().parse::<f64>().ok(),
        Some(Kind::DateTime) => input::datetime(&text).map(|at| at.timestamp_millis() as f64),
        _ => return Ok(Operand::Text(text)),
    };
    number.map(Operand::Number).ok_or_else(|| {
        invalid(
            at,
            "INVALID_VALUE",
            format!("{text:?} is not a valid value for {property}"),
        )
    })
}

fn filter(object_type: &ObjectType, raw: &Value, at: &str) -> ApiResult<Filter> {
    let map = raw
        .as_object()
        .ok_or_else(|| invalid(at, "INVALID_TYPE", format!("{at} must be an object")))?;
    let property = map
        .get("propertyName")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid(at, "REQUIRED", format!("{at}.propertyName is required")))?;
    if object_type.property(property).is_none() {
        return Err(invalid(
            &format!("{at}.propertyName"),
            "PROPERTY_DOESNT_EXIST",
            format!(
                "Property \"{property}\" does not exist on {}",
                object_type.name
            ),
        ));
    }
    let operator = map.get("operator").and_then(Value::as_str).unwrap_or("EQ");
    let value = |name: &str| -> ApiResult<Operand> {
        let raw = map.get(name).filter(|v| !v.is_null()).ok_or_else(|| {
            invalid(
                at,
                "REQUIRED",
                format!("{at}.{name} is required for {operator}"),
            )
        })?;
        operand(object_type, property, raw, &format!("{at}.{name}"))
    };
    let values = || -> ApiResult<Vec<Operand>> {
        let list = map
            .get("values")
            .and_then(Value::as_array)
            .filter(|l| !l.is_empty());
        let list = list.ok_or_else(|| {
            invalid(
                at,
                "REQUIRED",
                format!("{at}.values must be a non-empty list for {operator}"),
            )
        })?;
        if list.len() > MAX_VALUES {
            return Err(invalid(
                &format!("{at}.values"),
                "TOO_MANY_VALUES",
                format!(
                    "at most {MAX_VALUES} values are allowed in an {operator} filter, got {} in {at}",
                    list.len()
                ),
            ));
        }
        list.iter()
            .map(|v| operand(object_type, property, v, &format!("{at}.values")))
            .collect()
    };
    let token = || -> ApiResult<String> {
        match value("value")? {
            Operand::Text(t) => Ok(t),
            Operand::Number(n) => Ok(n.to_string()),
        }
    };
    let op = match operator {
        "EQ" => FilterOp::Eq(value("value")?),
        "NEQ" => FilterOp::Neq(value("value")?),
        "LT" => FilterOp::Lt(value("value")?),
        "LTE" => FilterOp::Lte(value("value")?),
        "GT" => FilterOp::Gt(value("value")?),
        "GTE" => FilterOp::Gte(value("value")?),
        "BETWEEN" => FilterOp::Between(value("value")?, value("highValue")?),
        "IN" => FilterOp::In(values()?),
        "NOT_IN" => FilterOp::NotIn(values()?),
        "HAS_PROPERTY" => FilterOp::HasProperty,
        "NOT_HAS_PROPERTY" => FilterOp::NotHasProperty,
        "CONTAINS_TOKEN" => FilterOp::ContainsToken(token()?),
        "NOT_CONTAINS_TOKEN" => FilterOp::NotContainsToken(token()?),
        other => {
            return Err(invalid(
                &format!("{at}.operator"),
                "INVALID_OPERATOR",
                format!("{other:?} is not an operator: EQ, NEQ, LT, LTE, GT, GTE, BETWEEN, IN, NOT_IN, HAS_PROPERTY, NOT_HAS_PROPERTY, CONTAINS_TOKEN or NOT_CONTAINS_TOKEN"),
            ))
        }
    };
    Ok(Filter {
        property: property.to_owned(),
        op,
    })
}

fn groups(object_type: &ObjectType, body: &Map<String, Value>) -> ApiResult<Vec<FilterGroup>> {
    let list = match body.get("filterGroups") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(list)) => list,
        Some(_) => {
            return Err(invalid(
                "filterGroups",
                "INVALID_TYPE",
                "filterGroups must be a list".into(),
            ))
        }
    };
    if list.len() > MAX_GROUPS {
        return Err(invalid(
            "filterGroups",
            "TOO_MANY_FILTER_GROUPS",
            format!(
                "at most {MAX_GROUPS} filterGroups are allowed, got {}",
                list.len()
            ),
        ));
    }
    let mut total = 0;
    let mut out = Vec::new();
    for (i, group) in list.iter().enumerate() {
        let at = format!("filterGroups[{i}]");
        let filters = group
            .get("filters")
            .and_then(Value::as_array)
            .ok_or_else(|| invalid(&at, "REQUIRED", format!("{at}.filters must be a list")))?;
        if filters.len() > MAX_FILTERS_PER_GROUP {
            return Err(invalid(
                &at,
                "TOO_MANY_FILTERS",
                format!("at most {MAX_FILTERS_PER_GROUP} filters are allowed in a group, got {} in {at}", filters.len()),
            ));
        }
        total += filters.len();
        if total > MAX_FILTERS {
            return Err(invalid(
                "filterGroups",
                "TOO_MANY_FILTERS",
                format!("at most {MAX_FILTERS} filters are allowed in all filterGroups"),
            ));
        }
        let filters = filters
            .iter()
            .enumerate()
            .map(|(j, f)| filter(object_type, f, &format!("{at}.filters[{j}]")))
            .collect::<ApiResult<Vec<Filter>>>()?;
        out.push(FilterGroup { filters });
    }
    Ok(out)
}

/// Sorts as strings (`"prop"`, `"-prop"` descending) or `{propertyName, direction}`.
fn sorts(object_type: &ObjectType, body: &Map<String, Value>) -> ApiResult<Vec<Sort>> {
    let Some(Value::Array(list)) = body.get("sorts") else {
        return Ok(Vec::new());
    };
    if list.len() > MAX_SORTS {
        return Err(invalid(
            "sorts",
            "TOO_MANY_SORTS",
            format!("at most {MAX_SORTS} sort is allowed, got {}", list.len()),
        ));
    }
    list.iter()
        .map(|raw| {
            let (property, descending) = match raw {
                Value::String(s) => match s.strip_prefix('-') {
                    Some(p) => (p.to_owned(), true),
                    None => (s.clone(), false),
                },
                Value::Object(map) => (
                    map.get("propertyName")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    map.get("direction").and_then(Value::as_str) == Some("DESCENDING"),
                ),
                _ => {
                    return Err(invalid(
                        "sorts",
                        "INVALID_TYPE",
                        "a sort is a string or an object".into(),
                    ))
                }
            };
            let def = object_type.property(&property).ok_or_else(|| {
                invalid(
                    "sorts",
                    "PROPERTY_DOESNT_EXIST",
                    format!(
                        "Property \"{property}\" does not exist on {}",
                        object_type.name
                    ),
                )
            })?;
            Ok(Sort {
                numeric: def.kind.is_numeric(),
                property,
                descending,
            })
        })
        .collect()
}

/// A non-negative integer given as a number or a string.
/// A non-negative integer field of the body (a JSON number or a string of digits, as the
/// clients send `after`). A value too large for a `u64` saturates to `u64::MAX` rather than
/// being refused as a wrong type or wrapping later: every cap then sees it as beyond.
fn count(body: &Map<String, Value>, name: &str, default: u64) -> ApiResult<u64> {
    let whole = |f: f64| f >= 0.0 && f.fract() == 0.0;
    match body.get(name) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Number(n)) if n.as_u64().is_some() => Ok(n.as_u64().unwrap_or(default)),
        Some(Value::Number(n)) if n.as_f64().is_some_and(whole) => Ok(u64::MAX),
        Some(Value::String(s))
            if !s.trim().is_empty() && s.trim().bytes().all(|b| b.is_ascii_digit()) =>
        {
            Ok(s.trim().parse().unwrap_or(u64::MAX))
        }
        Some(other) => Err(invalid(
            name,
            "INVALID_TYPE",
            format!("{name} must be a non-negative integer, got {other}"),
        )),
    }
}

/// Searches objects of a type.
pub async fn search_objects(
    State(state): State<AppState>,
    access: PortalAccess,
    path: PathParams,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<Value>> {
    let object_type = readable(&state, &access, path.get("object_type")).await?;
    let limit = count(&body, "limit", 10)?;
    if limit > MAX_LIMIT {
        return Err(invalid(
            "limit",
            "OUT_OF_RANGE",
            format!("limit must be at most {MAX_LIMIT}, got {limit}"),
        ));
    }
    // One rule for the paging cap: no page may start at or reach past result
    // MAX_REACHABLE, however large `after` is (a huge one used to wrap around the sum).
    let offset = count(&body, "after", 0)?;
    if offset >= MAX_REACHABLE || offset.saturating_add(limit) > MAX_REACHABLE {
        return Err(invalid(
            "after",
            "OUT_OF_RANGE",
            format!(
                "after must be below {MAX_REACHABLE}, and after + limit at most \
                 {MAX_REACHABLE}: at most {MAX_REACHABLE} results can be paged through"
            ),
        ));
    }
    let query = match body.get("query") {
        None | Some(Value::Null) => None,
        Some(Value::String(q)) if q.chars().count() > MAX_QUERY_CHARS => {
            return Err(invalid(
                "query",
                "TOO_LONG",
                format!(
                    "query must be at most {MAX_QUERY_CHARS} characters, got {}",
                    q.chars().count()
                ),
            ))
        }
        Some(Value::String(q)) => Some(q.clone()),
        Some(_) => {
            return Err(invalid(
                "query",
                "INVALID_TYPE",
                "query must be a string".into(),
            ))
        }
    };
    let search = Search {
        groups: groups(&object_type, &body)?,
        query,
        query_properties: object_type.searchable.clone(),
        sorts: sorts(&object_type, &body)?,
        offset,
        limit: u32::try_from(limit).unwrap_or(200),
    };
    let page = state
        .store
        .search_objects(access.0.portal_id, &object_type.id, &search)
        .await?;
    let names = string_list(&body, "properties")?;
    let selection = Selection::requested(&object_type, &names);
    let results: Vec<Value> = page
        .objects
        .iter()
        .map(|o| view::object(o, &selection, &Extras::default()))
        .collect();
    let mut out = json!({"total": page.total, "results": results});
    let next = offset + page.objects.len() as u64;
    // No next page is offered that the cap above would refuse.
    if next < page.total && next < MAX_REACHABLE && !page.objects.is_empty() {
        out["paging"] = json!({"next": {"after": next.to_string()}});
    }
    Ok(Json(out))
}
