//! Batch create, read, update, upsert and archive: `/crm/v3/objects/{objectType}/batch/*`.
//!
//! At most [`MAX_INPUTS`] inputs. Every input is checked before anything is written, so one
//! invalid input fails the batch with a 400 and writes nothing (as HubSpot does). Ids that do
//! not exist are reported in a 207 (read, update); creates are one transaction (201), and so
//! are an upsert's creates and updates together.

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use callhost_store::crm::{AssociationKind, CrmObject, NewObject, ObjectRef, ObjectUpdate};
use callhost_store::now;
use serde_json::{Map, Value};

use super::catalog::{self, ObjectType};
use super::objects::{read_extras, API_SOURCE};
use super::params::{PathParams, QueryParams};
use super::view::{self, Extras, Selection};
use super::{input, missing_as_invalid, readable, writable};
use crate::auth::PortalAccess;
use crate::error::{ApiError, ApiResult, StoreRemap};
use crate::extract::{json_type, JsonObject};

use super::body::invalid;
pub use super::body::{id_field, inputs, string_list, MAX_INPUTS};
use crate::time;
use crate::AppState;

/// A create input: checked properties and inline (HubSpot-defined) associations.
pub async fn parse_create(
    _state: &AppState,
    _portal_id: i64,
    object_type: &ObjectType,
    body: &Map<String, Value>,
) -> ApiResult<NewObject> {
    let properties = input::properties(object_type, body.get("properties"), input::Write::Create)
        .map_err(input::invalid_properties)?;
    let mut associations = Vec::new();
    let list = match body.get("associations") {
        None | Some(Value::Null) => &Vec::new(),
        Some(Value::Array(list)) => list,
        Some(other) => {
            return Err(invalid(
                "associations",
                "INVALID_TYPE",
                format!("associations must be an array, got {}", json_type(other)),
            ))
        }
    };
    for (i, item) in list.iter().enumerate() {
        let at = format!("associations[{i}]");
        let to_id = item
            .get("to")
            .and_then(Value::as_object)
            .map(|to| id_field(to, "id", &format!("{at}.to")))
            .transpose()?
            .and_then(|id| id.parse::<i64>().ok())
            .ok_or_else(|| {
                invalid(
                    &at,
                    "INVALID_ID",
                    format!("{at}.to.id must be an object id"),
                )
            })?;
        let types = item
            .get("types")
            .and_then(Value::as_array)
            .ok_or_else(|| invalid(&at, "REQUIRED", format!("{at}.types must be a list")))?;
        for spec in types {
            let (category, type_id) = super::associations::parse_spec(spec, &at)?;
            let found = catalog::BUILTIN.iter().find_map(|to| {
                catalog::hubspot_defined(&object_type.id, &to.id)
                    .into_iter()
                    .find(|(id, _)| category == "HUBSPOT_DEFINED" && *id == type_id)
                    .map(|(_, reverse)| (to.id.clone(), reverse))
            });
            let Some((to_type, reverse)) = found else {
                return Err(invalid(
                    &at,
                    "INVALID_ASSOCIATION_TYPE",
                    format!(
                        "{category} association type {type_id} does not start at {}",
                        object_type.name
                    ),
                ));
            };
            associations.push((
                ObjectRef::new(&to_type, to_id),
                AssociationKind {
                    category: category.clone(),
                    type_id,
                },
                AssociationKind {
                    category: category.clone(),
                    type_id: reverse,
                },
            ));
        }
    }
    Ok(NewObject {
        properties,
        associations,
    })
}

/// 409 when a unique property (a contact's email) of `objects` is taken, by another input or
/// by an existing object; checked before any write of a create or an upsert.
async fn check_unique(
    state: &AppState,
    portal_id: i64,
    object_type: &ObjectType,
    objects: &[NewObject],
) -> ApiResult<()> {
    for def in object_type
        .properties
        .iter()
        .filter(|p| p.unique && !p.read_only)
    {
        let values: Vec<String> = objects
            .iter()
            .filter_map(|o| o.properties.get(&def.name))
            .filter(|v| !v.is_empty())
            .cloned()
            .collect();
        let distinct: BTreeSet<&String> = values.iter().collect();
        if distinct.len() < values.len() {
            return Err(ApiError::conflict(format!(
                "Two inputs have the same {}.",
                def.name
            )));
        }
        let existing = state
            .store
            .find_objects_by_property(portal_id, &object_type.id, &def.name, &values, false)
            .await?;
        if let Some(found) = existing.first() {
            return Err(ApiError::conflict(format!(
                "{} already exists. Existing ID: {}",
                object_type.singular, found.id
            )));
        }
    }
    Ok(())
}

/// Creates checked objects: 409 when a unique property (a contact's email) is taken, 400
/// when an association names a missing object; otherwise all of them, in one transaction.
pub async fn create_checked(
    state: &AppState,
    portal_id: i64,
    object_type: &ObjectType,
    objects: Vec<NewObject>,
) -> ApiResult<Vec<CrmObject>> {
    check_unique(state, portal_id, object_type, &objects).await?;
    state
        .store
        .create_objects(portal_id, &object_type.id, &objects, API_SOURCE, now())
        .await
        .on_missing(missing_as_invalid)
}

/// 200 (or `success`) without errors, 207 with them.
fn batch_response(
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
    (status, Json(view::batch(results, errors, started))).into_response()
}

/// The batch's errors for the ids that name nothing: none, or one listing them all.
fn not_found_errors(object_type: &ObjectType, missing: &[String]) -> Vec<Value> {
    if missing.is_empty() {
        return Vec::new();
    }
    vec![view::batch_error(
        "OBJECT_NOT_FOUND",
        format!(
            "Could not get some {} objects, they may be deleted or not exist. Check that ids are valid.",
            object_type.label()
        ),
        missing,
    )]
}

/// Creates up to 100 objects at once: 201, all or nothing.
pub async fn create_batch(
    State(state): State<AppState>,
    access: PortalAccess,
    path: PathParams,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let started = time::format(&now());
    let object_type = writable(&state, &access, path.get("object_type")).await?;
    let portal_id = access.0.portal_id;
    let mut objects = Vec::new();
    for item in inputs(&body)? {
        objects.push(parse_create(&state, portal_id, &object_type, item).await?);
    }
    let created = create_checked(&state, portal_id, &object_type, objects).await?;
    let results = created
        .iter()
        .map(|o| view::object(o, &Selection::All, &Extras::default()))
        .collect();
    Ok(batch_response(
        StatusCode::CREATED,
        results,
        Vec::new(),
        &started,
    ))
}

/// The objects `ids` name (by id or `id_property`), in input order, and the ids that name
/// nothing.
async fn resolve(
    state: &AppState,
    portal_id: i64,
    object_type: &ObjectType,
    ids: &[String],
    id_property: Option<&str>,
    archived: bool,
) -> ApiResult<(Vec<(String, CrmObject)>, Vec<String>)> {
    let mut by_key: BTreeMap<String, CrmObject> = BTreeMap::new();
    match id_property.filter(|p| *p != "hs_object_id") {
        Some(property) => {
            if !object_type.property(property).is_some_and(|p| p.unique) {
                return Err(invalid(
                    "idProperty",
                    "INVALID_ID_PROPERTY",
                    format!(
                        "{property} is not a unique property of {}",
                        object_type.name
                    ),
                ));
            }
            for object in state
                .store
                .find_objects_by_property(portal_id, &object_type.id, property, ids, archived)
                .await?
            {
                if let Some(value) = object.properties.get(property) {
                    by_key.insert(value.clone(), object);
                }
            }
        }
        None => {
            let numeric: Vec<i64> = ids.iter().filter_map(|id| id.parse().ok()).collect();
            for object in state
                .store
                .get_objects(portal_id, &object_type.id, &numeric, archived)
                .await?
            {
                by_key.insert(object.id.to_string(), object);
            }
        }
    }
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for id in ids {
        match by_key.get(id) {
            Some(object) => found.push((id.clone(), object.clone())),
            None => missing.push(id.clone()),
        }
    }
    Ok((found, missing))
}

/// Each input's `id` and `idProperty`.
fn input_keys<'a>(items: &[&'a Map<String, Value>]) -> ApiResult<Vec<(String, Option<&'a str>)>> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let id = id_field(item, "id", &format!("inputs[{i}]"))?;
            Ok((id, item.get("idProperty").and_then(Value::as_str)))
        })
        .collect()
}

/// For each `(id, idProperty)` input, the object it names, if any: one [`resolve`] per
/// distinct `idProperty` rather than one per input.
async fn resolve_each(
    state: &AppState,
    portal_id: i64,
    object_type: &ObjectType,
    keys: &[(String, Option<&str>)],
) -> ApiResult<Vec<Option<CrmObject>>> {
    let mut groups: BTreeMap<Option<&str>, Vec<String>> = BTreeMap::new();
    for (id, id_property) in keys {
        groups.entry(*id_property).or_default().push(id.clone());
    }
    let mut by_key: BTreeMap<(Option<&str>, String), CrmObject> = BTreeMap::new();
    for (id_property, ids) in groups {
        let (found, _) = resolve(state, portal_id, object_type, &ids, id_property, false).await?;
        for (id, object) in found {
            by_key.insert((id_property, id), object);
        }
    }
    Ok(keys
        .iter()
        .map(|(id, id_property)| by_key.get(&(*id_property, id.clone())).cloned())
        .collect())
}

/// Reads up to 100 objects: 200, or 207 naming the ids that do not exist.
pub async fn read_batch(
    State(state): State<AppState>,
    access: PortalAccess,
    path: PathParams,
    query: QueryParams,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let started = time::format(&now());
    let object_type = readable(&state, &access, path.get("object_type")).await?;
    let archived = query.boolean("archived", false)?;
    let ids = inputs(&body)?
        .iter()
        .enumerate()
        .map(|(i, item)| id_field(item, "id", &format!("inputs[{i}]")))
        .collect::<ApiResult<Vec<String>>>()?;
    let id_property = body.get("idProperty").and_then(Value::as_str);
    let portal_id = access.0.portal_id;
    let (found, missing) =
        resolve(&state, portal_id, &object_type, &ids, id_property, archived).await?;
    let objects: Vec<CrmObject> = found.into_iter().map(|(_, o)| o).collect();
    let selection = Selection::requested(&object_type, &string_list(&body, "properties")?);
    let history = string_list(&body, "propertiesWithHistory")?;
    let extras = read_extras(&state, portal_id, &objects, &history, &[]).await?;
    let results = objects
        .iter()
        .map(|o| view::object(o, &selection, &extras))
        .collect();
    let errors = not_found_errors(&object_type, &missing);
    Ok(batch_response(StatusCode::OK, results, errors, &started))
}

/// Updates up to 100 objects: 200, or 207 naming the ids that do not exist (the others are
/// updated). An invalid property fails the whole batch.
pub async fn update_batch(
    State(state): State<AppState>,
    access: PortalAccess,
    path: PathParams,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let started = time::format(&now());
    let object_type = writable(&state, &access, path.get("object_type")).await?;
    let portal_id = access.0.portal_id;
    let items = inputs(&body)?;
    let keys = input_keys(&items)?;
    let checked = items
        .iter()
        .map(|item| {
            input::properties(&object_type, item.get("properties"), input::Write::Update)
                .map_err(input::invalid_properties)
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let found = resolve_each(&state, portal_id, &object_type, &keys).await?;
    let mut updates = Vec::new();
    let mut missing = Vec::new();
    for ((properties, (id, _)), object) in checked.into_iter().zip(keys).zip(found) {
        match object {
            Some(object) => updates.push(ObjectUpdate {
                id: object.id,
                properties,
            }),
            None => missing.push(id),
        }
    }
    let updated = state
        .store
        .update_objects(portal_id, &object_type.id, &updates, API_SOURCE, now())
        .await?;
    let results = updated
        .iter()
        .map(|o| view::object(o, &Selection::All, &Extras::default()))
        .collect();
    let errors = not_found_errors(&object_type, &missing);
    Ok(batch_response(StatusCode::OK, results, errors, &started))
}

/// Creates or updates up to 100 objects named by a unique property: 200, each result with
/// `new` saying which happened.
pub async fn upsert_batch(
    State(state): State<AppState>,
    access: PortalAccess,
    path: PathParams,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let started = time::format(&now());
    let object_type = writable(&state, &access, path.get("object_type")).await?;
    let portal_id = access.0.portal_id;
    let items = inputs(&body)?;
    let keys = input_keys(&items)?;
    let found = resolve_each(&state, portal_id, &object_type, &keys).await?;
    let mut creates: Vec<NewObject> = Vec::new();
    let mut updates: Vec<ObjectUpdate> = Vec::new();
    for (i, ((item, (id, id_property)), object)) in items.iter().zip(&keys).zip(found).enumerate() {
        let at = format!("inputs[{i}]");
        match object {
            Some(object) => {
                let properties =
                    input::properties(&object_type, item.get("properties"), input::Write::Update)
                        .map_err(input::invalid_properties)?;
                updates.push(ObjectUpdate {
                    id: object.id,
                    properties,
                });
            }
            None => {
                let Some(property) = id_property.filter(|p| *p != "hs_object_id") else {
                    return Err(invalid(
                        &format!("{at}.idProperty"),
                        "REQUIRED",
                        format!("{at}: creating needs an idProperty other than hs_object_id"),
                    ));
                };
                let mut properties = item.get("properties").cloned().unwrap_or(Value::Null);
                if !properties.is_object() {
                    properties = Value::Object(Map::new());
                }
                properties[property] = Value::String(id.clone());
                let properties =
                    input::properties(&object_type, Some(&properties), input::Write::Create)
                        .map_err(input::invalid_properties)?;
                creates.push(NewObject {
                    properties,
                    associations: Vec::new(),
                });
            }
        }
    }
    check_unique(&state, portal_id, &object_type, &creates).await?;
    // One transaction: an object archived since it was resolved fails the whole batch
    // rather than leaving its creates written.
    let written = state
        .store
        .upsert_objects(
            portal_id,
            &object_type.id,
            &creates,
            &updates,
            API_SOURCE,
            now(),
        )
        .await
        .on_missing(|refs| {
            let ids: Vec<String> = refs.iter().map(|r| r.id.to_string()).collect();
            ApiError::conflict(format!(
                "Some {} objects were archived while the batch was written: {}. Nothing was written.",
                object_type.label(),
                ids.join(", ")
            ))
        })?;
    let mut results: Vec<Value> = Vec::new();
    for (objects, new) in [(&written.created, true), (&written.updated, false)] {
        for object in objects {
            let mut value = view::object(object, &Selection::All, &Extras::default());
            value["new"] = Value::Bool(new);
            results.push(value);
        }
    }
    Ok(batch_response(
        StatusCode::OK,
        results,
        Vec::new(),
        &started,
    ))
}

/// Archives up to 100 objects: 204, ids that do not exist included.
pub async fn archive_batch(
    State(state): State<AppState>,
    access: PortalAccess,
    path: PathParams,
    JsonObject(body): JsonObject,
) -> ApiResult<StatusCode> {
    let object_type = writable(&state, &access, path.get("object_type")).await?;
    let ids = inputs(&body)?
        .iter()
        .enumerate()
        .map(|(i, item)| id_field(item, "id", &format!("inputs[{i}]")))
        .collect::<ApiResult<Vec<String>>>()?;
    let numeric: Vec<i64> = ids.iter().filter_map(|id| id.parse().ok()).collect();
    state
        .store
        .archive_objects(access.0.portal_id, &object_type.id, &numeric, now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
