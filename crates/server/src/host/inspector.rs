//! The protocol inspector's record: per widget session, every message in both directions in
//! order, with its time offset, the engine's findings, and the store changes it caused.
//!
//! Kept in memory, bounded ([`MAX_SESSIONS`] sessions of at most [`MAX_ENTRIES`] entries each,
//! oldest dropped first), and scoped by portal: a user only ever sees their portal's sessions.
//!
//! REST calls an app's backend makes about a session's calls ([`super::rest_trace`]) join the
//! session's entries in time order: each session remembers the externalCallIds and
//! engagementIds it has seen, and a REST call of the same portal naming one of them is
//! attached to it.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;
use std::time::Instant;

use callhost_protocol::engine::{Flow, LogEntry, OpResult, SessionConfig, StoreRequest};
use serde::Serialize;
use serde_json::Value;

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
            let entry = Entry {
                seq: 0,
                offset_ms,
                log,
                external_call_id,
                effects: Vec::new(),
                rest: None,
            };
            Some(push(session, entry))
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
                    rest: Some(rest.clone()),
                };
                push(session, entry);
            }
        });
    }

    /// Whether any session of any portal has touched one of these calls: the cheap check the
    /// REST layer makes before it works out whose request it saw.
    pub fn knows_any(&self, engagement_ids: &[i64], external_call_ids: &[String]) -> bool {
        self.with(|all| {
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
        self.with(|all| all.iter().any(|s| !s.external_call_ids.is_empty()))
    }

    /// Attaches a store change to entry `seq` of a session.
    pub fn effect(&self, session_id: &str, seq: usize, effect: Effect) {
        self.with(|all| {
            let Some(session) = all.iter_mut().find(|s| s.session_id == session_id) else {
                return;
            };
            match (&effect.request, &effect.result) {
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

/// Adds an entry to a session in time order (REST calls are recorded once they have finished,
/// so they may belong before entries already there); returns its sequence number.
fn push(session: &mut SessionRecord, mut entry: Entry) -> usize {
    let seq = session.next_seq;
    entry.seq = seq;
    session.next_seq += 1;
    if session.entries.len() == MAX_ENTRIES {
        session.entries.remove(0);
    }
    let at = session
        .entries
        .iter()
        .rposition(|e| e.offset_ms <= entry.offset_ms)
        .map_or(0, |i| i + 1);
    session.entries.insert(at, entry);
    seq
}

#[cfg(test)]
mod tests {
    use super::*;
    use callhost_protocol::engine::IframeLocation;
    use serde_json::json;

    fn config(portal_id: i64) -> SessionConfig {
        SessionConfig {
            host_url: "http://127.0.0.1:8080".into(),
            portal_id,
            user_id: 1,
            owner_id: 2,
            app_id: 3,
            app_url: "http://127.0.0.1:9000/".into(),
            allowed_origins: Vec::new(),
            iframe_location: IframeLocation::Widget,
            uses_calling_window: false,
            engagement_id: None,
            legacy_engagement_created: false,
        }
    }

    fn from_app(message: serde_json::Value) -> LogEntry {
        LogEntry {
            flow: Flow::FromApp,
            message_type: message["type"].as_str().map(String::from),
            message,
            findings: Vec::new(),
        }
    }

    fn rest(portal_id: i64, engagement_ids: Vec<i64>) -> RestCall {
        RestCall {
            method: "PATCH".into(),
            path: "/crm/v3/objects/calls/77".into(),
            status: 200,
            duration_ms: 1.0,
            portal_id,
            engagement_ids,
            external_call_ids: Vec::new(),
        }
    }

    /// A REST call joins the session whose call it touched (found through the engagement the
    /// session created), at the time it was made, and only in its own portal.
    #[test]
    fn rest_calls_join_the_session_of_their_call_in_time_order() {
        let inspector = Inspector::default();
        inspector.open("a", &config(10));
        inspector.open("b", &config(20));
        let started =
            from_app(json!({"type": "OUTGOING_CALL_STARTED", "data": {"externalCallId": "x-1"}}));
        let seq = inspector.record("a", started).unwrap();
        let create = StoreRequest::CreateCall {
            app_id: 3,
            external_call_id: "x-1".into(),
            properties: Default::default(),
            associate: None,
            called_number: None,
        };
        let result = OpResult::Call { engagement_id: 77 };
        let effect = Effect {
            request: create,
            result,
            duration_ms: 0.5,
        };
        inspector.effect("a", seq, effect);
        assert!(inspector.knows_any(&[77], &[]));
        assert!(!inspector.knows_any(&[78], &["other".into()]));

        // Made before the next message arrived, recorded after it (as the layer does).
        let made = Instant::now();
        std::thread::sleep(std::time::Duration::from_millis(5));
        let ended = from_app(json!({"type": "CALL_ENDED", "data": {"externalCallId": "x-1"}}));
        inspector.record("a", ended);
        inspector.record_rest(&rest(10, vec![77]), made);
        inspector.record_rest(&rest(20, vec![77]), made);
        inspector.record_rest(&rest(10, vec![78]), made);

        let a = inspector.export(10, &ExportFilter::default());
        let flows: Vec<_> = a[0].entries.iter().map(|e| e.log.flow).collect();
        assert_eq!(flows, [Flow::FromApp, Flow::Rest, Flow::FromApp]);
        let entry = &a[0].entries[1];
        assert_eq!(entry.external_call_id.as_deref(), Some("x-1"));
        assert_eq!(entry.seq, 2, "sequence numbers stay unique");
        let only_b = ExportFilter {
            session_id: Some("b"),
            ..ExportFilter::default()
        };
        assert!(
            inspector.export(20, &only_b)[0].entries.is_empty(),
            "another portal's request is not shown"
        );
        let json = serde_json::to_value(&a[0].entries[1]).unwrap();
        assert_eq!(json["flow"], "rest");
        assert_eq!(json["rest"]["engagementIds"], json!([77]));
    }
}
