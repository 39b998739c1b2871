//! The [`CrmStore`] trait's queries, written once and implemented for every
//! [`SqlStore`] (both backends; see `crate::queries` for how). Writes go through the
//! transaction helpers of `super::objects`; schemas are in `super::schemas`.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::objects::{create_in, ids, insert_associations, load, update_in};
use super::search::{self, Search, SearchPage};
use super::{
    phone, schemas, Association, AssociationKind, CrmObject, CrmStore, NewAssociation, NewObject,
    ObjectRef, ObjectUpdate, PropertyVersion, SchemaRecord, Upserted,
};
use crate::error::Result;
use crate::model::{from_millis, to_millis};
use crate::sql::{query, Exec, Get, SqlStore, Write};

#[async_trait]
impl<S: SqlStore> CrmStore for S {
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
        let mut tx = self.begin_write().await?;
        let created = create_in(
            &mut tx,
            portal_id,
            object_type_id,
            creates,
            source_type,
            now,
        )
        .await?;
        let updated = update_in(
            &mut tx,
            portal_id,
            object_type_id,
            updates,
            source_type,
            now,
        )
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
        let mut archive = query(
            "update crm_object set archived = true, archived_at = $1, updated_at = $1 \
             where portal_id = $2 and object_type_id = $3 and archived = false and id in (",
        )
        .bind(to_millis(now))
        .bind(portal_id)
        .bind(object_type_id);
        archive.push_binds(ids.iter().copied());
        archive.push(")");
        let archived = self.execute(archive).await?;
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
        self.objects_by_id(portal_id, object_type_id, archived, ids)
            .await
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
        // The index holds a prefix of each value (`search::INDEXED_PREFIX`): find by it,
        // then compare whole values.
        let mut find = query(
            "select o.id from crm_object o join crm_property_value v \
             on v.object_id = o.id where o.portal_id = $1 and o.object_type_id = $2 \
             and v.name = $3 and ",
        )
        .bind(portal_id)
        .bind(object_type_id)
        .bind(property);
        find.push(&search::prefix("v.value"));
        find.push(" in (");
        let mut placeholders = Vec::new();
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                find.push(", ");
            }
            find.push("substr(");
            placeholders.push(find.push_bind(value));
            find.push(&format!(", 1, {})", search::INDEXED_PREFIX));
        }
        find.push(") and v.value in (");
        for (i, n) in placeholders.into_iter().enumerate() {
            if i > 0 {
                find.push(", ");
            }
            find.push_again(n);
        }
        find.push(") order by o.id");
        // A read by key (an index lookup per value): where it is asked for, on SQLite. The
        // call log finds a call this way before it creates one, on the message path.
        let mut conn = self.reader().await?;
        let found = ids(&conn.fetch_all(find).await?, "id")?;
        load(
            &mut conn,
            portal_id,
            Some(object_type_id),
            Some(archived),
            &found,
        )
        .await
    }

    async fn list_objects(
        &self,
        portal_id: i64,
        object_type_id: &str,
        archived: bool,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Vec<CrmObject>> {
        let mut conn = self.conn().await?;
        let page = conn
            .fetch_all(
                query(
                    "select id from crm_object where portal_id = $1 and object_type_id = $2 \
                     and archived = $3 and id > $4 order by id limit $5",
                )
                .bind(portal_id)
                .bind(object_type_id)
                .bind(archived)
                .bind(after.unwrap_or(0))
                .bind(i64::from(limit)),
            )
            .await?;
        let page = ids(&page, "id")?;
        load(
            &mut conn,
            portal_id,
            Some(object_type_id),
            Some(archived),
            &page,
        )
        .await
    }

    async fn property_history(
        &self,
        portal_id: i64,
        object_ids: &[i64],
        names: &[String],
    ) -> Result<BTreeMap<i64, BTreeMap<String, Vec<PropertyVersion>>>> {
        let mut history: BTreeMap<i64, BTreeMap<String, Vec<PropertyVersion>>> = BTreeMap::new();
        if object_ids.is_empty() || names.is_empty() {
            return Ok(history);
        }
        let mut versions = query(
            "select h.object_id, h.name, h.value, h.changed_at, h.source_type \
             from crm_property_history h join crm_object o on o.id = h.object_id \
             where o.portal_id = $1 and h.object_id in (",
        )
        .bind(portal_id);
        versions.push_binds(object_ids.iter().copied());
        versions.push(") and h.name in (");
        versions.push_binds(names);
        versions.push(") order by h.seq desc");
        for row in self.fetch_all(versions).await? {
            history
                .entry(row.get("object_id")?)
                .or_default()
                .entry(row.get("name")?)
                .or_default()
                .push(PropertyVersion {
                    value: row.get("value")?,
                    timestamp: from_millis(row.get("changed_at")?),
                    source_type: row.get("source_type")?,
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
        let from_where = search::from_where(self.backend(), portal_id, object_type_id, search);
        let mut conn = self.conn().await?;
        let mut count = query(format!("select count(*) as n{}", from_where.text));
        count.binds.clone_from(&from_where.binds);
        let total: i64 = conn.fetch_one(count).await?.get("n")?;
        let mut page = query(format!("select o.id{}", from_where.text));
        page.binds = from_where.binds;
        search::order_by(&mut page, &search.sorts);
        page.push(" limit ");
        page.push_bind(i64::from(search.limit));
        page.push(" offset ");
        page.push_bind(i64::try_from(search.offset).unwrap_or(i64::MAX));
        let page = ids(&conn.fetch_all(page).await?, "id")?;
        let objects = load(
            &mut conn,
            portal_id,
            Some(object_type_id),
            Some(false),
            &page,
        )
        .await?;
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
        let mut tx = self.begin_write().await?;
        insert_associations(&mut tx, portal_id, associations, now).await?;
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
        let rows = self
            .fetch_all(
                query(
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
                .bind(i64::from(limit)),
            )
            .await?;
        rows.iter()
            .map(|row| {
                Ok(Association {
                    from_id: from.id,
                    to: ObjectRef::new(to_type, row.get("to_id")?),
                    kind: AssociationKind {
                        category: row.get("category")?,
                        type_id: row.get("type_id")?,
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
        let mut tx = self.begin_write().await?;
        for a in associations {
            for (from, to, kind) in [(&a.from, &a.to, &a.kind), (&a.to, &a.from, &a.reverse)] {
                tx.execute(
                    query(
                        "delete from crm_association where portal_id = $1 and from_id = $2 \
                         and to_id = $3 and category = $4 and type_id = $5",
                    )
                    .bind(portal_id)
                    .bind(from.id)
                    .bind(to.id)
                    .bind(&kind.category)
                    .bind(kind.type_id),
                )
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
        Ok(self
            .execute(
                query(
                    "delete from crm_association where portal_id = $1 and \
                     ((from_id = $2 and to_id = $3) or (from_id = $3 and to_id = $2))",
                )
                .bind(portal_id)
                .bind(from.id)
                .bind(to.id),
            )
            .await?)
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
        let mut conn = self.conn().await?;
        let found = conn
            .fetch_all(
                query(
                    "select distinct p.object_id from crm_phone p \
                     join crm_object o on o.id = p.object_id and o.archived = false \
                     where p.portal_id = $1 and p.e164 = $2 order by p.object_id",
                )
                .bind(portal_id)
                .bind(e164),
            )
            .await?;
        let found = ids(&found, "object_id")?;
        load(&mut conn, portal_id, None, Some(false), &found).await
    }

    async fn create_schema(
        &self,
        portal_id: i64,
        name: &str,
        definition: &str,
        now: DateTime<Utc>,
    ) -> Result<SchemaRecord> {
        schemas::create_schema(self, portal_id, name, definition, now).await
    }

    async fn list_schemas(&self, portal_id: i64) -> Result<Vec<SchemaRecord>> {
        schemas::list_schemas(self, portal_id).await
    }

    async fn get_schema(&self, portal_id: i64, id_or_name: &str) -> Result<Option<SchemaRecord>> {
        schemas::get_schema(self, portal_id, id_or_name).await
    }

    async fn update_schema(
        &self,
        portal_id: i64,
        id: i64,
        definition: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<SchemaRecord>> {
        schemas::update_schema(self, portal_id, id, definition, now).await
    }

    async fn archive_schema(&self, portal_id: i64, id: i64) -> Result<bool> {
        schemas::archive_schema(self, portal_id, id).await
    }
}
