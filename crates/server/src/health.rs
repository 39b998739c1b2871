//! Health probes for load balancers and orchestrators (docs/deploy.md#health-and-readiness):
//!
//! - `GET /healthz` (liveness): the process answers requests. It touches nothing else, so a
//!   database outage never gets a healthy instance restarted.
//! - `GET /readyz` (readiness): this instance should get traffic now. 200 when one statement
//!   reaches the database within [`READY_TIMEOUT`]; 503, in HubSpot's error shape with the
//!   reason, when it does not, or once the server has begun shutting down (so a balancer stops
//!   sending new requests while those in flight finish).
//!
//! Both answer on the API origin, to any caller, outside the reset hold (a reset in progress
//! is not an outage), and are not part of the HubSpot API's OpenAPI document.

use std::time::Duration;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult};
use crate::AppState;

/// The longest the readiness probe waits for the database.
pub const READY_TIMEOUT: Duration = Duration::from_secs(2);

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(show_liveness))
        .route("/readyz", get(show_readiness))
}

/// `GET /healthz`: the process is up.
async fn show_liveness() -> Json<Value> {
    Json(json!({ "status": "live" }))
}

/// `GET /readyz`: the database answers and the server is not shutting down.
async fn show_readiness(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    if state.shutdown.fired() {
        return Err(ApiError::unavailable(
            "This instance is shutting down; requests in flight finish, new ones belong elsewhere.",
        ));
    }
    let backend = state.store.backend();
    match tokio::time::timeout(READY_TIMEOUT, state.store.ping()).await {
        Ok(Ok(())) => Ok(Json(
            json!({ "status": "ready", "backend": backend.name() }),
        )),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "readiness: the database did not answer");
            Err(ApiError::unavailable(format!(
                "The {} database did not answer: {err}",
                backend.name()
            )))
        }
        Err(_) => Err(ApiError::unavailable(format!(
            "The {} database did not answer within {} s.",
            backend.name(),
            READY_TIMEOUT.as_secs()
        ))),
    }
}
