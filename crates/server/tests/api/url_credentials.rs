//! URLs with credentials (issue 17, item 3): the settings APIs refuse them, naming the field,
//! and the host's answers never hand out the credentials of a URL stored before they did.

use callhost_store::{now, CallingSettingsPatch};
use reqwest::Method;
use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{assert_error, json, TestApp};

const SETTINGS: &str = "/crm/v3/extensions/calling/4343/settings";

async fn refuses(app: &TestApp, path: &str, body: Value, field: &str) {
    let (status, err) = app.dev_call(Method::POST, path, Some(&body)).await;
    assert_error(status, &err, 400, "VALIDATION_ERROR");
    assert_eq!(err["errors"][0]["in"], field, "{path}: {err}");
    let message = err["message"].as_str().unwrap();
    assert!(
        message.contains(field) && message.contains("credentials"),
        "{err}"
    );
}

both_backends!(settings_refuse_urls_with_credentials, |app| {
    let bad = "https://user:secret@widget.example.com/";
    refuses(app, SETTINGS, json!({"name": "n", "url": bad}), "url").await;
    refuses(
        app,
        SETTINGS,
        json!({"name": "n", "url": "https://user@widget.example.com/"}),
        "url",
    )
    .await;
    let (status, _) = app
        .dev_call(
            Method::POST,
            SETTINGS,
            Some(&json!({"name": "n", "url": "https://widget.example.com/"})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, err) = app
        .dev_call(Method::PATCH, SETTINGS, Some(&json!({"url": bad})))
        .await;
    assert_error(status, &err, 400, "VALIDATION_ERROR");
    refuses(
        app,
        &format!("{SETTINGS}/channel-connection"),
        json!({"url": "https://hook:secret@hooks.example.com/numbers", "isReady": true}),
        "url",
    )
    .await;
    refuses(
        app,
        &format!("{SETTINGS}/recording"),
        json!({"urlToRetrieveAuthedRecording": "https://u:secret@r.example.com/%s"}),
        "urlToRetrieveAuthedRecording",
    )
    .await;
});

both_backends!(host_answers_never_return_url_credentials, |app| {
    // Registered cleanly (which installs the app in the development portal), then given
    // URLs with credentials straight in the store, as stored before the refusal existed.
    let body = json!({"name": "Creds", "url": "https://widget.example.com/"});
    let (status, _) = app.dev_call(Method::POST, SETTINGS, Some(&body)).await;
    assert_eq!(status, 200);
    let patch = CallingSettingsPatch {
        url: Some("https://user:app-password@widget.example.com/w".to_owned()),
        ..Default::default()
    };
    app.store
        .patch_calling_settings(4343, &patch, now())
        .await
        .unwrap()
        .unwrap();
    app.store
        .put_channel_connection_settings(
            4343,
            "https://hook:hook-password@hooks.example.com/numbers",
            true,
            now(),
        )
        .await
        .unwrap();
    let host = app.host_client().await;
    for path in ["/host/api/context", "/host/api/helpdesk/apps"] {
        let response = host.get(format!("{}{path}", app.url)).send().await.unwrap();
        let (status, answer) = json(response).await;
        assert_eq!(status, 200, "{path}: {answer}");
        let text = answer.to_string();
        assert!(!text.contains("password"), "{path} leaks: {text}");
        let apps = answer["apps"].as_array().unwrap();
        let ours = apps.iter().find(|a| a["appId"] == 4343).unwrap();
        let url = if path.ends_with("context") {
            &ours["url"]
        } else {
            &ours["channelConnection"]["url"]
        };
        let expected = if path.ends_with("context") {
            "https://widget.example.com/w"
        } else {
            "https://hooks.example.com/numbers"
        };
        assert_eq!(url, expected, "{path}: {answer}");
    }
});
