//! `serve`'s flags for the inspector's record: how much of it the store keeps
//! (docs/design.md#inspector-record). The defaults are the store's
//! (`callhost_store::inspector::InspectorLimits::default`).

use callhost_store::inspector::InspectorLimits;
use clap::Args;

#[derive(Debug, Args)]
pub struct InspectorArgs {
    /// The most one widget session's record keeps, in bytes (a number, or with K, M or G for
    /// KiB, MiB, GiB); its oldest entries go first past it.
    #[arg(long, env = "CALLHOST_INSPECTOR_SESSION_BYTES", value_name = "BYTES", default_value = "2M", value_parser = parse_bytes)]
    inspector_session_bytes: i64,
    /// The most entries one session's record keeps; its oldest go first past it.
    #[arg(long, env = "CALLHOST_INSPECTOR_SESSION_ENTRIES", value_name = "N", default_value = "2000", value_parser = clap::value_parser!(i64).range(1..))]
    inspector_session_entries: i64,
    /// The most the whole record keeps, in bytes (as above); the oldest sessions go first
    /// past it.
    #[arg(long, env = "CALLHOST_INSPECTOR_TOTAL_BYTES", value_name = "BYTES", default_value = "32M", value_parser = parse_bytes)]
    inspector_total_bytes: i64,
    /// The most sessions the record keeps; the oldest go first past it.
    #[arg(long, env = "CALLHOST_INSPECTOR_SESSIONS", value_name = "N", default_value = "200", value_parser = clap::value_parser!(i64).range(1..))]
    inspector_sessions: i64,
}

impl InspectorArgs {
    pub fn limits(&self) -> InspectorLimits {
        InspectorLimits {
            session_bytes: self.inspector_session_bytes,
            session_entries: self.inspector_session_entries,
            total_bytes: self.inspector_total_bytes,
            sessions: self.inspector_sessions,
        }
    }
}

/// A positive number of bytes, optionally with K, M or G (binary multiples).
fn parse_bytes(s: &str) -> Result<i64, String> {
    let t = s.trim();
    let (digits, shift) = match t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        None => (t, 0),
        Some((i, _)) => match t[i..].to_ascii_uppercase().as_str() {
            "K" | "KB" | "KIB" => (&t[..i], 10),
            "M" | "MB" | "MIB" => (&t[..i], 20),
            "G" | "GB" | "GIB" => (&t[..i], 30),
            _ => return Err(format!("{s:?}: expected bytes, or a number with K, M or G")),
        },
    };
    match digits.parse::<i64>() {
        Ok(n) if n > 0 && n <= (1_i64 << 40) >> shift => Ok(n << shift),
        _ => Err(format!(
            "{s:?}: expected a number of bytes above 0 and at most 1T"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_bytes;

    #[test]
    fn bytes_take_binary_units() {
        assert_eq!(parse_bytes("2M"), Ok(2 * 1024 * 1024));
        assert_eq!(parse_bytes("512k"), Ok(512 * 1024));
        assert_eq!(parse_bytes("1000"), Ok(1000));
        assert!(parse_bytes("0").is_err());
        assert!(parse_bytes("3X").is_err());
        assert!(parse_bytes("").is_err());
    }
}
