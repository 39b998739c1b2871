//! The Calling Extensions SDK wire protocol, as the host sees it.
//!
//! This crate is pure: it never imports axum, sqlx or tokio, and does no I/O. The host page
//! forwards app messages to it and carries out what it decides.
//!
//! `catalog` is the protocol vocabulary (message types, handler names, constants), shared with
//! the JavaScript SDK through `protocol.json`; `object_type` names the CRM's standard object
//! type ids; `page_types` writes the host page's JSDoc typedefs of the engine's WebSocket
//! protocol from the Rust types.

pub mod catalog;
pub mod object_type;

pub use catalog::{catalog, Catalog};
pub mod engine;
pub mod page_types;
