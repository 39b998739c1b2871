//! `GET /host/api/channels/{appId}/numbers`: the channel-connection webhook, sent to a real
//! receiver on loopback, signed with the app's client secret, and every way it can fail
//! shown to the admin as a 200 with `error: {code, message}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use callhost_server::webhooks::signature;
use reqwest::Method;
use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{
    assert_error, json, spawn_app_with, Backend, MockServer, Recorded, TestApp, WEBHOOK_TIMEOUT,
};

/// A webhook receiver on loopback; `POST /{behaviour}` picks its answer.
async fn receiver() -> MockServer {
    MockServer::start(answer).await
}

/// The answer to one request; `None` (for `/slow`) never answers.
fn answer(request: &Recorded) -> Option<Response> {
    if request.method != Method::POST {
        return Some(StatusCode::METHOD_NOT_ALLOWED.into_response());
    }
    let response = match request.path().trim_start_matches('/') {
        "numbers" => axum::Json(json!({"phoneNumbers": [
            {"e164PhoneNumber": "+18001231234", "friendlyName": "Support line for the whole EMEA region"},
            {"e164PhoneNumber": "+18001231235", "extension": "1", "friendlyName": "Desk"},
            {"e164PhoneNumber": "0800 123", "friendlyName": "Old format"},
        ]}))
        .into_response(),
        "bare" => axum::Json(json!([{"e164PhoneNumber": "+442071234567"}])).into_response(),
        "fail" => (StatusCode::SERVICE_UNAVAILABLE, "down").into_response(),
        "html" => "<html>not json</html>".into_response(),
        "shape" => axum::Json(json!({"numbers": ["+18001231234"]})).into_response(),
        "big" => "x".repeat(2 << 20).into_response(),
        "slow" => return None,
        _ => StatusCode::NOT_FOUND.into_response(),
    };
    Some(response)
}

/// Registers app `app_id` (installed in the development portal) with its channel-connection
/// webhook at `url`.
async fn register(app: &TestApp, app_id: i64, url: &str, is_ready: bool) {
    let settings = json!({"name": "Help desk app", "url": "https://widget.example.com/"});
    let base = format!("/crm/v3/extensions/calling/{app_id}/settings");
    let (status, _) = app.dev_call(Method::POST, &base, Some(&settings)).await;
    assert_eq!(status, 200);
    let (status, _) = app
        .dev_call(
            Method::POST,
            &format!("{base}/channel-connection"),
            Some(&json!({"url": url, "isReady": is_ready})),
        )
        .await;
    assert_eq!(status, 200);
}

async fn numbers(app: &TestApp, host: &reqwest::Client, path: &str) -> (u16, Value) {
    json(
        host.get(format!("{}/host/api/channels/{path}", app.url))
            .send()
            .await
            .unwrap(),
    )
    .await
}

both_backends!(numbers_come_from_the_signed_webhook, |app| {
    let hook = receiver().await;
    let url = hook.url_of("/numbers?source=callhost");
    register(app, 5150, &url, true).await;
    let host = app.host_client().await;
    let (status, body) = numbers(app, &host, "5150/numbers").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("error").is_none(), "{body}");
    assert_eq!(
        body["numbers"],
        json!([
            {"e164PhoneNumber": "+18001231234", "extension": null,
             "friendlyName": "Support line for the who", "selectable": true, "valid": true,
             "reason": null},
            {"e164PhoneNumber": "+18001231235", "extension": "1", "friendlyName": "Desk",
             "selectable": false, "valid": true,
             "reason": "numbers with an extension can't be connected to the help desk"},
            {"e164PhoneNumber": "0800 123", "extension": null, "friendlyName": "Old format",
             "selectable": false, "valid": false,
             "reason": "\"0800 123\" is not an E.164 number (+ and 2 to 15 digits, the first not 0)"},
        ])
    );

    let Recorded {
        uri: path,
        headers,
        body: sent,
        ..
    } = hook.requests().pop().unwrap();
    assert_eq!(path, "/numbers?source=callhost");
    assert_eq!(
        sent,
        format!(
            r#"{{"appId":5150,"portalId":{},"userId":{}}}"#,
            app.dev.portal_id, app.dev.user_id
        ),
        "compact JSON with the three ids"
    );
    let header = |name: &str| headers[name].to_str().unwrap().to_owned();
    assert_eq!(header("content-type"), "application/json");
    let secret = app.store.client_secret(5150).await.unwrap().unwrap();
    let timestamp: i64 = header("x-hubspot-request-timestamp").parse().unwrap();
    assert!((chrono::Utc::now().timestamp_millis() - timestamp).abs() < 60_000);
    assert_eq!(
        header("x-hubspot-signature-v3"),
        signature::v3(&secret, "POST", &url, sent.as_bytes(), timestamp)
    );
    assert_eq!(
        header("x-hubspot-signature"),
        signature::v2(&secret, "POST", &url, sent.as_bytes())
    );
    assert_eq!(header("x-hubspot-signature-version"), "v2");

    // A rotated secret signs the next request.
    let rotated = app.store.rotate_client_secret(5150).await.unwrap().unwrap();
    numbers(app, &host, "5150/numbers").await;
    let Recorded {
        headers,
        body: sent,
        ..
    } = hook.requests().pop().unwrap();
    assert_eq!(
        headers["x-hubspot-signature"].to_str().unwrap(),
        signature::v2(&rotated, "POST", &url, sent.as_bytes())
    );
});

both_backends!(a_bare_array_answer_is_read_too, |app| {
    let hook = receiver().await;
    register(app, 5151, &hook.url_of("/bare"), true).await;
    let host = app.host_client().await;
    let (_, body) = numbers(app, &host, "5151/numbers").await;
    assert_eq!(body["numbers"][0]["e164PhoneNumber"], "+442071234567");
    assert_eq!(body["numbers"][0]["selectable"], true);
});

both_backends!(not_ready_apps_are_asked_only_with_the_override, |app| {
    let hook = receiver().await;
    register(app, 5152, &hook.url_of("/numbers"), false).await;
    let host = app.host_client().await;
    let (status, body) = numbers(app, &host, "5152/numbers").await;
    assert_eq!(status, 200);
    assert_eq!(body["error"]["code"], "NOT_READY", "{body}");
    assert_eq!(body["numbers"], json!([]));
    assert_eq!(hook.hits(), 0, "nothing was sent");
    let (_, body) = numbers(app, &host, "5152/numbers?override=1").await;
    assert!(body.get("error").is_none(), "{body}");
    assert_eq!(body["numbers"].as_array().unwrap().len(), 3);
});

both_backends!(each_webhook_failure_is_a_readable_error, |app| {
    let hook = receiver().await;
    let timeout = format!("{} ms", WEBHOOK_TIMEOUT.as_millis());
    let host = app.host_client().await;
    let cases = [
        (5160, "fail", "HTTP_STATUS", "503"),
        (5161, "html", "INVALID_JSON", "not valid JSON"),
        (5162, "shape", "WRONG_SHAPE", "no phoneNumbers array"),
        (5163, "big", "RESPONSE_TOO_LARGE", "1048576 bytes"),
        (5164, "slow", "TIMEOUT", timeout.as_str()),
    ];
    for (app_id, behaviour, _, _) in cases {
        register(app, app_id, &hook.url_of(&format!("/{behaviour}")), true).await;
    }
    let runs = cases.map(|(app_id, _, code, detail)| {
        let host = host.clone();
        async move {
            let (status, body) = numbers(app, &host, &format!("{app_id}/numbers")).await;
            assert_eq!(status, 200, "{body}");
            assert_eq!(body["error"]["code"], code, "{body}");
            let message = body["error"]["message"].as_str().unwrap();
            assert!(message.contains(detail), "{message}");
            assert_eq!(body["numbers"], json!([]));
        }
    });
    futures_util::future::join_all(runs).await;

    // Nothing listens on a port that was just closed.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", closed.local_addr().unwrap());
    drop(closed);
    register(app, 5165, &url, true).await;
    let (_, body) = numbers(app, &host, "5165/numbers").await;
    assert_eq!(body["error"]["code"], "CONNECTION_FAILED", "{body}");
});

both_backends!(requests_that_cannot_be_answered_are_hubspot_errors, |app| {
    let (status, body) = json(
        app.request(Method::GET, "/host/api/channels/5170/numbers")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 401, "INVALID_AUTHENTICATION");
    let host = app.host_client().await;
    let (status, body) = numbers(app, &host, "5170/numbers").await;
    assert_error(status, &body, 404, "OBJECT_NOT_FOUND");
    let (status, body) = numbers(app, &host, "abc/numbers").await;
    assert_error(status, &body, 400, "VALIDATION_ERROR");

    // Installed, but no channel-connection settings.
    let settings = json!({"name": "No channels", "url": "https://widget.example.com/"});
    app.dev_request(Method::POST, "/crm/v3/extensions/calling/5170/settings")
        .json(&settings)
        .send()
        .await
        .unwrap();
    let (status, body) = numbers(app, &host, "5170/numbers").await;
    assert_eq!(status, 200);
    assert_eq!(body["error"]["code"], "NOT_CONFIGURED", "{body}");
});

/// Served beyond loopback (and not told otherwise), callhost refuses to call into loopback.
async fn refuse_private_addresses(backend: Backend) {
    let Some(app) = spawn_app_with(backend, false).await else {
        return;
    };
    let hook = receiver().await;
    register(&app, 5180, &hook.url_of("/numbers"), true).await;
    let host = app.host_client().await;
    let (status, body) = numbers(&app, &host, "5180/numbers").await;
    assert_eq!(status, 200);
    assert_eq!(body["error"]["code"], "REFUSED_ADDRESS", "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("loopback") && message.contains("--allow-private-webhooks"),
        "{message}"
    );
    assert_eq!(hook.hits(), 0, "nothing was sent");
    app.finish().await;
}

#[tokio::test]
async fn private_addresses_are_refused_unless_allowed_sqlite() {
    refuse_private_addresses(Backend::Sqlite).await;
}

#[tokio::test]
#[cfg_attr(
    not(callhost_test_postgres),
    ignore = "needs CALLHOST_TEST_DATABASE_URL (a PostgreSQL server) when built"
)]
async fn private_addresses_are_refused_unless_allowed_postgres() {
    refuse_private_addresses(Backend::Postgres).await;
}
