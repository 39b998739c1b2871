//! The session's transcript as `check` reads it: every entry fetched through the automation
//! API's long poll (docs/automation.md#transcript), kept in order, and searched by the checks
//! and scenario expectations.
//!
//! Invariant: entries are appended in `seq` order and never changed; nothing here parses a
//! message itself, it only reads what the host recorded.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::host::Host;

/// The error-severity finding codes are all but these (docs/findings.md): a deprecated name,
/// a tolerated repeat, or a message the page dropped because another frame sent it.
pub const WARNING_CODES: &[&str] = &[
    "deprecated-type",
    "deprecated-alias",
    "duplicate-sync-ack",
    "dropped-origin",
    "dropped-source",
];

pub struct Log {
    pub session: String,
    pub entries: Vec<Value>,
    last: i64,
}

impl Log {
    pub fn new(session: String) -> Log {
        Log {
            session,
            entries: Vec::new(),
            last: 0,
        }
    }

    /// Fetches what arrived, waiting up to `wait` when nothing has.
    pub async fn refresh(&mut self, host: &Host, wait: Duration) -> anyhow::Result<()> {
        let new = host.transcript(&self.session, self.last, wait).await?;
        for entry in new {
            let seq = entry["seq"].as_i64().unwrap_or(self.last);
            if seq > self.last {
                self.last = seq;
                self.entries.push(entry);
            }
        }
        Ok(())
    }

    /// The index of the first entry at `from` or later that `matches`, waiting up to
    /// `within` for it to be recorded.
    pub async fn wait_for(
        &mut self,
        host: &Host,
        from: usize,
        within: Duration,
        matches: impl Fn(&Value) -> bool,
    ) -> anyhow::Result<Option<usize>> {
        let deadline = Instant::now() + within;
        let mut checked = from;
        loop {
            if let Some(i) = self.entries[checked.min(self.entries.len())..]
                .iter()
                .position(&matches)
            {
                return Ok(Some(checked + i));
            }
            checked = checked.max(self.entries.len());
            let now = Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            self.refresh(host, deadline - now).await?;
        }
    }
}

/// An app message of `kind`.
pub fn is_app(entry: &Value, kind: &str) -> bool {
    entry["direction"] == "app-to-host" && entry["type"] == kind
}

/// The entry's findings of error severity, as `CODE: message` lines.
pub fn errors(entry: &Value) -> Vec<String> {
    findings(entry, false)
}

/// The entry's warnings, as `CODE: message` lines.
pub fn warnings(entry: &Value) -> Vec<String> {
    findings(entry, true)
}

fn findings(entry: &Value, warning: bool) -> Vec<String> {
    entry["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| WARNING_CODES.contains(&f["code"].as_str().unwrap_or_default()) == warning)
        .map(|f| {
            format!(
                "{} on {} (seq {}): {}",
                f["code"].as_str().unwrap_or("?"),
                entry["type"].as_str().unwrap_or("?"),
                entry["seq"],
                f["message"].as_str().unwrap_or_default()
            )
        })
        .collect()
}

/// Whether `actual` holds everything `expected` says: objects by their given keys, the rest
/// equal.
pub fn contains(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => e
            .iter()
            .all(|(k, v)| a.get(k).is_some_and(|got| contains(got, v))),
        _ => actual == expected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn partial_data_matches_by_the_keys_given() {
        let actual = json!({"a": 1, "b": {"c": "x", "d": 2}});
        assert!(contains(&actual, &json!({"b": {"c": "x"}})));
        assert!(contains(&actual, &json!({})));
        assert!(!contains(&actual, &json!({"b": {"c": "y"}})));
        assert!(!contains(&actual, &json!({"e": null})));
    }

    #[test]
    fn findings_split_into_errors_and_warnings() {
        let entry = json!({"type": "X", "seq": 3, "findings": [
            {"code": "missing-field", "message": "m"}, {"code": "deprecated-alias", "message": "w"}]});
        assert_eq!(errors(&entry), ["missing-field on X (seq 3): m"]);
        assert_eq!(warnings(&entry), ["deprecated-alias on X (seq 3): w"]);
    }
}
