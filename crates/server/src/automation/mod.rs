//! The automation API under `/callhost/v1/`: tests drive the host's widget sessions, read
//! and follow what happened in them, and inject faults (docs/automation.md).
//!
//! - [`gate`]: the automation gate and who is calling (a developer API key or a portal
//!   access token; never a cookie);
//! - [`sessions`]: the live widget sessions; [`actions`]: acting in one as its user;
//! - [`transcript`]: a session's record (the inspector's, one record for both), with long
//!   polling; [`events`]: the same as server-sent events;
//! - [`faults`]: the fault rules and what they fit; [`fault_rules`] where they are kept (the
//!   store, with a copy per process) and how a firing is claimed; [`fault_api`] their routes; [`hooks`]
//!   the hooks at the engine's boundary (store requests, posts) and [`rest_faults`] the layer
//!   on the REST routes.
//!
//! Invariants: **the engine stays pure and decides everything**: actions are the inputs the
//! page would send, faults are results the store or the network could give; **a caller only
//! ever reaches its own sessions and rules** ([`gate::Owner`]); **off, the surface does not
//! exist** (404, as an unknown route).

pub mod actions;
pub mod events;
pub mod fault_api;
pub mod fault_rules;
pub mod faults;
pub mod gate;
pub mod hooks;
pub mod rest_faults;
pub mod sessions;
pub mod transcript;

use axum::routing::{delete, get, post};
use axum::Router;

use crate::AppState;

/// The `/callhost/v1/` routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/callhost/v1/sessions", get(sessions::list_sessions))
        .route(
            "/callhost/v1/sessions/{id}/actions",
            post(actions::act_in_session),
        )
        .route(
            "/callhost/v1/sessions/{id}/transcript",
            get(transcript::get_transcript),
        )
        .route(
            "/callhost/v1/sessions/{id}/events",
            get(events::stream_session),
        )
        .route("/callhost/v1/events", get(events::stream_all))
        .route(
            "/callhost/v1/faults",
            post(fault_api::create_fault).get(fault_api::list_faults),
        )
        .route("/callhost/v1/faults/{id}", delete(fault_api::delete_fault))
}
