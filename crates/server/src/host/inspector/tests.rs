//! The record's rules: REST calls join the right session, retention holds, and a full queue
//! degrades to a marker. On SQLite here; `tests/api/inspector_store.rs` covers both backends.

use std::sync::Arc;

use super::*;
use callhost_protocol::engine::{Flow, SessionConfig};
use serde_json::json;

async fn store() -> (Arc<dyn Store>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("record.db").display());
    (callhost_store::connect(&url).await.unwrap(), dir)
}

fn config(portal_id: i64) -> SessionConfig {
    crate::host::test_session_config(portal_id, 1)
}

fn from_app(message: serde_json::Value) -> LogEntry {
    LogEntry {
        flow: Flow::FromApp,
        message_type: message["type"].as_str().map(String::from),
        message,
        findings: Vec::new(),
    }
}

fn rest(portal_id: i64, engagement_ids: Vec<i64>) -> RestCall {
    RestCall {
        method: "PATCH".into(),
        path: "/crm/v3/objects/calls/77".into(),
        status: 200,
        duration_ms: 1.0,
        portal_id,
        engagement_ids,
        external_call_ids: Vec::new(),
        injected: None,
    }
}

async fn all(inspector: &Inspector, portal_id: i64) -> Vec<SessionRecord> {
    inspector
        .export(portal_id, &ExportFilter::default())
        .await
        .unwrap()
}

async fn total_bytes(inspector: &Inspector) -> usize {
    let sessions = inspector.sessions(&Default::default()).await.unwrap();
    let ids: Vec<String> = sessions
        .iter()
        .map(|r| r.session.session_id.clone())
        .collect();
    let entries = inspector.entries(&ids, None, None).await.unwrap();
    entries.iter().map(|(_, e)| e.bytes).sum()
}

/// A REST call joins the session whose call it touched (found through the engagement the
/// session created), at the time it was made, and only in its own portal.
#[tokio::test]
async fn rest_calls_join_the_session_of_their_call_in_time_order() {
    let (store, _dir) = store().await;
    let inspector = Inspector::new(store, InspectorLimits::default());
    inspector.open("a", &config(10));
    inspector.open("b", &config(20));
    let started =
        from_app(json!({"type": "OUTGOING_CALL_STARTED", "data": {"externalCallId": "x-1"}}));
    let seq = inspector.record("a", started).unwrap();
    let create = StoreRequest::CreateCall {
        app_id: 3,
        external_call_id: "x-1".into(),
        properties: Default::default(),
        associate: None,
        called_number: None,
    };
    let result = OpResult::Call { engagement_id: 77 };
    let effect = Effect::new(&create, &result, 0.5, false);
    inspector.effect("a", seq, &create, &result, effect);
    assert!(inspector.knows_any(&[77], &[]));
    assert!(!inspector.knows_any(&[78], &["other".into()]));

    // Made before the next message arrived, recorded after it (as the layer does).
    let made = Instant::now();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let ended = from_app(json!({"type": "CALL_ENDED", "data": {"externalCallId": "x-1"}}));
    inspector.record("a", ended);
    inspector.record_rest(&rest(10, vec![77]), made);
    inspector.record_rest(&rest(20, vec![77]), made);
    inspector.record_rest(&rest(10, vec![78]), made);

    let a = all(&inspector, 10).await;
    let flows: Vec<_> = a[0].entries.iter().map(|e| e.log.flow).collect();
    assert_eq!(flows, [Flow::FromApp, Flow::Rest, Flow::FromApp]);
    assert_eq!(a[0].entries[0].effects.len(), 1, "the effect is kept");
    let entry = &a[0].entries[1];
    assert_eq!(entry.external_call_id.as_deref(), Some("x-1"));
    assert_eq!(entry.seq, 2, "sequence numbers stay unique");
    let only_b = ExportFilter {
        session_id: Some("b"),
        ..ExportFilter::default()
    };
    let b = inspector.export(20, &only_b).await.unwrap();
    assert!(
        b[0].entries.is_empty(),
        "another portal's request is not shown"
    );
    let json = serde_json::to_value(&a[0].entries[1]).unwrap();
    assert_eq!(json["flow"], "rest");
    assert_eq!(json["rest"]["engagementIds"], json!([77]));

    // A store change that comes after its entry was written reaches the stored entry.
    let update = StoreRequest::UpdateCall {
        engagement_id: 77,
        properties: Default::default(),
    };
    let done = OpResult::Done;
    inspector.effect(
        "a",
        seq,
        &update,
        &done,
        Effect::new(&update, &done, 0.1, false),
    );
    let a = all(&inspector, 10).await;
    assert_eq!(a[0].entries[0].effects.len(), 2);
}

/// A payload past the limit is kept as a marker, and a session over its byte budget drops
/// its oldest entries (counted), so a hundred 1 MiB messages cost kilobytes, not 100 MiB.
#[tokio::test]
async fn the_record_is_capped_by_bytes() {
    let (store, _dir) = store().await;
    let limits = InspectorLimits::default();
    let inspector = Inspector::new(store, limits);
    inspector.open("a", &config(10));
    let huge = "x".repeat(1024 * 1024);
    for _ in 0..100 {
        inspector.record("a", from_app(json!({"type": "CALL_DATA", "data": huge})));
    }
    assert!(total_bytes(&inspector).await < 100 * 1024);
    let a = &all(&inspector, 10).await[0];
    assert_eq!(a.entries.len(), 100);
    assert!(budget::is_truncated(&a.entries[0].log.message));
    assert_eq!(a.entries[0].log.message_type.as_deref(), Some("CALL_DATA"));

    // Entries just under the payload limit fill the session's budget: the oldest go.
    let big = "y".repeat(budget::MAX_PAYLOAD_BYTES - 100);
    let per_session = limits.session_bytes as usize / budget::MAX_PAYLOAD_BYTES;
    for _ in 0..(per_session + 20) {
        inspector.record("a", from_app(json!({"type": "CALL_DATA", "data": big})));
    }
    let a = &all(&inspector, 10).await[0];
    assert!(a.dropped_entries > 100, "{}", a.dropped_entries);
    assert_eq!(a.entries[0].seq, a.dropped_entries, "the oldest went first");
    assert!(total_bytes(&inspector).await <= limits.session_bytes as usize);
    assert!(!budget::is_truncated(
        &a.entries.last().unwrap().log.message
    ));
}

/// Past the total budget (or the number of sessions), the oldest sessions go whole.
#[tokio::test]
async fn the_oldest_sessions_go_past_the_total_budget() {
    let (store, _dir) = store().await;
    let limits = InspectorLimits {
        session_bytes: 64 * 1024,
        total_bytes: 256 * 1024,
        sessions: 6,
        ..InspectorLimits::default()
    };
    let inspector = Inspector::new(store, limits);
    let big = "z".repeat(4 * 1024);
    for n in 0..8 {
        let id = format!("s{n}");
        inspector.open(&id, &config(10));
        for _ in 0..15 {
            inspector.record(&id, from_app(json!({"type": "CALL_DATA", "data": big})));
        }
        // Sessions are told apart by when they began.
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    assert!(total_bytes(&inspector).await <= limits.total_bytes as usize);
    let kept = all(&inspector, 10).await;
    assert!(kept.len() < 8 && kept.len() <= 6, "{}", kept.len());
    assert_eq!(kept.last().unwrap().session_id, "s7");
    assert_ne!(kept[0].session_id, "s0");

    // The count of sessions is a bound of its own.
    for n in 8..16 {
        inspector.open(&format!("s{n}"), &config(10));
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    let kept = all(&inspector, 10).await;
    assert_eq!(kept.len(), 6);
    assert_eq!(kept[0].session_id, "s10");
}

/// When the writer falls behind, the queue stops at its bound: recording refuses (and counts)
/// the entries past it without waiting, and the next entry that fits follows a marker saying
/// how many went, so seqs stay dense.
#[tokio::test]
async fn a_full_queue_drops_to_a_marker_without_blocking() {
    let (store, _dir) = store().await;
    let inspector = Inspector::with_queue(store, InspectorLimits::default(), 5);
    inspector.open("a", &config(10));
    let paused = inspector.pause_writer().await;
    let seqs: Vec<Option<usize>> = (0..8)
        .map(|n| inspector.record("a", from_app(json!({"type": "PING", "data": {"n": n}}))))
        .collect();
    assert_eq!(
        seqs,
        [
            Some(0),
            Some(1),
            Some(2),
            Some(3),
            Some(4),
            None,
            None,
            None
        ]
    );
    assert_eq!(inspector.next_seq("a"), Some(5));
    drop(paused);
    inspector.flush().await;
    let next = inspector.record("a", from_app(json!({"type": "PING", "data": {"n": 8}})));
    assert_eq!(next, Some(6), "the marker took seq 5");
    let a = &all(&inspector, 10).await[0];
    let seqs: Vec<usize> = a.entries.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [0, 1, 2, 3, 4, 5, 6]);
    assert_eq!(
        a.entries[5].log.message,
        json!({"kind": "inspectorDropped", "entries": 3})
    );
}

/// A REST call sent on the bus fits NOTIFY's payload however long its path and ids are, and
/// keeps what links it to a session; one with no id left is not sent.
#[test]
fn a_rest_call_for_the_bus_fits_the_payload_and_keeps_an_id() {
    let rest = RestCall {
        method: "POST".into(),
        path: format!("/crm/v3/objects/calls/batch/{}", "é".repeat(5_000)),
        status: 200,
        duration_ms: 1.5,
        portal_id: 7,
        engagement_ids: (1..=100).collect(),
        external_call_ids: (0..100)
            .map(|i| format!("{i}-{}", "x".repeat(200)))
            .collect(),
        injected: Some(json!({"faultId": "f-1", "on": format!("POST /{}", "y".repeat(9_000))})),
    };
    let value = rest_for_bus(&rest).expect("sent");
    let event = callhost_store::Delivery {
        from: "i-0123456789ab".into(),
        event: callhost_store::Event::RestCall {
            call: value.clone(),
            arrived_ms: 1_767_225_600_000,
        },
    };
    let payload = serde_json::to_string(&event).unwrap();
    assert!(
        payload.len() <= callhost_store::bus::MAX_PAYLOAD_BYTES,
        "{} bytes",
        payload.len()
    );
    let back: RestCall = serde_json::from_value(value).unwrap();
    assert!(back.path.len() < 1100 && back.path.ends_with('…'));
    assert_eq!(
        back.engagement_ids, rest.engagement_ids,
        "short ids all stay"
    );
    assert_eq!(back.external_call_ids[0], rest.external_call_ids[0]);
    assert!(back.external_call_ids.len() < 100);

    let small = RestCall {
        path: "/crm/v3/objects/calls/12".into(),
        engagement_ids: vec![12],
        external_call_ids: Vec::new(),
        injected: None,
        ..rest
    };
    let back: RestCall = serde_json::from_value(rest_for_bus(&small).unwrap()).unwrap();
    assert_eq!(
        (back.path.as_str(), back.engagement_ids),
        ("/crm/v3/objects/calls/12", vec![12])
    );
}
