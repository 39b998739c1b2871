//! The protocol inspector's record: per widget session, every message in both directions in
//! order, with its time offset, the engine's findings, and the store changes it caused.
//!
//! Kept in memory, bounded ([`MAX_SESSIONS`] sessions of at most [`MAX_ENTRIES`] entries each,
//! oldest dropped first), and scoped by portal: a user only ever sees their portal's sessions.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Instant;

use callhost_protocol::engine::{LogEntry, OpResult, SessionConfig, StoreRequest};
use serde::Serialize;

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
    #[serde(skip)]
    clock: Option<Instant>,
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
}

/// A store request the engine made and what came of it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Effect {
    pub request: StoreRequest,
    pub result: OpResult,
    pub duration_ms: f64,
}

/// Which part of the record an export shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExportFilter<'a> {
    pub app_id: Option<i64>,
    pub external_call_id: Option<&'a str>,
    /// One session (the panel beside the widget shows its own session only).
    pub session_id: Option<&'a str>,
}

/// Every recorded session of this process.
#[derive(Default)]
pub struct Inspector {
    sessions: Mutex<VecDeque<SessionRecord>>,
}

impl Inspector {
    fn with<T>(&self, f: impl FnOnce(&mut VecDeque<SessionRecord>) -> T) -> T {
        f(&mut self
            .sessions
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()))
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
            clock: Some(Instant::now()),
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
        self.with(|all| {
            let session = all.iter_mut().find(|s| s.session_id == session_id)?;
            let offset_ms = session
                .clock
                .map_or(0.0, |c| c.elapsed().as_secs_f64() * 1000.0);
            let seq = session.entries.last().map_or(0, |e| e.seq + 1);
            let external_call_id = ["externalCallId", "callId"]
                .iter()
                .find_map(|key| {
                    log.message
                        .pointer(&format!("/data/{key}"))
                        .and_then(|v| v.as_str())
                })
                .map(str::to_owned);
            if session.entries.len() == MAX_ENTRIES {
                session.entries.remove(0);
            }
            session.entries.push(Entry {
                seq,
                offset_ms,
                log,
                external_call_id,
                effects: Vec::new(),
            });
            Some(seq)
        })
    }

    /// Attaches a store change to entry `seq` of a session.
    pub fn effect(&self, session_id: &str, seq: usize, effect: Effect) {
        self.with(|all| {
            let session = all.iter_mut().find(|s| s.session_id == session_id);
            if let Some(entry) = session.and_then(|s| s.entries.iter_mut().find(|e| e.seq == seq)) {
                entry.effects.push(effect);
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
        self.with(|all| {
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
