//! The registry of live widget sessions: each session's engine and owner, whether a page is
//! connected, and what waits for the page ([`LiveSession`]); [`Sessions`] finds them by id
//! for the widget socket (`super::widget_socket`, which resumes only the owner's) and for the
//! automation API (which checks the caller itself).
//!
//! A session's owner is kept outside its lock, so checking who may resume it never waits for
//! an input in progress. Sessions no page has used for [`IDLE_LIMIT`] are forgotten when a
//! session opens, looked for at most once every [`SWEEP_EVERY`]. The sessions are also
//! indexed by user, so that what goes to one user's pages (a relayed `callChanged`) costs
//! that user's sessions, not all of them: at 10,000 sessions a pass over all of them for
//! each relayed command was the largest single cost of a call (bench/README.md, "Many
//! sessions").
//!
//! This registry is this process's; the store has every process's sessions, and
//! `super::handover` moves a session between the two (docs/design.md#session-handover). A
//! session another process took over is [`Sessions::release`]d here: forgotten, and its
//! connection told to close ([`Sessions::released`]).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use callhost_protocol::engine::{PageOutput, Session};
use tokio::sync::{mpsc, watch, Mutex};

/// How long a session without a connection is kept for its page to come back.
pub const IDLE_LIMIT: Duration = Duration::from_secs(300);

/// How often, at most, opening a session looks for idle ones to forget.
const SWEEP_EVERY: Duration = Duration::from_secs(5);

/// A widget session and who it belongs to.
pub struct LiveSession {
    pub engine: Session,
    pub portal_id: i64,
    pub user_id: i64,
    pub(crate) connected: bool,
    pub(crate) last_seen: Instant,
    /// Frames for the page that could not be sent (its socket dropped); sent on reconnect.
    pub(crate) outbox: Vec<PageOutput>,
    /// The current connection's queue of frames that inputs from elsewhere (the automation
    /// API) cause; `None` while no page is connected.
    pub(crate) page: Option<mpsc::UnboundedSender<String>>,
    /// Incremented by each change written to the store (`super::handover::save`).
    pub(crate) version: i64,
}

impl LiveSession {
    /// Whether a page is connected to the session now.
    pub fn connected(&self) -> bool {
        self.connected
    }
}

/// A registered session: its owner, kept outside the session's lock so that checking who may
/// resume it never depends on whether someone holds that lock.
struct Registered {
    portal_id: i64,
    user_id: i64,
    app_id: i64,
    live: Arc<Mutex<LiveSession>>,
    /// Set when the session is let go (another process took it over).
    released: watch::Sender<bool>,
}

/// A session as the registry lists it, with what can be known without its lock.
#[derive(Clone)]
pub struct Handle {
    pub id: String,
    pub portal_id: i64,
    pub user_id: i64,
    pub app_id: i64,
    pub live: Arc<Mutex<LiveSession>>,
}

/// Every live session of this process, by id.
#[derive(Default)]
pub struct Sessions(std::sync::Mutex<Registry>);

#[derive(Default)]
struct Registry {
    by_id: HashMap<String, Registered>,
    /// The ids of each (portal, user)'s sessions.
    by_user: HashMap<(i64, i64), Vec<String>>,
    last_sweep: Option<Instant>,
}

impl Registry {
    fn insert(&mut self, id: &str, registered: Registered) -> Option<Registered> {
        let user = (registered.portal_id, registered.user_id);
        let old = self.remove(id);
        self.by_user.entry(user).or_default().push(id.to_owned());
        self.by_id.insert(id.to_owned(), registered);
        old
    }

    fn remove(&mut self, id: &str) -> Option<Registered> {
        let removed = self.by_id.remove(id)?;
        let user = (removed.portal_id, removed.user_id);
        if let Some(ids) = self.by_user.get_mut(&user) {
            ids.retain(|other| other != id);
            if ids.is_empty() {
                self.by_user.remove(&user);
            }
        }
        Some(removed)
    }

    /// Forgets the sessions no page has used for [`IDLE_LIMIT`], unless it looked less than
    /// [`SWEEP_EVERY`] ago. A session whose lock is taken is in use.
    fn sweep(&mut self) {
        if self.last_sweep.is_some_and(|at| at.elapsed() < SWEEP_EVERY) {
            return;
        }
        self.last_sweep = Some(Instant::now());
        let idle: Vec<String> = self
            .by_id
            .iter()
            .filter(|(_, s)| {
                s.live
                    .try_lock()
                    .is_ok_and(|s| !s.connected && s.last_seen.elapsed() >= IDLE_LIMIT)
            })
            .map(|(id, _)| id.clone())
            .collect();
        for id in idle {
            self.remove(&id);
        }
    }
}

impl Sessions {
    /// Registers a new session and returns its id; forgets sessions idle past the limit
    /// (looked for at most every [`SWEEP_EVERY`]).
    pub fn open(
        &self,
        engine: Session,
        portal_id: i64,
        user_id: i64,
    ) -> (String, Arc<Mutex<LiveSession>>) {
        let id = callhost_store::secret::generate("ws-")[..27].to_owned();
        let live = self.adopt(&id, engine, (portal_id, user_id), Vec::new(), 0);
        (id, live)
    }

    /// Registers session `id` as it was elsewhere (a session taken over from another process,
    /// `super::handover`), replacing any entry of that id; forgets sessions idle past the limit
    /// (looked for at most every [`SWEEP_EVERY`]).
    pub fn adopt(
        &self,
        id: &str,
        engine: Session,
        (portal_id, user_id): (i64, i64),
        outbox: Vec<PageOutput>,
        version: i64,
    ) -> Arc<Mutex<LiveSession>> {
        let app_id = engine.config().app_id;
        let live = Arc::new(Mutex::new(LiveSession {
            engine,
            portal_id,
            user_id,
            connected: false,
            last_seen: Instant::now(),
            outbox,
            page: None,
            version,
        }));
        let mut all = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        all.sweep();
        let registered = Registered {
            portal_id,
            user_id,
            app_id,
            live: live.clone(),
            released: watch::channel(false).0,
        };
        if let Some(old) = all.insert(id, registered) {
            old.released.send_replace(true);
        }
        live
    }

    /// Lets session `id` go (another process drives it now): forgets it and tells its
    /// connection to close. False when it was not here.
    pub fn release(&self, id: &str) -> bool {
        let removed = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(id);
        match removed {
            Some(registered) => {
                registered.released.send_replace(true);
                true
            }
            None => false,
        }
    }

    /// Fires when session `id` is let go or replaced; never for a session not registered.
    pub fn released(&self, id: &str) -> watch::Receiver<bool> {
        let all = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match all.by_id.get(id) {
            Some(registered) => registered.released.subscribe(),
            None => watch::channel(false).1,
        }
    }

    /// Forgets every session (a reset; the sockets themselves close on `AppState::resets`);
    /// returns each one's id, portal and user, so their pages can be given new sessions.
    pub fn close_all(&self) -> Vec<(String, i64, i64)> {
        let mut all = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        all.by_user.clear();
        all.by_id
            .drain()
            .map(|(id, s)| {
                s.released.send_replace(true);
                (id, s.portal_id, s.user_id)
            })
            .collect()
    }

    /// The session `id`, if it exists and belongs to this user.
    pub fn resume(
        &self,
        id: &str,
        portal_id: i64,
        user_id: i64,
    ) -> Option<Arc<Mutex<LiveSession>>> {
        let all = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let found = all.by_id.get(id)?;
        (found.portal_id == portal_id && found.user_id == user_id).then(|| found.live.clone())
    }

    /// Every registered session (the automation API filters them by caller).
    pub fn all(&self) -> Vec<Handle> {
        let all = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut handles: Vec<Handle> = all.by_id.iter().map(|(id, r)| r.handle(id)).collect();
        handles.sort_by(|a, b| a.id.cmp(&b.id));
        handles
    }

    /// The sessions of one user of one portal, in the order they were registered (a relayed
    /// UI command goes to them).
    pub fn of_user(&self, portal_id: i64, user_id: i64) -> Vec<Handle> {
        let all = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let Some(ids) = all.by_user.get(&(portal_id, user_id)) else {
            return Vec::new();
        };
        ids.iter()
            .filter_map(|id| all.by_id.get(id).map(|r| r.handle(id)))
            .collect()
    }

    /// The session `id`, whoever it belongs to (the caller checks).
    pub fn get(&self, id: &str) -> Option<Handle> {
        let all = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        all.by_id.get(id).map(|r| r.handle(id))
    }
}

impl Registered {
    fn handle(&self, id: &str) -> Handle {
        Handle {
            id: id.to_owned(),
            portal_id: self.portal_id,
            user_id: self.user_id,
            app_id: self.app_id,
            live: self.live.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine(portal_id: i64, user_id: i64) -> Session {
        Session::new(crate::host::test_session_config(portal_id, user_id))
    }

    fn ids(handles: Vec<Handle>) -> Vec<String> {
        sorted(handles.into_iter().map(|h| h.id).collect())
    }

    fn sorted(mut ids: Vec<String>) -> Vec<String> {
        ids.sort();
        ids
    }

    #[test]
    fn a_users_sessions_are_found_through_every_change_of_the_registry() {
        let sessions = Sessions::default();
        let (a1, _) = sessions.open(engine(1, 10), 1, 10);
        let (a2, _) = sessions.open(engine(1, 10), 1, 10);
        let (b, _) = sessions.open(engine(1, 11), 1, 11);
        let (other_portal, _) = sessions.open(engine(2, 10), 2, 10);
        assert_eq!(
            ids(sessions.of_user(1, 10)),
            sorted(vec![a1.clone(), a2.clone()])
        );
        assert_eq!(ids(sessions.of_user(1, 11)), vec![b.clone()]);
        assert_eq!(ids(sessions.of_user(2, 10)), vec![other_portal.clone()]);
        assert!(sessions.of_user(3, 10).is_empty());

        assert!(sessions.release(&a1));
        assert!(!sessions.release(&a1), "released once");
        assert_eq!(ids(sessions.of_user(1, 10)), vec![a2.clone()]);

        // Adopting an id again (a handover back) replaces it, under its new user if need be.
        let mut replaced = sessions.released(&a2);
        sessions.adopt(&a2, engine(1, 11), (1, 11), Vec::new(), 1);
        assert!(
            *replaced.borrow_and_update(),
            "the old entry was told to go"
        );
        assert!(sessions.of_user(1, 10).is_empty());
        assert_eq!(
            ids(sessions.of_user(1, 11)),
            sorted(vec![a2.clone(), b.clone()])
        );
        assert_eq!(sessions.all().len(), 3);

        let closed = sessions.close_all();
        assert_eq!(closed.len(), 3);
        assert!(sessions.of_user(1, 11).is_empty());
        assert!(sessions.all().is_empty());
        let (again, _) = sessions.open(engine(1, 11), 1, 11);
        assert_eq!(ids(sessions.of_user(1, 11)), vec![again]);
    }
}
