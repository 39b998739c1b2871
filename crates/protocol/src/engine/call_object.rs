//! The call object a call is logged as: every property the host decides, in one pure builder.
//!
//! Both ways a call gets logged start here: the engine, when an app starts a call with
//! `createEngagement: true` (the properties travel in `StoreRequest::CreateCall`), and the
//! server's inbound-call API, which only adds what that API reports on top (the final status,
//! the duration, the app's `engagementProperties`). So the two paths cannot disagree on a
//! property's name or value.
//!
//! Values are strings, as the CRM keeps them; a time is epoch milliseconds, which the CRM
//! accepts and normalizes. Invariants: the direction, the initial status, the source and the
//! external id are always set; a number, an app, an owner or a start time is set only when it
//! is known, never as an empty string, so a later report can fill it in without overwriting
//! anything. The engine has no clock: without a start time there is no `hs_timestamp`, and
//! whoever stores the call uses its own clock.

use std::collections::BTreeMap;

use super::io::Direction;

/// `hs_call_source` of every call a calling app logs (HubSpot's recording and transcript
/// pipelines require it).
pub const SOURCE: &str = "INTEGRATIONS_PLATFORM";

/// The last millisecond of the year 9999: a later start time is a mistake, not a time (the
/// CRM could not store it), and counts as unknown.
const LAST_MS: i64 = 253_402_300_799_999;

/// What is known about a call when it is first logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallStart<'a> {
    pub external_call_id: &'a str,
    pub direction: Direction,
    /// The calling app that logs it, when one does.
    pub app_id: Option<i64>,
    /// The HubSpot owner of the user the call belongs to.
    pub owner_id: Option<i64>,
    pub from_number: Option<&'a str>,
    pub to_number: Option<&'a str>,
    /// When the call started, ms since the epoch; `None` (or 0, or past the year 9999) when
    /// unknown.
    pub started_at_ms: Option<i64>,
}

/// `hs_call_direction` of a call.
pub fn direction_value(direction: Direction) -> &'static str {
    match direction {
        Direction::Inbound => "INBOUND",
        Direction::Outbound => "OUTBOUND",
    }
}

/// `hs_call_status` of a call as it starts: an outbound call is connecting, an inbound one
/// ringing.
pub fn initial_status(direction: Direction) -> &'static str {
    match direction {
        Direction::Inbound => "RINGING",
        Direction::Outbound => "CONNECTING",
    }
}

/// `hs_call_status` for one of CALL_ENDED's end statuses. HubSpot's statuses have no
/// REJECTED: a declined inbound call is logged as not answered.
pub fn end_status(end_status: &str) -> &str {
    match end_status {
        "REJECTED" => "NO_ANSWER",
        other => other,
    }
}

impl CallStart<'_> {
    /// The new call object's properties.
    pub fn properties(&self) -> BTreeMap<String, String> {
        let mut properties = BTreeMap::new();
        let mut set = |name: &str, value: String| {
            if !value.is_empty() {
                properties.insert(name.to_owned(), value);
            }
        };
        set("hs_call_direction", direction_value(self.direction).into());
        set("hs_call_status", initial_status(self.direction).into());
        set("hs_call_source", SOURCE.into());
        set("hs_call_external_id", self.external_call_id.into());
        if let Some(app_id) = self.app_id {
            set("hs_call_app_id", app_id.to_string());
        }
        if let Some(owner_id) = self.owner_id {
            set("hubspot_owner_id", owner_id.to_string());
        }
        for (name, number) in [
            ("hs_call_from_number", self.from_number),
            ("hs_call_to_number", self.to_number),
        ] {
            if let Some(number) = number {
                set(name, number.to_owned());
            }
        }
        if let Some(ms) = self.started_at_ms.filter(|ms| (1..=LAST_MS).contains(ms)) {
            set("hs_timestamp", ms.to_string());
        }
        properties
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start(direction: Direction) -> CallStart<'static> {
        CallStart {
            external_call_id: "c-1",
            direction,
            app_id: Some(1000),
            owner_id: Some(9),
            from_number: Some("+15550001111"),
            to_number: Some("+16175550100"),
            started_at_ms: Some(1_700_000_000_500),
        }
    }

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn an_outbound_call_is_connecting_and_names_everything_known() {
        assert_eq!(
            start(Direction::Outbound).properties(),
            map(&[
                ("hs_call_app_id", "1000"),
                ("hs_call_direction", "OUTBOUND"),
                ("hs_call_external_id", "c-1"),
                ("hs_call_from_number", "+15550001111"),
                ("hs_call_source", "INTEGRATIONS_PLATFORM"),
                ("hs_call_status", "CONNECTING"),
                ("hs_call_to_number", "+16175550100"),
                ("hs_timestamp", "1700000000500"),
                ("hubspot_owner_id", "9"),
            ])
        );
    }

    #[test]
    fn an_inbound_call_is_ringing() {
        let properties = start(Direction::Inbound).properties();
        assert_eq!(properties["hs_call_direction"], "INBOUND");
        assert_eq!(properties["hs_call_status"], "RINGING");
    }

    #[test]
    fn what_is_unknown_or_empty_is_left_out_never_written_empty() {
        let bare = CallStart {
            app_id: None,
            owner_id: None,
            from_number: Some(""),
            to_number: None,
            started_at_ms: Some(0),
            ..start(Direction::Inbound)
        };
        assert_eq!(
            bare.properties(),
            map(&[
                ("hs_call_direction", "INBOUND"),
                ("hs_call_external_id", "c-1"),
                ("hs_call_source", "INTEGRATIONS_PLATFORM"),
                ("hs_call_status", "RINGING"),
            ])
        );
    }

    #[test]
    fn a_start_time_the_crm_cannot_store_is_unknown() {
        for ms in [-1, 0, LAST_MS + 1, i64::MAX] {
            let call = CallStart {
                started_at_ms: Some(ms),
                ..start(Direction::Outbound)
            };
            assert!(!call.properties().contains_key("hs_timestamp"), "{ms}");
        }
        let last = CallStart {
            started_at_ms: Some(LAST_MS),
            ..start(Direction::Outbound)
        };
        assert_eq!(last.properties()["hs_timestamp"], LAST_MS.to_string());
    }

    #[test]
    fn a_rejected_call_is_logged_as_not_answered() {
        assert_eq!(end_status("REJECTED"), "NO_ANSWER");
        assert_eq!(end_status("BUSY"), "BUSY");
    }
}
