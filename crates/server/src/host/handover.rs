//! Widget sessions between processes (docs/design.md#session-handover): each session is kept
//! in the store as well as in this process's registry, so a page whose WebSocket reconnects to
//! another `callhost serve` on the same database resumes it there, and the automation API
//! reaches it from any instance.
//!
//! - **On PostgreSQL only**: on SQLite (one process) sessions stay in memory, as the store
//!   has nothing to hand over to.
//! - **Written after each input, off the reply path**: the page's frames are sent first; then
//!   the engine and the frames still waiting for the page are written, from a task of their
//!   own ([`save_later`]), so the next input does not wait for the write either. Each write
//!   carries the session's version and the instance it expects to own the session, so writes
//!   that finish out of order, or after another instance took over, change nothing. A crash
//!   loses at most the inputs whose writes had not finished (the call objects they wrote are
//!   in the store already: those writes come before the reply). A socket that closes, and an
//!   automation action, write before going on ([`save`]).
//! - **Taken over by compare-and-set** ([`resume`], [`take_over`]): the store's owner column
//!   changes to this instance, which then tells the others on the bus
//!   ([`Event::SessionTaken`]); the previous owner lets it go and closes its socket
//!   (`super::cluster`). A session this instance already owns is resumed from memory, which is
//!   never behind the store.
//! - **Relayed**: a session's `callChanged`, and its inbound `callState`, go on the bus to the
//!   user's other sessions on every instance ([`relay`]); each receiving engine decides what
//!   its page shows (`Session::relayed`).

use std::sync::Arc;

use callhost_protocol::engine::{Direction, PageOutput, Session, UiCommand};
use callhost_store::{Event, StoredSession};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use super::session_registry::{LiveSession, IDLE_LIMIT};
use crate::AppState;

/// A session whose owner has not written it for this long is deleted whatever it says: its
/// process went away while a page was connected.
pub const DEAD_LIMIT: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// What the store keeps of a session besides its owner: the engine and the page's waiting
/// frames.
#[derive(Serialize, Deserialize)]
struct Saved {
    engine: Session,
    outbox: Vec<PageOutput>,
}

/// The session as a row to write, its version moved on; `None` on SQLite, which serves one
/// process: nobody else could resume the session, and its one writer is better left to the
/// call log's writes on the message path.
fn row(state: &AppState, id: &str, session: &mut LiveSession) -> Option<StoredSession> {
    if !state.bus.shared() {
        return None;
    }
    session.version += 1;
    let saved = Saved {
        engine: session.engine.clone(),
        outbox: session.outbox.clone(),
    };
    let json = match serde_json::to_string(&saved) {
        Ok(json) => json,
        Err(err) => {
            tracing::error!(session.id = %id, error = %err, "cannot serialize a widget session");
            return None;
        }
    };
    let config = session.engine.config();
    Some(StoredSession {
        id: id.to_owned(),
        portal_id: session.portal_id,
        user_id: session.user_id,
        app_id: config.app_id,
        location: location_name(session),
        owner: state.bus.instance().to_owned(),
        connected: session.connected,
        version: session.version,
        last_seen_ms: callhost_store::now().timestamp_millis(),
        state: json,
    })
}

fn location_name(session: &LiveSession) -> String {
    serde_json::to_value(session.engine.config().iframe_location)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Writes the session now (see the module's comment).
pub async fn save(state: &AppState, id: &str, session: &mut LiveSession) {
    if let Some(row) = row(state, id, session) {
        write(state.clone(), row).await;
    }
}

/// Writes the session from a task of its own: the caller goes on at once.
pub fn save_later(state: &AppState, id: &str, session: &mut LiveSession) {
    if let Some(row) = row(state, id, session) {
        tokio::spawn(write(state.clone(), row));
    }
}

/// Writes a row; a write refused because another instance owns the session now lets it go
/// here (one refused for being older than a finished one changes nothing).
async fn write(state: AppState, row: StoredSession) {
    let started = std::time::Instant::now();
    match state.store.save_widget_session(&row).await {
        Ok(true) => tracing::trace!(
            session.id = %row.id,
            duration_ms = started.elapsed().as_secs_f64() * 1000.0,
            "widget session written"
        ),
        Ok(false) => match state.store.get_widget_session(&row.id).await {
            Ok(Some(now)) if now.owner != row.owner => {
                tracing::debug!(session.id = %row.id, session.owner = %now.owner, "widget session taken over elsewhere; letting it go");
                state.sessions.release(&row.id);
            }
            Ok(_) => {}
            Err(err) => {
                tracing::warn!(session.id = %row.id, error = %err, "cannot read a widget session")
            }
        },
        Err(err) => {
            tracing::warn!(session.id = %row.id, error = %err, "cannot write a widget session")
        }
    }
}

/// Opens a new session for the user and writes it, after deleting the sessions no page has
/// used for [`IDLE_LIMIT`] (from every instance).
pub async fn open(
    state: &AppState,
    engine: Session,
    portal_id: i64,
    user_id: i64,
) -> (String, Arc<Mutex<LiveSession>>) {
    // On SQLite no session is stored (see `row`), so there is nothing to expire, and a delete
    // would take SQLite's one writer for nothing on every page that opens.
    if state.bus.shared() {
        let now = callhost_store::now().timestamp_millis();
        let idle = now - IDLE_LIMIT.as_millis() as i64;
        let dead = now - DEAD_LIMIT.as_millis() as i64;
        if let Err(err) = state.store.expire_widget_sessions(idle, dead).await {
            tracing::warn!(error = %err, "cannot expire idle widget sessions");
        }
    }
    let (id, live) = state.sessions.open(engine, portal_id, user_id);
    save(state, &id, &mut *live.lock().await).await;
    (id, live)
}

/// The user's session `id`, taken over from the store when another instance (or none, after a
/// restart) drives it; `None` when it does not exist or is another user's.
pub async fn resume(
    state: &AppState,
    id: &str,
    portal_id: i64,
    user_id: i64,
) -> Option<Arc<Mutex<LiveSession>>> {
    let me = state.bus.instance();
    let taken = match state
        .store
        .take_widget_session(id, portal_id, user_id, me)
        .await
    {
        Ok(taken) => taken,
        Err(err) => {
            tracing::warn!(session.id = %id, error = %err, "cannot take a widget session over");
            None
        }
    };
    let Some(row) = taken else {
        // Not in the store: only this process can know it (a session not written yet).
        return state.sessions.resume(id, portal_id, user_id);
    };
    if row.owner == me {
        if let Some(live) = state.sessions.resume(id, portal_id, user_id) {
            return Some(live);
        }
    }
    adopt(state, row).await
}

/// Takes a stored session of any user over (the automation API checks the caller first) from
/// the instance that drives it; false when it is gone or does not read back.
pub async fn take_over(state: &AppState, row: StoredSession) -> bool {
    let me = state.bus.instance();
    match state
        .store
        .take_widget_session(&row.id, row.portal_id, row.user_id, me)
        .await
    {
        Ok(Some(row)) => adopt(state, row).await.is_some(),
        Ok(None) => false,
        Err(err) => {
            tracing::warn!(session.id = %row.id, error = %err, "cannot take a widget session over");
            false
        }
    }
}

/// The engine of a stored session, as its owner last wrote it.
pub fn stored_engine(row: &StoredSession) -> Option<Session> {
    serde_json::from_str::<Saved>(&row.state)
        .ok()
        .map(|saved| saved.engine)
}

/// Registers a session taken from the store and tells the previous owner to let it go.
async fn adopt(state: &AppState, row: StoredSession) -> Option<Arc<Mutex<LiveSession>>> {
    let saved: Saved = match serde_json::from_str(&row.state) {
        Ok(saved) => saved,
        Err(err) => {
            tracing::warn!(session.id = %row.id, error = %err, "a stored widget session does not read back; it cannot be resumed");
            return None;
        }
    };
    // The session's record continues where the previous owner left it in the store; a
    // session the record does not have (trimmed away) starts a new one.
    if let Err(err) = state.inspector.adopt(&row.id).await {
        tracing::warn!(session.id = %row.id, error = %err, "cannot read a taken-over session's record back");
    }
    if state.inspector.next_seq(&row.id).is_none() {
        state.inspector.open(&row.id, saved.engine.config());
    }
    let live = state.sessions.adopt(
        &row.id,
        saved.engine,
        (row.portal_id, row.user_id),
        saved.outbox,
        row.version,
    );
    let me = state.bus.instance().to_owned();
    if row.owner != me {
        tracing::info!(session.id = %row.id, session.previous_owner = %row.owner, "took a widget session over");
        let taken = Event::SessionTaken {
            session_id: row.id.clone(),
            owner: me,
        };
        if let Err(err) = state.bus.publish(taken).await {
            tracing::warn!(session.id = %row.id, error = %err, "cannot tell the previous owner of a widget session");
        }
    }
    Some(live)
}

/// Whether the user's other pages are sent `command` ([`relay`]): a call's changes, and an
/// inbound call's state (the calling remote rings).
pub fn relayed(command: &UiCommand) -> bool {
    match command {
        UiCommand::CallChanged { .. } => true,
        UiCommand::CallState { direction, .. } => *direction == Some(Direction::Inbound),
        _ => false,
    }
}

/// Sends a UI command of session `id` to the user's other sessions on every instance, when
/// other pages may show it (`callChanged`, an inbound `callState`); from a task of its own.
pub fn relay(state: &AppState, id: &str, session: &LiveSession, command: &UiCommand) {
    if !relayed(command) {
        return;
    }
    let Ok(command) = serde_json::to_value(command) else {
        return;
    };
    let event = Event::Relay {
        portal_id: session.portal_id,
        user_id: session.user_id,
        app_id: session.engine.config().app_id,
        from_session: id.to_owned(),
        command,
    };
    let bus = state.bus.clone();
    tokio::spawn(async move {
        if let Err(err) = bus.publish(event).await {
            tracing::warn!(error = %err, "cannot relay a UI command to the user's other pages");
        }
    });
}
