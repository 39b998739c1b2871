//! The SQLite backend: the embedded default, one file in the data directory.
//!
//! WAL mode lets readers run while one writer writes; the busy timeout makes a writer wait
//! for another instead of failing, so concurrent API calls never see `SQLITE_BUSY`.
//!
//! SQLite has no statement timeout. Each time a connection is handed out (opened, or taken
//! from the idle pool) it gets a progress handler with a deadline, the statement timeout
//! from then: SQLite calls it every few thousand virtual-machine instructions, and past the
//! deadline it interrupts the statement (`SQLITE_INTERRUPT`, [`crate::StoreError::Timeout`]).
//! So the timeout bounds all the statements of one use of a connection together, which for
//! the store is one method call. A statement of a request that is gone runs on until it
//! finishes or meets that deadline: the handler cannot tell that its request was dropped.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, Sqlite, SqliteConnection, SqlitePool};

use crate::exclusion::Exclusion;
use crate::sql::SqlStore;
use crate::{Backend, StoreOptions};

/// A store in one SQLite file.
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// In-process: SQLite serves one process.
    bus: crate::bus::Bus,
    exclusion: Arc<Exclusion>,
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
            .busy_timeout(Duration::from_secs(10));
        // Migrations run on a connection of their own, without the statement deadline:
        // building an index over a large table may rightly take longer.
        let mut migrating = SqliteConnection::connect_with(&options).await?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&mut migrating)
            .await?;
        migrating.close().await?;
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .after_connect(move |conn, _| {
                Box::pin(async move { set_deadline(conn, timeout).await })
            })
            .before_acquire(move |conn, _| {
                Box::pin(async move {
                    set_deadline(conn, timeout).await?;
                    Ok(true)
                })
            })
            .connect_with(options)
            .await?;
        Ok(Self {
            pool,
            bus: crate::bus::Bus::local(),
            exclusion: Arc::new(Exclusion::local()),
        })
    }
}

/// How many virtual-machine instructions SQLite runs between two looks at the deadline:
/// about a millisecond's worth, so an interrupt comes promptly and the clock is read rarely.
const INSTRUCTIONS_PER_CHECK: i32 = 10_000;

/// Interrupts `conn`'s statements once `timeout` has passed from now.
async fn set_deadline(conn: &mut SqliteConnection, timeout: Duration) -> Result<(), sqlx::Error> {
    let deadline = Instant::now() + timeout;
    conn.lock_handle()
        .await?
        .set_progress_handler(INSTRUCTIONS_PER_CHECK, move || Instant::now() < deadline);
    Ok(())
}

impl SqlStore for SqliteStore {
    type Db = Sqlite;

    fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    fn backend(&self) -> Backend {
        Backend::Sqlite
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
