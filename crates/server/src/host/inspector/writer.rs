//! The record's background writer: entries queue here (in memory, bounded by entries) and one
//! task per process writes them to the store in batches, one transaction each, a few
//! milliseconds after the first of them arrived (at once when a reader flushes).
//!
//! Invariants:
//! - **Recording never waits for the store**: queuing takes a short lock and no I/O; when the
//!   store falls behind, the queue stops at its bound and the entries past it are counted by
//!   their session (see `record.rs`, which writes the marker), with one log line per spell.
//! - **A flush sees everything queued before it**: every queued change takes a ticket, and the
//!   writer publishes the last ticket of each batch it finished (written or failed, so a
//!   reader never hangs on a store that is down).
//! - The task ends when the record is dropped; it holds the record only while it writes.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use callhost_store::bus::Event;
use callhost_store::inspector::{
    InspectorBatch, InspectorEffects, InspectorEntry, InspectorLimits, InspectorSession,
};
use callhost_store::Store;
use serde_json::Value;
use tokio::sync::{watch, Notify};

use super::{Effect, Entry, Local};

/// How long the writer gathers entries before it writes them.
const BATCH_WINDOW: Duration = Duration::from_millis(3);
/// The longest a flush waits for the writer.
const FLUSH_WAIT: Duration = Duration::from_secs(2);

/// What waits for the writer.
#[derive(Default)]
pub(super) struct Pending {
    pub sessions: Vec<InspectorSession>,
    /// `(session id, entry)`.
    pub entries: Vec<(String, Entry)>,
    /// `(session id, seq, the entry's whole list of changes, what the new ones cost)`.
    pub effects: Vec<(String, usize, Vec<Effect>, usize)>,
}

/// The queue: what waits, and the ticket of the last change queued.
#[derive(Default)]
pub(super) struct Queue {
    pub pending: Pending,
    pub ticket: u64,
    /// The queue has been full since it last logged so.
    pub full: bool,
}

/// What the record and its writer share.
pub(super) struct Shared {
    pub store: Arc<dyn Store>,
    pub limits: InspectorLimits,
    /// Entries the queue holds at most.
    pub capacity: usize,
    pub local: Mutex<Local>,
    /// Held while a batch is written (and by a clear, so no batch lands after it).
    pub writing: tokio::sync::Mutex<()>,
    wake: Arc<Notify>,
    hurry: Arc<Notify>,
    committed: watch::Sender<u64>,
    started: AtomicBool,
}

impl Shared {
    pub fn new(store: Arc<dyn Store>, limits: InspectorLimits, capacity: usize) -> Arc<Self> {
        Arc::new(Shared {
            store,
            limits,
            capacity,
            local: Mutex::default(),
            writing: tokio::sync::Mutex::new(()),
            wake: Arc::new(Notify::new()),
            hurry: Arc::new(Notify::new()),
            committed: watch::channel(0).0,
            started: AtomicBool::new(false),
        })
    }

    fn local(&self) -> std::sync::MutexGuard<'_, Local> {
        self.local.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Tells the writer there is work, starting it on first need.
    pub fn wake(self: &Arc<Self>) {
        if !self.started.swap(true, Ordering::AcqRel) {
            match tokio::runtime::Handle::try_current() {
                Ok(runtime) => {
                    let task = run(Arc::downgrade(self), self.wake.clone(), self.hurry.clone());
                    runtime.spawn(task);
                }
                Err(_) => self.started.store(false, Ordering::Release),
            }
        }
        self.wake.notify_one();
    }

    /// Waits until every change queued so far is written (at most [`FLUSH_WAIT`]).
    pub async fn flush(self: &Arc<Self>) {
        let target = self.local().queue.ticket;
        let mut committed = self.committed.subscribe();
        if *committed.borrow_and_update() >= target {
            return;
        }
        self.wake();
        self.hurry.notify_one();
        let _ = tokio::time::timeout(FLUSH_WAIT, committed.wait_for(|c| *c >= target)).await;
    }

    /// Writes what waits, as one batch.
    async fn write_once(&self) {
        let _writing = self.writing.lock().await;
        let (pending, ticket) = {
            let mut local = self.local();
            let pending = std::mem::take(&mut local.queue.pending);
            (pending, local.queue.ticket)
        };
        let count = pending.entries.len();
        let batch = batch_of(pending);
        let started = std::time::Instant::now();
        if let Err(err) = self.store.write_inspector(&batch, &self.limits).await {
            tracing::warn!(inspector.entries = count, error = %err, "inspector batch not written");
        } else if count > 0 {
            tracing::trace!(
                inspector.entries = count,
                duration_ms = started.elapsed().as_secs_f64() * 1000.0,
                "inspector batch written"
            );
            // Readers on other instances wake on the bus (`host::cluster`); this process's
            // readers already woke when the entries were recorded.
            let bus = self.store.bus();
            if bus.shared() {
                if let Err(err) = bus.publish(Event::InspectorWritten).await {
                    tracing::debug!(error = %err, "cannot tell other instances of an inspector batch");
                }
            }
        }
        self.committed.send_if_modified(|c| {
            let newer = ticket > *c;
            if newer {
                *c = ticket;
            }
            newer
        });
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        // The task wakes, finds the record gone and ends.
        self.wake.notify_one();
    }
}

async fn run(shared: Weak<Shared>, wake: Arc<Notify>, hurry: Arc<Notify>) {
    loop {
        wake.notified().await;
        tokio::select! {
            () = tokio::time::sleep(BATCH_WINDOW) => {}
            () = hurry.notified() => {}
        }
        let Some(shared) = shared.upgrade() else {
            return;
        };
        shared.write_once().await;
    }
}

/// The queued changes as the store's rows (the JSON is made here, off the message path).
fn batch_of(pending: Pending) -> InspectorBatch {
    let entries = pending
        .entries
        .into_iter()
        .map(|(session_id, e)| InspectorEntry {
            session_id,
            seq: e.seq as i64,
            offset_us: (e.offset_ms * 1000.0).round() as i64,
            flow: json(&e.log.flow).trim_matches('"').to_owned(),
            message_type: e.log.message_type,
            external_call_id: e.external_call_id,
            message: e.log.message.to_string(),
            findings: json(&e.log.findings),
            effects: json(&e.effects),
            rest: e.rest.as_ref().map(json),
            fault: e.fault.as_ref().map(Value::to_string),
            bytes: e.bytes as i64,
        })
        .collect();
    let effects = pending
        .effects
        .into_iter()
        .map(|(session_id, seq, list, added)| InspectorEffects {
            session_id,
            seq: seq as i64,
            effects: json(&list),
            added_bytes: added as i64,
        })
        .collect();
    InspectorBatch {
        sessions: pending.sessions,
        entries,
        effects,
    }
}

/// A value as JSON text.
fn json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}
