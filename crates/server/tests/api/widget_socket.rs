//! The widget-session WebSocket's boundary and its end: a page frame that is not a page input
//! (a store result) never reaches the engine, and a server shutdown ends every live socket
//! promptly, with a close frame, instead of leaving it open or holding the server up. A bus
//! that may have missed events (a resync, or a subscriber that fell behind) keeps the sessions
//! this instance owns.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use callhost_protocol::engine::Session;
use callhost_server::host::inspector::ExportFilter;
use callhost_server::host::widget_socket;
use callhost_server::{AppState, Shutdown};
use futures_util::stream;
use reqwest::cookie::CookieStore;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};

use crate::both_backends;
use crate::helpers::live_page::recording_sink;
use crate::helpers::{spawn_app, Backend};
use crate::host::config;

both_backends!(
    a_resync_of_the_bus_keeps_the_sessions_this_instance_owns,
    |app| {
        let (portal, user) = (app.dev.portal_id, app.dev.user_id);
        let (id, _live) = callhost_server::host::handover::open(
            &app.state,
            Session::new(config(app)),
            portal,
            user,
        )
        .await;
        // What the bus delivers when it may have missed events; a subscriber that falls behind
        // checks the sessions the same way. On SQLite, whose sessions are not in the store, the
        // check once let every live session go.
        app.state
            .bus
            .publish(callhost_store::Event::Resync)
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            app.state.sessions.get(&id).is_some(),
            "the session was let go on a resync"
        );
    }
);

both_backends!(a_page_frame_that_is_a_store_result_is_refused, |app| {
    let state = AppState::new(app.store.clone(), Some(app.dev));
    let config = config(app);
    let (id, live) = state.sessions.open(
        Session::new(config.clone()),
        app.dev.portal_id,
        app.dev.user_id,
    );
    state.inspector.open(&id, &config);
    // A forged result for the first store request a session makes (op 1), a frame that is no
    // JSON at all, then a real input.
    let frames = vec![
        json!({"kind": "done", "op": 1, "result": {"result": "call", "engagementId": 1}})
            .to_string(),
        "{not json".to_owned(),
        json!({"kind": "loaded"}).to_string(),
    ];
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (ending, _) = widget_socket::drive(
        state.clone(),
        id.clone(),
        live,
        Box::pin(recording_sink(seen.clone())),
        stream::iter(frames),
    )
    .await;
    assert_eq!(ending, widget_socket::Ending::Closed);
    // The page heard its session frame, a `refused` frame for each bad frame, and the answer
    // to `loaded`.
    let heard: Vec<(Value, Value)> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|f| (f["kind"].clone(), f["command"].clone()))
        .collect();
    assert_eq!(
        heard,
        [
            (json!("session"), Value::Null),
            (json!("refused"), Value::Null),
            (json!("refused"), Value::Null),
            (json!("ui"), json!("startSync"))
        ]
    );
    // The engine saw `loaded` alone: a `done` it had been handed would be in its log (with an
    // unknown-op finding). Each refused frame is in the record with its finding.
    let filter = ExportFilter {
        session_id: Some(&id),
        ..ExportFilter::default()
    };
    let record = serde_json::to_value(
        state
            .inspector
            .export(app.dev.portal_id, &filter)
            .await
            .unwrap(),
    )
    .unwrap();
    let host: Vec<&Value> = record[0]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["flow"] == "host")
        .collect();
    let kinds: Vec<&Value> = host.iter().map(|e| &e["message"]["kind"]).collect();
    assert_eq!(
        kinds,
        [
            &json!("refusedFrame"),
            &json!("refusedFrame"),
            &json!("loaded")
        ]
    );
    for refused in &host[..2] {
        assert_eq!(
            refused["findings"][0]["code"], "page-frame-refused",
            "{refused}"
        );
    }
    assert!(host[0]["message"]["start"]
        .as_str()
        .unwrap()
        .contains("\"done\""));
});

// A frame over the limit ends the connection (the socket layer closes it with 1009) and the
// record says why; nothing of it reaches the engine.
both_backends!(
    a_page_frame_over_the_limit_ends_the_connection_with_a_finding,
    |app| {
        let state = AppState::new(app.store.clone(), Some(app.dev));
        let config = config(app);
        let (id, live) = state.sessions.open(
            Session::new(config.clone()),
            app.dev.portal_id,
            app.dev.user_id,
        );
        state.inspector.open(&id, &config);
        let huge = json!({"kind": "app", "origin": "https://app.example",
        "message": {"type": "CALL_DATA", "data": "x".repeat(widget_socket::MAX_FRAME_BYTES)}});
        let frames = vec![huge.to_string(), json!({"kind": "loaded"}).to_string()];
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (ending, _) = widget_socket::drive(
            state.clone(),
            id.clone(),
            live,
            Box::pin(recording_sink(seen.clone())),
            stream::iter(frames),
        )
        .await;
        assert_eq!(ending, widget_socket::Ending::TooLarge);
        assert_eq!(seen.lock().unwrap().len(), 1, "only the session frame");
        let filter = ExportFilter {
            session_id: Some(&id),
            ..ExportFilter::default()
        };
        let record = serde_json::to_value(
            state
                .inspector
                .export(app.dev.portal_id, &filter)
                .await
                .unwrap(),
        )
        .unwrap();
        let entries = record[0]["entries"].as_array().unwrap();
        assert_eq!(entries.len(), 1, "{entries:?}");
        assert_eq!(entries[0]["findings"][0]["code"], "page-frame-too-large");
        assert!(
            entries[0].to_string().len() < 4096,
            "the record keeps a preview, not the frame"
        );
    }
);

both_backends!(a_live_socket_loop_ends_when_the_server_shuts_down, |app| {
    let mut state = AppState::new(app.store.clone(), Some(app.dev));
    let (fire, fired) = oneshot::channel::<()>();
    state.shutdown = Shutdown::on(async {
        let _ = fired.await;
    });
    let (id, live) = state.sessions.open(
        Session::new(config(app)),
        app.dev.portal_id,
        app.dev.user_id,
    );
    // The page keeps its socket open: its stream of frames never ends by itself.
    let (page, frames) = mpsc::unbounded_channel::<String>();
    let frames = stream::unfold(frames, |mut frames| async move {
        frames.recv().await.map(|frame| (frame, frames))
    });
    let seen = Arc::new(Mutex::new(Vec::new()));
    let connection = tokio::spawn(widget_socket::drive(
        state.clone(),
        id.clone(),
        live.clone(),
        Box::pin(recording_sink(seen.clone())),
        Box::pin(frames),
    ));
    page.send(json!({"kind": "loaded"}).to_string()).unwrap();
    for _ in 0..200 {
        if seen.lock().unwrap().len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(seen.lock().unwrap().len(), 2, "the loop is running");
    assert!(!connection.is_finished());
    fire.send(()).unwrap();
    let _ = tokio::time::timeout(Duration::from_secs(2), connection)
        .await
        .expect("the loop ends promptly on shutdown")
        .unwrap();
    // The session is left for its page to resume (on a server that is still up), as after a
    // dropped connection.
    let resumed = state
        .sessions
        .resume(&id, app.dev.portal_id, app.dev.user_id)
        .expect("the session is kept");
    assert!(Arc::ptr_eq(&resumed, &live));
    drop(page);
});

/// A real `callhost serve` with a host page's WebSocket open: stopping the server closes the
/// socket with a close frame, and the server stops without waiting for the page.
#[tokio::test]
async fn stopping_the_server_closes_open_widget_sockets() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    // Signed in as a host page is, on loopback; its session cookie goes with the upgrade.
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let browser = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .build()
        .unwrap();
    let list = format!(
        "{}/contacts/{}/objects/0-1/views/all/list",
        app.url, app.dev.portal_id
    );
    assert_eq!(browser.get(&list).send().await.unwrap().status(), 200);
    let cookie = jar.cookies(&app.url.parse().unwrap()).expect("signed in");
    let cookie = cookie.to_str().unwrap();
    let host = app.url.trim_start_matches("http://").to_owned();
    let mut socket = tokio::net::TcpStream::connect(&host).await.unwrap();
    let upgrade = format!(
        "GET /host/ws?appId={}&url=http%3A%2F%2F127.0.0.1%3A9999%2Fapp HTTP/1.1\r\nHost: {host}\r\nOrigin: {}\r\nCookie: {cookie}\r\n\
         Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
        app.dev.demo_app_id, app.url
    );
    socket.write_all(upgrade.as_bytes()).await.unwrap();
    let mut received = Vec::new();
    let mut chunk = [0u8; 4096];
    // The 101 answer and the session frame.
    let head_end = loop {
        let read = tokio::time::timeout(Duration::from_secs(5), socket.read(&mut chunk)).await;
        let n = read
            .unwrap_or_else(|_| panic!("no session frame: {}", String::from_utf8_lossy(&received)))
            .unwrap();
        assert!(n > 0, "closed before upgrading");
        received.extend_from_slice(&chunk[..n]);
        if let Some(at) = received.windows(4).position(|w| w == b"\r\n\r\n") {
            if frames(&received[at + 4..]).iter().any(|(op, _)| *op == 1) {
                break at + 4;
            }
        }
    };
    assert!(
        received.starts_with(b"HTTP/1.1 101"),
        "{}",
        String::from_utf8_lossy(&received)
    );
    let first = frames(&received[head_end..]);
    let session: Value = serde_json::from_slice(&first[0].1).unwrap();
    assert_eq!(session["kind"], "session");

    tokio::time::timeout(Duration::from_secs(5), app.finish())
        .await
        .expect("the server stops while a host page is connected");
    // The socket was closed by the server: a close frame, then the end of the stream.
    tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let n = socket.read(&mut chunk).await.unwrap_or(0);
            if n == 0 {
                break;
            }
            received.extend_from_slice(&chunk[..n]);
        }
    })
    .await
    .expect("the socket ends");
    let opcodes: Vec<u8> = frames(&received[head_end..])
        .into_iter()
        .map(|(op, _)| op)
        .collect();
    assert_eq!(opcodes.last(), Some(&8), "{opcodes:?}");
}

/// The complete server frames (unmasked) in `bytes`: opcode and payload.
fn frames(mut bytes: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    while bytes.len() >= 2 {
        let opcode = bytes[0] & 0x0f;
        let (len, header) = match bytes[1] & 0x7f {
            126 if bytes.len() >= 4 => (u16::from_be_bytes([bytes[2], bytes[3]]) as usize, 4),
            127 if bytes.len() >= 10 => {
                let mut len = [0u8; 8];
                len.copy_from_slice(&bytes[2..10]);
                (u64::from_be_bytes(len) as usize, 10)
            }
            126 | 127 => break,
            len => (len as usize, 2),
        };
        if bytes.len() < header + len {
            break;
        }
        out.push((opcode, bytes[header..header + len].to_vec()));
        bytes = &bytes[header + len..];
    }
    out
}
