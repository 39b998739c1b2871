//! The protocol vocabulary: every message type, the app's handler name for each host message,
//! and the SDK constants, exactly as `@hubspot/calling-extensions-sdk` 0.9.7 publishes them.
//!
//! Invariant: this module and the SDK's `Constants` come from one file, `protocol.json` at the
//! crate root. It is embedded here with `include_str!`; `sdk/scripts/generate-constants.mjs`
//! generates `sdk/src/constants.js` from it, and tests on both sides fail when either copy is
//! stale or the catalog is inconsistent. Edit the JSON, never a copy.

use std::fmt;
use std::sync::OnceLock;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

/// The catalog's source text, shared with the SDK generator.
pub const CATALOG_JSON: &str = include_str!("../protocol.json");

/// A JSON object whose key order matters (the SDK reproduces the official key order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderedMap(Vec<(String, String)>);

impl OrderedMap {
    /// The value for `key`, if present.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Entries in their declared order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Keys in their declared order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_str())
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'de> Deserialize<'de> for OrderedMap {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OrderedVisitor;

        impl<'de> Visitor<'de> for OrderedVisitor {
            type Value = OrderedMap;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of strings")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OrderedMap, A::Error> {
                let mut entries = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, String>()? {
                    if entries
                        .iter()
                        .any(|(seen, _): &(String, String)| *seen == k)
                    {
                        return Err(serde::de::Error::custom(format!("duplicate key {k}")));
                    }
                    entries.push((k, v));
                }
                Ok(OrderedMap(entries))
            }
        }

        deserializer.deserialize_map(OrderedVisitor)
    }
}

/// The whole catalog. Field names follow the JSON (and the SDK's `Constants`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Catalog {
    #[serde(rename = "$comment")]
    _comment: String,
    /// The SDK version string apps report in SYNC_ACK (`"0.9.7-beta.0"` for 0.9.7).
    pub version: String,
    pub debug_message_type: OrderedMap,
    /// `Constants.thirdPartyToHostEvents`: messages an app sends.
    pub app_to_host: Vec<String>,
    /// Messages the host sends to an app (not exported by the SDK).
    pub host_to_app: Vec<String>,
    /// The rest of `Constants.messageType`: handshake, local and legacy types.
    pub other_message_types: Vec<String>,
    /// Deprecated message types, with the replacement.
    pub deprecated: OrderedMap,
    /// `Constants.messageHandlerNames`: the app's handler for each type it can receive.
    pub message_handler_names: OrderedMap,
    pub error_type: OrderedMap,
    pub call_status: OrderedMap,
    pub call_ringing_status: Vec<String>,
    pub call_in_progress_status: Vec<String>,
    pub call_ending_status: Vec<String>,
    pub call_end_status: Vec<String>,
    pub caller_id_types: OrderedMap,
}

impl Catalog {
    /// Parses a catalog from JSON text.
    pub fn parse(json: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(json)
    }

    /// Every message type, in the order of `Constants.messageType`.
    pub fn message_types(&self) -> impl Iterator<Item = &str> {
        self.app_to_host
            .iter()
            .chain(&self.host_to_app)
            .chain(&self.other_message_types)
            .map(String::as_str)
    }

    /// Whether `message_type` is one the SDK knows.
    pub fn is_message_type(&self, message_type: &str) -> bool {
        self.message_types().any(|t| t == message_type)
    }

    /// The app-side handler name for a message type (`DIAL_NUMBER` -> `onDialNumber`).
    pub fn handler_name(&self, message_type: &str) -> Option<&str> {
        self.message_handler_names.get(message_type)
    }

    /// Whether the app SDK dispatches this type to a handler. A host must never send a type
    /// for which this is false: the SDK answers it with ERROR `UNKNOWN_MESSAGE_TYPE`.
    pub fn app_handles(&self, message_type: &str) -> bool {
        self.handler_name(message_type).is_some()
    }

    /// Whether an app may send this type (SDK methods and the automatic messages).
    pub fn is_app_to_host(&self, message_type: &str) -> bool {
        self.app_to_host.iter().any(|t| t == message_type)
            || ["SYNC_ACK", "ERROR", "SET_WIDGET_URL"].contains(&message_type)
    }

    /// Whether a type is deprecated; the note names the replacement.
    pub fn deprecation(&self, message_type: &str) -> Option<&str> {
        self.deprecated.get(message_type)
    }
}

/// The embedded catalog, parsed once.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        // The unit tests parse the same text, so a bad catalog never gets past CI.
        Catalog::parse(CATALOG_JSON).expect("protocol.json is a valid catalog")
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    /// The SDK's spelling rule, which the JS generator also relies on.
    fn derived_handler_name(message_type: &str) -> String {
        let mut name = String::from("on");
        for word in message_type.split('_') {
            let mut chars = word.chars();
            if let Some(first) = chars.next() {
                name.push(first);
                name.extend(chars.flat_map(char::to_lowercase));
            }
        }
        name
    }

    #[test]
    fn catalog_parses_and_has_the_official_counts() {
        let c = catalog();
        assert_eq!(c.app_to_host.len(), 16);
        assert_eq!(c.message_types().count(), 43);
        assert_eq!(c.message_handler_names.len(), 21);
        assert_eq!(c.version, "0.9.7-beta.0");
        assert_eq!(c.call_status.len(), 11);
    }

    #[test]
    fn message_types_are_distinct_upper_snake_case() {
        let mut seen = HashSet::new();
        for t in catalog().message_types() {
            assert!(seen.insert(t), "duplicate {t}");
            assert!(
                !t.is_empty() && t.chars().all(|ch| ch.is_ascii_uppercase() || ch == '_'),
                "{t}"
            );
        }
    }

    #[test]
    fn every_handler_is_for_a_known_type_and_follows_the_naming_rule() {
        let c = catalog();
        for (t, name) in c.message_handler_names.iter() {
            assert!(c.is_message_type(t), "handler for unknown type {t}");
            assert_eq!(name, derived_handler_name(t), "handler for {t}");
        }
        assert_eq!(c.handler_name("DIAL_NUMBER"), Some("onDialNumber"));
        assert_eq!(c.handler_name("FAILED"), Some("onFailed"));
        assert_eq!(
            c.handler_name("CALLER_ID_MATCH_SUCCEEDED"),
            Some("onCallerIdMatchSucceeded")
        );
    }

    #[test]
    fn every_host_to_app_type_reaches_a_handler() {
        let c = catalog();
        for t in &c.host_to_app {
            assert!(c.app_handles(t), "{t} would be answered with ERROR");
        }
        for t in ["END_CALL", "SET_CALL_STATE", "FAILED"] {
            assert!(c.app_handles(t), "{t}");
        }
    }

    #[test]
    fn types_a_host_must_never_send_are_not_handled() {
        let c = catalog();
        for t in [
            "SYNC_ACK",
            "SYNC_ACK_FAILED",
            "ERROR",
            "UNLOADING",
            "UPDATE_ASSOCIATIONS_FAILED",
        ] {
            assert!(!c.app_handles(t), "{t}");
        }
        assert!(c.is_app_to_host("OUTGOING_CALL_STARTED"));
        assert!(c.is_app_to_host("SYNC_ACK"));
        assert!(!c.is_app_to_host("DIAL_NUMBER"));
    }

    #[test]
    fn deprecations_and_status_groups_refer_to_known_entries() {
        let c = catalog();
        for (t, note) in c.deprecated.iter() {
            assert!(c.is_message_type(t), "{t}");
            assert!(note.starts_with("use "), "{note}");
        }
        assert_eq!(
            c.deprecation("PUBLISH_TO_CHANNEL"),
            Some("use FINALIZE_ENGAGEMENT instead")
        );
        for group in [
            &c.call_ringing_status,
            &c.call_in_progress_status,
            &c.call_ending_status,
            &c.call_end_status,
        ] {
            for key in group {
                assert!(c.call_status.get(key).is_some(), "{key}");
            }
        }
        for (key, value) in c.call_status.iter() {
            assert_eq!(key, format!("INTERNAL_{value}"));
        }
    }

    #[test]
    fn ordered_map_keeps_order_and_rejects_duplicates() {
        let m: OrderedMap = serde_json::from_str(r#"{"b":"1","a":"2"}"#).unwrap();
        assert_eq!(m.keys().collect::<Vec<_>>(), ["b", "a"]);
        assert!(serde_json::from_str::<OrderedMap>(r#"{"a":"1","a":"2"}"#).is_err());
    }

    #[test]
    fn unknown_catalog_fields_are_rejected() {
        let mut value: serde_json::Value = serde_json::from_str(CATALOG_JSON).unwrap();
        value["surprise"] = serde_json::json!(1);
        assert!(Catalog::parse(&value.to_string()).is_err());
    }

    /// The SDK's generated constants must carry every name of this catalog. The JS test
    /// `sdk/test/build.test.mjs` checks the file is exactly what the generator writes; this
    /// one fails from `cargo test` alone when the generated copy is stale.
    #[test]
    fn generated_sdk_constants_agree_with_the_catalog() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../sdk/src/constants.js");
        let js = std::fs::read_to_string(path).expect("sdk/src/constants.js exists");
        let c = catalog();
        assert!(js.contains(&format!("export const VERSION = \"{}\";", c.version)));
        let words = |list: &[String]| format!("\"{}\"", list.join(" "));
        assert!(js.contains(&words(&c.app_to_host)), "app-to-host types");
        assert!(js.contains(&words(&c.host_to_app)), "host-to-app types");
        assert!(js.contains(&words(&c.other_message_types)), "other types");
        let handled: Vec<String> = c.message_handler_names.keys().map(String::from).collect();
        assert!(js.contains(&words(&handled)), "handler types");
        for (key, value) in c.debug_message_type.iter().chain(c.error_type.iter()) {
            assert!(js.contains(&format!("{key}: \"{value}\"")), "{key}");
        }
        let statuses: Vec<String> = c.call_status.iter().map(|(_, v)| v.to_string()).collect();
        assert!(js.contains(&words(&statuses)), "call statuses");
    }
}
