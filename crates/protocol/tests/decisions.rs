//! docs/design.md#decisions, one test (or a few) each.

mod common;

use callhost_protocol::engine::*;
use common::*;
use serde_json::json;

fn post_ids(outputs: &[Output]) -> Vec<String> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Post { message, .. } => Some(message["messageId"].as_str()?.to_string()),
            _ => None,
        })
        .collect()
}

#[test]
fn host_message_ids_start_with_a_non_digit_and_are_unique() {
    let mut s = ready();
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.extend(post_ids(&s.handle(Input::Page(PageInput::Dial(dial())))));
    }
    ids.extend(post_ids(
        &s.handle(Input::Page(PageInput::User(UserAction::Minimize))),
    ));
    assert_eq!(ids, ["h-1", "h-2", "h-3", "h-4"]);
}

#[test]
fn calls_are_told_apart_by_external_call_id_never_by_message_id() {
    // Two SDK messages sent in the same millisecond share a messageId (docs/protocol.md#message-ids).
    let mut s = ready();
    for id in ["a", "b"] {
        let out = s.handle(app(msg(
            "OUTGOING_CALL_STARTED",
            json!({"externalCallId": id, "createEngagement": true}),
        )));
        assert!(acts(&out).iter().any(|a| matches!(a, Act::Store(..))));
    }
    assert_eq!(s.calls().count(), 2);
}

#[test]
fn a_call_reported_twice_is_created_once_and_answered_with_the_same_engagement() {
    let mut s = ready();
    outbound_call(&mut s, true);
    let again = s.handle(app(msg(
        "OUTGOING_CALL_STARTED",
        json!({"externalCallId": "c1", "createEngagement": true}),
    )));
    assert_eq!(codes(&again), ["duplicate-call"]);
    assert!(acts(&again).is_empty(), "the creation is in flight");
    s.handle(done(1, OpResult::Call { engagement_id: 9 }));
    let third = s.handle(app(msg(
        "OUTGOING_CALL_STARTED",
        json!({"externalCallId": "c1", "createEngagement": true}),
    )));
    assert_eq!(
        acts(&third),
        [post(
            "CREATE_ENGAGEMENT_SUCCEEDED",
            json!({"engagementId": 9})
        )]
    );
}

#[test]
fn sync_sends_the_exact_host_origin() {
    let mut cfg = config();
    cfg.host_url = "http://127.0.0.1:8080/".into();
    let mut s = Session::new(cfg);
    let out = s.handle(Input::Page(PageInput::Loaded));
    let Act::Ui(UiCommand::StartSync { fields, .. }) = &acts(&out)[0] else {
        panic!()
    };
    assert_eq!(fields["hostUrl"], HOST);
    assert!(!fields.contains_key("engagementId"));
}

#[test]
fn sync_carries_the_engagement_of_a_call_being_resumed() {
    let mut cfg = config();
    cfg.engagement_id = Some(314);
    let mut s = Session::new(cfg);
    let out = s.handle(Input::Page(PageInput::Loaded));
    let Act::Ui(UiCommand::StartSync { fields, .. }) = &acts(&out)[0] else {
        panic!()
    };
    assert_eq!(fields["engagementId"], 314);
    assert_eq!(s.resume_engagement_id(), Some(314));
}

#[test]
fn a_resumed_call_is_adopted_by_the_next_event_about_it() {
    let mut cfg = config();
    cfg.engagement_id = Some(314);
    let mut s = ready_with(cfg);
    s.handle(app(msg(
        "INITIALIZED",
        json!({"isLoggedIn": true, "engagementId": 314}),
    )));
    let out = s.handle(app(msg(
        "CALL_ENDED",
        json!({"externalCallId": "x1", "engagementId": 314}),
    )));
    assert!(codes(&out).is_empty(), "{:?}", codes(&out));
    // The resumed call was live, so ending it without a status logs it completed.
    let mut completed = serde_json::Map::new();
    completed.insert("hs_call_status".into(), "COMPLETED".into());
    assert_eq!(
        acts(&out),
        [
            call_state("x1", Some(314), CallPhase::Ended),
            Act::Store(
                1,
                StoreRequest::UpdateCall {
                    engagement_id: 314,
                    properties: completed
                }
            ),
        ]
    );
}

#[test]
fn a_reload_mid_call_re_syncs_with_the_live_engagement_and_initialized_reattaches() {
    let mut s = ready();
    logged_outbound_call(&mut s, 77);
    let out = s.handle(Input::Page(PageInput::Loaded));
    let Act::Ui(UiCommand::StartSync { fields, .. }) = &acts(&out)[0] else {
        panic!()
    };
    assert_eq!(fields["engagementId"], 77);
    assert!(!s.logged_in(), "a new app instance reports its login again");
    s.handle(app(sync_ack()));
    let out = s.handle(app(msg(
        "INITIALIZED",
        json!({"isLoggedIn": true, "engagementId": 77}),
    )));
    assert!(acts(&out).contains(&call_state("c1", Some(77), CallPhase::Dialing)));
}

#[test]
fn a_dial_while_loading_waits_for_initialized_and_the_newest_wins() {
    let mut s = Session::new(config());
    s.handle(Input::Page(PageInput::Loaded));
    let out = s.handle(Input::Page(PageInput::Dial(dial())));
    assert_eq!(acts(&out), [Act::Ui(UiCommand::Show)]);
    let mut newer = dial();
    newer.object_id = Some(502);
    s.handle(Input::Page(PageInput::Dial(newer)));
    s.handle(app(sync_ack()));
    let out = s.handle(app(msg("INITIALIZED", json!({"isLoggedIn": true}))));
    let dials: Vec<_> = acts(&out)
        .into_iter()
        .filter_map(|a| match a {
            Act::Post(t, d) if t == "DIAL_NUMBER" => Some(d),
            _ => None,
        })
        .collect();
    assert_eq!(dials.len(), 1);
    assert_eq!(dials[0]["objectId"], 502);
    assert!(s.pending_dial().is_none());
}

#[test]
fn a_dial_while_loading_to_a_logged_out_app_alerts_then_waits_for_logged_in() {
    let mut s = Session::new(config());
    s.handle(Input::Page(PageInput::Loaded));
    s.handle(Input::Page(PageInput::Dial(dial())));
    s.handle(app(sync_ack()));
    let out = s.handle(app(msg("INITIALIZED", json!({"isLoggedIn": false}))));
    assert!(acts(&out)
        .iter()
        .any(|a| matches!(a, Act::Ui(UiCommand::Alert { .. }))));
    assert!(!acts(&out).iter().any(|a| matches!(a, Act::Post(..))));
    let out = s.handle(app(bare("LOGGED_IN")));
    assert!(matches!(acts(&out).last(), Some(Act::Post(t, _)) if t == "DIAL_NUMBER"));
}

#[test]
fn logging_out_drops_a_waiting_dial() {
    let mut s = Session::new(config());
    s.handle(Input::Page(PageInput::Loaded));
    s.handle(Input::Page(PageInput::Dial(dial())));
    s.handle(app(sync_ack()));
    s.handle(app(msg("INITIALIZED", json!({}))));
    s.handle(app(bare("LOGGED_OUT")));
    let out = s.handle(app(bare("LOGGED_IN")));
    assert!(!acts(&out).iter().any(|a| matches!(a, Act::Post(..))));
}

#[test]
fn the_dial_context_applies_to_the_next_outgoing_call_only() {
    let mut s = ready();
    outbound_call(&mut s, true);
    let out = s.handle(app(msg(
        "OUTGOING_CALL_STARTED",
        json!({"externalCallId": "c2", "createEngagement": true}),
    )));
    let Act::Store(
        _,
        StoreRequest::CreateCall {
            associate: None,
            properties,
            ..
        },
    ) = &acts(&out)[1]
    else {
        panic!("{out:?}");
    };
    // No start time known (no dial, no callStartTime): the server's clock decides.
    assert!(!properties.contains_key("hs_timestamp"), "{properties:?}");
}

#[test]
fn hide_widget_is_ignored_while_working_a_task_queue() {
    let mut s = ready();
    s.handle(Input::Page(PageInput::User(UserAction::TaskQueue {
        active: true,
    })));
    outbound_call(&mut s, false);
    s.handle(app(msg("CALL_ENDED", json!({"externalCallId": "c1"}))));
    let out = s.handle(app(msg(
        "CALL_COMPLETED",
        json!({"externalCallId": "c1", "hideWidget": true}),
    )));
    assert_eq!(acts(&out), [call_state("c1", None, CallPhase::Completed)]);
    // The next task still gets its DIAL_NUMBER (SDK issue #237 must not happen here).
    let out = s.handle(Input::Page(PageInput::Dial(dial())));
    assert!(matches!(acts(&out).last(), Some(Act::Post(t, _)) if t == "DIAL_NUMBER"));
}

#[test]
fn set_widget_url_allows_plain_http_only_on_loopback() {
    let mut cfg = config();
    cfg.app_url = "http://localhost:9025/".into();
    let mut s = ready_with(cfg);
    let out = s.handle(Input::Page(PageInput::App {
        message: msg(
            "SET_WIDGET_URL",
            json!({"iFrameUrl": "http://localhost:9025/t/1"}),
        ),
        origin: "http://localhost:9025".into(),
    }));
    assert!(matches!(
        &acts(&out)[..],
        [Act::Ui(UiCommand::LoadUrl { .. })]
    ));
}

#[test]
fn failures_echo_the_request_ids() {
    let mut s = ready();
    logged_outbound_call(&mut s, 5);
    s.handle(app(msg(
        "FINALIZE_ENGAGEMENT",
        json!({"externalCallId": "c1", "engagementId": 5}),
    )));
    let out = s.handle(done(
        2,
        OpResult::Failed {
            message: "x".into(),
        },
    ));
    assert_eq!(
        acts(&out),
        [post(
            "FINALIZE_ENGAGEMENT_FAILED",
            json!({"error": {"message": "x"}, "engagementId": 5, "externalCallId": "c1"})
        )]
    );
}

#[test]
fn sync_failure_shows_the_load_error() {
    let mut s = Session::new(config());
    s.handle(Input::Page(PageInput::Loaded));
    assert_eq!(
        acts(&s.handle(Input::Page(PageInput::SyncFailed))),
        [Act::Ui(UiCommand::LoadFailed)]
    );
}

#[test]
fn every_input_and_every_post_is_logged() {
    let mut s = ready();
    let out = s.handle(Input::Page(PageInput::Dial(dial())));
    let logs: Vec<&LogEntry> = out
        .iter()
        .filter_map(|o| match o {
            Output::Log(e) => Some(e),
            _ => None,
        })
        .collect();
    assert_eq!(logs.len(), 2);
    assert_eq!(logs[0].flow, Flow::Host);
    assert_eq!(logs[1].flow, Flow::ToApp);
    assert_eq!(logs[1].message_type.as_deref(), Some("DIAL_NUMBER"));
}
