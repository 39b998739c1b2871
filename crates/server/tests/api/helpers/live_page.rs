//! A host page connected to a widget session of the running server, without a browser: the
//! test plays the page (and the app behind it) by sending frames, and reads what the server
//! sent back. The session lives in the server's own state, so the automation API drives the
//! same session the "page" is connected to.

use std::sync::{Arc, Mutex};

use callhost_protocol::engine::{Session, SessionConfig};
use callhost_server::host::widget_socket;
use futures_util::stream;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use callhost_server::AppState;

use super::TestApp;

/// A sink that keeps every frame the server sends to the page, parsed.
pub fn recording_sink(
    seen: Arc<Mutex<Vec<Value>>>,
) -> impl futures_util::Sink<String, Error = std::convert::Infallible> {
    futures_util::sink::unfold((), move |(), frame: String| {
        let seen = seen.clone();
        async move {
            seen.lock()
                .unwrap()
                .push(serde_json::from_str(&frame).unwrap());
            Ok(())
        }
    })
}

/// A page's connection to session `id` on `state`: frames in through `frames`, every frame
/// out kept in `seen`; it lasts until `frames` is dropped, and `task` ends with it.
pub struct Connection {
    pub frames: mpsc::UnboundedSender<String>,
    pub seen: Arc<Mutex<Vec<Value>>>,
    pub task: tokio::task::JoinHandle<()>,
}

/// Connects a page to session `id` on `state`, as the host socket does.
pub fn connect(
    state: &AppState,
    id: &str,
    live: Arc<tokio::sync::Mutex<widget_socket::LiveSession>>,
) -> Connection {
    let (frames, incoming) = mpsc::unbounded_channel::<String>();
    let stream = stream::unfold(incoming, |mut incoming| async move {
        incoming.recv().await.map(|frame| (frame, incoming))
    });
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = recording_sink(seen.clone());
    let (state, id) = (state.clone(), id.to_owned());
    let task = tokio::spawn(async move {
        let _ = widget_socket::drive(state, id, live, Box::pin(sink), Box::pin(stream)).await;
    });
    Connection { frames, seen, task }
}

pub struct LivePage {
    pub id: String,
    pub origin: String,
    frames: mpsc::UnboundedSender<String>,
    seen: Arc<Mutex<Vec<Value>>>,
    _task: tokio::task::JoinHandle<()>,
}

impl LivePage {
    /// Opens a session with `config` for the development user and connects a page to it.
    pub fn open(app: &TestApp, config: SessionConfig) -> LivePage {
        let origin = callhost_protocol::engine::origin::origin_or_trimmed(&config.app_url);
        let state = app.state.clone();
        let (id, live) = state.sessions.open(
            Session::new(config.clone()),
            config.portal_id,
            config.user_id,
        );
        state.inspector.open(&id, &config);
        let Connection { frames, seen, task } = connect(&state, &id, live);
        LivePage {
            id,
            origin,
            frames,
            seen,
            _task: task,
        }
    }

    /// Sends a page frame.
    pub fn send(&self, frame: Value) {
        self.frames.send(frame.to_string()).unwrap();
    }

    /// The app posts a message (the page accepted it).
    pub fn app(&self, message_type: &str, message_id: &str, data: Value) {
        self.send(json!({"kind": "app", "origin": self.origin,
            "message": {"type": message_type, "messageId": message_id, "data": data}}));
    }

    /// The iframe loads, the handshake finishes and the app initializes (`logged_in` or not).
    pub fn ready(&self, logged_in: bool) {
        self.send(json!({"kind": "loaded"}));
        self.send(
            json!({"kind": "app", "origin": self.origin, "message": {"type": "SYNC_ACK",
            "messageId": "h-sync-1", "iFrameUrl": self.origin, "version": "0.9.7"}}),
        );
        self.app("INITIALIZED", "1_1", json!({"isLoggedIn": logged_in}));
    }

    /// Every frame the server sent the page so far.
    pub fn seen(&self) -> Vec<Value> {
        self.seen.lock().unwrap().clone()
    }

    /// The messages of type `kind` posted to the app so far.
    pub fn posted(&self, kind: &str) -> Vec<Value> {
        self.seen()
            .into_iter()
            .filter(|f| f["kind"] == "post" && f["message"]["type"] == kind)
            .map(|f| f["message"].clone())
            .collect()
    }
}
