//! Black-box tests of the API: each starts the real server on port 0 with a store of its own,
//! on SQLite and (when `CALLHOST_TEST_DATABASE_URL` is set) on PostgreSQL, and talks HTTP.

mod helpers;

mod admin;
mod assets;
mod associations;
mod auth;
mod automation;
mod call_logging;
mod caller_id;
mod channels;
mod crm_batch;
mod crm_objects;
mod crm_search;
mod demo_backend;
mod errors;
mod faults;
mod fixtures;
mod health;
mod helpdesk;
mod helpdesk_calls;
mod host;
mod host_sessions;
mod hostile_input;
mod inspector_store;
mod instances;
mod instances_automation;
mod oauth;
mod oauth_helpers;
mod oauth_portals;
mod oauth_tokens;
mod openapi;
mod owners_schemas;
mod rate_limits;
mod recordings;
mod reset;
mod saved_searches;
mod served_host;
mod settings;
mod signin_link;
mod url_credentials;
mod widget_socket;
