//! Owners: `/crm/v3/owners`. Every user of the portal is an owner, with an owner id of its
//! own (the value of `hubspot_owner_id`), as in HubSpot.

use axum::extract::State;
use axum::Json;
use callhost_store::User;
use serde_json::{json, Value};

use super::params::{PathParams, QueryParams};
use super::require;
use crate::auth::PortalAccess;
use crate::error::{ApiError, ApiResult};
use crate::time;
use crate::AppState;

const SCOPE: &str = "crm.objects.owners.read";

fn owner(user: &User) -> Value {
    json!({
        "id": user.owner_id.to_string(),
        "email": user.email,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "userId": user.id,
        "createdAt": time::format(&user.created_at),
        "updatedAt": time::format(&user.created_at),
        "archived": false,
        "teams": [],
    })
}

/// Lists the portal's owners, optionally only the one with `email`, in owner id order.
pub async fn list_owners(
    State(state): State<AppState>,
    access: PortalAccess,
    query: QueryParams,
) -> ApiResult<Json<Value>> {
    require(&access, SCOPE)?;
    let limit = query.limit("limit", 100, 500)? as usize;
    let after = query.after()?.unwrap_or(0);
    let mut users = state.store.list_users(access.0.portal_id).await?;
    users.sort_by_key(|u| u.owner_id);
    if query.boolean("archived", false)? {
        users.clear();
    }
    let email = query.one("email");
    let matching: Vec<&User> = users
        .iter()
        .filter(|u| u.owner_id > after && email.is_none_or(|e| u.email.eq_ignore_ascii_case(e)))
        .collect();
    let page: Vec<Value> = matching.iter().take(limit).map(|u| owner(u)).collect();
    let mut out = json!({"results": page});
    if matching.len() > limit {
        out["paging"] = json!({"next": {"after": matching[limit - 1].owner_id.to_string()}});
    }
    Ok(Json(out))
}

/// Reads one owner by owner id, or by user id with `idProperty=userId`.
pub async fn get_owner(
    State(state): State<AppState>,
    access: PortalAccess,
    path: PathParams,
    query: QueryParams,
) -> ApiResult<Json<Value>> {
    require(&access, SCOPE)?;
    let raw = path.get("owner_id");
    let by_user = query.one("idProperty") == Some("userId");
    let id: i64 = raw.parse().unwrap_or(-1);
    let users = state.store.list_users(access.0.portal_id).await?;
    users
        .iter()
        .find(|u| {
            if by_user {
                u.id == id
            } else {
                u.owner_id == id
            }
        })
        .map(|u| Json(owner(u)))
        .ok_or_else(|| ApiError::not_found(format!("No owner with id {raw}.")))
}
