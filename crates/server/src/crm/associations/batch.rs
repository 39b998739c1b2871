//! v4 association batches: `/crm/v4/associations/{from}/{to}/batch/*` (create, create the
//! default, read, archive, archive given types), at most 100 inputs. A pair with a missing end
//! is reported in a 207 and not written; the other pairs are.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use callhost_store::crm::{NewAssociation, ObjectRef};
use callhost_store::now;
use serde_json::{json, Map, Value};

use super::super::batch::{id_field, inputs};
use super::super::catalog::ObjectType;
use super::super::params::PathParams;
use super::super::{readable, view};
use super::{
    both_types, default_kinds, default_result, invalid, kinds, missing_as_not_found, pair,
    parse_spec, targets,
};
use crate::auth::PortalAccess;
use crate::error::{ApiResult, StoreRemap};
use crate::time;
use crate::AppState;

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
            kinds_of
                .iter()
                .map(|(kind, reverse)| link(&from, *f, &to, *t, kind, reverse))
        })
        .collect();
    store_links(&state, &access, &from, &to, &associations).await?;
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
        .map(|(f, t)| link(&from, *f, &to, *t, &kind, &reverse))
        .collect();
    store_links(&state, &access, &from, &to, &associations).await?;
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

/// Removes the given types of association between pairs of objects, other types staying: 204.
pub async fn archive_labels_batch(
    State(state): State<AppState>,
    access: PortalAccess,
    path: PathParams,
    crate::extract::JsonObject(body): crate::extract::JsonObject,
) -> ApiResult<StatusCode> {
    let (from, to) = both_types(&state, &access, &path).await?;
    let mut associations = Vec::new();
    for (i, item) in inputs(&body)?.iter().enumerate() {
        let at = format!("inputs[{i}]");
        let (from_id, to_id) = ends(item, &at)?;
        let types = item
            .get("types")
            .and_then(Value::as_array)
            .ok_or_else(|| invalid(&at, "REQUIRED", format!("{at}.types must be a list")))?;
        for spec in types {
            let (category, type_id) = parse_spec(spec, &at)?;
            let (kind, reverse) = kinds(&from, &to, &category, type_id, &at)?;
            associations.push(NewAssociation {
                from: ObjectRef::new(&from.id, from_id),
                to: ObjectRef::new(&to.id, to_id),
                kind,
                reverse,
            });
        }
    }
    state
        .store
        .remove_association_kinds(access.0.portal_id, &associations)
        .await?;
    Ok(StatusCode::NO_CONTENT)
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

/// The association from `from`'s object `f` to `to`'s object `t` of one kind.
fn link(
    from: &ObjectType,
    f: i64,
    to: &ObjectType,
    t: i64,
    kind: &callhost_store::crm::AssociationKind,
    reverse: &callhost_store::crm::AssociationKind,
) -> NewAssociation {
    NewAssociation {
        from: ObjectRef::new(&from.id, f),
        to: ObjectRef::new(&to.id, t),
        kind: kind.clone(),
        reverse: reverse.clone(),
    }
}

/// Stores `links` in one transaction; a missing end is a 404 naming it.
async fn store_links(
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
