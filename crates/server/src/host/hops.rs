//! Where the time of one widget-socket input goes, hop by hop: waiting for its turn (the
//! reset gate and the session's lock), the engine, the store, the inspector's record and
//! sending frames to the page. `widget_socket` times each hop of every input and logs the
//! sums once the input's work is done, as one debug event of this module's target
//! (`CALLHOST_LOG=callhost_server::host::hops=debug`); `e2e/bench/host.mjs --hops` reads them.
//!
//! The event also says when the input's frame was read on the wall clock (`read_unix_ms`), so
//! that a page on the same machine can split its own "sent to reply received" into the
//! WebSocket's two ways and the server's share. The last write is timed from when it began
//! (`writing_ms`) as well as when it returned (`written_ms`): on a busy machine the writer
//! may wait for the processor after its bytes are already on their way to the page.
//!
//! Timing costs a few clock reads an input; nothing is logged unless the target is enabled.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use callhost_protocol::engine::{Input, PageInput};
use serde_json::Value;

/// The hop a stretch of an input's time is spent in.
#[derive(Debug, Clone, Copy)]
pub enum Hop {
    Engine,
    Store,
    Inspector,
    /// Feeding one frame to the socket.
    Send,
    /// Writing the frames fed so far.
    Flush,
}

/// The time one input has spent so far, by hop, from when its frame was read.
#[derive(Debug)]
pub struct Hops {
    read_at: Instant,
    started_at: Option<Instant>,
    engine: Duration,
    store: Duration,
    inspector: Duration,
    send: Duration,
    store_requests: u32,
    frames: u32,
    writes: u32,
    /// When the last write of frames began, and when it finished.
    writing_at: Option<Instant>,
    written_at: Option<Instant>,
}

impl Hops {
    /// Starts timing an input whose frame was just read.
    pub fn new() -> Self {
        Hops {
            read_at: Instant::now(),
            started_at: None,
            engine: Duration::ZERO,
            store: Duration::ZERO,
            inspector: Duration::ZERO,
            send: Duration::ZERO,
            store_requests: 0,
            frames: 0,
            writes: 0,
            writing_at: None,
            written_at: None,
        }
    }

    /// The input's turn has come (the session is locked): what went before was waiting.
    pub fn started(&mut self) {
        self.started_at = Some(Instant::now());
    }

    /// Adds the time since `since` to `hop`.
    pub fn add(&mut self, hop: Hop, since: Instant) {
        let spent = since.elapsed();
        match hop {
            Hop::Engine => self.engine += spent,
            Hop::Store => {
                self.store += spent;
                self.store_requests += 1;
            }
            Hop::Inspector => self.inspector += spent,
            Hop::Send => {
                self.send += spent;
                self.frames += 1;
            }
            Hop::Flush => {
                self.send += spent;
                self.writes += 1;
                self.writing_at = Some(since);
                self.written_at = Some(Instant::now());
            }
        }
    }

    /// Logs the sums for `input` of session `id`.
    pub fn finish(&self, id: &str, input: &str) {
        if !tracing::enabled!(tracing::Level::DEBUG) {
            return;
        }
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let started = self.started_at.unwrap_or(self.read_at);
        // `read_at` on the wall clock, worked out only when the line is logged.
        let read_unix = SystemTime::now()
            .checked_sub(self.read_at.elapsed())
            .unwrap_or(UNIX_EPOCH)
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        tracing::debug!(
            session.id = %id,
            input = %input,
            read_unix_ms = ms(read_unix),
            wait_ms = ms(started - self.read_at),
            engine_ms = ms(self.engine),
            store_ms = ms(self.store),
            store.requests = self.store_requests,
            inspector_ms = ms(self.inspector),
            send_ms = ms(self.send),
            frames = self.frames,
            writes = self.writes,
            writing_ms = ms(self.writing_at.unwrap_or(self.read_at) - self.read_at),
            written_ms = ms(self.written_at.unwrap_or(self.read_at) - self.read_at),
            total_ms = ms(self.read_at.elapsed()),
            "input carried out"
        );
    }
}

impl Default for Hops {
    fn default() -> Self {
        Self::new()
    }
}

/// What an input is called in the hop log: the app message's type, else the input's kind.
pub fn label(input: &Input) -> String {
    match input {
        Input::Page(PageInput::App { message, .. }) => message
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("app")
            .to_owned(),
        Input::Page(PageInput::Loaded) => "loaded".to_owned(),
        Input::Page(PageInput::Dropped { .. }) => "dropped".to_owned(),
        Input::Page(PageInput::SyncFailed) => "syncFailed".to_owned(),
        Input::Page(PageInput::Dial(_)) => "dial".to_owned(),
        Input::Page(PageInput::User(_)) => "user".to_owned(),
        _ => "other".to_owned(),
    }
}
