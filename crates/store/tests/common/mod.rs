//! The store-contract harness shared by the contract test files: a store per test on SQLite
//! and, when `CALLHOST_TEST_DATABASE_URL` is set, on PostgreSQL (each in a schema of its own).
//! Without it the PostgreSQL variants are built ignored, so the runner reports them skipped
//! (see `build.rs`); under `CI` they run and fail without a database.

#![allow(dead_code)]

pub mod helpdesk;

use std::collections::BTreeMap;
use std::sync::Arc;

use callhost_store::crm::{AssociationKind, NewObject};
use callhost_store::*;

/// Properties from `(name, value)` pairs.
pub fn props(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// An object to create with these properties and no associations.
pub fn new(pairs: &[(&str, &str)]) -> NewObject {
    NewObject {
        properties: props(pairs),
        associations: Vec::new(),
    }
}

/// A new portal's id.
pub async fn portal(store: &Arc<dyn Store>) -> i64 {
    store.create_portal("P").await.unwrap().id
}

/// A HubSpot-defined association kind.
pub fn kind(type_id: i32) -> AssociationKind {
    AssociationKind {
        category: "HUBSPOT_DEFINED".into(),
        type_id,
    }
}

/// A store under test, removed when dropped by the test's end.
pub struct Harness {
    pub store: Arc<dyn Store>,
    pg: Option<PgStore>,
    _dir: Option<tempfile::TempDir>,
}

impl Harness {
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("callhost.db"))
            .await
            .unwrap();
        Self {
            store: Arc::new(store),
            pg: None,
            _dir: Some(dir),
        }
    }

    /// A store in a fresh schema of the test database. Panics without one: a PostgreSQL
    /// variant only runs when it was built with the database configured (or under CI).
    pub async fn postgres() -> Self {
        let Ok(url) = std::env::var("CALLHOST_TEST_DATABASE_URL") else {
            panic!(
                "CALLHOST_TEST_DATABASE_URL is not set, but this PostgreSQL test was built to run \
                 (the variable was set at build time, or CI is): set it to a PostgreSQL server"
            );
        };
        let schema = format!("contract_{}", uuid::Uuid::new_v4().simple());
        let store = PgStore::connect(&url, Some(&schema)).await.unwrap();
        Self {
            store: Arc::new(store.clone()),
            pg: Some(store),
            _dir: None,
        }
    }

    /// The PostgreSQL schema of the store (`None` on SQLite).
    #[allow(dead_code)]
    pub fn pg_schema(&self) -> Option<&str> {
        self.pg.as_ref().and_then(PgStore::schema)
    }

    /// The PostgreSQL store itself (panics on SQLite).
    #[allow(dead_code)]
    pub fn pg(&self) -> &PgStore {
        self.pg.as_ref().expect("a PostgreSQL harness")
    }

    pub async fn finish(self) {
        if let Some(pg) = self.pg {
            pg.drop_schema().await.unwrap();
        }
    }
}

/// Declares one contract test as a module with a SQLite and a PostgreSQL case.
#[macro_export]
macro_rules! contract {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;

            #[tokio::test]
            async fn sqlite() {
                let h = Harness::sqlite().await;
                ($body)(h.store.clone()).await;
                h.finish().await;
            }

            #[tokio::test]
            #[cfg_attr(
                not(callhost_test_postgres),
                ignore = "needs CALLHOST_TEST_DATABASE_URL (a PostgreSQL server) when built"
            )]
            async fn postgres() {
                let h = Harness::postgres().await;
                ($body)(h.store.clone()).await;
                h.finish().await;
            }
        }
    };
}
