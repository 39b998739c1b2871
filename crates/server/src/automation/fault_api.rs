//! `POST`, `GET /callhost/v1/faults` and `DELETE /callhost/v1/faults/{id}`: a caller's fault
//! rules (docs/automation.md#faults). The rules themselves and what they fit are
//! [`super::faults`]'s; where they are kept, [`super::fault_rules`]'s.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use callhost_protocol::catalog::catalog;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::faults::{FaultEffect, FaultMatch, FaultRule, MAX_DELAY_MS, MAX_RULES};
use super::gate::{developer_of, Caller, Owner};
use crate::error::{ApiError, ApiResult, ErrorDetail};
use crate::extract::{JsonObject, Segment};
use crate::AppState;

/// The statuses an `http` rule may answer with.
const HTTP_STATUSES: &[u16] = &[429, 500, 502, 503];
const POLICIES: &[&str] = &["TEN_SECONDLY_ROLLING", "SECONDLY", "DAILY"];
const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];

/// A new rule.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewFault {
    #[serde(rename = "match", default)]
    pub matcher: FaultMatch,
    pub effect: FaultEffect,
    /// How many times the rule fires; absent: until it is deleted.
    #[serde(default)]
    pub times: Option<u32>,
}

/// `{"results": [...]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct FaultList {
    pub results: Vec<FaultRule>,
}

/// Adds a fault rule for the caller's sessions (or REST requests).
#[utoipa::path(
    post,
    path = "/callhost/v1/faults",
    tag = "Automation",
    request_body = NewFault,
    responses(
        (status = 201, description = "The rule, with its id", body = FaultRule),
        (status = 400, description = "Not a valid rule", body = crate::error::ErrorBody),
    ),
    security(("developer_hapikey" = []), ("oauth2" = []))
)]
pub async fn create_fault(
    State(state): State<AppState>,
    caller: Caller,
    JsonObject(body): JsonObject,
) -> ApiResult<(StatusCode, Json<FaultRule>)> {
    let new: NewFault = serde_json::from_value(Value::Object(body)).map_err(|err| {
        ApiError::validation(
            format!("Invalid fault rule: {err}"),
            vec![ErrorDetail::field("body", "INVALID_FAULT", err.to_string())],
        )
    })?;
    check(&state, &caller, &new).await?;
    let rule = FaultRule {
        id: format!("f-{}", &callhost_store::secret::generate("")[..16]),
        matcher: new.matcher,
        effect: new.effect,
        times: new.times,
        fired: 0,
        created_at: crate::time::format(&callhost_store::now()),
        owner: None,
    };
    let rule = state.faults.add(caller.owner, rule).await?.ok_or_else(|| {
        ApiError::validation(
            format!("At most {MAX_RULES} fault rules that are not spent; delete some first."),
            vec![],
        )
    })?;
    Ok((StatusCode::CREATED, Json(rule)))
}

/// The caller's rules, spent ones included (with how often each fired).
#[utoipa::path(
    get,
    path = "/callhost/v1/faults",
    tag = "Automation",
    responses((status = 200, description = "The caller's rules", body = FaultList)),
    security(("developer_hapikey" = []), ("oauth2" = []))
)]
pub async fn list_faults(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<FaultList>> {
    Ok(Json(FaultList {
        results: state.faults.list(caller.owner).await?,
    }))
}

/// Removes one of the caller's rules.
#[utoipa::path(
    delete,
    path = "/callhost/v1/faults/{id}",
    tag = "Automation",
    params(("id" = String, Path, description = "The rule's id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No such rule (or not yours)", body = crate::error::ErrorBody),
    ),
    security(("developer_hapikey" = []), ("oauth2" = []))
)]
pub async fn delete_fault(
    State(state): State<AppState>,
    caller: Caller,
    Segment(id): Segment,
) -> ApiResult<StatusCode> {
    if state.faults.remove(caller.owner, &id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!("No fault rule {id}.")))
    }
}

fn invalid(field: &str, message: String) -> ApiError {
    ApiError::validation(
        message.clone(),
        vec![ErrorDetail::field(field, "INVALID_FAULT", message)],
    )
}

/// The checks serde cannot make: what each kind needs, known message types, limits, and an
/// app the caller may set faults for.
async fn check(state: &AppState, caller: &Caller, new: &NewFault) -> ApiResult<()> {
    let m = &new.matcher;
    let rest = matches!(new.effect, FaultEffect::Http { .. });
    if rest {
        let path = m.path.as_deref().unwrap_or("");
        if !path.starts_with('/') {
            return Err(invalid("match.path", "An http rule needs match.path, a path pattern starting with / (* matches anything).".into()));
        }
        if m.message_type.is_some() || m.session_id.is_some() || m.app_id.is_some() {
            return Err(invalid(
                "match",
                "An http rule matches REST requests by path and method only.".into(),
            ));
        }
    } else if m.path.is_some() || m.method.is_some() {
        return Err(invalid(
            "match",
            "match.path and match.method are for http rules only.".into(),
        ));
    }
    if let Some(method) = &m.method {
        if !METHODS.contains(&method.to_ascii_uppercase().as_str()) {
            return Err(invalid(
                "match.method",
                format!("{method} is not one of {}.", METHODS.join(", ")),
            ));
        }
    }
    if let Some(t) = &m.message_type {
        if !catalog().is_message_type(t) {
            return Err(invalid(
                "match.messageType",
                format!("{t} is not a message type of the SDK."),
            ));
        }
    }
    match &new.effect {
        FaultEffect::Delay { ms } if *ms > MAX_DELAY_MS => {
            return Err(invalid(
                "effect.ms",
                format!("A delay is at most {MAX_DELAY_MS} ms."),
            ));
        }
        FaultEffect::Http {
            status,
            policy_name,
        } => {
            if !HTTP_STATUSES.contains(status) {
                return Err(invalid(
                    "effect.status",
                    format!("status must be one of {HTTP_STATUSES:?}."),
                ));
            }
            if let Some(p) = policy_name {
                if *status != 429 || !POLICIES.contains(&p.as_str()) {
                    return Err(invalid(
                        "effect.policyName",
                        format!(
                            "policyName is for 429 only, one of {}.",
                            POLICIES.join(", ")
                        ),
                    ));
                }
            }
        }
        _ => {}
    }
    if new.times == Some(0) {
        return Err(invalid(
            "times",
            "times is at least 1 (leave it out for no limit).".into(),
        ));
    }
    if let (Some(app_id), Owner::Developer(account)) = (m.app_id, caller.owner) {
        if developer_of(state, app_id).await? != Some(account) {
            return Err(ApiError::not_found(format!(
                "No app {app_id} of this developer account."
            )));
        }
    }
    Ok(())
}
