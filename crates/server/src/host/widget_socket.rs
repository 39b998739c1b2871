//! The widget-session WebSocket: one host page's connection to its session's engine.
//!
//! (Not to be confused with the page's iframe bridge, `web/static/bridge.js`, which runs on the
//! other end of this socket.) The page forwards what it observes as [`PageInput`]s (iframe
//! loads, accepted and refused app messages, dials, user actions); a frame that is anything
//! else, a store result included, is refused and never reaches the engine. The engine's
//! outputs are dispatched by kind: `post` and `ui` go back to the page as [`PageOutput`]s,
//! `log` entries go to the inspector, and `store` requests are carried out here
//! (`host::calls::carry_out`) and their results fed back to the engine, whose further outputs
//! are handled the same way, until nothing is left.
//!
//! Sessions outlive connections: a page whose socket drops reconnects with its session id and
//! finds the engine where it was, so a call survives a lost connection; frames that could not
//! be sent wait in the session's outbox for the next connection, and the engine restates its
//! live calls to every new connection (a reloaded page shows a call still ringing). A session
//! no socket has used for [`IDLE_LIMIT`] is dropped when the next session is opened.
//!
//! Shutdown: every connection watches the server's shutdown signal (`AppState::shutdown`,
//! fired by `run`'s `shutdown` future). It is checked between inputs, never in the middle of
//! one, so store work an input started always finishes and the engine never waits for a result
//! that will not come; then the socket is closed, and the page's frames still unsent stay in
//! the outbox.
//!
//! The loop is generic over a sink and a stream of text frames, so tests can drive it with
//! channels instead of a socket.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use callhost_protocol::engine::{
    Input, OpId, Output, PageInput, PageOutput, Session, StoreRequest,
};
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use tokio::sync::Mutex;

use crate::host::{calls, inspector};
use crate::AppState;

/// How long a session without a connection is kept for its page to come back.
pub const IDLE_LIMIT: Duration = Duration::from_secs(300);

/// A widget session and who it belongs to.
pub struct LiveSession {
    pub engine: Session,
    pub portal_id: i64,
    pub user_id: i64,
    connected: bool,
    last_seen: Instant,
    /// Frames for the page that could not be sent (its socket dropped); sent on reconnect.
    outbox: Vec<PageOutput>,
}

/// A registered session: its owner, kept outside the session's lock so that checking who may
/// resume it never depends on whether someone holds that lock.
struct Registered {
    portal_id: i64,
    user_id: i64,
    live: Arc<Mutex<LiveSession>>,
}

/// Every live session of this process, by id.
#[derive(Default)]
pub struct Sessions(std::sync::Mutex<HashMap<String, Registered>>);

impl Sessions {
    /// Registers a new session and returns its id; forgets sessions idle past the limit.
    pub fn open(
        &self,
        engine: Session,
        portal_id: i64,
        user_id: i64,
    ) -> (String, Arc<Mutex<LiveSession>>) {
        let id = callhost_store::secret::generate("ws-")[..27].to_owned();
        let live = Arc::new(Mutex::new(LiveSession {
            engine,
            portal_id,
            user_id,
            connected: false,
            last_seen: Instant::now(),
            outbox: Vec::new(),
        }));
        let mut all = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        all.retain(|_, s| {
            s.live
                .try_lock()
                .map_or(true, |s| s.connected || s.last_seen.elapsed() < IDLE_LIMIT)
        });
        let registered = Registered {
            portal_id,
            user_id,
            live: live.clone(),
        };
        all.insert(id.clone(), registered);
        (id, live)
    }

    /// Forgets every session (a reset; the sockets themselves close on `AppState::resets`);
    /// returns each one's id, portal and user, so their pages can be given new sessions.
    pub fn close_all(&self) -> Vec<(String, i64, i64)> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .drain()
            .map(|(id, s)| (id, s.portal_id, s.user_id))
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
        let found = all.get(id)?;
        (found.portal_id == portal_id && found.user_id == user_id).then(|| found.live.clone())
    }
}

/// Runs one connection: the session frame first, then inputs in, outputs out, until the page
/// goes away or the server shuts down. The first frame tells the page its session id and
/// configuration; frames that could not reach an earlier connection follow it.
pub async fn drive<S, R>(
    state: AppState,
    id: String,
    live: Arc<Mutex<LiveSession>>,
    mut sink: S,
    mut stream: R,
) where
    S: Sink<String> + Unpin,
    R: Stream<Item = String> + Unpin,
{
    let mut shutdown = state.shutdown.clone();
    // A reset ends every session (crate::fixture::reset): between inputs, like shutdown.
    let mut resets = state.resets.subscribe();
    let Some(mut held) = greet(&id, &live, &mut sink).await else {
        return;
    };
    loop {
        let frame = tokio::select! {
            frame = stream.next() => frame,
            () = shutdown.wait() => {
                tracing::debug!(session.id = %id, "server shutting down: closing the widget socket");
                let _ = sink.close().await;
                break;
            }
            _ = resets.changed() => {
                tracing::debug!(session.id = %id, "store reset: closing the widget socket");
                let _ = sink.close().await;
                break;
            }
        };
        let Some(frame) = frame else { break };
        let Some(input) = page_input(&id, &frame) else {
            continue;
        };
        // Posts saved while the page was away are held until its first input: after a full
        // reload that input is `loaded` (a new app instance, which must not get the old one's
        // messages) and they are dropped; after a dropped socket they still belong to the live
        // iframe.
        if input != Input::Page(PageInput::Loaded) {
            for frame in std::mem::take(&mut held) {
                if !send(&mut sink, &frame).await {
                    break;
                }
            }
        }
        held.clear();
        // No reset runs while an input is carried out; one that ran since the frame arrived
        // ended this session, whose input must not reach the restored store.
        let _no_reset = state.resets.hold().await;
        if resets.has_changed().unwrap_or(true) {
            let _ = sink.close().await;
            break;
        }
        let mut session = live.lock().await;
        session.last_seen = Instant::now();
        if !run_input(&state, &id, &mut session, input, &mut sink).await {
            break;
        }
    }
    let mut session = live.lock().await;
    session.connected = false;
    session.last_seen = Instant::now();
}

/// Sends the session frame, the outbox's frames that are not posts and what the engine
/// restates; returns the outbox's posts, held for the page's first input, or `None` when the
/// page is already gone.
async fn greet<S>(id: &str, live: &Mutex<LiveSession>, sink: &mut S) -> Option<Vec<PageOutput>>
where
    S: Sink<String> + Unpin,
{
    let mut session = live.lock().await;
    session.connected = true;
    let first = PageOutput::Session {
        session_id: id.to_owned(),
        config: session.engine.config().clone(),
    };
    let (mut held, others): (Vec<PageOutput>, Vec<PageOutput>) =
        std::mem::take(&mut session.outbox)
            .into_iter()
            .partition(|frame| matches!(frame, PageOutput::Post { .. }));
    // A page that (re)connects starts from what the engine knows: after a full reload it has
    // forgotten the call still ringing, and the app will not announce it again.
    let restated = session.engine.restate();
    let frames = std::iter::once(first)
        .chain(others)
        .chain(restated.iter().filter_map(Output::to_page));
    for frame in frames {
        if !send(sink, &frame).await {
            session.outbox.append(&mut held);
            session.connected = false;
            return None;
        }
    }
    Some(held)
}

/// A page's frame as the engine's input, or `None` (logged) when it is not one a page may send.
fn page_input(id: &str, frame: &str) -> Option<Input> {
    match serde_json::from_str::<PageInput>(frame) {
        Ok(input) => Some(input.into()),
        Err(err) => {
            tracing::warn!(session.id = %id, error = %err, "host page sent a frame that is not a page input; refused");
            None
        }
    }
}

/// Hands one input to the engine and carries out everything it causes, in order: log entries
/// to the inspector, store requests to the store (their results back to the engine), frames to
/// the page, kept in the outbox once the page is gone. Returns whether the page is still there.
async fn run_input<S>(
    state: &AppState,
    id: &str,
    session: &mut LiveSession,
    input: Input,
    sink: &mut S,
) -> bool
where
    S: Sink<String> + Unpin,
{
    let mut work: VecDeque<Output> = session.engine.handle(input).into();
    let mut page_gone = false;
    // The inspector entry of this input: the store changes it causes are attached to it.
    let mut cause: Option<usize> = None;
    while let Some(output) = work.pop_front() {
        match output {
            Output::Log(entry) => {
                let seq = state.inspector.record(id, entry);
                cause = cause.or(seq);
            }
            Output::Store { op, request } => {
                let more = store(state, id, session, op, request, cause).await;
                work.extend(more);
            }
            Output::Post {
                message,
                target_origin,
            } => {
                let frame = PageOutput::Post {
                    message,
                    target_origin,
                };
                page_gone = to_page(sink, session, frame, page_gone).await;
            }
            Output::Ui(command) => {
                page_gone = to_page(sink, session, PageOutput::Ui(command), page_gone).await;
            }
        }
    }
    !page_gone
}

/// Carries out one store request, records its effect on the inspector entry that caused it,
/// and returns what the engine makes of the result. Store work always finishes, page or no
/// page, so the engine never waits for a result that will not come.
async fn store(
    state: &AppState,
    id: &str,
    session: &mut LiveSession,
    op: OpId,
    request: StoreRequest,
    cause: Option<usize>,
) -> Vec<Output> {
    let started = Instant::now();
    let app_id = session.engine.config().app_id;
    let result = calls::carry_out(state, session.portal_id, app_id, request.clone()).await;
    if let Some(seq) = cause {
        let effect = inspector::Effect {
            request,
            result: result.clone(),
            duration_ms: started.elapsed().as_secs_f64() * 1000.0,
        };
        state.inspector.effect(id, seq, effect);
    }
    session.engine.handle(Input::Done { op, result })
}

/// Sends a frame to the page, or keeps it in the outbox when the page is gone (now or
/// earlier in this input); returns whether the page is gone.
async fn to_page<S>(
    sink: &mut S,
    session: &mut LiveSession,
    frame: PageOutput,
    page_gone: bool,
) -> bool
where
    S: Sink<String> + Unpin,
{
    if page_gone || !send(sink, &frame).await {
        session.outbox.push(frame);
        return true;
    }
    false
}

/// Sends one frame as JSON text; false when the sink refused it.
async fn send<S>(sink: &mut S, frame: &PageOutput) -> bool
where
    S: Sink<String> + Unpin,
{
    match serde_json::to_string(frame) {
        Ok(text) => sink.send(text).await.is_ok(),
        // Nothing in a frame fails to serialize; a frame that did would be dropped, not kept.
        Err(err) => {
            tracing::error!(error = %err, "cannot serialize a frame for the page");
            true
        }
    }
}
