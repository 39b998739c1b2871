//! The transcript as a stream of server-sent events, for a session or for all of a caller's
//! sessions (docs/automation.md#events).
//!
//! `GET /callhost/v1/sessions/{id}/events[?after=SEQ]` replays the session's entries after
//! `after` (all of them without it) and then follows it; `GET /callhost/v1/events` follows
//! every session the caller may read, from the moment it connects. Each event is named
//! `entry`, has the id `{sessionId}:{seq}` and the transcript entry with its `sessionId` as
//! data. The stream wakes when the record may have changed ([`inspector::wait_for_change`]:
//! at once for this process's entries, on the bus for other instances'), sends a
//! comment every 15 s to keep proxies from closing it, and ends when the server shuts down.

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::watch;
use utoipa::IntoParams;

use super::gate::Caller;
use super::transcript::{may_read, readable, TranscriptEntry};
use crate::error::ApiResult;
use crate::extract::{Query, Segment};
use crate::host::inspector;
use crate::{AppState, Shutdown};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventParams {
    /// Replay only entries with a larger `seq` (one session's stream).
    after: Option<usize>,
}

/// What a stream follows and where it stands.
struct Follow {
    state: AppState,
    caller: Caller,
    /// One session, or every session the caller may read.
    session: Option<String>,
    /// Per session, the last `seq` sent (`None`: nothing yet).
    cursors: HashMap<String, Option<usize>>,
    /// Sessions found not to be the caller's (not asked again).
    foreign: std::collections::HashSet<String>,
    changes: watch::Receiver<u64>,
    shutdown: Shutdown,
    pending: std::collections::VecDeque<Event>,
}

/// One session's transcript as it happens.
#[utoipa::path(
    get,
    path = "/callhost/v1/sessions/{id}/events",
    tag = "Automation",
    params(("id" = String, Path, description = "The widget session's id"), EventParams),
    responses(
        (status = 200, description = "text/event-stream of `entry` events", content_type = "text/event-stream", body = String),
        (status = 404, description = "No such session (or not yours)", body = crate::error::ErrorBody),
    ),
    security(("developer_hapikey" = []), ("oauth2" = []))
)]
pub async fn stream_session(
    State(state): State<AppState>,
    caller: Caller,
    Segment(id): Segment,
    Query(params): Query<EventParams>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    readable(&state, &caller, &id).await?;
    let cursors = HashMap::from([(id.clone(), params.after)]);
    Ok(sse(follow(state, caller, Some(id), cursors)))
}

/// Every session's transcript the caller may read, from now on.
#[utoipa::path(
    get,
    path = "/callhost/v1/events",
    tag = "Automation",
    responses(
        (status = 200, description = "text/event-stream of `entry` events", content_type = "text/event-stream", body = String),
    ),
    security(("developer_hapikey" = []), ("oauth2" = []))
)]
pub async fn stream_all(
    State(state): State<AppState>,
    caller: Caller,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    // Entries already recorded are history: the stream starts after them.
    let cursors = match state.inspector.sessions(&Default::default()).await {
        Ok(all) => all
            .into_iter()
            .map(|r| (r.session.session_id, r.next_seq.checked_sub(1)))
            .collect(),
        Err(err) => {
            tracing::warn!(error = %err, "the event stream could not read the record");
            HashMap::new()
        }
    };
    sse(follow(state, caller, None, cursors))
}

fn sse<S>(stream: S) -> Sse<impl Stream<Item = Result<Event, Infallible>>>
where
    S: Stream<Item = Result<Event, Infallible>> + Send + 'static,
{
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

fn follow(
    state: AppState,
    caller: Caller,
    session: Option<String>,
    cursors: HashMap<String, Option<usize>>,
) -> impl Stream<Item = Result<Event, Infallible>> + Send + 'static {
    let follow = Follow {
        changes: state.inspector.changes(),
        shutdown: state.shutdown.clone(),
        state,
        caller,
        session,
        cursors,
        foreign: Default::default(),
        pending: Default::default(),
    };
    stream::unfold(follow, |mut f| async move {
        loop {
            if let Some(event) = f.pending.pop_front() {
                return Some((Ok(event), f));
            }
            f.changes.borrow_and_update();
            f.collect().await;
            if !f.pending.is_empty() {
                continue;
            }
            tokio::select! {
                changed = inspector::wait_for_change(&mut f.changes) => if !changed { return None },
                () = f.shutdown.wait() => return None,
            }
        }
    })
}

impl Follow {
    /// Queues every new entry of the followed sessions.
    async fn collect(&mut self) {
        if let Err(err) = self.try_collect().await {
            tracing::warn!(error = %err, "the event stream could not read the record");
        }
    }

    async fn try_collect(&mut self) -> callhost_store::Result<()> {
        let filter = callhost_store::inspector::InspectorFilter {
            session_id: self.session.as_deref(),
            ..Default::default()
        };
        let sessions = self.state.inspector.sessions(&filter).await?;
        for recorded in sessions {
            let s = &recorded.session;
            if self.foreign.contains(&s.session_id) {
                continue;
            }
            if !self.cursors.contains_key(&s.session_id) {
                if may_read(&self.state, &self.caller, s.portal_id, s.app_id)
                    .await
                    .unwrap_or(false)
                {
                    self.cursors.insert(s.session_id.clone(), None);
                } else {
                    self.foreign.insert(s.session_id.clone());
                    continue;
                }
            }
            let cursor = self.cursors.get(&s.session_id).copied().flatten();
            if recorded.next_seq == 0 || cursor.is_some_and(|c| c + 1 >= recorded.next_seq) {
                continue;
            }
            let ids = [s.session_id.clone()];
            let mut fresh = self.state.inspector.entries(&ids, cursor, None).await?;
            fresh.sort_by_key(|(_, e)| e.seq);
            for (_, entry) in fresh {
                self.cursors.insert(s.session_id.clone(), Some(entry.seq));
                let view = TranscriptEntry::of(s.started_at, &entry);
                let mut data = serde_json::to_value(&view).unwrap_or(Value::Null);
                if let Some(fields) = data.as_object_mut() {
                    fields.insert("sessionId".into(), s.session_id.clone().into());
                }
                let event = Event::default()
                    .event("entry")
                    .id(format!("{}:{}", s.session_id, entry.seq))
                    .data(data.to_string());
                self.pending.push_back(event);
            }
        }
        Ok(())
    }
}
