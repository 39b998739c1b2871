//! The protocol inspector's record: per widget session, every message in both directions in
//! order, with its time offset, the engine's findings, the store changes it caused and the
//! faults injected into it. The inspector page and the automation API's transcript
//! (`crate::automation::transcript`) read this one record (docs/design.md#inspector-record).
//!
//! Kept in the store (`callhost_store::inspector`), so it survives a restart and every
//! instance on one database shows it. Recording never waits for the store: this process owns
//! the sessions it opened (or adopted, [`Inspector::adopt`]), numbers their entries itself
//! (`seq`, dense from 0) and queues them for a background writer ([`writer`]) that writes
//! batches of them every few milliseconds. The queue is bounded: past it entries are counted,
//! not kept, and a marker entry says how many went. Readers here flush the queue first, so
//! what this process recorded is readable at once ([`read`]).
//!
//! Bounded by the store's [`InspectorLimits`] (entries and bytes per session, sessions and
//! bytes in all, oldest first; payloads past [`budget::MAX_PAYLOAD_BYTES`] cut to a marker),
//! and scoped by portal: a user only ever sees their portal's sessions.
//!
//! REST calls an app's backend makes about a session's calls ([`super::rest_trace`]) join the
//! session's entries in time order: each session this process owns remembers the
//! externalCallIds and engagementIds it has seen, and a REST call of the same portal naming
//! one of them is attached to it. With several instances, the call may reach one that does
//! not run the session: while another instance records sessions, the one that served the
//! call also sends it on the bus (`Event::RestCall`, bounded to the bus's payload), and every
//! instance files it under its own sessions that touched it (`calls.rs`).

pub mod budget;
mod calls;
pub mod read;
mod record;
mod writer;

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use callhost_protocol::engine::{IframeLocation, LogEntry, OpResult, StoreRequest};
use callhost_store::inspector::InspectorLimits;
use callhost_store::Store;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::watch;

pub use calls::rest_for_bus;
pub use read::{wait_for_change, ExportFilter};

/// Entries waiting for the writer, at most (past it they are counted and marked, not kept).
pub const QUEUE_ENTRIES: usize = 10_000;
/// Sessions this process remembers as its own, at most (the oldest are forgotten first).
pub const MAX_OWNED: usize = 20_000;
/// Recent entries of an owned session whose store changes may still grow.
const RECENT: usize = 32;

/// One session as the inspector shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionRecord {
    pub session_id: String,
    pub portal_id: i64,
    pub app_id: i64,
    pub app_url: String,
    pub iframe_location: IframeLocation,
    /// When the session began, ms since the epoch.
    pub started_at: i64,
    pub entries: Vec<Entry>,
    /// How many of the oldest entries retention has dropped.
    pub dropped_entries: usize,
}

/// A call an app's backend made to the REST API, as the inspector shows it. Never holds
/// credentials: the path has no query string that could carry a `hapikey`, and no header is
/// kept.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RestCall {
    pub method: String,
    pub path: String,
    pub status: u16,
    pub duration_ms: f64,
    pub portal_id: i64,
    pub engagement_ids: Vec<i64>,
    pub external_call_ids: Vec<String>,
    /// The fault rule that answered in the route's place, if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub injected: Option<Value>,
}

/// One logged message (or host event) and what it caused.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// Position in the session, from 0.
    pub seq: usize,
    /// Milliseconds since the session began.
    pub offset_ms: f64,
    #[serde(flatten)]
    pub log: LogEntry,
    /// The externalCallId the message is about, when it names one (for filtering).
    pub external_call_id: Option<String>,
    /// Store changes this entry caused, in order.
    pub effects: Vec<Effect>,
    /// For a REST call (`flow: "rest"`): what was called and how it went.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rest: Option<RestCall>,
    /// For an injected fault (type `FAULT`): the rule that fired and what it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<Value>,
    /// What the entry costs in the budget.
    #[serde(skip)]
    bytes: usize,
}

/// A store request the engine made and what came of it (each capped as [`budget::cap`] says).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Effect {
    pub request: Value,
    pub result: Value,
    pub duration_ms: f64,
    /// The result came from an injected fault, not from the store.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub injected: bool,
}

impl Effect {
    pub fn new(
        request: &StoreRequest,
        result: &OpResult,
        duration_ms: f64,
        injected: bool,
    ) -> Self {
        Effect {
            request: budget::cap(serde_json::to_value(request).unwrap_or(Value::Null)).0,
            result: budget::cap(serde_json::to_value(result).unwrap_or(Value::Null)).0,
            duration_ms,
            injected,
        }
    }

    fn bytes(&self) -> usize {
        self.request.to_string().len() + self.result.to_string().len() + 64
    }
}

/// A session this process records: where its next entry goes and what links REST calls to it.
struct Owned {
    portal_id: i64,
    clock: Instant,
    next_seq: usize,
    /// Every externalCallId seen, and the engagementId of each call that has one.
    external_call_ids: HashSet<String>,
    engagements: HashMap<i64, Option<String>>,
    /// The store changes of the latest entries that have any, by seq (the whole list, which
    /// the writer stores again when it grows).
    recent: VecDeque<(usize, Vec<Effect>)>,
    /// Entries the full queue refused since the last marker.
    lost: usize,
}

/// What this process holds: its sessions and the queue for the writer.
#[derive(Default)]
struct Local {
    owned: HashMap<String, Owned>,
    /// Owned sessions in the order they were opened (to forget the oldest).
    order: VecDeque<String>,
    queue: writer::Queue,
}

/// The record, as this process writes and reads it.
pub struct Inspector {
    shared: Arc<writer::Shared>,
    /// Bumped on every entry this process records; long polls and streams wait on it
    /// ([`wait_for_change`]).
    changed: watch::Sender<u64>,
    /// Another instance records widget sessions (it wrote to the record, or the store had
    /// sessions when this one last looked), so REST calls about calls go to it on the bus
    /// (`calls.rs`). Cleared by a reset.
    elsewhere: AtomicBool,
}

impl Inspector {
    /// The record in `store`, kept within `limits`.
    pub fn new(store: Arc<dyn Store>, limits: InspectorLimits) -> Self {
        Self::with_queue(store, limits, QUEUE_ENTRIES)
    }

    /// The same, queuing at most `queue_entries` entries for the writer.
    pub fn with_queue(
        store: Arc<dyn Store>,
        limits: InspectorLimits,
        queue_entries: usize,
    ) -> Self {
        Inspector {
            shared: writer::Shared::new(store, limits, queue_entries),
            changed: watch::channel(0).0,
            elsewhere: AtomicBool::new(false),
        }
    }

    /// The bounds the store keeps the record within.
    pub fn limits(&self) -> InspectorLimits {
        self.shared.limits
    }

    /// A receiver that sees a new value after every entry this process records.
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    fn local(&self) -> std::sync::MutexGuard<'_, Local> {
        self.shared.local.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Wakes this process's readers for entries another instance wrote (the bus said so).
    pub fn written_elsewhere(&self) {
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Wakes the writer and the readers after a change.
    fn changed(&self) {
        self.shared.wake();
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Waits until what this process has recorded so far is in the store (or a moment has
    /// passed: a store that is behind never holds a reader for long).
    pub async fn flush(&self) {
        self.shared.flush().await;
    }

    /// Pauses the writer until the guard is dropped (the queue fills meanwhile).
    pub async fn pause_writer(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.shared.writing.lock().await
    }

    /// Forgets every session's record, here and in the store (a reset ended them all).
    pub async fn clear(&self) -> callhost_store::Result<()> {
        let _writing = self.shared.writing.lock().await;
        *self.local() = Local::default();
        self.elsewhere.store(false, Ordering::Release);
        self.shared.store.clear_inspector().await?;
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
        Ok(())
    }
}

#[cfg(test)]
mod tests;
