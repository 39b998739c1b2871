//! The CRM paths of the OpenAPI document, from one table, so that every CRM route is listed
//! with its operation id, success status and scope. Bodies are HubSpot's (see docs/rest-api.md); the
//! errors are [`crate::error::ErrorBody`].

use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, Paths};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{Ref, Required, ResponseBuilder};

/// `(method, path, operation id, success status, what it does)`.
const OPERATIONS: &[(HttpMethod, &str, &str, &str, &str)] = &[
    (
        HttpMethod::Get,
        "/crm/v3/objects/{objectType}",
        "get_page",
        "200",
        "List objects in id order",
    ),
    (
        HttpMethod::Post,
        "/crm/v3/objects/{objectType}",
        "create",
        "201",
        "Create an object (Location header)",
    ),
    (
        HttpMethod::Get,
        "/crm/v3/objects/{objectType}/{objectId}",
        "get_by_id",
        "200",
        "Read an object by id or idProperty",
    ),
    (
        HttpMethod::Patch,
        "/crm/v3/objects/{objectType}/{objectId}",
        "update",
        "200",
        "Update an object's properties",
    ),
    (
        HttpMethod::Delete,
        "/crm/v3/objects/{objectType}/{objectId}",
        "archive",
        "204",
        "Archive an object",
    ),
    (
        HttpMethod::Post,
        "/crm/v3/objects/{objectType}/search",
        "do_search",
        "200",
        "Search objects",
    ),
    (
        HttpMethod::Post,
        "/crm/v3/objects/{objectType}/batch/create",
        "batch_create",
        "201",
        "Create up to 100 objects",
    ),
    (
        HttpMethod::Post,
        "/crm/v3/objects/{objectType}/batch/read",
        "batch_read",
        "200",
        "Read up to 100 objects (207 when some are missing)",
    ),
    (
        HttpMethod::Post,
        "/crm/v3/objects/{objectType}/batch/update",
        "batch_update",
        "200",
        "Update up to 100 objects (207 when some are missing)",
    ),
    (
        HttpMethod::Post,
        "/crm/v3/objects/{objectType}/batch/upsert",
        "batch_upsert",
        "200",
        "Create or update up to 100 objects by a unique property",
    ),
    (
        HttpMethod::Post,
        "/crm/v3/objects/{objectType}/batch/archive",
        "batch_archive",
        "204",
        "Archive up to 100 objects",
    ),
    (
        HttpMethod::Put,
        "/crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}/{toObjectId}",
        "associations_create",
        "201",
        "Associate two objects with the given types",
    ),
    (
        HttpMethod::Delete,
        "/crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}/{toObjectId}",
        "associations_archive",
        "204",
        "Remove every association between two objects",
    ),
    (
        HttpMethod::Get,
        "/crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}",
        "associations_get_page",
        "200",
        "List an object's associations with a type",
    ),
    (
        HttpMethod::Put,
        "/crm/v4/objects/{objectType}/{objectId}/associations/default/{toObjectType}/{toObjectId}",
        "associations_create_default",
        "200",
        "Associate two objects with their default type",
    ),
    (
        HttpMethod::Post,
        "/crm/v4/associations/{objectType}/{toObjectType}/batch/create",
        "associations_batch_create",
        "201",
        "Create associations (207 when an end is missing)",
    ),
    (
        HttpMethod::Post,
        "/crm/v4/associations/{objectType}/{toObjectType}/batch/associate/default",
        "associations_batch_create_default",
        "200",
        "Create default associations",
    ),
    (
        HttpMethod::Post,
        "/crm/v4/associations/{objectType}/{toObjectType}/batch/read",
        "associations_batch_read",
        "200",
        "Read associations of up to 100 objects",
    ),
    (
        HttpMethod::Post,
        "/crm/v4/associations/{objectType}/{toObjectType}/batch/archive",
        "associations_batch_archive",
        "204",
        "Remove associations",
    ),
    (
        HttpMethod::Get,
        "/crm/v3/owners",
        "owners_get_page",
        "200",
        "List the portal's owners",
    ),
    (
        HttpMethod::Get,
        "/crm/v3/owners/{ownerId}",
        "owners_get_by_id",
        "200",
        "Read an owner",
    ),
    (
        HttpMethod::Get,
        "/crm/v3/schemas",
        "schemas_get_all",
        "200",
        "List custom object schemas",
    ),
    (
        HttpMethod::Post,
        "/crm/v3/schemas",
        "schemas_create",
        "201",
        "Define a custom object type",
    ),
    (
        HttpMethod::Get,
        "/crm/v3/schemas/{objectType}",
        "schemas_get_by_id",
        "200",
        "Read a custom object schema",
    ),
    (
        HttpMethod::Delete,
        "/crm/v3/schemas/{objectType}",
        "schemas_archive",
        "204",
        "Archive a custom object schema",
    ),
];

/// Adds the CRM operations to `paths`.
pub fn add_paths(paths: &mut Paths) {
    for (method, path, id, status, summary) in OPERATIONS {
        let mut op = OperationBuilder::new()
            .tag("CRM")
            .operation_id(Some(format!("crm_{id}")))
            .summary(Some(*summary))
            .response(
                *status,
                ResponseBuilder::new().description(*summary).build(),
            )
            .response(
                "4XX",
                ResponseBuilder::new()
                    .description("HubSpot's error body")
                    .content(
                        "application/json",
                        utoipa::openapi::ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("ErrorBody")))
                            .build(),
                    )
                    .build(),
            )
            .security(SecurityRequirement::new("oauth2", Vec::<String>::new()));
        for name in path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
        {
            op = op.parameter(
                ParameterBuilder::new()
                    .name(name)
                    .parameter_in(ParameterIn::Path)
                    .required(Required::True),
            );
        }
        paths.add_path_operation(path, vec![method.clone()], op.build());
    }
}
