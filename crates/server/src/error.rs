//! The API's error type and HubSpot's error body.
//!
//! Every error the API answers with, including rejected JSON, unknown routes, wrong methods
//! and panics, leaves through [`ApiError`], so clients always get the same shape:
//! `{status, message, correlationId, category, errors[]}` with a JSON content type. Internal
//! errors are logged here, once, and answered with an opaque 500.
//!
//! The store's errors answer by default: a duplicate is a 409 with the store's message,
//! missing objects a 404 naming them, anything else (an invariant that failed, the database)
//! an internal error. A handler that means something else by them (a missing association
//! target is the request's 400) says so with [`StoreRemap`], and nowhere else.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use callhost_store::crm::ObjectRef;
use callhost_store::StoreError;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// One problem with one part of a request (a field, a parameter, the body).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// What is wrong, in a sentence.
    pub message: String,
    /// Where: a field or parameter name.
    #[serde(rename = "in", skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// A stable machine-readable code, such as `REQUIRED` or `INVALID_TYPE`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub context: Option<Map<String, Value>>,
}

impl ErrorDetail {
    pub fn field(location: &str, code: &str, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            location: Some(location.to_owned()),
            code: Some(code.to_owned()),
            context: None,
        }
    }
}

/// HubSpot's error body.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// Always `"error"`.
    pub status: &'static str,
    pub message: String,
    /// A UUID naming this failure in callhost's logs.
    pub correlation_id: String,
    /// `VALIDATION_ERROR`, `INVALID_AUTHENTICATION`, `MISSING_SCOPES`, `OBJECT_NOT_FOUND`, ...
    pub category: &'static str,
    pub errors: Vec<ErrorDetail>,
}

/// An error the API answers with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    Client {
        status: StatusCode,
        category: &'static str,
        message: String,
        errors: Vec<ErrorDetail>,
    },
    /// A store error: `Duplicate` and `Missing` answer as the request's fault (see the
    /// module's comment), the rest as internal.
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    fn client(status: StatusCode, category: &'static str, message: impl Into<String>) -> Self {
        Self::Client {
            status,
            category,
            message: message.into(),
            errors: Vec::new(),
        }
    }

    /// 502: a webhook or server callhost asked on the request's behalf failed (`category`
    /// names which); `code` is the failure's code, `message` readable for the user.
    pub fn bad_gateway(category: &'static str, code: &str, message: String) -> Self {
        Self::Client {
            status: StatusCode::BAD_GATEWAY,
            category,
            errors: vec![ErrorDetail {
                message: message.clone(),
                location: None,
                code: Some(code.to_owned()),
                context: None,
            }],
            message,
        }
    }

    /// 400: the request is malformed or a value is invalid, with one detail per problem.
    pub fn validation(message: impl Into<String>, errors: Vec<ErrorDetail>) -> Self {
        Self::Client {
            status: StatusCode::BAD_REQUEST,
            category: "VALIDATION_ERROR",
            message: message.into(),
            errors,
        }
    }

    /// 401: no credentials, or credentials that are not valid.
    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::client(StatusCode::UNAUTHORIZED, "INVALID_AUTHENTICATION", message)
    }

    /// 401: an access token that was valid and has expired, as HubSpot says it.
    pub fn expired(seconds_ago: i64) -> Self {
        Self::client(
            StatusCode::UNAUTHORIZED,
            "EXPIRED_AUTHENTICATION",
            format!("The OAuth token used to make this call expired {seconds_ago} second(s) ago."),
        )
    }

    /// 403: valid credentials without one of the scopes the call needs.
    pub fn missing_scopes(required: &[&str]) -> Self {
        let mut context = Map::new();
        context.insert("requiredGranularScopes".into(), serde_json::json!(required));
        Self::Client {
            status: StatusCode::FORBIDDEN,
            category: "MISSING_SCOPES",
            message: "This app hasn't been granted all required scopes to make this call.".into(),
            errors: vec![ErrorDetail {
                message: "One or more of the following scopes are required.".into(),
                location: None,
                code: None,
                context: Some(context),
            }],
        }
    }

    /// 403: the caller may not touch this resource at all.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::client(StatusCode::FORBIDDEN, "FORBIDDEN", message)
    }

    /// 421: the request's Host is not a name callhost is served as (`served_host`).
    pub fn misdirected(message: impl Into<String>) -> Self {
        Self::client(
            StatusCode::MISDIRECTED_REQUEST,
            "MISDIRECTED_REQUEST",
            message,
        )
    }

    /// 404: no such resource (or one the caller may not see, which looks the same).
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::client(StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND", message)
    }

    /// 409: the write would duplicate something that must be unique.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::client(StatusCode::CONFLICT, "CONFLICT", message)
    }

    /// 405: the path exists, the method does not.
    pub fn method_not_allowed() -> Self {
        Self::client(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "This method is not supported on this path.",
        )
    }

    /// 413: the body is larger than the API accepts.
    pub fn payload_too_large(limit: usize) -> Self {
        Self::client(
            StatusCode::PAYLOAD_TOO_LARGE,
            "VALIDATION_ERROR",
            format!("The request body is larger than the limit of {limit} bytes."),
        )
    }

    /// 416: a `Range` outside a recording (the demo backend's own, or the media server's
    /// answer passed on by the host).
    pub fn range_not_satisfiable(message: String) -> Self {
        Self::Client {
            status: StatusCode::RANGE_NOT_SATISFIABLE,
            category: "VALIDATION_ERROR",
            message,
            errors: vec![ErrorDetail::field(
                "Range",
                "RANGE_NOT_SATISFIABLE",
                "The requested range is outside the recording.",
            )],
        }
    }

    /// 503: this instance cannot serve now (a readiness probe: the database is unreachable,
    /// or the server is shutting down); the load balancer should send requests elsewhere.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::client(
            StatusCode::SERVICE_UNAVAILABLE,
            "SERVICE_UNAVAILABLE",
            message,
        )
    }

    /// 500 without detail, for a failure that is ours, not the caller's.
    pub fn internal() -> Self {
        Self::Internal(anyhow::anyhow!("internal error"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let correlation_id = uuid::Uuid::new_v4().to_string();
        let (status, category, message, errors) = match self {
            ApiError::Client {
                status,
                category,
                message,
                errors,
            } => (status, category, message, errors),
            ApiError::Store(StoreError::Duplicate(message)) => {
                (StatusCode::CONFLICT, "CONFLICT", message, Vec::new())
            }
            ApiError::Store(StoreError::Missing(refs)) => missing_parts(&refs),
            // HubSpot answers 502/504 when its processing limits are met.
            ApiError::Store(StoreError::Timeout) => {
                tracing::warn!(correlation.id = %correlation_id, "statement timeout");
                (
                    StatusCode::GATEWAY_TIMEOUT,
                    "TIMEOUT",
                    "The request took longer than callhost allows a database statement to \
                     run; it was stopped and nothing it was writing was kept."
                        .to_owned(),
                    Vec::new(),
                )
            }
            ApiError::Store(err) => {
                tracing::error!(error = %err, correlation.id = %correlation_id, "store failure");
                internal_parts()
            }
            ApiError::Internal(err) => {
                tracing::error!(error = %err, correlation.id = %correlation_id, "internal failure");
                internal_parts()
            }
        };
        let body = ErrorBody {
            status: "error",
            message,
            correlation_id,
            category,
            errors,
        };
        let mut response = (status, Json(&body)).into_response();
        if let Ok(value) = HeaderValue::from_str(&body.correlation_id) {
            response
                .headers_mut()
                .insert("x-hubspot-correlation-id", value);
        }
        response
    }
}

/// The 404 of objects a request named that do not exist (or are archived, or another
/// portal's, which looks the same).
fn missing_parts(refs: &[ObjectRef]) -> (StatusCode, &'static str, String, Vec<ErrorDetail>) {
    let names: Vec<String> = refs
        .iter()
        .map(|r| format!("{} {}", r.object_type_id, r.id))
        .collect();
    let errors = refs
        .iter()
        .zip(&names)
        .map(|(r, name)| {
            let mut context = Map::new();
            context.insert("objectTypeId".into(), r.object_type_id.clone().into());
            context.insert("id".into(), r.id.to_string().into());
            ErrorDetail {
                message: format!("No object {name}"),
                location: None,
                code: Some("OBJECT_NOT_FOUND".into()),
                context: Some(context),
            }
        })
        .collect();
    (
        StatusCode::NOT_FOUND,
        "OBJECT_NOT_FOUND",
        format!("Object not found: {} does not exist.", names.join(", ")),
        errors,
    )
}

fn internal_parts() -> (StatusCode, &'static str, String, Vec<ErrorDetail>) {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "INTERNAL_ERROR",
        "An internal error occurred. The correlationId names it in the server's log.".into(),
        Vec::new(),
    )
}

pub type ApiResult<T> = Result<T, ApiError>;

/// The one way a handler answers a store error otherwise than by default: its own message or
/// status for `Missing` or `Duplicate`. Works on store results and on API results (so the two
/// chain); every other error passes through.
pub trait StoreRemap<T> {
    /// `Missing` answered as `answer(the missing objects)`.
    fn on_missing(self, answer: impl FnOnce(Vec<ObjectRef>) -> ApiError) -> ApiResult<T>;
    /// `Duplicate` answered as `answer(the store's message)`.
    fn on_duplicate(self, answer: impl FnOnce(String) -> ApiError) -> ApiResult<T>;
}

impl<T, E: Into<ApiError>> StoreRemap<T> for Result<T, E> {
    fn on_missing(self, answer: impl FnOnce(Vec<ObjectRef>) -> ApiError) -> ApiResult<T> {
        self.map_err(|err| match err.into() {
            ApiError::Store(StoreError::Missing(refs)) => answer(refs),
            other => other,
        })
    }

    fn on_duplicate(self, answer: impl FnOnce(String) -> ApiError) -> ApiResult<T> {
        self.map_err(|err| match err.into() {
            ApiError::Store(StoreError::Duplicate(message)) => answer(message),
            other => other,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn answer(err: ApiError) -> (StatusCode, Value) {
        let response = err.into_response();
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, serde_json::from_slice(&body).unwrap())
    }

    #[tokio::test]
    async fn store_errors_answer_by_fault_without_a_remap() {
        let (status, body) =
            answer(StoreError::Duplicate("A schema named x already exists.".into()).into()).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(body["category"], "CONFLICT");
        assert_eq!(body["message"], "A schema named x already exists.");

        let missing =
            StoreError::Missing(vec![ObjectRef::new("0-1", 7), ObjectRef::new("0-48", 9)]);
        let (status, body) = answer(missing.into()).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body["category"], "OBJECT_NOT_FOUND");
        assert_eq!(
            body["message"],
            "Object not found: 0-1 7, 0-48 9 does not exist."
        );
        assert_eq!(body["errors"][1]["context"]["id"], "9");

        let (status, body) =
            answer(StoreError::Invariant("inbox 3 is not portal 4's".into()).into()).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body["category"], "INTERNAL_ERROR");
        assert!(!body.to_string().contains("inbox 3"), "{body}");

        let (status, body) = answer(StoreError::Timeout.into()).await;
        assert_eq!(status, StatusCode::GATEWAY_TIMEOUT);
        assert_eq!(body["category"], "TIMEOUT");
    }

    #[tokio::test]
    async fn a_remap_answers_only_its_own_case() {
        let duplicate: Result<(), StoreError> = Err(StoreError::Duplicate("taken".into()));
        let remapped = duplicate
            .on_missing(|_| ApiError::validation("missing", Vec::new()))
            .on_duplicate(|m| ApiError::validation(format!("{m}!"), Vec::new()));
        let (status, body) = answer(remapped.unwrap_err()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["message"], "taken!");

        let missing: Result<(), StoreError> =
            Err(StoreError::Missing(vec![ObjectRef::new("0-1", 1)]));
        let (status, _) = answer(missing.on_duplicate(ApiError::conflict).unwrap_err()).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}
