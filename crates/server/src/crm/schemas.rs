//! Custom object schemas: `/crm/v3/schemas`. A schema defines an object type `2-<n>` of one
//! portal, with its properties, required and searchable properties and display property;
//! its objects are then served by the generic object API like any other type.
//!
//! The definition is kept as the API's JSON (normalized here); the store only keys it.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use callhost_store::crm::SchemaRecord;
use callhost_store::now;
use serde_json::{json, Map, Value};

use super::catalog::{self, Kind, ObjectType, PropertyDef};
use super::limits::{at_most, distinct, MAX_SCHEMA_PROPERTIES};
use super::params::PathParams;
use super::require;
use crate::auth::PortalAccess;
use crate::error::{ApiError, ApiResult, ErrorDetail};
use crate::extract::JsonObject;
use crate::time;
use crate::AppState;

const READ: &str = "crm.schemas.custom.read";
const WRITE: &str = "crm.schemas.custom.write";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/crm/v3/schemas", get(list_schemas).post(create_schema))
        .route(
            "/crm/v3/schemas/{object_type}",
            get(get_schema).delete(archive_schema),
        )
}

fn invalid(location: &str, message: String) -> ApiError {
    ApiError::validation(
        format!("Invalid schema: {message}"),
        vec![ErrorDetail::field(location, "INVALID_SCHEMA", message)],
    )
}

/// The strings of the list `name`, without repeats; a 400 beyond
/// [`MAX_SCHEMA_PROPERTIES`].
fn strings(map: &Map<String, Value>, name: &str) -> ApiResult<Vec<String>> {
    let all = map
        .get(name)
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    distinct(all, name, MAX_SCHEMA_PROPERTIES)
}

fn kind_of(property: &Map<String, Value>) -> Option<Kind> {
    match property.get("type").and_then(Value::as_str)? {
        "string" => Some(Kind::String),
        "number" => Some(Kind::Number),
        "date" | "datetime" => Some(Kind::DateTime),
        "bool" => Some(Kind::Bool),
        "enumeration" => Some(Kind::Enumeration(
            property
                .get("options")
                .and_then(Value::as_array)?
                .iter()
                .filter_map(|o| o.get("value").and_then(Value::as_str).map(str::to_owned))
                .collect(),
        )),
        _ => None,
    }
}

/// The most characters of a schema's name and of its properties' names: callhost's own
/// limit (docs/rest-api.md#text-limits), which keeps names within an index entry.
pub const MAX_NAME_CHARS: usize = 256;

/// The schema request checked and normalized into the definition kept in the store.
pub(crate) fn definition(body: &Map<String, Value>) -> ApiResult<(String, Value)> {
    let name = body.get("name").and_then(Value::as_str).unwrap_or_default();
    let valid_name = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name.len() <= MAX_NAME_CHARS
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid_name || catalog::builtin(name).is_some() {
        return Err(invalid(
            "name",
            format!(
                "name must be a new lowercase identifier of at most {MAX_NAME_CHARS} \
                 characters, got {name:?}"
            ),
        ));
    }
    let labels = body.get("labels").and_then(Value::as_object);
    let label = |k: &str| {
        labels
            .and_then(|l| l.get(k))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let (Some(singular), Some(plural)) = (label("singular"), label("plural")) else {
        return Err(invalid(
            "labels",
            "labels.singular and labels.plural are required".into(),
        ));
    };
    let mut properties = Vec::new();
    let given = body
        .get("properties")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    for (i, p) in at_most(given, "properties", MAX_SCHEMA_PROPERTIES)?
        .iter()
        .enumerate()
    {
        let p = p
            .as_object()
            .ok_or_else(|| invalid("properties", format!("properties[{i}] must be an object")))?;
        let pname = p.get("name").and_then(Value::as_str).unwrap_or_default();
        if pname.chars().count() > MAX_NAME_CHARS {
            return Err(invalid(
                "properties",
                format!("properties[{i}].name must be at most {MAX_NAME_CHARS} characters"),
            ));
        }
        if pname.is_empty() || kind_of(p).is_none() {
            return Err(invalid("properties", format!("properties[{i}] needs a name and a type (string, number, date, datetime, bool, enumeration with options)")));
        }
        properties.push(json!({
            "name": pname,
            "label": p.get("label").and_then(Value::as_str).unwrap_or(pname),
            "type": p["type"], "fieldType": p.get("fieldType").cloned().unwrap_or(json!("text")),
            "options": p.get("options").cloned().unwrap_or(json!([])),
            "hasUniqueValue": p.get("hasUniqueValue").and_then(Value::as_bool).unwrap_or(false),
        }));
    }
    let names: Vec<&str> = properties
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    let primary = body
        .get("primaryDisplayProperty")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let required = strings(body, "requiredProperties")?;
    let searchable = strings(body, "searchableProperties")?;
    for n in required.iter().chain(&searchable).chain(primary.iter()) {
        if !names.contains(&n.as_str()) {
            return Err(invalid(
                "properties",
                format!("{n} is named but not among the properties"),
            ));
        }
    }
    Ok((
        name.to_owned(),
        json!({
            "labels": {"singular": singular, "plural": plural},
            "primaryDisplayProperty": primary,
            "requiredProperties": required,
            "searchableProperties": searchable,
            "secondaryDisplayProperties": strings(body, "secondaryDisplayProperties")?,
            "properties": properties,
        }),
    ))
}

/// The object type a stored schema defines.
pub(crate) fn object_type_of(record: &SchemaRecord) -> ObjectType {
    let def: Value = serde_json::from_str(&record.definition).unwrap_or(Value::Null);
    let mut properties: Vec<PropertyDef> = catalog::BUILTIN[0]
        .properties
        .iter()
        .filter(|p| p.read_only)
        .cloned()
        .collect();
    for p in def["properties"].as_array().into_iter().flatten() {
        if let (Some(map), Some(name)) = (p.as_object(), p["name"].as_str()) {
            properties.push(PropertyDef {
                name: name.into(),
                label: p["label"].as_str().unwrap_or(name).into(),
                kind: kind_of(map).unwrap_or(Kind::String),
                read_only: false,
                unique: p["hasUniqueValue"].as_bool().unwrap_or(false),
            });
        }
    }
    let list = |k: &str| -> Vec<String> {
        def[k]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    };
    let mut defaults: Vec<String> = def["primaryDisplayProperty"]
        .as_str()
        .map(str::to_owned)
        .into_iter()
        .collect();
    defaults.extend(["hs_object_id", "hs_createdate", "hs_lastmodifieddate"].map(str::to_owned));
    ObjectType {
        id: record.object_type_id(),
        name: record.name.clone(),
        singular: record.name.clone(),
        properties,
        required: list("requiredProperties"),
        defaults,
        searchable: list("searchableProperties"),
        read_scope: "crm.objects.custom.read",
        write_scope: "crm.objects.custom.write",
    }
}

/// The custom type `raw` names (`2-17`, `cars` or `p<portal>_cars`) in the portal.
pub async fn object_type(
    state: &AppState,
    portal_id: i64,
    raw: &str,
) -> ApiResult<Option<ObjectType>> {
    let prefix = format!("p{portal_id}_");
    let key = raw.strip_prefix(&prefix).unwrap_or(raw);
    Ok(state
        .store
        .get_schema(portal_id, key)
        .await?
        .as_ref()
        .map(object_type_of))
}

fn render(portal_id: i64, record: &SchemaRecord) -> Value {
    let def: Value = serde_json::from_str(&record.definition).unwrap_or(Value::Null);
    let mut out = json!({
        "id": record.id.to_string(),
        "objectTypeId": record.object_type_id(),
        "name": record.name,
        "fullyQualifiedName": format!("p{portal_id}_{}", record.name),
        "associations": [],
        "createdAt": time::format(&record.created_at),
        "updatedAt": time::format(&record.updated_at),
        "archived": false,
    });
    if let (Some(out), Some(def)) = (out.as_object_mut(), def.as_object()) {
        out.extend(def.clone());
    }
    out
}

/// Defines a custom object type: 201 with the schema; 409 when the name is taken.
pub async fn create_schema(
    State(state): State<AppState>,
    access: PortalAccess,
    JsonObject(body): JsonObject,
) -> ApiResult<(StatusCode, Json<Value>)> {
    require(&access, WRITE)?;
    let (name, def) = definition(&body)?;
    let record = state
        .store
        .create_schema(access.0.portal_id, &name, &def.to_string(), now())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(render(access.0.portal_id, &record)),
    ))
}

/// Lists the portal's custom object schemas.
pub async fn list_schemas(
    State(state): State<AppState>,
    access: PortalAccess,
) -> ApiResult<Json<Value>> {
    require(&access, READ)?;
    let records = state.store.list_schemas(access.0.portal_id).await?;
    let results: Vec<Value> = records
        .iter()
        .map(|r| render(access.0.portal_id, r))
        .collect();
    Ok(Json(json!({"results": results})))
}

async fn find(state: &AppState, portal_id: i64, raw: &str) -> ApiResult<SchemaRecord> {
    let key = raw.strip_prefix(&format!("p{portal_id}_")).unwrap_or(raw);
    state
        .store
        .get_schema(portal_id, key)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("No schema {raw} in this portal.")))
}

/// Reads one schema by object type id or name.
pub async fn get_schema(
    State(state): State<AppState>,
    access: PortalAccess,
    path: PathParams,
) -> ApiResult<Json<Value>> {
    require(&access, READ)?;
    let record = find(&state, access.0.portal_id, path.get("object_type")).await?;
    Ok(Json(render(access.0.portal_id, &record)))
}

/// Archives a schema: 204. Its objects are no longer served.
pub async fn archive_schema(
    State(state): State<AppState>,
    access: PortalAccess,
    path: PathParams,
) -> ApiResult<StatusCode> {
    require(&access, WRITE)?;
    let record = find(&state, access.0.portal_id, path.get("object_type")).await?;
    state
        .store
        .archive_schema(access.0.portal_id, record.id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
