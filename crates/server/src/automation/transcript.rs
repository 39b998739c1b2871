//! `GET /callhost/v1/sessions/{id}/transcript`: a session's record as a test reads it
//! (docs/automation.md#transcript).
//!
//! The transcript is a view of the inspector's record (`host::inspector`), never a copy: one
//! record, read by the inspector page and by tests. Each entry has its `seq` (unique and
//! increasing in the session), the time, the direction, the type and the payload, with the
//! engine's findings, the store changes it caused and, for injected faults, the rule that
//! fired. `after` and `type` filter it; `wait` long-polls until an entry that matches arrives
//! (at most [`MAX_WAIT_MS`]), woken at once by this process's entries and by a batch announced on
//! the store's bus for other instances' ([`inspector::wait_for_change`]).

use std::time::Duration;

use axum::extract::State;
use axum::Json;
use callhost_protocol::engine::Flow;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::gate::{developer_of, Caller, Owner};
use super::sessions::no_session;
use crate::error::ApiResult;
use crate::extract::{Query, Segment};
use crate::host::inspector::{self, budget, Entry};
use crate::host::widget_socket::entry_type;
use crate::AppState;

/// The longest a transcript request waits for a matching entry.
pub const MAX_WAIT_MS: u64 = 30_000;

/// One entry of a transcript.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TranscriptEntry {
    /// Position in the session: unique, increasing in the order entries were recorded.
    pub seq: usize,
    /// When it happened (RFC 3339, milliseconds).
    pub at: String,
    /// Milliseconds since the session began.
    pub offset_ms: f64,
    /// `app-to-host`, `host-to-app` or `host` (the host's own events: user actions, store
    /// results, REST calls, injected faults).
    pub direction: &'static str,
    /// The message type (`OUTGOING_CALL_STARTED`); for host events their kind (`loaded`,
    /// `dial`, `user:endCall`, `done`, `automation:navigate`, `FAULT`, `rest`).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// The message's `data` (or the whole message when it has none, as SYNC); for host
    /// events, the event. A payload too large to keep is `{"truncated": {bytes, preview}}`.
    #[schema(value_type = Object)]
    pub data: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// The externalCallId the entry is about, when it names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_call_id: Option<String>,
    /// The engine's findings about this entry (docs/findings.md).
    #[schema(value_type = Vec<Object>)]
    pub findings: Value,
    /// The store changes this entry caused, in order (`injected: true` when a fault stood in).
    #[schema(value_type = Vec<Object>)]
    pub store_changes: Value,
    /// The page refused the message (wrong origin or source); it never reached the engine.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub refused: bool,
    /// The payload was cut to a marker (over the record's payload limit).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
    /// An injected fault: the rule, its effect, what it hit.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub fault: Option<Value>,
}

/// `{"results": [...]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TranscriptPage {
    pub results: Vec<TranscriptEntry>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct TranscriptParams {
    /// Only entries with a larger `seq`.
    after: Option<usize>,
    /// Only entries of these types (comma-separated).
    #[serde(rename = "type")]
    #[param(rename = "type")]
    kind: Option<String>,
    /// Wait up to this many milliseconds (at most 30000) for a matching entry.
    wait: Option<u64>,
}

impl TranscriptEntry {
    /// The entry of a session that began at `started_at` (ms since the epoch).
    pub fn of(started_at: i64, entry: &Entry) -> Self {
        let message = &entry.log.message;
        let truncated = budget::is_truncated(message);
        let (direction, data) = match entry.log.flow {
            Flow::FromApp | Flow::Dropped => ("app-to-host", payload(message, truncated)),
            Flow::ToApp => ("host-to-app", payload(message, truncated)),
            Flow::Host if entry.fault.is_some() => {
                ("host", entry.fault.clone().unwrap_or_default())
            }
            Flow::Host => ("host", message.clone()),
            Flow::Rest => (
                "host",
                serde_json::to_value(&entry.rest).unwrap_or(Value::Null),
            ),
        };
        let kind = match entry.log.flow {
            Flow::Rest => Some("rest".to_owned()),
            _ => entry_type(&entry.log),
        };
        let at_ms = started_at + entry.offset_ms as i64;
        let at = chrono::DateTime::from_timestamp_millis(at_ms)
            .unwrap_or_default()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        TranscriptEntry {
            seq: entry.seq,
            at,
            offset_ms: entry.offset_ms,
            direction,
            kind,
            data,
            message_id: message
                .get("messageId")
                .and_then(Value::as_str)
                .map(str::to_owned),
            external_call_id: entry.external_call_id.clone(),
            findings: serde_json::to_value(&entry.log.findings).unwrap_or_default(),
            store_changes: serde_json::to_value(&entry.effects).unwrap_or_default(),
            refused: entry.log.flow == Flow::Dropped,
            truncated,
            fault: entry.fault.clone(),
        }
    }

    fn matches(&self, kinds: &[&str]) -> bool {
        kinds.is_empty() || self.kind.as_deref().is_some_and(|k| kinds.contains(&k))
    }
}

/// A message's `data`, or the message without its envelope when it has no `data` (SYNC).
fn payload(message: &Value, truncated: bool) -> Value {
    if truncated {
        return message.clone();
    }
    match message.get("data") {
        Some(data) => data.clone(),
        None => {
            let mut rest = message.clone();
            if let Some(fields) = rest.as_object_mut() {
                fields.remove("type");
                fields.remove("messageId");
            }
            rest
        }
    }
}

/// The entries of a session with these sequence numbers, in the record's order.
pub async fn entries_in(
    state: &AppState,
    session_id: &str,
    seqs: &[usize],
) -> ApiResult<Vec<TranscriptEntry>> {
    let Some(first) = seqs.iter().min() else {
        return Ok(Vec::new());
    };
    let after = first.checked_sub(1);
    let mut all = read(state, session_id, after, &[]).await?;
    all.retain(|e| seqs.contains(&e.seq));
    Ok(all)
}

/// Ok when the record of session `id` exists and the caller may read it; otherwise the same
/// 404 for both, so a caller cannot tell another's session from none.
pub async fn readable(state: &AppState, caller: &Caller, id: &str) -> ApiResult<()> {
    let Some(recorded) = state.inspector.session(id).await? else {
        return Err(no_session(id));
    };
    let (portal_id, app_id) = (recorded.session.portal_id, recorded.session.app_id);
    if !may_read(state, caller, portal_id, app_id).await? {
        return Err(no_session(id));
    }
    Ok(())
}

/// Whether the caller may read the record of a session of `portal_id` running `app_id`.
pub async fn may_read(
    state: &AppState,
    caller: &Caller,
    portal_id: i64,
    app_id: i64,
) -> ApiResult<bool> {
    let developer = match caller.owner {
        Owner::Developer(_) => developer_of(state, app_id).await?,
        Owner::Portal(_) => None,
    };
    Ok(caller.owns_session(portal_id, developer))
}

/// A session's transcript, filtered, waiting for a match when asked to.
#[utoipa::path(
    get,
    path = "/callhost/v1/sessions/{id}/transcript",
    tag = "Automation",
    params(("id" = String, Path, description = "The widget session's id"), TranscriptParams),
    responses(
        (status = 200, description = "The matching entries, in order", body = TranscriptPage),
        (status = 404, description = "No such session (or not yours)", body = crate::error::ErrorBody),
    ),
    security(("developer_hapikey" = []), ("oauth2" = []))
)]
pub async fn get_transcript(
    State(state): State<AppState>,
    caller: Caller,
    Segment(id): Segment,
    Query(params): Query<TranscriptParams>,
) -> ApiResult<Json<TranscriptPage>> {
    readable(&state, &caller, &id).await?;
    let kinds: Vec<&str> = params
        .kind
        .as_deref()
        .map(|k| {
            k.split(',')
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let wait = Duration::from_millis(params.wait.unwrap_or(0).min(MAX_WAIT_MS));
    let deadline = tokio::time::Instant::now() + wait;
    let mut changes = state.inspector.changes();
    let mut shutdown = state.shutdown.clone();
    loop {
        changes.borrow_and_update();
        let results = read(&state, &id, params.after, &kinds).await?;
        let now = tokio::time::Instant::now();
        if !results.is_empty() || now >= deadline {
            return Ok(Json(TranscriptPage { results }));
        }
        tokio::select! {
            changed = inspector::wait_for_change(&mut changes) => if !changed {
                return Ok(Json(TranscriptPage { results }));
            },
            () = tokio::time::sleep_until(deadline) => {}
            () = shutdown.wait() => return Ok(Json(TranscriptPage { results })),
        }
    }
}

/// A session's entries past `after` of these types (all types when none are given).
async fn read(
    state: &AppState,
    id: &str,
    after: Option<usize>,
    kinds: &[&str],
) -> ApiResult<Vec<TranscriptEntry>> {
    let Some(recorded) = state.inspector.session(id).await? else {
        return Ok(Vec::new());
    };
    let started_at = recorded.session.started_at;
    let entries = state
        .inspector
        .entries(&[id.to_owned()], after, None)
        .await?;
    Ok(entries
        .iter()
        .map(|(_, e)| TranscriptEntry::of(started_at, e))
        .filter(|e| e.matches(kinds))
        .collect())
}
