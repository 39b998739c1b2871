//! The OpenAPI document of the implemented API, generated from the handlers' annotations
//! (calling) and the CRM table (`crm::openapi`).
//!
//! Invariants:
//! - **Every route the API router serves is in the document or in [`EXCLUDED`]** with the
//!   reason; `tests/api/openapi.rs` compares the router's routes with the document both ways
//!   (docs/openapi.md#how-it-is-made-and-kept-complete).
//! - The date-versioned aliases (`/crm/extensions/calling/{version}/...`,
//!   `/crm/objects/{version}/...`) are derived from the v3 paths here rather than annotated
//!   twice, so the two can never describe different things.
//! - Every operation documents HubSpot's error body for 4XX, and the 421 of the Host check
//!   (docs/design.md#served-host-names), which answers before any route.

use utoipa::openapi::path::{Operation, Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as Document, Ref, Required, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use crate::automation::{actions, events, fault_api, faults, sessions, transcript};
use crate::calling::{channel, inbound, ready, recording, settings};
use crate::error::{ErrorBody, ErrorDetail};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "callhost API",
        description = "HubSpot-compatible calling extensions API served by callhost. Errors use \
            HubSpot's body: status, message, correlationId, category, errors[]."
    ),
    paths(
        settings::create_settings, settings::get_settings, settings::update_settings,
        settings::archive_settings,
        recording::register_recording_settings, recording::get_recording_settings,
        recording::update_recording_settings,
        channel::create_channel_settings, channel::get_channel_settings,
        channel::update_channel_settings, channel::archive_channel_settings,
        sessions::list_sessions, actions::act_in_session, transcript::get_transcript,
        events::stream_session, events::stream_all,
        fault_api::create_fault, fault_api::list_faults, fault_api::delete_fault,
        crate::fixture::reset::reset_store,
        ready::mark_recording_ready, inbound::report_inbound_call,
    ),
    components(schemas(
        ErrorBody, ErrorDetail,
        sessions::SessionList, sessions::SessionView, sessions::AppStateView, sessions::CallView,
        actions::Action, transcript::TranscriptPage, transcript::TranscriptEntry,
        fault_api::NewFault, fault_api::FaultList, faults::FaultRule, faults::FaultMatch,
        faults::FaultEffect, faults::CallerIdMatches,
    )),
    modifiers(&SecuritySchemes, &CrmPaths, &VersionedAliases, &OAuthPaths, &ErrorResponses)
)]
struct ApiDoc;

/// The whole document.
pub fn document() -> Document {
    ApiDoc::openapi()
}

/// Routes the API router serves that are not part of the API, with the reason: a route is
/// excluded when its path is one of these or starts with one ending in `/`. (The demo app's
/// origin is another router, `routes::demo_router`, and no part of the API either.)
pub const EXCLUDED: &[(&str, &str)] = &[
    ("/openapi.json", "the document itself"),
    (
        "/healthz",
        "a load balancer's liveness probe, not HubSpot's API; docs/deploy.md",
    ),
    (
        "/readyz",
        "a load balancer's readiness probe, not HubSpot's API; docs/deploy.md",
    ),
    (
        "/oauth/authorize",
        "the install consent page (HTML) a person answers, at HubSpot's path; docs/oauth.md",
    ),
    (
        "/",
        "the host's start: a redirect to the contacts or the start page",
    ),
    (
        "/sdk/",
        "the calling-extensions SDK's files, for apps to load",
    ),
    (
        "/host/",
        "the host pages' own API, assets and widget socket, same-origin only",
    ),
    ("/contacts/", "host pages"),
    ("/calling-integration-popup-ui/", "host pages"),
    ("/calling-inspector/", "host pages"),
    ("/help-desk/", "host pages"),
    ("/settings/", "host pages"),
];

/// Whether `path` (a route as the router writes it) is one of [`EXCLUDED`].
pub fn is_excluded(path: &str) -> bool {
    EXCLUDED.iter().any(|(excluded, _)| {
        path == *excluded
            || (excluded.len() > 1 && excluded.ends_with('/') && path.starts_with(excluded))
    })
}

struct CrmPaths;

impl Modify for CrmPaths {
    fn modify(&self, doc: &mut Document) {
        crate::crm::openapi::add_to(doc);
    }
}

struct OAuthPaths;

impl Modify for OAuthPaths {
    fn modify(&self, doc: &mut Document) {
        crate::oauth::openapi::add_to(doc);
    }
}

/// HubSpot's error body on every operation: any 4XX, and the 421 of the Host check.
struct ErrorResponses;

impl Modify for ErrorResponses {
    fn modify(&self, doc: &mut Document) {
        let error = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build()
        };
        for item in doc.paths.paths.values_mut() {
            for op in operations(item) {
                let responses = &mut op.responses.responses;
                responses.entry("421".to_owned()).or_insert_with(|| {
                    error("The Host header names no host callhost is served as").into()
                });
                responses
                    .entry("4XX".to_owned())
                    .or_insert_with(|| error("HubSpot's error body").into());
            }
        }
    }
}

/// The operations of a path item, whatever their methods.
fn operations(item: &mut utoipa::openapi::PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ]
    .into_iter()
    .flatten()
}

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "developer_hapikey",
            SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::new("hapikey"))),
        );
        components.add_security_scheme(
            "oauth2",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Each v3 prefix with its date-versioned alias.
const VERSIONED: [(&str, &str); 2] = [
    (
        "/crm/v3/extensions/calling/",
        "/crm/extensions/calling/{version}/",
    ),
    ("/crm/v3/objects/", "/crm/objects/{version}/"),
];

struct VersionedAliases;

impl Modify for VersionedAliases {
    fn modify(&self, doc: &mut Document) {
        let aliases: Vec<_> = doc
            .paths
            .paths
            .iter()
            .filter_map(|(path, item)| {
                let (rest, versioned) = VERSIONED
                    .iter()
                    .find_map(|(v3, versioned)| Some((path.strip_prefix(v3)?, versioned)))?;
                let mut item = item.clone();
                for op in operations(&mut item) {
                    op.operation_id = op.operation_id.take().map(|id| format!("{id}_versioned"));
                    op.parameters
                        .get_or_insert_with(Vec::new)
                        .insert(0, version_parameter());
                }
                Some((format!("{versioned}{rest}"), item))
            })
            .collect();
        doc.paths.paths.extend(aliases);
    }
}

fn version_parameter() -> Parameter {
    ParameterBuilder::new()
        .name("version")
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .description(Some("An API version date, YYYY-MM (for example 2026-03)"))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(r"^\d{4}-(0[1-9]|1[0-2])$")),
        ))
        .build()
}
