//! The WebSocket between a host page and its widget session's engine.
//!
//! The page forwards what it observes (iframe loads, accepted and refused app messages, user
//! actions) as [`Input`]s; the engine answers with [`Output`]s. `post`, `ui` and `log` go back
//! to the page; `store` requests are carried out here and their results fed back to the engine,
//! whose further outputs are handled the same way, until nothing is left.
//!
//! Sessions outlive connections: a page whose socket drops reconnects with its session id and
//! finds the engine where it was, so a call survives a lost connection; the engine restates its
//! live calls to every new connection (a reloaded page shows a call still ringing). A session no socket has
//! used for [`IDLE_LIMIT`] is dropped when the next session is opened.
//!
//! The loop is generic over a sink and a stream of text frames, so tests can drive it with
//! channels instead of a socket.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use callhost_protocol::engine::{Input, Output, Session};
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use serde_json::json;
use tokio::sync::Mutex;

use crate::host::{calls, inspector};
use crate::AppState;

/// How every `post` frame starts (serde writes the tag first), to tell them apart in the outbox.
const POST_PREFIX: &str = "{\"kind\":\"post\"";

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
    outbox: Vec<String>,
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
/// goes away. The first frame tells the page its session id and configuration; frames that
/// could not reach an earlier connection follow it.
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
    // Posts saved while the page was away are held until its first input: after a full reload
    // that input is `loaded` (a new app instance, which must not get the old one's messages)
    // and they are dropped; after a dropped socket they still belong to the live iframe.
    let mut held: Vec<String>;
    {
        let mut session = live.lock().await;
        session.connected = true;
        let first = json!({"kind": "session", "sessionId": id, "config": session.engine.config()});
        let (posts, others): (Vec<String>, Vec<String>) = std::mem::take(&mut session.outbox)
            .into_iter()
            .partition(|f| f.starts_with(POST_PREFIX));
        held = posts;
        // A page that (re)connects starts from what the engine knows: after a full reload it
        // has forgotten the call still ringing, and the app will not announce it again.
        let restated = session
            .engine
            .restate()
            .into_iter()
            .filter_map(|output| serde_json::to_string(&output).ok());
        for frame in std::iter::once(first.to_string())
            .chain(others)
            .chain(restated)
        {
            if sink.send(frame).await.is_err() {
                session.outbox.append(&mut held);
                session.connected = false;
                return;
            }
        }
    }
    while let Some(frame) = stream.next().await {
        let input: Input = match serde_json::from_str(&frame) {
            Ok(input) => input,
            Err(err) => {
                tracing::warn!(session.id = %id, error = %err, "host page sent a frame that is not an engine input");
                continue;
            }
        };
        if !held.is_empty() && input != Input::Loaded {
            for frame in std::mem::take(&mut held) {
                if sink.send(frame).await.is_err() {
                    break;
                }
            }
        }
        held.clear();
        let mut session = live.lock().await;
        session.last_seen = Instant::now();
        let portal_id = session.portal_id;
        let mut work: VecDeque<Output> = session.engine.handle(input).into();
        let mut page_gone = false;
        // The inspector entry of this input: the store changes it causes are attached to it.
        let mut cause: Option<usize> = None;
        while let Some(output) = work.pop_front() {
            if let Output::Log(entry) = &output {
                let seq = state.inspector.record(&id, entry.clone());
                cause = cause.or(seq);
            }
            match output {
                Output::Store { op, request } => {
                    // Store work always finishes, page or no page, so the engine never waits
                    // for a result that will not come.
                    let started = Instant::now();
                    let app_id = session.engine.config().app_id;
                    let result = calls::carry_out(&state, portal_id, app_id, request.clone()).await;
                    if let Some(seq) = cause {
                        let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
                        let effect = inspector::Effect {
                            request,
                            result: result.clone(),
                            duration_ms,
                        };
                        state.inspector.effect(&id, seq, effect);
                    }
                    work.extend(session.engine.handle(Input::Done { op, result }));
                }
                to_page => {
                    let Ok(text) = serde_json::to_string(&to_page) else {
                        continue;
                    };
                    if page_gone || sink.send(text.clone()).await.is_err() {
                        page_gone = true;
                        session.outbox.push(text);
                    }
                }
            }
        }
        if page_gone {
            break;
        }
    }
    let mut session = live.lock().await;
    session.connected = false;
    session.last_seen = Instant::now();
}
