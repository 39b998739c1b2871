//! What the engine decides for the page about a call (`ui:callState`): whether it is live, the
//! other party's number, who the page names (one rule: the first caller-ID match's name, else
//! the number) and the record it offers to open. The page only shows these fields.

mod common;

use callhost_protocol::engine::*;
use common::*;
use serde_json::json;

/// The `ui:callState` commands in `outputs`.
fn states(outputs: &[Output]) -> Vec<UiCommand> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Ui(command @ UiCommand::CallState { .. }) => Some(command.clone()),
            _ => None,
        })
        .collect()
}

/// Rings `in1` from `from` and answers its caller-ID lookup with `matches`; returns what the
/// page was told when the lookup came back.
fn ring(s: &mut Session, from: &str, matches: Vec<CallerIdMatch>) -> UiCommand {
    s.handle(app(msg(
        "INCOMING_CALL",
        json!({"externalCallId": "in1", "fromNumber": from, "toNumber": "+15550001111"}),
    )));
    let out = s.handle(done(1, OpResult::Matches { matches }));
    let mut told = states(&out);
    assert_eq!(told.len(), 1, "{out:?}");
    told.remove(0)
}

#[test]
fn an_outbound_call_shows_the_number_dialed_and_is_live_until_it_ends() {
    let mut s = ready();
    let out = outbound_call(&mut s, false);
    assert_eq!(
        states(&out),
        [UiCommand::CallState {
            external_call_id: "c1".into(),
            engagement_id: None,
            state: CallPhase::Dialing,
            live: true,
            direction: Some(Direction::Outbound),
            number: Some("+16175550100".into()),
            display_name: Some("+16175550100".into()),
            caller: None,
        }]
    );
    let out = s.handle(app(msg("CALL_ANSWERED", json!({"externalCallId": "c1"}))));
    assert!(matches!(
        states(&out)[..],
        [UiCommand::CallState {
            state: CallPhase::InProgress,
            live: true,
            ..
        }]
    ));
    let out = s.handle(app(msg(
        "CALL_ENDED",
        json!({"externalCallId": "c1", "callEndStatus": "COMPLETED"}),
    )));
    assert!(matches!(
        states(&out)[..],
        [UiCommand::CallState {
            state: CallPhase::Ended,
            live: false,
            ..
        }]
    ));
    let out = s.handle(app(msg("CALL_COMPLETED", json!({"externalCallId": "c1"}))));
    assert!(matches!(
        states(&out)[..],
        [UiCommand::CallState {
            state: CallPhase::Completed,
            live: false,
            ..
        }]
    ));
}

#[test]
fn an_outbound_call_without_a_number_takes_the_one_clicked() {
    let mut s = ready();
    s.handle(Input::Page(PageInput::Dial(dial())));
    let out = s.handle(app(msg(
        "OUTGOING_CALL_STARTED",
        json!({"externalCallId": "c1"}),
    )));
    assert!(matches!(
        &states(&out)[..],
        [UiCommand::CallState { number: Some(n), display_name: Some(d), .. }]
            if n == "+1 617 555 0100" && d == n
    ));
}

/// `ui:callState` for `in1` ringing from +16175550100, shown as `display_name`.
fn ringing(display_name: &str, caller: Option<ObjectRef>) -> UiCommand {
    UiCommand::CallState {
        external_call_id: "in1".into(),
        engagement_id: None,
        state: CallPhase::Ringing,
        live: true,
        direction: Some(Direction::Inbound),
        number: Some("+16175550100".into()),
        display_name: Some(display_name.into()),
        caller,
    }
}

#[test]
fn a_ringing_call_shows_its_number_until_caller_id_names_the_caller() {
    let mut s = ready();
    let out = s.handle(app(msg(
        "INCOMING_CALL",
        json!({"externalCallId": "in1", "fromNumber": "+16175550100", "toNumber": "+15550001111"}),
    )));
    assert_eq!(states(&out), [ringing("+16175550100", None)]);
    let out = s.handle(done(
        1,
        OpResult::Matches {
            matches: vec![contact(Some("Ada"), Some("Lovelace")), company("Acme")],
        },
    ));
    let ada = ObjectRef {
        object_type_id: "0-1".into(),
        object_id: 501,
    };
    assert_eq!(states(&out), [ringing("Ada Lovelace", Some(ada))]);
}

#[test]
fn the_caller_is_named_by_the_first_match_one_rule_for_contacts_and_companies() {
    let cases = [
        (vec![contact(Some("Ada"), None)], "Ada"),
        (vec![contact(None, Some("Lovelace"))], "Lovelace"),
        (
            vec![company("Acme Corporation"), contact(Some("Ada"), None)],
            "Acme Corporation",
        ),
        // A contact without a name is shown by the number, but still offered to open.
        (vec![contact(Some(" "), None)], "+16175550100"),
        (vec![], "+16175550100"),
    ];
    for (matches, expected) in cases {
        let first = matches.first().map(|m| ObjectRef {
            object_type_id: m.object_type_id.clone(),
            object_id: m.object_id,
        });
        let mut s = ready();
        let UiCommand::CallState {
            display_name,
            caller,
            ..
        } = ring(&mut s, "+16175550100", matches)
        else {
            unreachable!()
        };
        assert_eq!(display_name.as_deref(), Some(expected));
        assert_eq!(caller, first);
    }
}

#[test]
fn a_call_adopted_after_a_reload_is_live_with_nothing_known_of_the_other_party() {
    let mut s = ready_with(SessionConfig {
        engagement_id: Some(42),
        ..config()
    });
    let out = s.handle(app(msg("CALL_ANSWERED", json!({"externalCallId": "c9"}))));
    assert_eq!(
        states(&out),
        [UiCommand::CallState {
            external_call_id: "c9".into(),
            engagement_id: Some(42),
            state: CallPhase::InProgress,
            live: true,
            direction: None,
            number: None,
            display_name: None,
            caller: None,
        }]
    );
}
