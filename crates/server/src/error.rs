//! The API's error type and HubSpot's error body.
//!
//! Every error the API answers with, including rejected JSON, unknown routes, wrong methods
//! and panics, leaves through [`ApiError`], so clients always get the same shape:
//! `{status, message, correlationId, category, errors[]}` with a JSON content type. Internal
//! errors are logged here, once, and answered with an opaque 500.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
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
    #[error(transparent)]
    Store(#[from] callhost_store::StoreError),
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

fn internal_parts() -> (StatusCode, &'static str, String, Vec<ErrorDetail>) {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "INTERNAL_ERROR",
        "An internal error occurred. The correlationId names it in the server's log.".into(),
        Vec::new(),
    )
}

pub type ApiResult<T> = Result<T, ApiError>;
