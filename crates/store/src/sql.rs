//! The one seam between the queries and sqlx: a query with its values ([`Query`]), running it
//! on a connection of either backend ([`Exec`]), reading its rows ([`Get`]), and what a
//! backend's store provides to the generic trait impls ([`SqlStore`]).
//!
//! Why this shape: code generic over `sqlx::Database` has to restate, at every generic
//! function, which Rust types the database can bind and decode and that `&mut Connection` is
//! an executor, because Rust only carries a trait's supertraits to its users. Here those bounds
//! are written once, on the two blanket impls below; everything else is generic over a
//! connection `C: Exec` (or a store `S: SqlStore`) and needs no other bound. Values are bound
//! and read with their own Rust types on each backend (no `sqlx::Any` conversion); a query
//! costs one small `Vec` of values more than a direct `sqlx::query` chain.
//!
//! Invariant: **the queries never name a backend's types**; only `sqlite.rs`,
//! `sqlite_reads.rs`, `postgres.rs` and the two `RowsAffected` impls below do, so a query
//! written once runs on both (and on SQLite's readers by key, [`SqlStore::reader`]).

use std::borrow::Cow;
use std::future::Future;

use sqlx::pool::PoolConnection;
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, Type};

use crate::error::Result;
use crate::Backend;

/// A value bound to a placeholder. Each variant binds one Rust type (a `None` binds a NULL of
/// that type, which PostgreSQL needs to know).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Arg<'a> {
    Int(Option<i64>),
    Int32(Option<i32>),
    Real(Option<f64>),
    Bool(Option<bool>),
    Text(Option<Cow<'a, str>>),
}

/// A Rust value that binds as one [`Arg`] variant.
pub(crate) trait ToArg<'a> {
    fn to_arg(self) -> Arg<'a>;
    /// The NULL of this type.
    fn null() -> Arg<'a>;
}

impl<'a> ToArg<'a> for i64 {
    fn to_arg(self) -> Arg<'a> {
        Arg::Int(Some(self))
    }
    fn null() -> Arg<'a> {
        Arg::Int(None)
    }
}

impl<'a> ToArg<'a> for i32 {
    fn to_arg(self) -> Arg<'a> {
        Arg::Int32(Some(self))
    }
    fn null() -> Arg<'a> {
        Arg::Int32(None)
    }
}

impl<'a> ToArg<'a> for f64 {
    fn to_arg(self) -> Arg<'a> {
        Arg::Real(Some(self))
    }
    fn null() -> Arg<'a> {
        Arg::Real(None)
    }
}

impl<'a> ToArg<'a> for bool {
    fn to_arg(self) -> Arg<'a> {
        Arg::Bool(Some(self))
    }
    fn null() -> Arg<'a> {
        Arg::Bool(None)
    }
}

impl<'a> ToArg<'a> for String {
    fn to_arg(self) -> Arg<'a> {
        Arg::Text(Some(Cow::Owned(self)))
    }
    fn null() -> Arg<'a> {
        Arg::Text(None)
    }
}

impl<'a> ToArg<'a> for &'a str {
    fn to_arg(self) -> Arg<'a> {
        Arg::Text(Some(Cow::Borrowed(self)))
    }
    fn null() -> Arg<'a> {
        Arg::Text(None)
    }
}

impl<'a> ToArg<'a> for &'a String {
    fn to_arg(self) -> Arg<'a> {
        Arg::Text(Some(Cow::Borrowed(self)))
    }
    fn null() -> Arg<'a> {
        Arg::Text(None)
    }
}

impl<'a, T: ToArg<'a>> ToArg<'a> for Option<T> {
    fn to_arg(self) -> Arg<'a> {
        self.map_or_else(T::null, T::to_arg)
    }
    fn null() -> Arg<'a> {
        T::null()
    }
}

/// SQL text with `$n` placeholders and the values to bind to them, in order.
#[derive(Debug, Default)]
pub(crate) struct Query<'a> {
    pub text: Cow<'a, str>,
    pub binds: Vec<Arg<'a>>,
}

/// A query of `text`, to which values are then bound in placeholder order.
pub(crate) fn query<'a>(text: impl Into<Cow<'a, str>>) -> Query<'a> {
    Query {
        text: text.into(),
        binds: Vec::new(),
    }
}

impl<'a> Query<'a> {
    /// Binds the next placeholder.
    pub fn bind(mut self, value: impl ToArg<'a>) -> Self {
        self.binds.push(value.to_arg());
        self
    }

    /// Appends SQL text.
    pub fn push(&mut self, text: &str) {
        self.text.to_mut().push_str(text);
    }

    /// Appends a placeholder for `value`; returns its number, for [`Query::push_again`].
    pub fn push_bind(&mut self, value: impl ToArg<'a>) -> usize {
        self.binds.push(value.to_arg());
        let n = self.binds.len();
        self.push(&format!("${n}"));
        n
    }

    /// Appends placeholder `n` again (a value used twice is bound once; both backends
    /// accept a numbered placeholder more than once).
    pub fn push_again(&mut self, n: usize) {
        self.push(&format!("${n}"));
    }

    /// Appends `$n, $n+1, ...` for `values`, as `in (...)` lists need.
    pub fn push_binds<V: ToArg<'a>>(&mut self, values: impl IntoIterator<Item = V>) {
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.push_bind(value);
        }
    }
}

/// A backend's count of rows a statement changed (sqlx gives it no common trait).
pub(crate) trait RowsAffected {
    fn rows_affected(&self) -> u64;
}

impl RowsAffected for sqlx::sqlite::SqliteQueryResult {
    fn rows_affected(&self) -> u64 {
        self.rows_affected()
    }
}

impl RowsAffected for sqlx::postgres::PgQueryResult {
    fn rows_affected(&self) -> u64 {
        self.rows_affected()
    }
}

/// A connection the queries run on: a pooled connection or a transaction, through `Deref`.
pub(crate) trait Exec: Send {
    type Row: Get;

    /// Runs a statement; how many rows it changed.
    fn execute<'a>(
        &'a mut self,
        query: Query<'a>,
    ) -> impl Future<Output = Result<u64, sqlx::Error>> + Send + 'a;

    fn fetch_all<'a>(
        &'a mut self,
        query: Query<'a>,
    ) -> impl Future<Output = Result<Vec<Self::Row>, sqlx::Error>> + Send + 'a;

    fn fetch_optional<'a>(
        &'a mut self,
        query: Query<'a>,
    ) -> impl Future<Output = Result<Option<Self::Row>, sqlx::Error>> + Send + 'a;

    /// The first row; `RowNotFound` when there is none.
    fn fetch_one<'a>(
        &'a mut self,
        query: Query<'a>,
    ) -> impl Future<Output = Result<Self::Row, sqlx::Error>> + Send + 'a {
        async move {
            self.fetch_optional(query)
                .await?
                .ok_or(sqlx::Error::RowNotFound)
        }
    }
}

/// The database's query with `query`'s values bound, each as its own Rust type.
fn bound<'q, DB>(query: &'q Query<'_>) -> sqlx::query::Query<'q, DB, DB::Arguments<'q>>
where
    DB: Database,
    i64: Type<DB> + Encode<'q, DB>,
    Option<i64>: Encode<'q, DB>,
    Option<i32>: Type<DB> + Encode<'q, DB>,
    Option<f64>: Type<DB> + Encode<'q, DB>,
    Option<bool>: Type<DB> + Encode<'q, DB>,
    Option<&'q str>: Type<DB> + Encode<'q, DB>,
{
    let mut bound = sqlx::query::<DB>(&query.text);
    for arg in &query.binds {
        bound = match arg {
            Arg::Int(v) => bound.bind(*v),
            Arg::Int32(v) => bound.bind(*v),
            Arg::Real(v) => bound.bind(*v),
            Arg::Bool(v) => bound.bind(*v),
            Arg::Text(v) => bound.bind(v.as_deref()),
        };
    }
    bound
}

impl<C> Exec for C
where
    C: sqlx::Connection,
    for<'c> &'c mut C: Executor<'c, Database = C::Database>,
    for<'q> <C::Database as Database>::Arguments<'q>: IntoArguments<'q, C::Database>,
    <C::Database as Database>::Row: Get,
    <C::Database as Database>::QueryResult: RowsAffected,
    i64: Type<C::Database> + for<'q> Encode<'q, C::Database>,
    for<'q> Option<i64>: Encode<'q, C::Database>,
    for<'q> Option<i32>: Type<C::Database> + Encode<'q, C::Database>,
    for<'q> Option<f64>: Type<C::Database> + Encode<'q, C::Database>,
    for<'q> Option<bool>: Type<C::Database> + Encode<'q, C::Database>,
    for<'q> Option<&'q str>: Type<C::Database> + Encode<'q, C::Database>,
{
    type Row = <C::Database as Database>::Row;

    async fn execute<'a>(&'a mut self, query: Query<'a>) -> Result<u64, sqlx::Error> {
        let done = bound(&query).execute(self).await?;
        Ok(done.rows_affected())
    }

    async fn fetch_all<'a>(&'a mut self, query: Query<'a>) -> Result<Vec<Self::Row>, sqlx::Error> {
        bound(&query).fetch_all(self).await
    }

    async fn fetch_optional<'a>(
        &'a mut self,
        query: Query<'a>,
    ) -> Result<Option<Self::Row>, sqlx::Error> {
        bound(&query).fetch_optional(self).await
    }
}

/// A connection from the pool that is closed, not returned to the pool, when it is dropped
/// in the middle of a statement: the future running the statement was dropped (its request
/// is gone). sqlx would return it to the pool, whose check of a returned connection waits
/// for the statement to finish; on PostgreSQL, closing it instead lets the server cancel
/// the statement (see `postgres.rs`).
pub(crate) struct Conn<DB: Database> {
    inner: PoolConnection<DB>,
    /// A statement was started and has not finished.
    busy: bool,
}

impl<DB: Database> Conn<DB> {
    pub fn new(inner: PoolConnection<DB>) -> Self {
        Self { inner, busy: false }
    }

    /// Closes the connection when it is dropped instead of returning it to the pool (it may
    /// be broken, or hold a session's lock).
    pub fn discard(&mut self) {
        self.busy = true;
    }
}

impl<DB: Database> Drop for Conn<DB> {
    fn drop(&mut self) {
        if self.busy {
            self.inner.close_on_drop();
        }
    }
}

impl<DB> Exec for Conn<DB>
where
    DB: Database<Connection: Exec>,
{
    type Row = <DB::Connection as Exec>::Row;

    async fn execute<'a>(&'a mut self, query: Query<'a>) -> Result<u64, sqlx::Error> {
        self.busy = true;
        let done = Exec::execute(&mut *self.inner, query).await;
        self.busy = false;
        done
    }

    async fn fetch_all<'a>(&'a mut self, query: Query<'a>) -> Result<Vec<Self::Row>, sqlx::Error> {
        self.busy = true;
        let rows = Exec::fetch_all(&mut *self.inner, query).await;
        self.busy = false;
        rows
    }

    async fn fetch_optional<'a>(
        &'a mut self,
        query: Query<'a>,
    ) -> Result<Option<Self::Row>, sqlx::Error> {
        self.busy = true;
        let row = Exec::fetch_optional(&mut *self.inner, query).await;
        self.busy = false;
        row
    }
}

/// A write transaction: statements through [`Exec`], then [`Write::commit`]. Dropped before
/// its commit, it rolls back.
pub(crate) trait Write: Exec {
    fn commit(self) -> impl Future<Output = Result<(), sqlx::Error>> + Send;
}

/// A write transaction on a pool connection of sqlx's (PostgreSQL's writes).
pub(crate) struct PooledWrite<DB: Database>(sqlx::Transaction<'static, DB>);

impl<DB> Exec for PooledWrite<DB>
where
    DB: Database<Connection: Exec>,
{
    type Row = <DB::Connection as Exec>::Row;

    async fn execute<'a>(&'a mut self, query: Query<'a>) -> Result<u64, sqlx::Error> {
        Exec::execute(&mut *self.0, query).await
    }

    async fn fetch_all<'a>(&'a mut self, query: Query<'a>) -> Result<Vec<Self::Row>, sqlx::Error> {
        Exec::fetch_all(&mut *self.0, query).await
    }

    async fn fetch_optional<'a>(
        &'a mut self,
        query: Query<'a>,
    ) -> Result<Option<Self::Row>, sqlx::Error> {
        Exec::fetch_optional(&mut *self.0, query).await
    }
}

impl<DB> Write for PooledWrite<DB>
where
    DB: Database<Connection: Exec>,
{
    async fn commit(self) -> Result<(), sqlx::Error> {
        self.0.commit().await
    }
}

impl<DB: Database> PooledWrite<DB> {
    pub fn new(tx: sqlx::Transaction<'static, DB>) -> Self {
        Self(tx)
    }
}

/// A row of either backend, read by column name.
pub(crate) trait Get: Send + Sync {
    fn read_i64(&self, column: &str) -> Result<Option<i64>, sqlx::Error>;
    fn read_i32(&self, column: &str) -> Result<Option<i32>, sqlx::Error>;
    fn read_bool(&self, column: &str) -> Result<Option<bool>, sqlx::Error>;
    fn read_text(&self, column: &str) -> Result<Option<String>, sqlx::Error>;

    /// The column's value as `T`; reading NULL into a type that is not an `Option` fails.
    fn get<T: Column>(&self, column: &str) -> Result<T, sqlx::Error>
    where
        Self: Sized,
    {
        T::from_row(self, column)
    }
}

impl<R> Get for R
where
    R: sqlx::Row,
    for<'s> &'s str: ColumnIndex<R>,
    Option<i64>: Type<R::Database> + for<'r> Decode<'r, R::Database>,
    Option<i32>: Type<R::Database> + for<'r> Decode<'r, R::Database>,
    Option<bool>: Type<R::Database> + for<'r> Decode<'r, R::Database>,
    Option<String>: Type<R::Database> + for<'r> Decode<'r, R::Database>,
{
    fn read_i64(&self, column: &str) -> Result<Option<i64>, sqlx::Error> {
        self.try_get(column)
    }

    fn read_i32(&self, column: &str) -> Result<Option<i32>, sqlx::Error> {
        self.try_get(column)
    }

    fn read_bool(&self, column: &str) -> Result<Option<bool>, sqlx::Error> {
        self.try_get(column)
    }

    fn read_text(&self, column: &str) -> Result<Option<String>, sqlx::Error> {
        self.try_get(column)
    }
}

/// A Rust type a column is read as (see [`Column`]).
pub(crate) trait Value: Sized {
    fn read<R: Get + ?Sized>(row: &R, column: &str) -> Result<Option<Self>, sqlx::Error>;
}

impl Value for i64 {
    fn read<R: Get + ?Sized>(row: &R, column: &str) -> Result<Option<Self>, sqlx::Error> {
        row.read_i64(column)
    }
}

impl Value for i32 {
    fn read<R: Get + ?Sized>(row: &R, column: &str) -> Result<Option<Self>, sqlx::Error> {
        row.read_i32(column)
    }
}

impl Value for bool {
    fn read<R: Get + ?Sized>(row: &R, column: &str) -> Result<Option<Self>, sqlx::Error> {
        row.read_bool(column)
    }
}

impl Value for String {
    fn read<R: Get + ?Sized>(row: &R, column: &str) -> Result<Option<Self>, sqlx::Error> {
        row.read_text(column)
    }
}

/// What [`Get::get`] returns: a [`Value`], or an `Option` of one for a nullable column.
pub(crate) trait Column: Sized {
    fn from_row<R: Get + ?Sized>(row: &R, column: &str) -> Result<Self, sqlx::Error>;
}

impl<T: Value> Column for T {
    fn from_row<R: Get + ?Sized>(row: &R, column: &str) -> Result<Self, sqlx::Error> {
        T::read(row, column)?.ok_or_else(|| sqlx::Error::ColumnDecode {
            index: column.to_owned(),
            source: Box::new(sqlx::error::UnexpectedNullError),
        })
    }
}

impl<T: Value> Column for Option<T> {
    fn from_row<R: Get + ?Sized>(row: &R, column: &str) -> Result<Self, sqlx::Error> {
        T::read(row, column)
    }
}

/// What a backend's store gives the generic implementations of the store traits (in
/// `queries.rs`, `crm/`, `helpdesk/`, `recordings.rs`, `saved_searches.rs`).
pub(crate) trait SqlStore: Send + Sync + 'static {
    type Db: Database<Connection: Exec>;
    /// What [`SqlStore::reader`] gives.
    type Reader: Exec;
    /// What [`SqlStore::begin_write`] gives.
    type Writer: Write;

    fn pool(&self) -> &Pool<Self::Db>;

    fn backend(&self) -> Backend;

    /// The store's notification bus (`crate::bus`).
    fn bus(&self) -> &crate::bus::Bus;

    /// How this store excludes other holders of a call, and other starting instances
    /// (`crate::exclusion`).
    fn exclusion(&self) -> &crate::exclusion::Exclusion;

    /// Called after writes of `objects` CRM objects are committed.
    fn after_writes(&self, objects: usize) -> impl Future<Output = ()> + Send;

    /// A transaction for writes: on SQLite one that runs in place
    /// (`crate::sqlite_writes`), on PostgreSQL one on a pool connection. For a few
    /// statements over a handful of rows; bulk writes take [`SqlStore::begin_bulk_write`].
    fn begin_write(&self) -> impl Future<Output = Result<Self::Writer>> + Send;

    /// A transaction for bulk writes (a dataset, a snapshot), on a pool connection. On SQLite
    /// it begins `IMMEDIATE`, taking the write lock at once (and waiting out the busy timeout
    /// for it): a deferred transaction that reads first and then writes fails with
    /// SQLITE_BUSY_SNAPSHOT when another connection committed in between, which no timeout
    /// retries. PostgreSQL's row locks need no such care.
    fn begin_bulk_write(
        &self,
    ) -> impl Future<Output = Result<sqlx::Transaction<'static, Self::Db>>> + Send {
        async move {
            let tx = match self.backend() {
                Backend::Sqlite => self.pool().begin_with("BEGIN IMMEDIATE").await?,
                Backend::Postgres => self.pool().begin().await?,
            };
            Ok(tx)
        }
    }

    /// A connection for reads by key only (an access token, objects by id or by the value of
    /// a property, such as a call by its external id): on SQLite one
    /// that runs the read where it is asked for (`crate::sqlite_reads`), on PostgreSQL one
    /// from the pool.
    fn reader(&self) -> impl Future<Output = Result<Self::Reader>> + Send;

    /// Objects of one type by id, as `crate::crm::objects::load` reads them, in the order
    /// of `ids` (the ones found). On SQLite they may come from memory while the database is
    /// unchanged (`crate::object_cache`).
    fn objects_by_id<'a>(
        &'a self,
        portal_id: i64,
        object_type_id: &'a str,
        archived: bool,
        ids: &'a [i64],
    ) -> impl Future<Output = Result<Vec<crate::crm::CrmObject>>> + Send + 'a {
        async move {
            let mut conn = self.reader().await?;
            crate::crm::objects::load(
                &mut conn,
                portal_id,
                Some(object_type_id),
                Some(archived),
                ids,
            )
            .await
        }
    }

    /// A connection from the pool, for several statements ([`Conn`]).
    fn conn(&self) -> impl Future<Output = Result<Conn<Self::Db>>> + Send {
        async move { Ok(Conn::new(self.pool().acquire().await?)) }
    }

    /// Runs one statement on a connection from the pool; how many rows it changed.
    fn execute<'a>(
        &'a self,
        query: Query<'a>,
    ) -> impl Future<Output = Result<u64, sqlx::Error>> + Send + 'a {
        async move { Conn::new(self.pool().acquire().await?).execute(query).await }
    }

    fn fetch_all<'a>(
        &'a self,
        query: Query<'a>,
    ) -> impl Future<Output = Result<Vec<Row<Self>>, sqlx::Error>> + Send + 'a {
        async move {
            Conn::new(self.pool().acquire().await?)
                .fetch_all(query)
                .await
        }
    }

    fn fetch_optional<'a>(
        &'a self,
        query: Query<'a>,
    ) -> impl Future<Output = Result<Option<Row<Self>>, sqlx::Error>> + Send + 'a {
        async move {
            Conn::new(self.pool().acquire().await?)
                .fetch_optional(query)
                .await
        }
    }

    fn fetch_one<'a>(
        &'a self,
        query: Query<'a>,
    ) -> impl Future<Output = Result<Row<Self>, sqlx::Error>> + Send + 'a {
        async move {
            Conn::new(self.pool().acquire().await?)
                .fetch_one(query)
                .await
        }
    }
}

/// The row type of a store's connections.
pub(crate) type Row<S> = <<<S as SqlStore>::Db as Database>::Connection as Exec>::Row;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_follow_the_values_bound_before_them_and_nulls_keep_their_type() {
        let mut q = query("select 1 where a = $1").bind(5_i64);
        q.push(" and b in (");
        q.push_binds(["x", "y"]);
        q.push(")");
        assert_eq!(q.text, "select 1 where a = $1 and b in ($2, $3)");
        assert_eq!(q.binds[2], Arg::Text(Some("y".into())));
        let nulls = query("").bind(None::<i32>).bind(None::<&str>).binds;
        assert_eq!(nulls, [Arg::Int32(None), Arg::Text(None)]);
    }
}
