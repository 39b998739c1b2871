//! Linking REST calls to sessions: the calls each owned session has touched, and a REST call
//! about one of them joining the session as an entry (`host::rest_trace` reports them, from
//! this instance or, over the bus, from another: [`Inspector::record_remote_rest`]).

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use callhost_protocol::engine::{Flow, LogEntry};
use callhost_store::bus::MAX_PAYLOAD_BYTES;
use callhost_store::inspector::InspectorFilter;
use serde_json::Value;

use super::{budget, Entry, Inspector, Owned, RestCall};

/// The most a REST call sent on the bus takes of the event's payload (the rest is the
/// event's own fields).
const BUS_BYTES: usize = MAX_PAYLOAD_BYTES - 300;
/// A path sent on the bus is cut to this many bytes.
const BUS_PATH_BYTES: usize = 1024;

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

    /// Whether another instance records widget sessions, so REST calls about calls served
    /// here should reach it on the bus.
    pub fn records_elsewhere(&self) -> bool {
        self.elsewhere.load(Ordering::Acquire)
    }

    /// Another instance wrote to the record: it records sessions.
    pub fn recorded_elsewhere(&self) {
        self.elsewhere.store(true, Ordering::Release);
    }

    /// Looks in the store for sessions this process does not own (at start, and when the
    /// bus may have missed events): any there may run on another instance.
    pub async fn look_elsewhere(&self) {
        match self
            .shared
            .store
            .inspector_sessions(&InspectorFilter::default())
            .await
        {
            Ok(sessions) => {
                let local = self.local();
                if sessions.iter().any(|s| !local.owned.contains_key(&s.id)) {
                    self.recorded_elsewhere();
                }
            }
            Err(err) => {
                tracing::warn!(error = %err, "cannot read the inspector's sessions; REST calls go to other instances meanwhile");
                self.recorded_elsewhere();
            }
        }
    }

    /// Files a REST call another instance served (`host::cluster` hears it on the bus) under
    /// this process's sessions that touched its calls. `arrived_ms` is when it arrived there,
    /// in milliseconds since the epoch (the instances' clocks are taken to agree).
    pub fn record_remote_rest(&self, rest: &RestCall, arrived_ms: i64) {
        if !self.knows_any(&rest.engagement_ids, &rest.external_call_ids) {
            return;
        }
        let ago_ms = (chrono::Utc::now().timestamp_millis() - arrived_ms).max(0);
        let now = Instant::now();
        let at = now
            .checked_sub(Duration::from_millis(ago_ms as u64))
            .unwrap_or(now);
        self.record_rest(rest, at);
    }
}

/// A REST call as the bus carries it: its JSON within [`BUS_BYTES`], the path (and the path
/// an injected fault names) cut to [`BUS_PATH_BYTES`] and ids dropped from the end until it
/// fits. `None` when no id is left to link it by.
pub fn rest_for_bus(rest: &RestCall) -> Option<Value> {
    let mut rest = rest.clone();
    cut(&mut rest.path);
    if let Some(Value::String(on)) = rest.injected.as_mut().and_then(|f| f.get_mut("on")) {
        cut(on);
    }
    loop {
        let value = serde_json::to_value(&rest).ok()?;
        if value.to_string().len() <= BUS_BYTES {
            return Some(value);
        }
        if rest.external_call_ids.pop().is_none() && rest.engagement_ids.pop().is_none() {
            return None;
        }
        if rest.external_call_ids.is_empty() && rest.engagement_ids.is_empty() {
            return None;
        }
    }
}

/// Cuts `text` to [`BUS_PATH_BYTES`] at a character boundary, marking the cut.
fn cut(text: &mut String) {
    if text.len() > BUS_PATH_BYTES {
        let mut end = BUS_PATH_BYTES;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
}
