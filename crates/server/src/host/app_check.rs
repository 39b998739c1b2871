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

/// What in the answer's headers forbids a page of another origin from framing it.
fn framing_problem(headers: &HeaderMap) -> Option<String> {
    if let Some(value) = headers.get("x-frame-options").and_then(|v| v.to_str().ok()) {
        return Some(format!(
            "the app's page sends X-Frame-Options: {value}, so the browser will not show it inside callhost"
        ));
    }
    let csp = headers
        .get_all(CONTENT_SECURITY_POLICY)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .map(str::trim)
        .find(|d| d.to_ascii_lowercase().starts_with("frame-ancestors"))?;
    Some(format!(
        "the app's page sends Content-Security-Policy {csp:?}: unless it names callhost's origin, the browser will not show it inside callhost"
    ))
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
}
