//! Objects read by id on SQLite, kept in memory while the database is unchanged.
//!
//! An app's backend reads the same few objects over and over (the contact on every call, the
//! call it is logging), and most of such a read's cost is building the object from its rows
//! (bench/README.md, "REST throughput"). [`ObjectCache`] keeps the objects a read by id
//! found, each under the log's index header ([`LogState`]) read before the snapshot the read
//! ran in began, and gives them out only while the header is still that one.
//!
//! Invariants:
//! - **An object is never given out older than the database holds it**: the header moves
//!   with every commit, of any connection or process (`crate::sqlite_reads`), and a lookup
//!   under a header other than the one the objects were kept under finds none. (An object read
//!   in a snapshot that began just after a commit the header did not yet show is kept under
//!   the older header: newer than it, never older.)
//! - **Bounded**: at most [`MAX_OBJECTS`]; once full, the cache starts over.
//! - An entry answers only the read it came from: the same object type and the same
//!   `archived` filter. An id the read did not find is not kept (the read runs again).

use std::collections::HashMap;
use std::sync::RwLock;

use crate::crm::CrmObject;
use crate::sqlite_reads::LogState;

/// How many objects are kept before the cache starts over.
const MAX_OBJECTS: usize = 1024;

#[derive(Default)]
pub(crate) struct ObjectCache {
    kept: RwLock<Kept>,
    /// How many reads were answered from memory (tests: that it is used).
    #[cfg(test)]
    pub(crate) hits: std::sync::atomic::AtomicU64,
}

#[derive(Default)]
struct Kept {
    /// The header the objects were read under.
    state: Option<LogState>,
    /// By portal and object id (ids are unique across object types).
    objects: HashMap<(i64, i64), Entry>,
}

struct Entry {
    object_type_id: String,
    archived: bool,
    object: CrmObject,
}

impl ObjectCache {
    /// The objects with these ids, in this order, when every one is kept from a read of the
    /// same type and `archived` filter under header `state`, the current one.
    pub(crate) fn get(
        &self,
        state: LogState,
        portal_id: i64,
        object_type_id: &str,
        archived: bool,
        ids: &[i64],
    ) -> Option<Vec<CrmObject>> {
        let kept = self.kept.read().unwrap_or_else(|p| p.into_inner());
        if kept.state != Some(state) || ids.is_empty() {
            return None;
        }
        let found = ids
            .iter()
            .map(|id| {
                kept.objects
                    .get(&(portal_id, *id))
                    .filter(|e| e.archived == archived && e.object_type_id == object_type_id)
                    .map(|e| e.object.clone())
            })
            .collect::<Option<Vec<_>>>()?;
        #[cfg(test)]
        self.hits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Some(found)
    }

    /// Keeps what a read of `object_type_id` with the `archived` filter found in a snapshot
    /// that began after header `state` was read.
    pub(crate) fn put(
        &self,
        state: LogState,
        portal_id: i64,
        object_type_id: &str,
        archived: bool,
        objects: &[CrmObject],
    ) {
        let mut kept = self.kept.write().unwrap_or_else(|p| p.into_inner());
        if kept.state != Some(state) || kept.objects.len() + objects.len() > MAX_OBJECTS {
            kept.objects.clear();
            kept.state = Some(state);
        }
        for object in objects.iter().take(MAX_OBJECTS) {
            kept.objects.insert(
                (portal_id, object.id),
                Entry {
                    object_type_id: object_type_id.to_owned(),
                    archived,
                    object: object.clone(),
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use crate::crm::{CrmStore, NewObject, ObjectUpdate};
    use crate::sqlite_reads::tests::store;
    use crate::{now, SqliteStore, Store, StoreOptions};

    fn hits(store: &SqliteStore) -> u64 {
        store.objects.hits.load(Ordering::Relaxed)
    }

    async fn title(store: &SqliteStore, portal_id: i64, id: i64) -> Option<String> {
        let found = store.get_objects(portal_id, "0-48", &[id], false).await;
        let mut found = found.unwrap();
        found
            .pop()
            .map(|call| call.properties["hs_call_title"].clone())
    }

    /// A read by id answers from memory only while nothing at all was committed: a write of
    /// the object, a write elsewhere, and a write by a connection of its own (as another
    /// process's) each send the next read to the database, which sees them.
    #[tokio::test]
    async fn an_object_comes_from_memory_only_while_nothing_was_committed() {
        let (dir, store) = store(StoreOptions::DEFAULT_STATEMENT_TIMEOUT).await;
        let portal_id = store.create_portal("P").await.unwrap().id;
        let call = NewObject {
            properties: [("hs_call_title".to_owned(), "One".to_owned())].into(),
            associations: Vec::new(),
        };
        let id = store
            .create_objects(portal_id, "0-48", &[call], "API", now())
            .await
            .unwrap()[0]
            .id;
        assert_eq!(title(&store, portal_id, id).await.as_deref(), Some("One"));
        let before = hits(&store);
        assert_eq!(title(&store, portal_id, id).await.as_deref(), Some("One"));
        assert_eq!(hits(&store), before + 1, "the second read came from memory");

        // The object written through the store.
        let update = ObjectUpdate {
            id,
            properties: [("hs_call_title".to_owned(), "Two".to_owned())].into(),
        };
        store
            .update_objects(portal_id, "0-48", &[update], "API", now())
            .await
            .unwrap();
        assert_eq!(title(&store, portal_id, id).await.as_deref(), Some("Two"));

        // Something else written: nothing kept is given out, though it is unchanged.
        let misses = hits(&store);
        store.create_portal("Q").await.unwrap();
        assert_eq!(title(&store, portal_id, id).await.as_deref(), Some("Two"));
        assert_eq!(hits(&store), misses);

        // The object written by another connection to the file.
        let other = rusqlite::Connection::open(dir.path().join("t.db")).unwrap();
        other
            .execute(
                "update crm_property_value set value = 'Three' \
                 where object_id = ?1 and name = 'hs_call_title'",
                [id],
            )
            .unwrap();
        assert_eq!(title(&store, portal_id, id).await.as_deref(), Some("Three"));
        let before = hits(&store);
        assert_eq!(title(&store, portal_id, id).await.as_deref(), Some("Three"));
        assert_eq!(hits(&store), before + 1);

        // A kept object answers only a read of its own type, archived filter and portal.
        let contacts = store.get_objects(portal_id, "0-1", &[id], false).await;
        assert!(contacts.unwrap().is_empty());
        let archived = store.get_objects(portal_id, "0-48", &[id], true).await;
        assert!(archived.unwrap().is_empty());
        let elsewhere = store.get_objects(portal_id + 1, "0-48", &[id], false).await;
        assert!(elsewhere.unwrap().is_empty());
        store
            .archive_objects(portal_id, "0-48", &[id], now())
            .await
            .unwrap();
        assert_eq!(title(&store, portal_id, id).await, None);
        let archived = store.get_objects(portal_id, "0-48", &[id], true).await;
        assert_eq!(archived.unwrap().len(), 1);
    }
}
