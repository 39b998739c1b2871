//! Saved searches of the host's list pages, behind [`SavedSearchStore`]: a name and a CRM
//! search query per portal, user and object type, kept server side so that they follow the
//! user from browser to browser.
//!
//! A saved search keeps the question, not its answer: whoever runs it searches again.
//!
//! Invariants:
//! - **Scoped by portal and user**: every method takes both, and another user's search looks
//!   absent (it is neither listed nor deleted).
//! - **A name is unique per (portal, user, object type)**, enforced by the table, so two
//!   concurrent saves of one name cannot both succeed: the second is a `Duplicate`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::duplicate_as;
use crate::model::{from_millis, to_millis};
use crate::sql::{query, Get, SqlStore};
use crate::Result;

/// A saved search as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedSearch {
    pub id: i64,
    pub portal_id: i64,
    pub user_id: i64,
    /// `0-1`, `2-17`, ...: the type whose list it searches.
    pub object_type_id: String,
    pub name: String,
    /// The CRM search API's `query` text.
    pub query: String,
    pub created_at: DateTime<Utc>,
}

/// A search to save. The caller has checked the values (the store knows no CRM catalog).
#[derive(Debug, Clone, Copy)]
pub struct NewSavedSearch<'a> {
    pub portal_id: i64,
    pub user_id: i64,
    pub object_type_id: &'a str,
    pub name: &'a str,
    pub query: &'a str,
}

/// The saved searches of users. A supertrait of [`Store`](crate::Store).
#[async_trait]
pub trait SavedSearchStore: Send + Sync {
    /// The user's saved searches of one object type, by name (case-insensitively, then
    /// exactly, the same on both backends whatever the database's collation).
    async fn list_saved_searches(
        &self,
        portal_id: i64,
        user_id: i64,
        object_type_id: &str,
    ) -> Result<Vec<SavedSearch>>;

    /// Saves a search; `Duplicate` (and nothing written) when the user already has one of that
    /// name for that object type.
    async fn create_saved_search(
        &self,
        search: &NewSavedSearch<'_>,
        now: DateTime<Utc>,
    ) -> Result<SavedSearch>;

    /// Deletes the user's saved search `id`; `false` when the user has none with that id.
    async fn delete_saved_search(&self, portal_id: i64, user_id: i64, id: i64) -> Result<bool>;
}

/// Sorts saved searches as [`SavedSearchStore::list_saved_searches`] promises. Done here, not
/// in SQL, because PostgreSQL's `order by` follows the database's collation and SQLite's does not.
fn sort_by_name(searches: &mut [SavedSearch]) {
    searches.sort_by(|a, b| {
        (a.name.to_lowercase(), &a.name, a.id).cmp(&(b.name.to_lowercase(), &b.name, b.id))
    });
}

const COLUMNS: &str = "id, portal_id, user_id, object_type_id, name, query, created_at";

fn saved_search_from_row(row: &impl Get) -> Result<SavedSearch> {
    Ok(SavedSearch {
        id: row.get("id")?,
        portal_id: row.get("portal_id")?,
        user_id: row.get("user_id")?,
        object_type_id: row.get("object_type_id")?,
        name: row.get("name")?,
        query: row.get("query")?,
        created_at: from_millis(row.get("created_at")?),
    })
}

#[async_trait]
impl<S: SqlStore> SavedSearchStore for S {
    async fn list_saved_searches(
        &self,
        portal_id: i64,
        user_id: i64,
        object_type_id: &str,
    ) -> Result<Vec<SavedSearch>> {
        let rows = self
            .fetch_all(
                query(format!(
                    "select {COLUMNS} from saved_search \
                     where portal_id = $1 and user_id = $2 and object_type_id = $3"
                ))
                .bind(portal_id)
                .bind(user_id)
                .bind(object_type_id),
            )
            .await?;
        let mut searches = rows
            .iter()
            .map(saved_search_from_row)
            .collect::<Result<Vec<_>>>()?;
        sort_by_name(&mut searches);
        Ok(searches)
    }

    async fn create_saved_search(
        &self,
        search: &NewSavedSearch<'_>,
        now: DateTime<Utc>,
    ) -> Result<SavedSearch> {
        let row = self
            .fetch_one(
                query(format!(
                    "insert into saved_search \
                     (portal_id, user_id, object_type_id, name, query, created_at) \
                     values ($1, $2, $3, $4, $5, $6) returning {COLUMNS}"
                ))
                .bind(search.portal_id)
                .bind(search.user_id)
                .bind(search.object_type_id)
                .bind(search.name)
                .bind(search.query)
                .bind(to_millis(now)),
            )
            .await
            .map_err(|err| {
                duplicate_as(err, || {
                    format!("A saved search named {} already exists.", search.name)
                })
            })?;
        saved_search_from_row(&row)
    }

    async fn delete_saved_search(&self, portal_id: i64, user_id: i64, id: i64) -> Result<bool> {
        let deleted = self
            .execute(
                query("delete from saved_search where id = $1 and portal_id = $2 and user_id = $3")
                    .bind(id)
                    .bind(portal_id)
                    .bind(user_id),
            )
            .await?;
        Ok(deleted > 0)
    }
}
