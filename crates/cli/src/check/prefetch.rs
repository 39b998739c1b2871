//! Fetching the app's page before the browser opens it, so an app that cannot load says why:
//! unreachable, an HTTP error, TLS, `X-Frame-Options` or a CSP `frame-ancestors` that leaves
//! the host out.
//!
//! Invariant: this only explains a failure; whether the page loaded is still read from the
//! transcript.

use callhost_server::host::app_check::{self, FramingRefusal};
use reqwest::header::HeaderMap;

/// Why the page cannot be shown in the host's iframe, if it cannot.
pub async fn refusal(app_url: &str, host_origin: &str) -> Option<String> {
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::limited(5))
        .build()
        .ok()?;
    let response = match client.get(app_url).send().await {
        Ok(r) => r,
        Err(error) => return Some(unreachable(app_url, &error)),
    };
    let status = response.status();
    if !status.is_success() {
        return Some(format!(
            "expected the app's page {app_url} to answer 200; it answered {status}"
        ));
    }
    framing_refusal(response.headers(), host_origin)
}

fn unreachable(app_url: &str, error: &reqwest::Error) -> String {
    let mut cause = String::new();
    let mut source: Option<&dyn std::error::Error> = Some(error);
    while let Some(e) = source {
        cause = e.to_string();
        source = e.source();
    }
    let what = if error.is_connect() {
        "could not connect"
    } else if error.is_timeout() {
        "timed out"
    } else if cause.to_lowercase().contains("certificate") || cause.contains("tls") {
        "TLS was refused"
    } else {
        "could not be fetched"
    };
    format!("expected the app's page {app_url} to be reachable; it {what}: {cause}")
}

/// `X-Frame-Options` and CSP `frame-ancestors` as a browser applies them to the host (the
/// server's rule, which the host page's own check uses too), in the runner's words.
pub fn framing_refusal(headers: &HeaderMap, host_origin: &str) -> Option<String> {
    Some(match app_check::framing_refusal(headers, Some(host_origin))? {
        FramingRefusal::XFrameOptions(value) => format!(
            "expected the app's page to allow framing by the host {host_origin}; it is served with `X-Frame-Options: {value}`, so the browser refuses to show it in the iframe"
        ),
        FramingRefusal::FrameAncestors(sources) => format!(
            "expected the app's page to allow framing by the host {host_origin}; its Content-Security-Policy says `frame-ancestors {sources}`"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(*k, HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn framing_headers_are_read_as_a_browser_would() {
        let host = "http://127.0.0.1:4000";
        assert!(framing_refusal(&headers(&[]), host).is_none());
        assert!(
            framing_refusal(&headers(&[("x-frame-options", "DENY")]), host)
                .unwrap()
                .contains("X-Frame-Options: DENY")
        );
        let csp = |v| headers(&[("content-security-policy", v)]);
        assert!(framing_refusal(&csp("default-src 'self'"), host).is_none());
        assert!(framing_refusal(&csp("frame-ancestors *"), host).is_none());
        assert!(framing_refusal(&csp("frame-ancestors http://127.0.0.1:4000"), host).is_none());
        assert!(framing_refusal(&csp("frame-ancestors 'self'"), host)
            .unwrap()
            .contains("frame-ancestors 'self'"));
    }
}
