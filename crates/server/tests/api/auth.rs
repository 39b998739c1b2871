//! Credentials and ownership on the developer endpoints.

use reqwest::Method;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{assert_error, json};

const SETTINGS: &str = "/crm/v3/extensions/calling/8080/settings";

both_backends!(missing_or_wrong_credentials_are_401, |app| {
    let (status, err) = json(app.request(Method::GET, SETTINGS).send().await.unwrap()).await;
    assert_error(status, &err, 401, "INVALID_AUTHENTICATION");
    let (status, err) = json(
        app.request(Method::GET, &format!("{SETTINGS}?hapikey=wrong"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &err, 401, "INVALID_AUTHENTICATION");
    let (status, err) = json(
        app.request(Method::GET, SETTINGS)
            .bearer_auth("wrong")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &err, 401, "INVALID_AUTHENTICATION");
    // A plaintext hash of a real key is not a key.
    let hash = callhost_store::secret::hash(&app.api_key);
    let (status, err) = json(
        app.request(Method::GET, &format!("{SETTINGS}?hapikey={hash}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &err, 401, "INVALID_AUTHENTICATION");
});

both_backends!(bearer_tokens_need_developer_scopes, |app| {
    let body = json!({"name": "Bearer", "url": "https://b.example.com/"});
    let (status, _) = json(
        app.request(Method::POST, SETTINGS)
            .bearer_auth(&app.token)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "the development token has developers-write");

    let read_only = app.token_with(&["developers-read"], true).await;
    let (status, _) = json(
        app.request(Method::GET, SETTINGS)
            .bearer_auth(&read_only)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let (status, err) = json(
        app.request(Method::PATCH, SETTINGS)
            .bearer_auth(&read_only)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &err, 403, "MISSING_SCOPES");
    assert_eq!(
        err["errors"][0]["context"]["requiredGranularScopes"],
        json!(["developers-write"])
    );

    let crm_only = app.token_with(&["crm.objects.contacts.read"], false).await;
    let (status, err) = json(
        app.request(Method::GET, SETTINGS)
            .bearer_auth(&crm_only)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &err, 403, "MISSING_SCOPES");
});

both_backends!(another_developers_app_is_never_shown, |app| {
    let body = json!({"name": "Mine", "url": "https://mine.example.com/"});
    app.dev_call(Method::POST, SETTINGS, Some(&body)).await;
    let other = app.other_developer().await;
    let as_other =
        |method: Method, path: &str| app.request(method, &format!("{path}?hapikey={other}"));

    let (status, err) = json(as_other(Method::GET, SETTINGS).send().await.unwrap()).await;
    assert_error(status, &err, 404, "OBJECT_NOT_FOUND");
    assert!(!err.to_string().contains("mine.example.com"));
    let (status, err) = json(
        as_other(Method::PATCH, SETTINGS)
            .json(&json!({"name": "Stolen"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &err, 404, "OBJECT_NOT_FOUND");
    let (status, err) = json(as_other(Method::DELETE, SETTINGS).send().await.unwrap()).await;
    assert_error(status, &err, 404, "OBJECT_NOT_FOUND");
    let (status, err) = json(
        as_other(Method::POST, SETTINGS)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &err, 403, "FORBIDDEN");
    let (status, err) = json(
        as_other(
            Method::POST,
            "/crm/v3/extensions/calling/8080/settings/recording",
        )
        .json(&json!({"urlToRetrieveAuthedRecording": "https://x.example.com/%s"}))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_error(status, &err, 403, "FORBIDDEN");

    let stored = app.store.get_calling_settings(8080).await.unwrap().unwrap();
    assert_eq!(
        stored.fields.name, "Mine",
        "the owner's settings are untouched"
    );

    // The other account registers its own new app on first write.
    let (status, _) = json(
        as_other(Method::POST, "/crm/v3/extensions/calling/9090/settings")
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .dev_call(
            Method::GET,
            "/crm/v3/extensions/calling/9090/settings",
            None,
        )
        .await;
    assert_eq!(status, 404);
    assert!(
        !app.store
            .installed_apps(app.dev.portal_id)
            .await
            .unwrap()
            .contains(&9090),
        "only dev apps are auto-installed"
    );
});

both_backends!(a_wrong_bearer_token_beside_a_right_api_key_is_401, |app| {
    let settings = json!({"name": "Mine", "url": "https://mine.example.com/"});
    let (status, _) = app.dev_call(Method::POST, SETTINGS, Some(&settings)).await;
    assert_eq!(status, 200);
    for authorization in ["Bearer garbage", "Basic Zm9vOmJhcg=="] {
        let (status, err) = json(
            app.dev_request(Method::GET, SETTINGS)
                .header("authorization", authorization)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_error(status, &err, 401, "INVALID_AUTHENTICATION");
    }
    // A valid token acting for another developer account contradicts the key.
    let other = app.store.create_developer_account("Other").await.unwrap();
    let others_token = callhost_store::secret::generate("chp-");
    app.store
        .add_access_token(&callhost_store::NewAccessToken {
            token_hash: &callhost_store::secret::hash(&others_token),
            portal_id: app.dev.portal_id,
            user_id: app.dev.user_id,
            developer_account_id: Some(other.id),
            scopes: &["developers-read".to_owned()],
            expires_at: None,
        })
        .await
        .unwrap();
    let (status, err) = json(
        app.dev_request(Method::GET, SETTINGS)
            .bearer_auth(others_token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &err, 401, "INVALID_AUTHENTICATION");
    // A valid token of the same developer account beside the key is no contradiction.
    let token = app.token_with(&["developers-read"], true).await;
    let response = app
        .dev_request(Method::GET, SETTINGS)
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
});

// A bearer token's grant, once checked, is remembered (`auth::Grants`), but never past the
// token's expiry: the first request after it is refused, as the store would refuse it.
both_backends!(
    a_token_used_before_it_expires_is_refused_once_it_has,
    |app| {
        let token = callhost_store::secret::generate("chs-");
        let expires_at = chrono::Utc::now() + chrono::Duration::milliseconds(1500);
        app.store
            .add_access_token(&callhost_store::NewAccessToken {
                token_hash: &callhost_store::secret::hash(&token),
                portal_id: app.dev.portal_id,
                user_id: app.dev.user_id,
                developer_account_id: None,
                scopes: &["crm.objects.contacts.read".to_owned()],
                expires_at: Some(expires_at),
            })
            .await
            .unwrap();
        let get = || async {
            json(
                app.request(Method::GET, "/crm/v3/objects/contacts")
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        };
        for _ in 0..3 {
            let (status, body) = get().await;
            assert_eq!(status, 200, "{body}");
        }
        let left = expires_at - chrono::Utc::now();
        tokio::time::sleep(
            left.to_std().unwrap_or_default() + std::time::Duration::from_millis(20),
        )
        .await;
        let (status, err) = get().await;
        assert_error(status, &err, 401, "INVALID_AUTHENTICATION");
    }
);

// A token's grant remembered before a revocation is not honoured after it: uninstalling an
// app through the store refuses its tokens on the next request.
both_backends!(
    a_token_used_before_its_app_is_uninstalled_is_refused_after,
    |app| {
        let created = crate::oauth_helpers::oauth_app(app).await;
        let tokens = crate::oauth_helpers::install(app, &created).await;
        let access = tokens["access_token"].as_str().unwrap();
        let get = || async {
            json(
                app.request(Method::GET, "/crm/v3/objects/contacts")
                    .bearer_auth(access)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
            .0
        };
        assert_eq!(get().await, 200);
        assert_eq!(get().await, 200);
        assert!(app
            .store
            .uninstall_app(app.dev.portal_id, created.client.app_id)
            .await
            .unwrap());
        assert_eq!(get().await, 401);
    }
);
