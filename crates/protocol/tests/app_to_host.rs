//! Spec §2, row by row: what the engine does with each app → host message.

mod common;

use callhost_protocol::engine::*;
use common::*;
use serde_json::json;

#[test]
fn sync_ack_records_the_app_origin_version_and_debug_mode() {
    let mut s = Session::new(config());
    s.handle(Input::Loaded);
    let out = s.handle(app(sync_ack()));
    assert_eq!(
        acts(&out),
        [Act::Ui(UiCommand::Synced {
            app_origin: APP.into()
        })]
    );
    assert!(codes(&out).is_empty());
    assert!(s.synced());
    assert_eq!(s.app_version(), Some("0.9.7-beta.0"));
    assert!(s.debug_mode());
    assert_eq!(s.app_origin(), APP);
}

#[test]
fn initialized_stores_login_and_availability_and_sizes_the_widget() {
    let mut s = Session::new(config());
    s.handle(Input::Loaded);
    s.handle(app(sync_ack()));
    let out = s.handle(app(msg(
        "INITIALIZED",
        json!({"isLoggedIn": false, "isAvailable": true, "sizeInfo": {"width": 320, "height": "50%"}}),
    )));
    assert_eq!(
        acts(&out),
        [
            Act::Ui(UiCommand::Resize {
                width: Some("320px".into()),
                height: Some("50%".into())
            }),
            Act::Ui(UiCommand::AppStatus {
                logged_in: false,
                available: Some(true)
            }),
        ]
    );
    assert_eq!(codes(&out), ["deprecated-alias"]);
    assert!(s.initialized() && !s.logged_in());
}

#[test]
fn initialized_accepts_the_2019_widget_size_name() {
    let mut s = ready();
    let out = s.handle(app(msg(
        "INITIALIZED",
        json!({"widgetSize": {"width": 400}}),
    )));
    assert!(acts(&out).contains(&Act::Ui(UiCommand::Resize {
        width: Some("400px".into()),
        height: None
    })));
    assert_eq!(codes(&out), ["deprecated-alias"]);
}

#[test]
fn login_and_availability_messages_update_the_app_status() {
    let mut s = ready();
    let status = |logged_in, available| {
        vec![Act::Ui(UiCommand::AppStatus {
            logged_in,
            available,
        })]
    };
    assert_eq!(
        acts(&s.handle(app(bare("LOGGED_OUT")))),
        status(false, None)
    );
    assert!(!s.logged_in());
    assert_eq!(acts(&s.handle(app(bare("LOGGED_IN")))), status(true, None));
    assert_eq!(
        acts(&s.handle(app(bare("USER_AVAILABLE")))),
        status(true, Some(true))
    );
    let out = s.handle(app(bare("USER_UNAVAILABLE")));
    assert_eq!(acts(&out), status(true, Some(false)));
    assert!(codes(&out).is_empty());
}

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
                    direction: Direction::Outbound,
                    to_number: Some("+16175550100".into()),
                    from_number: Some("+15550001111".into()),
                    started_at_ms: 1_700_000_000_500,
                    owner_id: OWNER,
                    associate: Some(ObjectRef {
                        object_type_id: "0-1".into(),
                        object_id: 501
                    }),
                }
            ),
        ]
    );
    let out = s.handle(done(1, OpResult::Call { engagement_id: 77 }));
    assert_eq!(
        acts(&out),
        [
            call_state("c1", Some(77), CallPhase::Dialing),
            call_changed(77, "c1"),
            post("CREATE_ENGAGEMENT_SUCCEEDED", json!({"engagementId": 77})),
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
        CallerIdMatch {
            caller_id_type: "CONTACT".into(),
            object_type_id: "0-1".into(),
            object_id: 501,
            first_name: Some("Ada".into()),
            last_name: Some("Lovelace".into()),
            email: Some("ada@example.com".into()),
            name: None,
        },
        CallerIdMatch {
            caller_id_type: "COMPANY".into(),
            object_type_id: "0-2".into(),
            object_id: 601,
            first_name: None,
            last_name: None,
            email: None,
            name: Some("Analytical Engines".into()),
        },
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
                    direction: Direction::Inbound,
                    to_number: Some("+15550001111".into()),
                    from_number: Some("+16175550100".into()),
                    started_at_ms: 1_700_000_001_000,
                    owner_id: OWNER,
                    associate: Some(ObjectRef {
                        object_type_id: "0-1".into(),
                        object_id: 501
                    }),
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
    assert_eq!(
        acts(&out)[1..],
        [
            call_changed(88, "in1"),
            post("CREATE_ENGAGEMENT_SUCCEEDED", json!({"engagementId": 88}))
        ]
    );
}

#[test]
fn incoming_call_without_create_engagement_still_answers_caller_id() {
    let mut s = ready();
    s.handle(app(msg(
        "INCOMING_CALL",
        json!({"externalCallId": "in1", "fromNumber": "+1", "toNumber": "+2"}),
    )));
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
    s.handle(app(msg(
        "INCOMING_CALL",
        json!({"externalCallId": "in1", "fromNumber": "+1", "toNumber": "+2", "createEngagement": true}),
    )));
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
        s.handle(app(msg(
            "INCOMING_CALL",
            json!({"externalCallId": "in1", "fromNumber": "+1", "toNumber": "+2", "createEngagement": true}),
        )));
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
    outbound_call(&mut s, true);
    s.handle(done(1, OpResult::Call { engagement_id: 77 }));
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
    outbound_call(&mut s, true);
    s.handle(done(1, OpResult::Call { engagement_id: 77 }));
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
    s.handle(app(msg(
        "INCOMING_CALL",
        json!({"externalCallId": "in1", "fromNumber": "+1", "toNumber": "+2", "createEngagement": true}),
    )));
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

#[test]
fn call_completed_updates_the_engagement_and_hides_the_widget() {
    let mut s = ready();
    outbound_call(&mut s, true);
    s.handle(done(1, OpResult::Call { engagement_id: 77 }));
    s.handle(app(msg("CALL_ENDED", json!({"externalCallId": "c1"}))));
    let out = s.handle(app(msg(
        "CALL_COMPLETED",
        json!({"externalCallId": "c1", "engagementId": 77, "hideWidget": true,
               "engagementProperties": {"hs_call_body": "Good talk", "hs_call_duration": 42000,
                                        "hs_call_status": "COMPLETED"}}),
    )));
    assert!(codes(&out).is_empty(), "{:?}", codes(&out));
    let mut properties = serde_json::Map::new();
    properties.insert("hs_call_body".into(), "Good talk".into());
    properties.insert("hs_call_duration".into(), "42000".into());
    properties.insert("hs_call_status".into(), "COMPLETED".into());
    assert_eq!(
        acts(&out),
        [
            call_state("c1", Some(77), CallPhase::Completed),
            Act::Store(
                2,
                StoreRequest::UpdateCall {
                    engagement_id: 77,
                    properties
                }
            ),
            Act::Ui(UiCommand::Hide),
            post(
                "VISIBILITY_CHANGED",
                json!({"isMinimized": false, "isHidden": true})
            ),
        ]
    );
    let out = s.handle(done(2, OpResult::Done));
    assert_eq!(
        acts(&out),
        [
            call_changed(77, "c1"),
            post("UPDATE_ENGAGEMENT_SUCCEEDED", json!({"engagementId": 77}))
        ]
    );
}

#[test]
fn call_completed_uses_the_remembered_engagement_and_reports_update_failures() {
    let mut s = ready();
    outbound_call(&mut s, true);
    s.handle(done(1, OpResult::Call { engagement_id: 77 }));
    s.handle(app(msg("CALL_ENDED", json!({"externalCallId": "c1"}))));
    let out = s.handle(app(msg(
        "CALL_COMPLETED",
        json!({"externalCallId": "c1", "hideWidget": false,
               "engagementProperties": {"hs_call_title": "Call", "not_a_property": 1}}),
    )));
    assert_eq!(codes(&out), ["invalid-property"]);
    assert!(matches!(
        acts(&out)[1],
        Act::Store(
            2,
            StoreRequest::UpdateCall {
                engagement_id: 77,
                ..
            }
        )
    ));
    assert_eq!(acts(&out).len(), 2, "hideWidget false keeps the widget");
    let out = s.handle(done(
        2,
        OpResult::Failed {
            message: "nope".into(),
        },
    ));
    assert_eq!(
        acts(&out),
        [post(
            "UPDATE_ENGAGEMENT_FAILED",
            json!({"error": {"message": "nope"}, "engagementId": 77})
        )]
    );
}

#[test]
fn call_completed_before_the_engagement_exists_updates_it_once_created() {
    let mut s = ready();
    outbound_call(&mut s, true);
    s.handle(app(msg("CALL_ENDED", json!({"externalCallId": "c1"}))));
    let out = s.handle(app(msg(
        "CALL_COMPLETED",
        json!({"externalCallId": "c1", "engagementProperties": {"hs_call_body": "x"}}),
    )));
    assert!(!acts(&out).iter().any(|a| matches!(a, Act::Store(..))));
    let out = s.handle(done(1, OpResult::Call { engagement_id: 3 }));
    assert!(matches!(
        acts(&out).last(),
        Some(Act::Store(
            2,
            StoreRequest::UpdateCall {
                engagement_id: 3,
                ..
            }
        ))
    ));
}

#[test]
fn call_completed_without_any_engagement_fails_the_update() {
    let mut s = ready();
    outbound_call(&mut s, false);
    s.handle(app(msg("CALL_ENDED", json!({"externalCallId": "c1"}))));
    let out = s.handle(app(msg(
        "CALL_COMPLETED",
        json!({"externalCallId": "c1", "hideWidget": false, "engagementProperties": {}}),
    )));
    assert_eq!(codes(&out), ["unknown-engagement"]);
    assert_eq!(
        acts(&out)[1],
        post(
            "UPDATE_ENGAGEMENT_FAILED",
            json!({"error": {"message": "no engagement to update"}})
        )
    );
}

#[test]
fn navigate_to_record_opens_an_existing_record() {
    let mut s = ready();
    let out = s.handle(app(msg(
        "NAVIGATE_TO_RECORD",
        json!({"objectCoordinates": {"portalId": PORTAL, "objectId": 501, "objectTypeId": "0-1"},
               "openIn": "NEW_TAB"}),
    )));
    let object = ObjectRef {
        object_type_id: "0-1".into(),
        object_id: 501,
    };
    assert_eq!(
        acts(&out),
        [Act::Store(1, StoreRequest::RecordExists { object })]
    );
    let out = s.handle(done(1, OpResult::Exists { exists: true }));
    assert_eq!(
        acts(&out),
        [Act::Ui(UiCommand::Navigate {
            object_type_id: "0-1".into(),
            object_id: 501,
            new_tab: true
        })]
    );
}

#[test]
fn navigate_to_a_missing_record_fails_with_the_request_ids() {
    let mut s = ready();
    let coordinates = json!({"portalId": PORTAL, "objectId": "502", "objectTypeId": "0-1"});
    s.handle(app(msg(
        "NAVIGATE_TO_RECORD",
        json!({"objectCoordinates": coordinates, "engagementId": 12}),
    )));
    let out = s.handle(done(1, OpResult::Exists { exists: false }));
    assert_eq!(
        acts(&out),
        [post(
            "NAVIGATE_TO_RECORD_FAILED",
            json!({"error": {"message": "record not found"}, "engagementId": 12,
                   "objectCoordinates": coordinates})
        )]
    );
}

#[test]
fn navigate_to_another_portal_fails_without_a_lookup() {
    let mut s = ready();
    let out = s.handle(app(msg(
        "NAVIGATE_TO_RECORD",
        json!({"objectCoordinates": {"portalId": 1, "objectId": 5, "objectTypeId": "0-1"}}),
    )));
    assert_eq!(codes(&out), ["wrong-portal"]);
    assert!(matches!(&acts(&out)[..], [Act::Post(t, _)] if t == "NAVIGATE_TO_RECORD_FAILED"));
}

#[test]
fn finalize_engagement_marks_the_call_final() {
    let mut s = ready();
    outbound_call(&mut s, true);
    s.handle(done(1, OpResult::Call { engagement_id: 77 }));
    let out = s.handle(app(msg(
        "FINALIZE_ENGAGEMENT",
        json!({"externalCallId": "c1", "engagementId": 77}),
    )));
    assert_eq!(
        acts(&out),
        [Act::Store(
            2,
            StoreRequest::FinalizeCall {
                engagement_id: 77,
                external_call_id: Some("c1".into())
            }
        )]
    );
    let out = s.handle(done(2, OpResult::Done));
    assert_eq!(
        acts(&out),
        [
            call_changed(77, "c1"),
            post(
                "FINALIZE_ENGAGEMENT_SUCCEEDED",
                json!({"engagementId": 77, "externalCallId": "c1"})
            )
        ]
    );
}

#[test]
fn publish_to_channel_is_the_deprecated_finalize_with_its_own_replies() {
    let mut s = ready();
    outbound_call(&mut s, true);
    s.handle(done(1, OpResult::Call { engagement_id: 77 }));
    let out = s.handle(app(msg("PUBLISH_TO_CHANNEL", json!({"callId": "c1"}))));
    assert_eq!(codes(&out), ["deprecated-type", "deprecated-alias"]);
    let out = s.handle(done(
        2,
        OpResult::Failed {
            message: "no channel".into(),
        },
    ));
    assert_eq!(
        acts(&out),
        [post(
            "PUBLISH_TO_CHANNEL_FAILED",
            json!({"error": {"message": "no channel"}, "engagementId": 77, "externalCallId": "c1"})
        )]
    );
}

#[test]
fn finalize_for_an_unknown_engagement_fails_without_a_store_call() {
    let mut s = ready();
    let out = s.handle(app(msg(
        "FINALIZE_ENGAGEMENT",
        json!({"externalCallId": "nope"}),
    )));
    assert_eq!(codes(&out), ["unknown-engagement"]);
    assert_eq!(
        acts(&out),
        [post(
            "FINALIZE_ENGAGEMENT_FAILED",
            json!({"error": {"message": "unknown engagement"}, "externalCallId": "nope"})
        )]
    );
}

#[test]
fn resize_widget_formats_sizes_like_the_sdk() {
    let mut s = ready();
    let out = s.handle(app(msg(
        "RESIZE_WIDGET",
        json!({"width": 300, "height": 0}),
    )));
    assert_eq!(
        acts(&out),
        [Act::Ui(UiCommand::Resize {
            width: Some("300px".into()),
            height: None
        })]
    );
    let out = s.handle(app(msg("RESIZE_WIDGET", json!({"width": "20em"}))));
    assert_eq!(
        acts(&out),
        [Act::Ui(UiCommand::Resize {
            width: Some("20em".into()),
            height: None
        })]
    );
    assert!(acts(&s.handle(app(msg("RESIZE_WIDGET", serde_json::Value::Null)))).is_empty());
}

#[test]
fn error_shows_an_alert_and_is_never_answered() {
    let mut s = ready();
    let out = s.handle(app(msg(
        "ERROR",
        json!({"message": "<b>mic</b> blocked", "type": "ERROR"}),
    )));
    assert_eq!(
        acts(&out),
        [Act::Ui(UiCommand::Alert {
            message: "<b>mic</b> blocked".into()
        })]
    );
}

#[test]
fn the_sdks_automatic_error_is_a_finding_not_an_alert() {
    let mut s = ready();
    let out = s.handle(app(msg(
        "ERROR",
        json!({"type": "UNKNOWN_MESSAGE_TYPE", "data": {"originalMessage": {"type": "SET_CALL_STATE"}}}),
    )));
    assert!(acts(&out).is_empty());
    assert_eq!(codes(&out), ["app-error"]);
}

#[test]
fn set_widget_url_on_an_allowed_origin_reloads_the_iframe() {
    let mut cfg = config();
    cfg.allowed_origins = vec!["https://tenant.example/".into()];
    let mut s = ready_with(cfg);
    let out = s.handle(app(msg(
        "SET_WIDGET_URL",
        json!({"iFrameUrl": "https://tenant.example/t/42"}),
    )));
    assert_eq!(
        acts(&out),
        [Act::Ui(UiCommand::LoadUrl {
            url: "https://tenant.example/t/42".into(),
            app_origin: "https://tenant.example".into()
        })]
    );
    assert!(!s.synced());
    // The new document's load starts the handshake again, towards the new origin.
    let out = s.handle(Input::Loaded);
    assert!(matches!(
        &acts(&out)[..],
        [Act::Ui(UiCommand::StartSync { target_origin, .. })] if target_origin == "https://tenant.example"
    ));
}

#[test]
fn set_widget_url_accepts_the_legacy_top_level_form() {
    let mut s = ready();
    let out = s.handle(app(json!({"type": "SET_WIDGET_URL", "messageId": "1_1",
                                  "iFrameUrl": "https://app.example/other"})));
    assert!(matches!(
        &acts(&out)[..],
        [Act::Ui(UiCommand::LoadUrl { .. })]
    ));
}

#[test]
fn set_widget_url_elsewhere_fails() {
    for url in [
        "https://evil.example/",
        "http://app.example/",
        "javascript:alert(1)",
    ] {
        let mut s = ready();
        let out = s.handle(app(msg("SET_WIDGET_URL", json!({"iFrameUrl": url}))));
        assert_eq!(codes(&out), ["widget-url-refused"], "{url}");
        match &acts(&out)[..] {
            [Act::Post(t, data)] => {
                assert_eq!(t, "SET_WIDGET_URL_FAILED");
                assert_eq!(data["iFrameUrl"], url);
                assert!(data["error"]["message"].is_string());
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(s.app_origin(), APP);
    }
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
    s.handle(Input::Loaded);
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
    s.handle(Input::Loaded);
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
