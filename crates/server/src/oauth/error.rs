//! The token endpoints' errors, in the two shapes HubSpot answers with: the v1 endpoints'
//! `{status: "BAD_AUTH_CODE", message, correlationId}` and, on v3 and the date-versioned
//! endpoints, the standard error body (`status: "error"`, `category`) with the v1 code as its
//! `subCategory`. Which codes and messages could be checked against HubSpot's is in
//! docs/oauth.md#errors.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// Which shape an endpoint answers errors in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    V1,
    Standard,
}

/// A failed token request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    BadGrantType,
    BadClientId,
    BadClientSecret,
    BadAuthCode,
    BadRedirectUri,
    BadRefreshToken,
    BadCodeVerifier,
}

impl TokenError {
    /// HubSpot's code (the v1 body's `status`).
    pub fn code(self) -> &'static str {
        match self {
            Self::BadGrantType => "BAD_GRANT_TYPE",
            Self::BadClientId => "BAD_CLIENT_ID",
            Self::BadClientSecret => "BAD_CLIENT_SECRET",
            Self::BadAuthCode | Self::BadCodeVerifier => "BAD_AUTH_CODE",
            Self::BadRedirectUri => "BAD_REDIRECT_URI",
            Self::BadRefreshToken => "BAD_REFRESH_TOKEN",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Self::BadGrantType => "missing or unknown grant type",
            Self::BadClientId => "missing or unknown client id",
            Self::BadClientSecret => "missing or invalid client secret",
            Self::BadAuthCode => "missing or unknown auth code",
            Self::BadRedirectUri => "redirect URI does not match initial auth code URL",
            Self::BadRefreshToken => "missing or invalid refresh token",
            Self::BadCodeVerifier => "code verifier does not match the code challenge",
        }
    }

    /// The answer in `shape`: always a 400, as HubSpot's token errors are.
    pub fn into_response(self, shape: Shape) -> Response {
        let correlation_id = uuid::Uuid::new_v4().to_string();
        tracing::debug!(oauth.error = self.code(), "token request refused");
        let body = match shape {
            Shape::V1 => json!({
                "status": self.code(),
                "message": self.message(),
                "correlationId": correlation_id,
            }),
            Shape::Standard => json!({
                "status": "error",
                "message": self.message(),
                "correlationId": correlation_id,
                "category": "VALIDATION_ERROR",
                "subCategory": self.code(),
                "errors": [],
            }),
        };
        (StatusCode::BAD_REQUEST, Json(body)).into_response()
    }
}
