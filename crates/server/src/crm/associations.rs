//! v4 associations: `/crm/v4/objects/{type}/{id}/associations/...` (create with types, create
//! the default, list, remove) and `/crm/v4/associations/{from}/{to}/batch/...`.
//!
//! An association is kept with its reverse, so it can be listed from either end. Creating one
//! with a missing object (or another portal's) writes nothing: 404 on the single routes, an
//! error entry of a 207 in a batch.

use std::borrow::Cow;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use callhost_store::crm::{AssociationKind, NewAssociation, ObjectRef};
use callhost_store::now;
use serde_json::{json, Value};

use super::catalog::{self, ObjectType};
use super::params::{PathParams, QueryParams};
use super::{object_not_found, readable, view, writable};
use crate::auth::PortalAccess;
use crate::error::{ApiError, ApiResult, ErrorDetail, StoreRemap};
use crate::extract::{parse_value, read_body, BODY_LIMIT};
use crate::time;
use crate::AppState;

pub mod batch;

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
        .route(
            &format!("{batch}/create"),
            post(batch::create_associations_batch),
        )
        .route(
            &format!("{batch}/associate/default"),
            post(batch::create_default_batch),
        )
        .route(
            &format!("{batch}/read"),
            post(batch::read_associations_batch),
        )
        .route(
            &format!("{batch}/archive"),
            post(batch::archive_associations_batch),
        )
        .route(
            &format!("{batch}/labels/archive"),
            post(batch::archive_labels_batch),
        )
}

pub(super) fn invalid(location: &str, code: &str, message: String) -> ApiError {
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
pub(super) fn kinds(
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
pub(super) fn default_kinds(
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

/// The store's `Missing` as the 404 of the first missing object, named with its type's label
/// (see [`StoreRemap`]).
pub(super) fn missing_as_not_found(
    refs: &[ObjectRef],
    from: &ObjectType,
    to: &ObjectType,
) -> ApiError {
    let Some(r) = refs.first() else {
        return ApiError::not_found("Object not found.");
    };
    let t = if r.object_type_id == from.id {
        from
    } else {
        to
    };
    object_not_found(t, &r.id.to_string())
}

/// The association from `from`'s object `f` to `to`'s object `t` of one kind.
pub(super) fn link(
    from: &ObjectType,
    f: i64,
    to: &ObjectType,
    t: i64,
    kind: &AssociationKind,
    reverse: &AssociationKind,
) -> NewAssociation {
    NewAssociation {
        from: ObjectRef::new(&from.id, f),
        to: ObjectRef::new(&to.id, t),
        kind: kind.clone(),
        reverse: reverse.clone(),
    }
}

/// Stores `links` in one transaction; a missing end is a 404 naming it.
pub(super) async fn store_links(
    state: &AppState,
    access: &PortalAccess,
    from: &ObjectType,
    to: &ObjectType,
    links: &[NewAssociation],
) -> ApiResult<()> {
    state
        .store
        .associate(access.0.portal_id, links, now())
        .await
        .on_missing(|refs| missing_as_not_found(&refs, from, to))?;
    Ok(())
}

pub(super) async fn both_types(
    state: &AppState,
    access: &PortalAccess,
    path: &PathParams,
) -> ApiResult<(Cow<'static, ObjectType>, Cow<'static, ObjectType>)> {
    let from = writable(state, access, path.get("object_type")).await?;
    let to = readable(state, access, path.get("to_object_type")).await?;
    Ok((from, to))
}

pub(super) fn pair(
    from: &ObjectType,
    from_id: i64,
    to: &ObjectType,
    to_id: i64,
    labels: Vec<Value>,
) -> Value {
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
    let specs = super::limits::at_most(specs, "body", super::limits::MAX_ASSOCIATION_SPECS)?;
    let (from_id, to_id) = (
        object_id(path.get("object_id"), &from)?,
        object_id(path.get("to_object_id"), &to)?,
    );
    let mut associations = Vec::new();
    for (i, spec) in specs.iter().enumerate() {
        let (category, type_id) = parse_spec(spec, &format!("body[{i}]"))?;
        let (kind, reverse) = kinds(&from, &to, &category, type_id, &format!("body[{i}]"))?;
        associations.push(link(&from, from_id, &to, to_id, &kind, &reverse));
    }
    store_links(&state, &access, &from, &to, &associations).await?;
    Ok((
        StatusCode::CREATED,
        Json(pair(&from, from_id, &to, to_id, Vec::new())),
    )
        .into_response())
}

pub(super) fn default_result(from_id: i64, to_id: i64, kind: &AssociationKind) -> Value {
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
    let association = link(&from, from_id, &to, to_id, &kind, &reverse);
    store_links(&state, &access, &from, &to, &[association]).await?;
    Ok(Json(view::batch(
        vec![default_result(from_id, to_id, &kind)],
        Vec::new(),
        &started,
    )))
}

/// The `{toObjectId, associationTypes}` entries of `from`'s associations with `to`, and the
/// cursor of the next page.
pub(super) async fn targets(
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
