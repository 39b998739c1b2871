//! Static files compiled into the binary: the SDK's built `dist/` (served under `/sdk/` on
//! both origins), the demo calling app (the root of the demo origin) and the host's pages.
//!
//! Embedding keeps `callhost serve` working on a machine without Node: the SDK build is
//! committed, and a test in `sdk/` fails when it is stale.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use include_dir::{include_dir, Dir};

use crate::extract::Segment;
use crate::routes::unknown_route;

static SDK: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../../sdk/dist");
static DEMO: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../../demo");
static WEB: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../../web");

/// `GET /sdk/{*path}`.
pub async fn sdk_file(Segment(path): Segment) -> Response {
    file(&SDK, &path, "/sdk/")
}

/// The demo origin's `/`: its page.
pub async fn demo_index() -> Response {
    file(&DEMO, "index.html", "/")
}

/// The demo origin: everything but `/` is a file of it.
pub async fn demo_file(Segment(path): Segment) -> Response {
    file(&DEMO, &path, "/")
}

/// `GET /host/static/{*path}`: the host page's scripts and styles.
pub async fn host_static(Segment(path): Segment) -> Response {
    file(&WEB, &format!("static/{path}"), "/host/")
}

/// A page of `web/` by name.
pub fn web_page(name: &str) -> Response {
    file(&WEB, name, "/")
}

fn file(dir: &'static Dir<'static>, path: &str, prefix: &str) -> Response {
    // include_dir paths never contain `..`, so a lookup cannot leave the embedded tree.
    let Some(found) = dir.get_file(path) else {
        return unknown_route("GET", &format!("{prefix}{path}")).into_response();
    };
    let mut response = (StatusCode::OK, found.contents()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(path)),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    response
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json" | "map") => "application/json",
        Some("ts") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builds_the_demo_needs_are_embedded() {
        for name in [
            "calling-extensions-sdk.esm.js",
            "calling-extensions-sdk.umd.js",
            "main.js",
            "main.esm.js",
        ] {
            assert!(SDK.get_file(name).is_some(), "sdk/dist/{name}");
        }
        assert!(DEMO.get_file("index.html").is_some());
        let app = std::str::from_utf8(DEMO.get_file("app.js").unwrap().contents()).unwrap();
        assert!(
            app.contains("\"/sdk/calling-extensions-sdk.esm.js\""),
            "the demo loads the SDK from its origin"
        );
        assert!(WEB.get_file("index.html").is_some());
    }
}
