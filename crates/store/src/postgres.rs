//! The PostgreSQL backend: how callhost runs as several instances behind a load balancer.
//!
//! A store may live in its own schema (`search_path`), which is how tests and `--ephemeral`
//! get an isolated database on a shared server and remove it afterwards.
//!
//! The store keeps the CRM tables' planner statistics fresh itself (`crate::statistics`):
//! searches are only fast with them.
//!
//! Every connection has a `statement_timeout` ([`StoreOptions`]). A statement whose request
//! is gone is stopped too: when the future running it is dropped, the connection is closed
//! rather than returned to the pool (`sql::Conn`; sqlx would otherwise wait for the
//! statement to finish before reusing the connection), and `client_connection_check_interval`
//! (PostgreSQL 14 and later) makes the server notice the closed connection within a second
//! and cancel the statement, instead of running it to its end.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool, Postgres};

use crate::exclusion::{self, Exclusion};
use crate::sql::{Conn, PooledWrite, SqlStore};

use crate::statistics::{Staleness, TABLES};
use crate::{Backend, StoreOptions};

/// A store in a PostgreSQL database (optionally in one schema of it).
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    schema: Option<String>,
    staleness: Arc<Staleness>,
    bus: crate::bus::Bus,
    exclusion: Arc<Exclusion>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("pool", &self.pool)
            .field("schema", &self.schema)
            .finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connects to `url` and migrates. With `schema`, everything lives in that schema,
    /// which is created if missing (its name must be a plain identifier).
    ///
    /// One connection is opened directly first: the pool retries a refused connection until
    /// its acquire timeout and then reports only the timeout, so an unreachable server (or a
    /// wrong password) would surface ten seconds late and without its cause.
    pub async fn connect(url: &str, schema: Option<&str>) -> crate::Result<Self> {
        Self::connect_with(url, schema, &StoreOptions::default()).await
    }

    /// [`PgStore::connect`] with `store_options`.
    pub async fn connect_with(
        url: &str,
        schema: Option<&str>,
        store_options: &StoreOptions,
    ) -> crate::Result<Self> {
        let mut options =
            PgConnectOptions::from_str(url)?.log_statements(tracing::log::LevelFilter::Trace);
        if let Some(schema) = schema {
            if !schema
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
                || schema.is_empty()
            {
                return Err(crate::StoreError::InvalidUrl(format!(
                    "schema name {schema:?} must be letters, digits and underscores"
                )));
            }
        }
        let mut first = options.connect().await?;
        if let Some(schema) = schema {
            sqlx::query(&format!("create schema if not exists {schema}"))
                .execute(&mut first)
                .await?;
            options = options.options([("search_path", schema)]);
        }
        first.close().await?;
        // Migrations run on a connection of their own, without the statement timeout: building
        // an index over a large table may rightly take longer.
        let mut migrating = PgConnection::connect_with(&options).await?;
        sqlx::migrate!("./migrations/postgres")
            .run(&mut migrating)
            .await?;
        let direct = options.clone();
        let timeout_ms = store_options.statement_timeout.as_millis().max(1);
        options = options.options([("statement_timeout", timeout_ms)]);
        let holds = exclusion::holds_pool(options.clone());
        // The schema the store's tables are in, named in the exclusion's keys: a URL may set
        // `search_path` itself, and stores in different schemas must not exclude each other.
        let current_schema: String =
            sqlx::query_scalar("select coalesce(current_schema(), '')::text")
                .fetch_one(&mut migrating)
                .await?;
        migrating.close().await?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(|conn, _| Box::pin(async move { watch_client(conn).await }))
            .connect_with(options)
            .await?;
        let store = Self {
            bus: crate::bus::Bus::postgres(pool.clone(), schema),
            pool,
            schema: schema.map(str::to_owned),
            staleness: Arc::default(),
            exclusion: Arc::new(Exclusion::postgres(holds, direct, &current_schema)),
        };
        // A database that was loaded but never analyzed (say with autovacuum off) is analyzed
        // now; otherwise the count since the last analyze starts from the table's size then.
        let objects: f32 =
            sqlx::query_scalar("select reltuples from pg_class where oid = 'crm_object'::regclass")
                .fetch_one(&store.pool)
                .await?;
        let objects = if objects < 0.0 {
            store.analyze().await?
        } else {
            objects as u64
        };
        store.staleness.analyzed(Some(objects));
        Ok(store)
    }

    /// Analyzes the CRM tables; returns the number of objects the analyze estimated.
    async fn analyze(&self) -> crate::Result<u64> {
        let started = std::time::Instant::now();
        sqlx::query(&format!("analyze {TABLES}"))
            .execute(&self.pool)
            .await?;
        let objects: f32 =
            sqlx::query_scalar("select reltuples from pg_class where oid = 'crm_object'::regclass")
                .fetch_one(&self.pool)
                .await?;
        tracing::debug!(
            crm.objects = objects,
            duration_ms = started.elapsed().as_millis() as u64,
            "analyzed the CRM tables"
        );
        Ok(objects.max(0.0) as u64)
    }

    /// The schema this store lives in, when it has one of its own.
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    /// Stops listening on the bus and closes the pool (a store whose schema another handle
    /// will drop, such as a second instance's in tests).
    pub async fn close(&self) {
        self.bus.close();
        self.pool.close().await;
    }

    /// Drops this store's schema and everything in it. Does nothing for a store without one.
    pub async fn drop_schema(&self) -> crate::Result<()> {
        self.bus.close();
        if let Some(schema) = &self.schema {
            sqlx::query(&format!("drop schema if exists {schema} cascade"))
                .execute(&self.pool)
                .await?;
        }
        self.pool.close().await;
        if let Exclusion::Postgres { holds, .. } = &*self.exclusion {
            holds.close().await;
        }
        Ok(())
    }
}

/// Makes the server check, while a statement runs, that the client is still connected, and
/// cancel the statement once it is not (a setting of PostgreSQL 14 and later).
async fn watch_client(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    if conn.server_version_num().is_some_and(|v| v >= 140_000) {
        sqlx::query("set client_connection_check_interval = 1000")
            .execute(conn)
            .await?;
    }
    Ok(())
}

impl SqlStore for PgStore {
    type Db = Postgres;
    type Reader = Conn<Postgres>;
    type Writer = PooledWrite<Postgres>;

    fn pool(&self) -> &PgPool {
        &self.pool
    }

    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn reader(&self) -> crate::Result<Conn<Postgres>> {
        self.conn().await
    }

    async fn begin_write(&self) -> crate::Result<PooledWrite<Postgres>> {
        Ok(PooledWrite::new(self.pool.begin().await?))
    }

    fn bus(&self) -> &crate::bus::Bus {
        &self.bus
    }

    fn exclusion(&self) -> &Exclusion {
        &self.exclusion
    }

    /// Counts `objects` written and analyzes the CRM tables when that makes their statistics
    /// stale. The writes are committed by then, so a failure is logged rather than returned.
    async fn after_writes(&self, objects: usize) {
        if !self.staleness.wrote(objects as u64) {
            return;
        }
        let analyzed = self.analyze().await;
        if let Err(error) = &analyzed {
            tracing::warn!(error = %error, "could not analyze the CRM tables");
        }
        self.staleness.analyzed(analyzed.ok());
    }
}
