//! `ui:callChanged`: the page hears of every successful write to a call object (so a record's
//! timeline re-reads that call), once per write, and never of a failed one or of store work
//! that writes nothing (caller ID, record lookups).

mod common;

use callhost_protocol::engine::*;
use common::*;
use serde_json::json;

/// The `callChanged` commands among `outputs`.
fn changes(outputs: &[Output]) -> Vec<(i64, Option<String>)> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Ui(UiCommand::CallChanged {
                engagement_id,
                external_call_id,
            }) => Some((*engagement_id, external_call_id.clone())),
            _ => None,
        })
        .collect()
}

fn failed() -> OpResult {
    OpResult::Failed {
        message: "store says no".into(),
    }
}

fn one(engagement_id: i64, external_call_id: &str) -> Vec<(i64, Option<String>)> {
    vec![(engagement_id, Some(external_call_id.to_string()))]
}

#[test]
fn a_whole_inbound_call_announces_each_successful_write_once() {
    let mut s = ready();
    let out = s.handle(app(msg(
        "INCOMING_CALL",
        json!({"externalCallId": "in1", "fromNumber": "+16175550100", "toNumber": "+1555",
               "createEngagement": true}),
    )));
    assert!(changes(&out).is_empty(), "nothing written yet");
    // Caller ID reads; it writes nothing.
    let out = s.handle(done(1, OpResult::Matches { matches: vec![] }));
    assert!(changes(&out).is_empty());
    let out = s.handle(done(2, OpResult::Call { engagement_id: 40 }));
    assert_eq!(changes(&out), one(40, "in1"), "the call was created");

    // The host's own status writes, which the app never hears about.
    let out = s.handle(app(msg("CALL_ANSWERED", json!({"externalCallId": "in1"}))));
    assert!(changes(&out).is_empty(), "asked for, not yet written");
    assert_eq!(changes(&s.handle(done(3, OpResult::Done))), one(40, "in1"));
    let out = s.handle(app(msg(
        "CALL_ENDED",
        json!({"externalCallId": "in1", "callEndStatus": "COMPLETED"}),
    )));
    assert!(changes(&out).is_empty());
    assert_eq!(changes(&s.handle(done(4, OpResult::Done))), one(40, "in1"));

    // The app's properties, then FINALIZE.
    s.handle(app(msg(
        "CALL_COMPLETED",
        json!({"externalCallId": "in1", "hideWidget": false,
               "engagementProperties": {"hs_call_body": "notes"}}),
    )));
    assert_eq!(changes(&s.handle(done(5, OpResult::Done))), one(40, "in1"));
    s.handle(app(msg("FINALIZE_ENGAGEMENT", json!({"engagementId": 40}))));
    assert_eq!(changes(&s.handle(done(6, OpResult::Done))), one(40, "in1"));

    // A result for an op that is not waiting (a replayed answer) announces nothing.
    assert!(changes(&s.handle(done(6, OpResult::Done))).is_empty());
}

#[test]
fn failed_writes_announce_nothing() {
    // CreateCall fails.
    let mut s = ready();
    outbound_call(&mut s, true);
    assert!(changes(&s.handle(done(1, failed()))).is_empty());

    // A status update and the app's update fail.
    let mut s = ready();
    logged_outbound_call(&mut s, 77);
    s.handle(app(msg("CALL_ANSWERED", json!({"externalCallId": "c1"}))));
    assert!(changes(&s.handle(done(2, failed()))).is_empty());
    s.handle(app(msg(
        "CALL_COMPLETED",
        json!({"externalCallId": "c1", "engagementProperties": {"hs_call_body": "x"}}),
    )));
    let out = s.handle(done(3, failed()));
    assert!(changes(&out).is_empty());
    assert!(acts(&out)
        .iter()
        .any(|a| matches!(a, Act::Post(t, _) if t == "UPDATE_ENGAGEMENT_FAILED")));

    // FINALIZE fails.
    s.handle(app(msg("FINALIZE_ENGAGEMENT", json!({"engagementId": 77}))));
    assert!(changes(&s.handle(done(4, failed()))).is_empty());
}

#[test]
fn a_result_of_the_wrong_kind_is_a_failure_and_announces_nothing() {
    let mut s = ready();
    outbound_call(&mut s, true);
    let out = s.handle(done(1, OpResult::Exists { exists: true }));
    assert_eq!(codes(&out), ["unexpected-result"]);
    assert!(changes(&out).is_empty());
}

#[test]
fn the_status_written_after_a_late_engagement_is_announced_after_the_creation() {
    let mut s = ready();
    incoming_call(&mut s, true);
    s.handle(done(1, OpResult::Matches { matches: vec![] }));
    s.handle(app(msg(
        "CALL_ENDED",
        json!({"externalCallId": "in1", "callEndStatus": "MISSED"}),
    )));
    let out = s.handle(done(2, OpResult::Call { engagement_id: 5 }));
    assert_eq!(changes(&out), one(5, "in1"), "the creation only");
    assert_eq!(changes(&s.handle(done(3, OpResult::Done))), one(5, "in1"));
}

#[test]
fn an_update_of_an_engagement_this_session_did_not_create_has_no_external_id() {
    let mut s = ready();
    s.handle(app(msg(
        "CALL_COMPLETED",
        json!({"engagementId": 900, "engagementProperties": {"hs_call_body": "x"}}),
    )));
    assert_eq!(
        changes(&s.handle(done(1, OpResult::Done))),
        [(900, None)],
        "the engagement alone"
    );
}

#[test]
fn a_reconnecting_page_is_not_told_of_old_writes() {
    let mut s = ready();
    logged_outbound_call(&mut s, 77);
    s.handle(app(msg("CALL_ANSWERED", json!({"externalCallId": "c1"}))));
    s.handle(done(2, OpResult::Done));
    let restated = s.restate();
    assert!(changes(&restated).is_empty());
    assert_eq!(
        acts(&restated),
        [call_state("c1", Some(77), CallPhase::InProgress)]
    );
}

#[test]
fn the_command_is_camel_case_on_the_wire() {
    let mut s = ready();
    outbound_call(&mut s, true);
    let out = s.handle(done(1, OpResult::Call { engagement_id: 77 }));
    let wire: Vec<_> = out
        .iter()
        .map(|o| serde_json::to_value(o).unwrap())
        .filter(|v| v["command"] == "callChanged")
        .collect();
    assert_eq!(
        wire,
        [
            json!({"kind": "ui", "command": "callChanged", "engagementId": 77, "externalCallId": "c1"})
        ]
    );
}
