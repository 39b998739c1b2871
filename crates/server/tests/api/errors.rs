//! Bad input: every case gets a 4xx in HubSpot's error shape naming what is wrong, and
//! writes nothing.

use reqwest::Method;
use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{assert_error, json, TestApp};

const SETTINGS: &str = "/crm/v3/extensions/calling/31337/settings";

/// POSTs `body` as settings, expects a 400 naming `field` with `code`, and checks nothing was stored.
async fn rejects(app: &TestApp, body: Value, field: &str, code: &str) {
    let (status, err) = app.dev_call(Method::POST, SETTINGS, Some(&body)).await;
    assert_error(status, &err, 400, "VALIDATION_ERROR");
    let details = err["errors"].as_array().unwrap();
    assert!(
        details
            .iter()
            .any(|d| d["in"] == field && d["code"] == code),
        "expected {field}/{code} in {err}"
    );
    assert!(
        err["message"].as_str().unwrap().contains(field),
        "the message names the field: {err}"
    );
    assert!(
        app.store
            .get_calling_settings(31337)
            .await
            .unwrap()
            .is_none(),
        "nothing written"
    );
}

both_backends!(settings_validation_names_each_field, |app| {
    let url = "https://ok.example.com/";
    rejects(app, json!({"url": url}), "name", "REQUIRED").await;
    rejects(app, json!({"name": "n"}), "url", "REQUIRED").await;
    rejects(
        app,
        json!({"name": "  ", "url": url}),
        "name",
        "INVALID_VALUE",
    )
    .await;
    rejects(
        app,
        json!({"name": "n", "url": "/widget"}),
        "url",
        "INVALID_URL",
    )
    .await;
    rejects(
        app,
        json!({"name": "n", "url": "http://dialer.example.com/"}),
        "url",
        "INVALID_URL",
    )
    .await;
    rejects(
        app,
        json!({"name": "n", "url": url, "width": 0}),
        "width",
        "OUT_OF_RANGE",
    )
    .await;
    rejects(
        app,
        json!({"name": "n", "url": url, "height": 4001}),
        "height",
        "OUT_OF_RANGE",
    )
    .await;
    rejects(
        app,
        json!({"name": "n", "url": url, "width": "400"}),
        "width",
        "INVALID_TYPE",
    )
    .await;
    rejects(
        app,
        json!({"name": "n", "url": url, "height": 12.5}),
        "height",
        "INVALID_TYPE",
    )
    .await;
    rejects(
        app,
        json!({"name": "n", "url": url, "isReady": "true"}),
        "isReady",
        "INVALID_TYPE",
    )
    .await;
    rejects(app, json!({"name": 7, "url": url}), "name", "INVALID_TYPE").await;
    rejects(
        app,
        json!({"name": "n", "url": url, "usesRemote": 1}),
        "usesRemote",
        "INVALID_TYPE",
    )
    .await;
});

both_backends!(a_bad_patch_changes_nothing, |app| {
    let body = json!({"name": "Keep", "url": "https://keep.example.com/"});
    app.dev_call(Method::POST, SETTINGS, Some(&body)).await;
    let (status, err) = app
        .dev_call(
            Method::PATCH,
            SETTINGS,
            Some(&json!({"name": "Changed", "width": -1})),
        )
        .await;
    assert_error(status, &err, 400, "VALIDATION_ERROR");
    let stored = app
        .store
        .get_calling_settings(31337)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.fields.name, "Keep",
        "a rejected patch must not half-apply"
    );
});

both_backends!(recording_url_needs_the_placeholder, |app| {
    let path = "/crm/v3/extensions/calling/31337/settings/recording";
    for (body, code) in [
        (
            json!({"urlToRetrieveAuthedRecording": "https://r.example.com/rec"}),
            "INVALID_URL",
        ),
        (
            json!({"urlToRetrieveAuthedRecording": "not a url %s"}),
            "INVALID_URL",
        ),
        (json!({}), "REQUIRED"),
        (json!({"urlToRetrieveAuthedRecording": 5}), "INVALID_TYPE"),
    ] {
        let (status, err) = app.dev_call(Method::POST, path, Some(&body)).await;
        assert_error(status, &err, 400, "VALIDATION_ERROR");
        assert_eq!(
            err["errors"][0]["in"], "urlToRetrieveAuthedRecording",
            "{err}"
        );
        assert_eq!(err["errors"][0]["code"], code, "{err}");
    }
});

both_backends!(malformed_and_non_object_json_are_400, |app| {
    for raw in ["{\"name\": ", "not json", "[1,2]", "\"text\"", ""] {
        let (status, err) = json(
            app.dev_request(Method::POST, SETTINGS)
                .header("content-type", "application/json")
                .body(raw)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_error(status, &err, 400, "VALIDATION_ERROR");
        assert!(
            err["message"]
                .as_str()
                .unwrap()
                .starts_with("Invalid input JSON"),
            "{err}"
        );
    }
});

both_backends!(bodies_over_one_mebibyte_are_413, |app| {
    let big = format!(
        "{{\"name\":\"{}\",\"url\":\"https://x.example.com/\"}}",
        "a".repeat(1024 * 1024)
    );
    let (status, err) = json(
        app.dev_request(Method::POST, SETTINGS)
            .body(big)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &err, 413, "VALIDATION_ERROR");
});

both_backends!(unknown_routes_and_methods_use_the_error_shape, |app| {
    let (status, err) = json(
        app.request(Method::GET, "/crm/v3/nothing/here")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &err, 404, "OBJECT_NOT_FOUND");
    let (status, err) = app.dev_call(Method::PUT, SETTINGS, None).await;
    assert_error(status, &err, 405, "METHOD_NOT_ALLOWED");
    let (status, err) = app
        .dev_call(Method::GET, "/crm/v3/extensions/calling/abc/settings", None)
        .await;
    assert_error(status, &err, 400, "VALIDATION_ERROR");
    assert_eq!(err["errors"][0]["in"], "appId");
});

both_backends!(python_style_requests_are_accepted, |app| {
    // The Python client sends Content-Type: application/json on GET and DELETE with no body.
    let body = json!({"name": "Py", "url": "https://py.example.com/"});
    app.dev_call(Method::POST, SETTINGS, Some(&body)).await;
    let (status, _) = json(
        app.dev_request(Method::GET, SETTINGS)
            .header("content-type", "application/json")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = json(
        app.dev_request(Method::DELETE, SETTINGS)
            .header("content-type", "application/json")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 204);
});

both_backends!(a_path_segment_that_is_not_utf8_is_a_400, |app| {
    // `%FF` decodes to a byte that is no UTF-8: the path extractors used to answer 500.
    let (status, err) = app
        .dev_call(Method::GET, "/crm/v3/extensions/calling/%FF/settings", None)
        .await;
    assert_error(status, &err, 400, "VALIDATION_ERROR");
    assert_eq!(err["errors"][0]["code"], "INVALID_UTF8", "{err}");
    let paths = [
        "/crm/v3/objects/%FF",
        "/crm/v3/objects/contacts/%FF",
        "/crm/v3/schemas/%FF",
        "/crm/v3/owners/%FF",
        "/crm/v4/objects/contacts/1/associations/%FF",
    ];
    for path in paths {
        let (status, err) = json(
            app.request(Method::GET, path)
                .bearer_auth(&app.token)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_error(status, &err, 400, "VALIDATION_ERROR");
        assert_eq!(err["errors"][0]["code"], "INVALID_UTF8", "{path}: {err}");
    }
    let host = app.host_client().await;
    let (status, err) = json(
        host.get(format!("{}/host/api/channels/%FF/numbers", app.url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &err, 400, "VALIDATION_ERROR");
});

both_backends!(
    every_rejection_on_either_origin_is_in_hubspots_shape,
    |app| {
        // axum's own Path/Query/WebSocketUpgrade rejections and the demo origin's 405 used to be
        // plain text; `json` asserts the JSON content type of each answer.
        let host = app.host_client().await;
        let cases: [(Method, String, u16, &str); 16] = [
            (
                Method::GET,
                format!("{}/sdk/%FF", app.url),
                400,
                "VALIDATION_ERROR",
            ),
            (
                Method::GET,
                format!("{}/host/static/%FF", app.url),
                400,
                "VALIDATION_ERROR",
            ),
            (
                Method::GET,
                format!("{}/host/ws?appId=abc", app.url),
                400,
                "VALIDATION_ERROR",
            ),
            (
                Method::GET,
                format!("{}/host/ws?location=attic", app.url),
                400,
                "VALIDATION_ERROR",
            ),
            (
                Method::GET,
                format!("{}/host/ws", app.url),
                400,
                "VALIDATION_ERROR",
            ),
            (
                Method::GET,
                format!("{}/host/api/inspector?appId=abc", app.url),
                400,
                "VALIDATION_ERROR",
            ),
            (
                Method::GET,
                format!("{}/host/api/recordings/%FF", app.url),
                400,
                "VALIDATION_ERROR",
            ),
            (
                Method::GET,
                format!("{}/host/api/recordings/%FF/status", app.url),
                400,
                "VALIDATION_ERROR",
            ),
            (
                Method::GET,
                format!("{}/host/api/recordings/%FF/audio", app.url),
                400,
                "VALIDATION_ERROR",
            ),
            (
                Method::DELETE,
                format!("{}/host/api/saved-searches/%FF", app.url),
                400,
                "VALIDATION_ERROR",
            ),
            (
                Method::DELETE,
                format!("{}/host/api/helpdesk/channels/%FF", app.url),
                400,
                "VALIDATION_ERROR",
            ),
            (
                Method::GET,
                format!("{}/%FF", app.demo_url),
                400,
                "VALIDATION_ERROR",
            ),
            (
                Method::GET,
                format!("{}/sdk/%FF", app.demo_url),
                400,
                "VALIDATION_ERROR",
            ),
            (
                Method::GET,
                format!("{}/api/recordings/%FF", app.demo_url),
                400,
                "VALIDATION_ERROR",
            ),
            (
                Method::POST,
                format!("{}/", app.demo_url),
                405,
                "METHOD_NOT_ALLOWED",
            ),
            (
                Method::GET,
                format!("{}/api/phone-numbers", app.demo_url),
                405,
                "METHOD_NOT_ALLOWED",
            ),
        ];
        for (method, url, status, category) in cases {
            let (got, err) = json(
                host.request(method.clone(), &url)
                    .header("origin", &app.url)
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            assert_eq!(got, status, "{method} {url}: {err}");
            assert_error(got, &err, status, category);
        }
    }
);
