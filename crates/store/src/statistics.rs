//! When PostgreSQL's planner statistics for the CRM tables are refreshed.
//!
//! Searches filter `crm_object` by portal, type and archived flag, and join
//! `crm_property_value`. Without statistics the planner takes each of those equalities to keep
//! 0.5% of the rows, so it believes a portal has one contact; it then walks every object of
//! the portal and rescans the property index for each (about 1.6 s at 100,000 contacts,
//! instead of under a millisecond). Autovacuum's analyze may be switched off, and even when
//! it is on it comes up to a minute after a bulk import, so the store analyzes these tables
//! itself once enough objects have been written since the last analyze: 500 plus a fifth of
//! the objects there were then, which keeps the analyses to a few dozen over any import.
//!
//! The count is per process: several instances each analyze after their own writes, which is
//! harmless (PostgreSQL runs one analyze of a table at a time).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Objects written before the first analyze.
const BASE: u64 = 500;
/// The share of the objects at the last analyze that must be written before the next one.
const SHARE: u64 = 5;

/// The CRM tables whose statistics searches depend on.
pub(crate) const TABLES: &str = "crm_object, crm_property_value, crm_phone";

/// Counts objects written since the last analyze.
#[derive(Debug, Default)]
pub(crate) struct Staleness {
    written: AtomicU64,
    /// How many objects there were at the last analyze.
    baseline: AtomicU64,
    /// An analyze is running in this process; no other should start.
    analyzing: AtomicBool,
}

impl Staleness {
    /// Counts `objects` written, and says whether the caller should analyze now. If it says
    /// so, the caller must call [`Staleness::analyzed`] afterwards, whether analyze succeeded
    /// or not.
    pub fn wrote(&self, objects: u64) -> bool {
        let written = self.written.fetch_add(objects, Ordering::Relaxed) + objects;
        let due = written >= BASE + self.baseline.load(Ordering::Relaxed) / SHARE;
        due && !self.analyzing.swap(true, Ordering::Acquire)
    }

    /// Records an analyze that found `objects` objects (`None` when it failed, in which case
    /// the writes stay counted and the next write tries again).
    pub fn analyzed(&self, objects: Option<u64>) {
        if let Some(objects) = objects {
            self.baseline.store(objects, Ordering::Relaxed);
            self.written.store(0, Ordering::Relaxed);
        }
        self.analyzing.store(false, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analyzes_after_a_share_of_the_table_is_written_and_one_at_a_time() {
        let staleness = Staleness::default();
        assert!(!staleness.wrote(BASE - 1));
        assert!(staleness.wrote(1));
        assert!(!staleness.wrote(1_000_000), "one analyze at a time");
        staleness.analyzed(Some(100_000));
        assert!(!staleness.wrote(BASE + 100_000 / SHARE - 1));
        assert!(staleness.wrote(1));
        staleness.analyzed(None);
        assert!(staleness.wrote(1), "a failed analyze is retried");
    }
}
