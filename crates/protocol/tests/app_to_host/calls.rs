//! A call's lifecycle messages: OUTGOING_CALL_STARTED and INCOMING_CALL (with caller ID and
//! the engagement they create), CALL_ANSWERED, CALL_ENDED, CALL_TRANSFERRED and CALL_DATA,
//! their deprecated field names, and what a reconnecting page is told of a live call.

use callhost_protocol::engine::*;
use serde_json::json;

use crate::common::*;

#[test]
fn outgoing_call_started_creates_one_outbound_engagement_on_the_dialed_record() {
    let mut s = ready();
    let out = outbound_call(&mut s, true);
    assert!(codes(&out).is_empty(), "{:?}", codes(&out));
    assert_eq!(
        acts(&out),
        [
            call_state("c1", None, CallPhase::Dialing),
            Act::Store(
                1,
                StoreRequest::CreateCall {
                    app_id: APP_ID,
                    external_call_id: "c1".into(),
                    properties: call_properties(&[
                        ("hs_call_direction", "OUTBOUND"),
                        ("hs_call_status", "CONNECTING"),
                        ("hs_call_to_number", "+16175550100"),
                        ("hs_call_from_number", "+15550001111"),
                        ("hs_timestamp", "1700000000500"),
                        ("hubspot_owner_id", &OWNER.to_string()),
                        ("hs_call_app_id", &APP_ID.to_string()),
                        ("hs_call_external_id", "c1"),
                        ("hs_call_source", "INTEGRATIONS_PLATFORM"),
                    ]),
                    associate: Some(ObjectRef {
                        object_type_id: "0-1".into(),
                        object_id: 501
                    }),
                    called_number: None,
                }
            ),
        ]
    );
    let out = s.handle(done(1, OpResult::Call { engagement_id: 77 }));
    // The app's reply first, then what the page shows.
    assert_eq!(
        acts(&out),
        [
            post("CREATE_ENGAGEMENT_SUCCEEDED", json!({"engagementId": 77})),
            call_state("c1", Some(77), CallPhase::Dialing),
            call_changed(77, "c1"),
        ]
    );
    assert_eq!(s.call("c1").unwrap().engagement_id, Some(77));
}

#[test]
fn outgoing_call_started_without_create_engagement_only_tracks_the_call() {
    let mut s = ready();
    let out = outbound_call(&mut s, false);
    assert_eq!(acts(&out), [call_state("c1", None, CallPhase::Dialing)]);
    assert_eq!(s.active_call().unwrap().external_call_id, "c1");
}

#[test]
fn outgoing_call_started_accepts_the_deprecated_phone_number() {
    let mut s = ready();
    let out = s.handle(app(msg(
        "OUTGOING_CALL_STARTED",
        json!({"externalCallId": "c9", "phoneNumber": "+15551234567"}),
    )));
    assert_eq!(codes(&out), ["deprecated-alias"]);
    assert_eq!(
        s.call("c9").unwrap().to_number.as_deref(),
        Some("+15551234567")
    );
}

#[test]
fn create_engagement_failure_is_reported_with_the_external_call_id() {
    let mut s = ready();
    outbound_call(&mut s, true);
    let out = s.handle(done(
        1,
        OpResult::Failed {
            message: "database is down".into(),
        },
    ));
    assert_eq!(
        acts(&out),
        [post(
            "CREATE_ENGAGEMENT_FAILED",
            json!({"error": {"message": "database is down"}, "externalCallId": "c1"})
        )]
    );
}

#[test]
fn incoming_call_replies_caller_id_then_creates_the_engagement_on_the_first_match() {
    let mut s = ready();
    let out = s.handle(app(msg(
        "INCOMING_CALL",
        json!({"externalCallId": "in1", "fromNumber": "+16175550100", "toNumber": "+15550001111",
               "callStartTime": 1_700_000_001_000i64, "createEngagement": true}),
    )));
    assert_eq!(
        acts(&out),
        [
            call_state("in1", None, CallPhase::Ringing),
            Act::Store(
                1,
                StoreRequest::CallerId {
                    number: "+16175550100".into()
                }
            ),
        ]
    );
    let matches = vec![
        contact(Some("Ada"), Some("Lovelace")),
        company("Analytical Engines"),
    ];
    let out = s.handle(done(
        1,
        OpResult::Matches {
            matches: matches.clone(),
        },
    ));
    assert_eq!(
        acts(&out),
        [
            post(
                "CALLER_ID_MATCH_SUCCEEDED",
                json!({"callerIdMatches": [
                    {"callerIdType": "CONTACT",
                     "objectCoordinates": {"portalId": PORTAL, "objectId": 501, "objectTypeId": "0-1"},
                     "firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com"},
                    {"callerIdType": "COMPANY",
                     "objectCoordinates": {"portalId": PORTAL, "objectId": 601, "objectTypeId": "0-2"},
                     "name": "Analytical Engines"},
                ]})
            ),
            call_state("in1", None, CallPhase::Ringing),
            Act::Store(
                2,
                StoreRequest::CreateCall {
                    app_id: APP_ID,
                    external_call_id: "in1".into(),
                    properties: call_properties(&[
                        ("hs_call_direction", "INBOUND"),
                        ("hs_call_status", "RINGING"),
                        ("hs_call_to_number", "+15550001111"),
                        ("hs_call_from_number", "+16175550100"),
                        ("hs_timestamp", "1700000001000"),
                        ("hubspot_owner_id", &OWNER.to_string()),
                        ("hs_call_app_id", &APP_ID.to_string()),
                        ("hs_call_external_id", "in1"),
                        ("hs_call_source", "INTEGRATIONS_PLATFORM"),
                    ]),
                    associate: Some(ObjectRef {
                        object_type_id: "0-1".into(),
                        object_id: 501
                    }),
                    called_number: Some("+15550001111".into()),
                }
            ),
        ]
    );
    let ada = ObjectRef {
        object_type_id: "0-1".into(),
        object_id: 501,
    };
    assert_eq!(shown(&out), [(Some("Ada Lovelace".into()), Some(ada))]);
    let out = s.handle(done(2, OpResult::Call { engagement_id: 88 }));
    let acts = acts(&out);
    assert_eq!(
        acts[0],
        post("CREATE_ENGAGEMENT_SUCCEEDED", json!({"engagementId": 88}))
    );
    assert_eq!(acts[2..], [call_changed(88, "in1")]);
}

#[test]
fn incoming_call_without_create_engagement_still_answers_caller_id() {
    let mut s = ready();
    incoming_call(&mut s, false);
    let out = s.handle(done(1, OpResult::Matches { matches: vec![] }));
    assert_eq!(
        acts(&out),
        [
            post("CALLER_ID_MATCH_SUCCEEDED", json!({"callerIdMatches": []})),
            call_state("in1", None, CallPhase::Ringing),
        ]
    );
    // Nothing matched: the page shows the caller's number and no record to open.
    assert_eq!(shown(&out), [(Some("+1".into()), None)]);
}

#[test]
fn caller_id_failure_is_reported_and_the_engagement_is_still_created() {
    let mut s = ready();
    incoming_call(&mut s, true);
    let out = s.handle(done(
        1,
        OpResult::Failed {
            message: "lookup failed".into(),
        },
    ));
    let acts = acts(&out);
    assert_eq!(
        acts[0],
        post(
            "CALLER_ID_MATCH_FAILED",
            json!({"error": {"message": "lookup failed"}})
        )
    );
    assert!(matches!(
        &acts[1],
        Act::Store(
            2,
            StoreRequest::CreateCall {
                associate: None,
                ..
            }
        )
    ));
}

#[test]
fn incoming_call_without_from_number_is_a_finding_and_a_failed_match() {
    let mut s = ready();
    let out = s.handle(app(msg(
        "INCOMING_CALL",
        json!({"externalCallId": "in1", "toNumber": "+2"}),
    )));
    assert_eq!(codes(&out), ["missing-field"]);
    assert_eq!(
        acts(&out)[1],
        post(
            "CALLER_ID_MATCH_FAILED",
            json!({"error": {"message": "fromNumber is required"}})
        )
    );
}

#[test]
fn call_answered_ended_and_transferred_move_the_call_along() {
    let mut s = ready();
    outbound_call(&mut s, false);
    let out = s.handle(app(msg("CALL_ANSWERED", json!({"externalCallId": "c1"}))));
    assert_eq!(acts(&out), [call_state("c1", None, CallPhase::InProgress)]);
    let out = s.handle(app(msg(
        "CALL_ENDED",
        json!({"externalCallId": "c1", "callEndStatus": "COMPLETED"}),
    )));
    assert_eq!(acts(&out), [call_state("c1", None, CallPhase::Ended)]);
    assert!(codes(&out).is_empty());
    assert_eq!(
        s.call("c1").unwrap().end_status.as_deref(),
        Some("COMPLETED")
    );
    assert!(s.active_call().is_none());

    outbound_call(&mut s, false);
    s.handle(app(msg(
        "OUTGOING_CALL_STARTED",
        json!({"externalCallId": "c2"}),
    )));
    let out = s.handle(app(msg(
        "CALL_TRANSFERRED",
        json!({"externalCallId": "c2"}),
    )));
    assert_eq!(acts(&out), [call_state("c2", None, CallPhase::Transferred)]);
}

#[test]
fn call_answered_without_data_applies_to_the_active_call() {
    let mut s = ready();
    outbound_call(&mut s, false);
    let out = s.handle(app(json!({"type": "CALL_ANSWERED", "messageId": "1_2"})));
    assert_eq!(codes(&out), ["missing-field"]);
    assert_eq!(acts(&out), [call_state("c1", None, CallPhase::InProgress)]);
}

#[test]
fn call_ended_accepts_the_deprecated_call_id() {
    let mut s = ready();
    outbound_call(&mut s, false);
    let out = s.handle(app(msg("CALL_ENDED", json!({"callId": "c1"}))));
    assert_eq!(codes(&out), ["deprecated-alias"]);
    assert_eq!(acts(&out), [call_state("c1", None, CallPhase::Ended)]);
}

#[test]
fn call_data_is_logged_and_ignored() {
    let mut s = ready();
    let out = s.handle(app(msg("CALL_DATA", json!("anything"))));
    assert!(acts(&out).is_empty());
    assert!(codes(&out).is_empty());
}

#[test]
fn a_reconnecting_page_is_told_of_the_call_still_ringing_and_who_is_calling() {
    let mut s = ready();
    assert!(s.restate().is_empty(), "nothing to restate before a call");
    s.handle(app(msg(
        "INCOMING_CALL",
        json!({"externalCallId": "in1", "fromNumber": "+16175550100", "toNumber": "+15550001111",
               "createEngagement": true}),
    )));
    // Before caller ID answered: the ringing call alone.
    assert_eq!(
        acts(&s.restate()),
        [call_state("in1", None, CallPhase::Ringing)]
    );
    let ada = CallerIdMatch {
        caller_id_type: "CONTACT".into(),
        object_type_id: "0-1".into(),
        object_id: 501,
        first_name: Some("Ada".into()),
        last_name: Some("Lovelace".into()),
        email: None,
        name: None,
    };
    s.handle(done(
        1,
        OpResult::Matches {
            matches: vec![ada.clone()],
        },
    ));
    s.handle(done(
        2,
        OpResult::Call {
            engagement_id: 9001,
        },
    ));
    // A full reload: the iframe loads again, the app's INCOMING_CALL is still unanswered.
    s.handle(Input::Page(PageInput::Loaded));
    assert_eq!(
        acts(&s.restate()),
        [call_state("in1", Some(9001), CallPhase::Ringing)]
    );
    let record = ObjectRef {
        object_type_id: ada.object_type_id,
        object_id: ada.object_id,
    };
    assert_eq!(
        shown(&s.restate()),
        [(Some("Ada Lovelace".into()), Some(record))]
    );
    // Answered: still restated; ended: nothing.
    s.handle(Input::Page(PageInput::Loaded));
    s.handle(app(sync_ack()));
    s.handle(app(msg("INITIALIZED", json!({"isLoggedIn": true}))));
    s.handle(app(msg("CALL_ANSWERED", json!({"externalCallId": "in1"}))));
    assert_eq!(
        acts(&s.restate()),
        [call_state("in1", Some(9001), CallPhase::InProgress)]
    );
    s.handle(app(msg(
        "CALL_ENDED",
        json!({"externalCallId": "in1", "callEndStatus": "COMPLETED"}),
    )));
    assert!(s.restate().is_empty());
}
