//! The record's byte budget: what an entry costs, and large payloads cut to a marker.
//!
//! An app controls what it posts, so a record kept whole would let one app fill the server's
//! memory (a hundred 1 MiB messages were 96 MiB). Every payload the record keeps goes through
//! [`cap`]: one larger than [`MAX_PAYLOAD_BYTES`] is replaced by a marker saying how large it
//! was, with the start of its JSON; the record then charges each entry what it keeps, and the
//! store drops the oldest entries and sessions past the record's limits
//! (`callhost_store::inspector::InspectorLimits`, set by `--inspector-*`).

use serde_json::{json, Value};

/// A payload (message, store request or result) kept whole up to this size, as JSON.
pub const MAX_PAYLOAD_BYTES: usize = 16 * 1024;
/// How much of a cut payload's JSON the marker keeps.
pub const PREVIEW_CHARS: usize = 512;
/// The calls a session remembers to link REST calls to it, at most (of each kind of id).
pub const MAX_LINKED_CALLS: usize = 2_000;
/// What an entry costs besides its payloads (sequence, times, flow, ids).
pub const ENTRY_OVERHEAD: usize = 160;

/// `value` as the record keeps it, and its size in bytes as JSON. A value too large to keep
/// becomes `{"truncated": {"bytes": N, "preview": "<its first characters>"}}`.
pub fn cap(value: Value) -> (Value, usize) {
    let text = value.to_string();
    if text.len() <= MAX_PAYLOAD_BYTES {
        return (value, text.len());
    }
    let preview: String = text.chars().take(PREVIEW_CHARS).collect();
    let marker = json!({ "truncated": { "bytes": text.len(), "preview": preview } });
    let size = marker.to_string().len();
    (marker, size)
}

/// The longest finding message kept, in characters.
pub const MAX_FINDING_CHARS: usize = 1024;

/// Cuts `text` to [`MAX_FINDING_CHARS`] characters, marking the cut with `…`.
pub fn shorten(text: &mut String) {
    if let Some((at, _)) = text.char_indices().nth(MAX_FINDING_CHARS) {
        text.truncate(at);
        text.push('…');
    }
}

/// Whether a kept value is the marker of a cut payload.
pub fn is_truncated(value: &Value) -> bool {
    value
        .as_object()
        .is_some_and(|o| o.len() == 1 && o.get("truncated").is_some_and(Value::is_object))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Small payloads are kept as they are; a large one becomes a marker that says its size
    /// and costs a bounded amount whatever the original was.
    #[test]
    fn large_payloads_become_a_bounded_marker() {
        let small = json!({"type": "INITIALIZED", "data": {"isLoggedIn": true}});
        let (kept, size) = cap(small.clone());
        assert_eq!(kept, small);
        assert_eq!(size, small.to_string().len());
        assert!(!is_truncated(&kept));

        let large = json!({"type": "CALL_DATA", "data": "x".repeat(1024 * 1024)});
        let (kept, size) = cap(large.clone());
        assert!(is_truncated(&kept), "{kept}");
        assert_eq!(kept["truncated"]["bytes"], large.to_string().len());
        assert!(kept["truncated"]["preview"]
            .as_str()
            .unwrap()
            .starts_with(r#"{"data":"xxx"#));
        assert!(size < PREVIEW_CHARS + 100, "{size}");

        let mut finding = "é".repeat(MAX_FINDING_CHARS + 10);
        shorten(&mut finding);
        assert_eq!(finding.chars().count(), MAX_FINDING_CHARS + 1);
        assert!(finding.ends_with('…'));
    }
}
