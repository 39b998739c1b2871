//! Portals, users and who may install: the portal chooser of a person with several portals,
//! super admins only, and nothing crossing portals (a token of portal A does not reach
//! portal B's records, uninstalling in A leaves B's install).

use callhost_store::{NewUser, User};
use reqwest::Method;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{json, TestApp};
use crate::oauth_helpers::*;

/// A second portal with a user of the development user's email (the same person).
async fn second_portal(app: &TestApp, super_admin: bool) -> User {
    let portal = app.store.create_portal("Second portal").await.unwrap();
    app.store
        .create_user_as(
            &NewUser {
                portal_id: portal.id,
                email: "developer@callhost.localhost",
                first_name: "Dev",
                last_name: "Elsewhere",
            },
            super_admin,
        )
        .await
        .unwrap()
}

/// A browser signed in on loopback and then switched to `user`.
async fn signed_in_as(app: &TestApp, user: &User) -> reqwest::Client {
    let browser = browser();
    let page = browser
        .get(format!(
            "{}/contacts/{}/objects/0-1/views/all/list",
            app.url, app.dev.portal_id
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let switched = browser
        .post(format!("{}/host/api/session", app.url))
        .header("origin", &app.url)
        .json(&json!({"portalId": user.portal_id, "userId": user.id}))
        .send()
        .await
        .unwrap();
    assert_eq!(switched.status(), 200);
    let (_, me) = json(
        browser
            .get(format!("{}/host/api/me", app.url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(me["userId"], user.id);
    browser
}

both_backends!(
    a_person_with_several_portals_picks_one_and_tokens_stay_in_it,
    |app| {
        let created = oauth_app(app).await;
        let b_user = second_portal(app, true).await;
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
        assert!(page.contains("data-testid=\"oauth-portal\""), "{page}");
        assert!(page.contains("Second portal"));
        // Connect in portal B.
        let form: Vec<(String, String)> = consent_form(&page, "connect")
            .into_iter()
            .filter(|(k, _)| k != "portal")
            .chain([("portal".to_owned(), b_user.portal_id.to_string())])
            .collect();
        let answer = browser
            .post(format!("{}/oauth/authorize", app.url))
            .header("origin", &app.url)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 303);
        let location = url::Url::parse(answer.headers()["location"].to_str().unwrap()).unwrap();
        let code = location
            .query_pairs()
            .find(|(k, _)| k == "code")
            .unwrap()
            .1
            .into_owned();
        let (status, b_tokens) = token_request(
            app,
            "/oauth/v1/token",
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &created.client.client_id),
                ("client_secret", &created.client_secret),
                ("redirect_uri", REDIRECT),
                ("code", &code),
            ],
        )
        .await;
        assert_eq!(status, 200, "{b_tokens}");
        assert_eq!(b_tokens["hub_id"], b_user.portal_id);
        assert_eq!(b_tokens["user_id"], b_user.id);
        let b_token = b_tokens["access_token"].as_str().unwrap();

        // A record of portal B, made with B's token, is invisible to a token of portal A.
        let (status, made) = json(
            app.request(Method::POST, "/crm/v3/objects/contacts")
                .bearer_auth(b_token)
                .json(&json!({"properties": {"firstname": "Only", "lastname": "InB"}}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 201, "{made}");
        let path = format!("/crm/v3/objects/contacts/{}", made["id"].as_str().unwrap());
        let a_tokens = install(app, &created).await;
        assert_eq!(a_tokens["hub_id"], app.dev.portal_id);
        let get = |token: String| {
            let request = app.request(Method::GET, &path).bearer_auth(token);
            async move { json(request.send().await.unwrap()).await.0 }
        };
        assert_eq!(
            get(a_tokens["access_token"].as_str().unwrap().to_owned()).await,
            404
        );
        assert_eq!(get(app.token.clone()).await, 404);
        assert_eq!(get(b_token.to_owned()).await, 200);

        // Uninstalling in A leaves B's install and tokens.
        assert!(app
            .store
            .uninstall_app(app.dev.portal_id, created.client.app_id)
            .await
            .unwrap());
        assert_eq!(get(b_token.to_owned()).await, 200);
        assert!(app
            .store
            .installed_apps(b_user.portal_id)
            .await
            .unwrap()
            .contains(&created.client.app_id));
    }
);

both_backends!(only_super_admins_install_and_uninstall, |app| {
    let created = oauth_app(app).await;
    install(app, &created).await;
    let plain = app
        .store
        .create_user(&NewUser {
            portal_id: app.dev.portal_id,
            email: "agent@example.com",
            first_name: "Agent",
            last_name: "Smith",
        })
        .await
        .unwrap();
    let browser = signed_in_as(app, &plain).await;
    // The consent page says why not, and offers nothing.
    let response = browser
        .get(install_url(app, &created.client.client_id, &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let text = response.text().await.unwrap();
    assert!(
        text.contains("Only super admins may install apps"),
        "{text}"
    );
    assert!(!text.contains("oauth-connect"));
    // The Apps page's API says so too, and refuses the uninstall.
    let (_, installs) = json(
        browser
            .get(format!("{}/host/api/installs", app.url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(installs["canInstall"], false);
    assert!(installs["why"].as_str().unwrap().contains("super admins"));
    let (status, body) = json(
        browser
            .delete(format!(
                "{}/host/api/apps/{}",
                app.url, created.client.app_id
            ))
            .header("origin", &app.url)
            .send()
            .await
            .unwrap(),
    )
    .await;
    crate::helpers::assert_error(status, &body, 403, "FORBIDDEN");
    assert!(app
        .store
        .installed_apps(app.dev.portal_id)
        .await
        .unwrap()
        .contains(&created.client.app_id));
});

both_backends!(
    a_portal_where_one_is_not_admin_is_not_offered_nor_accepted,
    |app| {
        let created = oauth_app(app).await;
        let b_user = second_portal(app, false).await;
        let browser = browser();
        let page = browser
            .get(install_url(app, &created.client.client_id, &[]))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            !page.contains("data-testid=\"oauth-portal\""),
            "one portal to offer: no chooser"
        );
        assert!(
            page.contains("not a super admin there: Second portal"),
            "{page}"
        );
        let form: Vec<(String, String)> = consent_form(&page, "connect")
            .into_iter()
            .map(|(k, v)| {
                if k == "portal" {
                    (k, b_user.portal_id.to_string())
                } else {
                    (k, v)
                }
            })
            .collect();
        let answer = browser
            .post(format!("{}/oauth/authorize", app.url))
            .header("origin", &app.url)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 403);
        assert!(answer.headers().get("location").is_none());
    }
);

both_backends!(switching_users_is_for_loopback_development_only, |app| {
    let other = second_portal(app, true).await;
    let browser = signed_in_as(app, &other).await;
    let (_, users) = json(
        browser
            .get(format!("{}/host/api/users", app.url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(users["users"].as_array().unwrap().len() >= 2);
    // Under a proxy's name, nobody switches.
    let (status, _) = json(
        browser
            .get(format!("{}/host/api/users", app.url))
            .header("x-forwarded-for", "203.0.113.9")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 403);
});

both_backends!(
    apps_are_created_from_the_host_only_in_loopback_development,
    |app| {
        let host = app.host_client().await;
        let create = |origin: Option<&str>, forwarded: bool, body: serde_json::Value| {
            let mut request = host
                .post(format!("{}/host/api/developer/apps", app.url))
                .json(&body);
            if let Some(origin) = origin {
                request = request.header("origin", origin);
            }
            if forwarded {
                request = request.header("x-forwarded-for", "203.0.113.9");
            }
            request.send()
        };
        let good = json!({"name": "From the host", "redirectUrls": [REDIRECT], "scopes": SCOPES});
        let (status, made) = json(create(Some(&app.url), false, good.clone()).await.unwrap()).await;
        assert_eq!(status, 201, "{made}");
        assert!(made["clientSecret"].as_str().is_some_and(|s| s.len() == 36));
        let client = app
            .store
            .get_oauth_client(made["appId"].as_i64().unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(client.client_id, made["clientId"].as_str().unwrap());
        // Another origin, or a forwarded request, creates nothing.
        let (status, _) = json(
            create(Some("http://evil.example"), false, good.clone())
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 403);
        let (status, _) = json(create(Some(&app.url), true, good).await.unwrap()).await;
        assert_eq!(status, 403);
        // A plain-http redirect URL beyond loopback is refused.
        let bad = json!({"name": "X", "redirectUrls": ["http://example.com/cb"], "scopes": SCOPES});
        let (status, body) = json(create(Some(&app.url), false, bad).await.unwrap()).await;
        crate::helpers::assert_error(status, &body, 400, "VALIDATION_ERROR");
    }
);
