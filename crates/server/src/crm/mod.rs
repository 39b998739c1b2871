//! The CRM APIs: objects of every type (`/crm/v3/objects/{objectType}`, with batch and
//! search), v4 associations, owners and custom object schemas.
//!
//! Invariants:
//! - **A token reaches only its own portal.** Every store call passes the token's portal id;
//!   another portal's object answers 404 exactly as a missing one does.
//! - **Scopes follow the object type** ([`catalog::ObjectType::read_scope`]); calls use the
//!   contact scopes, as in HubSpot.
//! - **Bad input writes nothing**: bodies are checked whole before the store is called, and
//!   the store's writes are transactions.

pub mod associations;
pub mod batch;
pub mod body;
pub mod catalog;
pub mod create;
pub mod input;
pub mod limits;
pub mod objects;
pub mod openapi;
pub mod owners;
pub mod params;
pub mod schemas;
pub mod search;
pub mod view;

use std::borrow::Cow;
use std::collections::BTreeMap;

use axum::routing::{get, post};
use axum::Router;
use callhost_store::crm::{AssociationKind, CrmObject, ObjectRef};
use serde_json::{json, Value};

use self::catalog::ObjectType;
use crate::auth::PortalAccess;
use crate::error::{ApiError, ApiResult};
use crate::AppState;

/// The path prefixes of the object routes: v3 and date-versioned (`/crm/objects/2026-03`).
const OBJECT_PREFIXES: [&str; 2] = ["/crm/v3/objects", "/crm/objects/{version}"];

pub fn router() -> Router<AppState> {
    let objects = OBJECT_PREFIXES
        .iter()
        .fold(Router::new(), |router, prefix| {
            router
                .route(
                    &format!("{prefix}/{{object_type}}"),
                    get(objects::list_objects).post(objects::create_object),
                )
                .route(
                    &format!("{prefix}/{{object_type}}/{{object_id}}"),
                    get(objects::get_object)
                        .patch(objects::update_object)
                        .delete(objects::archive_object),
                )
                .route(
                    &format!("{prefix}/{{object_type}}/search"),
                    post(search::search_objects),
                )
                .route(
                    &format!("{prefix}/{{object_type}}/batch/create"),
                    post(batch::create_batch),
                )
                .route(
                    &format!("{prefix}/{{object_type}}/batch/read"),
                    post(batch::read_batch),
                )
                .route(
                    &format!("{prefix}/{{object_type}}/batch/update"),
                    post(batch::update_batch),
                )
                .route(
                    &format!("{prefix}/{{object_type}}/batch/upsert"),
                    post(batch::upsert_batch),
                )
                .route(
                    &format!("{prefix}/{{object_type}}/batch/archive"),
                    post(batch::archive_batch),
                )
        });
    objects
        .merge(associations::router())
        .merge(schemas::router())
        .route("/crm/v3/owners", get(owners::list_owners))
        .route("/crm/v3/owners/{owner_id}", get(owners::get_owner))
}

/// The object type a path segment names, built-in or custom; 400 when there is none.
pub async fn object_type(state: &AppState, portal_id: i64, raw: &str) -> ApiResult<ObjectType> {
    named_type(state, portal_id, raw).await.map(Cow::into_owned)
}

/// [`object_type`], borrowing a built-in type instead of copying its properties (each
/// request's handler looks its type up: bench/README.md, "REST throughput").
async fn named_type(
    state: &AppState,
    portal_id: i64,
    raw: &str,
) -> ApiResult<Cow<'static, ObjectType>> {
    if let Some(builtin) = catalog::builtin(raw) {
        return Ok(Cow::Borrowed(builtin));
    }
    if let Some(custom) = schemas::object_type(state, portal_id, raw).await? {
        return Ok(Cow::Owned(custom));
    }
    Err(ApiError::validation(
        format!("Unable to infer object type from: {raw}"),
        vec![crate::error::ErrorDetail::field(
            "objectType",
            "UNKNOWN_OBJECT_TYPE",
            format!("{raw} is not an object type of this portal"),
        )],
    ))
}

/// Checks that the token has `scope`, itself or through a legacy scope ([`crate::scopes`]).
pub fn require(access: &PortalAccess, scope: &str) -> ApiResult<()> {
    crate::scopes::require(&access.0, &[scope])
}

/// The type, checked for read access.
pub async fn readable(
    state: &AppState,
    access: &PortalAccess,
    raw: &str,
) -> ApiResult<Cow<'static, ObjectType>> {
    let object_type = named_type(state, access.0.portal_id, raw).await?;
    require(access, object_type.read_scope)?;
    Ok(object_type)
}

/// The type, checked for write access.
pub async fn writable(
    state: &AppState,
    access: &PortalAccess,
    raw: &str,
) -> ApiResult<Cow<'static, ObjectType>> {
    let object_type = named_type(state, access.0.portal_id, raw).await?;
    require(access, object_type.write_scope)?;
    Ok(object_type)
}

/// The 404 of an object that does not exist (or is another portal's).
pub fn object_not_found(object_type: &ObjectType, id: &str) -> ApiError {
    ApiError::not_found(format!(
        "Object not found. objectId are usually numeric. {} {id} does not exist.",
        object_type.label()
    ))
}

/// The store's `Missing` as a 400 naming the objects, for a write whose associations referred
/// to them (see [`StoreRemap`](crate::error::StoreRemap)).
pub fn missing_as_invalid(refs: Vec<ObjectRef>) -> ApiError {
    let names: Vec<String> = refs
        .iter()
        .map(|r| format!("{} {}", r.object_type_id, r.id))
        .collect();
    ApiError::validation(
        format!(
            "One or more associated objects do not exist: {}.",
            names.join(", ")
        ),
        vec![crate::error::ErrorDetail::field(
            "associations",
            "OBJECT_NOT_FOUND",
            format!("No such object: {}", names.join(", ")),
        )],
    )
}

/// The `type` HubSpot prints for an association (`call_to_contact`).
pub fn association_label(from: &str, to: &ObjectType, kind: &AssociationKind) -> String {
    let from = catalog::builtin(from).map_or(from.to_owned(), |t| t.singular.clone());
    if kind.category == "HUBSPOT_DEFINED" {
        format!("{from}_to_{}", to.singular)
    } else {
        format!("{from}_to_{}_{}", to.singular, kind.type_id)
    }
}

/// For each object, its associations with each of `names` (types), as `{id, type}` lists.
pub async fn associations_of(
    state: &AppState,
    portal_id: i64,
    objects: &[CrmObject],
    names: &[String],
) -> ApiResult<BTreeMap<i64, BTreeMap<String, Vec<Value>>>> {
    let mut out: BTreeMap<i64, BTreeMap<String, Vec<Value>>> = BTreeMap::new();
    let mut listed = std::collections::HashSet::new();
    for name in names {
        let to = object_type(state, portal_id, name).await?;
        // `contacts`, `contact` and `0-1` name one type: list it once.
        if !listed.insert(to.id.clone()) {
            continue;
        }
        for object in objects {
            let from = ObjectRef::new(&object.object_type_id, object.id);
            let found = state
                .store
                .list_associations(portal_id, &from, &to.id, None, 500)
                .await?;
            let results = found
                .iter()
                .map(|a| {
                    json!({"id": a.to.id.to_string(),
                        "type": association_label(&object.object_type_id, &to, &a.kind)})
                })
                .collect();
            out.entry(object.id)
                .or_default()
                .insert(to.name.clone(), results);
        }
    }
    Ok(out)
}
