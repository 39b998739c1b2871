//! The OpenAPI document of the implemented API, generated from the handlers' annotations.
//!
//! The date-versioned aliases (`/crm/extensions/calling/{version}/...`) are derived from the
//! v3 paths here rather than annotated twice, so the two can never describe different things.

use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi as Document, Required};
use utoipa::{Modify, OpenApi};

use crate::automation::{actions, events, fault_api, faults, sessions, transcript};
use crate::calling::{channel, recording, settings};
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
    ),
    components(schemas(
        ErrorBody, ErrorDetail,
        sessions::SessionList, sessions::SessionView, sessions::AppStateView, sessions::CallView,
        actions::Action, transcript::TranscriptPage, transcript::TranscriptEntry,
        fault_api::NewFault, fault_api::FaultList, faults::FaultRule, faults::FaultMatch,
        faults::FaultEffect, faults::CallerIdMatches,
    )),
    modifiers(&SecuritySchemes, &VersionedAliases, &CrmPaths, &OAuthPaths)
)]
struct ApiDoc;

/// The whole document.
pub fn document() -> Document {
    ApiDoc::openapi()
}

struct CrmPaths;

impl Modify for CrmPaths {
    fn modify(&self, doc: &mut Document) {
        crate::crm::openapi::add_paths(&mut doc.paths);
    }
}

struct OAuthPaths;

impl Modify for OAuthPaths {
    fn modify(&self, doc: &mut Document) {
        crate::oauth::openapi::add_to(doc);
    }
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

const V3_PREFIX: &str = "/crm/v3/extensions/calling/";
const VERSIONED_PREFIX: &str = "/crm/extensions/calling/{version}/";

struct VersionedAliases;

impl Modify for VersionedAliases {
    fn modify(&self, doc: &mut Document) {
        let aliases: Vec<_> = doc
            .paths
            .paths
            .iter()
            .filter_map(|(path, item)| {
                let rest = path.strip_prefix(V3_PREFIX)?;
                let mut item = item.clone();
                for op in [
                    &mut item.get,
                    &mut item.post,
                    &mut item.patch,
                    &mut item.delete,
                ]
                .into_iter()
                .flatten()
                {
                    op.operation_id = op.operation_id.take().map(|id| format!("{id}_versioned"));
                    op.parameters
                        .get_or_insert_with(Vec::new)
                        .insert(0, version_parameter());
                }
                Some((format!("{VERSIONED_PREFIX}{rest}"), item))
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
