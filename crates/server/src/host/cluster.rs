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
//!   records and its copy of the fault rules, as the instance that reset did
//!   (`fixture::reset::end_here`).
//! - [`Event::FaultsChanged`] by another instance: the copy of the fault rules is read again
//!   (`automation::fault_rules`).
//! - [`Event::InspectorWritten`] by another instance: readers here look again, and REST calls
//!   about calls served here go on the bus from now on, since that instance records sessions.
//! - [`Event::RestCall`] by another instance: filed under the sessions here that touched
//!   its calls (`Inspector::record_remote_rest`).
//! - [`Event::Resync`], or a lag: events may have been missed, so every session held here is
//!   checked against the store, and one another instance took (or a reset deleted) is let go;
//!   the fault rules are read again, and so is whether other instances record sessions.
//!   A missed `Relay` or `RestCall` is not recovered (a page re-reads on its next load); a
//!   missed `Reset` leaves this instance's in-process records as they were (the store's fault
//!   rules are gone, so none of them fires: each firing is claimed there).

use callhost_protocol::engine::{PageOutput, UiCommand};
use callhost_store::{Delivery, Event};
use tokio::sync::broadcast::error::RecvError;

use crate::host::inspector::RestCall;
use crate::AppState;

/// Subscribes to the bus and handles its events until the server shuts down. Once it listens,
/// it reads what the events would have told it: the fault rules, and whether other instances
/// record sessions.
pub async fn start(state: &AppState) -> callhost_store::Result<()> {
    let mut events = state.bus.subscribe().await?;
    state.faults.refresh().await;
    if state.bus.shared() {
        state.inspector.look_elsewhere().await;
    }
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
                    state.faults.refresh().await;
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
        Event::InspectorWritten if !mine => {
            state.inspector.recorded_elsewhere();
            state.inspector.written_elsewhere();
        }
        Event::InspectorWritten => {}
        Event::Reset if !mine => crate::fixture::reset::end_here(state).await,
        Event::Reset => {}
        Event::FaultsChanged if !mine => state.faults.refresh().await,
        Event::FaultsChanged => {}
        Event::RestCall { call, arrived_ms } if !mine => {
            if let Ok(rest) = serde_json::from_value::<RestCall>(call) {
                state.inspector.record_remote_rest(&rest, arrived_ms);
            }
        }
        Event::RestCall { .. } => {}
        Event::Resync => {
            // Events may have been missed: sessions are checked, readers look again, and
            // what the missed events would have said is read from the store.
            state.inspector.written_elsewhere();
            state.faults.refresh().await;
            state.inspector.look_elsewhere().await;
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
    for handle in state.sessions.of_user(portal_id, user_id) {
        if handle.id == from {
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
/// On SQLite there is nothing to check: this process is the only one, and it does not write
/// its sessions to the store (docs/design.md#session-handover), so every one would look gone.
async fn resync(state: &AppState) {
    if !state.bus.shared() {
        return;
    }
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
