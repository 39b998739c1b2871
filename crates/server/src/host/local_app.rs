//! Local calling apps: an app a developer runs from a URL of their own (the
//! `LocalSettings:Calling:CallingExtensions` override, `installDemoWidget=local`) is not the
//! registered app whose session it borrows, so its calls are logged under an identity of its
//! own (docs/design.md#local-calling-apps).
//!
//! The identity is derived from the app's origin, never stored: the same local app gets the
//! same id across sessions and restarts, so it updates and finalizes its own calls, and none
//! of a registered app's settings (recording retrieval above all, or its help-desk channels)
//! ever apply to it. **Invariant:** local ids lie at or above [`LOCAL_BASE`], far beyond the
//! ids HubSpot gives apps, and are never installed in a portal, so nothing is fetched from a
//! registered app's webhooks on their behalf.

use callhost_protocol::engine::origin::origin_or_trimmed;

/// The first local app id (2^40).
pub const LOCAL_BASE: i64 = 1 << 40;

/// The id of the local app at `url`'s origin.
pub fn local_app_id(url: &str) -> i64 {
    let origin = origin_or_trimmed(url);
    // FNV-1a: stable across builds and Rust versions, unlike the standard library's hasher.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in origin.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    LOCAL_BASE + (hash % (LOCAL_BASE as u64)) as i64
}

/// Whether `app_id` is a local app's.
pub fn is_local(app_id: i64) -> bool {
    app_id >= LOCAL_BASE
}

/// Whether a session of the registered app whose settings say `registered_url` that loads
/// `url` instead runs another app: a different origin is a different app.
pub fn runs_another_app(registered_url: Option<&str>, url: &str) -> bool {
    registered_url.is_none_or(|registered| origin_or_trimmed(registered) != origin_or_trimmed(url))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_app_keeps_its_id_per_origin_and_it_is_never_a_registered_one() {
        let a = local_app_id("https://localhost:9025/");
        assert_eq!(a, local_app_id("https://localhost:9025/other/page?x=1"));
        assert_ne!(a, local_app_id("https://localhost:9026/"));
        assert!(is_local(a) && a < 2 * LOCAL_BASE);
        assert!(!is_local(9_999_999));
        // Pinned: the id must not change between releases (calls keep their app).
        assert_eq!(a, 1_971_360_438_363);
    }

    #[test]
    fn only_another_origin_is_another_app() {
        assert!(!runs_another_app(
            Some("https://app.example/widget"),
            "https://app.example/v2"
        ));
        assert!(runs_another_app(
            Some("https://app.example/"),
            "https://localhost:9025/"
        ));
        assert!(runs_another_app(None, "https://localhost:9025/"));
    }
}
