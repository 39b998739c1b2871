//! The CRM's writes and loads inside a caller's transaction: creating and updating objects
//! (with their history, computed properties and phone index), writing associations, and
//! loading objects by id. The CRM trait impl (`super::queries`) and the help desk (which
//! writes a call and its ticket together) share them.
//!
//! Every write runs in one transaction that starts with a write, so that SQLite takes its
//! write lock at once (a transaction that reads first and writes later can fail with
//! `SQLITE_BUSY` instead of waiting). Loads are by id lists built from bound placeholders.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, SecondsFormat, Utc};

use super::{
    phone, CrmObject, NewAssociation, NewObject, ObjectRef, ObjectUpdate, CREATE_DATE,
    LAST_MODIFIED, OBJECT_ID,
};
use crate::error::{Result, StoreError};
use crate::model::{from_millis, to_millis};
use crate::sql::{query, Exec, Get};

/// How the store prints times in properties: ISO-8601 UTC with milliseconds.
pub(crate) fn iso(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The numeric reading of a property value for range filters and sorts: a number as itself,
/// a datetime as epoch milliseconds; `None` for anything else.
pub(crate) fn num_value(value: &str) -> Option<f64> {
    if let Ok(n) = value.trim().parse::<f64>() {
        return n.is_finite().then_some(n);
    }
    DateTime::parse_from_rfc3339(value.trim())
        .ok()
        .map(|at| at.timestamp_millis() as f64)
}

/// The ids in the `id` column of `rows`.
pub(crate) fn ids(rows: &[impl Get], column: &str) -> Result<Vec<i64>> {
    Ok(rows
        .iter()
        .map(|row| row.get(column))
        .collect::<Result<_, _>>()?)
}

/// The objects with `ids` in the portal (of the type and archived state, when given), in the
/// order of `ids`, with their properties.
pub(crate) async fn load(
    conn: &mut impl Exec,
    portal_id: i64,
    object_type_id: Option<&str>,
    archived: Option<bool>,
    ids: &[i64],
) -> Result<Vec<CrmObject>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // One statement: an object and its property values come as one row per value (and one
    // row with no value for an object without properties).
    let mut objects = query(
        "select o.id, o.object_type_id, o.created_at, o.updated_at, o.archived_at, \
         v.name, v.value from crm_object o \
         left join crm_property_value v on v.object_id = o.id where o.portal_id = $1",
    )
    .bind(portal_id);
    if let Some(t) = object_type_id {
        objects.push(" and o.object_type_id = ");
        objects.push_bind(t);
    }
    if let Some(a) = archived {
        objects.push(" and (case when o.archived then 1 else 0 end) = ");
        objects.push_bind(i64::from(a));
    }
    objects.push(" and o.id in (");
    objects.push_binds(ids.iter().copied());
    objects.push(")");
    let mut found: BTreeMap<i64, CrmObject> = BTreeMap::new();
    for row in &conn.fetch_all(objects).await? {
        let id: i64 = row.get("id")?;
        let object = match found.entry(id) {
            std::collections::btree_map::Entry::Occupied(entry) => entry.into_mut(),
            std::collections::btree_map::Entry::Vacant(entry) => {
                let archived_at: Option<i64> = row.get("archived_at")?;
                entry.insert(CrmObject {
                    id,
                    object_type_id: row.get("object_type_id")?,
                    properties: BTreeMap::new(),
                    created_at: from_millis(row.get("created_at")?),
                    updated_at: from_millis(row.get("updated_at")?),
                    archived_at: archived_at.map(from_millis),
                })
            }
        };
        let name: Option<String> = row.get("name")?;
        if let Some(name) = name {
            let value: Option<String> = row.get("value")?;
            object.properties.insert(name, value.unwrap_or_default());
        }
    }
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}

/// Rows one statement writes at most: well under both backends' limits on bound values.
const ROWS_PER_STATEMENT: usize = 500;

/// Writes `properties` of one object: their history, their values (an empty value removes
/// one) and the phone index. A few statements whatever the number of properties: one insert
/// of the history rows, one upsert of the values, one delete of the emptied ones (per
/// [`ROWS_PER_STATEMENT`]), and one statement per indexed phone property.
pub(crate) async fn write_properties(
    conn: &mut impl Exec,
    portal_id: i64,
    object_type_id: &str,
    object_id: i64,
    properties: &BTreeMap<String, String>,
    source_type: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let all: Vec<(&String, &String)> = properties.iter().collect();
    for rows in all.chunks(ROWS_PER_STATEMENT) {
        let mut history = query(
            "insert into crm_property_history \
             (object_id, name, value, changed_at, source_type) values ",
        );
        // The object, the time and the source are bound once and named again in every row.
        let mut shared: Option<(usize, usize, usize)> = None;
        for (i, (name, value)) in rows.iter().enumerate() {
            history.push(if i == 0 { "(" } else { ", (" });
            let object = match shared {
                Some((object, _, _)) => {
                    history.push_again(object);
                    object
                }
                None => history.push_bind(object_id),
            };
            history.push(", ");
            history.push_bind(name.as_str());
            history.push(", ");
            history.push_bind(value.as_str());
            history.push(", ");
            let (at, source) = match shared {
                Some((_, at, source)) => {
                    history.push_again(at);
                    history.push(", ");
                    history.push_again(source);
                    (at, source)
                }
                None => {
                    let at = history.push_bind(to_millis(now));
                    history.push(", ");
                    (at, history.push_bind(source_type))
                }
            };
            history.push(")");
            shared = Some((object, at, source));
        }
        conn.execute(history).await?;
        let (emptied, set): (Vec<_>, Vec<_>) = rows.iter().partition(|(_, v)| v.is_empty());
        if !set.is_empty() {
            let mut values =
                query("insert into crm_property_value (object_id, name, value, num_value) values ");
            let mut object = None;
            for (i, (name, value)) in set.iter().enumerate() {
                values.push(if i == 0 { "(" } else { ", (" });
                match object {
                    Some(n) => values.push_again(n),
                    None => object = Some(values.push_bind(object_id)),
                }
                values.push(", ");
                values.push_bind(name.as_str());
                values.push(", ");
                values.push_bind(value.as_str());
                values.push(", ");
                values.push_bind(num_value(value));
                values.push(")");
            }
            values.push(
                " on conflict (object_id, name) do update \
                 set value = excluded.value, num_value = excluded.num_value",
            );
            conn.execute(values).await?;
        }
        if !emptied.is_empty() {
            let mut delete =
                query("delete from crm_property_value where object_id = $1 and name in (")
                    .bind(object_id);
            delete.push_binds(emptied.iter().map(|(name, _)| name.as_str()));
            delete.push(")");
            conn.execute(delete).await?;
        }
    }
    for (name, value) in properties {
        if phone::is_indexed(object_type_id, name) {
            index_phone(conn, portal_id, object_id, name, value).await?;
        }
    }
    Ok(())
}

async fn index_phone(
    conn: &mut impl Exec,
    portal_id: i64,
    object_id: i64,
    property: &str,
    value: &str,
) -> Result<()> {
    let write = match phone::normalize(value, Some(phone::INDEX_REGION)) {
        Some(e164) => query(
            "insert into crm_phone (object_id, property, portal_id, e164) \
             values ($1, $2, $3, $4) on conflict (object_id, property) \
             do update set e164 = excluded.e164",
        )
        .bind(object_id)
        .bind(property)
        .bind(portal_id)
        .bind(e164),
        None => query("delete from crm_phone where object_id = $1 and property = $2")
            .bind(object_id)
            .bind(property),
    };
    conn.execute(write).await?;
    Ok(())
}

/// Checks that every end of `associations` exists in the portal (not archived), then writes
/// them and their reverses.
pub(crate) async fn insert_associations(
    conn: &mut impl Exec,
    portal_id: i64,
    associations: &[NewAssociation],
    now: DateTime<Utc>,
) -> Result<()> {
    if associations.is_empty() {
        return Ok(());
    }
    let wanted: BTreeSet<ObjectRef> = associations
        .iter()
        .flat_map(|a| [a.from.clone(), a.to.clone()])
        .collect();
    let ids: Vec<i64> = wanted.iter().map(|r| r.id).collect();
    let found: BTreeSet<ObjectRef> = load(conn, portal_id, None, Some(false), &ids)
        .await?
        .into_iter()
        .map(|o| ObjectRef::new(&o.object_type_id, o.id))
        .collect();
    let missing: Vec<ObjectRef> = wanted.difference(&found).cloned().collect();
    if !missing.is_empty() {
        return Err(StoreError::Missing(missing));
    }
    for a in associations {
        for (from, to, kind) in [(&a.from, &a.to, &a.kind), (&a.to, &a.from, &a.reverse)] {
            conn.execute(
                query(
                    "insert into crm_association (portal_id, from_id, to_id, \
                     to_object_type_id, category, type_id, created_at) \
                     values ($1, $2, $3, $4, $5, $6, $7) on conflict do nothing",
                )
                .bind(portal_id)
                .bind(from.id)
                .bind(to.id)
                .bind(&to.object_type_id)
                .bind(&kind.category)
                .bind(kind.type_id)
                .bind(to_millis(now)),
            )
            .await?;
        }
    }
    Ok(())
}

/// Creates `objects` with their associations on `conn`, inside the caller's transaction (the
/// help desk writes a call and its ticket together).
pub(crate) async fn create_in(
    conn: &mut impl Exec,
    portal_id: i64,
    object_type_id: &str,
    objects: &[NewObject],
    source_type: &str,
    now: DateTime<Utc>,
) -> Result<Vec<CrmObject>> {
    if objects.is_empty() {
        return Ok(Vec::new());
    }
    let mut created = Vec::with_capacity(objects.len());
    let mut associations = Vec::new();
    for object in objects {
        let id: i64 = conn
            .fetch_one(
                query(
                    "insert into crm_object \
                     (portal_id, object_type_id, archived, created_at, updated_at) \
                     values ($1, $2, false, $3, $3) returning id",
                )
                .bind(portal_id)
                .bind(object_type_id)
                .bind(to_millis(now)),
            )
            .await?
            .get("id")?;
        let mut properties = object.properties.clone();
        properties.insert(OBJECT_ID.into(), id.to_string());
        properties.insert(CREATE_DATE.into(), iso(now));
        properties.insert(LAST_MODIFIED.into(), iso(now));
        write_properties(
            conn,
            portal_id,
            object_type_id,
            id,
            &properties,
            source_type,
            now,
        )
        .await?;
        let from = ObjectRef::new(object_type_id, id);
        associations.extend(
            object
                .associations
                .iter()
                .map(|(to, kind, reverse)| NewAssociation {
                    from: from.clone(),
                    to: to.clone(),
                    kind: kind.clone(),
                    reverse: reverse.clone(),
                }),
        );
        // What `load` would read back: the values written, an empty one being none.
        properties.retain(|_, value| !value.is_empty());
        created.push(CrmObject {
            id,
            object_type_id: object_type_id.to_owned(),
            properties,
            created_at: from_millis(to_millis(now)),
            updated_at: from_millis(to_millis(now)),
            archived_at: None,
        });
    }
    insert_associations(conn, portal_id, &associations, now).await?;
    Ok(created)
}

/// Changes `updates` on `conn`, inside the caller's transaction; a missing (or archived) id
/// fails them all with `Missing`, and the caller's transaction is then to be dropped.
pub(crate) async fn update_in(
    conn: &mut impl Exec,
    portal_id: i64,
    object_type_id: &str,
    updates: &[ObjectUpdate],
    source_type: &str,
    now: DateTime<Utc>,
) -> Result<Vec<CrmObject>> {
    if updates.is_empty() {
        return Ok(Vec::new());
    }
    let mut missing = Vec::new();
    for update in updates {
        let updated = conn
            .execute(
                query(
                    "update crm_object set updated_at = $1 where portal_id = $2 \
                     and object_type_id = $3 and id = $4 and archived = false",
                )
                .bind(to_millis(now))
                .bind(portal_id)
                .bind(object_type_id)
                .bind(update.id),
            )
            .await?;
        if updated == 0 {
            missing.push(ObjectRef::new(object_type_id, update.id));
            continue;
        }
        let mut properties = update.properties.clone();
        properties.insert(LAST_MODIFIED.into(), iso(now));
        write_properties(
            conn,
            portal_id,
            object_type_id,
            update.id,
            &properties,
            source_type,
            now,
        )
        .await?;
    }
    if !missing.is_empty() {
        return Err(StoreError::Missing(missing));
    }
    let ids: Vec<i64> = updates.iter().map(|u| u.id).collect();
    load(conn, portal_id, Some(object_type_id), None, &ids).await
}
