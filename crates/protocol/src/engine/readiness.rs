//! Readiness: the handshake, the app's login and availability, and what the user asks of
//! the widget (dials, minimize, restore, close, end call).
//!
//! Invariant: DIAL_NUMBER only goes to an app that sent INITIALIZED and is logged in
//! (docs/design.md#dials-wait-for-a-ready-app). A click while the app loads is kept (the newest replaces older ones) and
//! delivered when it is ready; a logged-out app gets an alert instead and nothing is posted.

use serde_json::{json, Value};

use super::findings;
use super::io::*;
use super::origin::origin_of;
use super::replies;
use super::session::{Session, Turn};
use super::validate::Fields;

impl Session {
    /// SYNC_ACK ends the handshake the browser ran (docs/protocol.md#handshake).
    pub(super) fn on_sync_ack(&mut self, top: Fields<'_>, origin: &str, turn: &mut Turn) {
        let f = &mut turn.findings;
        let claimed = top.str("iFrameUrl", false, f);
        let version = top.str("version", false, f);
        let debug_mode = top.bool("debugMode", f);
        // The browser's event.origin is the truth; iFrameUrl is what the SDK's own host mode
        // trusts. They only differ for hand-written apps, which the finding points out.
        let actual = origin_of(origin);
        if let (Some(claimed), Some(actual)) = (claimed, actual.as_deref()) {
            if claimed != actual {
                turn.find(
                    findings::ORIGIN_MISMATCH,
                    format!("iFrameUrl {claimed:?} is not the app's origin {actual}"),
                );
            }
        }
        if let Some(origin) = actual.or_else(|| claimed.and_then(origin_of)) {
            self.app_origin = origin;
        }
        self.app_version = version.map(String::from).or(self.app_version.take());
        self.debug_mode = debug_mode.unwrap_or(self.debug_mode);
        if self.synced {
            turn.find(
                findings::DUPLICATE_SYNC_ACK,
                "another SYNC_ACK after the handshake (several SDK instances in the app?)",
            );
            return;
        }
        self.synced = true;
        turn.ui(UiCommand::Synced {
            app_origin: self.app_origin.clone(),
        });
    }

    pub(super) fn on_initialized(&mut self, data: Fields<'_>, turn: &mut Turn) {
        let f = &mut turn.findings;
        let logged_in = data.bool("isLoggedIn", f);
        let available = data.bool("isAvailable", f);
        let engagement_id = data.id("engagementId", false, f);
        // sizeInfo (2024 docs) and widgetSize (2019 README) both size the widget.
        let size = ["sizeInfo", "widgetSize"]
            .into_iter()
            .find_map(|name| data.object(name, false, f).map(|s| (name, s)));
        self.initialized = true;
        if let Some(logged_in) = logged_in {
            self.logged_in = logged_in;
        }
        if available.is_some() {
            self.available = available;
        }
        if let Some((name, size)) = size {
            // `sizeInfo` is a documented, optional part of INITIALIZED (docs/findings.md#sources).
            if name == "widgetSize" {
                turn.find(
                    findings::DEPRECATED_ALIAS,
                    "`widgetSize` is the 2019 name of INITIALIZED's `sizeInfo`; send `sizeInfo`",
                );
            }
            self.resize(size, turn);
        }
        self.app_status(turn);
        if let Some(engagement_id) = engagement_id {
            self.resume_engagement(engagement_id, turn);
        }
        self.deliver_pending_dial(turn);
    }

    pub(super) fn on_logged_in(&mut self, turn: &mut Turn) {
        if !self.initialized {
            turn.find(
                findings::OUT_OF_ORDER,
                "LOGGED_IN before INITIALIZED; call initialized() first",
            );
        }
        self.logged_in = true;
        self.app_status(turn);
        self.deliver_pending_dial(turn);
    }

    pub(super) fn app_status(&self, turn: &mut Turn) {
        turn.ui(UiCommand::AppStatus {
            logged_in: self.logged_in,
            available: self.available,
        });
    }

    pub(super) fn on_dial(&mut self, request: DialRequest, turn: &mut Turn) {
        turn.ui(UiCommand::Show);
        if !self.initialized {
            // The app is still loading: keep the latest click for INITIALIZED (docs/design.md#dials-wait-for-a-ready-app).
            self.pending_dial = Some(request);
        } else if !self.logged_in {
            self.pending_dial = None;
            turn.ui(not_logged_in_alert());
        } else {
            self.dial(request, turn);
        }
    }

    /// Sends a dial kept while the app loaded, once it is initialized and logged in; a
    /// logged-out app gets an alert instead, and the dial waits for LOGGED_IN.
    fn deliver_pending_dial(&mut self, turn: &mut Turn) {
        if !self.initialized || self.pending_dial.is_none() {
            return;
        }
        if !self.logged_in {
            turn.ui(not_logged_in_alert());
            return;
        }
        if let Some(request) = self.pending_dial.take() {
            self.dial(request, turn);
        }
    }

    fn dial(&mut self, request: DialRequest, turn: &mut Turn) {
        self.pending_dial = None;
        let data = replies::dial_number(&request, &self.config);
        self.post(turn, "DIAL_NUMBER", data);
        self.last_dial = Some(request);
    }

    pub(super) fn on_user(&mut self, action: UserAction, turn: &mut Turn) {
        let visibility =
            |minimized: bool, hidden: bool| json!({ "isMinimized": minimized, "isHidden": hidden });
        match action {
            UserAction::Minimize => {
                turn.ui(UiCommand::Minimize);
                self.post_if_synced(turn, "VISIBILITY_CHANGED", visibility(true, false));
            }
            UserAction::Restore => {
                turn.ui(UiCommand::Show);
                self.post_if_synced(turn, "VISIBILITY_CHANGED", visibility(false, false));
            }
            UserAction::Close => {
                turn.ui(UiCommand::Hide);
                self.post_if_synced(turn, "VISIBILITY_CHANGED", visibility(false, true));
            }
            UserAction::EndCall => {
                if let Some(call) = self.active_call() {
                    let data = json!({
                        "externalCallId": call.external_call_id,
                        "engagementId": call.engagement_id,
                    });
                    self.post(turn, "END_CALL", data);
                }
            }
            UserAction::TaskQueue { active } => self.task_queue = active,
        }
    }

    /// Visibility posts only make sense to an app that finished the handshake; before it the
    /// SDK would drop them anyway.
    fn post_if_synced(&mut self, turn: &mut Turn, message_type: &str, data: Value) {
        if self.synced {
            self.post(turn, message_type, data);
        }
    }
}

fn not_logged_in_alert() -> UiCommand {
    UiCommand::Alert {
        message: "The calling app is not logged in. Log in to the app to place the call."
            .to_string(),
        logged_out: true,
    }
}
