//! The call object's `hs_call_status` as the call moves: IN_PROGRESS when answered, the end
//! status when it ends (HubSpot's names), written once the engagement exists.

use callhost_protocol::engine::*;
use serde_json::json;

use crate::common::*;

fn status_update(engagement_id: i64, status: &str) -> StoreRequest {
    let mut properties = serde_json::Map::new();
    properties.insert("hs_call_status".into(), status.into());
    StoreRequest::UpdateCall {
        engagement_id,
        properties,
    }
}

#[test]
fn an_unanswered_inbound_call_records_its_end_status() {
    // HubSpot's call statuses have no REJECTED: a declined call is logged as not answered.
    for (end_status, logged) in [
        ("REJECTED", "NO_ANSWER"),
        ("MISSED", "MISSED"),
        ("CANCELED", "CANCELED"),
    ] {
        let mut s = ready();
        incoming_call(&mut s, true);
        s.handle(done(1, OpResult::Matches { matches: vec![] }));
        s.handle(done(2, OpResult::Call { engagement_id: 5 }));
        let out = s.handle(app(msg(
            "CALL_ENDED",
            json!({"externalCallId": "in1", "callEndStatus": end_status}),
        )));
        assert_eq!(
            acts(&out),
            [
                call_state("in1", Some(5), CallPhase::Ended),
                Act::Store(3, status_update(5, logged)),
            ]
        );
        // The host's own status update is not answered to the app; the page hears of it.
        assert_eq!(
            acts(&s.handle(done(3, OpResult::Done))),
            [call_changed(5, "in1")]
        );
    }
}

#[test]
fn an_answered_call_records_in_progress_then_its_end_status() {
    let mut s = ready();
    logged_outbound_call(&mut s, 77);
    let out = s.handle(app(msg("CALL_ANSWERED", json!({"externalCallId": "c1"}))));
    assert_eq!(
        acts(&out),
        [
            call_state("c1", Some(77), CallPhase::InProgress),
            Act::Store(2, status_update(77, "IN_PROGRESS")),
        ]
    );
    assert_eq!(
        acts(&s.handle(done(2, OpResult::Done))),
        [call_changed(77, "c1")]
    );
    let out = s.handle(app(msg(
        "CALL_ENDED",
        json!({"externalCallId": "c1", "callEndStatus": "BUSY"}),
    )));
    assert_eq!(
        acts(&out),
        [
            call_state("c1", Some(77), CallPhase::Ended),
            Act::Store(3, status_update(77, "BUSY")),
        ]
    );
    assert_eq!(
        acts(&s.handle(done(3, OpResult::Done))),
        [call_changed(77, "c1")]
    );
}

#[test]
fn an_answered_call_ended_without_a_status_is_logged_completed() {
    let mut s = ready();
    logged_outbound_call(&mut s, 77);
    s.handle(app(msg("CALL_ANSWERED", json!({"externalCallId": "c1"}))));
    s.handle(done(2, OpResult::Done));
    let out = s.handle(app(msg("CALL_ENDED", json!({"externalCallId": "c1"}))));
    assert_eq!(
        acts(&out),
        [
            call_state("c1", Some(77), CallPhase::Ended),
            Act::Store(3, status_update(77, "COMPLETED")),
        ]
    );
    // Never answered and no status: the call keeps what it had.
    outbound_call(&mut s, true);
    let out = s.handle(app(msg("CALL_ENDED", json!({"externalCallId": "c1"}))));
    assert!(
        !acts(&out).iter().any(|a| matches!(a, Act::Store(..))),
        "{:?}",
        acts(&out)
    );
}

#[test]
fn an_unanswered_status_waits_for_the_engagement_being_created() {
    let mut s = ready();
    incoming_call(&mut s, true);
    s.handle(done(1, OpResult::Matches { matches: vec![] }));
    let out = s.handle(app(msg(
        "CALL_ENDED",
        json!({"externalCallId": "in1", "callEndStatus": "MISSED"}),
    )));
    assert_eq!(acts(&out).len(), 1);
    let out = s.handle(done(2, OpResult::Call { engagement_id: 5 }));
    assert!(matches!(
        acts(&out).last(),
        Some(Act::Store(
            3,
            StoreRequest::UpdateCall {
                engagement_id: 5,
                ..
            }
        ))
    ));
}
