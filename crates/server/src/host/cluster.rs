//! What this process does with the bus's events (docs/design.md#bus): one task per server,
//! started by `crate::run` before it serves, so a request answered by this instance comes after
//! it listens.
//!
//! - [`Event::SessionTaken`] by another instance: the session is let go here, and its socket
//!   closes.
//! - [`Event::Relay`]: each connected session here of the same portal and user (other than the
//!   sender) gets what its engine makes of the command (`Session::relayed`), as a `ui` frame;
//!   a page not connected misses it (it reads the call afresh when it loads).
//! - [`Event::Reset`] by another instance: this one ends its sessions and clears its own
//!   records and fault rules, as the instance that reset did (`fixture::reset::end_here`).
//! - [`Event::Resync`], or a lag: events may have been missed, so every session held here is
//!   checked against the store, and one another instance took (or a reset deleted) is let go.
//!   A missed `Relay` is not recovered (a page re-reads on its next load); a missed `Reset`
//!   leaves this instance's fault rules and in-process records as they were.

use callhost_protocol::engine::{PageOutput, UiCommand};
use callhost_store::{Delivery, Event};
use tokio::sync::broadcast::error::RecvError;

use crate::AppState;

/// Subscribes to the bus and handles its events until the server shuts down.
pub async fn start(state: &AppState) -> callhost_store::Result<()> {
    let mut events = state.bus.subscribe().await?;
    let state = state.clone();
    tokio::spawn(async move {
        let mut shutdown = state.shutdown.clone();
        loop {
            let delivery = tokio::select! {
                () = shutdown.wait() => return,
                delivery = events.recv() => delivery,
            };
            match delivery {
                Ok(delivery) => handle(&state, delivery).await,
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(
                        bus.missed = missed,
                        "fell behind the bus; checking sessions against the store"
                    );
                    resync(&state).await;
                }
                Err(RecvError::Closed) => return,
            }
        }
    });
    Ok(())
}

async fn handle(state: &AppState, delivery: Delivery) {
    let mine = delivery.from == state.bus.instance();
    match delivery.event {
        Event::SessionTaken { session_id, owner } => {
            if owner != state.bus.instance() && state.sessions.release(&session_id) {
                tracing::debug!(session.id = %session_id, session.owner = %owner, "another instance took the widget session over; let it go");
            }
        }
        Event::Relay {
            portal_id,
            user_id,
            app_id,
            from_session,
            command,
        } => {
            let Ok(command) = serde_json::from_value::<UiCommand>(command) else {
                return;
            };
            relay(state, portal_id, user_id, app_id, &from_session, &command).await;
        }
        Event::InspectorWritten if !mine => state.inspector.written_elsewhere(),
        Event::InspectorWritten => {}
        Event::Reset if !mine => crate::fixture::reset::end_here(state).await,
        Event::Reset => {}
        Event::Resync => {
            // Events may have been missed: sessions are checked, and readers look again.
            state.inspector.written_elsewhere();
            resync(state).await;
        }
    }
}

/// Hands a relayed command to the user's connected sessions here.
async fn relay(
    state: &AppState,
    portal_id: i64,
    user_id: i64,
    app_id: i64,
    from: &str,
    command: &UiCommand,
) {
    for handle in state.sessions.all() {
        if handle.id == from || (handle.portal_id, handle.user_id) != (portal_id, user_id) {
            continue;
        }
        let live = handle.live.lock().await;
        let Some(queue) = &live.page else { continue };
        let Some(shown) = live.engine.relayed(portal_id, user_id, app_id, command) else {
            continue;
        };
        if let Ok(text) = serde_json::to_string(&PageOutput::Ui(shown)) {
            let _ = queue.send(text);
        }
    }
}

/// Lets go of every session here that the store says another instance owns, or no longer has.
async fn resync(state: &AppState) {
    for handle in state.sessions.all() {
        match state.store.get_widget_session(&handle.id).await {
            Ok(Some(row)) if row.owner == state.bus.instance() => {}
            Ok(_) => {
                state.sessions.release(&handle.id);
            }
            Err(err) => {
                tracing::warn!(session.id = %handle.id, error = %err, "cannot check a widget session against the store")
            }
        }
    }
}
