//! How the API prints times: ISO-8601 UTC with milliseconds, `2026-01-01T00:00:00.000Z`.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serializer;

pub fn format(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub fn serialize<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format(at))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    #[test]
    fn prints_milliseconds_and_z() {
        let at = chrono::Utc.timestamp_millis_opt(1_767_225_600_007).unwrap();
        assert_eq!(super::format(&at), "2026-01-01T00:00:00.007Z");
    }
}
