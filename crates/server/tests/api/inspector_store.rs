//! The inspector's record in the store: it survives a restart (a new `AppState` on the same
//! store), two instances on one database see each other's sessions and a long poll on one
//! wakes for an entry the other recorded, and retention drops the oldest past each bound.

use std::time::{Duration, Instant};

use callhost_protocol::engine::{Flow, LogEntry};
use callhost_server::host::inspector::ExportFilter;
use callhost_server::AppState;
use callhost_store::inspector::InspectorLimits;
use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::TestApp;
use crate::host::config;

fn from_app(kind: &str, n: usize) -> LogEntry {
    LogEntry {
        flow: Flow::FromApp,
        message_type: Some(kind.into()),
        message: json!({"type": kind, "data": {"n": n}}),
        findings: Vec::new(),
    }
}

/// Another instance on the app's database: its own state (record, writer, sessions), serving
/// on a port of its own until the returned sender is dropped.
async fn second_instance(app: &TestApp) -> (AppState, String, tokio::sync::oneshot::Sender<()>) {
    let state = AppState::new(app.store.clone(), Some(app.dev));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(callhost_server::run(state.clone(), listener, None, async {
        let _ = stopped.await;
    }));
    (state, url, stop)
}

both_backends!(
    the_record_survives_a_restart_and_continues_its_seqs,
    |app| {
        let first = AppState::new(app.store.clone(), Some(app.dev));
        let id = "restart-1";
        first.inspector.open(id, &config(app));
        let started = LogEntry {
            message: json!({"type": "OUTGOING_CALL_STARTED",
                "data": {"externalCallId": "r-call"}}),
            ..from_app("OUTGOING_CALL_STARTED", 0)
        };
        assert_eq!(first.inspector.record(id, started), Some(0));
        for n in 1..3 {
            assert_eq!(first.inspector.record(id, from_app("PING", n)), Some(n));
        }
        first.inspector.flush().await;
        drop(first);

        let second = AppState::new(app.store.clone(), Some(app.dev));
        let only = ExportFilter {
            session_id: Some(id),
            ..ExportFilter::default()
        };
        let kept = second
            .inspector
            .export(app.dev.portal_id, &only)
            .await
            .unwrap();
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].entries.len(), 3);
        assert_eq!(kept[0].app_id, app.dev.demo_app_id);
        // Not this process's session until it adopts it; then its entries follow the stored ones.
        assert_eq!(second.inspector.record(id, from_app("PING", 9)), None);
        assert!(!second.inspector.knows_any(&[], &["r-call".into()]));
        second.inspector.adopt(id).await.unwrap();
        assert!(
            second.inspector.knows_any(&[], &["r-call".into()]),
            "an adopted session still links REST calls about its calls"
        );
        assert_eq!(second.inspector.record(id, from_app("PING", 3)), Some(3));
        let kept = second
            .inspector
            .export(app.dev.portal_id, &only)
            .await
            .unwrap();
        let seqs: Vec<usize> = kept[0].entries.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [0, 1, 2, 3]);
        // Another portal sees nothing of it.
        let other = second.inspector.export(app.dev.portal_id + 1, &only).await;
        assert!(other.unwrap().is_empty());
    }
);

both_backends!(
    two_instances_share_the_record_and_wake_each_others_long_polls,
    |app| {
        let a = &app.state;
        let (b, b_url, _stop) = second_instance(app).await;
        let id = "shared-1";
        a.inspector.open(id, &config(app));
        a.inspector.record(id, from_app("PING", 0));
        a.inspector.flush().await;
        let seen = b
            .inspector
            .export(app.dev.portal_id, &ExportFilter::default())
            .await
            .unwrap();
        let on_b = seen
            .iter()
            .find(|s| s.session_id == id)
            .expect("B sees A's session");
        assert_eq!(on_b.entries.len(), 1);

        // A long poll on B, for what comes after entry 0, is answered by A's next entry.
        let url = format!(
            "{b_url}/callhost/v1/sessions/{id}/transcript?after=0&wait=10000&hapikey={}",
            app.api_key
        );
        let started = Instant::now();
        let poll = tokio::spawn(async move {
            let response = reqwest::get(url).await.unwrap();
            assert_eq!(response.status(), 200);
            response.json::<Value>().await.unwrap()
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        a.inspector.record(id, from_app("CALL_ENDED", 1));
        let page = poll.await.unwrap();
        let waited = started.elapsed();
        assert_eq!(page["results"][0]["type"], "CALL_ENDED", "{page}");
        assert_eq!(page["results"][0]["seq"], 1);
        assert!(waited < Duration::from_secs(3), "{waited:?}");
        drop(b);
    }
);

both_backends!(retention_drops_the_oldest_past_each_bound, |app| {
    let limits = InspectorLimits {
        session_bytes: 4_000,
        session_entries: 5,
        total_bytes: 10_000,
        sessions: 3,
    };
    let state = AppState::new(app.store.clone(), Some(app.dev)).with_inspector_limits(limits);
    let portal = app.dev.portal_id;
    let only = |id: &'static str| ExportFilter {
        session_id: Some(id),
        ..ExportFilter::default()
    };
    // Entries: the sixth pushes the first out.
    state.inspector.open("r-count", &config(app));
    for n in 0..6 {
        state.inspector.record("r-count", from_app("PING", n));
    }
    let kept = &state
        .inspector
        .export(portal, &only("r-count"))
        .await
        .unwrap()[0];
    let seqs: Vec<usize> = kept.entries.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [1, 2, 3, 4, 5]);
    assert_eq!(kept.dropped_entries, 1);

    // Bytes: entries of about 1 KB, at most 4,000 bytes in a session.
    tokio::time::sleep(Duration::from_millis(2)).await;
    state.inspector.open("r-bytes", &config(app));
    let filler = "b".repeat(800);
    for n in 0..4 {
        let log = LogEntry {
            message: json!({"type": "CALL_DATA", "data": {"n": n, "filler": filler}}),
            ..from_app("CALL_DATA", n)
        };
        state.inspector.record("r-bytes", log);
    }
    let kept = &state
        .inspector
        .export(portal, &only("r-bytes"))
        .await
        .unwrap()[0];
    assert!(kept.dropped_entries >= 1, "{}", kept.dropped_entries);
    assert_eq!(kept.entries.last().unwrap().seq, 3, "the newest stays");

    // Sessions: a fourth and fifth push the oldest out.
    for id in ["r-3", "r-4"] {
        tokio::time::sleep(Duration::from_millis(2)).await;
        state.inspector.open(id, &config(app));
        state.inspector.record(id, from_app("PING", 0));
    }
    let all = state
        .inspector
        .export(portal, &ExportFilter::default())
        .await
        .unwrap();
    let ids: Vec<&str> = all.iter().map(|s| s.session_id.as_str()).collect();
    assert_eq!(ids, ["r-bytes", "r-3", "r-4"]);
});
