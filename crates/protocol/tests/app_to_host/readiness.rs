//! The handshake and readiness: SYNC_ACK, INITIALIZED (both widget-size names), and the
//! app's login and availability messages, as the page's app status.

use callhost_protocol::engine::*;
use serde_json::json;

use crate::common::*;

#[test]
fn sync_ack_records_the_app_origin_version_and_debug_mode() {
    let mut s = Session::new(config());
    s.handle(Input::Page(PageInput::Loaded));
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
    s.handle(Input::Page(PageInput::Loaded));
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
    // sizeInfo is documented for INITIALIZED and sent by HubSpot's demo apps: no finding.
    assert!(codes(&out).is_empty());
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
