//! Creating objects, one (`POST /crm/v3/objects/{objectType}`) or a batch: reading a create
//! input with its inline associations, and writing checked objects.
//!
//! Invariants: a unique property (a contact's email) is checked across the inputs and against
//! the stored objects before anything is written, so a create or an upsert that would repeat
//! one is a 409 that wrote nothing; the objects of one call are created in one transaction.

use std::collections::BTreeSet;

use callhost_store::crm::{AssociationKind, CrmObject, NewObject, ObjectRef};
use callhost_store::now;
use serde_json::{Map, Value};

use super::associations::parse_spec;
use super::body::{id_field, invalid};
use super::catalog::{self, ObjectType};
use super::limits::{at_most, MAX_ASSOCIATION_SPECS};
use super::objects::API_SOURCE;
use super::{input, missing_as_invalid};
use crate::error::{ApiError, ApiResult, StoreRemap};
use crate::extract::json_type;
use crate::AppState;

/// A create input: checked properties and inline (HubSpot-defined) associations.
pub fn parse(object_type: &ObjectType, body: &Map<String, Value>) -> ApiResult<NewObject> {
    let properties = input::properties(object_type, body.get("properties"), input::Write::Create)
        .map_err(input::invalid_properties)?;
    let mut associations = Vec::new();
    let list = match body.get("associations") {
        None | Some(Value::Null) => &Vec::new(),
        Some(Value::Array(list)) => list,
        Some(other) => {
            return Err(invalid(
                "associations",
                "INVALID_TYPE",
                format!("associations must be an array, got {}", json_type(other)),
            ))
        }
    };
    for (i, item) in at_most(list, "associations", MAX_ASSOCIATION_SPECS)?
        .iter()
        .enumerate()
    {
        let at = format!("associations[{i}]");
        let to_id = item
            .get("to")
            .and_then(Value::as_object)
            .map(|to| id_field(to, "id", &format!("{at}.to")))
            .transpose()?
            .and_then(|id| id.parse::<i64>().ok())
            .ok_or_else(|| {
                invalid(
                    &at,
                    "INVALID_ID",
                    format!("{at}.to.id must be an object id"),
                )
            })?;
        let types = item
            .get("types")
            .and_then(Value::as_array)
            .ok_or_else(|| invalid(&at, "REQUIRED", format!("{at}.types must be a list")))?;
        let types = at_most(types, &format!("{at}.types"), MAX_ASSOCIATION_SPECS)?;
        for spec in types {
            let (category, type_id) = parse_spec(spec, &at)?;
            let found = catalog::BUILTIN.iter().find_map(|to| {
                catalog::hubspot_defined(&object_type.id, &to.id)
                    .into_iter()
                    .find(|(id, _)| category == "HUBSPOT_DEFINED" && *id == type_id)
                    .map(|(_, reverse)| (to.id.clone(), reverse))
            });
            let Some((to_type, reverse)) = found else {
                return Err(invalid(
                    &at,
                    "INVALID_ASSOCIATION_TYPE",
                    format!(
                        "{category} association type {type_id} does not start at {}",
                        object_type.name
                    ),
                ));
            };
            associations.push((
                ObjectRef::new(&to_type, to_id),
                AssociationKind {
                    category: category.clone(),
                    type_id,
                },
                AssociationKind {
                    category: category.clone(),
                    type_id: reverse,
                },
            ));
        }
    }
    Ok(NewObject {
        properties,
        associations,
    })
}

/// 409 when a unique property (a contact's email) of `objects` is taken, by another input or
/// by an existing object; checked before any write of a create or an upsert.
pub async fn check_unique(
    state: &AppState,
    portal_id: i64,
    object_type: &ObjectType,
    objects: &[NewObject],
) -> ApiResult<()> {
    for def in object_type
        .properties
        .iter()
        .filter(|p| p.unique && !p.read_only)
    {
        let values: Vec<String> = objects
            .iter()
            .filter_map(|o| o.properties.get(&def.name))
            .filter(|v| !v.is_empty())
            .cloned()
            .collect();
        let distinct: BTreeSet<&String> = values.iter().collect();
        if distinct.len() < values.len() {
            return Err(ApiError::conflict(format!(
                "Two inputs have the same {}.",
                def.name
            )));
        }
        let existing = state
            .store
            .find_objects_by_property(portal_id, &object_type.id, &def.name, &values, false)
            .await?;
        if let Some(found) = existing.first() {
            return Err(ApiError::conflict(format!(
                "{} already exists. Existing ID: {}",
                object_type.singular, found.id
            )));
        }
    }
    Ok(())
}

/// Creates checked objects: 409 when a unique property (a contact's email) is taken, 400
/// when an association names a missing object; otherwise all of them, in one transaction.
pub async fn create_checked(
    state: &AppState,
    portal_id: i64,
    object_type: &ObjectType,
    objects: Vec<NewObject>,
) -> ApiResult<Vec<CrmObject>> {
    check_unique(state, portal_id, object_type, &objects).await?;
    state
        .store
        .create_objects(portal_id, &object_type.id, &objects, API_SOURCE, now())
        .await
        .on_missing(missing_as_invalid)
}
