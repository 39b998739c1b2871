//! The widget itself: its size, its URL, alerts, and navigation to records.
//!
//! SET_WIDGET_URL is the one way an app moves its iframe to another origin, so it is where
//! the security rule lives: the new URL must be https (or http on loopback) and on the
//! settings URL's origin or one the app allows (docs/design.md#widget-url-changes). Posts after an accepted move wait
//! for the new SYNC; the refusal goes to the origin the request came from.

use serde_json::{json, Value};

use super::calls::Pending;
use super::findings;
use super::io::*;
use super::origin::{origin_or_trimmed, WidgetUrl};
use super::replies;
use super::session::{Session, Turn};
use super::validate::{self, Fields};

impl Session {
    pub(super) fn on_resize(&mut self, data: Fields, turn: &mut Turn) {
        self.resize(data, turn);
    }

    /// RESIZE_WIDGET and INITIALIZED's size, formatted like `IFrameManager.formatSize`.
    pub(super) fn resize(&mut self, size: Fields, turn: &mut Turn) {
        let mut dimension = |name: &str| {
            let value = size.raw(name)?;
            if !matches!(value, Value::Number(_) | Value::String(_)) {
                turn.find(
                    findings::WRONG_TYPE,
                    format!(
                        "`{name}` should be a number or a CSS length, not {}",
                        validate::json_kind(value)
                    ),
                );
            }
            replies::format_size(Some(value))
        };
        let width = dimension("width");
        let height = dimension("height");
        if width.is_some() || height.is_some() {
            turn.ui(UiCommand::Resize { width, height });
        }
    }

    /// ERROR: the app's own message is shown as an alert; the SDK's automatic
    /// UNKNOWN_MESSAGE_TYPE report is for developers only. Never answered (docs/protocol.md#never-answer-error).
    pub(super) fn on_error(&mut self, data: Fields, turn: &mut Turn) {
        let f = &mut turn.findings;
        if data.raw("type").and_then(Value::as_str) == Some("UNKNOWN_MESSAGE_TYPE") {
            let original = data
                .raw("data")
                .and_then(|d| d.get("originalMessage"))
                .and_then(|m| m.get("type"))
                .and_then(Value::as_str)
                .unwrap_or("?");
            turn.find(
                findings::APP_ERROR,
                format!("the app's SDK did not recognise the host message {original}"),
            );
            return;
        }
        let message = data
            .str("message", false, f)
            .filter(|m| !m.is_empty())
            .unwrap_or("The calling app reported an error.");
        turn.ui(UiCommand::Alert {
            message: message.to_string(),
            logged_out: false,
        });
    }

    pub(super) fn on_set_widget_url(&mut self, data: Fields, top: Fields, turn: &mut Turn) {
        let f = &mut turn.findings;
        // setWidgetUrl({iFrameUrl}) since 2024; the 2019 form puts iFrameUrl at the top level.
        let candidate = match data.str("iFrameUrl", false, f) {
            Some(url) => Some(url),
            None => top.str("iFrameUrl", false, f),
        };
        let Some(candidate) = candidate else {
            turn.find(findings::MISSING_FIELD, "`iFrameUrl` is required");
            let failure = replies::failure("iFrameUrl is required", &[]);
            self.post(turn, "SET_WIDGET_URL_FAILED", failure);
            return;
        };
        let mut allowed = vec![origin_or_trimmed(&self.config.app_url)];
        allowed.extend(
            self.config
                .allowed_origins
                .iter()
                .map(|o| origin_or_trimmed(o)),
        );
        match WidgetUrl::parse(candidate, &allowed) {
            Ok(url) => {
                self.current_url = url.url.clone();
                self.app_origin = url.origin.clone();
                self.synced = false;
                self.initialized = false;
                turn.ui(UiCommand::LoadUrl {
                    url: url.url,
                    app_origin: url.origin,
                });
            }
            Err(message) => {
                turn.find(findings::WIDGET_URL_REFUSED, message.clone());
                let failure = replies::failure(&message, &[("iFrameUrl", json!(candidate))]);
                self.post(turn, "SET_WIDGET_URL_FAILED", failure);
            }
        }
    }

    /// NAVIGATE_TO_RECORD: open the record if it exists in this portal.
    pub(super) fn on_navigate(&mut self, data: Fields, turn: &mut Turn) {
        let f = &mut turn.findings;
        let coordinates = data
            .raw("objectCoordinates")
            .cloned()
            .unwrap_or(Value::Null);
        let fields = data.object("objectCoordinates", true, f);
        let given = data.id("engagementId", false, f);
        let new_tab = data.one_of("openIn", &["CURRENT_TAB", "NEW_TAB"], f) == Some("NEW_TAB");
        let object = fields.and_then(|c| {
            let object_type_id = c.str("objectTypeId", true, f);
            let object_id = c.id("objectId", true, f);
            Some(ObjectRef {
                object_type_id: object_type_id?.to_string(),
                object_id: object_id?,
            })
        });
        let portal = fields.and_then(|c| c.id("portalId", false, f));
        let engagement_id =
            json!(given.or_else(|| self.active_call().and_then(|c| c.engagement_id)));
        let Some(object) = object else {
            self.navigate_failed(
                turn,
                "objectCoordinates are incomplete",
                engagement_id,
                coordinates,
            );
            return;
        };
        if let Some(portal) = portal.filter(|p| *p != self.config.portal_id) {
            turn.find(
                findings::WRONG_PORTAL,
                format!(
                    "the record is in portal {portal}, not {}",
                    self.config.portal_id
                ),
            );
            self.navigate_failed(
                turn,
                "the record is in another portal",
                engagement_id,
                coordinates,
            );
            return;
        }
        let request = StoreRequest::RecordExists {
            object: object.clone(),
        };
        let pending = Pending::RecordExists {
            object,
            new_tab,
            engagement_id,
            coordinates,
        };
        self.store(turn, request, pending);
    }

    pub(super) fn navigate_failed(
        &mut self,
        turn: &mut Turn,
        message: &str,
        engagement_id: Value,
        coordinates: Value,
    ) {
        let ids = [
            ("engagementId", engagement_id),
            ("objectCoordinates", coordinates),
        ];
        self.post(
            turn,
            "NAVIGATE_TO_RECORD_FAILED",
            replies::failure(message, &ids),
        );
    }
}
