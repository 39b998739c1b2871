//! Reads by key on SQLite, run where they are asked for instead of on a worker thread.
//!
//! sqlx runs each SQLite connection on a thread of its own and hands it every statement, and
//! every connection's return to the pool, through a channel. For a read by key the hand-overs
//! cost far more than SQLite does: a profile of `GET /crm/v3/objects/contacts/{id}` spent about
//! two thirds of its time in the kernel switching threads and under 1% in SQLite itself
//! (bench/README.md, "REST throughput"). [`Readers`] keeps a few connections of its own to the
//! same file (rusqlite, on the same SQLite library sqlx links) and runs a read on the task that
//! asks, with no thread in between.
//!
//! Invariants:
//! - **Only reads by key come here**: an access token by its hash, objects by their ids or
//!   by a property's value (at most a batch; the call log finds a call by its external id
//!   this way). Each is a few index lookups, microseconds of work, so running it on the
//!   async runtime's own thread holds that thread no longer than other request work does.
//!   Anything that scans (search, lists, exports) stays on sqlx's worker threads.
//! - **A reader never writes**: its connections are `query_only`; a write through
//!   [`Reader`] fails instead of taking SQLite's write lock on a runtime thread.
//! - **A reader sees what was committed**, as any other connection in WAL mode does: a read
//!   after a write that returned sees the write.
//! - **The statement timeout holds here too**: each use arms its connection's progress
//!   handler with the store's timeout, as `sqlite.rs` does for sqlx's connections.
//! - **A reader can tell whether anything was committed** between two moments: the log's
//!   index header ([`LogState`], read from the `-shm` file with one `pread`, no lock) changes
//!   with every commit of any connection or process. `crate::object_cache` keeps objects
//!   under it.

use std::borrow::Cow;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use rusqlite::{Connection, OpenFlags};

use crate::sql::{Arg, Exec, Get, Query};

/// How many idle connections are kept; a reader taken when none is idle opens one more, and
/// one given back when this many are idle is closed. Reads run on the runtime's threads, so
/// about that many are ever in use at once.
const MAX_IDLE: usize = 8;

/// Statements each connection keeps prepared (a handful of queries come here).
const STATEMENT_CACHE: usize = 32;

/// How long a read waits for a lock before failing. In WAL mode a reader waits only while a
/// checkpoint resets the log, which takes a moment; the wait holds a runtime thread, so it is
/// kept short.
const BUSY_TIMEOUT: Duration = Duration::from_millis(250);

/// How many virtual-machine instructions SQLite runs between two looks at the deadline.
const INSTRUCTIONS_PER_CHECK: i32 = 10_000;

/// The connections for reads by key of one SQLite store.
pub(crate) struct Readers {
    path: PathBuf,
    timeout: Duration,
    /// When the process's clock starts, for the deadlines' millisecond counts.
    epoch: Instant,
    idle: Mutex<Vec<ReadConnection>>,
}

struct ReadConnection {
    conn: Connection,
    /// Milliseconds after [`Readers::epoch`] past which the progress handler interrupts.
    deadline: Arc<AtomicU64>,
    /// The log's shared-memory index, opened once the connection has read; `None` when it
    /// cannot be opened. While the connection is open, SQLite keeps the file in place.
    shm: Option<File>,
}

/// The header of SQLite's write-ahead-log index: the first 48 bytes of the `-shm` file (the
/// file format's "WAL-index header"). A commit of any connection or process changes it (its
/// change counter, the log's last frame and the header's checksum move; a log that starts
/// over gets new salts), so the same header read twice means nothing was committed between.
/// A checkpoint or a rolled-back transaction changes no data, and leaves it as it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LogState([u8; HEADER]);

/// The header's size; the file holds two copies of it, one after the other.
const HEADER: usize = 48;

/// The index format's version, the header's first field (native byte order).
const INDEX_VERSION: u32 = 3_007_000;

impl LogState {
    /// Reads the header. A commit writes the second copy, then the first, so two equal copies
    /// are a whole header; unequal ones (a commit under way), another version or an index not
    /// set up give `None`.
    fn read(shm: &File) -> Option<Self> {
        let mut both = [0_u8; 2 * HEADER];
        shm.read_exact_at(&mut both, 0).ok()?;
        let (first, second) = both.split_at(HEADER);
        let version = u32::from_ne_bytes(first[..4].try_into().ok()?);
        // `isInit`, the byte after the change counter.
        let initialised = first[12] == 1;
        let whole = first == second && version == INDEX_VERSION && initialised;
        whole.then(|| first.try_into().ok().map(Self)).flatten()
    }
}

impl Readers {
    pub(crate) fn new(path: &Path, timeout: Duration) -> Self {
        Readers {
            path: path.to_owned(),
            timeout,
            epoch: Instant::now(),
            idle: Mutex::new(Vec::new()),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn open(&self) -> Result<ReadConnection, sqlx::Error> {
        let (conn, deadline) =
            open_in_place(&self.path, self.epoch, BUSY_TIMEOUT, STATEMENT_CACHE)?;
        conn.pragma_update(None, "query_only", true)
            .map_err(database_error)?;
        // A first read maps the log's index, so that its file is there to open.
        conn.query_row("select count(*) from sqlite_schema", [], |_| Ok(()))
            .map_err(database_error)?;
        let mut shm_path = self.path.clone().into_os_string();
        shm_path.push("-shm");
        Ok(ReadConnection {
            conn,
            deadline,
            shm: File::open(shm_path).ok(),
        })
    }

    /// A connection for one use, its deadline the store's timeout from now.
    pub(crate) fn take(self: &Arc<Self>) -> Result<Reader, sqlx::Error> {
        let idle = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match idle {
            Some(conn) => conn,
            None => self.open()?,
        };
        let timeout = u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX);
        conn.deadline
            .store(self.now_ms().saturating_add(timeout), Ordering::Relaxed);
        Ok(Reader {
            conn: Some(conn),
            readers: Arc::clone(self),
        })
    }

    fn give_back(&self, conn: ReadConnection) {
        conn.deadline.store(u64::MAX, Ordering::Relaxed);
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push(conn);
        }
    }
}

/// Opens a connection of the store's own to the file at `path` (a reader's or the writer's):
/// `busy` its busy timeout, `statements` how many prepared statements it keeps, a statement's
/// temporary b-trees in memory as on the pool's connections (`sqlite.rs`: no file per
/// statement), and a progress handler that interrupts a statement once `epoch`'s clock is
/// past the deadline returned with it (in milliseconds; `u64::MAX`, never, until it is set).
pub(crate) fn open_in_place(
    path: &Path,
    epoch: Instant,
    busy: Duration,
    statements: usize,
) -> Result<(Connection, Arc<AtomicU64>), sqlx::Error> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(database_error)?;
    conn.busy_timeout(busy).map_err(database_error)?;
    conn.pragma_update(None, "temp_store", "MEMORY")
        .map_err(database_error)?;
    conn.set_prepared_statement_cache_capacity(statements);
    let deadline = Arc::new(AtomicU64::new(u64::MAX));
    let seen = Arc::clone(&deadline);
    conn.progress_handler(
        INSTRUCTIONS_PER_CHECK,
        Some(move || {
            let now = u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
            now >= seen.load(Ordering::Relaxed)
        }),
    );
    Ok((conn, deadline))
}

/// One use of a read connection; it goes back to [`Readers`] when dropped.
pub(crate) struct Reader {
    conn: Option<ReadConnection>,
    readers: Arc<Readers>,
}

impl Drop for Reader {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.readers.give_back(conn);
        }
    }
}

/// Runs `query` on `conn`: its rows, at most `limit` of them.
pub(crate) fn run(
    conn: &Connection,
    query: &Query<'_>,
    limit: Option<usize>,
) -> Result<Vec<InPlaceRow>, sqlx::Error> {
    let mut statement = conn.prepare_cached(&query.text).map_err(database_error)?;
    for index in 1..=statement.parameter_count() {
        let value = match statement.parameter_name(index).and_then(number) {
            Some(n) => query.binds.get(n - 1),
            None => query.binds.get(index - 1),
        }
        .ok_or_else(|| sqlx::Error::Protocol(format!("no value bound for parameter {index}")))?;
        statement
            .raw_bind_parameter(index, ToSqlOutput::Borrowed(to_sql(value)))
            .map_err(database_error)?;
    }
    let columns: Arc<[String]> = statement
        .column_names()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let width = columns.len();
    let mut rows = statement.raw_query();
    let mut found = Vec::new();
    while let Some(row) = rows.next().map_err(database_error)? {
        let mut values = Vec::with_capacity(width);
        for i in 0..width {
            values.push(Value::from(row.get_ref(i).map_err(database_error)?));
        }
        found.push(InPlaceRow {
            columns: Arc::clone(&columns),
            values,
        });
        if limit.is_some_and(|limit| found.len() >= limit) {
            break;
        }
    }
    Ok(found)
}

impl Reader {
    /// The log's index header now; `None` when it cannot be read whole.
    pub(crate) fn log_state(&self) -> Option<LogState> {
        self.conn.as_ref()?.shm.as_ref().and_then(LogState::read)
    }

    fn conn(&self) -> Result<&Connection, sqlx::Error> {
        Ok(&self.conn.as_ref().ok_or(sqlx::Error::PoolClosed)?.conn)
    }
}

/// The number of a `$N` or `?N` parameter.
fn number(name: &str) -> Option<usize> {
    name.strip_prefix(['$', '?'])?
        .parse()
        .ok()
        .filter(|n| *n > 0)
}

fn to_sql<'a>(arg: &'a Arg<'_>) -> ValueRef<'a> {
    match arg {
        Arg::Int(v) => v.map_or(ValueRef::Null, ValueRef::Integer),
        Arg::Int32(v) => v.map_or(ValueRef::Null, |v| ValueRef::Integer(v.into())),
        Arg::Real(v) => v.map_or(ValueRef::Null, ValueRef::Real),
        Arg::Bool(v) => v.map_or(ValueRef::Null, |v| ValueRef::Integer(v.into())),
        Arg::Text(v) => v
            .as_deref()
            .map_or(ValueRef::Null, |s| ValueRef::Text(s.as_bytes())),
    }
}

impl Exec for Reader {
    type Row = InPlaceRow;

    async fn execute<'a>(&'a mut self, query: Query<'a>) -> Result<u64, sqlx::Error> {
        Err(sqlx::Error::Protocol(format!(
            "a write on a read connection: {}",
            query.text
        )))
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

/// A row read in place (by a [`Reader`] or `crate::sqlite_writes::Writer`), its values
/// owned.
#[derive(Debug)]
pub(crate) struct InPlaceRow {
    columns: Arc<[String]>,
    values: Vec<Value>,
}

impl InPlaceRow {
    fn value(&self, column: &str) -> Result<&Value, sqlx::Error> {
        self.columns
            .iter()
            .position(|c| c == column)
            .map(|i| &self.values[i])
            .ok_or_else(|| sqlx::Error::ColumnNotFound(column.to_owned()))
    }
}

fn mismatch(column: &str, value: &Value, wanted: &str) -> sqlx::Error {
    sqlx::Error::ColumnDecode {
        index: column.to_owned(),
        source: format!("{wanted} wanted, {:?} found", value.data_type()).into(),
    }
}

impl Get for InPlaceRow {
    fn read_i64(&self, column: &str) -> Result<Option<i64>, sqlx::Error> {
        match self.value(column)? {
            Value::Null => Ok(None),
            Value::Integer(n) => Ok(Some(*n)),
            other => Err(mismatch(column, other, "an integer")),
        }
    }

    fn read_i32(&self, column: &str) -> Result<Option<i32>, sqlx::Error> {
        match self.value(column)? {
            Value::Null => Ok(None),
            Value::Integer(n) => i32::try_from(*n)
                .map(Some)
                .map_err(|_| mismatch(column, &Value::Integer(*n), "a 32-bit integer")),
            other => Err(mismatch(column, other, "an integer")),
        }
    }

    fn read_bool(&self, column: &str) -> Result<Option<bool>, sqlx::Error> {
        match self.value(column)? {
            Value::Null => Ok(None),
            Value::Integer(n) => Ok(Some(*n != 0)),
            other => Err(mismatch(column, other, "a boolean")),
        }
    }

    fn read_text(&self, column: &str) -> Result<Option<String>, sqlx::Error> {
        match self.value(column)? {
            Value::Null => Ok(None),
            Value::Text(s) => Ok(Some(s.clone())),
            other => Err(mismatch(column, other, "text")),
        }
    }
}

/// A rusqlite error as sqlx's, keeping SQLite's result code, so that an interrupt is still a
/// [`crate::StoreError::Timeout`] (`crate::error::is_timeout`).
pub(crate) fn database_error(err: rusqlite::Error) -> sqlx::Error {
    match err {
        rusqlite::Error::SqliteFailure(failure, message) => {
            sqlx::Error::Database(Box::new(InPlaceError {
                code: failure.extended_code,
                message: message.unwrap_or_else(|| failure.to_string()),
            }))
        }
        other => sqlx::Error::Protocol(other.to_string()),
    }
}

/// SQLite's error on a connection of its own (a reader's or the writer's).
#[derive(Debug)]
struct InPlaceError {
    /// The extended result code, as sqlx's SQLite errors give it (`SQLITE_INTERRUPT` is 9,
    /// `SQLITE_CONSTRAINT_UNIQUE` 2067).
    code: i32,
    message: String,
}

impl std::fmt::Display for InPlaceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "(code: {}) {}", self.code, self.message)
    }
}

impl std::error::Error for InPlaceError {}

impl sqlx::error::DatabaseError for InPlaceError {
    fn message(&self) -> &str {
        &self.message
    }

    fn code(&self) -> Option<Cow<'_, str>> {
        Some(Cow::Owned(self.code.to_string()))
    }

    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }

    /// The kinds sqlx gives the same codes, so that a unique violation reads as one
    /// whichever connection met it (`crate::error::is_unique_violation`).
    fn kind(&self) -> sqlx::error::ErrorKind {
        use rusqlite::ffi;
        match self.code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                sqlx::error::ErrorKind::UniqueViolation
            }
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => sqlx::error::ErrorKind::ForeignKeyViolation,
            ffi::SQLITE_CONSTRAINT_NOTNULL => sqlx::error::ErrorKind::NotNullViolation,
            ffi::SQLITE_CONSTRAINT_CHECK => sqlx::error::ErrorKind::CheckViolation,
            _ => sqlx::error::ErrorKind::Other,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::time::{Duration, Instant};

    use super::InPlaceRow;
    use crate::sql::{query, Exec, Get, SqlStore, Write};
    use crate::{SqliteStore, StoreError, StoreOptions};

    /// A store in a file of a temporary directory, with `timeout` as its statement timeout
    /// (also `crate::sqlite_writes`'s tests).
    pub(crate) async fn store(timeout: Duration) -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let options = StoreOptions {
            statement_timeout: timeout,
        };
        let store = SqliteStore::open_with(&dir.path().join("t.db"), &options)
            .await
            .unwrap();
        (dir, store)
    }

    /// [`store`], with one table made by `create`.
    async fn store_with(
        timeout: Duration,
        create: &'static str,
    ) -> (tempfile::TempDir, SqliteStore) {
        let (dir, store) = store(timeout).await;
        store.execute(query(create)).await.unwrap();
        (dir, store)
    }

    /// The one row `sql` reads, on a reader taken for it.
    async fn read_one(store: &SqliteStore, sql: &'static str) -> InPlaceRow {
        let mut reader = store.reader().await.unwrap();
        reader.fetch_one(query(sql)).await.unwrap()
    }

    /// The log's index header moves with every commit (through the pool, through the
    /// in-place writer, by a connection of its own as another process's), and with nothing
    /// else: not with reads, a rolled-back transaction or a checkpoint.
    #[tokio::test]
    async fn the_log_state_moves_with_every_commit_and_nothing_else() {
        let (dir, store) = store_with(
            StoreOptions::DEFAULT_STATEMENT_TIMEOUT,
            "create table t (n integer)",
        )
        .await;
        let other = rusqlite::Connection::open(dir.path().join("t.db")).unwrap();
        let state = |store: SqliteStore| async move {
            let reader = store.reader().await.unwrap();
            reader.log_state().expect("a whole header")
        };
        let mut seen = vec![state(store.clone()).await];
        for round in 0..30 {
            match round % 3 {
                0 => {
                    store
                        .execute(query("insert into t values (1)"))
                        .await
                        .unwrap();
                }
                1 => {
                    let mut tx = store.begin_write().await.unwrap();
                    tx.execute(query("insert into t values (1)")).await.unwrap();
                    tx.commit().await.unwrap();
                }
                _ => {
                    other.execute("insert into t values (1)", []).unwrap();
                }
            }
            let now = state(store.clone()).await;
            assert!(
                !seen.contains(&now),
                "commit {round} left a header seen before"
            );
            seen.push(now);
        }
        let last = *seen.last().unwrap();
        read_one(&store, "select count(*) as n from t").await;
        let mut tx = store.begin_write().await.unwrap();
        tx.execute(query("insert into t values (1)")).await.unwrap();
        drop(tx);
        other
            .query_row("pragma wal_checkpoint(passive)", [], |_| Ok(()))
            .unwrap();
        assert_eq!(state(store.clone()).await, last);
    }

    #[tokio::test]
    async fn a_reader_sees_what_the_pool_committed_with_each_type_and_numbered_values() {
        let (_dir, store) = store_with(
            StoreOptions::DEFAULT_STATEMENT_TIMEOUT,
            "create table t (a integer, b text, c integer)",
        )
        .await;
        store
            .execute(
                query("insert into t values ($1, $2, $3), (2, null, null)")
                    .bind(1_i64)
                    .bind("one")
                    .bind(true),
            )
            .await
            .unwrap();
        let mut reader = store.reader().await.unwrap();
        // `$1` twice, and `$2` named before `$1` is seen again.
        let rows = reader
            .fetch_all(
                query(
                    "select a, b, c from t where a = $1 or (b is null and $2 = $1 + 1) order by a",
                )
                .bind(1_i64)
                .bind(2_i64),
            )
            .await
            .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].get::<i64>("a").unwrap(), 1);
        assert_eq!(rows[0].get::<String>("b").unwrap(), "one");
        assert!(rows[0].get::<bool>("c").unwrap());
        assert_eq!(rows[1].get::<Option<String>>("b").unwrap(), None);
        assert!(
            rows[1].get::<String>("b").is_err(),
            "a null is not a string"
        );
        assert!(rows[0].get::<i64>("b").is_err(), "text is not an integer");
        assert!(rows[0].get::<i64>("nope").is_err(), "no such column");
        let one = reader
            .fetch_optional(query("select a from t where a > $1 order by a").bind(0_i64))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(one.get::<i64>("a").unwrap(), 1);
        drop(reader);
        // A write after the reader was given back is seen by the next use.
        store
            .execute(query("update t set b = 'uno' where a = 1"))
            .await
            .unwrap();
        let row = read_one(&store, "select b from t where a = 1").await;
        assert_eq!(row.get::<String>("b").unwrap(), "uno");
    }

    #[tokio::test]
    async fn a_reader_refuses_writes_and_stops_at_the_timeout() {
        let (_dir, store) =
            store_with(Duration::from_millis(300), "create table t (a integer)").await;
        let mut reader = store.reader().await.unwrap();
        assert!(reader
            .execute(query("insert into t values (1)"))
            .await
            .is_err());
        assert!(reader
            .fetch_all(query("insert into t values (1) returning a"))
            .await
            .is_err());
        let started = Instant::now();
        let Err(err) = reader
            .fetch_one(query(
                "with recursive c(x) as (select 1 union all select x + 1 from c \
                 where x < 1000000000) select count(*) as n from c",
            ))
            .await
        else {
            panic!("the statement ran to its end");
        };
        assert!(matches!(StoreError::from(err), StoreError::Timeout));
        assert!(started.elapsed() < Duration::from_secs(10));
        drop(reader);
        // The next use gets a new deadline.
        let row = read_one(&store, "select count(*) as n from t").await;
        assert_eq!(row.get::<i64>("n").unwrap(), 0);
    }
}
