//! Validation findings: the stable codes the inspector shows and filters on.
//!
//! A finding never changes what the engine does beyond what its message says; it explains a
//! message that HubSpot would have treated differently, or that a calling app should fix.
//! Codes are kebab-case and stable: the project docs and the inspector's filters use them.
//! Add a code here (and to the table) rather than reusing one for a different meaning.
//!
//! | code | meaning |
//! |---|---|
//! | `not-an-object` | the message is not a JSON object; it is ignored |
//! | `missing-type` | `type` is missing, empty or not a string; the message is ignored (the SDK drops it too) |
//! | `missing-message-id` | `messageId` is missing, empty or not a string; ignored, as HubSpot's SDK host drops it |
//! | `unknown-type` | the type is not in the SDK's catalog; ignored |
//! | `host-only-type` | a type only the host sends (DIAL_NUMBER, SYNC, READY, ...) came from the app; ignored |
//! | `deprecated-type` | a deprecated message type (PUBLISH_TO_CHANNEL); handled, informational |
//! | `deprecated-alias` | a deprecated field name (`phoneNumber`, `callId`, `widgetSize`); accepted, informational |
//! | `missing-field` | a field the spec requires is missing from `data` |
//! | `wrong-type` | a field (or `data` itself) has the wrong JSON type; it is treated as absent |
//! | `invalid-value` | a field has the right type but a value outside its documented set |
//! | `before-sync` | a message other than SYNC_ACK arrived before the handshake finished |
//! | `duplicate-sync-ack` | a SYNC_ACK after the handshake (two SDK instances, React StrictMode); tolerated |
//! | `origin-mismatch` | SYNC_ACK's `iFrameUrl` is not the origin the message came from; the real origin is used |
//! | `out-of-order` | a message out of its place in the sequence (LOGGED_IN before INITIALIZED, CALL_ANSWERED after CALL_ENDED, ...) |
//! | `not-logged-in` | a call started while the app had not reported LOGGED_IN |
//! | `unknown-call` | a call event for an `externalCallId` this session never saw start |
//! | `duplicate-call` | a call started twice with one `externalCallId`; the first call (and engagement) is kept |
//! | `unknown-engagement` | an engagement is needed but none is known or given; the request fails |
//! | `engagement-mismatch` | `engagementId` differs from the one created for the call |
//! | `invalid-property` | an `engagementProperties` entry is not a known call property or not a scalar; it is left out of the update |
//! | `widget-url-refused` | SET_WIDGET_URL named a URL that is not https (or http on loopback) or not an allowed origin |
//! | `wrong-portal` | NAVIGATE_TO_RECORD named another portal's record |
//! | `app-error` | the app's SDK answered a host message with ERROR `UNKNOWN_MESSAGE_TYPE` |
//! | `dropped-origin` | the page refused a message whose `event.origin` was not the app's |
//! | `dropped-source` | the page refused a message whose `event.source` was not the app's iframe |
//! | `unknown-op` | a store result for an operation the engine is not waiting for; ignored |
//! | `unexpected-result` | a store result of the wrong kind for its request; treated as a failure |
//! | `page-frame-refused` | the host page sent the server a frame that is not a page input (malformed, or one only the server may send); answered with a `refused` frame |
//! | `page-frame-too-large` | the host page sent the server a frame over the size limit; the socket was closed with 1009 |

use super::io::Finding;

pub const NOT_AN_OBJECT: &str = "not-an-object";
pub const MISSING_TYPE: &str = "missing-type";
pub const MISSING_MESSAGE_ID: &str = "missing-message-id";
pub const UNKNOWN_TYPE: &str = "unknown-type";
pub const HOST_ONLY_TYPE: &str = "host-only-type";
pub const DEPRECATED_TYPE: &str = "deprecated-type";
pub const DEPRECATED_ALIAS: &str = "deprecated-alias";
pub const MISSING_FIELD: &str = "missing-field";
pub const WRONG_TYPE: &str = "wrong-type";
pub const INVALID_VALUE: &str = "invalid-value";
pub const BEFORE_SYNC: &str = "before-sync";
pub const DUPLICATE_SYNC_ACK: &str = "duplicate-sync-ack";
pub const ORIGIN_MISMATCH: &str = "origin-mismatch";
pub const OUT_OF_ORDER: &str = "out-of-order";
pub const NOT_LOGGED_IN: &str = "not-logged-in";
pub const UNKNOWN_CALL: &str = "unknown-call";
pub const DUPLICATE_CALL: &str = "duplicate-call";
pub const UNKNOWN_ENGAGEMENT: &str = "unknown-engagement";
pub const ENGAGEMENT_MISMATCH: &str = "engagement-mismatch";
pub const INVALID_PROPERTY: &str = "invalid-property";
pub const WIDGET_URL_REFUSED: &str = "widget-url-refused";
pub const WRONG_PORTAL: &str = "wrong-portal";
pub const APP_ERROR: &str = "app-error";
pub const DROPPED_ORIGIN: &str = "dropped-origin";
pub const DROPPED_SOURCE: &str = "dropped-source";
pub const UNKNOWN_OP: &str = "unknown-op";
pub const UNEXPECTED_RESULT: &str = "unexpected-result";
pub const PAGE_FRAME_REFUSED: &str = "page-frame-refused";
pub const PAGE_FRAME_TOO_LARGE: &str = "page-frame-too-large";

/// Every code, in the order of the table above (tests check the table and this list agree).
pub const ALL: &[&str] = &[
    NOT_AN_OBJECT,
    MISSING_TYPE,
    MISSING_MESSAGE_ID,
    UNKNOWN_TYPE,
    HOST_ONLY_TYPE,
    DEPRECATED_TYPE,
    DEPRECATED_ALIAS,
    MISSING_FIELD,
    WRONG_TYPE,
    INVALID_VALUE,
    BEFORE_SYNC,
    DUPLICATE_SYNC_ACK,
    ORIGIN_MISMATCH,
    OUT_OF_ORDER,
    NOT_LOGGED_IN,
    UNKNOWN_CALL,
    DUPLICATE_CALL,
    UNKNOWN_ENGAGEMENT,
    ENGAGEMENT_MISMATCH,
    INVALID_PROPERTY,
    WIDGET_URL_REFUSED,
    WRONG_PORTAL,
    APP_ERROR,
    DROPPED_ORIGIN,
    DROPPED_SOURCE,
    UNKNOWN_OP,
    UNEXPECTED_RESULT,
    PAGE_FRAME_REFUSED,
    PAGE_FRAME_TOO_LARGE,
];

/// A finding with a stable code.
pub fn finding(code: &'static str, message: impl Into<String>) -> Finding {
    Finding {
        code: code.to_string(),
        message: message.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The doc table is the published list: every code in it, once, in order, and no others.
    #[test]
    fn doc_table_lists_exactly_the_codes() {
        let source = include_str!("findings.rs");
        let documented: Vec<&str> = source
            .lines()
            .filter_map(|l| l.strip_prefix("//! | `"))
            .filter_map(|l| l.split('`').next())
            .collect();
        assert_eq!(documented, ALL);
    }

    #[test]
    fn codes_are_kebab_case() {
        for code in ALL {
            assert!(code.chars().all(|c| c.is_ascii_lowercase() || c == '-'));
        }
    }
}

#[cfg(test)]
mod docs_tests {
    /// The project's docs list every finding code.
    #[test]
    fn docs_findings_page_lists_every_code() {
        let page = include_str!("../../../../docs/findings.md");
        for code in super::ALL {
            assert!(
                page.contains(&format!("| `{code}` |")),
                "docs/findings.md lacks {code}"
            );
        }
    }
}
