//! Exclusion across every process that shares the database: the same-call rule's hold on one
//! (portal, externalCallId) ([`ExclusionStore::hold_call`]) and the startup's turn
//! ([`ExclusionStore::begin_startup`]), so that several `callhost serve` processes on one
//! PostgreSQL database log a call once and seed, load and snapshot the store once.
//!
//! **PostgreSQL** keeps both with advisory locks (docs/design.md#one-call-across-instances).
//! A call's hold is a session lock, `pg_advisory_lock(CALL, k)`, where `k` is 32 bits of a
//! SHA-256 of (schema, portal, externalCallId); it is taken on a connection of a small pool of
//! its own, so that holders never wait for the connections the work under the hold needs.
//! Releasing it (dropping the [`CallHold`]) unlocks in a task of its own, off the caller's
//! path; a hold dropped while its lock was being taken, or whose unlock fails, closes its
//! connection instead, which releases every lock of that session. Two calls whose keys
//! collide only wait for each other. The startup holds `STARTUP` on a connection of its own,
//! and every running instance holds `RUNNING` shared for its whole life: the starting one is
//! the first when it can take `RUNNING` exclusively.
//!
//! **SQLite** is one process (the CLI refuses a second `serve` on a data directory), so the
//! same exclusion is in-process: 64 striped mutexes for calls, one for the startup, and a
//! starting store is always the first.
//!
//! Invariant: **the keys include the store's schema**, so stores in different schemas of one
//! database (tests, `--ephemeral`) never wait for each other beyond a hash collision.

use std::sync::Arc;

use async_trait::async_trait;
use sha2::{Digest, Sha256};
use sqlx::postgres::{PgConnectOptions, PgPool};
use sqlx::{ConnectOptions, PgConnection, Postgres};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::error::Result;
use crate::sql::{query, Conn, Exec, SqlStore};

/// The first key of callhost's advisory locks: which kind of lock the second key names.
const CALL: i32 = 0x6361_6c6c; // "call"
const STARTUP: i32 = 0x7374_7274; // "strt"
const RUNNING: i32 = 0x7275_6e73; // "runs"

/// How many calls one instance can hold at once on PostgreSQL (connections of the hold pool);
/// more wait for a connection, bounded by the pool's acquire timeout.
const HOLD_CONNECTIONS: u32 = 8;

/// Exclusion between the reports of one call and between starting instances.
#[async_trait]
pub trait ExclusionStore: Send + Sync {
    /// Waits until no other holder (in any process sharing the database) holds this call,
    /// then holds it until the returned hold is dropped.
    async fn hold_call(&self, portal_id: i64, external_call_id: &str) -> Result<CallHold>;

    /// Waits for the startup's turn (one starting instance at a time) and says whether
    /// another instance is running on this store.
    async fn begin_startup(&self) -> Result<Startup>;
}

/// A held call; dropping it releases the call.
pub struct CallHold(Option<Held>);

enum Held {
    Local(#[allow(dead_code)] OwnedMutexGuard<()>),
    Postgres(Conn<Postgres>, i32),
}

impl Drop for CallHold {
    fn drop(&mut self) {
        let Some(Held::Postgres(mut conn, key)) = self.0.take() else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            conn.discard();
            return;
        };
        runtime.spawn(async move {
            let unlock = query("select pg_advisory_unlock($1, $2)")
                .bind(CALL)
                .bind(key);
            if let Err(error) = conn.execute(unlock).await {
                tracing::warn!(error = %error, "releasing a call's advisory lock failed");
                conn.discard();
            }
        });
    }
}

/// The startup's turn: held until [`Startup::finish`], which leaves this instance marked
/// running for as long as the returned [`Running`] lives.
pub struct Startup {
    /// No other instance is running on this store: this start is the first.
    pub first: bool,
    inner: StartupInner,
}

enum StartupInner {
    Local(#[allow(dead_code)] OwnedMutexGuard<()>),
    Postgres(PgConnection, i32),
}

/// This instance's mark as running (PostgreSQL: a shared advisory lock on a connection of its
/// own). Dropping it ends the mark.
pub struct Running(#[allow(dead_code)] Option<PgConnection>);

impl Startup {
    /// Ends the startup's turn; the instance stays marked running while `Running` lives.
    pub async fn finish(self) -> Result<Running> {
        match self.inner {
            StartupInner::Local(_) => Ok(Running(None)),
            StartupInner::Postgres(mut conn, key) => {
                conn.execute(
                    query("select pg_advisory_unlock($1, $2)")
                        .bind(STARTUP)
                        .bind(key),
                )
                .await?;
                Ok(Running(Some(conn)))
            }
        }
    }
}

/// A store's exclusion, made when it connects.
pub(crate) enum Exclusion {
    Local {
        calls: Vec<Arc<Mutex<()>>>,
        startup: Arc<Mutex<()>>,
    },
    Postgres {
        holds: PgPool,
        /// Options for the startup's own connection (no statement timeout: a turn may wait
        /// for another instance loading a large fixture).
        direct: Box<PgConnectOptions>,
        /// The schema the store's tables are in (`current_schema()`), hashed into keys.
        schema: String,
    },
}

impl Exclusion {
    pub(crate) fn local() -> Self {
        Self::Local {
            calls: (0..64).map(|_| Arc::default()).collect(),
            startup: Arc::default(),
        }
    }

    pub(crate) fn postgres(holds: PgPool, direct: PgConnectOptions, schema: &str) -> Self {
        Self::Postgres {
            holds,
            direct: Box::new(direct),
            schema: schema.to_owned(),
        }
    }
}

/// 32 bits of a SHA-256 of `parts`, each length-prefixed so that no two lists hash alike.
pub(crate) fn key(parts: &[&[u8]]) -> i32 {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    let digest = hasher.finalize();
    i32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

#[async_trait]
impl<S: SqlStore> ExclusionStore for S {
    async fn hold_call(&self, portal_id: i64, external_call_id: &str) -> Result<CallHold> {
        match self.exclusion() {
            Exclusion::Local { calls, .. } => {
                let k = key(&[&portal_id.to_be_bytes(), external_call_id.as_bytes()]);
                let stripe = &calls[k.unsigned_abs() as usize % calls.len()];
                Ok(CallHold(Some(Held::Local(
                    stripe.clone().lock_owned().await,
                ))))
            }
            Exclusion::Postgres { holds, schema, .. } => {
                let k = key(&[
                    schema.as_bytes(),
                    &portal_id.to_be_bytes(),
                    external_call_id.as_bytes(),
                ]);
                // A connection dropped while its lock was being taken is closed (`Conn`), so
                // a lock granted after its caller left does not stay with the pool.
                let mut conn = Conn::new(holds.acquire().await?);
                let lock = query("select pg_advisory_lock($1, $2)").bind(CALL).bind(k);
                if let Err(error) = conn.execute(lock).await {
                    // Not pinged when taken: a dead connection fails here, and is not kept.
                    conn.discard();
                    return Err(error.into());
                }
                Ok(CallHold(Some(Held::Postgres(conn, k))))
            }
        }
    }

    async fn begin_startup(&self) -> Result<Startup> {
        match self.exclusion() {
            Exclusion::Local { startup, .. } => Ok(Startup {
                first: true,
                inner: StartupInner::Local(startup.clone().lock_owned().await),
            }),
            Exclusion::Postgres { direct, schema, .. } => {
                let k = key(&[schema.as_bytes()]);
                let mut conn = direct.connect().await?;
                conn.execute(
                    query("select pg_advisory_lock($1, $2)")
                        .bind(STARTUP)
                        .bind(k),
                )
                .await?;
                // Exclusively only when nobody holds it shared, that is no instance runs; then
                // shared, as every running instance holds it.
                let row = conn
                    .fetch_one(
                        query("select pg_try_advisory_lock($1, $2) as alone")
                            .bind(RUNNING)
                            .bind(k),
                    )
                    .await?;
                let first: bool = crate::sql::Get::get(&row, "alone")?;
                if first {
                    conn.execute(
                        query("select pg_advisory_unlock($1, $2)")
                            .bind(RUNNING)
                            .bind(k),
                    )
                    .await?;
                }
                conn.execute(
                    query("select pg_advisory_lock_shared($1, $2)")
                        .bind(RUNNING)
                        .bind(k),
                )
                .await?;
                Ok(Startup {
                    first,
                    inner: StartupInner::Postgres(conn, k),
                })
            }
        }
    }
}

/// The pool of a PostgreSQL store's call holds: a few connections of their own, made on
/// first need, not pinged when taken (a round trip saved on every report; the lock statement
/// fails on a dead connection, which is then closed).
pub(crate) fn holds_pool(options: PgConnectOptions) -> PgPool {
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(HOLD_CONNECTIONS)
        .min_connections(0)
        .test_before_acquire(false)
        .acquire_timeout(std::time::Duration::from_secs(10))
        .connect_lazy_with(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_stable_and_length_prefixed() {
        assert_eq!(key(&[b"a", b"bc"]), key(&[b"a", b"bc"]));
        assert_ne!(key(&[b"ab", b"c"]), key(&[b"a", b"bc"]));
    }
}
