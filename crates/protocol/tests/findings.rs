//! One test per kind of mistake: the finding code the inspector shows for it.

mod common;

use callhost_protocol::engine::*;
use common::*;
use serde_json::json;

fn codes_for(s: &mut Session, input: Input) -> Vec<String> {
    codes(&s.handle(input))
}

#[test]
fn a_well_behaved_outbound_call_has_no_findings() {
    let mut s = Session::new(config());
    let mut all = Vec::new();
    let mut run = |s: &mut Session, input| all.extend(codes_for(s, input));
    run(&mut s, Input::Page(PageInput::Loaded));
    run(&mut s, app(sync_ack()));
    run(
        &mut s,
        app(msg("INITIALIZED", json!({"isLoggedIn": false}))),
    );
    run(&mut s, app(bare("LOGGED_IN")));
    run(&mut s, Input::Page(PageInput::Dial(dial())));
    run(
        &mut s,
        app(msg(
            "OUTGOING_CALL_STARTED",
            json!({"externalCallId": "c1", "toNumber": "+1", "fromNumber": "+2", "callStartTime": 1, "createEngagement": true}),
        )),
    );
    run(&mut s, done(1, OpResult::Call { engagement_id: 1 }));
    run(
        &mut s,
        app(msg("CALL_ANSWERED", json!({"externalCallId": "c1"}))),
    );
    run(
        &mut s,
        app(msg(
            "CALL_ENDED",
            json!({"externalCallId": "c1", "engagementId": 1, "callEndStatus": "COMPLETED"}),
        )),
    );
    run(
        &mut s,
        app(msg(
            "CALL_COMPLETED",
            json!({"externalCallId": "c1", "engagementId": 1, "hideWidget": true, "engagementProperties": {"hs_call_body": "ok"}}),
        )),
    );
    run(&mut s, done(2, OpResult::Done));
    assert!(all.is_empty(), "{all:?}");
}

#[test]
fn envelope_mistakes() {
    let mut s = ready();
    assert_eq!(codes_for(&mut s, app(json!([1]))), ["not-an-object"]);
    assert_eq!(
        codes_for(&mut s, app(json!({"messageId": "1"}))),
        ["missing-type"]
    );
    assert_eq!(
        codes_for(&mut s, app(json!({"type": "LOGGED_IN"}))),
        ["missing-message-id"]
    );
    assert_eq!(codes_for(&mut s, app(bare("HELLO"))), ["unknown-type"]);
    assert_eq!(
        codes_for(&mut s, app(bare("DIAL_NUMBER"))),
        ["host-only-type"]
    );
    assert_eq!(
        codes_for(&mut s, app(msg("INITIALIZED", json!("yes")))),
        ["wrong-type"]
    );
}

#[test]
fn field_mistakes() {
    let mut s = ready();
    assert_eq!(
        codes_for(
            &mut s,
            app(msg("OUTGOING_CALL_STARTED", json!({"toNumber": "+1"})))
        ),
        ["missing-field"]
    );
    assert_eq!(
        codes_for(
            &mut s,
            app(msg("OUTGOING_CALL_STARTED", json!({"externalCallId": 5})))
        ),
        ["wrong-type"]
    );
    assert_eq!(
        codes_for(
            &mut s,
            app(msg("INITIALIZED", json!({"isLoggedIn": "true"})))
        ),
        ["wrong-type"]
    );
    s.handle(app(msg(
        "OUTGOING_CALL_STARTED",
        json!({"externalCallId": "c1"}),
    )));
    assert_eq!(
        codes_for(
            &mut s,
            app(msg(
                "CALL_ENDED",
                json!({"externalCallId": "c1", "callEndStatus": "DONE"})
            ))
        ),
        ["invalid-value"]
    );
}

#[test]
fn order_mistakes() {
    let mut s = Session::new(config());
    s.handle(Input::Page(PageInput::Loaded));
    assert_eq!(
        codes_for(&mut s, app(bare("LOGGED_IN"))),
        ["before-sync", "out-of-order"]
    );
    s.handle(app(sync_ack()));
    assert_eq!(codes_for(&mut s, app(sync_ack())), ["duplicate-sync-ack"]);
    s.handle(app(msg("INITIALIZED", json!({"isLoggedIn": false}))));
    s.handle(app(bare("LOGGED_OUT")));
    assert_eq!(
        codes_for(
            &mut s,
            app(msg(
                "OUTGOING_CALL_STARTED",
                json!({"externalCallId": "c1"})
            ))
        ),
        ["not-logged-in"]
    );
    assert_eq!(
        codes_for(
            &mut s,
            app(msg("CALL_ENDED", json!({"externalCallId": "zz"})))
        ),
        ["unknown-call"]
    );
    assert_eq!(
        codes_for(
            &mut s,
            app(msg("CALL_ANSWERED", json!({"externalCallId": "zz"})))
        ),
        ["unknown-call"]
    );
    assert_eq!(
        codes_for(
            &mut s,
            app(msg(
                "CALL_COMPLETED",
                json!({"externalCallId": "zz", "hideWidget": false})
            ))
        ),
        ["unknown-call"]
    );
    assert_eq!(
        codes_for(
            &mut s,
            app(msg(
                "CALL_COMPLETED",
                json!({"externalCallId": "c1", "hideWidget": false})
            ))
        ),
        ["out-of-order"]
    );
    assert_eq!(
        codes_for(
            &mut s,
            app(msg("CALL_ANSWERED", json!({"externalCallId": "c1"})))
        ),
        ["out-of-order"]
    );
}

#[test]
fn engagement_mistakes() {
    let mut s = ready();
    logged_outbound_call(&mut s, 7);
    assert_eq!(
        codes_for(
            &mut s,
            app(msg(
                "CALL_ENDED",
                json!({"externalCallId": "c1", "engagementId": 8})
            ))
        ),
        ["engagement-mismatch"]
    );
}

#[test]
fn origin_mistakes() {
    let mut s = Session::new(config());
    s.handle(Input::Page(PageInput::Loaded));
    let mut ack = sync_ack();
    ack["iFrameUrl"] = json!("https://app.example/");
    assert_eq!(codes_for(&mut s, app(ack)), ["origin-mismatch"]);
    assert_eq!(s.app_origin(), APP, "the real origin wins");
    let dropped = |reason| {
        Input::Page(PageInput::Dropped {
            message: bare("LOGGED_IN"),
            origin: "https://evil.example".into(),
            reason,
        })
    };
    let out = s.handle(dropped(DropReason::Origin));
    assert_eq!(codes(&out), ["dropped-origin"]);
    assert_eq!(out.len(), 1, "a dropped message changes nothing");
    assert_eq!(
        codes_for(&mut s, dropped(DropReason::Source)),
        ["dropped-source"]
    );
    assert!(!s.logged_in());
}

#[test]
fn store_result_mistakes() {
    let mut s = ready();
    assert_eq!(codes_for(&mut s, done(99, OpResult::Done)), ["unknown-op"]);
    outbound_call(&mut s, true);
    let out = s.handle(done(1, OpResult::Exists { exists: true }));
    assert_eq!(codes(&out), ["unexpected-result"]);
    assert!(matches!(&acts(&out)[..], [Act::Post(t, _)] if t == "CREATE_ENGAGEMENT_FAILED"));
    assert_eq!(
        codes_for(&mut s, done(1, OpResult::Done)),
        ["unknown-op"],
        "answered once"
    );
}
