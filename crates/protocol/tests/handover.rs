//! A session between processes (docs/design.md#session-handover,
//! docs/design.md#pages-of-a-user): it serializes whole and goes on where it was, and what
//! another session of the same user shows on this session's page is the engine's decision.

mod common;

use callhost_protocol::engine::*;
use common::*;

#[test]
fn a_session_read_back_from_json_goes_on_where_it_was() {
    let mut s = ready();
    // A call in flight: created, and its CREATE_ENGAGEMENT answer still to come.
    outbound_call(&mut s, true);
    let json = serde_json::to_string(&s).unwrap();
    let mut resumed: Session = serde_json::from_str(&json).unwrap();
    assert_eq!(resumed.restate(), s.restate());
    let a = s.handle(done(1, OpResult::Call { engagement_id: 77 }));
    let b = resumed.handle(done(1, OpResult::Call { engagement_id: 77 }));
    assert_eq!(acts(&a), acts(&b));
    assert!(acts(&b).contains(&call_changed(77, "c1")), "{b:?}");
}

fn inbound_state(external_call_id: &str) -> UiCommand {
    state_of(external_call_id, Direction::Inbound)
}

fn state_of(external_call_id: &str, direction: Direction) -> UiCommand {
    UiCommand::CallState {
        external_call_id: external_call_id.into(),
        engagement_id: Some(5),
        state: CallPhase::Ringing,
        live: true,
        direction: Some(direction),
        number: Some("+1".into()),
        display_name: None,
        caller: None,
    }
}

#[test]
fn pages_of_the_user_reread_changed_calls_and_remotes_show_inbound_calls_from_elsewhere() {
    let changed = UiCommand::CallChanged {
        engagement_id: 5,
        external_call_id: Some("x".into()),
    };
    let widget = ready();
    let remote = ready_with(SessionConfig {
        iframe_location: IframeLocation::Remote,
        ..config()
    });
    for session in [&widget, &remote] {
        assert_eq!(
            session.relayed(PORTAL, USER, APP_ID, &changed),
            Some(changed.clone())
        );
        // Never another user's or another portal's.
        assert_eq!(session.relayed(PORTAL, USER + 1, APP_ID, &changed), None);
        assert_eq!(session.relayed(PORTAL + 1, USER, APP_ID, &changed), None);
    }
    let ringing = inbound_state("elsewhere");
    assert_eq!(
        remote.relayed(PORTAL, USER, APP_ID, &ringing),
        Some(ringing.clone())
    );
    // Only the calling remote shows it, only for its own app.
    assert_eq!(widget.relayed(PORTAL, USER, APP_ID, &ringing), None);
    assert_eq!(remote.relayed(PORTAL, USER, APP_ID + 1, &ringing), None);
    // Nothing else crosses: an outbound call's state, a resize.
    let outbound = state_of("elsewhere", Direction::Outbound);
    assert_eq!(remote.relayed(PORTAL, USER, APP_ID, &outbound), None);
    let show = UiCommand::Show;
    assert_eq!(remote.relayed(PORTAL, USER, APP_ID, &show), None);
}

#[test]
fn a_remote_that_knows_the_call_keeps_its_own_state() {
    let mut remote = ready_with(SessionConfig {
        iframe_location: IframeLocation::Remote,
        ..config()
    });
    incoming_call(&mut remote, false);
    assert_eq!(
        remote.relayed(PORTAL, USER, APP_ID, &inbound_state("in1")),
        None
    );
}
