//! Call recordings through the host: `GET /host/api/recordings/{id}` asks a real app backend on
//! loopback (its signature checked with our verifier, its query parameters checked), and
//! `/audio` streams from a real media server on loopback that honours `Range`; every failure
//! answers in HubSpot's shape; `recordings/ready` is kept and shown.

use std::time::Duration;

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use callhost_server::webhooks::signature;
use reqwest::Method;
use serde_json::{json, Value};

use crate::both_backends;
use crate::crm_objects::{bearer, create_call};
use crate::helpers::{
    assert_error, json, spawn_app_with, Backend, MockServer, Recorded, TestApp, WEBHOOK_TIMEOUT,
};

/// The recording the media server holds: 10,000 bytes that differ from their neighbours.
fn media() -> Vec<u8> {
    (0..10_000u32).map(|i| (i % 251) as u8).collect()
}

/// The recording webhook's requests among `requests`: (path and query, headers).
fn asked(requests: Vec<Recorded>) -> Vec<(String, HeaderMap)> {
    let asked = requests
        .into_iter()
        .filter(|r| r.path().starts_with("/rec/"));
    asked.map(|r| (r.uri, r.headers)).collect()
}

/// The app's backend and its media server, on one loopback port: `GET /rec/{externalId}`
/// answers by the external id's first word; `GET /media/...` serves [`media`] with `Range`
/// support.
async fn app_backend() -> (String, MockServer) {
    let server = MockServer::start(|request: &Recorded| {
        if request.method != Method::GET {
            return Some(StatusCode::METHOD_NOT_ALLOWED.into_response());
        }
        // The media URLs it hands out are on its own origin, which the request names.
        let origin = format!("http://{}", request.header("host").unwrap());
        let path = request.path();
        if let Some(external_id) = path.strip_prefix("/rec/") {
            return retrieval_answer(&origin, external_id);
        }
        if let Some(name) = path.strip_prefix("/media/") {
            return Some(serve_media(name, request.header("range")));
        }
        Some(StatusCode::NOT_FOUND.into_response())
    })
    .await;
    (server.url.clone(), server)
}

/// The recording webhook's answer to the external id as sent (percent-encoded), by its first
/// word; `None` (for `slow`) never answers.
fn retrieval_answer(origin: &str, external_id: &str) -> Option<Response> {
    let word = external_id.split(['%', '-']).next().unwrap_or_default();
    let url =
        |name: &str| json!({ "authenticatedUrl": format!("{origin}/media/{name}?sig=s3cr3t") });
    let response = match word {
        "good" => axum::Json(url("call.wav")).into_response(),
        "gone" => axum::Json(url("missing.wav")).into_response(),
        "html" => axum::Json(url("page.html")).into_response(),
        "fail" => (StatusCode::SERVICE_UNAVAILABLE, "down").into_response(),
        "notjson" => "<html>not json</html>".into_response(),
        "nourl" => axum::Json(json!({"url": "https://elsewhere/"})).into_response(),
        "ftp" => {
            axum::Json(json!({"authenticatedUrl": "ftp://media.example.com/a.wav"})).into_response()
        }
        "slow" => return None,
        _ => StatusCode::NOT_FOUND.into_response(),
    };
    Some(response)
}

/// A media server as docs/rest-api.md#recording-retrieval asks: 200 with the whole file, 206 for a satisfiable
/// `bytes=a-b` / `bytes=a-`, 416 otherwise.
fn serve_media(name: &str, range: Option<&str>) -> Response {
    let bytes = media();
    let len = bytes.len();
    match name {
        "call.wav" => {}
        "page.html" => {
            return (
                [(header::CONTENT_TYPE, "text/html")],
                "<script>alert(1)</script>",
            )
                .into_response()
        }
        _ => return StatusCode::NOT_FOUND.into_response(),
    }
    let Some(range) = range else {
        return (
            [
                (header::CONTENT_TYPE, "audio/wav"),
                (header::ACCEPT_RANGES, "bytes"),
            ],
            bytes,
        )
            .into_response();
    };
    let spec = range.strip_prefix("bytes=").unwrap_or_default();
    let (start, end) = spec.split_once('-').unwrap_or_default();
    let start: usize = start.parse().unwrap_or(usize::MAX);
    let end: usize = if end.is_empty() {
        len - 1
    } else {
        end.parse::<usize>().unwrap_or(0).min(len - 1)
    };
    if start >= len || end < start {
        return (
            StatusCode::RANGE_NOT_SATISFIABLE,
            [(header::CONTENT_RANGE, format!("bytes */{len}"))],
        )
            .into_response();
    }
    (
        StatusCode::PARTIAL_CONTENT,
        [
            (header::CONTENT_TYPE, "audio/wav".to_owned()),
            (header::ACCEPT_RANGES, "bytes".to_owned()),
            (header::CONTENT_RANGE, format!("bytes {start}-{end}/{len}")),
        ],
        bytes[start..=end].to_vec(),
    )
        .into_response()
}

/// Registers `app_id` (installed in the development portal by its calling settings) with its
/// recording URL at `template`; `None` registers no recording settings.
async fn register(app: &TestApp, app_id: i64, template: Option<&str>) {
    let base = format!("/crm/v3/extensions/calling/{app_id}/settings");
    let settings = json!({"name": "Recorder", "url": "https://widget.example.com/"});
    let (status, body) = app.dev_call(Method::POST, &base, Some(&settings)).await;
    assert_eq!(status, 200, "{body}");
    if let Some(template) = template {
        let body = json!({ "urlToRetrieveAuthedRecording": template });
        let (status, answer) = app
            .dev_call(Method::POST, &format!("{base}/recording"), Some(&body))
            .await;
        assert_eq!(status, 200, "{answer}");
    }
}

/// A call logged by `app_id` with `external_id` (none when empty); returns its id.
async fn call(app: &TestApp, app_id: i64, external_id: &str, account: Option<&str>) -> i64 {
    let mut properties = json!({
        "hs_timestamp": "2026-01-01T00:00:00.000Z",
        "hs_call_app_id": app_id.to_string(),
        "hs_call_source": "INTEGRATIONS_PLATFORM",
    });
    if !external_id.is_empty() {
        properties["hs_call_external_id"] = json!(external_id);
    }
    if let Some(account) = account {
        properties["hs_call_external_account_id"] = json!(account);
    }
    let created = create_call(app, properties).await;
    created["id"].as_str().unwrap().parse().unwrap()
}

async fn host_get(app: &TestApp, host: &reqwest::Client, path: &str) -> (u16, Value) {
    json(
        host.get(format!("{}/host/api/recordings/{path}", app.url))
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// `/audio` with an optional `Range`: status, headers, bytes.
async fn audio(
    app: &TestApp,
    host: &reqwest::Client,
    id: i64,
    range: Option<&str>,
) -> (u16, HeaderMap, Vec<u8>) {
    let mut request = host.get(format!("{}/host/api/recordings/{id}/audio", app.url));
    if let Some(range) = range {
        request = request.header("range", range);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.bytes().await.unwrap().to_vec())
}

fn header_of<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or_default()
}

/// Asserts a 502 in HubSpot's shape with this category and failure code; returns the message.
fn assert_gateway(status: u16, body: &Value, category: &str, code: &str) -> String {
    assert_error(status, body, 502, category);
    assert_eq!(body["errors"][0]["code"], code, "{body}");
    body["message"].as_str().unwrap().to_owned()
}

both_backends!(
    a_recording_is_asked_for_signed_and_streamed_with_ranges,
    |app| {
        let (base, seen) = app_backend().await;
        let template = format!("{base}/rec/%s?source=callhost");
        register(app, 7001, Some(&template)).await;
        let id = call(app, 7001, "good call/1", Some("acct 9")).await;
        let host = app.host_client().await;

        let (status, body) = host_get(app, &host, &format!("{id}/status")).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["available"], true, "{body}");
        assert_eq!(body["ready"], false, "{body}");
        assert_eq!(body["appId"], 7001);
        assert_eq!(body["audioUrl"], format!("/host/api/recordings/{id}/audio"));
        assert!(
            asked(seen.requests()).is_empty(),
            "the status does not ask the app"
        );

        let response = host
            .get(format!("{}/host/api/recordings/{id}", app.url))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.headers().get("cache-control").unwrap(),
            "no-store",
            "the authenticated URL is a credential"
        );
        let (status, body) = json(response).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            body["authenticatedUrl"],
            format!("{base}/media/call.wav?sig=s3cr3t")
        );
        assert_eq!(body["externalId"], "good call/1");

        // The app saw a signed GET: the external id in place of %s, then externalAccountId and appId.
        let (path, headers) = asked(seen.take_requests()).pop().unwrap();
        assert_eq!(
            path,
            "/rec/good%20call%2F1?source=callhost&externalAccountId=acct+9&appId=7001"
        );
        let requested = format!("{base}{path}");
        let secret = app.store.client_secret(7001).await.unwrap().unwrap();
        let h = |name: &str| header_of(&headers, name).to_owned();
        assert!(
            signature::verify_v3(
                &secret,
                "GET",
                &requested,
                b"",
                &h("x-hubspot-request-timestamp"),
                &h("x-hubspot-signature-v3"),
                chrono::Utc::now().timestamp_millis(),
            ),
            "the v3 signature verifies"
        );
        assert!(!signature::verify_v3(
            "another secret",
            "GET",
            &requested,
            b"",
            &h("x-hubspot-request-timestamp"),
            &h("x-hubspot-signature-v3"),
            chrono::Utc::now().timestamp_millis(),
        ));
        assert_eq!(
            h("x-hubspot-signature"),
            signature::v2(&secret, "GET", &requested, b"")
        );
        assert_eq!(h("x-hubspot-signature-version"), "v2");

        // The whole recording: 200 as the media server sent it.
        let all = media();
        let (status, headers, bytes) = audio(app, &host, id, None).await;
        assert_eq!(status, 200);
        assert_eq!(bytes, all);
        assert_eq!(header_of(&headers, "content-type"), "audio/wav");
        assert_eq!(header_of(&headers, "accept-ranges"), "bytes");
        assert_eq!(header_of(&headers, "content-length"), "10000");
        assert_eq!(header_of(&headers, "x-content-type-options"), "nosniff");

        // The start, then a seek into the middle: 206 with the right bytes and Content-Range.
        let (status, headers, bytes) = audio(app, &host, id, Some("bytes=0-99")).await;
        assert_eq!(status, 206);
        assert_eq!(bytes, &all[..100]);
        assert_eq!(header_of(&headers, "content-range"), "bytes 0-99/10000");
        assert_eq!(header_of(&headers, "content-length"), "100");
        let (status, headers, bytes) = audio(app, &host, id, Some("bytes=5000-")).await;
        assert_eq!(status, 206);
        assert_eq!(bytes, &all[5000..]);
        assert_eq!(
            header_of(&headers, "content-range"),
            "bytes 5000-9999/10000"
        );
        assert_eq!(header_of(&headers, "content-type"), "audio/wav");
        assert_eq!(
            seen.requests()
                .iter()
                .filter(|r| r.path().starts_with("/media/"))
                .map(|r| r.header("range").map(str::to_owned))
                .collect::<Vec<_>>(),
            vec![None, Some("bytes=0-99".into()), Some("bytes=5000-".into())],
            "the browser's Range reached the media server as it was"
        );
        assert_eq!(
            asked(seen.requests()).len(),
            3,
            "each audio request asks the app anew"
        );

        // A range past the end is the media server's 416, in HubSpot's shape.
        let (status, headers, bytes) = audio(app, &host, id, Some("bytes=20000-")).await;
        assert_eq!(status, 416);
        let body: Value = serde_json::from_slice(&bytes).unwrap();
        assert_error(status, &body, 416, "VALIDATION_ERROR");
        assert!(header_of(&headers, "content-type").starts_with("application/json"));
    }
);

both_backends!(recordings_ready_is_kept_and_shown_in_the_status, |app| {
    let (base, _) = app_backend().await;
    register(app, 7002, Some(&format!("{base}/rec/%s"))).await;
    let id = call(app, 7002, "good-2", None).await;
    let host = app.host_client().await;
    let ready = |id: i64| {
        bearer(
            app,
            Method::POST,
            "/crm/v3/extensions/calling/recordings/ready",
        )
        .json(&json!({ "engagementId": id }))
        .send()
    };
    assert_eq!(ready(id).await.unwrap().status(), 204);
    let (_, body) = host_get(app, &host, &format!("{id}/status")).await;
    assert_eq!(body["ready"], true, "{body}");
    let first = body["readyAt"].as_str().unwrap().to_owned();
    let stored = app.store.recording_ready_at(app.dev.portal_id, id).await;
    assert!(stored.unwrap().is_some());

    // Again, 5 ms later: still one mark, its time moved on (times have milliseconds).
    tokio::time::sleep(Duration::from_millis(5)).await;
    assert_eq!(ready(id).await.unwrap().status(), 204);
    let (_, body) = host_get(app, &host, &format!("{id}/status")).await;
    assert!(body["readyAt"].as_str().unwrap() > first.as_str(), "{body}");

    // Another portal's view of the call: nothing is marked there.
    let other = app.store.create_portal("Other").await.unwrap();
    assert!(!app
        .store
        .mark_recording_ready(other.id, id, callhost_store::now())
        .await
        .unwrap());
    assert_eq!(
        app.store.recording_ready_at(other.id, id).await.unwrap(),
        None
    );

    // An unknown call: 404, nothing marked.
    let (status, body) = json(ready(id + 1_000_000).await.unwrap()).await;
    assert_error(status, &body, 404, "OBJECT_NOT_FOUND");
});

both_backends!(calls_without_a_recording_to_offer_say_why, |app| {
    let (base, seen) = app_backend().await;
    register(app, 7003, Some(&format!("{base}/rec/%s"))).await;
    register(app, 7004, None).await;
    let host = app.host_client().await;

    let no_external_id = call(app, 7003, "", None).await;
    let no_settings = call(app, 7004, "good-4", None).await;
    let not_installed = call(app, 917_004, "good-5", None).await;
    for (id, says) in [
        (no_external_id, "hs_call_external_id"),
        (no_settings, "no recording settings"),
        (not_installed, "not installed"),
    ] {
        let (status, body) = host_get(app, &host, &format!("{id}/status")).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["available"], false, "{body}");
        assert!(body["message"].as_str().unwrap().contains(says), "{body}");
        for path in [id.to_string(), format!("{id}/audio")] {
            let (status, body) = host_get(app, &host, &path).await;
            assert_error(status, &body, 404, "OBJECT_NOT_FOUND");
            assert!(body["message"].as_str().unwrap().contains(says), "{body}");
        }
    }
    assert!(asked(seen.requests()).is_empty(), "no app was asked");

    let (status, body) = host_get(app, &host, "999999999/status").await;
    assert_error(status, &body, 404, "OBJECT_NOT_FOUND");
    let (status, body) = host_get(app, &host, "abc").await;
    assert_error(status, &body, 400, "VALIDATION_ERROR");
    let (status, body) = json(
        app.request(Method::GET, &format!("/host/api/recordings/{no_settings}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 401, "INVALID_AUTHENTICATION");
});

both_backends!(
    failures_of_the_app_and_its_media_server_are_502s_that_say_why,
    |app| {
        let (base, _) = app_backend().await;
        register(app, 7005, Some(&format!("{base}/rec/%s"))).await;
        let host = app.host_client().await;
        let timeout = format!("did not answer within {} ms", WEBHOOK_TIMEOUT.as_millis());
        for (external_id, code, says) in [
            ("fail-1", "HTTP_STATUS", "503"),
            ("notjson-1", "INVALID_JSON", "not valid JSON"),
            ("nourl-1", "NO_AUTHENTICATED_URL", "no authenticatedUrl"),
            ("ftp-1", "INVALID_AUTHENTICATED_URL", "not an absolute http"),
            ("slow-1", "TIMEOUT", timeout.as_str()),
        ] {
            let id = call(app, 7005, external_id, None).await;
            let (status, body) = host_get(app, &host, &id.to_string()).await;
            let message = assert_gateway(status, &body, "WEBHOOK_FAILED", code);
            assert!(message.contains(says), "{external_id}: {message}");
            assert!(message.contains("App 7005"), "{message}");
            if external_id == "fail-1" {
                // The audio route asks the app the same way, and fails the same way.
                let (status, _, bytes) = audio(app, &host, id, Some("bytes=0-")).await;
                let body: Value = serde_json::from_slice(&bytes).unwrap();
                assert_gateway(status, &body, "WEBHOOK_FAILED", code);
            }
        }

        // The media server fails: the recording route still answers (it only asks the app), the
        // audio is a 502 naming the media server.
        let id = call(app, 7005, "gone-1", None).await;
        let (status, _) = host_get(app, &host, &id.to_string()).await;
        assert_eq!(status, 200);
        let (status, _, bytes) = audio(app, &host, id, None).await;
        let body: Value = serde_json::from_slice(&bytes).unwrap();
        let message = assert_gateway(status, &body, "MEDIA_FAILED", "HTTP_STATUS");
        assert!(
            message.contains("media server answered HTTP 404"),
            "{message}"
        );

        // Whatever the media server calls its answer, callhost serves audio or bytes only.
        let id = call(app, 7005, "html-1", None).await;
        let (status, headers, _) = audio(app, &host, id, None).await;
        assert_eq!(status, 200);
        assert_eq!(
            header_of(&headers, "content-type"),
            "application/octet-stream"
        );
        assert_eq!(header_of(&headers, "x-content-type-options"), "nosniff");
        assert!(header_of(&headers, "content-security-policy").contains("sandbox"));
    }
);

/// With private webhooks not allowed (callhost listening beyond loopback), the loopback app
/// backend is refused before anything is sent.
async fn refused_on(backend: Backend) {
    let Some(app) = spawn_app_with(backend, false).await else {
        return;
    };
    let (base, seen) = app_backend().await;
    register(&app, 7006, Some(&format!("{base}/rec/%s"))).await;
    let id = call(&app, 7006, "good-6", None).await;
    let host = app.host_client().await;
    let (status, body) = host_get(&app, &host, &id.to_string()).await;
    let message = assert_gateway(status, &body, "WEBHOOK_FAILED", "REFUSED_ADDRESS");
    assert!(message.contains("loopback"), "{message}");
    assert!(asked(seen.requests()).is_empty());
    app.finish().await;
}

#[tokio::test]
async fn a_private_app_backend_is_refused_unless_allowed_sqlite() {
    refused_on(Backend::Sqlite).await;
}

#[tokio::test]
#[cfg_attr(
    not(callhost_test_postgres),
    ignore = "needs CALLHOST_TEST_DATABASE_URL (a PostgreSQL server) when built"
)]
async fn a_private_app_backend_is_refused_unless_allowed_postgres() {
    refused_on(Backend::Postgres).await;
}
