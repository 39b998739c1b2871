//! The CRM queries, written once and compiled for each backend by [`impl_crm_store!`], as
//! `crate::queries` does for the rest of the store.
//!
//! Every write runs in one transaction that starts with a write, so that SQLite takes its
//! write lock at once (a transaction that reads first and writes later can fail with
//! `SQLITE_BUSY` instead of waiting). Loads are by id lists built from bound placeholders.

use chrono::{DateTime, SecondsFormat, Utc};

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

/// `$first, $first+1, ...` for `count` values.
pub(crate) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

macro_rules! impl_crm_store {
    ($store:ty, $row:ty, $conn:ty) => {
        mod crm_impl {
            use std::collections::{BTreeMap, BTreeSet};

            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use sqlx::Row;

            use super::*;
            use crate::crm::phone;
            use crate::crm::queries::{iso, num_value, placeholders};
            use crate::crm::search::{self, Bind};
            use crate::crm::*;
            use crate::error::{is_unique_violation, Result, StoreError};
            use crate::model::{from_millis, to_millis};

            type Conn = $conn;

            /// Binds `binds` in order onto a query.
            macro_rules! bind_all {
                ($query:expr, $binds:expr) => {{
                    let mut query = $query;
                    for bind in $binds {
                        query = match bind {
                            Bind::Text(s) => query.bind(s.clone()),
                            Bind::Real(n) => query.bind(*n),
                            Bind::Int(n) => query.bind(*n),
                        };
                    }
                    query
                }};
            }

            /// The objects with `ids` in the portal (of the type and archived state, when
            /// given), in the order of `ids`, with their properties.
            pub(crate) async fn load(
                conn: &mut Conn,
                portal_id: i64,
                object_type_id: Option<&str>,
                archived: Option<bool>,
                ids: &[i64],
            ) -> Result<Vec<CrmObject>> {
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let mut sql = String::from(
                    "select id, object_type_id, created_at, updated_at, archived_at \
                     from crm_object where portal_id = $1",
                );
                let mut binds = vec![Bind::Int(portal_id)];
                if let Some(t) = object_type_id {
                    binds.push(Bind::Text(t.to_owned()));
                    sql.push_str(&format!(" and object_type_id = ${}", binds.len()));
                }
                if let Some(a) = archived {
                    binds.push(Bind::Int(i64::from(a)));
                    sql.push_str(&format!(
                        " and (case when archived then 1 else 0 end) = ${}",
                        binds.len()
                    ));
                }
                sql.push_str(&format!(
                    " and id in ({})",
                    placeholders(binds.len() + 1, ids.len())
                ));
                binds.extend(ids.iter().map(|id| Bind::Int(*id)));
                let rows = bind_all!(sqlx::query(&sql), &binds)
                    .fetch_all(&mut *conn)
                    .await?;
                let mut found = BTreeMap::new();
                for row in &rows {
                    let id: i64 = row.try_get("id")?;
                    let archived_at: Option<i64> = row.try_get("archived_at")?;
                    found.insert(
                        id,
                        CrmObject {
                            id,
                            object_type_id: row.try_get("object_type_id")?,
                            properties: BTreeMap::new(),
                            created_at: from_millis(row.try_get("created_at")?),
                            updated_at: from_millis(row.try_get("updated_at")?),
                            archived_at: archived_at.map(from_millis),
                        },
                    );
                }
                if found.is_empty() {
                    return Ok(Vec::new());
                }
                let sql = format!(
                    "select object_id, name, value from crm_property_value where object_id in ({})",
                    placeholders(1, found.len())
                );
                let mut query = sqlx::query(&sql);
                for id in found.keys() {
                    query = query.bind(*id);
                }
                for row in query.fetch_all(&mut *conn).await? {
                    let id: i64 = row.try_get("object_id")?;
                    if let Some(object) = found.get_mut(&id) {
                        object
                            .properties
                            .insert(row.try_get("name")?, row.try_get("value")?);
                    }
                }
                Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
            }

            /// Writes `properties` of one object, with history and the phone index.
            async fn write_properties(
                conn: &mut Conn,
                portal_id: i64,
                object_type_id: &str,
                object_id: i64,
                properties: &BTreeMap<String, String>,
                source_type: &str,
                now: DateTime<Utc>,
            ) -> Result<()> {
                for (name, value) in properties {
                    sqlx::query(
                        "insert into crm_property_history \
                         (object_id, name, value, changed_at, source_type) values ($1, $2, $3, $4, $5)",
                    )
                    .bind(object_id)
                    .bind(name)
                    .bind(value)
                    .bind(to_millis(now))
                    .bind(source_type)
                    .execute(&mut *conn)
                    .await?;
                    if value.is_empty() {
                        sqlx::query("delete from crm_property_value where object_id = $1 and name = $2")
                            .bind(object_id)
                            .bind(name)
                            .execute(&mut *conn)
                            .await?;
                    } else {
                        sqlx::query(
                            "insert into crm_property_value (object_id, name, value, num_value) \
                             values ($1, $2, $3, $4) on conflict (object_id, name) do update \
                             set value = excluded.value, num_value = excluded.num_value",
                        )
                        .bind(object_id)
                        .bind(name)
                        .bind(value)
                        .bind(num_value(value))
                        .execute(&mut *conn)
                        .await?;
                    }
                    if phone::is_indexed(object_type_id, name) {
                        index_phone(conn, portal_id, object_id, name, value).await?;
                    }
                }
                Ok(())
            }

            async fn index_phone(
                conn: &mut Conn,
                portal_id: i64,
                object_id: i64,
                property: &str,
                value: &str,
            ) -> Result<()> {
                match phone::normalize(value, Some(phone::INDEX_REGION)) {
                    Some(e164) => {
                        sqlx::query(
                            "insert into crm_phone (object_id, property, portal_id, e164) \
                             values ($1, $2, $3, $4) on conflict (object_id, property) \
                             do update set e164 = excluded.e164",
                        )
                        .bind(object_id)
                        .bind(property)
                        .bind(portal_id)
                        .bind(e164)
                        .execute(&mut *conn)
                        .await?;
                    }
                    None => {
                        sqlx::query("delete from crm_phone where object_id = $1 and property = $2")
                            .bind(object_id)
                            .bind(property)
                            .execute(&mut *conn)
                            .await?;
                    }
                }
                Ok(())
            }

            /// Checks that every end of `associations` exists in the portal (not archived),
            /// then writes them and their reverses.
            pub(crate) async fn insert_associations(
                conn: &mut Conn,
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
                        sqlx::query(
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
                        .bind(to_millis(now))
                        .execute(&mut *conn)
                        .await?;
                    }
                }
                Ok(())
            }

            /// Creates `objects` with their associations on `conn`, inside the caller's
            /// transaction (the help desk writes a call and its ticket together).
            pub(crate) async fn create_in(
                conn: &mut Conn,
                portal_id: i64,
                object_type_id: &str,
                objects: &[NewObject],
                source_type: &str,
                now: DateTime<Utc>,
            ) -> Result<Vec<CrmObject>> {
                if objects.is_empty() {
                    return Ok(Vec::new());
                }
                let mut ids = Vec::with_capacity(objects.len());
                let mut associations = Vec::new();
                for object in objects {
                    let id: i64 = sqlx::query(
                        "insert into crm_object \
                         (portal_id, object_type_id, archived, created_at, updated_at) \
                         values ($1, $2, false, $3, $3) returning id",
                    )
                    .bind(portal_id)
                    .bind(object_type_id)
                    .bind(to_millis(now))
                    .fetch_one(&mut *conn)
                    .await?
                    .try_get("id")?;
                    let mut properties = object.properties.clone();
                    properties.insert(OBJECT_ID.into(), id.to_string());
                    properties.insert(CREATE_DATE.into(), iso(now));
                    properties.insert(LAST_MODIFIED.into(), iso(now));
                    write_properties(
                        &mut *conn, portal_id, object_type_id, id, &properties, source_type, now,
                    )
                    .await?;
                    let from = ObjectRef::new(object_type_id, id);
                    associations.extend(object.associations.iter().map(|(to, kind, reverse)| {
                        NewAssociation {
                            from: from.clone(),
                            to: to.clone(),
                            kind: kind.clone(),
                            reverse: reverse.clone(),
                        }
                    }));
                    ids.push(id);
                }
                insert_associations(&mut *conn, portal_id, &associations, now).await?;
                load(&mut *conn, portal_id, Some(object_type_id), None, &ids).await
            }

            /// Changes `updates` on `conn`, inside the caller's transaction; a missing (or
            /// archived) id fails them all with `Missing`, and the caller's transaction is then
            /// to be dropped.
            pub(crate) async fn update_in(
                conn: &mut Conn,
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
                    let done = sqlx::query(
                        "update crm_object set updated_at = $1 where portal_id = $2 \
                         and object_type_id = $3 and id = $4 and archived = false",
                    )
                    .bind(to_millis(now))
                    .bind(portal_id)
                    .bind(object_type_id)
                    .bind(update.id)
                    .execute(&mut *conn)
                    .await?;
                    if done.rows_affected() == 0 {
                        missing.push(ObjectRef::new(object_type_id, update.id));
                        continue;
                    }
                    let mut properties = update.properties.clone();
                    properties.insert(LAST_MODIFIED.into(), iso(now));
                    write_properties(
                        &mut *conn, portal_id, object_type_id, update.id, &properties, source_type,
                        now,
                    )
                    .await?;
                }
                if !missing.is_empty() {
                    return Err(StoreError::Missing(missing));
                }
                let ids: Vec<i64> = updates.iter().map(|u| u.id).collect();
                load(&mut *conn, portal_id, Some(object_type_id), None, &ids).await
            }

            fn schema_from_row(row: &$row) -> Result<SchemaRecord> {
                Ok(SchemaRecord {
                    id: row.try_get("id")?,
                    name: row.try_get("name")?,
                    definition: row.try_get("definition")?,
                    created_at: from_millis(row.try_get("created_at")?),
                    updated_at: from_millis(row.try_get("updated_at")?),
                })
            }

            #[async_trait]
            impl CrmStore for $store {
                async fn create_objects(
                    &self,
                    portal_id: i64,
                    object_type_id: &str,
                    objects: &[NewObject],
                    source_type: &str,
                    now: DateTime<Utc>,
                ) -> Result<Vec<CrmObject>> {
                    let done = self
                        .upsert_objects(portal_id, object_type_id, objects, &[], source_type, now)
                        .await?;
                    Ok(done.created)
                }

                async fn update_objects(
                    &self,
                    portal_id: i64,
                    object_type_id: &str,
                    updates: &[ObjectUpdate],
                    source_type: &str,
                    now: DateTime<Utc>,
                ) -> Result<Vec<CrmObject>> {
                    let done = self
                        .upsert_objects(portal_id, object_type_id, &[], updates, source_type, now)
                        .await?;
                    Ok(done.updated)
                }

                async fn upsert_objects(
                    &self,
                    portal_id: i64,
                    object_type_id: &str,
                    creates: &[NewObject],
                    updates: &[ObjectUpdate],
                    source_type: &str,
                    now: DateTime<Utc>,
                ) -> Result<Upserted> {
                    let mut tx = self.pool.begin().await?;
                    let created =
                        create_in(&mut *tx, portal_id, object_type_id, creates, source_type, now)
                            .await?;
                    let updated =
                        update_in(&mut *tx, portal_id, object_type_id, updates, source_type, now)
                            .await?;
                    tx.commit().await?;
                    self.after_writes(created.len() + updated.len()).await;
                    Ok(Upserted { created, updated })
                }

                async fn archive_objects(
                    &self,
                    portal_id: i64,
                    object_type_id: &str,
                    ids: &[i64],
                    now: DateTime<Utc>,
                ) -> Result<()> {
                    if ids.is_empty() {
                        return Ok(());
                    }
                    let sql = format!(
                        "update crm_object set archived = true, archived_at = $1, updated_at = $1 \
                         where portal_id = $2 and object_type_id = $3 and archived = false \
                         and id in ({})",
                        placeholders(4, ids.len())
                    );
                    let mut query = sqlx::query(&sql)
                        .bind(to_millis(now))
                        .bind(portal_id)
                        .bind(object_type_id);
                    for id in ids {
                        query = query.bind(*id);
                    }
                    let archived = query.execute(&self.pool).await?.rows_affected();
                    self.after_writes(archived as usize).await;
                    Ok(())
                }

                async fn get_objects(
                    &self,
                    portal_id: i64,
                    object_type_id: &str,
                    ids: &[i64],
                    archived: bool,
                ) -> Result<Vec<CrmObject>> {
                    let mut conn = self.pool.acquire().await?;
                    load(&mut *conn, portal_id, Some(object_type_id), Some(archived), ids).await
                }

                async fn find_objects_by_property(
                    &self,
                    portal_id: i64,
                    object_type_id: &str,
                    property: &str,
                    values: &[String],
                    archived: bool,
                ) -> Result<Vec<CrmObject>> {
                    if values.is_empty() {
                        return Ok(Vec::new());
                    }
                    let sql = format!(
                        "select o.id from crm_object o join crm_property_value v \
                         on v.object_id = o.id where o.portal_id = $1 and o.object_type_id = $2 \
                         and v.name = $3 and v.value in ({}) order by o.id",
                        placeholders(4, values.len())
                    );
                    let mut query = sqlx::query(&sql)
                        .bind(portal_id)
                        .bind(object_type_id)
                        .bind(property);
                    for value in values {
                        query = query.bind(value);
                    }
                    let mut conn = self.pool.acquire().await?;
                    let ids = query
                        .fetch_all(&mut *conn)
                        .await?
                        .iter()
                        .map(|row| row.try_get("id"))
                        .collect::<Result<Vec<i64>, _>>()?;
                    load(&mut *conn, portal_id, Some(object_type_id), Some(archived), &ids).await
                }

                async fn list_objects(
                    &self,
                    portal_id: i64,
                    object_type_id: &str,
                    archived: bool,
                    after: Option<i64>,
                    limit: u32,
                ) -> Result<Vec<CrmObject>> {
                    let mut conn = self.pool.acquire().await?;
                    let ids = sqlx::query(
                        "select id from crm_object where portal_id = $1 and object_type_id = $2 \
                         and archived = $3 and id > $4 order by id limit $5",
                    )
                    .bind(portal_id)
                    .bind(object_type_id)
                    .bind(archived)
                    .bind(after.unwrap_or(0))
                    .bind(i64::from(limit))
                    .fetch_all(&mut *conn)
                    .await?
                    .iter()
                    .map(|row| row.try_get("id"))
                    .collect::<Result<Vec<i64>, _>>()?;
                    load(&mut *conn, portal_id, Some(object_type_id), Some(archived), &ids).await
                }

                async fn property_history(
                    &self,
                    portal_id: i64,
                    object_ids: &[i64],
                    names: &[String],
                ) -> Result<BTreeMap<i64, BTreeMap<String, Vec<PropertyVersion>>>> {
                    let mut history: BTreeMap<i64, BTreeMap<String, Vec<PropertyVersion>>> =
                        BTreeMap::new();
                    if object_ids.is_empty() || names.is_empty() {
                        return Ok(history);
                    }
                    let sql = format!(
                        "select h.object_id, h.name, h.value, h.changed_at, h.source_type \
                         from crm_property_history h join crm_object o on o.id = h.object_id \
                         where o.portal_id = $1 and h.object_id in ({}) and h.name in ({}) \
                         order by h.seq desc",
                        placeholders(2, object_ids.len()),
                        placeholders(2 + object_ids.len(), names.len())
                    );
                    let mut query = sqlx::query(&sql).bind(portal_id);
                    for id in object_ids {
                        query = query.bind(*id);
                    }
                    for name in names {
                        query = query.bind(name);
                    }
                    for row in query.fetch_all(&self.pool).await? {
                        history
                            .entry(row.try_get("object_id")?)
                            .or_default()
                            .entry(row.try_get("name")?)
                            .or_default()
                            .push(PropertyVersion {
                                value: row.try_get("value")?,
                                timestamp: from_millis(row.try_get("changed_at")?),
                                source_type: row.try_get("source_type")?,
                            });
                    }
                    Ok(history)
                }

                async fn search_objects(
                    &self,
                    portal_id: i64,
                    object_type_id: &str,
                    search: &Search,
                ) -> Result<SearchPage> {
                    let from_where = search::from_where(
                        crate::Store::backend(self),
                        portal_id,
                        object_type_id,
                        search,
                    );
                    let mut conn = self.pool.acquire().await?;
                    let count_sql = format!("select count(*) as n{}", from_where.text);
                    let total: i64 = bind_all!(sqlx::query(&count_sql), &from_where.binds)
                        .fetch_one(&mut *conn)
                        .await?
                        .try_get("n")?;
                    let mut page = search::Sql {
                        text: format!("select o.id{}", from_where.text),
                        binds: from_where.binds,
                    };
                    search::order_by(&mut page, &search.sorts);
                    page.push(" limit ");
                    page.bind(Bind::Int(i64::from(search.limit)));
                    page.push(" offset ");
                    page.bind(Bind::Int(i64::try_from(search.offset).unwrap_or(i64::MAX)));
                    let ids = bind_all!(sqlx::query(&page.text), &page.binds)
                        .fetch_all(&mut *conn)
                        .await?
                        .iter()
                        .map(|row| row.try_get("id"))
                        .collect::<Result<Vec<i64>, _>>()?;
                    let objects =
                        load(&mut *conn, portal_id, Some(object_type_id), Some(false), &ids).await?;
                    Ok(SearchPage {
                        total: u64::try_from(total).unwrap_or(0),
                        objects,
                    })
                }

                async fn associate(
                    &self,
                    portal_id: i64,
                    associations: &[NewAssociation],
                    now: DateTime<Utc>,
                ) -> Result<()> {
                    let mut tx = self.pool.begin().await?;
                    insert_associations(&mut *tx, portal_id, associations, now).await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn list_associations(
                    &self,
                    portal_id: i64,
                    from: &ObjectRef,
                    to_type: &str,
                    after: Option<i64>,
                    limit: u32,
                ) -> Result<Vec<Association>> {
                    let rows = sqlx::query(
                        "select a.to_id, a.category, a.type_id from crm_association a \
                         join crm_object t on t.id = a.to_id and t.archived = false \
                         where a.portal_id = $1 and a.from_id = $2 and a.to_object_type_id = $3 \
                         and a.to_id in (select distinct b.to_id from crm_association b \
                           join crm_object u on u.id = b.to_id and u.archived = false \
                           where b.portal_id = $1 and b.from_id = $2 and b.to_object_type_id = $3 \
                           and b.to_id > $4 order by b.to_id limit $5) \
                         order by a.to_id, a.category, a.type_id",
                    )
                    .bind(portal_id)
                    .bind(from.id)
                    .bind(to_type)
                    .bind(after.unwrap_or(0))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter()
                        .map(|row| {
                            Ok(Association {
                                from_id: from.id,
                                to: ObjectRef::new(to_type, row.try_get("to_id")?),
                                kind: AssociationKind {
                                    category: row.try_get("category")?,
                                    type_id: row.try_get("type_id")?,
                                },
                            })
                        })
                        .collect()
                }

                async fn remove_association_kinds(
                    &self,
                    portal_id: i64,
                    associations: &[NewAssociation],
                ) -> Result<()> {
                    let mut tx = self.pool.begin().await?;
                    for a in associations {
                        for (from, to, kind) in [(&a.from, &a.to, &a.kind), (&a.to, &a.from, &a.reverse)] {
                            sqlx::query(
                                "delete from crm_association where portal_id = $1 and from_id = $2 \
                                 and to_id = $3 and category = $4 and type_id = $5",
                            )
                            .bind(portal_id)
                            .bind(from.id)
                            .bind(to.id)
                            .bind(&kind.category)
                            .bind(kind.type_id)
                            .execute(&mut *tx)
                            .await?;
                        }
                    }
                    tx.commit().await?;
                    Ok(())
                }

                async fn remove_associations(
                    &self,
                    portal_id: i64,
                    from: &ObjectRef,
                    to: &ObjectRef,
                ) -> Result<u64> {
                    let done = sqlx::query(
                        "delete from crm_association where portal_id = $1 and \
                         ((from_id = $2 and to_id = $3) or (from_id = $3 and to_id = $2))",
                    )
                    .bind(portal_id)
                    .bind(from.id)
                    .bind(to.id)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected())
                }

                async fn find_by_phone(
                    &self,
                    portal_id: i64,
                    raw: &str,
                    default_region: Option<&str>,
                ) -> Result<Vec<CrmObject>> {
                    let Some(e164) = phone::normalize(raw, default_region) else {
                        return Ok(Vec::new());
                    };
                    let mut conn = self.pool.acquire().await?;
                    let ids = sqlx::query(
                        "select distinct p.object_id from crm_phone p \
                         join crm_object o on o.id = p.object_id and o.archived = false \
                         where p.portal_id = $1 and p.e164 = $2 order by p.object_id",
                    )
                    .bind(portal_id)
                    .bind(e164)
                    .fetch_all(&mut *conn)
                    .await?
                    .iter()
                    .map(|row| row.try_get("object_id"))
                    .collect::<Result<Vec<i64>, _>>()?;
                    load(&mut *conn, portal_id, None, Some(false), &ids).await
                }

                async fn create_schema(
                    &self,
                    portal_id: i64,
                    name: &str,
                    definition: &str,
                    now: DateTime<Utc>,
                ) -> Result<SchemaRecord> {
                    let row = sqlx::query(
                        "insert into crm_schema (portal_id, name, definition, archived, \
                         created_at, updated_at) values ($1, $2, $3, false, $4, $4) returning *",
                    )
                    .bind(portal_id)
                    .bind(name)
                    .bind(definition)
                    .bind(to_millis(now))
                    .fetch_one(&self.pool)
                    .await
                    .map_err(|err| {
                        if is_unique_violation(&err) {
                            StoreError::Conflict(format!("A schema named {name} already exists."))
                        } else {
                            err.into()
                        }
                    })?;
                    schema_from_row(&row)
                }

                async fn list_schemas(&self, portal_id: i64) -> Result<Vec<SchemaRecord>> {
                    let rows = sqlx::query(
                        "select * from crm_schema where portal_id = $1 and archived = false order by id",
                    )
                    .bind(portal_id)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter().map(schema_from_row).collect()
                }

                async fn get_schema(
                    &self,
                    portal_id: i64,
                    id_or_name: &str,
                ) -> Result<Option<SchemaRecord>> {
                    let id = id_or_name
                        .strip_prefix("2-")
                        .unwrap_or(id_or_name)
                        .parse::<i64>()
                        .unwrap_or(-1);
                    let row = sqlx::query(
                        "select * from crm_schema where portal_id = $1 and archived = false \
                         and (id = $2 or name = $3)",
                    )
                    .bind(portal_id)
                    .bind(id)
                    .bind(id_or_name)
                    .fetch_optional(&self.pool)
                    .await?;
                    row.as_ref().map(schema_from_row).transpose()
                }

                async fn update_schema(
                    &self,
                    portal_id: i64,
                    id: i64,
                    definition: &str,
                    now: DateTime<Utc>,
                ) -> Result<Option<SchemaRecord>> {
                    let row = sqlx::query(
                        "update crm_schema set definition = $3, updated_at = $4 \
                         where portal_id = $1 and id = $2 and archived = false returning *",
                    )
                    .bind(portal_id)
                    .bind(id)
                    .bind(definition)
                    .bind(to_millis(now))
                    .fetch_optional(&self.pool)
                    .await?;
                    row.as_ref().map(schema_from_row).transpose()
                }

                async fn archive_schema(&self, portal_id: i64, id: i64) -> Result<bool> {
                    let done = sqlx::query(
                        "update crm_schema set archived = true \
                         where portal_id = $1 and id = $2 and archived = false",
                    )
                    .bind(portal_id)
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() > 0)
                }
            }
        }
    };
}

pub(crate) use impl_crm_store;
