//! The end of a call: CALL_COMPLETED (the engagement's properties, hiding the widget),
//! FINALIZE_ENGAGEMENT and its deprecated form PUBLISH_TO_CHANNEL, and their failures.

use callhost_protocol::engine::*;
use serde_json::json;

use crate::common::*;

#[test]
fn call_completed_updates_the_engagement_and_hides_the_widget() {
    let mut s = ready();
    logged_outbound_call(&mut s, 77);
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
    logged_outbound_call(&mut s, 77);
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
fn finalize_engagement_marks_the_call_final() {
    let mut s = ready();
    logged_outbound_call(&mut s, 77);
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
    logged_outbound_call(&mut s, 77);
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
