//! Which limits apply (`--rate-limits`, docs/rate-limits.md#configuring): off, HubSpot's
//! published numbers, or a custom list, parsed here into a [`RateLimits`].
//!
//! The value is a comma-separated list read left to right onto limits that start off:
//! `off` turns everything off, `hubspot` sets HubSpot's published numbers, `burst=N[/WINDOW]`,
//! `daily=N` and `search=N` set one limit for every caller (`=off` removes it). So
//! `hubspot,burst=5/10s` is HubSpot's numbers with a burst of 5 per 10 seconds.

/// A count per window: at most `max` requests in each `interval_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub max: u64,
    pub interval_ms: u64,
}

/// The limits of one kind of caller. `None` is no limit (and no headers for it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tier {
    /// The burst limit (`TEN_SECONDLY_ROLLING`), on every request but the search API's.
    pub burst: Option<Window>,
    /// The daily limit (`DAILY`), on every request, per UTC day.
    pub daily: Option<u64>,
    /// The search API's limit per second (`SECONDLY`).
    pub search: Option<u64>,
}

impl Tier {
    fn is_off(&self) -> bool {
        self.burst.is_none() && self.daily.is_none() && self.search.is_none()
    }
}

/// The limits of OAuth apps and of every other caller (private-app and development access
/// tokens, developer API keys). Off by default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RateLimits {
    pub oauth: Tier,
    pub private: Tier,
}

/// HubSpot's published burst for a public app using OAuth, per installing account.
pub const HUBSPOT_OAUTH_BURST: u64 = 110;
/// HubSpot's published burst for a private app of a Free or Starter account.
pub const HUBSPOT_PRIVATE_BURST: u64 = 100;
/// HubSpot's published daily limit of a Free or Starter account's private apps.
pub const HUBSPOT_PRIVATE_DAILY: u64 = 250_000;
/// HubSpot's published limit of the CRM search API, per second.
pub const HUBSPOT_SEARCH_SECONDLY: u64 = 5;
/// HubSpot's burst window.
pub const TEN_SECONDS_MS: u64 = 10_000;

impl RateLimits {
    /// HubSpot's published numbers (docs/rate-limits.md#hubspots-numbers): OAuth apps have a
    /// burst limit and no daily limit; private apps a burst and a daily limit.
    pub fn hubspot() -> Self {
        let window = |max| {
            Some(Window {
                max,
                interval_ms: TEN_SECONDS_MS,
            })
        };
        RateLimits {
            oauth: Tier {
                burst: window(HUBSPOT_OAUTH_BURST),
                daily: None,
                search: Some(HUBSPOT_SEARCH_SECONDLY),
            },
            private: Tier {
                burst: window(HUBSPOT_PRIVATE_BURST),
                daily: Some(HUBSPOT_PRIVATE_DAILY),
                search: Some(HUBSPOT_SEARCH_SECONDLY),
            },
        }
    }

    /// True when no limit applies to anyone.
    pub fn is_off(&self) -> bool {
        self.oauth.is_off() && self.private.is_off()
    }

    /// Parses `--rate-limits` (see the module docs).
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut limits = RateLimits::default();
        for item in raw.split(',').map(str::trim) {
            match item.split_once('=') {
                None if item == "off" => limits = RateLimits::default(),
                None if item == "hubspot" => limits = RateLimits::hubspot(),
                Some((name, value)) => limits.set(name.trim(), value.trim())?,
                None => {
                    return Err(format!(
                        "{item:?}: expected off, hubspot, burst=N[/WINDOW], daily=N or search=N"
                    ))
                }
            }
        }
        Ok(limits)
    }

    fn set(&mut self, name: &str, value: &str) -> Result<(), String> {
        let off = value == "off";
        match name {
            "burst" => {
                let window = if off { None } else { Some(window(value)?) };
                self.oauth.burst = window;
                self.private.burst = window;
            }
            "daily" | "search" => {
                let count = if off { None } else { Some(count(value)?) };
                let (oauth, private) = if name == "daily" {
                    (&mut self.oauth.daily, &mut self.private.daily)
                } else {
                    (&mut self.oauth.search, &mut self.private.search)
                };
                *oauth = count;
                *private = count;
            }
            _ => return Err(format!("{name:?}: the limits are burst, daily and search")),
        }
        Ok(())
    }
}

/// A count of requests: 1 to a billion.
fn count(raw: &str) -> Result<u64, String> {
    match raw.parse::<u64>() {
        Ok(n) if (1..=1_000_000_000).contains(&n) => Ok(n),
        _ => Err(format!("{raw:?}: a limit is a count of 1 to 1000000000")),
    }
}

/// `N` (per 10 seconds) or `N/WINDOW`, the window in ms, s or m, 100 ms to 1 hour.
fn window(raw: &str) -> Result<Window, String> {
    let (max, interval) = raw.split_once('/').unwrap_or((raw, "10s"));
    let max = count(max)?;
    let split = interval
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(interval.len());
    let (digits, unit) = interval.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{interval:?}: a window is a number with ms, s or m"))?;
    let interval_ms = match unit {
        "ms" => n,
        "s" | "" => n.saturating_mul(1000),
        "m" => n.saturating_mul(60_000),
        _ => return Err(format!("{interval:?}: the unit must be ms, s or m")),
    };
    if !(100..=3_600_000).contains(&interval_ms) {
        return Err(format!("{interval:?}: a window is 100 ms to 1 hour"));
    }
    Ok(Window { max, interval_ms })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_hubspot_and_custom_lists_read_left_to_right() {
        assert!(RateLimits::parse("off").unwrap().is_off());
        let hubspot = RateLimits::parse("hubspot").unwrap();
        assert_eq!(hubspot, RateLimits::hubspot());
        assert_eq!(hubspot.oauth.daily, None, "OAuth apps have no daily limit");
        let custom = RateLimits::parse("hubspot, burst=5/500ms").unwrap();
        let five = Window {
            max: 5,
            interval_ms: 500,
        };
        assert_eq!(custom.oauth.burst, Some(five));
        assert_eq!(custom.private.daily, Some(HUBSPOT_PRIVATE_DAILY));
        let only = RateLimits::parse("daily=3,search=2").unwrap();
        assert_eq!(only.oauth.daily, Some(3));
        assert_eq!(only.private.burst, None);
        assert_eq!(
            RateLimits::parse("burst=7").unwrap().private.burst,
            Some(Window {
                max: 7,
                interval_ms: 10_000
            })
        );
        assert_eq!(
            RateLimits::parse("hubspot,search=off")
                .unwrap()
                .oauth
                .search,
            None
        );
        assert!(RateLimits::parse("hubspot,off").unwrap().is_off());
    }

    #[test]
    fn bad_values_are_refused() {
        for bad in [
            "",
            "on",
            "burst",
            "burst=0",
            "burst=5/0s",
            "burst=5/2h",
            "burst=5/ten",
            "daily=-1",
            "minute=3",
            "search=x",
        ] {
            assert!(RateLimits::parse(bad).is_err(), "{bad:?}");
        }
    }
}
