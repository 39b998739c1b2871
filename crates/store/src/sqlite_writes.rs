//! Write transactions on SQLite, run where they are asked for instead of on a worker thread.
//!
//! The reads by key moved off sqlx's worker threads first (`crate::sqlite_reads`); a write
//! transaction paid the same hand-over, once for its `BEGIN`, once per statement and once for
//! its `COMMIT`, and creating a call is about five statements. [`Writers`] keeps one connection
//! of its own to the file (rusqlite, on the same SQLite library sqlx links) and runs a
//! transaction's statements on the task that asks (docs/design.md, "Writes in place on
//! SQLite").
//!
//! Invariants:
//! - **One write transaction at a time in the process, in the order asked**: the connection
//!   sits behind an async mutex, which a transaction holds from its `BEGIN IMMEDIATE` to its
//!   commit or rollback. Waiting for it is an `await`, never a blocked thread. SQLite admits
//!   one writer anyway.
//! - **Waiting for the file's write lock is an `await` too**: the connection has no busy
//!   timeout. When another connection (sqlx's pool, for bulk writes and single statements)
//!   holds the lock, `BEGIN IMMEDIATE` fails at once and is retried after a short sleep, for
//!   as long as sqlx's connections would wait ([`BUSY_TIMEOUT`]). Once `BEGIN IMMEDIATE` has
//!   succeeded, no statement of the transaction waits for a lock: in WAL mode readers never
//!   block the writer.
//! - **A transaction is all or nothing**: [`Writer::commit`] commits; a [`Writer`] dropped
//!   before that (an error, or its request gone) rolls back at once. Statements run
//!   synchronously inside a poll, so a dropped future never leaves one half run.
//! - **The statement timeout holds**: each transaction arms the progress handler with the
//!   store's timeout from its `BEGIN`; an interrupted statement is
//!   [`crate::StoreError::Timeout`] and the transaction rolls back.
//! - **Checkpoints run off the writer's path, and the log starts over**: SQLite copies the
//!   log back into the database file (a checkpoint, with its `fsync`) in the connection that
//!   commits once the log passes 1,000 pages, which here would hold a runtime thread and
//!   every writer behind it for as long as the disk takes. The write connection turns that
//!   off; every [`COMMITS_PER_CHECKPOINT`] commits a passive checkpoint runs on a blocking
//!   thread, on a connection of its own, while writes go on. Under a steady stream of writes
//!   that never catches up with the log's end, and only a log copied to its end is written
//!   again from its start: the log grew by every page written (3 GB in a minute of
//!   `bench/sessions`), with ever slower `fsync`s. So once the log is past
//!   [`RESTART_FRAMES`], a second pass holds the writer's lock, so that this writer appends
//!   nothing meanwhile, and copies what came in during the first: the writers wait for it (two
//!   `fsync`s), rarely, and the log then starts over.
//! - **Only short transactions come here** (a few statements over a handful of rows: an
//!   object written, a token issued, a record appended): they hold a runtime thread for
//!   microseconds. Bulk writes (a dataset, a snapshot) keep sqlx's worker threads
//!   ([`crate::sql::SqlStore::begin_bulk_write`]).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::sql::{Exec, Query, Write};
use crate::sqlite_reads::{database_error, open_in_place, run, InPlaceRow};

/// How long a transaction waits for another connection's write lock before failing: the
/// busy timeout sqlx's connections have (`sqlite.rs`).
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The first and the longest sleep between two tries of `BEGIN IMMEDIATE`.
const FIRST_RETRY: Duration = Duration::from_micros(200);
const LONGEST_RETRY: Duration = Duration::from_millis(20);

/// Commits between two checkpoints: a transaction here writes a few pages, so a log of a
/// few thousand pages (tens of MiB at most).
const COMMITS_PER_CHECKPOINT: u64 = 1_000;

/// Pages of log (about 32 MiB) past which a checkpoint takes the second pass, under the
/// writer's lock, that lets the log start over.
const RESTART_FRAMES: i64 = if cfg!(test) { 2_000 } else { 8_192 };

/// Statements the connection keeps prepared: every write the store makes on this path.
const STATEMENT_CACHE: usize = 128;

/// The write connection of one SQLite store.
pub(crate) struct Writers {
    path: PathBuf,
    timeout: Duration,
    /// When the process's clock starts, for the deadline's millisecond count.
    epoch: Instant,
    /// Opened by the first transaction (after the migrations have run).
    conn: Arc<Mutex<Option<WriteConnection>>>,
    checkpoints: Arc<Checkpoints>,
}

/// Checkpoints of the log, run on a blocking thread after every [`COMMITS_PER_CHECKPOINT`]
/// commits.
struct Checkpoints {
    path: PathBuf,
    /// Commits since the last checkpoint began.
    commits: AtomicU64,
    /// A checkpoint is running (at most one at a time).
    running: AtomicBool,
    /// Its connection, opened by the first checkpoint.
    conn: std::sync::Mutex<Option<Connection>>,
    /// The write connection's lock, held for the second pass.
    writer: Arc<Mutex<Option<WriteConnection>>>,
}

impl Checkpoints {
    fn committed(self: &Arc<Self>) {
        // Counted since the last checkpoint began: commits made while one runs count
        // towards the next, which starts as soon as it may.
        let n = self.commits.fetch_add(1, Ordering::Relaxed) + 1;
        if n < COMMITS_PER_CHECKPOINT || self.running.swap(true, Ordering::AcqRel) {
            return;
        }
        self.commits.store(0, Ordering::Relaxed);
        let this = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let done = this.checkpoint().and_then(|frames| {
                if frames < RESTART_FRAMES {
                    return Ok(frames);
                }
                let _no_writes = this.writer.blocking_lock();
                this.checkpoint()
            });
            if let Err(err) = done {
                tracing::debug!(error = %err, "a checkpoint of SQLite's log failed");
            }
            this.running.store(false, Ordering::Release);
        });
    }

    /// A passive checkpoint; how many pages the log holds.
    fn checkpoint(&self) -> rusqlite::Result<i64> {
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        if conn.is_none() {
            let opened = Connection::open_with_flags(
                &self.path,
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            opened.busy_timeout(Duration::from_millis(100))?;
            *conn = Some(opened);
        }
        match conn.as_ref() {
            Some(conn) => conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| row.get(1)),
            None => Ok(0),
        }
    }
}

struct WriteConnection {
    conn: Connection,
    /// Milliseconds after [`Writers::epoch`] past which the progress handler interrupts.
    deadline: Arc<AtomicU64>,
}

impl Writers {
    pub(crate) fn new(path: &Path, timeout: Duration) -> Self {
        let conn = Arc::new(Mutex::new(None));
        Writers {
            path: path.to_owned(),
            timeout,
            epoch: Instant::now(),
            conn: Arc::clone(&conn),
            checkpoints: Arc::new(Checkpoints {
                path: path.to_owned(),
                commits: AtomicU64::new(0),
                running: AtomicBool::new(false),
                conn: std::sync::Mutex::new(None),
                writer: conn,
            }),
        }
    }

    fn open(&self) -> Result<WriteConnection, sqlx::Error> {
        // No busy timeout: waiting for the lock is `begin`'s, awaited.
        let (conn, deadline) =
            open_in_place(&self.path, self.epoch, Duration::ZERO, STATEMENT_CACHE)?;
        // The same settings as sqlx's connections (`sqlite.rs`); the journal mode is the
        // file's, set by them.
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(database_error)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(database_error)?;
        conn.pragma_update(None, "wal_autocheckpoint", 0)
            .map_err(database_error)?;
        Ok(WriteConnection { conn, deadline })
    }

    /// Begins a write transaction: waits for this process's other transactions, then for
    /// the file's write lock, both without blocking a thread.
    pub(crate) async fn begin(&self) -> Result<Writer, sqlx::Error> {
        let mut guard = Arc::clone(&self.conn).lock_owned().await;
        if guard.is_none() {
            *guard = Some(self.open()?);
        }
        let started = Instant::now();
        let mut pause = FIRST_RETRY;
        loop {
            let conn = guard.as_ref().ok_or(sqlx::Error::PoolClosed)?;
            match conn.conn.execute_batch("BEGIN IMMEDIATE") {
                Ok(()) => break,
                Err(err) if is_busy(&err) && started.elapsed() < BUSY_TIMEOUT => {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(LONGEST_RETRY);
                }
                Err(err) => return Err(database_error(err)),
            }
        }
        let timeout = u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX);
        let now = u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
        if let Some(conn) = guard.as_ref() {
            conn.deadline
                .store(now.saturating_add(timeout), Ordering::Relaxed);
        }
        Ok(Writer {
            guard,
            open: true,
            checkpoints: Arc::clone(&self.checkpoints),
        })
    }
}

fn is_busy(err: &rusqlite::Error) -> bool {
    matches!(
        err,
        rusqlite::Error::SqliteFailure(failure, _)
            if failure.code == rusqlite::ErrorCode::DatabaseBusy
    )
}

/// One write transaction on the store's write connection; it rolls back when dropped before
/// [`Writer::commit`].
pub(crate) struct Writer {
    guard: OwnedMutexGuard<Option<WriteConnection>>,
    /// The transaction is still open (not committed or rolled back).
    open: bool,
    checkpoints: Arc<Checkpoints>,
}

impl Writer {
    fn conn(&self) -> Result<&Connection, sqlx::Error> {
        if !self.open {
            return Err(sqlx::Error::Protocol(
                "a statement after the transaction ended".to_owned(),
            ));
        }
        Ok(&self.guard.as_ref().ok_or(sqlx::Error::PoolClosed)?.conn)
    }

    /// Ends the transaction: `COMMIT`, or `ROLLBACK` when SQLite has not already rolled it
    /// back (an interrupted statement does). Disarms the deadline either way.
    fn end(&mut self, commit: bool) -> Result<(), sqlx::Error> {
        if !std::mem::replace(&mut self.open, false) {
            return Ok(());
        }
        let Some(conn) = self.guard.as_ref() else {
            return Ok(());
        };
        let ended = if conn.conn.is_autocommit() {
            if commit {
                Err(sqlx::Error::Protocol(
                    "the transaction was rolled back before its commit".to_owned(),
                ))
            } else {
                Ok(())
            }
        } else {
            let statement = if commit { "COMMIT" } else { "ROLLBACK" };
            let done = conn.conn.execute_batch(statement).map_err(database_error);
            if done.is_err() && !conn.conn.is_autocommit() {
                // A commit that failed leaves the transaction open: roll it back, so the
                // connection is clean for the next one.
                let _ = conn.conn.execute_batch("ROLLBACK");
            }
            done
        };
        conn.deadline.store(u64::MAX, Ordering::Relaxed);
        ended
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        let _ = self.end(false);
    }
}

impl Exec for Writer {
    type Row = InPlaceRow;

    async fn execute<'a>(&'a mut self, query: Query<'a>) -> Result<u64, sqlx::Error> {
        let conn = self.conn()?;
        run(conn, &query, Some(0))?;
        Ok(conn.changes())
    }

    async fn fetch_all<'a>(&'a mut self, query: Query<'a>) -> Result<Vec<InPlaceRow>, sqlx::Error> {
        run(self.conn()?, &query, None)
    }

    async fn fetch_optional<'a>(
        &'a mut self,
        query: Query<'a>,
    ) -> Result<Option<InPlaceRow>, sqlx::Error> {
        Ok(run(self.conn()?, &query, Some(1))?.pop())
    }
}

impl Write for Writer {
    async fn commit(mut self) -> Result<(), sqlx::Error> {
        self.end(true)?;
        self.checkpoints.committed();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use crate::error::is_unique_violation;
    use crate::sql::{query, Exec, Get, SqlStore, Write};
    use crate::{SqliteStore, StoreError, StoreOptions};

    async fn store(timeout: Duration) -> (tempfile::TempDir, SqliteStore) {
        let (dir, store) = crate::sqlite_reads::tests::store(timeout).await;
        store
            .execute(query(
                "create table t (a integer primary key, b text not null)",
            ))
            .await
            .unwrap();
        (dir, store)
    }

    async fn count(store: &SqliteStore) -> i64 {
        let row = store
            .fetch_one(query("select count(*) as n from t"))
            .await
            .unwrap();
        row.get("n").unwrap()
    }

    #[tokio::test]
    async fn a_committed_write_is_seen_everywhere_and_a_dropped_one_leaves_nothing() {
        let (_dir, store) = store(StoreOptions::DEFAULT_STATEMENT_TIMEOUT).await;
        let mut tx = store.begin_write().await.unwrap();
        let changed = tx
            .execute(
                query("insert into t values ($1, $2), (2, 'two')")
                    .bind(1_i64)
                    .bind("one"),
            )
            .await
            .unwrap();
        assert_eq!(changed, 2);
        let row = tx
            .fetch_one(query("update t set b = 'uno' where a = 1 returning b"))
            .await
            .unwrap();
        assert_eq!(row.get::<String>("b").unwrap(), "uno");
        tx.commit().await.unwrap();
        assert_eq!(count(&store).await, 2, "the pool sees the commit");
        let read = store
            .reader()
            .await
            .unwrap()
            .fetch_one(query("select b from t where a = 1"))
            .await
            .unwrap();
        assert_eq!(read.get::<String>("b").unwrap(), "uno", "a reader sees it");

        let mut tx = store.begin_write().await.unwrap();
        tx.execute(query("insert into t values (3, 'three')"))
            .await
            .unwrap();
        drop(tx);
        assert_eq!(count(&store).await, 2, "a dropped transaction rolled back");

        // A failed statement fails the caller, which drops the transaction: nothing of it
        // stays, and the unique violation reads as one.
        let mut tx = store.begin_write().await.unwrap();
        tx.execute(query("insert into t values (4, 'four')"))
            .await
            .unwrap();
        let err = tx
            .execute(query("insert into t values (1, 'again')"))
            .await
            .unwrap_err();
        assert!(is_unique_violation(&err), "{err}");
        drop(tx);
        assert_eq!(count(&store).await, 2);
        let err = store
            .begin_write()
            .await
            .unwrap()
            .execute(query("insert into t values (5, null)"))
            .await
            .unwrap_err();
        assert!(
            !is_unique_violation(&err),
            "a not-null violation is not a duplicate"
        );
    }

    /// On a runtime of one thread: were the wait for the lock a blocked thread, the pool's
    /// transaction holding it could never commit, and this test would hang.
    #[tokio::test(flavor = "current_thread")]
    async fn a_transaction_waits_for_the_pools_write_lock_without_blocking_the_thread() {
        let (_dir, store) = store(StoreOptions::DEFAULT_STATEMENT_TIMEOUT).await;
        let mut bulk = store.begin_bulk_write().await.unwrap();
        sqlx::query("insert into t values (1, 'bulk')")
            .execute(&mut *bulk)
            .await
            .unwrap();
        let waiting = tokio::spawn({
            let store = store.clone();
            async move {
                let mut tx = store.begin_write().await.unwrap();
                let row = tx
                    .fetch_one(query("select count(*) as n from t"))
                    .await
                    .unwrap();
                tx.execute(query("insert into t values (2, 'in place')"))
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
                row.get::<i64>("n").unwrap()
            }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiting.is_finished(), "the lock is still held");
        bulk.commit().await.unwrap();
        let seen = tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("the waiting transaction went on once the lock was free")
            .unwrap();
        assert_eq!(seen, 1, "it began after the bulk write committed");
        assert_eq!(count(&store).await, 2);
    }

    #[tokio::test]
    async fn transactions_of_many_tasks_take_turns_and_all_commit() {
        let (_dir, store) = store(StoreOptions::DEFAULT_STATEMENT_TIMEOUT).await;
        let tasks: Vec<_> = (0..32_i64)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move {
                    let mut tx = store.begin_write().await.unwrap();
                    let before = tx
                        .fetch_one(query("select count(*) as n from t"))
                        .await
                        .unwrap()
                        .get::<i64>("n")
                        .unwrap();
                    tokio::task::yield_now().await;
                    tx.execute(
                        query("insert into t values ($1, $2)")
                            .bind(i)
                            .bind(before.to_string()),
                    )
                    .await
                    .unwrap();
                    tx.commit().await.unwrap();
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(count(&store).await, 32);
        // Each saw all the others that committed before it: the counts are 0..32, once each.
        let rows = store
            .fetch_all(query("select b from t order by cast(b as integer)"))
            .await
            .unwrap();
        let seen: Vec<String> = rows.iter().map(|r| r.get("b").unwrap()).collect();
        let expected: Vec<String> = (0..32).map(|n: i64| n.to_string()).collect();
        assert_eq!(seen, expected);
    }

    /// Every connection keeps a statement's temporary b-trees in memory (2): on disk each
    /// was a file created and deleted per statement.
    #[tokio::test]
    async fn every_connection_keeps_temporary_tables_in_memory() {
        let (_dir, store) = store(StoreOptions::DEFAULT_STATEMENT_TIMEOUT).await;
        let setting = query("select temp_store from pragma_temp_store");
        let pool = store.fetch_one(setting).await.unwrap();
        let mut reader = store.reader().await.unwrap();
        let read = reader
            .fetch_one(query("select temp_store from pragma_temp_store"))
            .await
            .unwrap();
        let mut tx = store.begin_write().await.unwrap();
        let written = tx
            .fetch_one(query("select temp_store from pragma_temp_store"))
            .await
            .unwrap();
        for row in [
            pool.get::<i64>("temp_store"),
            read.get("temp_store"),
            written.get("temp_store"),
        ] {
            assert_eq!(row.unwrap(), 2);
        }
    }

    /// The write connection never checkpoints itself; the log still goes back into the
    /// database file, from the blocking thread.
    #[tokio::test]
    async fn the_log_is_checkpointed_off_the_writers_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let store = SqliteStore::open(&path).await.unwrap();
        store
            .execute(query("create table blobs (b text)"))
            .await
            .unwrap();
        let before = std::fs::metadata(&path).unwrap().len();
        let page = "x".repeat(4096);
        for _ in 0..super::COMMITS_PER_CHECKPOINT * 2 {
            let mut tx = store.begin_write().await.unwrap();
            tx.execute(query("insert into blobs values ($1)").bind(page.as_str()))
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::fs::metadata(&path).unwrap().len() <= before + 4096 * 50 {
            assert!(Instant::now() < deadline, "no checkpoint reached the file");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // Under a steady stream of writes the log still starts over: its header's
        // checkpoint sequence number (bytes 12 to 16) counts the restarts.
        let wal = dir.path().join("t.db-wal");
        let restarts = || {
            use std::io::Read;
            let mut header = [0_u8; 16];
            std::fs::File::open(&wal)
                .unwrap()
                .read_exact(&mut header)
                .unwrap();
            u32::from_be_bytes([header[12], header[13], header[14], header[15]])
        };
        let mut first = None;
        let deadline = Instant::now() + Duration::from_secs(30);
        // `first` is read once writes are flowing: a pause lets a passive checkpoint catch
        // up by itself.
        while first.is_none() || first == Some(restarts()) {
            assert!(Instant::now() < deadline, "the log never started over");
            for _ in 0..100 {
                let mut tx = store.begin_write().await.unwrap();
                tx.execute(query("insert into blobs values ($1)").bind(page.as_str()))
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
                tokio::task::yield_now().await;
            }
            first = first.or_else(|| Some(restarts()));
        }
    }

    #[tokio::test]
    async fn a_statement_past_the_timeout_is_stopped_and_its_transaction_rolled_back() {
        let (_dir, store) = store(Duration::from_millis(300)).await;
        let mut tx = store.begin_write().await.unwrap();
        tx.execute(query("insert into t values (1, 'one')"))
            .await
            .unwrap();
        let started = Instant::now();
        let err = tx
            .fetch_one(query(
                "with recursive c(x) as (select 1 union all select x + 1 from c \
                 where x < 1000000000) select count(*) as n from c",
            ))
            .await
            .unwrap_err();
        assert!(matches!(StoreError::from(err), StoreError::Timeout));
        assert!(started.elapsed() < Duration::from_secs(10));
        // The caller's `?` drops the transaction: what it wrote before is rolled back.
        drop(tx);
        assert_eq!(count(&store).await, 0);
        // The next transaction has a new deadline and commits.
        let mut tx = store.begin_write().await.unwrap();
        tx.execute(query("insert into t values (2, 'two')"))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(count(&store).await, 1);
    }
}
