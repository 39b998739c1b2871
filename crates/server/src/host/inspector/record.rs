//! Recording: opening and adopting sessions, numbering their entries and queuing them, and
//! store changes on entries already queued or written. Nothing here waits for the store
//! except [`Inspector::adopt`].

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

use callhost_protocol::engine::{Flow, LogEntry, OpResult, SessionConfig, StoreRequest};
use callhost_store::inspector::{InspectorFilter, InspectorSession};
use serde_json::{json, Value};

use super::{budget, Effect, Entry, Inspector, Local, Owned, MAX_OWNED, RECENT};

impl Owned {
    fn new(portal_id: i64, clock: Instant, next_seq: usize) -> Self {
        Owned {
            portal_id,
            clock,
            next_seq,
            external_call_ids: HashSet::new(),
            engagements: HashMap::new(),
            recent: VecDeque::new(),
            lost: 0,
        }
    }
}

impl Local {
    /// Makes a session this process's, forgetting the oldest past [`MAX_OWNED`].
    fn own(&mut self, session_id: &str, owned: Owned) {
        if self.owned.insert(session_id.to_owned(), owned).is_none() {
            self.order.push_back(session_id.to_owned());
        }
        while self.order.len() > MAX_OWNED {
            if let Some(oldest) = self.order.pop_front() {
                self.owned.remove(&oldest);
            }
        }
    }

    /// Numbers an entry of an owned session and queues it; `None` when the queue is full
    /// (the entry is counted, and the next one that fits is preceded by a marker).
    pub(super) fn push(
        &mut self,
        session_id: &str,
        mut entry: Entry,
        capacity: usize,
    ) -> Option<usize> {
        let session = self.owned.get_mut(session_id)?;
        if self.queue.pending.entries.len() >= capacity {
            session.lost += 1;
            if !self.queue.full {
                self.queue.full = true;
                tracing::warn!(
                    session.id = %session_id,
                    inspector.queue_entries = capacity,
                    "inspector queue full: entries are dropped until the store catches up"
                );
            }
            return None;
        }
        self.queue.full = false;
        if session.lost > 0 {
            let lost = std::mem::take(&mut session.lost);
            let marker = Entry {
                seq: session.next_seq,
                offset_ms: entry.offset_ms,
                log: LogEntry {
                    flow: Flow::Host,
                    message_type: None,
                    message: json!({ "kind": "inspectorDropped", "entries": lost }),
                    findings: Vec::new(),
                },
                external_call_id: None,
                effects: Vec::new(),
                rest: None,
                fault: None,
                bytes: budget::ENTRY_OVERHEAD,
            };
            session.next_seq += 1;
            self.queue
                .pending
                .entries
                .push((session_id.to_owned(), marker));
        }
        let seq = session.next_seq;
        session.next_seq += 1;
        entry.seq = seq;
        self.queue
            .pending
            .entries
            .push((session_id.to_owned(), entry));
        self.queue.ticket += 1;
        Some(seq)
    }
}

impl Inspector {
    /// Starts the record of a new session, owned by this process.
    pub fn open(&self, session_id: &str, config: &SessionConfig) {
        let location = serde_json::to_value(config.iframe_location).unwrap_or(Value::Null);
        let row = InspectorSession {
            id: session_id.to_owned(),
            portal_id: config.portal_id,
            app_id: config.app_id,
            app_url: config.app_url.clone(),
            iframe_location: location.as_str().unwrap_or("widget").to_owned(),
            started_at: chrono::Utc::now().timestamp_millis(),
            next_seq: 0,
            entry_count: 0,
            bytes: 0,
            dropped_entries: 0,
        };
        {
            let mut local = self.local();
            local.own(session_id, Owned::new(config.portal_id, Instant::now(), 0));
            // Past the queue's bound the session goes unrecorded (the store skips the entries
            // of a session it does not have).
            if local.queue.pending.sessions.len() < self.shared.capacity {
                local.queue.pending.sessions.push(row);
                local.queue.ticket += 1;
            } else {
                tracing::warn!(session.id = %session_id, "inspector queue full: session not recorded");
            }
        }
        self.changed();
    }

    /// Makes a session recorded by another process (or before a restart) this process's: its
    /// next entry follows the last one in the store. Nothing happens for a session this
    /// process already owns or the record does not have.
    pub async fn adopt(&self, session_id: &str) -> callhost_store::Result<()> {
        if self.local().owned.contains_key(session_id) {
            return Ok(());
        }
        let filter = InspectorFilter {
            session_id: Some(session_id),
            ..InspectorFilter::default()
        };
        let Some(row) = self.shared.store.inspector_sessions(&filter).await?.pop() else {
            return Ok(());
        };
        let age_ms = (chrono::Utc::now().timestamp_millis() - row.started_at).max(0);
        let now = Instant::now();
        let clock = now
            .checked_sub(Duration::from_millis(age_ms as u64))
            .unwrap_or(now);
        let mut owned = Owned::new(row.portal_id, clock, row.next_seq.max(0) as usize);
        // The calls the session touched so far, so REST calls about them keep joining it.
        for (_, entry) in self
            .entries(std::slice::from_ref(&row.id), None, None)
            .await?
        {
            let data = |key: &str| entry.log.message.pointer(&format!("/data/{key}"));
            let engagement = data("engagementId").and_then(Value::as_i64);
            owned.note_call(entry.external_call_id.as_deref(), engagement);
            for effect in &entry.effects {
                let call = effect.request.get("externalCallId").and_then(Value::as_str);
                let engagement = ["result", "request"]
                    .iter()
                    .find_map(|side| effect_field(effect, side, "engagementId"));
                owned.note_call(call, engagement);
            }
        }
        let mut local = self.local();
        if !local.owned.contains_key(session_id) {
            local.own(session_id, owned);
        }
        Ok(())
    }

    /// Adds a log entry to a session; returns its sequence number (`None` when this process
    /// does not record the session, or its queue is full).
    pub fn record(&self, session_id: &str, log: LogEntry) -> Option<usize> {
        self.record_with(session_id, log, None)
    }

    /// Adds the entry of an injected fault: type `FAULT`, the rule and what it did in `fault`.
    pub fn record_fault(&self, session_id: &str, fault: Value) -> Option<usize> {
        let log = LogEntry {
            flow: Flow::Host,
            message_type: Some("FAULT".into()),
            message: Value::Null,
            findings: Vec::new(),
        };
        self.record_with(session_id, log, Some(fault))
    }

    fn record_with(
        &self,
        session_id: &str,
        mut log: LogEntry,
        fault: Option<Value>,
    ) -> Option<usize> {
        let data = |key: &str| log.message.pointer(&format!("/data/{key}"));
        let external_call_id = ["externalCallId", "callId"]
            .iter()
            .find_map(|key| data(key).and_then(Value::as_str))
            .map(str::to_owned);
        let engagement_id = data("engagementId").and_then(Value::as_i64);
        let (message, message_bytes) = budget::cap(std::mem::take(&mut log.message));
        log.message = message;
        // Findings quote what the app sent (a type, a field): kept short.
        for finding in &mut log.findings {
            budget::shorten(&mut finding.message);
        }
        let findings: usize = log.findings.iter().map(|f| f.message.len() + 32).sum();
        let fault_bytes = fault.as_ref().map_or(0, |f| f.to_string().len());
        let seq = {
            let mut local = self.local();
            let session = local.owned.get_mut(session_id)?;
            session.note_call(external_call_id.as_deref(), engagement_id);
            let entry = Entry {
                seq: 0,
                offset_ms: session.clock.elapsed().as_secs_f64() * 1000.0,
                log,
                external_call_id,
                effects: Vec::new(),
                rest: None,
                fault,
                bytes: budget::ENTRY_OVERHEAD + message_bytes + findings + fault_bytes,
            };
            local.push(session_id, entry, self.shared.capacity)
        };
        self.changed();
        seq
    }

    /// The sequence number the session's next entry will get (a session this process owns).
    pub fn next_seq(&self, session_id: &str) -> Option<usize> {
        self.local().owned.get(session_id).map(|s| s.next_seq)
    }

    /// Attaches a store change to entry `seq` of a session: to the queued entry while it
    /// waits, else as a change of the stored one.
    pub fn effect(
        &self,
        session_id: &str,
        seq: usize,
        request: &StoreRequest,
        result: &OpResult,
        effect: Effect,
    ) {
        {
            let mut local = self.local();
            let Local { owned, queue, .. } = &mut *local;
            let Some(session) = owned.get_mut(session_id) else {
                return;
            };
            match (request, result) {
                (
                    StoreRequest::CreateCall {
                        external_call_id, ..
                    },
                    OpResult::Call { engagement_id },
                ) => session.note_call(Some(external_call_id), Some(*engagement_id)),
                (StoreRequest::UpdateCall { engagement_id, .. }, _)
                | (StoreRequest::FinalizeCall { engagement_id, .. }, _) => {
                    session.note_call(None, Some(*engagement_id));
                }
                _ => {}
            }
            let added = effect.bytes();
            let list = match session.recent.iter().position(|(s, _)| *s == seq) {
                Some(at) => &mut session.recent[at].1,
                None => {
                    if session.recent.len() == RECENT {
                        session.recent.pop_front();
                    }
                    session.recent.push_back((seq, Vec::new()));
                    &mut session.recent.back_mut().expect("just pushed").1
                }
            };
            list.push(effect);
            let list = list.clone();
            let waiting = queue
                .pending
                .entries
                .iter_mut()
                .rev()
                .find(|(id, e)| e.seq == seq && id == session_id);
            match waiting {
                Some((_, entry)) => {
                    entry.bytes += added;
                    entry.effects = list;
                }
                None if queue.pending.effects.len() < self.shared.capacity => queue
                    .pending
                    .effects
                    .push((session_id.to_owned(), seq, list, added)),
                // The stored entry keeps the changes it had; the next change that fits
                // carries the whole list again.
                None => return,
            }
            queue.ticket += 1;
        }
        self.changed();
    }
}

/// A number field of an effect's request or result.
fn effect_field(effect: &Effect, side: &str, key: &str) -> Option<i64> {
    let value = if side == "result" {
        &effect.result
    } else {
        &effect.request
    };
    value.get(key).and_then(Value::as_i64)
}
