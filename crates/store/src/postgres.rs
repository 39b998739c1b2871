//! The PostgreSQL backend: how callhost runs as several instances behind a load balancer.
//!
//! A store may live in its own schema (`search_path`), which is how tests and `--ephemeral`
//! get an isolated database on a shared server and remove it afterwards.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, PgPool};

/// A store in a PostgreSQL database (optionally in one schema of it).
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    schema: Option<String>,
}

impl PgStore {
    /// Connects to `url` and migrates. With `schema`, everything lives in that schema,
    /// which is created if missing (its name must be a plain identifier).
    pub async fn connect(url: &str, schema: Option<&str>) -> crate::Result<Self> {
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
            let mut admin = PgPoolOptions::new()
                .max_connections(1)
                .connect_with(options.clone())
                .await?
                .acquire()
                .await?;
            sqlx::query(&format!("create schema if not exists {schema}"))
                .execute(&mut *admin)
                .await?;
            options = options.options([("search_path", schema)]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(Self {
            pool,
            schema: schema.map(str::to_owned),
        })
    }

    /// Drops this store's schema and everything in it. Does nothing for a store without one.
    pub async fn drop_schema(&self) -> crate::Result<()> {
        if let Some(schema) = &self.schema {
            sqlx::query(&format!("drop schema if exists {schema} cascade"))
                .execute(&self.pool)
                .await?;
        }
        self.pool.close().await;
        Ok(())
    }
}

crate::queries::impl_store!(PgStore, sqlx::postgres::PgRow, Backend::Postgres);
crate::crm::queries::impl_crm_store!(PgStore, sqlx::postgres::PgRow, sqlx::PgConnection);
