//! The CRM object bodies as the OpenAPI document describes them (objects, search, batches):
//! HubSpot's names (`SimplePublicObject`, `BatchResponseSimplePublicObject`, ...) and shapes,
//! as the handlers read and write them (docs/rest-api.md). The handlers parse bodies field by field, to name
//! each bad one, and build answers with `serde_json`; these types exist for the document only.
//! The fuzz suite checks every answer against them, so a drift fails the test command.

#![allow(dead_code)] // fields exist for the OpenAPI document

use std::collections::BTreeMap;

use utoipa::ToSchema;

/// A time as the API prints it: ISO 8601, UTC, with milliseconds.
pub(super) type Time = String;

/// An object as reads answer it: ids and values as strings; a requested property without a
/// value is `null`.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct SimplePublicObject {
    #[schema(example = "512")]
    id: String,
    properties: BTreeMap<String, Option<String>>,
    #[schema(format = DateTime)]
    created_at: Time,
    #[schema(format = DateTime)]
    updated_at: Time,
    archived: bool,
    #[schema(format = DateTime)]
    archived_at: Option<Time>,
    /// With `propertiesWithHistory`: each named property's values, newest first.
    properties_with_history: Option<BTreeMap<String, Vec<ValueWithTimestamp>>>,
    /// With `associations`: per associated type, its `{id, type}` list.
    associations: Option<BTreeMap<String, AssociationList>>,
    /// Upsert only: whether the object was created.
    new: Option<bool>,
}

#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct ValueWithTimestamp {
    value: String,
    #[schema(format = DateTime)]
    timestamp: Time,
    source_type: String,
}

#[derive(ToSchema)]
pub struct AssociationList {
    results: Vec<AssociatedId>,
}

#[derive(ToSchema)]
pub struct AssociatedId {
    id: String,
    /// `call_to_contact`, or with a type id for labelled associations.
    #[schema(rename = "type")]
    kind: String,
}

/// The properties of a write: names to values (strings, numbers or booleans; an empty string
/// clears a property).
#[derive(ToSchema)]
pub struct SimplePublicObjectInput {
    #[schema(schema_with = property_values)]
    properties: BTreeMap<String, PropertyValue>,
}

/// The properties of a write: one built-in type's writable properties (so that generated
/// requests name real ones of one type), or any names (a custom type's properties).
fn property_values() -> utoipa::openapi::Schema {
    use utoipa::openapi::schema::{AdditionalProperties, AnyOfBuilder, ObjectBuilder};
    use utoipa::openapi::Ref;
    let value = || Ref::from_schema_name("PropertyValue");
    let builtin = crate::crm::catalog::BUILTIN.iter().map(|object_type| {
        object_type
            .properties
            .iter()
            .filter(|p| !p.read_only)
            .fold(ObjectBuilder::new(), |object, p| {
                object.property(&p.name, value())
            })
            .title(Some(object_type.name.as_str()))
            .additional_properties(Some(AdditionalProperties::FreeForm(false)))
            .build()
    });
    let custom = ObjectBuilder::new()
        .title(Some("a custom type's"))
        .additional_properties(Some(AdditionalProperties::RefOr(value().into())))
        .build();
    builtin
        .chain([custom])
        .fold(AnyOfBuilder::new(), |any_of, object| any_of.item(object))
        .description(Some(
            "Property names to values (an empty string clears one): a built-in type's, or a \
             custom type's",
        ))
        .into()
}

/// A property value as a write may give it.
#[derive(ToSchema, serde::Deserialize)]
#[serde(untagged)]
pub enum PropertyValue {
    Text(String),
    Number(f64),
    Flag(bool),
}

/// A create: properties and associations made with the object.
#[derive(ToSchema)]
pub struct SimplePublicObjectInputForCreate {
    #[schema(schema_with = property_values)]
    properties: BTreeMap<String, PropertyValue>,
    associations: Option<Vec<PublicAssociationsForObject>>,
}

#[derive(ToSchema)]
pub struct PublicAssociationsForObject {
    to: PublicObjectId,
    types: Vec<AssociationSpec>,
}

/// An object named by its id.
#[derive(ToSchema)]
pub struct PublicObjectId {
    #[schema(example = "512")]
    id: String,
}

/// One association type.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct AssociationSpec {
    #[schema(example = "HUBSPOT_DEFINED")]
    association_category: AssociationCategory,
    #[schema(example = 194)]
    association_type_id: i32,
}

#[derive(ToSchema)]
#[schema(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(clippy::enum_variant_names)]
pub enum AssociationCategory {
    HubspotDefined,
    UserDefined,
    IntegratorDefined,
}

/// A page of objects.
#[derive(ToSchema)]
pub struct CollectionResponseSimplePublicObject {
    results: Vec<SimplePublicObject>,
    paging: Option<Paging>,
}

#[derive(ToSchema)]
pub struct Paging {
    next: NextPage,
}

#[derive(ToSchema)]
pub struct NextPage {
    /// The cursor to pass as `after` for the next page.
    after: String,
    link: Option<String>,
}

/// A search: filter groups (ORed) of filters (ANDed), a free-text query, sorts, paging.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct PublicObjectSearchRequest {
    filter_groups: Option<Vec<FilterGroup>>,
    query: Option<String>,
    /// `"prop"`, `"-prop"` (descending) or `{propertyName, direction}`.
    sorts: Option<Vec<SortSpec>>,
    properties: Option<Vec<String>>,
    #[schema(maximum = 200)]
    limit: Option<u32>,
    /// The offset from a previous page's `paging.next.after`.
    after: Option<String>,
}

#[derive(ToSchema)]
pub struct FilterGroup {
    filters: Vec<Filter>,
}

#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct Filter {
    property_name: String,
    #[schema(example = "EQ")]
    operator: Option<String>,
    value: Option<PropertyValue>,
    high_value: Option<PropertyValue>,
    values: Option<Vec<PropertyValue>>,
}

#[derive(ToSchema, serde::Deserialize)]
#[serde(untagged)]
pub enum SortSpec {
    Name(String),
    Object(Sort),
}

#[derive(ToSchema, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sort {
    property_name: String,
    #[schema(example = "DESCENDING")]
    direction: Option<String>,
}

/// A page of search results.
#[derive(ToSchema)]
pub struct CollectionResponseWithTotalSimplePublicObject {
    total: u64,
    results: Vec<SimplePublicObject>,
    paging: Option<Paging>,
}

/// Up to 100 creates.
#[derive(ToSchema)]
pub struct BatchInputSimplePublicObjectInputForCreate {
    inputs: Vec<SimplePublicObjectInputForCreate>,
}

/// Up to 100 ids to read (by `idProperty` when given).
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct BatchReadInputSimplePublicObjectId {
    inputs: Vec<PublicObjectId>,
    properties: Option<Vec<String>>,
    properties_with_history: Option<Vec<String>>,
    id_property: Option<String>,
}

/// Up to 100 updates (or upserts: then `idProperty` names a unique property).
#[derive(ToSchema)]
pub struct BatchInputSimplePublicObjectBatchInput {
    inputs: Vec<SimplePublicObjectBatchInput>,
}

#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct SimplePublicObjectBatchInput {
    id: String,
    id_property: Option<String>,
    #[schema(schema_with = property_values)]
    properties: BTreeMap<String, PropertyValue>,
}

/// Up to 100 ids to archive.
#[derive(ToSchema)]
pub struct BatchInputSimplePublicObjectId {
    inputs: Vec<PublicObjectId>,
}

/// The envelope of every batch answer; `numErrors` and `errors` only in a 207.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct BatchResponseSimplePublicObject {
    status: BatchStatus,
    results: Vec<SimplePublicObject>,
    #[schema(format = DateTime)]
    started_at: Time,
    #[schema(format = DateTime)]
    completed_at: Time,
    links: BTreeMap<String, String>,
    num_errors: Option<u32>,
    errors: Option<Vec<StandardError>>,
}

#[derive(ToSchema)]
#[schema(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BatchStatus {
    Pending,
    Processing,
    Canceled,
    Complete,
}

/// One error of a 207: which inputs failed and why.
#[derive(ToSchema)]
pub struct StandardError {
    status: String,
    category: String,
    message: String,
    context: BTreeMap<String, Vec<String>>,
    links: BTreeMap<String, String>,
    errors: Vec<crate::error::ErrorDetail>,
}
