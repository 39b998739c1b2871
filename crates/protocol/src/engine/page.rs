//! The page's share of the engine's interface: the WebSocket frames between a host page and
//! the server, typed apart from [`Input`] and [`Output`] so that the boundary is the type
//! system's to check.
//!
//! A page sends [`PageInput`]s: what it observed, never a store result ([`Input::Done`],
//! which only the server may feed the engine). It receives [`PageOutput`]s: the session frame,
//! then the engine's `post` and `ui` outputs; `store` and `log` are the server's and never
//! reach it. `web/static/types.js` is generated from these types ([`crate::page_types`]), and a
//! test fails when it is stale.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::io::*;

/// What a host page may send over the WebSocket: only what it observed. A store result is not
/// among them: a frame of kind `done` does not parse, so a page can never answer the engine's
/// store requests in the server's place. Each variant is the [`Input`] of the same name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "kind"
)]
pub enum PageInput {
    /// The iframe fired `load`: the engine answers with `ui:startSync`.
    Loaded,
    /// A message the page accepted from the iframe (`event.source` and `event.origin` checked).
    App { message: Value, origin: String },
    /// A message the page refused; the engine only logs it as a finding.
    Dropped {
        message: Value,
        origin: String,
        reason: DropReason,
    },
    /// The page gave up waiting for SYNC_ACK (30 s after load), or the iframe failed to load.
    SyncFailed,
    /// A Call button was clicked.
    Dial(DialRequest),
    /// The user did something in the widget.
    User(UserAction),
}

impl Output {
    /// The output as a frame for the page, when it is one (`post` and `ui`); `store` and `log`
    /// are the server's.
    pub fn to_page(&self) -> Option<PageOutput> {
        match self {
            Output::Post {
                message,
                target_origin,
            } => Some(PageOutput::Post {
                message: message.clone(),
                target_origin: target_origin.clone(),
            }),
            Output::Ui(command) => Some(PageOutput::Ui(command.clone())),
            Output::Store { .. } | Output::Log(_) => None,
        }
    }
}

/// What the server sends a host page over the WebSocket: first the session frame, then the
/// engine's `post` and `ui` outputs; and the server's own `refused` (a frame it refused) and
/// `selectApp` (the automation API choosing the widget's app, docs/automation.md#actions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "kind"
)]
pub enum PageOutput {
    /// The first frame of every connection: the session's id (to resume it after a reload or
    /// a lost connection) and its configuration.
    Session {
        session_id: String,
        config: SessionConfig,
    },
    /// Post `message` into the iframe with exactly this target origin.
    Post {
        message: Value,
        target_origin: String,
    },
    Ui(UiCommand),
    /// The server refused a frame the page sent (it is not a page input); nothing reached
    /// the engine.
    Refused {
        message: String,
    },
    /// Switch the widget to this app, as if the user picked it in the switcher.
    SelectApp {
        app_id: i64,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A page reports what it saw; it never answers a store request in the server's place.
    #[test]
    fn a_page_frame_cannot_be_a_store_result() {
        let done =
            json!({"kind": "done", "op": 1, "result": {"result": "call", "engagementId": 9}});
        // The server's own input records as that frame in the inspector, and is no page input.
        let result = OpResult::Call { engagement_id: 9 };
        assert_eq!(
            serde_json::to_value(Input::Done { op: 1, result }).unwrap(),
            done
        );
        let refused = serde_json::from_value::<PageInput>(done).unwrap_err();
        assert!(
            refused.to_string().contains("unknown variant `done`"),
            "{refused}"
        );
        for kind in ["loaded", "syncFailed"] {
            let input: PageInput = serde_json::from_value(json!({ "kind": kind })).unwrap();
            assert_eq!(
                serde_json::to_value(Input::from(input)).unwrap(),
                json!({ "kind": kind })
            );
        }
    }

    /// The page hears `post` and `ui`, never the server's `store` and `log`.
    #[test]
    fn only_posts_and_ui_commands_reach_the_page() {
        let post = Output::Post {
            message: json!({"type": "DIAL_NUMBER"}),
            target_origin: "http://a".into(),
        };
        assert_eq!(
            serde_json::to_value(post.to_page()).unwrap(),
            serde_json::to_value(&post).unwrap()
        );
        let ui = Output::Ui(UiCommand::Show);
        assert_eq!(ui.to_page(), Some(PageOutput::Ui(UiCommand::Show)));
        let store = Output::Store {
            op: 1,
            request: StoreRequest::CallerId {
                number: "+1".into(),
            },
        };
        assert_eq!(store.to_page(), None);
        let log = Output::Log(LogEntry {
            flow: Flow::Host,
            message_type: None,
            message: json!({}),
            findings: vec![],
        });
        assert_eq!(log.to_page(), None);
    }
}
