//! Batch create, read, update, upsert and archive: `/crm/v3/objects/{objectType}/batch/*`.
//!
//! At most [`MAX_INPUTS`](super::body::MAX_INPUTS) inputs. Every input is checked before
//! anything is written, so one invalid input fails the batch with a 400 and writes nothing (as
//! HubSpot does). Ids that do not exist are reported in a 207 (read, update); creates are one
//! transaction (201), and so are an upsert's creates and updates together. Create inputs are
//! read and written by [`super::create`], as a single create's are; every answer is built by
//! [`view::batch_response`].

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use callhost_store::crm::{CrmObject, NewObject, ObjectUpdate};
use callhost_store::now;
use serde_json::{Map, Value};

use super::body::{id_field, input_ids, inputs, invalid, string_list};
use super::catalog::ObjectType;
use super::create::{self, check_unique, create_checked};
use super::objects::{read_extras, API_SOURCE};
use super::params::{PathParams, QueryParams};
use super::view::{self, batch_response, Selection};
use super::{input, readable, writable};
use crate::auth::PortalAccess;
use crate::error::{ApiError, ApiResult, StoreRemap};
use crate::extract::JsonObject;
use crate::time;
use crate::AppState;

/// The batch's errors for the ids that name nothing: none, or one listing them all.
fn not_found_errors(object_type: &ObjectType, missing: &[String]) -> Vec<Value> {
    view::not_found_errors(
        format!(
            "Could not get some {} objects, they may be deleted or not exist. Check that ids are valid.",
            object_type.label()
        ),
        missing,
    )
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
        objects.push(create::parse(&object_type, item)?);
    }
    let created = create_checked(&state, portal_id, &object_type, objects).await?;
    let results = created.iter().map(view::written).collect();
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
    let ids = input_ids(&body)?;
    let id_property = body.get("idProperty").and_then(Value::as_str);
    let portal_id = access.0.portal_id;
    let (found, missing) =
        resolve(&state, portal_id, &object_type, &ids, id_property, archived).await?;
    let objects: Vec<CrmObject> = found.into_iter().map(|(_, o)| o).collect();
    let names = string_list(&body, "properties")?;
    let selection = Selection::requested(&object_type, &names);
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
    let results = updated.iter().map(view::written).collect();
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
            let mut value = view::written(object);
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
    let ids = input_ids(&body)?;
    let numeric: Vec<i64> = ids.iter().filter_map(|id| id.parse().ok()).collect();
    state
        .store
        .archive_objects(access.0.portal_id, &object_type.id, &numeric, now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
