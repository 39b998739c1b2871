//! Origins and the URLs an app may move its iframe to.
//!
//! The SDK compares origins as exact strings (`event.origin === destinationHost`), so every
//! origin the engine hands out is the browser's serialization: lowercase scheme and host,
//! default port left out, no path and no trailing slash; the server and the CLI print and
//! compare origins with these functions too. Invariant: a [`WidgetUrl`] is always
//! https, or http on a loopback host, and its origin is one of the allowed ones.

use url::{Host, Url};

/// The exact origin serialization of `url` (`https://app.example:8443`), if it is an
/// absolute http(s) URL.
pub fn origin_of(url: &str) -> Option<String> {
    let parsed = Url::parse(url.trim()).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return None;
    }
    Some(serialize(&parsed))
}

/// The browser's serialization of a URL's origin: the one place it is written.
fn serialize(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// `origin_of`, or the text itself without a trailing slash when it does not parse: the
/// configured host URL is trusted, so a malformed one is passed on rather than dropped.
pub fn origin_or_trimmed(url: &str) -> String {
    origin_of(url).unwrap_or_else(|| url.trim().trim_end_matches('/').to_string())
}

/// The origin of callhost's own plain-http listener at `authority` (`host:port`, as a bound
/// address prints or a `Host` header says), serialized as [`origin_of`] does.
pub fn http_origin(authority: &str) -> String {
    origin_or_trimmed(&format!("http://{authority}"))
}

/// Whether a host is the local machine, where plain http is allowed (development): an
/// address in a loopback range, `localhost` or a name below it. The one such rule in
/// callhost, for the engine's widget URLs and the server's app URLs alike.
pub fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(name) => *name == "localhost" || name.ends_with(".localhost"),
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
    }
}

/// A URL accepted for SET_WIDGET_URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WidgetUrl {
    pub url: String,
    pub origin: String,
}

impl WidgetUrl {
    /// Checks `candidate` against the rules of docs/design.md#widget-url-changes: https (or http on loopback), and an
    /// origin in `allowed` (already serialized origins). The error is a sentence for the app.
    pub fn parse(candidate: &str, allowed: &[String]) -> Result<WidgetUrl, String> {
        let parsed = Url::parse(candidate.trim())
            .map_err(|e| format!("iFrameUrl is not an absolute URL: {e}"))?;
        let secure = match (parsed.scheme(), parsed.host()) {
            ("https", Some(_)) => true,
            ("http", Some(host)) => is_loopback(&host),
            _ => false,
        };
        if !secure {
            return Err("iFrameUrl must be https (or http on localhost)".to_string());
        }
        let origin = serialize(&parsed);
        if !allowed.contains(&origin) {
            return Err(format!("{origin} is not an origin this app may use"));
        }
        Ok(WidgetUrl {
            url: parsed.to_string(),
            origin,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_serialized_like_browsers_do() {
        assert_eq!(
            origin_of("HTTPS://App.Example:443/a/b?c#d").as_deref(),
            Some("https://app.example")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:8081/").as_deref(),
            Some("http://127.0.0.1:8081")
        );
        assert_eq!(origin_of("javascript:alert(1)"), None);
        assert_eq!(origin_of("not a url"), None);
        assert_eq!(origin_or_trimmed("http://h:1/"), "http://h:1");
        assert_eq!(http_origin("127.0.0.1:8080"), "http://127.0.0.1:8080");
        assert_eq!(http_origin("[::1]:9"), "http://[::1]:9");
        assert_eq!(http_origin("Demo.Localhost:80"), "http://demo.localhost");
    }

    #[test]
    fn widget_urls_must_be_secure_and_allowed() {
        let allowed = vec![
            "https://a.example".to_string(),
            "http://localhost:9025".to_string(),
        ];
        let ok = WidgetUrl::parse("https://a.example/tenant/7", &allowed).unwrap();
        assert_eq!(ok.origin, "https://a.example");
        assert!(WidgetUrl::parse("http://localhost:9025/", &allowed).is_ok());
        assert!(WidgetUrl::parse("http://a.example/", &allowed).is_err());
        assert!(WidgetUrl::parse("https://b.example/", &allowed).is_err());
        assert!(WidgetUrl::parse("https://a.example.evil/", &allowed).is_err());
        assert!(WidgetUrl::parse("data:text/html,hi", &allowed).is_err());
        assert!(WidgetUrl::parse("", &allowed).is_err());
    }
}
