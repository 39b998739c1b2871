//! The CRM paths of the OpenAPI document, from one table, so that every CRM route is listed
//! with its operation id, success status, request and answer bodies and query parameters.
//! Bodies are HubSpot's ([`schemas`], docs/rest-api.md); errors are
//! [`crate::error::ErrorBody`], added to every operation by `crate::openapi`. The
//! date-versioned aliases (`/crm/objects/{version}/...`) are derived there from the v3 paths.

pub mod association_schemas;
pub mod owner_schemas;
pub mod schemas;
mod table;

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{
    OperationBuilder, Parameter, ParameterBuilder, ParameterIn, ParameterStyle,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{ContentBuilder, OpenApi as Document, Ref, Required, ResponseBuilder};
use utoipa::OpenApi;

use self::association_schemas::*;
use self::owner_schemas::*;
use self::schemas::*;
use self::table::{operations, Operation, Query};

/// The schemas the table names, with those they refer to.
#[derive(OpenApi)]
#[openapi(components(schemas(
    SimplePublicObject,
    PropertyValue,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
    CollectionResponseSimplePublicObject,
    PublicObjectSearchRequest,
    CollectionResponseWithTotalSimplePublicObject,
    BatchInputSimplePublicObjectInputForCreate,
    BatchReadInputSimplePublicObjectId,
    BatchInputSimplePublicObjectBatchInput,
    BatchInputSimplePublicObjectId,
    BatchResponseSimplePublicObject,
    AssociationSpec,
    LabelsBetweenObjectPair,
    CollectionResponseMultiAssociatedObjectWithLabel,
    BatchResponsePublicDefaultAssociation,
    BatchResponseLabelsBetweenObjectPair,
    BatchResponsePublicAssociationMultiWithLabel,
    BatchInputPublicAssociationMultiPost,
    BatchInputPublicDefaultAssociationMultiPost,
    BatchInputPublicFetchAssociationsBatchRequest,
    BatchInputPublicAssociationMultiArchive,
    PublicOwner,
    CollectionResponsePublicOwner,
    ObjectSchemaEgg,
    ObjectSchema,
    CollectionResponseObjectSchema,
)))]
struct CrmSchemas;

/// Adds the CRM operations and their schemas to `doc`.
pub fn add_to(doc: &mut Document) {
    doc.merge(CrmSchemas::openapi());
    for operation in operations() {
        let Operation {
            method,
            path,
            id,
            status,
            summary,
            ..
        } = operation;
        let mut builder = OperationBuilder::new()
            .tag("CRM")
            .operation_id(Some(format!("crm_{id}")))
            .summary(Some(summary))
            .security(SecurityRequirement::new("oauth2", Vec::<String>::new()));
        let mut success = ResponseBuilder::new().description(summary);
        if operation.located {
            success = success.header(
                "Location",
                HeaderBuilder::new()
                    .schema(ObjectBuilder::new().schema_type(Type::String))
                    .description(Some("The new object's URL"))
                    .build(),
            );
        }
        match operation.answer {
            Some(schema) => {
                let answer = success.content("application/json", json(schema)).build();
                if operation.partial {
                    let partial = ResponseBuilder::new()
                        .description("Partial success: `errors` names the inputs that failed")
                        .content("application/json", json(schema))
                        .build();
                    builder = builder.response("207", partial);
                }
                builder = builder.response(status, answer);
            }
            None => builder = builder.response(status, success.build()),
        }
        if let Some(schema) = operation.body {
            builder = builder.request_body(Some(
                RequestBodyBuilder::new()
                    .content("application/json", json(schema))
                    .required(Some(Required::True))
                    .build(),
            ));
        }
        for name in path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
        {
            builder = builder.parameter(path_parameter(name));
        }
        for query in operation.query {
            builder = builder.parameter(query_parameter(*query));
        }
        doc.paths
            .add_path_operation(path, vec![method], builder.build());
    }
}

/// JSON content of `schema` (`Name` or `Name[]`).
fn json(schema: &str) -> utoipa::openapi::Content {
    let content = match schema.strip_suffix("[]") {
        Some(item) => ContentBuilder::new()
            .schema(Some(ArrayBuilder::new().items(Ref::from_schema_name(item)))),
        None => ContentBuilder::new().schema(Some(Ref::from_schema_name(schema))),
    };
    content.build()
}

fn path_parameter(name: &str) -> Parameter {
    let (description, example) = match name {
        "objectType" => (
            "An object type: a name (`contacts`), a type id (`0-1`) or a custom type",
            "contacts",
        ),
        "toObjectType" => ("The associated object type", "companies"),
        "objectId" => (
            "An object id (or, with idProperty, a unique property's value)",
            "512",
        ),
        "toObjectId" => ("The associated object's id", "513"),
        "ownerId" => ("An owner id (or, with idProperty=userId, a user id)", "1"),
        _ => ("", ""),
    };
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .description(Some(description))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .examples([example]),
        ))
        .build()
}

fn query_parameter(query: Query) -> Parameter {
    let builder = ParameterBuilder::new()
        .parameter_in(ParameterIn::Query)
        .required(Required::False);
    match query {
        Query::Names(name, description) => builder
            .name(name)
            .description(Some(description))
            .style(Some(ParameterStyle::Form))
            .explode(Some(true))
            .schema(Some(
                ArrayBuilder::new().items(ObjectBuilder::new().schema_type(Type::String)),
            )),
        Query::Flag(name, description) => builder
            .name(name)
            .description(Some(description))
            .schema(Some(ObjectBuilder::new().schema_type(Type::Boolean))),
        Query::Limit(default, max) => builder
            .name("limit")
            .description(Some(format!(
                "Results per page, 1 to {max} (default {default})"
            )))
            .schema(Some(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(1))
                    .maximum(Some(max))
                    .default(Some(default.into())),
            )),
        Query::After => builder
            .name("after")
            .description(Some("The cursor of the next page (`paging.next.after`)"))
            .schema(Some(ObjectBuilder::new().schema_type(Type::String))),
        Query::Text(name, description) => builder
            .name(name)
            .description(Some(description))
            .schema(Some(ObjectBuilder::new().schema_type(Type::String))),
    }
    .build()
}
