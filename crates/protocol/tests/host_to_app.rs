//! docs/protocol.md#host-to-app-messages, row by row: when the engine sends each host → app message, and with what.

mod common;

use callhost_protocol::catalog;
use callhost_protocol::engine::*;
use common::*;
use serde_json::json;

#[test]
fn sync_carries_the_design_fields_to_the_app_origin() {
    let mut s = Session::new(config());
    let out = s.handle(Input::Page(PageInput::Loaded));
    let mut fields = serde_json::Map::new();
    fields.insert("hostUrl".into(), HOST.into());
    fields.insert("portalId".into(), PORTAL.into());
    fields.insert("userId".into(), USER.into());
    fields.insert("ownerId".into(), OWNER.into());
    fields.insert("iframeLocation".into(), "widget".into());
    fields.insert("usesCallingWindow".into(), false.into());
    assert_eq!(
        acts(&out),
        [Act::Ui(UiCommand::StartSync {
            fields,
            target_origin: APP.into()
        })]
    );
}

#[test]
fn dial_number_describes_the_dialed_record() {
    let mut s = ready();
    let out = s.handle(Input::Page(PageInput::Dial(dial())));
    assert_eq!(
        acts(&out),
        [
            Act::Ui(UiCommand::Show),
            post(
                "DIAL_NUMBER",
                json!({
                    "phoneNumber": "+1 617 555 0100",
                    "phone_number": "+1 617 555 0100",
                    "countryCode": "US",
                    "calleeInfo": {"calleeId": 501, "calleeObjectTypeId": "0-1"},
                    "objectId": 501,
                    "objectType": "CONTACT",
                    "ownerId": OWNER,
                    "portalId": PORTAL,
                    "subjectId": 501,
                    "startTimestamp": 1_700_000_000_000i64,
                    "toPhoneNumberSrc": "mobilephone",
                })
            ),
        ]
    );
}

#[test]
fn dial_number_on_a_custom_object_keeps_its_type_id() {
    let mut s = ready();
    let mut request = dial();
    request.object_type_id = Some("2-123".into());
    let out = s.handle(Input::Page(PageInput::Dial(request)));
    let Act::Post(_, data) = &acts(&out)[1] else {
        panic!()
    };
    assert_eq!(data["calleeInfo"]["calleeObjectTypeId"], "2-123");
    assert!(data["objectType"].is_null());
}

/// A number dialed without a record (the automation API's dial by number) carries no record
/// fields, and the call it starts is associated with nothing.
#[test]
fn a_number_dialed_without_a_record_names_no_record() {
    let mut s = ready();
    let mut request = dial();
    request.object_type_id = None;
    request.object_id = None;
    request.property = None;
    let out = s.handle(Input::Page(PageInput::Dial(request)));
    let Act::Post(_, data) = &acts(&out)[1] else {
        panic!()
    };
    assert_eq!(data["phoneNumber"], "+1 617 555 0100");
    for absent in [
        "calleeInfo",
        "objectId",
        "objectType",
        "subjectId",
        "toPhoneNumberSrc",
    ] {
        assert!(data.get(absent).is_none(), "{absent} in {data}");
    }
    let out = s.handle(app(msg(
        "OUTGOING_CALL_STARTED",
        json!({"externalCallId": "c1", "toNumber": "+16175550100", "createEngagement": true}),
    )));
    let associate = out.iter().find_map(|o| match o {
        Output::Store {
            request: StoreRequest::CreateCall { associate, .. },
            ..
        } => Some(associate.clone()),
        _ => None,
    });
    assert_eq!(associate, Some(None));
}

#[test]
fn dial_number_is_not_sent_to_a_logged_out_app() {
    let mut s = ready();
    s.handle(app(bare("LOGGED_OUT")));
    let out = s.handle(Input::Page(PageInput::Dial(dial())));
    assert!(matches!(
        &acts(&out)[..],
        [
            Act::Ui(UiCommand::Show),
            Act::Ui(UiCommand::Alert {
                logged_out: true,
                ..
            })
        ]
    ));
    // Logging in clears that alert: the page drops a logged-out alert on this status.
    assert_eq!(
        acts(&s.handle(app(bare("LOGGED_IN")))),
        [Act::Ui(UiCommand::AppStatus {
            logged_in: true,
            available: None
        })]
    );
}

#[test]
fn engagement_created_is_sent_only_when_the_host_options_ask_for_it() {
    let mut cfg = config();
    cfg.legacy_engagement_created = true;
    let mut s = ready_with(cfg);
    outbound_call(&mut s, true);
    let out = s.handle(done(1, OpResult::Call { engagement_id: 4 }));
    assert_eq!(
        acts(&out)[..2],
        [
            post("CREATE_ENGAGEMENT_SUCCEEDED", json!({"engagementId": 4})),
            post("ENGAGEMENT_CREATED", json!({"engagementId": 4})),
        ]
    );
}

#[test]
fn visibility_changed_follows_minimize_restore_and_close() {
    let mut s = ready();
    let cases = [
        (UserAction::Minimize, UiCommand::Minimize, true, false),
        (UserAction::Restore, UiCommand::Show, false, false),
        (UserAction::Close, UiCommand::Hide, false, true),
    ];
    for (action, command, minimized, hidden) in cases {
        let out = s.handle(Input::Page(PageInput::User(action)));
        assert_eq!(
            acts(&out),
            [
                Act::Ui(command),
                post(
                    "VISIBILITY_CHANGED",
                    json!({"isMinimized": minimized, "isHidden": hidden})
                ),
            ]
        );
    }
}

#[test]
fn visibility_changes_before_the_handshake_only_change_the_ui() {
    let mut s = Session::new(config());
    let out = s.handle(Input::Page(PageInput::User(UserAction::Minimize)));
    assert_eq!(acts(&out), [Act::Ui(UiCommand::Minimize)]);
}

#[test]
fn end_call_carries_the_active_calls_ids() {
    let mut s = ready();
    logged_outbound_call(&mut s, 77);
    let out = s.handle(Input::Page(PageInput::User(UserAction::EndCall)));
    assert_eq!(
        acts(&out),
        [post(
            "END_CALL",
            json!({"externalCallId": "c1", "engagementId": 77})
        )]
    );
    s.handle(app(msg("CALL_ENDED", json!({"externalCallId": "c1"}))));
    assert!(acts(&s.handle(Input::Page(PageInput::User(UserAction::EndCall)))).is_empty());
}

#[test]
fn the_host_never_sends_the_types_an_app_cannot_take() {
    // INITIATE_CALL_ID_*, SET_CALL_STATE and FAILED are handled by the SDK but undocumented
    // (docs/design.md#messages-callhost-never-sends: not sent); the rest would be answered with ERROR.
    let mut s = ready();
    let mut sent = Vec::new();
    let mut collect = |out: Vec<Output>| {
        for a in acts(&out) {
            if let Act::Post(t, _) = a {
                sent.push(t);
            }
        }
    };
    collect(outbound_call(&mut s, true));
    collect(s.handle(done(1, OpResult::Call { engagement_id: 1 })));
    collect(s.handle(Input::Page(PageInput::User(UserAction::EndCall))));
    collect(s.handle(app(msg(
        "CALL_COMPLETED",
        json!({"externalCallId": "c1", "engagementProperties": {}}),
    ))));
    collect(s.handle(done(2, OpResult::Done)));
    let c = catalog();
    for t in &sent {
        assert!(c.app_handles(t), "{t}");
        assert!(
            !["SET_CALL_STATE", "FAILED"].contains(&t.as_str()) && !t.starts_with("INITIATE_"),
            "{t}"
        );
    }
    assert!(sent.len() >= 4, "{sent:?}");
}
