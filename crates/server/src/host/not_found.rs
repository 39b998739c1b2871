//! "Not found" for people: a browser that asks for a page (its `Accept` names `text/html`)
//! and reaches a path nothing serves, or another portal's page, gets an HTML page that says
//! what happened and links to the signed-in user's own portal. API clients (any other
//! `Accept`) keep HubSpot's JSON error shape, unchanged.
//!
//! Invariant: everything from the request (the path) is HTML-escaped before it is written
//! into the page; the page runs no script.

use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::crm::catalog::object_type;
use crate::error::ApiError;
use crate::host::signin;
use crate::html::escape;
use crate::AppState;

/// Whether the client asked for a web page rather than JSON.
pub fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(axum::http::header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .is_some_and(|accept| accept.split(',').any(|t| t.trim().starts_with("text/html")))
}

/// The portal a "not found" page links to: the signed-in user's, else the development
/// portal's on loopback.
async fn home_portal(parts: &Parts, state: &AppState) -> Option<i64> {
    if let Ok(Some(user)) = signin::current(parts, state).await {
        return Some(user.grant.portal_id);
    }
    state.development.map(|dev| dev.portal_id)
}

/// `error` as the client wants it: HubSpot's JSON, or for a browser an HTML page with the
/// same status and message.
pub async fn answer(
    parts: &Parts,
    state: &AppState,
    status: StatusCode,
    title: &str,
    error: ApiError,
) -> Response {
    if !wants_html(&parts.headers) {
        return error.into_response();
    }
    let portal = home_portal(parts, state).await;
    page(status, title, &error.to_string(), portal, None)
}

/// The HTML page; `same_page` is the path of the page asked for, in the user's own portal.
pub fn page(
    status: StatusCode,
    title: &str,
    message: &str,
    portal: Option<i64>,
    same_page: Option<&str>,
) -> Response {
    let same = same_page.map_or(String::new(), |path| {
        format!(
            "<p><a data-testid=\"not-found-same-page\" href=\"{}\">Open this page in your portal</a></p>",
            escape(path)
        )
    });
    let link = match portal {
        Some(portal) => format!(
            "<p><a href=\"/contacts/{portal}/objects/{}/views/all/list\">Go to the contacts of portal {portal}</a> · \
             <a href=\"/help-desk/{portal}\">Help desk</a> · <a href=\"/settings/{portal}/apps\">Apps</a></p>",
            object_type::CONTACT
        ),
        None => "<p><a href=\"/\">Go to the start page</a></p>".to_owned(),
    };
    let body = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} | callhost</title><link rel=\"stylesheet\" href=\"/host/static/host.css\"></head>\
         <body class=\"plain-page\"><nav class=\"topbar\" aria-label=\"Main\"><a class=\"brand\" href=\"/\">callhost</a></nav>\
         <main data-testid=\"not-found\"><h1>{title}</h1><p data-testid=\"not-found-message\">{message}</p>{same}{link}</main></body></html>\n",
        title = escape(title),
        message = escape(message),
    );
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        "text/html; charset=utf-8".parse().expect("static"),
    );
    headers.insert(CACHE_CONTROL, "no-store".parse().expect("static"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, "nosniff".parse().expect("static"));
    headers.insert(
        CONTENT_SECURITY_POLICY,
        "default-src 'none'; style-src 'self'"
            .parse()
            .expect("static"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browsers_get_html_and_api_clients_json() {
        let mut headers = HeaderMap::new();
        assert!(!wants_html(&headers));
        headers.insert("accept", "application/json".parse().unwrap());
        assert!(!wants_html(&headers));
        headers.insert("accept", "*/*".parse().unwrap());
        assert!(!wants_html(&headers));
        headers.insert(
            "accept",
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
                .parse()
                .unwrap(),
        );
        assert!(wants_html(&headers));
    }
}
