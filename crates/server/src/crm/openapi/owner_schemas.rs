//! The owners' and custom object schemas' bodies as the OpenAPI document describes them,
//! under HubSpot's names; for the document only, like `schemas`.

#![allow(dead_code)] // fields exist for the OpenAPI document

use std::collections::BTreeMap;

use utoipa::ToSchema;

use super::schemas::{Paging, Time};

/// A user who can own records.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct PublicOwner {
    id: String,
    email: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    user_id: Option<i64>,
    #[schema(format = DateTime)]
    created_at: Time,
    #[schema(format = DateTime)]
    updated_at: Time,
    archived: bool,
    teams: Vec<BTreeMap<String, String>>,
}

#[derive(ToSchema)]
pub struct CollectionResponsePublicOwner {
    results: Vec<PublicOwner>,
    paging: Option<Paging>,
}

/// A custom object type to define.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct ObjectSchemaEgg {
    /// A new lowercase identifier.
    #[schema(example = "pets")]
    name: String,
    labels: ObjectTypeDefinitionLabels,
    properties: Vec<ObjectTypePropertyCreate>,
    primary_display_property: Option<String>,
    required_properties: Option<Vec<String>>,
    searchable_properties: Option<Vec<String>>,
    secondary_display_properties: Option<Vec<String>>,
}

#[derive(ToSchema)]
pub struct ObjectTypeDefinitionLabels {
    singular: String,
    plural: String,
}

#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct ObjectTypePropertyCreate {
    name: String,
    label: Option<String>,
    /// `string`, `number`, `date`, `datetime`, `bool` or `enumeration`.
    #[schema(rename = "type")]
    kind: String,
    field_type: Option<String>,
    options: Option<Vec<OptionInput>>,
    has_unique_value: Option<bool>,
}

#[derive(ToSchema)]
pub struct OptionInput {
    label: Option<String>,
    value: String,
}

/// A custom object type.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct ObjectSchema {
    id: String,
    #[schema(example = "2-1")]
    object_type_id: String,
    name: String,
    fully_qualified_name: String,
    labels: ObjectTypeDefinitionLabels,
    properties: Vec<serde_json::Value>,
    associations: Vec<serde_json::Value>,
    primary_display_property: Option<String>,
    required_properties: Vec<String>,
    searchable_properties: Vec<String>,
    secondary_display_properties: Vec<String>,
    #[schema(format = DateTime)]
    created_at: Time,
    #[schema(format = DateTime)]
    updated_at: Time,
    archived: bool,
}

#[derive(ToSchema)]
pub struct CollectionResponseObjectSchema {
    results: Vec<ObjectSchema>,
}
