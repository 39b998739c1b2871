//! The settings, recording-settings and channel-connection lifecycles, as clients use them.

use reqwest::Method;
use serde_json::json;

use crate::both_backends;
use crate::helpers::assert_error;

const SETTINGS: &str = "/crm/v3/extensions/calling/424242/settings";

fn is_iso_millis(value: &serde_json::Value) -> bool {
    let s = value.as_str().unwrap_or_default();
    s.len() == 24
        && s.ends_with('Z')
        && s.as_bytes()[19] == b'.'
        && chrono::DateTime::parse_from_rfc3339(s).is_ok()
}

both_backends!(settings_lifecycle_create_read_update_delete, |app| {
    let body = json!({"name": "Acme Dialer", "url": "https://dialer.example.com/widget", "width": 300,
        "height": 500, "isReady": false, "supportsCustomObjects": true, "supportsInboundCalling": true,
        "usesCallingWindow": false, "usesRemote": false});
    let (status, created) = app.dev_call(Method::POST, SETTINGS, Some(&body)).await;
    assert_eq!(status, 200, "{created}");
    for (k, v) in body.as_object().unwrap() {
        assert_eq!(&created[k], v, "{k}");
    }
    assert!(
        is_iso_millis(&created["createdAt"]) && is_iso_millis(&created["updatedAt"]),
        "{created}"
    );

    let (status, read) = app.dev_call(Method::GET, SETTINGS, None).await;
    assert_eq!((status, &read), (200, &created));

    let (status, updated) = app
        .dev_call(
            Method::PATCH,
            SETTINGS,
            Some(&json!({"isReady": true, "height": 700})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        (updated["isReady"].as_bool(), updated["height"].as_i64()),
        (Some(true), Some(700))
    );
    assert_eq!(updated["name"], "Acme Dialer", "untouched fields stay");
    assert_eq!(updated["createdAt"], created["createdAt"]);

    let (status, _) = app.dev_call(Method::DELETE, SETTINGS, None).await;
    assert_eq!(status, 204);
    let (status, body) = app.dev_call(Method::GET, SETTINGS, None).await;
    assert_error(status, &body, 404, "OBJECT_NOT_FOUND");
    let (status, body) = app.dev_call(Method::DELETE, SETTINGS, None).await;
    assert_error(status, &body, 404, "OBJECT_NOT_FOUND");
    let (status, body) = app
        .dev_call(Method::PATCH, SETTINGS, Some(&json!({"name": "x"})))
        .await;
    assert_error(status, &body, 404, "OBJECT_NOT_FOUND");
});

both_backends!(create_with_only_name_and_url_gets_the_defaults, |app| {
    let body = json!({"name": "Minimal", "url": "https://m.example.com/"});
    let (status, created) = app.dev_call(Method::POST, SETTINGS, Some(&body)).await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            created["width"].clone(),
            created["height"].clone(),
            created["isReady"].clone()
        ),
        (json!(400), json!(600), json!(true))
    );
    assert_eq!(created["supportsCustomObjects"], false);
    assert_eq!(created["supportsInboundCalling"], false);
    assert_eq!(created["usesCallingWindow"], true);
    assert_eq!(created["usesRemote"], true);
});

both_backends!(post_on_existing_settings_replaces_them, |app| {
    let first = json!({"name": "One", "url": "https://one.example.com/", "width": 100, "supportsInboundCalling": true});
    let (_, created) = app.dev_call(Method::POST, SETTINGS, Some(&first)).await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let second = json!({"name": "Two", "url": "https://two.example.com/"});
    let (status, replaced) = app.dev_call(Method::POST, SETTINGS, Some(&second)).await;
    assert_eq!(status, 200);
    assert_eq!(replaced["name"], "Two");
    assert_eq!(
        replaced["width"], 400,
        "omitted fields go back to their defaults"
    );
    assert_eq!(replaced["supportsInboundCalling"], false);
    assert_eq!(replaced["createdAt"], created["createdAt"]);
    assert_ne!(replaced["updatedAt"], created["updatedAt"]);
});

both_backends!(date_versioned_aliases_reach_the_same_settings, |app| {
    let body = json!({"name": "Versioned", "url": "https://v.example.com/"});
    let (status, _) = app
        .dev_call(
            Method::POST,
            "/crm/extensions/calling/2026-03/515151/settings",
            Some(&body),
        )
        .await;
    assert_eq!(status, 200);
    let (status, read) = app
        .dev_call(
            Method::GET,
            "/crm/v3/extensions/calling/515151/settings",
            None,
        )
        .await;
    assert_eq!((status, read["name"].as_str()), (200, Some("Versioned")));
    let (status, read) = app
        .dev_call(
            Method::GET,
            "/crm/extensions/calling/2026-09/515151/settings/recording",
            None,
        )
        .await;
    assert_error(status, &read, 404, "OBJECT_NOT_FOUND");
    let (status, body) = app
        .dev_call(
            Method::GET,
            "/crm/extensions/calling/v3/515151/settings",
            None,
        )
        .await;
    assert_error(status, &body, 404, "OBJECT_NOT_FOUND");
});

both_backends!(recording_settings_register_read_update, |app| {
    let path = "/crm/v3/extensions/calling/424242/settings/recording";
    let (status, body) = app.dev_call(Method::GET, path, None).await;
    assert_error(status, &body, 404, "OBJECT_NOT_FOUND");
    let url = "https://app.example.com/recordings/%s";
    let (status, body) = app
        .dev_call(
            Method::POST,
            path,
            Some(&json!({"urlToRetrieveAuthedRecording": url})),
        )
        .await;
    assert_eq!(
        (status, body),
        (200, json!({"urlToRetrieveAuthedRecording": url}))
    );
    let url2 = "https://app.example.com/rec?id=%s";
    let (status, body) = app
        .dev_call(
            Method::PATCH,
            path,
            Some(&json!({"urlToRetrieveAuthedRecording": url2})),
        )
        .await;
    assert_eq!(
        (status, body),
        (200, json!({"urlToRetrieveAuthedRecording": url2}))
    );
    let (status, body) = app.dev_call(Method::GET, path, None).await;
    assert_eq!(
        (status, body),
        (200, json!({"urlToRetrieveAuthedRecording": url2}))
    );
    let (status, body) = app.dev_call(Method::DELETE, path, None).await;
    assert_error(status, &body, 405, "METHOD_NOT_ALLOWED");
});

both_backends!(channel_connection_settings_lifecycle, |app| {
    let path = "/crm/v3/extensions/calling/424242/settings/channel-connection";
    let (status, created) = app
        .dev_call(
            Method::POST,
            path,
            Some(&json!({"url": "https://example.com/my-help-desk-service", "isReady": true})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        (created["url"].as_str(), created["isReady"].as_bool()),
        (Some("https://example.com/my-help-desk-service"), Some(true))
    );
    assert!(is_iso_millis(&created["createdAt"]) && is_iso_millis(&created["updatedAt"]));
    let (status, patched) = app
        .dev_call(Method::PATCH, path, Some(&json!({"isReady": false})))
        .await;
    assert_eq!(
        (status, patched["isReady"].as_bool(), patched["url"].clone()),
        (200, Some(false), created["url"].clone())
    );
    let (status, _) = app.dev_call(Method::DELETE, path, None).await;
    assert_eq!(status, 204);
    let (status, body) = app.dev_call(Method::GET, path, None).await;
    assert_error(status, &body, 404, "OBJECT_NOT_FOUND");
    let (status, body) = app
        .dev_call(
            Method::POST,
            path,
            Some(&json!({"url": "https://x.example.com"})),
        )
        .await;
    assert_error(status, &body, 400, "VALIDATION_ERROR");
    assert_eq!(body["errors"][0]["in"], "isReady", "{body}");
});

both_backends!(
    the_demo_app_and_new_dev_apps_are_installed_in_the_dev_portal,
    |app| {
        let body = json!({"name": "Mine", "url": "https://mine.example.com/"});
        app.dev_call(Method::POST, SETTINGS, Some(&body)).await;
        let installed = app.store.installed_apps(app.dev.portal_id).await.unwrap();
        assert!(installed.contains(&424242), "{installed:?}");
    }
);
