//! Objects read by id on SQLite, kept in memory while the database is unchanged.
//!
//! An app's backend reads the same few objects over and over (the contact on every call, the
//! call it is logging), and most of such a read's cost is SQLite's and building the object
//! from its rows (bench/README.md, "REST throughput"). [`ObjectCache`] keeps what a read by id
//! found under the log's index header ([`LogState`], `crate::sqlite_reads`), and answers a
//! read from memory while the header is still that one.
//!
//! Invariants:
//! - **What memory answers is what the database holds**: the header moves with every commit,
//!   of any connection or process, and a lookup under another header finds nothing. A read's
//!   objects are kept only when the header read just before the read and the one read just
//!   after it are the same: no commit came between, so the read saw the database under that
//!   header, and every object kept under one header comes from that one state.
//! - **Bounded**: at most [`MAX_OBJECTS`] objects and about [`MAX_BYTES`] of names and values;
//!   past either, the cache starts over.
//! - An entry answers only a read like the one it came from: the same portal, object type and
//!   `archived` filter. An id the read did not find is not kept (the read runs again), and an
//!   id asked for twice is answered once, as the database's read answers.

use std::collections::{HashMap, HashSet};
use std::sync::RwLock;

use crate::crm::CrmObject;
use crate::sqlite_reads::LogState;

/// How many objects are kept before the cache starts over.
const MAX_OBJECTS: usize = 1024;

/// About how many bytes of property names and values are kept before the cache starts over
/// (a value may be 65,536 characters long).
const MAX_BYTES: usize = 32 << 20;

/// What an object costs besides its properties' text, and each property besides its name and
/// value: the map's nodes, the strings' headers, the dates (roughly).
const OBJECT_OVERHEAD: usize = 128;
const PROPERTY_OVERHEAD: usize = 64;

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
    /// About how many bytes the objects take ([`size`]).
    bytes: usize,
}

/// About how many bytes `object` takes in memory.
fn size(object: &CrmObject) -> usize {
    let properties: usize = object
        .properties
        .iter()
        .map(|(name, value)| name.len() + value.len() + PROPERTY_OVERHEAD)
        .sum();
    OBJECT_OVERHEAD + object.object_type_id.len() + properties
}

struct Entry {
    /// The read's `archived` filter (the object's type is its own `object_type_id`).
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
        if kept.state != Some(state) || ids.is_empty() || ids.len() > MAX_OBJECTS {
            return None;
        }
        let mut found = Vec::with_capacity(ids.len());
        let mut seen = HashSet::with_capacity(if ids.len() > 1 { ids.len() } else { 0 });
        for id in ids {
            if ids.len() > 1 && !seen.insert(*id) {
                continue;
            }
            let entry = kept
                .objects
                .get(&(portal_id, *id))
                .filter(|e| e.archived == archived && e.object.object_type_id == object_type_id)?;
            found.push(entry.object.clone());
        }
        #[cfg(test)]
        self.hits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Some(found)
    }

    /// Keeps what a read by id with the `archived` filter found while the header was `state`
    /// (the same just before the read and just after it).
    pub(crate) fn put(
        &self,
        state: LogState,
        portal_id: i64,
        archived: bool,
        objects: &[CrmObject],
    ) {
        let mut kept = self.kept.write().unwrap_or_else(|p| p.into_inner());
        let adding: usize = objects.iter().map(size).sum();
        if kept.state != Some(state)
            || kept.objects.len() + objects.len() > MAX_OBJECTS
            || kept.bytes + adding > MAX_BYTES
        {
            kept.objects.clear();
            kept.bytes = 0;
            kept.state = Some(state);
        }
        if objects.len() > MAX_OBJECTS || adding > MAX_BYTES {
            return;
        }
        for object in objects {
            let entry = Entry {
                archived,
                object: object.clone(),
            };
            if let Some(old) = kept.objects.insert((portal_id, object.id), entry) {
                kept.bytes = kept.bytes.saturating_sub(size(&old.object));
            }
            kept.bytes += size(object);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use super::{ObjectCache, MAX_BYTES, MAX_OBJECTS};
    use crate::crm::{CrmObject, CrmStore, NewObject, ObjectUpdate};
    use crate::sql::SqlStore;
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
        // An id asked for twice is answered once, from memory as from the database.
        let twice = store.get_objects(portal_id, "0-48", &[id, id], false).await;
        assert_eq!(twice.unwrap().len(), 1);
        let before = hits(&store);
        let twice = store.get_objects(portal_id, "0-48", &[id, id], false).await;
        assert_eq!(twice.unwrap().len(), 1);
        assert_eq!(hits(&store), before + 1);

        store
            .archive_objects(portal_id, "0-48", &[id], now())
            .await
            .unwrap();
        assert_eq!(title(&store, portal_id, id).await, None);
        let archived = store.get_objects(portal_id, "0-48", &[id], true).await;
        assert_eq!(archived.unwrap().len(), 1);
    }

    fn object(id: i64, value: &str) -> CrmObject {
        CrmObject {
            id,
            object_type_id: "0-1".into(),
            properties: [("notes".to_owned(), value.to_owned())].into(),
            created_at: now(),
            updated_at: now(),
            archived_at: None,
        }
    }

    /// Past its object count or its bytes the cache starts over; what it keeps, it gives out
    /// only under the header it was kept under.
    #[tokio::test]
    async fn the_cache_is_bounded_by_objects_and_bytes() {
        let (_dir, store) = store(StoreOptions::DEFAULT_STATEMENT_TIMEOUT).await;
        let state = store.reader().await.unwrap().log_state().unwrap();
        let cache = ObjectCache::default();
        let large = "x".repeat(60_000);
        for id in 1..=MAX_OBJECTS as i64 {
            cache.put(state, 1, false, &[object(id, "small")]);
        }
        assert!(cache.get(state, 1, "0-1", false, &[1]).is_some());
        cache.put(state, 1, false, &[object(5_000, "small")]);
        assert!(
            cache.get(state, 1, "0-1", false, &[1]).is_none(),
            "started over"
        );
        assert!(cache.get(state, 1, "0-1", false, &[5_000]).is_some());
        // Objects of 60,000 bytes: the bytes run out long before the count.
        let mut together = 0;
        for id in 10_000..10_000 + MAX_OBJECTS as i64 {
            cache.put(state, 1, false, &[object(id, &large)]);
            if cache.get(state, 1, "0-1", false, &[10_000]).is_none() {
                break;
            }
            together += 1;
        }
        assert!(
            together > 100 && together * 60_000 <= MAX_BYTES,
            "{together} kept at once"
        );
    }
}
