//! The admin API for installed apps: the list, and each app's client secret shown and rotated
//! (`/host/api/apps…`), for the signed-in host user's portal only.

use reqwest::Method;
use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{assert_error, json, TestApp};

/// Registers calling settings for `app_id`, which installs it in the development portal.
async fn register(app: &TestApp, app_id: i64, name: &str) {
    let settings = json!({"name": name, "url": "https://widget.example.com/"});
    let path = format!("/crm/v3/extensions/calling/{app_id}/settings");
    let (status, body) = app.dev_call(Method::POST, &path, Some(&settings)).await;
    assert_eq!(status, 200, "{body}");
}

/// A request to the host API with the session cookie; `same_origin` adds the host's Origin.
async fn call(
    app: &TestApp,
    host: &reqwest::Client,
    method: Method,
    path: &str,
    same_origin: bool,
) -> (u16, Option<String>, Value) {
    let mut request = host.request(method, format!("{}{path}", app.url));
    if same_origin {
        request = request.header("origin", &app.url);
    }
    let response = request.send().await.unwrap();
    let cache = response
        .headers()
        .get("cache-control")
        .map(|v| v.to_str().unwrap().to_owned());
    let (status, body) = json(response).await;
    (status, cache, body)
}

both_backends!(the_secret_is_shown_and_rotated_never_cached, |app| {
    register(app, 6101, "Secret app").await;
    let host = app.host_client().await;

    let (status, cache, body) =
        call(app, &host, Method::GET, "/host/api/apps/6101/secret", false).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(cache.as_deref(), Some("no-store"));
    let stored = app.store.client_secret(6101).await.unwrap().unwrap();
    assert_eq!(body, json!({"appId": 6101, "clientSecret": stored}));
    let (_, _, again) = call(app, &host, Method::GET, "/host/api/apps/6101/secret", false).await;
    assert_eq!(
        again["clientSecret"], stored,
        "the same secret until rotated"
    );

    let (status, cache, rotated) = call(
        app,
        &host,
        Method::POST,
        "/host/api/apps/6101/secret/rotate",
        true,
    )
    .await;
    assert_eq!(status, 200, "{rotated}");
    assert_eq!(cache.as_deref(), Some("no-store"));
    assert_eq!(rotated["appId"], 6101);
    let new = rotated["clientSecret"].as_str().unwrap();
    assert_ne!(new, stored);
    assert_eq!(app.store.client_secret(6101).await.unwrap().unwrap(), new);
    let (_, _, shown) = call(app, &host, Method::GET, "/host/api/apps/6101/secret", false).await;
    assert_eq!(shown["clientSecret"], new);
});

both_backends!(the_apps_of_the_portal_are_listed_by_name, |app| {
    register(app, 6102, "Listed app").await;
    let host = app.host_client().await;
    let (status, _, body) = call(app, &host, Method::GET, "/host/api/apps", false).await;
    assert_eq!(status, 200, "{body}");
    let apps = body["apps"].as_array().unwrap();
    assert!(
        apps.contains(&json!({"appId": 6102, "name": "Listed app"})),
        "{body}"
    );
});

both_backends!(other_apps_strangers_and_other_origins_are_refused, |app| {
    register(app, 6103, "Mine").await;
    let host = app.host_client().await;

    // Not installed in the portal (here: no such app at all) looks like nothing.
    for (method, path) in [
        (Method::GET, "/host/api/apps/6999/secret"),
        (Method::POST, "/host/api/apps/6999/secret/rotate"),
    ] {
        let (status, _, body) = call(app, &host, method, path, true).await;
        assert_error(status, &body, 404, "OBJECT_NOT_FOUND");
    }
    let (status, _, body) = call(app, &host, Method::GET, "/host/api/apps/abc/secret", false).await;
    assert_error(status, &body, 400, "VALIDATION_ERROR");

    // Not signed in.
    let stranger = reqwest::Client::new();
    let (status, _, body) = call(
        app,
        &stranger,
        Method::GET,
        "/host/api/apps/6103/secret",
        false,
    )
    .await;
    assert_error(status, &body, 401, "INVALID_AUTHENTICATION");

    // A rotation posted by a page of another origin (or with no Origin) changes nothing.
    let before = app.store.client_secret(6103).await.unwrap().unwrap();
    let (status, _, body) = call(
        app,
        &host,
        Method::POST,
        "/host/api/apps/6103/secret/rotate",
        false,
    )
    .await;
    assert_error(status, &body, 403, "FORBIDDEN");
    let response = host
        .post(format!("{}/host/api/apps/6103/secret/rotate", app.url))
        .header("origin", "http://127.0.0.1:1")
        .send()
        .await
        .unwrap();
    let (status, body) = json(response).await;
    assert_error(status, &body, 403, "FORBIDDEN");
    assert_eq!(
        app.store.client_secret(6103).await.unwrap().unwrap(),
        before
    );
});

both_backends!(the_help_desk_and_apps_pages_are_the_host_page, |app| {
    let host = app.host_client().await;
    let portal = app.dev.portal_id;
    for path in [
        format!("/help-desk/{portal}"),
        format!("/help-desk/{portal}/channels"),
        format!("/settings/{portal}/apps"),
    ] {
        let page = host.get(format!("{}{path}", app.url)).send().await.unwrap();
        assert_eq!(page.status(), 200, "{path}");
        let text = page.text().await.unwrap();
        assert!(text.contains("/host/static/main.js"), "{path}: {text}");
    }
    let other = host
        .get(format!("{}/settings/{}/apps", app.url, portal + 1))
        .send()
        .await
        .unwrap();
    let (status, body) = json(other).await;
    assert_error(status, &body, 404, "OBJECT_NOT_FOUND");
});
