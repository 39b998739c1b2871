//! Each error of the token endpoints, in HubSpot's bodies (v1's `status` code; v3's standard
//! body with the code as `subCategory`), PKCE, and the expired token's 401.

use callhost_store::oauth::IssuedTokens;
use callhost_store::{now, secret};
use reqwest::Method;
use sha2::{Digest, Sha256};

use crate::both_backends;
use crate::helpers::json;
use crate::oauth_helpers::*;

both_backends!(each_token_error_answers_hubspots_code, |app| {
    let created = oauth_app(app).await;
    let other = oauth_app(app).await;
    let id = created.client.client_id.as_str();
    let secret = created.client_secret.as_str();
    let code = authorize(app, id, &[]).await;
    let other_code = authorize(app, &other.client.client_id, &[]).await;
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        (
            "BAD_GRANT_TYPE",
            vec![("client_id", id), ("client_secret", secret)],
        ),
        (
            "BAD_GRANT_TYPE",
            vec![("grant_type", "password"), ("client_id", id)],
        ),
        (
            "BAD_CLIENT_ID",
            vec![
                ("grant_type", "authorization_code"),
                ("client_id", "nope"),
                ("client_secret", secret),
                ("code", &code),
                ("redirect_uri", REDIRECT),
            ],
        ),
        (
            "BAD_CLIENT_ID",
            vec![("grant_type", "refresh_token"), ("refresh_token", "x")],
        ),
        (
            "BAD_CLIENT_SECRET",
            vec![
                ("grant_type", "authorization_code"),
                ("client_id", id),
                ("client_secret", "wrong"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
            ],
        ),
        (
            "BAD_AUTH_CODE",
            vec![
                ("grant_type", "authorization_code"),
                ("client_id", id),
                ("client_secret", secret),
                ("code", "coc-unknown"),
                ("redirect_uri", REDIRECT),
            ],
        ),
        (
            "BAD_AUTH_CODE",
            vec![
                ("grant_type", "authorization_code"),
                ("client_id", id),
                ("client_secret", secret),
                ("redirect_uri", REDIRECT),
            ],
        ),
        // Another app's code is refused (and spent).
        (
            "BAD_AUTH_CODE",
            vec![
                ("grant_type", "authorization_code"),
                ("client_id", id),
                ("client_secret", secret),
                ("code", &other_code),
                ("redirect_uri", REDIRECT),
            ],
        ),
        (
            "BAD_REFRESH_TOKEN",
            vec![
                ("grant_type", "refresh_token"),
                ("client_id", id),
                ("client_secret", secret),
                ("refresh_token", "cor-unknown"),
            ],
        ),
        (
            "BAD_REFRESH_TOKEN",
            vec![
                ("grant_type", "refresh_token"),
                ("client_id", id),
                ("client_secret", secret),
            ],
        ),
    ];
    for (expected, form) in &cases {
        let (status, body) = token_request(app, "/oauth/v1/token", form).await;
        assert_eq!(status, 400, "{expected}: {body}");
        assert_eq!(body["status"], *expected, "{form:?}: {body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert_eq!(body["correlationId"].as_str().unwrap().len(), 36);
        // v3 answers the same refusal in the standard shape (every case above leaves the
        // codes as they were, or spent already).
        let (status, body) = token_request(app, "/oauth/v3/token", form).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["status"], "error");
        assert_eq!(body["category"], "VALIDATION_ERROR");
        assert_eq!(body["subCategory"], *expected, "{form:?}: {body}");
    }
    // The right code with another registered redirect URI than it was issued for. A wrong
    // secret is refused before the code is looked at, so the code is still good here.
    let (status, body) = token_request(
        app,
        "/oauth/v1/token",
        &[
            ("grant_type", "authorization_code"),
            ("client_id", id),
            ("client_secret", secret),
            ("code", &code),
            ("redirect_uri", "https://backend.example.com/oauth"),
        ],
    )
    .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (400, Some("BAD_REDIRECT_URI")),
        "{body}"
    );
});

both_backends!(pkce_codes_need_their_verifier, |app| {
    let created = oauth_app(app).await;
    let id = created.client.client_id.as_str();
    let verifier = "a-verifier-of-enough-length-0123456789-abcdefghij";
    let challenge = base64_url(&Sha256::digest(verifier.as_bytes()));
    let pkce = [
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let exchange = |code: String, verifier: Option<&'static str>| {
        let mut form = vec![
            ("grant_type", "authorization_code".to_owned()),
            ("client_id", id.to_owned()),
            ("client_secret", created.client_secret.clone()),
            ("redirect_uri", REDIRECT.to_owned()),
            ("code", code),
        ];
        if let Some(v) = verifier {
            form.push(("code_verifier", v.to_owned()));
        }
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            token_request(app, "/oauth/v3/token", &form).await
        }
    };
    let (status, body) = exchange(authorize(app, id, &pkce).await, None).await;
    assert_eq!(
        (status, body["subCategory"].as_str()),
        (400, Some("BAD_AUTH_CODE")),
        "{body}"
    );
    let (status, body) =
        exchange(authorize(app, id, &pkce).await, Some("the-wrong-verifier")).await;
    assert_eq!(
        (status, body["subCategory"].as_str()),
        (400, Some("BAD_AUTH_CODE")),
        "{body}"
    );
    let (status, body) = exchange(authorize(app, id, &pkce).await, Some(verifier)).await;
    assert_eq!(status, 200, "{body}");
});

fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

both_backends!(an_expired_token_is_a_401_expired_authentication, |app| {
    let created = oauth_app(app).await;
    install(app, &created).await;
    let token = secret::generate("coa-");
    let scopes = vec!["crm.objects.contacts.read".to_owned()];
    app.store
        .issue_oauth_tokens(&IssuedTokens {
            app_id: created.client.app_id,
            portal_id: app.dev.portal_id,
            user_id: app.dev.user_id,
            scopes: &scopes,
            access_token_hash: &secret::hash(&token),
            access_expires_at: now() - chrono::Duration::seconds(5),
            refresh_token_hash: None,
        })
        .await
        .unwrap();
    let (status, body) = json(
        app.request(Method::GET, "/crm/v3/objects/contacts")
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    crate::helpers::assert_error(status, &body, 401, "EXPIRED_AUTHENTICATION");
    assert!(body["message"].as_str().unwrap().contains("expired"));
    let (status, body) = json(
        app.request(Method::GET, &format!("/oauth/v1/access-tokens/{token}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    crate::helpers::assert_error(status, &body, 401, "EXPIRED_AUTHENTICATION");
    // An unknown token is still a plain 401.
    let (status, body) = json(
        app.request(Method::GET, "/crm/v3/objects/contacts")
            .bearer_auth("coa-never-issued")
            .send()
            .await
            .unwrap(),
    )
    .await;
    crate::helpers::assert_error(status, &body, 401, "INVALID_AUTHENTICATION");
});

both_backends!(
    introspection_2026_03_answers_only_the_tokens_own_app,
    |app| {
        let created = oauth_app(app).await;
        let other = oauth_app(app).await;
        let tokens = install(app, &created).await;
        let access = tokens["access_token"].as_str().unwrap();
        let ask = |client: &callhost_server::oauth::apps::CreatedApp, token: &str| {
            let form = [
                ("client_id", client.client.client_id.clone()),
                ("client_secret", client.client_secret.clone()),
                ("token", token.to_owned()),
            ];
            async move {
                let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
                token_request(app, "/oauth/2026-03/token/introspect", &form).await
            }
        };
        let (status, body) = ask(&created, access).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["active"], true);
        assert_eq!(body["hub_id"], app.dev.portal_id);
        assert_eq!(body["scope"], SCOPES);
        let (_, body) = ask(&created, tokens["refresh_token"].as_str().unwrap()).await;
        assert_eq!(
            (body["active"].as_bool(), body["token_type"].as_str()),
            (Some(true), Some("refresh_token"))
        );
        let (_, body) = ask(&other, access).await;
        assert_eq!(body, serde_json::json!({"active": false}));
        let (_, body) = ask(&created, "nope").await;
        assert_eq!(body, serde_json::json!({"active": false}));
    }
);
