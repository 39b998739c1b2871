//! `GET /host/api/app-check?url=..`: why a calling app may not load, as far as callhost can
//! tell from its side. The host page asks when an app has not finished the SDK handshake a
//! few seconds after its frame loaded, and shows the answer while it keeps waiting (the
//! handshake's own limit stays 30 s): whether the URL answers at all (connection refused,
//! an untrusted certificate, a timeout), with what status, and whether its headers forbid
//! framing (`X-Frame-Options`, CSP `frame-ancestors`).
//!
//! Security: the URL is fetched through the guarded webhook client (no private networks
//! unless callhost itself listens on loopback), only with GET and no credentials, and only
//! a verdict goes back, never the app's content. The URL must be an app URL as callhost
//! accepts them (https, or http on loopback).

use axum::extract::State;
use axum::http::header::CONTENT_SECURITY_POLICY;
use axum::http::HeaderMap;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::domain::AppUrl;
use crate::error::{ApiError, ApiResult};
use crate::extract::Query;
use crate::host::signin::HostUser;
use crate::webhooks::StreamRequest;
use crate::AppState;

#[derive(Debug, Deserialize)]
pub struct CheckParams {
    url: String,
}

/// Fetches the app's URL once and says what stands in the way of framing it, if anything.
pub async fn check_app_url(
    State(state): State<AppState>,
    _user: HostUser,
    Query(params): Query<CheckParams>,
) -> ApiResult<Json<Value>> {
    let url = AppUrl::parse(&params.url)
        .map_err(|why| ApiError::validation(format!("url {why}"), vec![]))?
        .into_string();
    let request = StreamRequest {
        url: &url,
        headers: HeaderMap::new(),
    };
    let (reachable, status, problem) = match state.webhooks.stream(request).await {
        Ok(answer) => {
            let problem = framing_problem(&answer.headers);
            (true, Some(answer.status.as_u16()), problem)
        }
        Err(err) => {
            let problem = err
                .to_string()
                .replace("the webhook", "the app's URL")
                .replace("webhook", "app URL");
            (false, None, Some(problem))
        }
    };
    Ok(Json(json!({
        "url": url,
        "reachable": reachable,
        "status": status,
        "problem": problem,
    })))
}

/// What in a page's headers keeps a browser from showing it in an iframe of the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FramingRefusal {
    /// `X-Frame-Options` with this value (`DENY`, `SAMEORIGIN`): never another origin.
    XFrameOptions(String),
    /// A Content-Security-Policy `frame-ancestors` with these sources, which leave the host out.
    FrameAncestors(String),
}

/// `X-Frame-Options` and CSP `frame-ancestors` as a browser applies them to a host at
/// `host_origin`. Without the origin (the host page's own check, which does not know the
/// scheme a proxy serves it under) any `frame-ancestors` that is not `*` counts, and the
/// message says it must name callhost. `callhost check` shares this rule.
pub fn framing_refusal(headers: &HeaderMap, host_origin: Option<&str>) -> Option<FramingRefusal> {
    for value in headers.get_all("x-frame-options") {
        let value = value.to_str().unwrap_or_default().trim();
        if !value.is_empty() {
            return Some(FramingRefusal::XFrameOptions(value.to_owned()));
        }
    }
    for value in headers.get_all(CONTENT_SECURITY_POLICY) {
        let policy = value.to_str().unwrap_or_default();
        for directive in policy.split(';') {
            let mut words = directive.split_whitespace();
            if !words
                .next()
                .is_some_and(|d| d.eq_ignore_ascii_case("frame-ancestors"))
            {
                continue;
            }
            let sources: Vec<&str> = words.collect();
            let allowed = sources.iter().any(|s| {
                *s == "*"
                    || host_origin.is_some_and(|host| {
                        s.trim_end_matches('/') == host
                            || (*s == "http:" && host.starts_with("http:"))
                    })
            });
            if !allowed {
                return Some(FramingRefusal::FrameAncestors(sources.join(" ")));
            }
        }
    }
    None
}

/// The host page's words for a refusal.
fn framing_problem(headers: &HeaderMap) -> Option<String> {
    Some(match framing_refusal(headers, None)? {
        FramingRefusal::XFrameOptions(value) => format!(
            "the app's page sends X-Frame-Options: {value}, so the browser will not show it inside callhost"
        ),
        FramingRefusal::FrameAncestors(sources) => format!(
            "the app's page sends Content-Security-Policy \"frame-ancestors {sources}\": unless it names callhost's origin, the browser will not show it inside callhost"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing_headers_are_named() {
        let mut headers = HeaderMap::new();
        assert_eq!(framing_problem(&headers), None);
        headers.insert("x-frame-options", "DENY".parse().unwrap());
        assert!(framing_problem(&headers)
            .unwrap()
            .contains("X-Frame-Options: DENY"));
        let mut headers = HeaderMap::new();
        headers.insert(
            CONTENT_SECURITY_POLICY,
            "default-src 'self'; frame-ancestors 'none'"
                .parse()
                .unwrap(),
        );
        assert!(framing_problem(&headers)
            .unwrap()
            .contains("frame-ancestors 'none'"));
    }

    #[test]
    fn framing_is_read_as_a_browser_would() {
        let host = Some("http://127.0.0.1:4000");
        let csp = |v: &'static str| {
            let mut map = HeaderMap::new();
            map.insert(CONTENT_SECURITY_POLICY, v.parse().unwrap());
            map
        };
        assert_eq!(framing_refusal(&HeaderMap::new(), host), None);
        assert_eq!(framing_refusal(&csp("default-src 'self'"), host), None);
        assert_eq!(framing_refusal(&csp("frame-ancestors *"), None), None);
        assert_eq!(
            framing_refusal(&csp("frame-ancestors http://127.0.0.1:4000/"), host),
            None
        );
        assert_eq!(framing_refusal(&csp("frame-ancestors http:"), host), None);
        assert_eq!(
            framing_refusal(&csp("frame-ancestors 'self'"), host),
            Some(FramingRefusal::FrameAncestors("'self'".into()))
        );
        assert_eq!(
            framing_refusal(&csp("frame-ancestors http://127.0.0.1:4000"), None),
            Some(FramingRefusal::FrameAncestors(
                "http://127.0.0.1:4000".into()
            ))
        );
    }
}
