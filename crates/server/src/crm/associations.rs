//! v4 associations: `/crm/v4/objects/{type}/{id}/associations/...` (create with types, create
//! the default, list, remove) and `/crm/v4/associations/{from}/{to}/batch/...`.
//!
//! An association is kept with its reverse, so it can be listed from either end. Creating one
//! with a missing object (or another portal's) writes nothing: 404 on the single routes, an
//! error entry of a 207 in a batch.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use callhost_store::crm::{AssociationKind, NewAssociation, ObjectRef};
use callhost_store::{now, StoreError};
use serde_json::{json, Map, Value};

use super::batch::{id_field, inputs};
use super::catalog::{self, ObjectType};
use super::params::{PathParams, QueryParams};
use super::{object_not_found, readable, view, writable};
use crate::auth::PortalAccess;
use crate::error::{ApiError, ApiResult, ErrorDetail};
use crate::extract::{parse_value, read_body, BODY_LIMIT};
use crate::time;
use crate::AppState;

pub const CATEGORIES: [&str; 3] = ["HUBSPOT_DEFINED", "USER_DEFINED", "INTEGRATOR_DEFINED"];

pub fn router() -> Router<AppState> {
    let single = "/crm/v4/objects/{object_type}/{object_id}/associations";
    let batch = "/crm/v4/associations/{object_type}/{to_object_type}/batch";
    Router::new()
        .route(
            &format!("{single}/{{to_object_type}}/{{to_object_id}}"),
            put(associate_objects).delete(remove_associations),
        )
        .route(
            &format!("{single}/{{to_object_type}}"),
            get(list_associations),
        )
        .route(
            &format!("{single}/default/{{to_object_type}}/{{to_object_id}}"),
            put(associate_default),
        )
        .route(&format!("{batch}/create"), post(create_associations_batch))
        .route(
            &format!("{batch}/associate/default"),
            post(create_default_batch),
        )
        .route(&format!("{batch}/read"), post(read_associations_batch))
        .route(
            &format!("{batch}/archive"),
            post(archive_associations_batch),
        )
}

fn invalid(location: &str, code: &str, message: String) -> ApiError {
    ApiError::validation(
        format!("Invalid association: {message}"),
        vec![ErrorDetail::field(location, code, message)],
    )
}

/// `{associationCategory, associationTypeId}`, checked.
pub fn parse_spec(spec: &Value, at: &str) -> ApiResult<(String, i32)> {
    let category = spec
        .get("associationCategory")
        .and_then(Value::as_str)
        .unwrap_or("");
    if !CATEGORIES.contains(&category) {
        return Err(invalid(
            at,
            "INVALID_CATEGORY",
            format!(
                "{at}.associationCategory must be one of {}",
                CATEGORIES.join(", ")
            ),
        ));
    }
    let type_id = spec
        .get("associationTypeId")
        .and_then(Value::as_i64)
        .and_then(|n| i32::try_from(n).ok())
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            invalid(
                at,
                "INVALID_TYPE_ID",
                format!("{at}.associationTypeId must be a positive integer"),
            )
        })?;
    Ok((category.to_owned(), type_id))
}

/// The kind and reverse kind of a spec between two types; HubSpot-defined ids must exist
/// for the pair.
fn kinds(
    from: &ObjectType,
    to: &ObjectType,
    category: &str,
    type_id: i32,
    at: &str,
) -> ApiResult<(AssociationKind, AssociationKind)> {
    let kind = |type_id| AssociationKind {
        category: category.to_owned(),
        type_id,
    };
    if category != "HUBSPOT_DEFINED" {
        return Ok((kind(type_id), kind(type_id)));
    }
    catalog::hubspot_defined(&from.id, &to.id)
        .into_iter()
        .find(|(id, _)| *id == type_id)
        .map(|(id, reverse)| (kind(id), kind(reverse)))
        .ok_or_else(|| {
            invalid(
                at,
                "INVALID_ASSOCIATION_TYPE",
                format!(
                    "HUBSPOT_DEFINED type {type_id} does not go from {} to {}",
                    from.name, to.name
                ),
            )
        })
}

/// The default kind between two types; 400 when there is none.
fn default_kinds(
    from: &ObjectType,
    to: &ObjectType,
) -> ApiResult<(AssociationKind, AssociationKind)> {
    let (id, reverse) = catalog::hubspot_defined(&from.id, &to.id)
        .into_iter()
        .next()
        .ok_or_else(|| {
            invalid(
                "toObjectType",
                "NO_DEFAULT_ASSOCIATION",
                format!(
                    "there is no default association from {} to {}",
                    from.name, to.name
                ),
            )
        })?;
    let kind = |type_id| AssociationKind {
        category: "HUBSPOT_DEFINED".into(),
        type_id,
    };
    Ok((kind(id), kind(reverse)))
}

fn object_id(raw: &str, object_type: &ObjectType) -> ApiResult<i64> {
    raw.parse().map_err(|_| object_not_found(object_type, raw))
}

/// The store's `Missing` as the 404 of the first missing object.
fn missing_as_not_found(err: StoreError, from: &ObjectType, to: &ObjectType) -> ApiError {
    match err {
        StoreError::Missing(refs) => {
            let r = &refs[0];
            let t = if r.object_type_id == from.id {
                from
            } else {
                to
            };
            object_not_found(t, &r.id.to_string())
        }
        other => other.into(),
    }
}

async fn both_types(
    state: &AppState,
    access: &PortalAccess,
    path: &PathParams,
) -> ApiResult<(ObjectType, ObjectType)> {
    let from = writable(state, access, path.get("object_type")).await?;
    let to = readable(state, access, path.get("to_object_type")).await?;
    Ok((from, to))
}

fn pair(from: &ObjectType, from_id: i64, to: &ObjectType, to_id: i64, labels: Vec<Value>) -> Value {
    json!({"fromObjectTypeId": from.id, "fromObjectId": from_id.to_string(),
        "toObjectTypeId": to.id, "toObjectId": to_id.to_string(), "labels": labels})
}

/// Associates two objects with the given types: 201 with the pair.
pub async fn associate_objects(
    State(state): State<AppState>,
    access: PortalAccess,
    path: PathParams,
    request: axum::extract::Request,
) -> ApiResult<Response> {
    let (from, to) = both_types(&state, &access, &path).await?;
    let body = parse_value(&read_body(request.into_body(), BODY_LIMIT).await?)?;
    let specs = body.as_array().ok_or_else(|| {
        invalid(
            "body",
            "INVALID_TYPE",
            "the body must be a list of association specs".into(),
        )
    })?;
    let (from_id, to_id) = (
        object_id(path.get("object_id"), &from)?,
        object_id(path.get("to_object_id"), &to)?,
    );
    let mut associations = Vec::new();
    for (i, spec) in specs.iter().enumerate() {
        let (category, type_id) = parse_spec(spec, &format!("body[{i}]"))?;
        let (kind, reverse) = kinds(&from, &to, &category, type_id, &format!("body[{i}]"))?;
        associations.push(NewAssociation {
            from: ObjectRef::new(&from.id, from_id),
            to: ObjectRef::new(&to.id, to_id),
            kind,
            reverse,
        });
    }
    state
        .store
        .associate(access.0.portal_id, &associations, now())
        .await
        .map_err(|e| missing_as_not_found(e, &from, &to))?;
    Ok((
        StatusCode::CREATED,
        Json(pair(&from, from_id, &to, to_id, Vec::new())),
    )
        .into_response())
}

fn default_result(from_id: i64, to_id: i64, kind: &AssociationKind) -> Value {
    json!({"from": {"id": from_id.to_string()}, "to": {"id": to_id.to_string()},
        "associationSpec": {"associationCategory": kind.category, "associationTypeId": kind.type_id}})
}

/// Associates two objects with their default type: 200 with a batch response.
pub async fn associate_default(
    State(state): State<AppState>,
    access: PortalAccess,
    path: PathParams,
) -> ApiResult<Json<Value>> {
    let started = time::format(&now());
    let (from, to) = both_types(&state, &access, &path).await?;
    let (from_id, to_id) = (
        object_id(path.get("object_id"), &from)?,
        object_id(path.get("to_object_id"), &to)?,
    );
    let (kind, reverse) = default_kinds(&from, &to)?;
    let association = NewAssociation {
        from: ObjectRef::new(&from.id, from_id),
        to: ObjectRef::new(&to.id, to_id),
        kind: kind.clone(),
        reverse,
    };
    state
        .store
        .associate(access.0.portal_id, &[association], now())
        .await
        .map_err(|e| missing_as_not_found(e, &from, &to))?;
    Ok(Json(view::batch(
        vec![default_result(from_id, to_id, &kind)],
        Vec::new(),
        &started,
    )))
}

/// The `{toObjectId, associationTypes}` entries of `from`'s associations with `to`, and the
/// cursor of the next page.
async fn targets(
    state: &AppState,
    portal_id: i64,
    from: &ObjectRef,
    to: &ObjectType,
    after: Option<i64>,
    limit: u32,
) -> ApiResult<(Vec<Value>, Option<i64>)> {
    let found = state
        .store
        .list_associations(portal_id, from, &to.id, after, limit + 1)
        .await?;
    let mut grouped: Vec<(i64, Vec<Value>)> = Vec::new();
    for a in found {
        let label = Value::Null;
        let entry = json!({"category": a.kind.category, "typeId": a.kind.type_id, "label": label});
        match grouped.last_mut() {
            Some((id, types)) if *id == a.to.id => types.push(entry),
            _ => grouped.push((a.to.id, vec![entry])),
        }
    }
    let next = (grouped.len() > limit as usize).then(|| grouped[limit as usize - 1].0);
    grouped.truncate(limit as usize);
    let results = grouped
        .into_iter()
        .map(|(id, types)| json!({"toObjectId": id, "associationTypes": types}))
        .collect();
    Ok((results, next))
}

/// Lists an object's associations with objects of a type, up to 500 targets a page.
pub async fn list_associations(
    State(state): State<AppState>,
    access: PortalAccess,
    path: PathParams,
    query: QueryParams,
) -> ApiResult<Json<Value>> {
    let from = readable(&state, &access, path.get("object_type")).await?;
    let to = readable(&state, &access, path.get("to_object_type")).await?;
    let raw_id = path.get("object_id");
    let from_id = object_id(raw_id, &from)?;
    let portal_id = access.0.portal_id;
    if state
        .store
        .get_objects(portal_id, &from.id, &[from_id], false)
        .await?
        .is_empty()
    {
        return Err(object_not_found(&from, raw_id));
    }
    let limit = query.limit("limit", 500, 500)?;
    let (results, next) = targets(
        &state,
        portal_id,
        &ObjectRef::new(&from.id, from_id),
        &to,
        query.after()?,
        limit,
    )
    .await?;
    let mut out = json!({"results": results});
    if let Some(after) = next {
        out["paging"] = json!({"next": {"after": after.to_string()}});
    }
    Ok(Json(out))
}

/// Removes every association between two objects: 204.
pub async fn remove_associations(
    State(state): State<AppState>,
    access: PortalAccess,
    path: PathParams,
) -> ApiResult<StatusCode> {
    let (from, to) = both_types(&state, &access, &path).await?;
    let (from_id, to_id) = (
        object_id(path.get("object_id"), &from)?,
        object_id(path.get("to_object_id"), &to)?,
    );
    state
        .store
        .remove_associations(
            access.0.portal_id,
            &ObjectRef::new(&from.id, from_id),
            &ObjectRef::new(&to.id, to_id),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `{from: {id}, to: {id}}` of a batch input, as numbers.
fn ends(item: &Map<String, Value>, at: &str) -> ApiResult<(i64, i64)> {
    let id = |name: &str| -> ApiResult<i64> {
        let end = item.get(name).and_then(Value::as_object).ok_or_else(|| {
            invalid(
                at,
                "REQUIRED",
                format!("{at}.{name} must be an object with an id"),
            )
        })?;
        id_field(end, "id", &format!("{at}.{name}"))?
            .parse()
            .map_err(|_| {
                invalid(
                    at,
                    "INVALID_ID",
                    format!("{at}.{name}.id must be an object id"),
                )
            })
    };
    Ok((id("from")?, id("to")?))
}

/// Splits `wanted` into those whose both ends exist and a 207 error for the others.
async fn existing_pairs(
    state: &AppState,
    portal_id: i64,
    from: &ObjectType,
    to: &ObjectType,
    wanted: Vec<(i64, i64)>,
) -> ApiResult<(Vec<(i64, i64)>, Vec<Value>)> {
    let from_ids: Vec<i64> = wanted.iter().map(|p| p.0).collect();
    let to_ids: Vec<i64> = wanted.iter().map(|p| p.1).collect();
    let from_found: Vec<i64> = state
        .store
        .get_objects(portal_id, &from.id, &from_ids, false)
        .await?
        .iter()
        .map(|o| o.id)
        .collect();
    let to_found: Vec<i64> = state
        .store
        .get_objects(portal_id, &to.id, &to_ids, false)
        .await?
        .iter()
        .map(|o| o.id)
        .collect();
    let (ok, bad): (Vec<_>, Vec<_>) = wanted
        .into_iter()
        .partition(|(f, t)| from_found.contains(f) && to_found.contains(t));
    let errors = if bad.is_empty() {
        Vec::new()
    } else {
        let ids: Vec<String> = bad.iter().map(|(f, t)| format!("{f}->{t}")).collect();
        vec![view::batch_error(
            "OBJECT_NOT_FOUND",
            "Some objects of these associations do not exist.".into(),
            &ids,
        )]
    };
    Ok((ok, errors))
}

fn batch_status(
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

/// Creates associations with types in a batch: 201, or 207 naming pairs with a missing end.
pub async fn create_associations_batch(
    State(state): State<AppState>,
    access: PortalAccess,
    path: PathParams,
    crate::extract::JsonObject(body): crate::extract::JsonObject,
) -> ApiResult<Response> {
    let started = time::format(&now());
    let (from, to) = both_types(&state, &access, &path).await?;
    let mut specs = Vec::new();
    for (i, item) in inputs(&body)?.iter().enumerate() {
        let at = format!("inputs[{i}]");
        let (from_id, to_id) = ends(item, &at)?;
        let types = item
            .get("types")
            .and_then(Value::as_array)
            .ok_or_else(|| invalid(&at, "REQUIRED", format!("{at}.types must be a list")))?;
        let mut kinds_of = Vec::new();
        for spec in types {
            let (category, type_id) = parse_spec(spec, &at)?;
            kinds_of.push(kinds(&from, &to, &category, type_id, &at)?);
        }
        specs.push(((from_id, to_id), kinds_of));
    }
    let (ok, errors) = existing_pairs(
        &state,
        access.0.portal_id,
        &from,
        &to,
        specs.iter().map(|s| s.0).collect(),
    )
    .await?;
    let associations: Vec<NewAssociation> = specs
        .iter()
        .filter(|(p, _)| ok.contains(p))
        .flat_map(|((f, t), kinds_of)| {
            kinds_of.iter().map(|(kind, reverse)| NewAssociation {
                from: ObjectRef::new(&from.id, *f),
                to: ObjectRef::new(&to.id, *t),
                kind: kind.clone(),
                reverse: reverse.clone(),
            })
        })
        .collect();
    state
        .store
        .associate(access.0.portal_id, &associations, now())
        .await
        .map_err(|e| missing_as_not_found(e, &from, &to))?;
    let results = ok
        .iter()
        .map(|(f, t)| pair(&from, *f, &to, *t, Vec::new()))
        .collect();
    Ok(batch_status(StatusCode::CREATED, results, errors, &started))
}

/// Creates default associations in a batch: 200, or 207 naming pairs with a missing end.
pub async fn create_default_batch(
    State(state): State<AppState>,
    access: PortalAccess,
    path: PathParams,
    crate::extract::JsonObject(body): crate::extract::JsonObject,
) -> ApiResult<Response> {
    let started = time::format(&now());
    let (from, to) = both_types(&state, &access, &path).await?;
    let (kind, reverse) = default_kinds(&from, &to)?;
    let wanted = inputs(&body)?
        .iter()
        .enumerate()
        .map(|(i, item)| ends(item, &format!("inputs[{i}]")))
        .collect::<ApiResult<Vec<_>>>()?;
    let (ok, errors) = existing_pairs(&state, access.0.portal_id, &from, &to, wanted).await?;
    let associations: Vec<NewAssociation> = ok
        .iter()
        .map(|(f, t)| NewAssociation {
            from: ObjectRef::new(&from.id, *f),
            to: ObjectRef::new(&to.id, *t),
            kind: kind.clone(),
            reverse: reverse.clone(),
        })
        .collect();
    state
        .store
        .associate(access.0.portal_id, &associations, now())
        .await
        .map_err(|e| missing_as_not_found(e, &from, &to))?;
    let results = ok
        .iter()
        .map(|(f, t)| default_result(*f, *t, &kind))
        .collect();
    Ok(batch_status(StatusCode::OK, results, errors, &started))
}

/// Reads the associations of up to 100 objects: 200, or 207 naming objects that do not exist.
pub async fn read_associations_batch(
    State(state): State<AppState>,
    access: PortalAccess,
    path: PathParams,
    crate::extract::JsonObject(body): crate::extract::JsonObject,
) -> ApiResult<Response> {
    let started = time::format(&now());
    let from = readable(&state, &access, path.get("object_type")).await?;
    let to = readable(&state, &access, path.get("to_object_type")).await?;
    let portal_id = access.0.portal_id;
    let mut results = Vec::new();
    let mut missing = Vec::new();
    for (i, item) in inputs(&body)?.iter().enumerate() {
        let raw = id_field(item, "id", &format!("inputs[{i}]"))?;
        let after = item
            .get("after")
            .and_then(Value::as_str)
            .and_then(|a| a.parse().ok());
        let id = raw.parse::<i64>().ok();
        let exists = match id {
            Some(id) => !state
                .store
                .get_objects(portal_id, &from.id, &[id], false)
                .await?
                .is_empty(),
            None => false,
        };
        let (Some(id), true) = (id, exists) else {
            missing.push(raw);
            continue;
        };
        let (targets, next) = targets(
            &state,
            portal_id,
            &ObjectRef::new(&from.id, id),
            &to,
            after,
            500,
        )
        .await?;
        let mut result = json!({"from": {"id": raw}, "to": targets});
        if let Some(after) = next {
            result["paging"] = json!({"next": {"after": after.to_string()}});
        }
        results.push(result);
    }
    let errors = if missing.is_empty() {
        Vec::new()
    } else {
        vec![view::batch_error(
            "OBJECT_NOT_FOUND",
            format!("No {} objects with these ids.", from.label()),
            &missing,
        )]
    };
    Ok(batch_status(StatusCode::OK, results, errors, &started))
}

/// Removes all associations between each `from` and its `to` list: 204.
pub async fn archive_associations_batch(
    State(state): State<AppState>,
    access: PortalAccess,
    path: PathParams,
    crate::extract::JsonObject(body): crate::extract::JsonObject,
) -> ApiResult<StatusCode> {
    let (from, to) = both_types(&state, &access, &path).await?;
    let mut pairs = Vec::new();
    for (i, item) in inputs(&body)?.iter().enumerate() {
        let at = format!("inputs[{i}]");
        let from_obj = item
            .get("from")
            .and_then(Value::as_object)
            .ok_or_else(|| invalid(&at, "REQUIRED", format!("{at}.from is required")))?;
        let from_id: i64 = id_field(from_obj, "id", &at)?.parse().map_err(|_| {
            invalid(
                &at,
                "INVALID_ID",
                format!("{at}.from.id must be an object id"),
            )
        })?;
        let tos = item
            .get("to")
            .and_then(Value::as_array)
            .ok_or_else(|| invalid(&at, "REQUIRED", format!("{at}.to must be a list")))?;
        for to_item in tos {
            let to_id: i64 = to_item
                .get("id")
                .and_then(|v| {
                    v.as_str()
                        .map(str::to_owned)
                        .or_else(|| v.as_i64().map(|n| n.to_string()))
                })
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| {
                    invalid(
                        &at,
                        "INVALID_ID",
                        format!("{at}.to[].id must be an object id"),
                    )
                })?;
            pairs.push((from_id, to_id));
        }
    }
    for (f, t) in pairs {
        state
            .store
            .remove_associations(
                access.0.portal_id,
                &ObjectRef::new(&from.id, f),
                &ObjectRef::new(&to.id, t),
            )
            .await?;
    }
    Ok(StatusCode::NO_CONTENT)
}
