//! Linking REST calls to sessions: the calls each owned session has touched, and a REST call
//! about one of them joining the session as an entry (`host::rest_trace` reports them).

use std::time::Instant;

use callhost_protocol::engine::{Flow, LogEntry};
use serde_json::Value;

use super::{budget, Entry, Inspector, Owned, RestCall};

impl Owned {
    /// Notes a call the session touched.
    pub(super) fn note_call(&mut self, external_call_id: Option<&str>, engagement_id: Option<i64>) {
        let most = budget::MAX_LINKED_CALLS;
        if let Some(id) = external_call_id {
            if self.external_call_ids.len() < most {
                self.external_call_ids.insert(id.to_owned());
            }
        }
        if let Some(engagement) = engagement_id {
            if self.engagements.len() < most {
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

impl Inspector {
    /// Attaches a REST call to every session of its portal this process owns whose calls it
    /// touched, at the time it was made (`at`), among that session's entries in time order.
    pub fn record_rest(&self, rest: &RestCall, at: Instant) {
        {
            let mut local = self.local();
            let touched: Vec<(String, Option<String>, f64)> = local
                .owned
                .iter()
                .filter(|(_, s)| s.portal_id == rest.portal_id)
                .filter_map(|(id, s)| {
                    let call = s.touched_by(rest)?;
                    let offset = at
                        .checked_duration_since(s.clock)
                        .map_or(0.0, |d| d.as_secs_f64() * 1000.0);
                    Some((id.clone(), call, offset))
                })
                .collect();
            for (session_id, external_call_id, offset_ms) in touched {
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
                local.push(&session_id, entry, self.shared.capacity);
            }
        }
        self.changed();
    }

    /// Whether any session this process owns has touched one of these calls: the cheap check
    /// the REST layer makes before it works out whose request it saw.
    pub fn knows_any(&self, engagement_ids: &[i64], external_call_ids: &[String]) -> bool {
        self.local().owned.values().any(|s| {
            engagement_ids
                .iter()
                .any(|id| s.engagements.contains_key(id))
                || external_call_ids
                    .iter()
                    .any(|id| s.external_call_ids.contains(id))
        })
    }

    /// Whether any session has seen a call yet (nothing to link REST calls to otherwise).
    pub fn has_calls(&self) -> bool {
        self.local()
            .owned
            .values()
            .any(|s| !s.external_call_ids.is_empty())
    }
}
