//! How objects leave the API: HubSpot's `SimplePublicObject` (and its `WithAssociations` and
//! `Upsert` forms), with ids and property values as strings and times with milliseconds, and
//! the batch envelope every batch route answers with ([`batch_response`]: 207 exactly when it
//! carries errors).

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use callhost_store::crm::{CrmObject, PropertyVersion};
use serde_json::{json, Map, Value};

use super::catalog::ObjectType;
use crate::time;

/// Which properties a response shows.
#[derive(Debug, Clone)]
pub enum Selection {
    /// Every property with a value (create and update responses).
    All,
    /// These, `null` when unset; the type's defaults when the request named none.
    Named(Vec<String>),
}

impl Selection {
    /// The properties a read asked for, or the type's defaults. Names the type does not have
    /// are ignored, as HubSpot does.
    pub fn requested(object_type: &ObjectType, requested: &[String]) -> Self {
        let names: Vec<String> = if requested.is_empty() {
            object_type.defaults.clone()
        } else {
            requested
                .iter()
                .filter(|n| object_type.property(n).is_some())
                .cloned()
                .collect()
        };
        Selection::Named(names)
    }
}

/// Extras a read may add to each object.
#[derive(Debug, Default)]
pub struct Extras {
    pub history: BTreeMap<i64, BTreeMap<String, Vec<PropertyVersion>>>,
    /// Per object: association key (`contacts`) to `[{id, type}]`.
    pub associations: BTreeMap<i64, BTreeMap<String, Vec<Value>>>,
    /// Whether to print `propertiesWithHistory` at all.
    pub with_history: bool,
}

/// One object as JSON.
pub fn object(object: &CrmObject, selection: &Selection, extras: &Extras) -> Value {
    let properties: Map<String, Value> = match selection {
        Selection::All => object
            .properties
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
        Selection::Named(names) => names
            .iter()
            .map(|n| {
                let value = object
                    .properties
                    .get(n)
                    .cloned()
                    .map_or(Value::Null, Value::String);
                (n.clone(), value)
            })
            .collect(),
    };
    let mut out = json!({
        "id": object.id.to_string(),
        "properties": properties,
        "createdAt": time::format(&object.created_at),
        "updatedAt": time::format(&object.updated_at),
        "archived": object.archived_at.is_some(),
    });
    if let Some(at) = &object.archived_at {
        out["archivedAt"] = json!(time::format(at));
    }
    if extras.with_history {
        let history: Map<String, Value> = extras
            .history
            .get(&object.id)
            .into_iter()
            .flatten()
            .map(|(name, versions)| {
                let versions = versions
                    .iter()
                    .map(|v| {
                        json!({"value": v.value, "timestamp": time::format(&v.timestamp),
                            "sourceType": v.source_type})
                    })
                    .collect();
                (name.clone(), Value::Array(versions))
            })
            .collect();
        out["propertiesWithHistory"] = Value::Object(history);
    }
    if let Some(associations) = extras.associations.get(&object.id) {
        let map: Map<String, Value> = associations
            .iter()
            .filter(|(_, results)| !results.is_empty())
            .map(|(key, results)| (key.clone(), json!({"results": results})))
            .collect();
        if !map.is_empty() {
            out["associations"] = Value::Object(map);
        }
    }
    out
}

/// An object as a write (create, update, upsert) answers it: every property with a value.
pub fn written(object: &CrmObject) -> Value {
    self::object(object, &Selection::All, &Extras::default())
}

/// HubSpot's batch envelope: `status`, `results`, times, and the errors of a 207.
pub fn batch(results: Vec<Value>, errors: Vec<Value>, started: &str) -> Value {
    let mut out = json!({
        "status": "COMPLETE",
        "results": results,
        "startedAt": started,
        "completedAt": time::format(&callhost_store::now()),
        "links": {},
    });
    if !errors.is_empty() {
        out["numErrors"] = json!(errors.len());
        out["errors"] = Value::Array(errors);
    }
    out
}

/// A batch's answer: `success` (200 or 201) without errors, 207 with them.
pub fn batch_response(
    success: StatusCode,
    results: Vec<Value>,
    errors: Vec<Value>,
    started: &str,
) -> Response {
    let status = if errors.is_empty() {
        success
    } else {
        StatusCode::MULTI_STATUS
    };
    (status, Json(batch(results, errors, started))).into_response()
}

/// The errors of a batch for the `ids` that name nothing: none, or one `OBJECT_NOT_FOUND`
/// listing them all.
pub fn not_found_errors(message: String, ids: &[String]) -> Vec<Value> {
    if ids.is_empty() {
        return Vec::new();
    }
    vec![batch_error("OBJECT_NOT_FOUND", message, ids)]
}

/// One error item of a 207 (`StandardError`, every field Python requires).
fn batch_error(category: &str, message: String, ids: &[String]) -> Value {
    json!({
        "status": "error",
        "category": category,
        "message": message,
        "context": {"ids": ids},
        "links": {},
        "errors": [],
    })
}
