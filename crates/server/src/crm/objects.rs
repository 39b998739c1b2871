//! The basic object API: `/crm/v3/objects/{objectType}` list and create, and
//! `/{objectId}` read, update and archive, for every object type.
//!
//! `idProperty` lets a read or update name the object by a unique property (a contact's
//! `email`) instead of its id. Create answers 201 with a `Location` header, archive 204.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use callhost_store::crm::{CrmObject, ObjectUpdate};
use callhost_store::now;
use serde_json::{json, Value};

use super::catalog::ObjectType;
use super::create;
use super::limits::{MAX_ASSOCIATION_TYPES, MAX_PROPERTY_NAMES};
use super::params::{PathParams, QueryParams};
use super::view::{self, Extras, Selection};
use super::{input, object_not_found, readable, writable};
use crate::auth::PortalAccess;
use crate::error::{ApiError, ApiResult, StoreRemap};
use crate::extract::JsonObject;
use crate::AppState;

/// The source type recorded in property history for writes through the API.
pub const API_SOURCE: &str = "INTEGRATION";

/// Finds the object a path names, by id or by `id_property`; `None` when there is none.
pub async fn find_object(
    state: &AppState,
    portal_id: i64,
    object_type: &ObjectType,
    raw_id: &str,
    id_property: Option<&str>,
    archived: bool,
) -> ApiResult<Option<CrmObject>> {
    match id_property.filter(|p| *p != "hs_object_id") {
        Some(property) => {
            if !object_type.property(property).is_some_and(|p| p.unique) {
                return Err(ApiError::validation(
                    format!(
                        "{property} is not a unique property of {}.",
                        object_type.name
                    ),
                    vec![crate::error::ErrorDetail::field(
                        "idProperty",
                        "INVALID_ID_PROPERTY",
                        format!("{property} cannot identify objects"),
                    )],
                ));
            }
            let found = state
                .store
                .find_objects_by_property(
                    portal_id,
                    &object_type.id,
                    property,
                    &[raw_id.to_owned()],
                    archived,
                )
                .await?;
            Ok(found.into_iter().next())
        }
        None => {
            let Ok(id) = raw_id.parse::<i64>() else {
                return Ok(None);
            };
            let found = state
                .store
                .get_objects(portal_id, &object_type.id, &[id], archived)
                .await?;
            Ok(found.into_iter().next())
        }
    }
}

/// What a read asks to see besides properties.
pub async fn read_extras(
    state: &AppState,
    portal_id: i64,
    objects: &[CrmObject],
    with_history: &[String],
    associations: &[String],
) -> ApiResult<Extras> {
    let ids: Vec<i64> = objects.iter().map(|o| o.id).collect();
    let history = if with_history.is_empty() {
        BTreeMap::new()
    } else {
        state
            .store
            .property_history(portal_id, &ids, with_history)
            .await?
    };
    Ok(Extras {
        history,
        associations: super::associations_of(state, portal_id, objects, associations).await?,
        with_history: !with_history.is_empty(),
    })
}

/// The extras a read's query asks for (`propertiesWithHistory`, `associations`).
async fn query_extras(
    state: &AppState,
    portal_id: i64,
    objects: &[CrmObject],
    query: &QueryParams,
) -> ApiResult<Extras> {
    read_extras(
        state,
        portal_id,
        objects,
        &query.names("propertiesWithHistory", MAX_PROPERTY_NAMES)?,
        &query.names("associations", MAX_ASSOCIATION_TYPES)?,
    )
    .await
}

/// Lists objects of a type in id order, `limit` (at most 100) at a time.
pub async fn list_objects(
    State(state): State<AppState>,
    access: PortalAccess,
    path: PathParams,
    query: QueryParams,
) -> ApiResult<Json<Value>> {
    let object_type = readable(&state, &access, path.get("object_type")).await?;
    let limit = query.limit("limit", 10, 100)?;
    let archived = query.boolean("archived", false)?;
    let portal_id = access.0.portal_id;
    let mut objects = state
        .store
        .list_objects(
            portal_id,
            &object_type.id,
            archived,
            query.after()?,
            limit + 1,
        )
        .await?;
    let more = objects.len() > limit as usize;
    objects.truncate(limit as usize);
    let names = query.names("properties", MAX_PROPERTY_NAMES)?;
    let selection = Selection::requested(&object_type, &names);
    let extras = query_extras(&state, portal_id, &objects, &query).await?;
    let results: Vec<Value> = objects
        .iter()
        .map(|o| view::object(o, &selection, &extras))
        .collect();
    let mut body = json!({ "results": results });
    if let (true, Some(last)) = (more, objects.last()) {
        let after = last.id.to_string();
        body["paging"] = json!({"next": {"after": after,
            "link": format!("?after={after}")}});
    }
    Ok(Json(body))
}

/// Creates one object, with inline associations: 201 and a `Location` header.
pub async fn create_object(
    State(state): State<AppState>,
    access: PortalAccess,
    path: PathParams,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let object_type = writable(&state, &access, path.get("object_type")).await?;
    let new = create::parse(&object_type, &body)?;
    let created = create::create_checked(&state, access.0.portal_id, &object_type, vec![new])
        .await?
        .remove(0);
    let location = format!("/crm/v3/objects/{}/{}", object_type.name, created.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(view::ObjectView::written(&created)),
    )
        .into_response())
}

/// Reads one object by id or `idProperty`.
pub async fn get_object(
    State(state): State<AppState>,
    access: PortalAccess,
    path: PathParams,
    query: QueryParams,
) -> ApiResult<Response> {
    let object_type = readable(&state, &access, path.get("object_type")).await?;
    let raw_id = path.get("object_id");
    let archived = query.boolean("archived", false)?;
    let object = find_object(
        &state,
        access.0.portal_id,
        &object_type,
        raw_id,
        query.one("idProperty"),
        archived,
    )
    .await?
    .ok_or_else(|| object_not_found(&object_type, raw_id))?;
    let objects = [object];
    let extras = query_extras(&state, access.0.portal_id, &objects, &query).await?;
    let names = query.names("properties", MAX_PROPERTY_NAMES)?;
    let selection = Selection::requested(&object_type, &names);
    Ok(Json(view::ObjectView {
        object: &objects[0],
        selection: &selection,
        extras: &extras,
    })
    .into_response())
}

/// Changes some properties of one object; an empty string clears a property.
pub async fn update_object(
    State(state): State<AppState>,
    access: PortalAccess,
    path: PathParams,
    query: QueryParams,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let object_type = writable(&state, &access, path.get("object_type")).await?;
    let properties = input::properties(&object_type, body.get("properties"), input::Write::Update)
        .map_err(input::invalid_properties)?;
    let raw_id = path.get("object_id");
    let portal_id = access.0.portal_id;
    let object = find_object(
        &state,
        portal_id,
        &object_type,
        raw_id,
        query.one("idProperty"),
        false,
    )
    .await?
    .ok_or_else(|| object_not_found(&object_type, raw_id))?;
    let update = ObjectUpdate {
        id: object.id,
        properties,
    };
    let updated = state
        .store
        .update_objects(portal_id, &object_type.id, &[update], API_SOURCE, now())
        .await
        .on_missing(|_| object_not_found(&object_type, raw_id))?;
    Ok(Json(view::ObjectView::written(&updated[0])).into_response())
}

/// Archives one object: 204, also when it was already archived or never existed.
pub async fn archive_object(
    State(state): State<AppState>,
    access: PortalAccess,
    path: PathParams,
) -> ApiResult<StatusCode> {
    let object_type = writable(&state, &access, path.get("object_type")).await?;
    if let Ok(id) = path.get("object_id").parse::<i64>() {
        state
            .store
            .archive_objects(access.0.portal_id, &object_type.id, &[id], now())
            .await?;
    }
    Ok(StatusCode::NO_CONTENT)
}
