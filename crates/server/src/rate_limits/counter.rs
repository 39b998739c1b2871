//! Where the counts are kept (docs/rate-limits.md#counters): in the store's database on
//! PostgreSQL, which several instances may share, and in this process on SQLite, which one
//! process serves (a write per request would queue every request behind SQLite's one writer).
//!
//! Both count fixed windows, aligned to multiples of their length since the epoch (the daily
//! window is the UTC day), and both forget windows that have passed: the process's map on
//! its own, the database's rows through a cleanup started at most once a minute.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use callhost_store::{Backend, CounterHit, Store};

/// How often expired windows are cleaned up, at most.
const CLEANUP_EVERY_MS: i64 = 60_000;

/// One counter a request adds to: its key and window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub key: String,
    pub window_start: i64,
    pub window_end: i64,
}

/// The counts of every caller's windows.
pub enum Counters {
    /// This process's counts: (key, window start) → (window end, hits).
    Local(Mutex<HashMap<(String, i64), (i64, i64)>>),
    /// The database's counts, shared by every instance on it.
    Shared(Arc<dyn Store>),
}

/// The counters and when they were last cleaned up.
pub struct Counts {
    counters: Counters,
    cleaned_at: AtomicI64,
}

impl Counts {
    /// In the database on PostgreSQL, in this process on SQLite.
    pub fn for_store(store: Arc<dyn Store>) -> Self {
        let counters = match store.backend() {
            Backend::Postgres => Counters::Shared(store),
            Backend::Sqlite => Counters::Local(Mutex::default()),
        };
        Counts {
            counters,
            cleaned_at: AtomicI64::new(0),
        }
    }

    /// Adds one to each hit's counter; the new counts in order. An error means nothing is
    /// known (the caller lets the request through).
    pub async fn add(
        &self,
        hits: &[Hit],
        now_ms: i64,
    ) -> Result<Vec<i64>, callhost_store::StoreError> {
        let due = self.cleanup_due(now_ms);
        match &self.counters {
            Counters::Local(map) => {
                let mut map = map.lock().unwrap_or_else(|p| p.into_inner());
                if due {
                    map.retain(|_, (end, _)| *end >= now_ms);
                }
                Ok(hits
                    .iter()
                    .map(|hit| {
                        let entry = map
                            .entry((hit.key.clone(), hit.window_start))
                            .or_insert((hit.window_end, 0));
                        entry.1 += 1;
                        entry.1
                    })
                    .collect())
            }
            Counters::Shared(store) => {
                if due {
                    let store = store.clone();
                    tokio::spawn(async move {
                        match store.delete_expired_counters(now_ms).await {
                            Ok(n) => tracing::debug!(
                                rate_limits.deleted = n,
                                "expired rate-limit windows deleted"
                            ),
                            Err(err) => {
                                tracing::warn!(error = %err, "cannot delete expired rate-limit windows")
                            }
                        }
                    });
                }
                let rows: Vec<CounterHit<'_>> = hits
                    .iter()
                    .map(|hit| CounterHit {
                        key: &hit.key,
                        window_start: hit.window_start,
                        expires_at: hit.window_end,
                    })
                    .collect();
                store.count_hits(&rows).await
            }
        }
    }

    /// Forgets this process's counts (a reset; the database's go with the store's snapshot).
    pub fn clear_local(&self) {
        if let Counters::Local(map) = &self.counters {
            map.lock().unwrap_or_else(|p| p.into_inner()).clear();
        }
    }

    /// True for one caller at most once a minute.
    fn cleanup_due(&self, now_ms: i64) -> bool {
        let last = self.cleaned_at.load(Ordering::Relaxed);
        now_ms - last >= CLEANUP_EVERY_MS
            && self
                .cleaned_at
                .compare_exchange(last, now_ms, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }
}
