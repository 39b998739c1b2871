//! Custom object schemas as stored: a name and the server's definition per portal. The
//! store does not read the definition; the name is unique per portal among live schemas.

use chrono::{DateTime, Utc};

use super::SchemaRecord;
use crate::error::{duplicate_as, Result};
use crate::model::{from_millis, to_millis};
use crate::sql::{query, Get, SqlStore};

fn schema_from_row(row: &impl Get) -> Result<SchemaRecord> {
    Ok(SchemaRecord {
        id: row.get("id")?,
        name: row.get("name")?,
        definition: row.get("definition")?,
        created_at: from_millis(row.get("created_at")?),
        updated_at: from_millis(row.get("updated_at")?),
    })
}

pub(crate) async fn create_schema(
    store: &impl SqlStore,
    portal_id: i64,
    name: &str,
    definition: &str,
    now: DateTime<Utc>,
) -> Result<SchemaRecord> {
    let row = store
        .fetch_one(
            query(
                "insert into crm_schema (portal_id, name, definition, archived, \
                 created_at, updated_at) values ($1, $2, $3, false, $4, $4) returning *",
            )
            .bind(portal_id)
            .bind(name)
            .bind(definition)
            .bind(to_millis(now)),
        )
        .await
        .map_err(|err| duplicate_as(err, || format!("A schema named {name} already exists.")))?;
    schema_from_row(&row)
}

pub(crate) async fn list_schemas(
    store: &impl SqlStore,
    portal_id: i64,
) -> Result<Vec<SchemaRecord>> {
    let rows = store
        .fetch_all(
            query("select * from crm_schema where portal_id = $1 and archived = false order by id")
                .bind(portal_id),
        )
        .await?;
    rows.iter().map(schema_from_row).collect()
}

/// The live schema whose id (`2-<id>` or `<id>`) or name is `id_or_name`.
pub(crate) async fn get_schema(
    store: &impl SqlStore,
    portal_id: i64,
    id_or_name: &str,
) -> Result<Option<SchemaRecord>> {
    let id = id_or_name
        .strip_prefix("2-")
        .unwrap_or(id_or_name)
        .parse::<i64>()
        .unwrap_or(-1);
    let row = store
        .fetch_optional(
            query(
                "select * from crm_schema where portal_id = $1 and archived = false \
                 and (id = $2 or name = $3)",
            )
            .bind(portal_id)
            .bind(id)
            .bind(id_or_name),
        )
        .await?;
    row.as_ref().map(schema_from_row).transpose()
}

pub(crate) async fn update_schema(
    store: &impl SqlStore,
    portal_id: i64,
    id: i64,
    definition: &str,
    now: DateTime<Utc>,
) -> Result<Option<SchemaRecord>> {
    let row = store
        .fetch_optional(
            query(
                "update crm_schema set definition = $3, updated_at = $4 \
                 where portal_id = $1 and id = $2 and archived = false returning *",
            )
            .bind(portal_id)
            .bind(id)
            .bind(definition)
            .bind(to_millis(now)),
        )
        .await?;
    row.as_ref().map(schema_from_row).transpose()
}

/// True when there was a live schema to archive.
pub(crate) async fn archive_schema(store: &impl SqlStore, portal_id: i64, id: i64) -> Result<bool> {
    let archived = store
        .execute(
            query(
                "update crm_schema set archived = true \
                 where portal_id = $1 and id = $2 and archived = false",
            )
            .bind(portal_id)
            .bind(id),
        )
        .await?;
    Ok(archived > 0)
}
