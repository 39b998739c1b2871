//! The install as a user and a backend go through it: consent, redirect with `code` and
//! `state` untouched, the code exchanged once, a CRM call with the token, refresh, metadata,
//! revocation, uninstall; and the install page's refusals (error pages that never redirect,
//! Cancel, CSRF, framing).

use reqwest::Method;

use crate::both_backends;
use crate::helpers::json;
use crate::oauth_helpers::*;

both_backends!(
    an_install_gives_tokens_that_call_the_crm_until_uninstalled,
    |app| {
        let created = oauth_app(app).await;
        let client_id = created.client.client_id.clone();
        let state = "a b&c=d/é+%";
        let pairs = consent(
            app,
            &browser(),
            &install_url(
                app,
                &client_id,
                &[
                    ("state", state),
                    ("optional_scope", "crm.objects.deals.read"),
                ],
            ),
            "connect",
        )
        .await;
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(
            get("state").as_deref(),
            Some(state),
            "state comes back untouched"
        );
        let code = get("code").unwrap();

        let exchange = [
            ("grant_type", "authorization_code"),
            ("client_id", client_id.as_str()),
            ("client_secret", created.client_secret.as_str()),
            ("redirect_uri", REDIRECT),
            ("code", code.as_str()),
        ];
        let (status, tokens) = token_request(app, "/oauth/v1/token", &exchange).await;
        assert_eq!(status, 200, "{tokens}");
        assert_eq!(tokens["token_type"], "bearer");
        assert_eq!(tokens["expires_in"], 1800);
        assert_eq!(tokens["hub_id"], app.dev.portal_id);
        assert_eq!(
            tokens["scopes"],
            serde_json::json!([
                "crm.objects.contacts.read",
                "crm.objects.contacts.write",
                "crm.objects.deals.read"
            ])
        );
        // A code is used once.
        let (status, again) = token_request(app, "/oauth/v1/token", &exchange).await;
        assert_eq!(
            (status, again["status"].as_str()),
            (400, Some("BAD_AUTH_CODE"))
        );

        let access = tokens["access_token"].as_str().unwrap().to_owned();
        let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
        let bearer =
            |token: &str, path: &str| app.request(Method::GET, path).bearer_auth(token).send();
        let (status, contacts) =
            json(bearer(&access, "/crm/v3/objects/contacts").await.unwrap()).await;
        assert_eq!(status, 200, "{contacts}");
        assert!(!contacts["results"].as_array().unwrap().is_empty());
        // Scopes are enforced: no ticket scope was granted.
        let (status, body) = json(bearer(&access, "/crm/v3/objects/tickets").await.unwrap()).await;
        assert_eq!(
            (status, body["category"].as_str()),
            (403, Some("MISSING_SCOPES"))
        );
        assert_eq!(
            body["errors"][0]["context"]["requiredGranularScopes"][0],
            "tickets"
        );

        // The access token's metadata, as the official clients read it.
        let (status, info) = json(
            app.request(Method::GET, &format!("/oauth/v1/access-tokens/{access}"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200, "{info}");
        assert_eq!(info["token"], access.as_str());
        assert_eq!(info["hub_id"], app.dev.portal_id);
        assert_eq!(info["user_id"], app.dev.user_id);
        assert_eq!(info["app_id"], created.client.app_id);
        assert_eq!(info["token_type"], "access");
        assert_eq!(info["user"], "developer@callhost.localhost");
        assert!(info["expires_in"].as_i64().unwrap() > 1700);

        // Refreshing: a new access token, the same refresh token, on v3 and 2026-03 too.
        for path in ["/oauth/v1/token", "/oauth/v3/token", "/oauth/2026-03/token"] {
            let (status, fresh) = token_request(
                app,
                path,
                &[
                    ("grant_type", "refresh_token"),
                    ("client_id", client_id.as_str()),
                    ("client_secret", created.client_secret.as_str()),
                    ("refresh_token", refresh.as_str()),
                ],
            )
            .await;
            assert_eq!(status, 200, "{path}: {fresh}");
            assert_eq!(fresh["refresh_token"], refresh.as_str());
            assert_ne!(fresh["access_token"], access.as_str());
            let (status, _) = json(
                bearer(
                    fresh["access_token"].as_str().unwrap(),
                    "/crm/v3/objects/contacts",
                )
                .await
                .unwrap(),
            )
            .await;
            assert_eq!(status, 200);
        }
        let (status, info) = json(
            app.request(Method::GET, &format!("/oauth/v1/refresh-tokens/{refresh}"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200, "{info}");
        assert_eq!(info["client_id"], client_id.as_str());
        assert_eq!(info["token_type"], "refresh");

        // The install is listed with its granted scopes, and uninstalling revokes the tokens.
        let host = app.host_client().await;
        let (_, installs) = json(
            host.get(format!("{}/host/api/installs", app.url))
                .send()
                .await
                .unwrap(),
        )
        .await;
        let listed = installs["apps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["appId"] == created.client.app_id)
            .cloned()
            .unwrap();
        assert_eq!(listed["scopes"].as_array().unwrap().len(), 3);
        assert_eq!(installs["canInstall"], true);
        let gone = host
            .delete(format!(
                "{}/host/api/apps/{}",
                app.url, created.client.app_id
            ))
            .header("origin", &app.url)
            .send()
            .await
            .unwrap();
        assert_eq!(gone.status(), 204);
        let (status, body) = json(bearer(&access, "/crm/v3/objects/contacts").await.unwrap()).await;
        assert_eq!(
            (status, body["category"].as_str()),
            (401, Some("INVALID_AUTHENTICATION"))
        );
        let (status, body) = token_request(
            app,
            "/oauth/v1/token",
            &[
                ("grant_type", "refresh_token"),
                ("client_id", client_id.as_str()),
                ("client_secret", created.client_secret.as_str()),
                ("refresh_token", refresh.as_str()),
            ],
        )
        .await;
        assert_eq!(
            (status, body["status"].as_str()),
            (400, Some("BAD_REFRESH_TOKEN"))
        );
        assert!(!app
            .store
            .installed_apps(app.dev.portal_id)
            .await
            .unwrap()
            .contains(&created.client.app_id));
    }
);

both_backends!(deleting_a_refresh_token_revokes_it, |app| {
    let created = oauth_app(app).await;
    let tokens = install(app, &created).await;
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let path = format!("/oauth/v1/refresh-tokens/{refresh}");
    let (status, _) = json(app.request(Method::DELETE, &path).send().await.unwrap()).await;
    assert_eq!(status, 204);
    let (status, body) = json(app.request(Method::GET, &path).send().await.unwrap()).await;
    assert_eq!(
        (status, body["category"].as_str()),
        (404, Some("OBJECT_NOT_FOUND"))
    );
    let (status, _) = json(app.request(Method::DELETE, &path).send().await.unwrap()).await;
    assert_eq!(status, 404);
});

both_backends!(cancel_redirects_with_access_denied_and_the_state, |app| {
    let created = oauth_app(app).await;
    let url = install_url(app, &created.client.client_id, &[("state", "xyz")]);
    let pairs = consent(app, &browser(), &url, "cancel").await;
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(get("error").as_deref(), Some("access_denied"));
    assert_eq!(get("state").as_deref(), Some("xyz"));
    assert!(get("code").is_none());
});

both_backends!(
    the_install_page_refuses_with_pages_that_never_redirect,
    |app| {
        let created = oauth_app(app).await;
        let client_id = created.client.client_id.as_str();
        let browser = browser();
        let page = |url: String| {
            let browser = browser.clone();
            async move {
                let response = browser.get(url).send().await.unwrap();
                let status = response.status().as_u16();
                assert!(response.headers().get("location").is_none());
                (status, response.text().await.unwrap())
            }
        };
        let base = format!("{}/oauth/authorize", app.url);
        let (status, text) = page(format!(
            "{base}?client_id=nope&redirect_uri={REDIRECT}&scope=x"
        ))
        .await;
        assert_eq!(status, 400);
        assert!(text.contains("No app has the client_id"), "{text}");
        let unregistered =
            install_url(app, client_id, &[]).replace("9%2Fcallback", "9%2Felsewhere");
        let (status, text) = page(unregistered).await;
        assert_eq!(status, 400);
        assert!(text.contains("not one of the app"), "{text}");
        let (status, text) = page(install_url(
            app,
            client_id,
            &[("optional_scope", "tickets")],
        ))
        .await;
        assert_eq!(status, 400);
        assert!(text.contains("does not declare"), "{text}");
        let (status, text) = page(format!(
            "{base}?client_id={client_id}&redirect_uri={REDIRECT}&scope=crm.objects.contacts.read"
        ))
        .await;
        assert_eq!(status, 400);
        assert!(text.contains("which the app requires"), "{text}");
    }
);

both_backends!(
    the_consent_page_cannot_be_framed_and_renders_names_as_text,
    |app| {
        let created = oauth_app(app).await;
        let response = browser()
            .get(install_url(app, &created.client.client_id, &[]))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let headers = response.headers().clone();
        assert_eq!(headers["x-frame-options"], "DENY");
        assert!(headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'"));
        assert_eq!(headers["cache-control"], "no-store");
        let text = response.text().await.unwrap();
        assert!(text.contains("Dialer &lt;b&gt;Pro&lt;/b&gt;"), "{text}");
        assert!(!text.contains("<b>Pro"));
        assert!(text.contains("data-testid=\"oauth-connect\""));
        assert!(text.contains("data-testid=\"oauth-cancel\""));
    }
);

both_backends!(
    the_consent_form_needs_its_csrf_token_and_the_hosts_origin,
    |app| {
        let created = oauth_app(app).await;
        let browser = browser();
        let url = install_url(app, &created.client.client_id, &[]);
        let page = browser
            .get(&url)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let post = |form: Vec<(String, String)>, origin: Option<String>| {
            let mut request = browser
                .post(format!("{}/oauth/authorize", app.url))
                .form(&form);
            if let Some(origin) = origin {
                request = request.header("origin", origin);
            }
            request.send()
        };
        let mut forged = consent_form(&page, "connect");
        for (name, value) in &mut forged {
            if name == "csrf" {
                *value = "0".repeat(64);
            }
        }
        let response = post(forged, Some(app.url.clone())).await.unwrap();
        assert_eq!(response.status(), 403);
        assert!(response.headers().get("location").is_none());
        let response = post(
            consent_form(&page, "connect"),
            Some("http://evil.example".into()),
        )
        .await
        .unwrap();
        assert_eq!(response.status(), 403);
        let response = post(consent_form(&page, "connect"), None).await.unwrap();
        assert_eq!(response.status(), 403);
        // The genuine form still works.
        let response = post(consent_form(&page, "connect"), Some(app.url.clone()))
            .await
            .unwrap();
        assert_eq!(response.status(), 303);
    }
);

both_backends!(the_openapi_document_lists_the_oauth_routes, |app| {
    let (_, doc) = json(
        app.request(Method::GET, "/openapi.json")
            .send()
            .await
            .unwrap(),
    )
    .await;
    let paths = &doc["paths"];
    for (path, method) in [
        ("/oauth/v1/token", "post"),
        ("/oauth/v3/token", "post"),
        ("/oauth/2026-03/token", "post"),
        ("/oauth/v1/access-tokens/{token}", "get"),
        ("/oauth/v1/refresh-tokens/{token}", "get"),
        ("/oauth/v1/refresh-tokens/{token}", "delete"),
        ("/oauth/2026-03/token/introspect", "post"),
    ] {
        assert!(paths[path][method].is_object(), "{method} {path}");
    }
    // The consent page is a page, not an API operation (openapi::EXCLUDED).
    assert!(paths["/oauth/authorize"].is_null());
    let token = &doc["components"]["schemas"]["TokenResponse"]["properties"];
    for field in ["access_token", "refresh_token", "expires_in", "token_type"] {
        assert!(token[field].is_object(), "{field}");
    }
});
