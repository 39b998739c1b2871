//! The call object's properties are the engine's decision: what a CreateCall carries for an
//! outbound call after a dial, an inbound call, and a call the engine knows little about.

mod common;

use std::collections::BTreeMap;

use callhost_protocol::engine::*;
use common::*;
use serde_json::json;

/// The CreateCall among `outputs`: its properties, association and number called.
fn create_call(
    outputs: &[Output],
) -> (BTreeMap<String, String>, Option<ObjectRef>, Option<String>) {
    let found: Vec<_> = outputs
        .iter()
        .filter_map(|o| match o {
            Output::Store {
                request:
                    StoreRequest::CreateCall {
                        app_id,
                        properties,
                        associate,
                        called_number,
                        ..
                    },
                ..
            } => {
                assert_eq!(*app_id, APP_ID);
                Some((properties.clone(), associate.clone(), called_number.clone()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(found.len(), 1, "{outputs:?}");
    found[0].clone()
}

#[test]
fn an_outbound_call_takes_the_dialed_number_and_click_time_when_the_app_gives_neither() {
    let mut s = ready();
    s.handle(Input::Page(PageInput::Dial(dial())));
    let out = s.handle(app(msg(
        "OUTGOING_CALL_STARTED",
        json!({"externalCallId": "c1", "createEngagement": true}),
    )));
    let (properties, associate, called) = create_call(&out);
    assert_eq!(
        properties,
        call_properties(&[
            ("hs_call_direction", "OUTBOUND"),
            ("hs_call_status", "CONNECTING"),
            ("hs_call_source", "INTEGRATIONS_PLATFORM"),
            ("hs_call_external_id", "c1"),
            ("hs_call_app_id", &APP_ID.to_string()),
            ("hubspot_owner_id", &OWNER.to_string()),
            ("hs_call_to_number", "+1 617 555 0100"),
            ("hs_timestamp", "1700000000000"),
        ])
    );
    assert_eq!(
        associate,
        Some(ObjectRef {
            object_type_id: "0-1".into(),
            object_id: 501
        })
    );
    assert_eq!(called, None, "an outbound call has no help-desk channel");
}

#[test]
fn an_inbound_call_rings_names_the_number_called_and_is_associated_with_the_first_match() {
    let mut s = ready();
    s.handle(app(msg(
        "INCOMING_CALL",
        json!({"externalCallId": "in1", "fromNumber": "+16175550100",
               "toNumber": "+18005550100", "createEngagement": true}),
    )));
    let first = CallerIdMatch {
        caller_id_type: "COMPANY".into(),
        object_type_id: "0-2".into(),
        object_id: 601,
        first_name: None,
        last_name: None,
        email: None,
        name: Some("Analytical Engines".into()),
    };
    let second = CallerIdMatch {
        object_id: 602,
        ..first.clone()
    };
    let out = s.handle(done(
        1,
        OpResult::Matches {
            matches: vec![first, second],
        },
    ));
    let (properties, associate, called) = create_call(&out);
    assert_eq!(
        properties,
        call_properties(&[
            ("hs_call_direction", "INBOUND"),
            ("hs_call_status", "RINGING"),
            ("hs_call_source", "INTEGRATIONS_PLATFORM"),
            ("hs_call_external_id", "in1"),
            ("hs_call_app_id", &APP_ID.to_string()),
            ("hubspot_owner_id", &OWNER.to_string()),
            ("hs_call_from_number", "+16175550100"),
            ("hs_call_to_number", "+18005550100"),
        ]),
        "no callStartTime: no hs_timestamp (the engine has no clock)"
    );
    assert_eq!(
        associate,
        Some(ObjectRef {
            object_type_id: "0-2".into(),
            object_id: 601
        })
    );
    assert_eq!(called.as_deref(), Some("+18005550100"));
}

#[test]
fn the_apps_start_time_wins_and_what_is_unknown_is_left_out() {
    let mut s = ready();
    let out = s.handle(app(msg(
        "OUTGOING_CALL_STARTED",
        json!({"externalCallId": "c2", "callStartTime": 1_700_000_123_000_i64,
               "createEngagement": true}),
    )));
    let (properties, associate, _) = create_call(&out);
    assert_eq!(properties["hs_timestamp"], "1700000123000");
    assert!(
        !properties.contains_key("hs_call_to_number"),
        "{properties:?}"
    );
    assert!(
        !properties.contains_key("hs_call_from_number"),
        "{properties:?}"
    );
    assert_eq!(associate, None);
}
