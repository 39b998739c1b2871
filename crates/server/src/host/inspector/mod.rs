//! The protocol inspector's record: per widget session, every message in both directions in
//! order, with its time offset, the engine's findings, the store changes it caused and the
//! faults injected into it. The inspector page and the automation API's transcript
//! (`crate::automation::transcript`) read this one record.
//!
//! Kept in memory and bounded by count and by bytes ([`MAX_SESSIONS`] sessions of at most
//! [`MAX_ENTRIES`] entries, [`budget::MAX_SESSION_BYTES`] per session and
//! [`budget::MAX_TOTAL_BYTES`] in all, oldest dropped first; payloads past
//! [`budget::MAX_PAYLOAD_BYTES`] cut to a marker), and scoped by portal: a user only ever sees
//! their portal's sessions. Every change bumps a counter readers wait on ([`Inspector::changes`]),
//! so long polls and streams wake without polling.
//!
//! REST calls an app's backend makes about a session's calls ([`super::rest_trace`]) join the
//! session's entries in time order: each session remembers the externalCallIds and
//! engagementIds it has seen, and a REST call of the same portal naming one of them is
//! attached to it.

pub mod budget;

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;
use std::time::Instant;

use callhost_protocol::engine::{Flow, LogEntry, OpResult, SessionConfig, StoreRequest};
use serde::Serialize;
use serde_json::Value;
use tokio::sync::watch;

pub const MAX_SESSIONS: usize = 200;
pub const MAX_ENTRIES: usize = 2_000;

/// One session as the inspector shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionRecord {
    pub session_id: String,
    pub portal_id: i64,
    pub app_id: i64,
    pub app_url: String,
    pub iframe_location: callhost_protocol::engine::IframeLocation,
    /// When the session began, ms since the epoch.
    pub started_at: i64,
    pub entries: Vec<Entry>,
    /// How many of the oldest entries the budget has dropped.
    pub dropped_entries: usize,
    /// What the kept entries cost, in bytes ([`budget`]).
    #[serde(skip)]
    bytes: usize,
    #[serde(skip)]
    clock: Option<Instant>,
    #[serde(skip)]
    next_seq: usize,
    /// The session's calls: every externalCallId seen, and the engagementId of each call
    /// that has one (what links REST calls to the session).
    #[serde(skip)]
    external_call_ids: HashSet<String>,
    #[serde(skip)]
    engagements: HashMap<i64, Option<String>>,
}

impl SessionRecord {
    /// Notes a call the session touched.
    fn note_call(&mut self, external_call_id: Option<&str>, engagement_id: Option<i64>) {
        if let Some(id) = external_call_id {
            if self.external_call_ids.len() < MAX_ENTRIES {
                self.external_call_ids.insert(id.to_owned());
            }
        }
        if let Some(engagement) = engagement_id {
            if self.engagements.len() < MAX_ENTRIES {
                let known = self.engagements.entry(engagement).or_default();
                if known.is_none() {
                    *known = external_call_id.map(str::to_owned);
                }
            }
        }
    }

    /// The externalCallId a REST call is about in this session, if it touched the session's
    /// calls at all (`Some(None)`: an engagement whose externalCallId the session never saw).
    fn touched_by(&self, rest: &RestCall) -> Option<Option<String>> {
        if let Some(id) = rest
            .external_call_ids
            .iter()
            .find(|id| self.external_call_ids.contains(*id))
        {
            return Some(Some(id.clone()));
        }
        rest.engagement_ids
            .iter()
            .find_map(|id| self.engagements.get(id))
            .cloned()
    }
}

/// A call an app's backend made to the REST API, as the inspector shows it. Never holds
/// credentials: the path has no query string that could carry a `hapikey`, and no header is
/// kept.
#[derive(Debug, Clone, Serialize)]
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
    #[serde(skip_serializing_if = "Option::is_none")]
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
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Effect {
    pub request: Value,
    pub result: Value,
    pub duration_ms: f64,
    /// The result came from an injected fault, not from the store.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
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

/// Which part of the record an export shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExportFilter<'a> {
    pub app_id: Option<i64>,
    pub external_call_id: Option<&'a str>,
    /// One session (the panel beside the widget shows its own session only).
    pub session_id: Option<&'a str>,
}

/// The sessions and what they cost together.
#[derive(Default)]
struct Records {
    sessions: VecDeque<SessionRecord>,
    bytes: usize,
}

/// Every recorded session of this process.
pub struct Inspector {
    records: Mutex<Records>,
    /// Bumped on every change; long polls and streams wait on it.
    changed: watch::Sender<u64>,
}

impl Default for Inspector {
    fn default() -> Self {
        Inspector {
            records: Mutex::default(),
            changed: watch::channel(0).0,
        }
    }
}

impl Inspector {
    /// Runs `f` on the sessions, keeps the total budget, and wakes the readers.
    fn with<T>(&self, f: impl FnOnce(&mut VecDeque<SessionRecord>) -> T) -> T {
        let out = {
            let mut records = self
                .records
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let out = f(&mut records.sessions);
            records.bytes = records.sessions.iter().map(|s| s.bytes).sum();
            while records.bytes > budget::MAX_TOTAL_BYTES && records.sessions.len() > 1 {
                if let Some(oldest) = records.sessions.pop_front() {
                    records.bytes -= oldest.bytes;
                }
            }
            out
        };
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
        out
    }

    /// Reads the sessions without changing them (nobody is woken).
    pub fn read<T>(&self, f: impl FnOnce(&VecDeque<SessionRecord>) -> T) -> T {
        f(&self
            .records
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .sessions)
    }

    /// A receiver that sees a new value after every change to the record.
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    /// What the whole record costs now, in bytes.
    pub fn bytes(&self) -> usize {
        self.read(|sessions| sessions.iter().map(|s| s.bytes).sum())
    }

    /// Forgets every session's record (a reset ended them all).
    pub fn clear(&self) {
        self.with(VecDeque::clear);
    }

    /// Starts the record of a new session.
    pub fn open(&self, session_id: &str, config: &SessionConfig) {
        let record = SessionRecord {
            session_id: session_id.to_owned(),
            portal_id: config.portal_id,
            app_id: config.app_id,
            app_url: config.app_url.clone(),
            iframe_location: config.iframe_location,
            started_at: chrono::Utc::now().timestamp_millis(),
            entries: Vec::new(),
            dropped_entries: 0,
            bytes: 0,
            clock: Some(Instant::now()),
            next_seq: 0,
            external_call_ids: HashSet::new(),
            engagements: HashMap::new(),
        };
        self.with(|all| {
            if all.len() == MAX_SESSIONS {
                all.pop_front();
            }
            all.push_back(record);
        });
    }

    /// Adds a log entry to a session; returns its sequence number.
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
        self.with(|all| {
            let session = all.iter_mut().find(|s| s.session_id == session_id)?;
            let offset_ms = session
                .clock
                .map_or(0.0, |c| c.elapsed().as_secs_f64() * 1000.0);
            let data = |key: &str| log.message.pointer(&format!("/data/{key}"));
            let external_call_id = ["externalCallId", "callId"]
                .iter()
                .find_map(|key| data(key).and_then(Value::as_str))
                .map(str::to_owned);
            let engagement_id = data("engagementId").and_then(Value::as_i64);
            session.note_call(external_call_id.as_deref(), engagement_id);
            let (message, message_bytes) = budget::cap(std::mem::take(&mut log.message));
            log.message = message;
            // Findings quote what the app sent (a type, a field): kept short.
            for finding in &mut log.findings {
                budget::shorten(&mut finding.message);
            }
            let findings: usize = log.findings.iter().map(|f| f.message.len() + 32).sum();
            let fault_bytes = fault.as_ref().map_or(0, |f| f.to_string().len());
            let entry = Entry {
                seq: 0,
                offset_ms,
                log,
                external_call_id,
                effects: Vec::new(),
                rest: None,
                fault,
                bytes: budget::ENTRY_OVERHEAD + message_bytes + findings + fault_bytes,
            };
            Some(push(session, entry))
        })
    }

    /// The sequence number the session's next entry will get.
    pub fn next_seq(&self, session_id: &str) -> Option<usize> {
        self.read(|all| {
            all.iter()
                .find(|s| s.session_id == session_id)
                .map(|s| s.next_seq)
        })
    }

    /// Attaches a REST call to every session of its portal whose calls it touched, at the
    /// time it was made (`at`), among that session's entries in time order.
    pub fn record_rest(&self, rest: &RestCall, at: Instant) {
        self.with(|all| {
            for session in all.iter_mut().filter(|s| s.portal_id == rest.portal_id) {
                let Some(external_call_id) = session.touched_by(rest) else {
                    continue;
                };
                let offset_ms = session.clock.map_or(0.0, |c| {
                    at.checked_duration_since(c)
                        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
                });
                let entry = Entry {
                    seq: 0,
                    offset_ms,
                    log: LogEntry {
                        flow: Flow::Rest,
                        message_type: Some(format!("{} {}", rest.method, rest.path)),
                        message: Value::Null,
                        findings: Vec::new(),
                    },
                    external_call_id,
                    effects: Vec::new(),
                    bytes: budget::ENTRY_OVERHEAD + rest.path.len() + 64,
                    rest: Some(rest.clone()),
                    fault: rest.injected.clone(),
                };
                push(session, entry);
            }
        });
    }

    /// Whether any session of any portal has touched one of these calls: the cheap check the
    /// REST layer makes before it works out whose request it saw.
    pub fn knows_any(&self, engagement_ids: &[i64], external_call_ids: &[String]) -> bool {
        self.read(|all| {
            all.iter().any(|s| {
                engagement_ids
                    .iter()
                    .any(|id| s.engagements.contains_key(id))
                    || external_call_ids
                        .iter()
                        .any(|id| s.external_call_ids.contains(id))
            })
        })
    }

    /// Whether any session has seen a call yet (nothing to link REST calls to otherwise).
    pub fn has_calls(&self) -> bool {
        self.read(|all| all.iter().any(|s| !s.external_call_ids.is_empty()))
    }

    /// Attaches a store change to entry `seq` of a session.
    pub fn effect(
        &self,
        session_id: &str,
        seq: usize,
        request: &StoreRequest,
        result: &OpResult,
        effect: Effect,
    ) {
        self.with(|all| {
            let Some(session) = all.iter_mut().find(|s| s.session_id == session_id) else {
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
            if let Some(entry) = session.entries.iter_mut().find(|e| e.seq == seq) {
                let bytes = effect.bytes();
                entry.bytes += bytes;
                entry.effects.push(effect);
                session.bytes += bytes;
                trim(session);
            }
        });
    }

    /// The portal's sessions, oldest first, optionally only an app's (or only one session),
    /// and only the entries about one call.
    pub fn export(&self, portal_id: i64, filter: &ExportFilter<'_>) -> Vec<SessionRecord> {
        let ExportFilter {
            app_id,
            external_call_id,
            session_id,
        } = *filter;
        self.read(|all| {
            all.iter()
                .filter(|s| s.portal_id == portal_id && app_id.is_none_or(|a| s.app_id == a))
                .filter(|s| session_id.is_none_or(|id| s.session_id == id))
                .map(|s| {
                    let mut s = s.clone();
                    if let Some(call) = external_call_id {
                        s.entries
                            .retain(|e| e.external_call_id.as_deref() == Some(call));
                    }
                    s
                })
                .filter(|s| external_call_id.is_none() || !s.entries.is_empty())
                .collect()
        })
    }
}

/// Adds an entry to a session in time order (REST calls are recorded once they have finished,
/// so they may belong before entries already there); returns its sequence number.
fn push(session: &mut SessionRecord, mut entry: Entry) -> usize {
    let seq = session.next_seq;
    entry.seq = seq;
    session.next_seq += 1;
    if session.entries.len() == MAX_ENTRIES {
        let oldest = session.entries.remove(0);
        session.bytes -= oldest.bytes;
        session.dropped_entries += 1;
    }
    let at = session
        .entries
        .iter()
        .rposition(|e| e.offset_ms <= entry.offset_ms)
        .map_or(0, |i| i + 1);
    session.bytes += entry.bytes;
    session.entries.insert(at, entry);
    trim(session);
    seq
}

/// Drops a session's oldest entries while it is over its byte budget (the newest stays).
fn trim(session: &mut SessionRecord) {
    while session.bytes > budget::MAX_SESSION_BYTES && session.entries.len() > 1 {
        let oldest = session.entries.remove(0);
        session.bytes -= oldest.bytes;
        session.dropped_entries += 1;
    }
}

#[cfg(test)]
mod tests;
