//! The v4 association bodies as the OpenAPI document describes them, under HubSpot's names;
//! for the document only, like `schemas`.

#![allow(dead_code)] // fields exist for the OpenAPI document

use std::collections::BTreeMap;

use utoipa::ToSchema;

use super::schemas::{
    AssociationCategory, AssociationSpec, BatchStatus, Paging, PublicObjectId, StandardError, Time,
};

/// The pair a v4 create answers with.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct LabelsBetweenObjectPair {
    from_object_type_id: String,
    from_object_id: String,
    to_object_type_id: String,
    to_object_id: String,
    labels: Vec<String>,
}

/// One object's associations with a type.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct MultiAssociatedObjectWithLabel {
    to_object_id: i64,
    association_types: Vec<AssociationSpecWithLabel>,
}

#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct AssociationSpecWithLabel {
    category: AssociationCategory,
    type_id: i32,
    label: Option<String>,
}

/// A page of an object's associations.
#[derive(ToSchema)]
pub struct CollectionResponseMultiAssociatedObjectWithLabel {
    results: Vec<MultiAssociatedObjectWithLabel>,
    paging: Option<Paging>,
}

/// The answer of a default association, single or batch.
#[derive(ToSchema)]
pub struct BatchResponsePublicDefaultAssociation {
    status: BatchStatus,
    results: Vec<PublicDefaultAssociation>,
    #[schema(rename = "startedAt", format = DateTime)]
    started_at: Time,
    #[schema(rename = "completedAt", format = DateTime)]
    completed_at: Time,
    links: BTreeMap<String, String>,
    #[schema(rename = "numErrors")]
    num_errors: Option<u32>,
    errors: Option<Vec<StandardError>>,
}

#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct PublicDefaultAssociation {
    from: PublicObjectId,
    to: PublicObjectId,
    association_spec: AssociationSpec,
}

/// The answer of a v4 batch create.
#[derive(ToSchema)]
pub struct BatchResponseLabelsBetweenObjectPair {
    status: BatchStatus,
    results: Vec<LabelsBetweenObjectPair>,
    #[schema(rename = "startedAt", format = DateTime)]
    started_at: Time,
    #[schema(rename = "completedAt", format = DateTime)]
    completed_at: Time,
    links: BTreeMap<String, String>,
    #[schema(rename = "numErrors")]
    num_errors: Option<u32>,
    errors: Option<Vec<StandardError>>,
}

/// The answer of a v4 batch read: per object, its associations with the type.
#[derive(ToSchema)]
pub struct BatchResponsePublicAssociationMultiWithLabel {
    status: BatchStatus,
    results: Vec<PublicAssociationMultiWithLabel>,
    #[schema(rename = "startedAt", format = DateTime)]
    started_at: Time,
    #[schema(rename = "completedAt", format = DateTime)]
    completed_at: Time,
    links: BTreeMap<String, String>,
    #[schema(rename = "numErrors")]
    num_errors: Option<u32>,
    errors: Option<Vec<StandardError>>,
}

#[derive(ToSchema)]
pub struct PublicAssociationMultiWithLabel {
    from: PublicObjectId,
    to: Vec<MultiAssociatedObjectWithLabel>,
    paging: Option<Paging>,
}

/// Pairs to associate with the given types (`batch/create`) or to lose them
/// (`batch/labels/archive`).
#[derive(ToSchema)]
pub struct BatchInputPublicAssociationMultiPost {
    inputs: Vec<PublicAssociationMultiPost>,
}

#[derive(ToSchema)]
pub struct PublicAssociationMultiPost {
    from: PublicObjectId,
    to: PublicObjectId,
    types: Vec<AssociationSpec>,
}

/// Pairs to associate with their default type.
#[derive(ToSchema)]
pub struct BatchInputPublicDefaultAssociationMultiPost {
    inputs: Vec<PublicDefaultAssociationMultiPost>,
}

#[derive(ToSchema)]
pub struct PublicDefaultAssociationMultiPost {
    from: PublicObjectId,
    to: PublicObjectId,
}

/// Objects whose associations to read, each from its own cursor.
#[derive(ToSchema)]
pub struct BatchInputPublicFetchAssociationsBatchRequest {
    inputs: Vec<PublicFetchAssociationsBatchRequest>,
}

#[derive(ToSchema)]
pub struct PublicFetchAssociationsBatchRequest {
    id: String,
    after: Option<String>,
}

/// Objects and the objects to dissociate them from.
#[derive(ToSchema)]
pub struct BatchInputPublicAssociationMultiArchive {
    inputs: Vec<PublicAssociationMultiArchive>,
}

#[derive(ToSchema)]
pub struct PublicAssociationMultiArchive {
    from: PublicObjectId,
    to: Vec<PublicObjectId>,
}
