//! The SQLite backend: the embedded default, one file in the data directory.
//!
//! WAL mode lets readers run while one writer writes; the busy timeout makes a writer wait
//! for another instead of failing, so concurrent API calls never see `SQLITE_BUSY`.
//!
//! SQLite has no statement timeout. Each connection has a progress handler, which SQLite calls
//! every few thousand virtual-machine instructions: the first call of a use of the connection
//! starts its clock, and once the statement timeout has passed from then the handler
//! interrupts the statement (`SQLITE_INTERRUPT`, [`crate::StoreError::Timeout`]). So the
//! timeout bounds all the statements of one use of a connection together, which for the store
//! is one method call. A fresh handler, with its clock not started, is installed when the
//! connection is opened and again each time it goes back to the pool: that happens in the
//! pool's own task after the use, so taking a connection costs no round trip to its worker
//! thread (issue 15's REST benchmark, bench/README.md). A use whose statements all finish
//! within a few thousand instructions never starts the clock, and needs no deadline. A
//! statement of a request that is gone runs on until it finishes or meets that deadline: the
//! handler cannot tell that its request was dropped.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, Sqlite, SqliteConnection, SqlitePool};

use crate::crm::objects::load;
use crate::crm::CrmObject;
use crate::exclusion::Exclusion;
use crate::object_cache::ObjectCache;
use crate::sql::SqlStore;
use crate::sqlite_reads::{Reader, Readers};
use crate::sqlite_writes::{Writer, Writers, BUSY_TIMEOUT};
use crate::{Backend, StoreOptions};

/// A store in one SQLite file.
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// In-process: SQLite serves one process.
    bus: crate::bus::Bus,
    exclusion: Arc<Exclusion>,
    /// Reads by key, run in place (`crate::sqlite_reads`).
    readers: Arc<Readers>,
    /// Write transactions, run in place (`crate::sqlite_writes`).
    writers: Arc<Writers>,
    /// Objects read by id, while the database is unchanged (`crate::object_cache`).
    pub(crate) objects: Arc<ObjectCache>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("pool", &self.pool)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path` and migrates it.
    pub async fn open(path: &Path) -> crate::Result<Self> {
        Self::open_with(path, &StoreOptions::default()).await
    }

    /// [`SqliteStore::open`] with `store_options`.
    pub async fn open_with(path: &Path, store_options: &StoreOptions) -> crate::Result<Self> {
        let timeout = store_options.statement_timeout;
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            // The temporary b-trees of a statement (an `in (...)` list, a sort) stay in
            // memory: on disk each was a file created, written and deleted per statement,
            // which showed in profiles under load (bench/README.md, "Many sessions").
            .pragma("temp_store", "MEMORY")
            .busy_timeout(BUSY_TIMEOUT);
        // Migrations run on a connection of their own, without the statement deadline:
        // building an index over a large table may rightly take longer.
        let mut migrating = SqliteConnection::connect_with(&options).await?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&mut migrating)
            .await?;
        migrating.close().await?;
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            // sqlx pings a connection before handing it out unless told not to: a round trip
            // to its worker thread on every store call. A SQLite connection is a file in this
            // process, which nothing can close behind the pool's back, and sqlx pings each one
            // as it goes back to the pool anyway.
            .test_before_acquire(false)
            .after_connect(move |conn, _| {
                Box::pin(async move { arm_deadline(conn, timeout).await })
            })
            .after_release(move |conn, _| {
                Box::pin(async move {
                    arm_deadline(conn, timeout).await?;
                    Ok(true)
                })
            })
            .connect_with(options)
            .await?;
        Ok(Self {
            pool,
            bus: crate::bus::Bus::local(),
            exclusion: Arc::new(Exclusion::local()),
            readers: Arc::new(Readers::new(path, timeout)),
            writers: Arc::new(Writers::new(path, timeout)),
            objects: Arc::new(ObjectCache::default()),
        })
    }
}

/// How many virtual-machine instructions SQLite runs between two looks at the deadline:
/// about a millisecond's worth, so an interrupt comes promptly and the clock is read rarely.
const INSTRUCTIONS_PER_CHECK: i32 = 10_000;

/// Gives `conn` a progress handler whose clock starts at its first call and which interrupts
/// the statement running once `timeout` has passed from then.
async fn arm_deadline(conn: &mut SqliteConnection, timeout: Duration) -> Result<(), sqlx::Error> {
    let mut started: Option<Instant> = None;
    conn.lock_handle()
        .await?
        .set_progress_handler(INSTRUCTIONS_PER_CHECK, move || {
            let now = Instant::now();
            now.duration_since(*started.get_or_insert(now)) < timeout
        });
    Ok(())
}

impl SqlStore for SqliteStore {
    type Db = Sqlite;
    type Reader = Reader;
    type Writer = Writer;

    fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn reader(&self) -> crate::Result<Reader> {
        Ok(self.readers.take()?)
    }

    async fn objects_by_id<'a>(
        &'a self,
        portal_id: i64,
        object_type_id: &'a str,
        archived: bool,
        ids: &'a [i64],
    ) -> crate::Result<Vec<CrmObject>> {
        // The header before the read, and again after it: equal, no commit came between, and
        // what the read found is the database under that header (`crate::object_cache`).
        let mut reader = self.readers.take()?;
        let before = reader.log_state();
        if let Some(found) = before.and_then(|state| {
            self.objects
                .get(state, portal_id, object_type_id, archived, ids)
        }) {
            return Ok(found);
        }
        let found = load(
            &mut reader,
            portal_id,
            Some(object_type_id),
            Some(archived),
            ids,
        )
        .await?;
        if let Some(state) = before.filter(|state| reader.log_state() == Some(*state)) {
            self.objects.put(state, portal_id, archived, &found);
        }
        Ok(found)
    }

    async fn begin_write(&self) -> crate::Result<Writer> {
        Ok(self.writers.begin().await?)
    }

    fn bus(&self) -> &crate::bus::Bus {
        &self.bus
    }

    fn exclusion(&self) -> &Exclusion {
        &self.exclusion
    }

    /// Nothing to do: SQLite plans the CRM queries well from the schema alone (unlike
    /// PostgreSQL; see `crate::statistics`).
    async fn after_writes(&self, _objects: usize) {}
}
