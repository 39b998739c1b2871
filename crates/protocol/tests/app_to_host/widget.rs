//! The widget's own messages: NAVIGATE_TO_RECORD, RESIZE_WIDGET, ERROR and SET_WIDGET_URL
//! (the one way an app moves its iframe, so the origin rules are tested here).

use callhost_protocol::engine::*;
use serde_json::json;

use crate::common::*;

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
            message: "<b>mic</b> blocked".into(),
            logged_out: false,
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
    let out = s.handle(Input::Page(PageInput::Loaded));
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
