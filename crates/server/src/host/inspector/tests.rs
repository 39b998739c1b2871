//! The record's rules: REST calls join the right session, and the byte budget holds.

use super::*;
use callhost_protocol::engine::IframeLocation;
use serde_json::json;

fn config(portal_id: i64) -> SessionConfig {
    SessionConfig {
        host_url: "http://127.0.0.1:8080".into(),
        portal_id,
        user_id: 1,
        owner_id: 2,
        app_id: 3,
        app_url: "http://127.0.0.1:9000/".into(),
        allowed_origins: Vec::new(),
        iframe_location: IframeLocation::Widget,
        uses_calling_window: false,
        engagement_id: None,
        legacy_engagement_created: false,
    }
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

/// A REST call joins the session whose call it touched (found through the engagement the
/// session created), at the time it was made, and only in its own portal.
#[test]
fn rest_calls_join_the_session_of_their_call_in_time_order() {
    let inspector = Inspector::default();
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
    std::thread::sleep(std::time::Duration::from_millis(5));
    let ended = from_app(json!({"type": "CALL_ENDED", "data": {"externalCallId": "x-1"}}));
    inspector.record("a", ended);
    inspector.record_rest(&rest(10, vec![77]), made);
    inspector.record_rest(&rest(20, vec![77]), made);
    inspector.record_rest(&rest(10, vec![78]), made);

    let a = inspector.export(10, &ExportFilter::default());
    let flows: Vec<_> = a[0].entries.iter().map(|e| e.log.flow).collect();
    assert_eq!(flows, [Flow::FromApp, Flow::Rest, Flow::FromApp]);
    let entry = &a[0].entries[1];
    assert_eq!(entry.external_call_id.as_deref(), Some("x-1"));
    assert_eq!(entry.seq, 2, "sequence numbers stay unique");
    let only_b = ExportFilter {
        session_id: Some("b"),
        ..ExportFilter::default()
    };
    assert!(
        inspector.export(20, &only_b)[0].entries.is_empty(),
        "another portal's request is not shown"
    );
    let json = serde_json::to_value(&a[0].entries[1]).unwrap();
    assert_eq!(json["flow"], "rest");
    assert_eq!(json["rest"]["engagementIds"], json!([77]));
}

/// A payload past the limit is kept as a marker, and a session over its byte budget drops
/// its oldest entries (counted), so a hundred 1 MiB messages cost kilobytes, not 100 MiB.
#[test]
fn the_record_is_capped_by_bytes() {
    let inspector = Inspector::default();
    inspector.open("a", &config(10));
    let huge = "x".repeat(1024 * 1024);
    for _ in 0..100 {
        inspector.record("a", from_app(json!({"type": "CALL_DATA", "data": huge})));
    }
    assert!(inspector.bytes() < 100 * 1024, "{}", inspector.bytes());
    let a = &inspector.export(10, &ExportFilter::default())[0];
    assert_eq!(a.entries.len(), 100);
    assert!(budget::is_truncated(&a.entries[0].log.message));
    assert_eq!(a.entries[0].log.message_type.as_deref(), Some("CALL_DATA"));

    // Entries just under the payload limit fill the session's budget: the oldest go.
    let big = "y".repeat(budget::MAX_PAYLOAD_BYTES - 100);
    for _ in 0..(budget::MAX_SESSION_BYTES / budget::MAX_PAYLOAD_BYTES + 20) {
        inspector.record("a", from_app(json!({"type": "CALL_DATA", "data": big})));
    }
    let a = &inspector.export(10, &ExportFilter::default())[0];
    assert!(a.dropped_entries > 100, "{}", a.dropped_entries);
    assert!(inspector.bytes() <= budget::MAX_SESSION_BYTES);
    assert!(!budget::is_truncated(
        &a.entries.last().unwrap().log.message
    ));
}

/// Past the total budget, the oldest sessions go whole.
#[test]
fn the_oldest_sessions_go_past_the_total_budget() {
    let inspector = Inspector::default();
    let big = "z".repeat(budget::MAX_PAYLOAD_BYTES - 100);
    let per_session = budget::MAX_SESSION_BYTES / budget::MAX_PAYLOAD_BYTES;
    let sessions = budget::MAX_TOTAL_BYTES / budget::MAX_SESSION_BYTES + 3;
    for n in 0..sessions {
        let id = format!("s{n}");
        inspector.open(&id, &config(10));
        for _ in 0..per_session {
            inspector.record(&id, from_app(json!({"type": "CALL_DATA", "data": big})));
        }
    }
    assert!(inspector.bytes() <= budget::MAX_TOTAL_BYTES);
    let kept = inspector.export(10, &ExportFilter::default());
    assert!(kept.len() < sessions);
    assert_eq!(
        kept.last().unwrap().session_id,
        format!("s{}", sessions - 1)
    );
    assert_ne!(kept[0].session_id, "s0");
}
