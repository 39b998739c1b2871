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
//! no socket has used for [`IDLE_LIMIT`] is dropped when a later session is opened (looked for
//! at most every five seconds).
//!
//! Shutdown: every connection watches the server's shutdown signal (`AppState::shutdown`,
//! fired by `run`'s `shutdown` future). It is checked between inputs, never in the middle of
//! one, so store work an input started always finishes and the engine never waits for a result
//! that will not come; then the socket is closed, and the page's frames still unsent stay in
//! the outbox.
//!
//! The automation API drives the same sessions ([`inject`]): its actions are inputs handed to
//! the engine here, under the session's lock, and the frames they cause reach the page through
//! the connection's queue of injected frames (or the outbox). Store requests and posts pass
//! the fault hooks (`automation::hooks`) on their way out; the engine never knows.
//!
//! Frames are bounded: a frame over [`MAX_FRAME_BYTES`] ends the connection (the socket closes
//! with 1009, and the record says why); a frame that is not a page input (malformed, or one
//! only the server may send, such as `done`) is answered with a `refused` frame and recorded
//! with a finding, and never reaches the engine.
//!
//! Several processes: after each input the session is written to the store off the reply
//! path (`super::handover`), so a page reconnecting to another instance resumes it there;
//! when another instance takes the session over, this connection closes, between inputs like
//! shutdown, and writes nothing more. `callChanged` and an inbound `callState` also go to the
//! user's other pages on every instance (`handover::relay`).
//!
//! The loop is generic over a sink and a stream of text frames, so tests can drive it with
//! channels instead of a socket.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use callhost_protocol::engine::findings::{self, finding};
use callhost_protocol::engine::{
    Flow, Input, LogEntry, OpId, Output, PageInput, PageOutput, StoreRequest, UiCommand,
};
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use serde_json::{json, Value};
use tokio::sync::{mpsc, Mutex};

use crate::automation::faults::Site;
use crate::automation::hooks::{self, PostFate};
use crate::host::hops::{self, Hop, Hops};
use crate::host::{handover, inspector};
use crate::AppState;

pub use super::session_registry::{Handle, LiveSession, Sessions, IDLE_LIMIT};

/// The largest frame a page may send; a larger one ends the connection with 1009.
pub const MAX_FRAME_BYTES: usize = 1024 * 1024;

/// How a connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The page went away, or the server shut down.
    Closed,
    /// The page sent a frame over [`MAX_FRAME_BYTES`]: close with 1009 (message too big).
    TooLarge,
}

/// Runs one connection: the session frame first, then inputs in, outputs out, until the page
/// goes away or the server shuts down. The first frame tells the page its session id and
/// configuration; frames that could not reach an earlier connection follow it. Returns how it
/// ended, and the sink (to close it with the right code).
pub async fn drive<S, R>(
    state: AppState,
    id: String,
    live: Arc<Mutex<LiveSession>>,
    mut sink: S,
    mut stream: R,
) -> (Ending, S)
where
    S: Sink<String> + Unpin,
    R: Stream<Item = String> + Unpin,
{
    let mut shutdown = state.shutdown.clone();
    // A reset ends every session (crate::fixture::reset): between inputs, like shutdown.
    let mut resets = state.resets.subscribe();
    // Another instance took the session over (handover): close, and write nothing more.
    let mut released = state.sessions.released(&id);
    let (queue, mut injected) = mpsc::unbounded_channel::<String>();
    let Some(mut held) = greet(&state, &id, &live, &mut sink, queue).await else {
        return (Ending::Closed, sink);
    };
    let mut ending = Ending::Closed;
    loop {
        let frame = tokio::select! {
            frame = stream.next() => frame,
            Some(text) = injected.recv() => {
                if sink.send(text).await.is_err() {
                    break;
                }
                continue;
            }
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
            () = let_go(&mut released) => {
                tracing::debug!(session.id = %id, "session taken over elsewhere: closing the widget socket");
                let _ = sink.close().await;
                return (Ending::Closed, sink);
            }
        };
        let Some(frame) = frame else { break };
        let mut hops = Hops::new();
        if frame.len() > MAX_FRAME_BYTES {
            refuse_frame(&state, &id, &frame, findings::PAGE_FRAME_TOO_LARGE, format!(
                "the page sent a frame of {} bytes, over the limit of {MAX_FRAME_BYTES}; the socket was closed with 1009",
                frame.len()
            ));
            ending = Ending::TooLarge;
            break;
        }
        let input = match page_input(&frame) {
            Ok(input) => input,
            Err(why) => {
                tracing::warn!(session.id = %id, error = %why, "host page sent a frame that is not a page input; refused");
                refuse_frame(
                    &state,
                    &id,
                    &frame,
                    findings::PAGE_FRAME_REFUSED,
                    format!("refused a frame that is not a page input: {why}"),
                );
                let error = PageOutput::Refused {
                    message: format!("Refused a frame that is not a page input: {why}"),
                };
                if !send(&mut sink, &error).await {
                    break;
                }
                continue;
            }
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
        hops.started();
        session.last_seen = Instant::now();
        let label = hops::label(&input);
        let ran = run_input(&state, &id, &mut session, input, &mut sink, &mut hops).await;
        // The replies are out; the session is written behind them.
        handover::save_later(&state, &id, &mut session);
        hops.finish(&id, &label);
        if ran.page_gone {
            break;
        }
    }
    let mut session = live.lock().await;
    session.connected = false;
    session.page = None;
    session.last_seen = Instant::now();
    if !*released.borrow() {
        handover::save(&state, &id, &mut session).await;
    }
    (ending, sink)
}

/// Resolves once the session is let go here; never when it is not registered.
async fn let_go(released: &mut tokio::sync::watch::Receiver<bool>) {
    if released.wait_for(|gone| *gone).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Hands an input from outside the page (the automation API) to a live session, exactly as
/// if the page had sent it; returns the sequence numbers of the record entries it caused.
/// Its frames for the page go through the connection's queue, or to the outbox.
pub async fn inject(
    state: &AppState,
    id: &str,
    live: &Mutex<LiveSession>,
    input: Input,
) -> Vec<usize> {
    // As a page's input does, an action waits for a reset in progress and holds the next.
    let _no_reset = state.resets.hold().await;
    let mut session = live.lock().await;
    let queue = session.page.clone();
    let sink = futures_util::sink::unfold(queue, |queue, frame: String| async move {
        match &queue {
            Some(q) if q.send(frame).is_ok() => Ok(queue),
            _ => Err(()),
        }
    });
    let mut sink = std::pin::pin!(sink);
    let first = state.inspector.next_seq(id).unwrap_or(0);
    let mut hops = Hops::new();
    run_input(state, id, &mut session, input, &mut sink, &mut hops).await;
    // Written before the action answers: a page resuming elsewhere next finds its effects.
    handover::save(state, id, &mut session).await;
    let next = state.inspector.next_seq(id).unwrap_or(first);
    (first..next).collect()
}

/// Sends a frame to a live session's page outside the engine (the automation API's page
/// instructions: navigate, select an app); kept in the outbox when no page is connected.
pub async fn instruct(state: &AppState, id: &str, live: &Mutex<LiveSession>, frame: PageOutput) {
    let mut session = live.lock().await;
    let sent = match (&session.page, serde_json::to_string(&frame)) {
        (Some(queue), Ok(text)) => queue.send(text).is_ok(),
        _ => false,
    };
    if !sent {
        session.outbox.push(frame);
        handover::save(state, id, &mut session).await;
    }
}

/// Records a refused frame, with a finding and the start of the frame.
fn refuse_frame(state: &AppState, id: &str, frame: &str, code: &'static str, why: String) {
    let start: String = frame
        .chars()
        .take(inspector::budget::PREVIEW_CHARS)
        .collect();
    let entry = LogEntry {
        flow: Flow::Host,
        message_type: None,
        message: json!({ "kind": "refusedFrame", "bytes": frame.len(), "start": start }),
        findings: vec![finding(code, why)],
    };
    state.inspector.record(id, entry);
}

/// Sends the session frame, the outbox's frames that are not posts and what the engine
/// restates; returns the outbox's posts, held for the page's first input, or `None` when the
/// page is already gone.
async fn greet<S>(
    state: &AppState,
    id: &str,
    live: &Mutex<LiveSession>,
    sink: &mut S,
    queue: mpsc::UnboundedSender<String>,
) -> Option<Vec<PageOutput>>
where
    S: Sink<String> + Unpin,
{
    let mut session = live.lock().await;
    session.connected = true;
    session.page = Some(queue);
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
            session.page = None;
            return None;
        }
    }
    // The outbox is with this connection now (the posts held for its first input among them).
    session.outbox.clone_from(&held);
    handover::save_later(state, id, &mut session);
    session.outbox.clear();
    Some(held)
}

/// A page's frame as the engine's input, or why it is not one a page may send.
fn page_input(frame: &str) -> Result<Input, String> {
    serde_json::from_str::<PageInput>(frame)
        .map(Input::from)
        .map_err(|err| err.to_string())
}

/// What running one input did.
struct Ran {
    /// The page went away while its frames were sent (they are in the outbox).
    page_gone: bool,
}

/// The type an entry is known by: the message's type, else the host input's kind
/// (`dial`, `user:endCall`).
pub fn entry_type(log: &LogEntry) -> Option<String> {
    if let Some(t) = &log.message_type {
        return Some(t.clone());
    }
    let kind = log.message.get("kind").and_then(Value::as_str)?;
    Some(match log.message.get("action").and_then(Value::as_str) {
        Some(action) => format!("{kind}:{action}"),
        None => kind.to_owned(),
    })
}

/// Hands one input to the engine and carries out everything it causes, in order: log entries
/// to the inspector, store requests to the store (their results back to the engine), frames to
/// the page, kept in the outbox once the page is gone. Store requests and posts pass the
/// fault hooks first.
async fn run_input<S>(
    state: &AppState,
    id: &str,
    session: &mut LiveSession,
    input: Input,
    sink: &mut S,
    hops: &mut Hops,
) -> Ran
where
    S: Sink<String> + Unpin,
{
    let engine_at = Instant::now();
    let mut work: VecDeque<Output> = session.engine.handle(input).into();
    hops.add(Hop::Engine, engine_at);
    let mut out = Frames::default();
    // The inspector entry of this input: the store changes it causes are attached to it, and
    // its type is what fault rules match a reply by.
    let mut cause: Option<(usize, Option<String>)> = None;
    let app_id = session.engine.config().app_id;
    let developer = hooks::developer_for(state, app_id).await;
    while let Some(output) = work.pop_front() {
        let site = Site {
            session_id: id,
            portal_id: session.portal_id,
            app_id,
            developer,
            cause: cause.as_ref().and_then(|(_, t)| t.as_deref()),
        };
        match output {
            Output::Log(entry) => {
                let recording_at = Instant::now();
                let kind = entry_type(&entry);
                if let Some(seq) = state.inspector.record(id, entry) {
                    cause = cause.or(Some((seq, kind)));
                }
                hops.add(Hop::Inspector, recording_at);
            }
            Output::Store { op, request } => {
                // What the app is owed and the bridge's commands go before the store request;
                // the page's display commands wait for the reply its result causes.
                out.flush(state, id, sink, session, hops).await;
                let seq = cause.as_ref().map(|(seq, _)| *seq);
                let more = store(state, &site, session, op, request, seq, hops).await;
                work.extend(more);
            }
            Output::Post {
                message,
                target_origin,
            } => {
                let message_type = message.get("type").and_then(Value::as_str).unwrap_or("");
                match hooks::post(state, &site, message_type).await {
                    PostFate::Drop => continue,
                    PostFate::DelayMs(ms) => {
                        // A slow reply does not hold the page's display up.
                        out.release(sink, session, hops).await;
                        out.flush(state, id, sink, session, hops).await;
                        tokio::time::sleep(Duration::from_millis(ms)).await;
                    }
                    PostFate::Send => {}
                }
                let frame = PageOutput::Post {
                    message,
                    target_origin,
                };
                out.feed(sink, session, frame, hops).await;
                out.release(sink, session, hops).await;
            }
            Output::Ui(command) => out.command(sink, session, command, hops).await,
        }
    }
    out.release(sink, session, hops).await;
    out.flush(state, id, sink, session, hops).await;
    Ran {
        page_gone: out.page_gone,
    }
}

/// Carries out one store request (or what a fault rule puts in its place), records its effect
/// on the inspector entry that caused it, and returns what the engine makes of the result.
/// Store work always finishes, page or no page, so the engine never waits for a result that
/// will not come.
async fn store(
    state: &AppState,
    site: &Site<'_>,
    session: &mut LiveSession,
    op: OpId,
    request: StoreRequest,
    cause: Option<usize>,
    hops: &mut Hops,
) -> Vec<Output> {
    let started = Instant::now();
    let (result, injected) = hooks::store(state, site, &request).await;
    hops.add(Hop::Store, started);
    if let Some(seq) = cause {
        let recording_at = Instant::now();
        let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
        let effect = inspector::Effect::new(&request, &result, duration_ms, injected);
        state
            .inspector
            .effect(site.session_id, seq, &request, &result, effect);
        hops.add(Hop::Inspector, recording_at);
    }
    let engine_at = Instant::now();
    let outputs = session.engine.handle(Input::Done { op, result });
    hops.add(Hop::Engine, engine_at);
    outputs
}

/// The frames of one input on their way to the page. Frames are fed to the sink as they come
/// and flushed together: before a store request or a delay (so what the app is owed is not
/// kept waiting) and once the input is done. The frames of one step then leave in one write.
///
/// The page's display commands ([`waits_for_reply`]) are not fed as they come: they wait for
/// the app's next post and go right after it, or with the input's last write, in their order.
/// A store request does not write them: the page would redraw the widget on the processor
/// the store and the app need, and in the thread that delivers the app's messages, while the
/// reply is on its way, which made the reply a few milliseconds later on a two-core machine
/// (bench/README.md, "The message path"). The bridge's commands (the SYNC loop, the iframe's
/// URL and size) keep their place among the posts, after the display commands before them.
///
/// The UI commands the user's other pages are told of (`handover::relay`) go out after the
/// write that carries them to this page, so the task that relays them does not start while
/// the reply is still to be written.
#[derive(Default)]
struct Frames {
    /// Fed since the last flush: the outbox's if the flush fails.
    unflushed: Vec<PageOutput>,
    /// The page went away (now or earlier in this input): frames go to the outbox.
    page_gone: bool,
    /// Display commands not fed yet (see [`Frames::release`]).
    waiting: Vec<UiCommand>,
    /// UI commands to relay once the frames fed so far are written (or kept): display
    /// commands all, so they are taken as the waiting ones are released.
    relays: Vec<UiCommand>,
}

/// Whether a UI command only changes what the page shows, and so may wait for the app's next
/// post: the call's state and its changes, the app's status, the widget's visibility, alerts.
/// The bridge's commands (they decide where and whether the app's messages go) and navigation
/// keep their place.
fn waits_for_reply(command: &UiCommand) -> bool {
    matches!(
        command,
        UiCommand::CallState { .. }
            | UiCommand::CallChanged { .. }
            | UiCommand::AppStatus { .. }
            | UiCommand::Show
            | UiCommand::Hide
            | UiCommand::Minimize
            | UiCommand::Alert { .. }
            | UiCommand::LoadFailed
    )
}

impl Frames {
    /// A UI command: a display command waits (see [`Frames::release`]), any other goes now,
    /// after the display commands before it.
    async fn command<S>(
        &mut self,
        sink: &mut S,
        session: &mut LiveSession,
        command: UiCommand,
        hops: &mut Hops,
    ) where
        S: Sink<String> + Unpin,
    {
        if waits_for_reply(&command) {
            self.waiting.push(command);
            return;
        }
        self.release(sink, session, hops).await;
        self.feed(sink, session, PageOutput::Ui(command), hops)
            .await;
    }

    /// Feeds the display commands that waited, in their order: after a post, before a delay,
    /// before another UI command, and at the input's end.
    async fn release<S>(&mut self, sink: &mut S, session: &mut LiveSession, hops: &mut Hops)
    where
        S: Sink<String> + Unpin,
    {
        for command in std::mem::take(&mut self.waiting) {
            if super::handover::relayed(&command) {
                self.relays.push(command.clone());
            }
            self.feed(sink, session, PageOutput::Ui(command), hops)
                .await;
        }
    }

    /// Feeds a frame to the page, or keeps it in the outbox when the page is gone.
    async fn feed<S>(
        &mut self,
        sink: &mut S,
        session: &mut LiveSession,
        frame: PageOutput,
        hops: &mut Hops,
    ) where
        S: Sink<String> + Unpin,
    {
        if self.page_gone {
            session.outbox.push(frame);
            return;
        }
        let sending_at = Instant::now();
        let fed = match serde_json::to_string(&frame) {
            Ok(text) => sink.feed(text).await.is_ok(),
            // Nothing in a frame fails to serialize; a frame that did would be dropped, not kept.
            Err(err) => {
                tracing::error!(error = %err, "cannot serialize a frame for the page");
                hops.add(Hop::Send, sending_at);
                return;
            }
        };
        self.unflushed.push(frame);
        if !fed {
            self.gone(session);
        }
        hops.add(Hop::Send, sending_at);
    }

    /// Sends what was fed (when the page is gone, it goes to the outbox), then relays the UI
    /// commands among it that the user's other pages are told of.
    async fn flush<S>(
        &mut self,
        state: &AppState,
        id: &str,
        sink: &mut S,
        session: &mut LiveSession,
        hops: &mut Hops,
    ) where
        S: Sink<String> + Unpin,
    {
        if !self.unflushed.is_empty() {
            let sending_at = Instant::now();
            if sink.flush().await.is_ok() {
                self.unflushed.clear();
            } else {
                self.gone(session);
            }
            hops.add(Hop::Flush, sending_at);
        }
        for command in self.relays.drain(..) {
            handover::relay(state, id, session, &command);
        }
    }

    /// The page is gone: what was fed and not flushed is kept for its next connection.
    fn gone(&mut self, session: &mut LiveSession) {
        self.page_gone = true;
        session.outbox.append(&mut self.unflushed);
    }
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
