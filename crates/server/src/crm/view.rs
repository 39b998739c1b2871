//! How objects leave the API: HubSpot's `SimplePublicObject` (and its `WithAssociations` and
//! `Upsert` forms), with ids and property values as strings and times with milliseconds, and
//! the batch envelope every batch route answers with ([`batch_response`]: 207 exactly when it
//! carries errors).

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use callhost_store::crm::{CrmObject, PropertyVersion};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::{json, Value};

use super::catalog::ObjectType;
use crate::time;

/// Which properties a response shows.
#[derive(Debug, Clone)]
pub enum Selection<'a> {
    /// Every property with a value (create and update responses).
    All,
    /// These, `null` when unset; the type's defaults when the request named none. Sorted and
    /// without repeats, in the order the response prints them.
    Named(Vec<&'a str>),
}

impl<'a> Selection<'a> {
    /// The properties a read asked for, or the type's defaults. Names the type does not have
    /// are ignored, as HubSpot does.
    pub fn requested(object_type: &'a ObjectType, requested: &'a [String]) -> Self {
        let mut names: Vec<&str> = if requested.is_empty() {
            object_type.defaults.iter().map(String::as_str).collect()
        } else {
            requested
                .iter()
                .map(String::as_str)
                .filter(|n| object_type.property(n).is_some())
                .collect()
        };
        names.sort_unstable();
        names.dedup();
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
    serde_json::to_value(ObjectView {
        object,
        selection,
        extras,
    })
    .expect("an object's view has string keys and no floats")
}

/// An object as a write (create, update, upsert) answers it: every property with a value.
pub fn written(object: &CrmObject) -> Value {
    serde_json::to_value(ObjectView::written(object))
        .expect("an object's view has string keys and no floats")
}

/// One object as the API prints it (HubSpot's `SimplePublicObject`), serialized straight into
/// a response's body: the single-object routes answer it without a [`Value`] in between
/// (bench/README.md, "REST throughput"), and [`object`] makes the same JSON a [`Value`].
///
/// Its keys come out in the order a [`Value`]'s map (sorted by key) prints them, so that
/// both ways give the same bytes.
pub struct ObjectView<'a> {
    pub object: &'a CrmObject,
    pub selection: &'a Selection<'a>,
    pub extras: &'a Extras,
}

impl<'a> ObjectView<'a> {
    /// An object as a write answers it: every property with a value.
    pub fn written(object: &'a CrmObject) -> Self {
        const EXTRAS: &Extras = &Extras {
            history: BTreeMap::new(),
            associations: BTreeMap::new(),
            with_history: false,
        };
        ObjectView {
            object,
            selection: &Selection::All,
            extras: EXTRAS,
        }
    }
}

impl Serialize for ObjectView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let object = self.object;
        // In key order: archived, archivedAt, associations, createdAt, id, properties,
        // propertiesWithHistory, updatedAt.
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("archived", &object.archived_at.is_some())?;
        if let Some(at) = &object.archived_at {
            map.serialize_entry("archivedAt", &time::format(at))?;
        }
        if let Some(associations) = self.extras.associations.get(&object.id) {
            if associations.values().any(|results| !results.is_empty()) {
                map.serialize_entry("associations", &Associations(associations))?;
            }
        }
        map.serialize_entry("createdAt", &time::format(&object.created_at))?;
        map.serialize_entry("id", &Digits(object.id))?;
        map.serialize_entry(
            "properties",
            &Properties {
                object,
                selection: self.selection,
            },
        )?;
        if self.extras.with_history {
            map.serialize_entry(
                "propertiesWithHistory",
                &History(self.extras.history.get(&object.id)),
            )?;
        }
        map.serialize_entry("updatedAt", &time::format(&object.updated_at))?;
        map.end()
    }
}

/// An id as the API prints it: a string of its digits.
struct Digits(i64);

impl Serialize for Digits {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

/// `properties`: the selected names with their values (`null` when unset), or every value.
struct Properties<'a> {
    object: &'a CrmObject,
    selection: &'a Selection<'a>,
}

impl Serialize for Properties<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.selection {
            Selection::All => serializer.collect_map(&self.object.properties),
            Selection::Named(names) => serializer.collect_map(
                names
                    .iter()
                    .map(|name| (name, self.object.properties.get(*name))),
            ),
        }
    }
}

/// `associations`: each kind that has some, as `{"results": [{id, type}]}`.
struct Associations<'a>(&'a BTreeMap<String, Vec<Value>>);

impl Serialize for Associations<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Results<'a> {
            results: &'a [Value],
        }
        serializer.collect_map(
            self.0
                .iter()
                .filter(|(_, results)| !results.is_empty())
                .map(|(key, results)| (key, Results { results })),
        )
    }
}

/// `propertiesWithHistory`: each property's versions, `{}` when there are none.
struct History<'a>(Option<&'a BTreeMap<String, Vec<PropertyVersion>>>);

impl Serialize for History<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Version<'a> {
            #[serde(rename = "sourceType")]
            source_type: &'a str,
            timestamp: String,
            value: &'a str,
        }
        serializer.collect_map(self.0.into_iter().flatten().map(|(name, versions)| {
            let versions: Vec<Version> = versions
                .iter()
                .map(|v| Version {
                    source_type: &v.source_type,
                    timestamp: time::format(&v.timestamp),
                    value: &v.value,
                })
                .collect();
            (name, versions)
        }))
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn contact(archived: bool) -> CrmObject {
        let at = |s: i64| Utc.timestamp_opt(1_767_225_600 + s, 5_000_000).unwrap();
        CrmObject {
            id: 101,
            object_type_id: "0-1".into(),
            properties: BTreeMap::from([
                ("firstname".into(), "Ada \"the first\"".into()),
                ("email".into(), "ada@example.com".into()),
                ("hs_object_id".into(), "101".into()),
            ]),
            created_at: at(0),
            updated_at: at(60),
            archived_at: archived.then(|| at(120)),
        }
    }

    fn extras(with_history: bool) -> Extras {
        let version = PropertyVersion {
            value: "Ada".into(),
            timestamp: Utc.timestamp_opt(1_767_225_600, 0).unwrap(),
            source_type: "INTEGRATION".into(),
        };
        Extras {
            history: BTreeMap::from([(
                101,
                BTreeMap::from([("firstname".to_string(), vec![version])]),
            )]),
            associations: BTreeMap::from([(
                101,
                BTreeMap::from([
                    ("companies".to_string(), vec![]),
                    (
                        "calls".to_string(),
                        vec![json!({"id": "7", "type": "contact_to_call"})],
                    ),
                ]),
            )]),
            with_history,
        }
    }

    #[test]
    fn an_object_prints_the_same_bytes_straight_or_through_a_value() {
        let catalog = crate::crm::catalog::builtin("contacts").unwrap();
        let asked = [
            "lastname".to_string(),
            "email".to_string(),
            "nosuch".to_string(),
            "email".to_string(),
        ];
        let named = Selection::requested(catalog, &asked);
        let defaults = Selection::requested(catalog, &[]);
        for archived in [false, true] {
            let object = contact(archived);
            for selection in [&Selection::All, &named, &defaults] {
                for extras in [Extras::default(), extras(false), extras(true)] {
                    let view = ObjectView {
                        object: &object,
                        selection,
                        extras: &extras,
                    };
                    let straight = serde_json::to_string(&view).unwrap();
                    let through_value = object_value(&object, selection, &extras).to_string();
                    assert_eq!(straight, through_value);
                }
            }
        }
    }

    #[test]
    fn an_object_prints_as_the_api_documents_it() {
        let catalog = crate::crm::catalog::builtin("contacts").unwrap();
        let asked = ["lastname".to_string(), "email".to_string()];
        let object = contact(true);
        let view = ObjectView {
            object: &object,
            selection: &Selection::requested(catalog, &asked),
            extras: &extras(true),
        };
        assert_eq!(
            serde_json::to_string(&view).unwrap(),
            concat!(
                r#"{"archived":true,"archivedAt":"2026-01-01T00:02:00.005Z","#,
                r#""associations":{"calls":{"results":[{"id":"7","type":"contact_to_call"}]}},"#,
                r#""createdAt":"2026-01-01T00:00:00.005Z","id":"101","#,
                r#""properties":{"email":"ada@example.com","lastname":null},"#,
                r#""propertiesWithHistory":{"firstname":[{"sourceType":"INTEGRATION","#,
                r#""timestamp":"2026-01-01T00:00:00.000Z","value":"Ada"}]},"#,
                r#""updatedAt":"2026-01-01T00:01:00.005Z"}"#
            )
        );
        let written = serde_json::to_value(ObjectView::written(&object)).unwrap();
        assert_eq!(
            written["properties"],
            json!({"email": "ada@example.com", "firstname": "Ada \"the first\"",
                "hs_object_id": "101"})
        );
        assert!(written.get("associations").is_none());
        assert!(written.get("propertiesWithHistory").is_none());
    }

    /// The object as a `Value` built by hand, key by key (a map of `Value`s prints its keys
    /// sorted).
    fn object_value(object: &CrmObject, selection: &Selection, extras: &Extras) -> Value {
        let properties: serde_json::Map<String, Value> = match selection {
            Selection::All => object
                .properties
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect(),
            Selection::Named(names) => names
                .iter()
                .map(|n| (n.to_string(), json!(object.properties.get(*n))))
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
            let history: serde_json::Map<String, Value> = extras
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
            let map: serde_json::Map<String, Value> = associations
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
}
