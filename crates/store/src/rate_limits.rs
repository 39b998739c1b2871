//! Rate-limit counters kept in the database, behind [`RateLimitStore`], so that several
//! instances serving one database count one caller's requests together
//! (docs/rate-limits.md#counters).
//!
//! A counter is a row per (key, window): the key names the caller and the policy, the window
//! is its first millisecond. The server decides both; the store only adds and reads.
//!
//! Invariants:
//! - **One statement per request**: every counter a request touches is added to by one
//!   multi-row upsert that returns the new counts, so two instances never read the same count
//!   and both let a request through past the limit.
//! - **Expired windows go**: [`RateLimitStore::delete_expired_counters`] deletes every row
//!   whose window has passed; nothing reads a row after its window, so deleting late is safe.

use async_trait::async_trait;

use crate::sql::{query, Get, SqlStore};
use crate::Result;

/// One counter a request adds one to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CounterHit<'a> {
    /// The caller and the policy, e.g. `app:7:portal:3|burst`.
    pub key: &'a str,
    /// The window's first millisecond since the epoch.
    pub window_start: i64,
    /// When the row may be deleted (milliseconds since the epoch): the window's end.
    pub expires_at: i64,
}

/// The database's rate-limit counters. A supertrait of [`Store`](crate::Store).
#[async_trait]
pub trait RateLimitStore: Send + Sync {
    /// Adds one to each counter (creating it at one) and returns the new counts, in the order
    /// of `hits`. Keys must differ from each other.
    async fn count_hits(&self, hits: &[CounterHit<'_>]) -> Result<Vec<i64>>;

    /// Deletes the counters whose window ended before `now_ms`; returns how many there were.
    async fn delete_expired_counters(&self, now_ms: i64) -> Result<u64>;
}

#[async_trait]
impl<S: SqlStore> RateLimitStore for S {
    async fn count_hits(&self, hits: &[CounterHit<'_>]) -> Result<Vec<i64>> {
        if hits.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = query(
            "insert into rate_limit_counter (counter_key, window_start, expires_at, hits) values ",
        );
        for (i, hit) in hits.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.push("(");
            q.push_binds([hit.key]);
            q.push(", ");
            q.push_binds([hit.window_start, hit.expires_at]);
            q.push(", 1)");
        }
        q.push(
            " on conflict (counter_key, window_start) \
             do update set hits = rate_limit_counter.hits + 1 \
             returning counter_key, window_start, hits",
        );
        let rows = self.fetch_all(q).await?;
        let mut counts = vec![0; hits.len()];
        for row in &rows {
            let key: String = row.get("counter_key")?;
            let start: i64 = row.get("window_start")?;
            if let Some(i) = hits
                .iter()
                .position(|h| h.key == key && h.window_start == start)
            {
                counts[i] = row.get("hits")?;
            }
        }
        Ok(counts)
    }

    async fn delete_expired_counters(&self, now_ms: i64) -> Result<u64> {
        let deleted = self
            .execute(query("delete from rate_limit_counter where expires_at < $1").bind(now_ms))
            .await?;
        Ok(deleted)
    }
}
