//! Saved searches of the list pages, kept by callhost so that they follow the user to any
//! browser: a name and the CRM search API's `query` text, per portal, user and object type.
//!
//! Routes (host origin, signed-in host user; always the user's own searches):
//! - `GET /host/api/saved-searches?objectTypeId=0-1` →
//!   `{"savedSearches":[{"id","name","query","objectTypeId","createdAt"}]}`, by name.
//! - `POST /host/api/saved-searches` `{"name","query","objectTypeId"}` → 201 with the saved
//!   search. 400 naming each bad field (a name empty or over [`NAME_LIMIT`] characters, a
//!   query over [`QUERY_LIMIT`], an object type the portal does not have); 409 when the user
//!   already has a search of that name for that type.
//! - `DELETE /host/api/saved-searches/{id}` → 204; 404 when the user has no such search.
//!
//! Security: the writes only accept requests whose `Origin` is the host's own, like every
//! write of the host API (`signin::require_same_origin_writes`, the layer on the host's
//! routes): a calling app on another port of the same host is same-site, so the cookie's
//! SameSite=Strict alone would let it post here with the user's cookie. Another user's search
//! is a 404, as if it did not exist.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use callhost_store::now;
use callhost_store::saved_searches::{NewSavedSearch, SavedSearch};
use serde_json::{json, Map, Value};

use crate::error::{ApiError, ApiResult, ErrorDetail, StoreRemap};
use crate::extract::{JsonObject, Segment};
use crate::fields::Fields;
use crate::host::signin::HostUser;
use crate::AppState;

/// The longest name, in characters.
pub const NAME_LIMIT: usize = 100;
/// The longest query, in characters.
pub const QUERY_LIMIT: usize = 1000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/host/api/saved-searches",
            get(list_saved_searches).post(create_saved_search),
        )
        .route("/host/api/saved-searches/{id}", delete(delete_saved_search))
}

fn saved_search_json(search: &SavedSearch) -> Value {
    json!({
        "id": search.id,
        "name": search.name,
        "query": search.query,
        "objectTypeId": search.object_type_id,
        "createdAt": crate::time::format(&search.created_at),
    })
}

/// The type id `raw` names in the portal (`0-1`, `contacts`, `2-17`, ...), or why not.
async fn object_type_id(state: &AppState, portal_id: i64, raw: &str) -> ApiResult<Option<String>> {
    match crate::crm::object_type(state, portal_id, raw).await {
        Ok(t) => Ok(Some(t.id)),
        Err(ApiError::Client { .. }) => Ok(None),
        Err(err) => Err(err),
    }
}

fn unknown_type(raw: &str) -> String {
    format!("objectTypeId {raw:?} is not an object type of this portal")
}

/// `GET /host/api/saved-searches?objectTypeId=..`.
async fn list_saved_searches(
    State(state): State<AppState>,
    user: HostUser,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    let raw = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "objectTypeId")
        .map(|(_, v)| v.into_owned());
    let Some(raw) = raw.filter(|r| !r.is_empty()) else {
        return Err(ApiError::validation(
            "Invalid saved searches request: objectTypeId is required.",
            vec![ErrorDetail::field(
                "objectTypeId",
                "REQUIRED",
                "objectTypeId is required",
            )],
        ));
    };
    let (portal_id, user_id) = (user.grant.portal_id, user.grant.user_id);
    let Some(type_id) = object_type_id(&state, portal_id, &raw).await? else {
        return Err(ApiError::validation(
            format!("Invalid saved searches request: {}.", unknown_type(&raw)),
            vec![ErrorDetail::field(
                "objectTypeId",
                "UNKNOWN_OBJECT_TYPE",
                unknown_type(&raw),
            )],
        ));
    };
    let searches = state
        .store
        .list_saved_searches(portal_id, user_id, &type_id)
        .await?;
    let searches: Vec<Value> = searches.iter().map(saved_search_json).collect();
    Ok(Json(json!({ "savedSearches": searches })))
}

/// A checked body of `POST /host/api/saved-searches`.
struct SaveRequest {
    name: String,
    query: String,
    object_type_id: String,
}

/// Checks every field at once, so one 400 names each problem.
async fn parse_save(
    state: &AppState,
    portal_id: i64,
    body: &Map<String, Value>,
) -> ApiResult<SaveRequest> {
    let mut fields = Fields::new(body);
    let name = fields.string("name");
    let name = fields.required("name", name).map(str::trim);
    let name = name.and_then(|n| {
        let checked = if n.is_empty() {
            Err("name must not be empty".to_owned())
        } else if n.chars().count() > NAME_LIMIT {
            Err(format!("name must be at most {NAME_LIMIT} characters"))
        } else {
            Ok(n.to_owned())
        };
        fields.check("name", "INVALID_NAME", checked)
    });
    let query = fields.string("query");
    let query = fields.required("query", query).and_then(|q| {
        let checked = if q.chars().count() > QUERY_LIMIT {
            Err(format!("query must be at most {QUERY_LIMIT} characters"))
        } else {
            Ok(q.to_owned())
        };
        fields.check("query", "TOO_LONG", checked)
    });
    let raw_type = fields.string("objectTypeId");
    let raw_type = fields.required("objectTypeId", raw_type);
    let type_id = match raw_type {
        Some(raw) => {
            let resolved = object_type_id(state, portal_id, raw).await?;
            fields.check(
                "objectTypeId",
                "UNKNOWN_OBJECT_TYPE",
                resolved.ok_or_else(|| unknown_type(raw)),
            )
        }
        None => None,
    };
    fields.finish("saved search")?;
    match (name, query, type_id) {
        (Some(name), Some(query), Some(object_type_id)) => Ok(SaveRequest {
            name,
            query,
            object_type_id,
        }),
        _ => Err(ApiError::internal()),
    }
}

/// `POST /host/api/saved-searches` `{name, query, objectTypeId}`: 201 with the saved search.
async fn create_saved_search(
    State(state): State<AppState>,
    user: HostUser,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let (portal_id, user_id) = (user.grant.portal_id, user.grant.user_id);
    let save = parse_save(&state, portal_id, &body).await?;
    let new = NewSavedSearch {
        portal_id,
        user_id,
        object_type_id: &save.object_type_id,
        name: &save.name,
        query: &save.query,
    };
    let saved = state
        .store
        .create_saved_search(&new, now())
        .await
        .on_duplicate(|_| {
            ApiError::conflict(format!(
                "You already have a saved search named {:?}.",
                save.name
            ))
        })?;
    Ok((StatusCode::CREATED, Json(saved_search_json(&saved))).into_response())
}

/// `DELETE /host/api/saved-searches/{id}`: 204, or 404 when the user has no such search.
async fn delete_saved_search(
    State(state): State<AppState>,
    user: HostUser,
    Segment(raw): Segment,
) -> ApiResult<StatusCode> {
    let id = match raw.parse::<i64>() {
        Ok(id) if id > 0 => id,
        _ => {
            return Err(ApiError::validation(
                format!("The saved search id must be a positive integer, got {raw:?}."),
                vec![ErrorDetail::field(
                    "id",
                    "INVALID_INTEGER",
                    "Must be a positive integer.",
                )],
            ))
        }
    };
    let (portal_id, user_id) = (user.grant.portal_id, user.grant.user_id);
    if state
        .store
        .delete_saved_search(portal_id, user_id, id)
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!(
            "You have no saved search {id}."
        )))
    }
}
