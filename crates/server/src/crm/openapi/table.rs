//! The table of CRM operations: each route of `crm` with its operation id, success status,
//! bodies and query parameters (see `crm::params` for how the query is read).

use utoipa::openapi::path::HttpMethod;

/// A query parameter an operation reads (see `crm::params`).
#[derive(Clone, Copy)]
pub(super) enum Query {
    /// A list of names, repeated or comma-separated.
    Names(&'static str, &'static str),
    /// `true` or `false`, in any case.
    Flag(&'static str, &'static str),
    /// A page size: default and maximum.
    Limit(u32, u32),
    /// A paging cursor from a previous page.
    After,
    /// A free string.
    Text(&'static str, &'static str),
}

const PROPERTIES: Query = Query::Names(
    "properties",
    "Properties to return (default: the type's defaults); unknown names are ignored",
);
const WITH_HISTORY: Query = Query::Names(
    "propertiesWithHistory",
    "Properties to return with their past values",
);
const ASSOCIATIONS: Query = Query::Names(
    "associations",
    "Object types whose associated ids to return",
);
const ARCHIVED: Query = Query::Flag("archived", "Only archived objects (default false)");
const ID_PROPERTY: Query = Query::Text(
    "idProperty",
    "A unique property naming the object instead of its id (a contact's email)",
);

/// One CRM operation.
pub(super) struct Operation {
    pub(super) method: HttpMethod,
    pub(super) path: &'static str,
    pub(super) id: &'static str,
    /// The success status.
    pub(super) status: &'static str,
    pub(super) summary: &'static str,
    /// The request body's schema; a name ending in `[]` is a list of that schema.
    pub(super) body: Option<&'static str>,
    /// The success answer's schema (`None`: no content).
    pub(super) answer: Option<&'static str>,
    /// Whether a partial success answers 207 with the same schema.
    pub(super) partial: bool,
    /// Whether the success answer has a `Location` header (the object's URL).
    pub(super) located: bool,
    pub(super) query: &'static [Query],
}

const fn op(
    method: HttpMethod,
    path: &'static str,
    id: &'static str,
    status: &'static str,
    summary: &'static str,
) -> Operation {
    Operation {
        method,
        path,
        id,
        status,
        summary,
        body: None,
        answer: None,
        partial: false,
        located: false,
        query: &[],
    }
}

impl Operation {
    const fn body(mut self, schema: &'static str) -> Self {
        self.body = Some(schema);
        self
    }
    const fn answer(mut self, schema: &'static str) -> Self {
        self.answer = Some(schema);
        self
    }
    const fn partial(mut self) -> Self {
        self.partial = true;
        self
    }
    const fn located(mut self) -> Self {
        self.located = true;
        self
    }
    const fn query(mut self, query: &'static [Query]) -> Self {
        self.query = query;
        self
    }
}

const OBJECTS: &str = "/crm/v3/objects/{objectType}";
const BATCH_OBJECTS: &str = "BatchResponseSimplePublicObject";

use HttpMethod::{Delete, Get, Patch, Post, Put};

/// Every CRM operation, as the routers in `crm` serve them.
pub(super) fn operations() -> Vec<Operation> {
    vec![
        op(Get, OBJECTS, "get_page", "200", "List objects in id order")
            .answer("CollectionResponseSimplePublicObject")
            .query(&[
                Query::Limit(10, 100),
                Query::After,
                PROPERTIES,
                WITH_HISTORY,
                ASSOCIATIONS,
                ARCHIVED,
            ]),
        op(Post, OBJECTS, "create", "201", "Create an object (Location header)")
            .body("SimplePublicObjectInputForCreate")
            .answer("SimplePublicObject")
            .located(),
        op(
            Get,
            "/crm/v3/objects/{objectType}/{objectId}",
            "get_by_id",
            "200",
            "Read an object by id or idProperty",
        )
        .answer("SimplePublicObject")
        .query(&[PROPERTIES, WITH_HISTORY, ASSOCIATIONS, ARCHIVED, ID_PROPERTY]),
        op(
            Patch,
            "/crm/v3/objects/{objectType}/{objectId}",
            "update",
            "200",
            "Update an object's properties",
        )
        .body("SimplePublicObjectInput")
        .answer("SimplePublicObject")
        .query(&[ID_PROPERTY]),
        op(
            Delete,
            "/crm/v3/objects/{objectType}/{objectId}",
            "archive",
            "204",
            "Archive an object",
        ),
        op(
            Post,
            "/crm/v3/objects/{objectType}/search",
            "do_search",
            "200",
            "Search objects",
        )
        .body("PublicObjectSearchRequest")
        .answer("CollectionResponseWithTotalSimplePublicObject"),
        op(
            Post,
            "/crm/v3/objects/{objectType}/batch/create",
            "batch_create",
            "201",
            "Create up to 100 objects",
        )
        .body("BatchInputSimplePublicObjectInputForCreate")
        .answer(BATCH_OBJECTS),
        op(
            Post,
            "/crm/v3/objects/{objectType}/batch/read",
            "batch_read",
            "200",
            "Read up to 100 objects (207 when some are missing)",
        )
        .body("BatchReadInputSimplePublicObjectId")
        .answer(BATCH_OBJECTS)
        .partial()
        .query(&[ARCHIVED]),
        op(
            Post,
            "/crm/v3/objects/{objectType}/batch/update",
            "batch_update",
            "200",
            "Update up to 100 objects (207 when some are missing)",
        )
        .body("BatchInputSimplePublicObjectBatchInput")
        .answer(BATCH_OBJECTS)
        .partial(),
        op(
            Post,
            "/crm/v3/objects/{objectType}/batch/upsert",
            "batch_upsert",
            "200",
            "Create or update up to 100 objects by a unique property",
        )
        .body("BatchInputSimplePublicObjectBatchInput")
        .answer(BATCH_OBJECTS),
        op(
            Post,
            "/crm/v3/objects/{objectType}/batch/archive",
            "batch_archive",
            "204",
            "Archive up to 100 objects",
        )
        .body("BatchInputSimplePublicObjectId"),
        op(
            Put,
            "/crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}/{toObjectId}",
            "associations_create",
            "201",
            "Associate two objects with the given types",
        )
        .body("AssociationSpec[]")
        .answer("LabelsBetweenObjectPair"),
        op(
            Delete,
            "/crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}/{toObjectId}",
            "associations_archive",
            "204",
            "Remove every association between two objects",
        ),
        op(
            Get,
            "/crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}",
            "associations_get_page",
            "200",
            "List an object's associations with a type",
        )
        .answer("CollectionResponseMultiAssociatedObjectWithLabel")
        .query(&[Query::Limit(500, 500), Query::After]),
        op(
            Put,
            "/crm/v4/objects/{objectType}/{objectId}/associations/default/{toObjectType}/{toObjectId}",
            "associations_create_default",
            "200",
            "Associate two objects with their default type",
        )
        .answer("BatchResponsePublicDefaultAssociation"),
        op(
            Post,
            "/crm/v4/associations/{objectType}/{toObjectType}/batch/create",
            "associations_batch_create",
            "201",
            "Create associations (207 when an end is missing)",
        )
        .body("BatchInputPublicAssociationMultiPost")
        .answer("BatchResponseLabelsBetweenObjectPair")
        .partial(),
        op(
            Post,
            "/crm/v4/associations/{objectType}/{toObjectType}/batch/associate/default",
            "associations_batch_create_default",
            "200",
            "Create default associations (207 when an end is missing)",
        )
        .body("BatchInputPublicDefaultAssociationMultiPost")
        .answer("BatchResponsePublicDefaultAssociation")
        .partial(),
        op(
            Post,
            "/crm/v4/associations/{objectType}/{toObjectType}/batch/read",
            "associations_batch_read",
            "200",
            "Read associations of up to 100 objects (207 when some are missing)",
        )
        .body("BatchInputPublicFetchAssociationsBatchRequest")
        .answer("BatchResponsePublicAssociationMultiWithLabel")
        .partial(),
        op(
            Post,
            "/crm/v4/associations/{objectType}/{toObjectType}/batch/archive",
            "associations_batch_archive",
            "204",
            "Remove associations",
        )
        .body("BatchInputPublicAssociationMultiArchive"),
        op(
            Post,
            "/crm/v4/associations/{objectType}/{toObjectType}/batch/labels/archive",
            "associations_batch_archive_labels",
            "204",
            "Remove the given association types, other types staying",
        )
        .body("BatchInputPublicAssociationMultiPost"),
        op(
            Get,
            "/crm/v3/owners",
            "owners_get_page",
            "200",
            "List the portal's owners",
        )
        .answer("CollectionResponsePublicOwner")
        .query(&[
            Query::Text("email", "Only the owner with this email"),
            Query::After,
            Query::Limit(100, 500),
            ARCHIVED,
        ]),
        op(
            Get,
            "/crm/v3/owners/{ownerId}",
            "owners_get_by_id",
            "200",
            "Read an owner",
        )
        .answer("PublicOwner")
        .query(&[Query::Text(
            "idProperty",
            "`id` (default) or `userId`: what ownerId is",
        )]),
        op(
            Get,
            "/crm/v3/schemas",
            "schemas_get_all",
            "200",
            "List custom object schemas",
        )
        .answer("CollectionResponseObjectSchema"),
        op(
            Post,
            "/crm/v3/schemas",
            "schemas_create",
            "201",
            "Define a custom object type",
        )
        .body("ObjectSchemaEgg")
        .answer("ObjectSchema"),
        op(
            Get,
            "/crm/v3/schemas/{objectType}",
            "schemas_get_by_id",
            "200",
            "Read a custom object schema",
        )
        .answer("ObjectSchema"),
        op(
            Delete,
            "/crm/v3/schemas/{objectType}",
            "schemas_archive",
            "204",
            "Archive a custom object schema",
        ),
    ]
}
