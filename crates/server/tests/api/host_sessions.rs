//! Host sessions expire and are reused (issue 17, item 2): cookie-less page views share one
//! token instead of minting one each, expired tokens are deleted when a new one is minted,
//! and an expired token is refused, as a cookie and as a bearer token.

use callhost_store::{now, secret, NewAccessToken};
use reqwest::Method;

use crate::both_backends;
use crate::helpers::{json, TestApp};

/// The session cookie a cookie-less view of a host page sets.
async fn view_without_cookie(app: &TestApp) -> String {
    let page = app
        .request(
            Method::GET,
            &format!("/contacts/{}/objects/0-1/views/all/list", app.dev.portal_id),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    page.headers()["set-cookie"].to_str().unwrap().to_owned()
}

/// Stores a host token of the development user that expired a second ago.
async fn expired_token(app: &TestApp) -> String {
    let token = secret::generate("chs-");
    app.store
        .add_access_token(&NewAccessToken {
            token_hash: &secret::hash(&token),
            portal_id: app.dev.portal_id,
            user_id: app.dev.user_id,
            developer_account_id: None,
            scopes: &["crm.objects.contacts.read".to_owned()],
            expires_at: Some(now() - chrono::TimeDelta::seconds(1)),
        })
        .await
        .unwrap();
    token
}

both_backends!(page_views_reuse_one_expiring_host_token, |app| {
    let stale = expired_token(app).await;
    let first = view_without_cookie(app).await;
    let max_age: i64 = first
        .split("; ")
        .find_map(|part| part.strip_prefix("Max-Age="))
        .unwrap_or_else(|| panic!("no Max-Age in {first}"))
        .parse()
        .unwrap();
    assert!((11 * 3600..=12 * 3600).contains(&max_age), "{first}");
    // 200 more views: every one gets the same token, so the table did not grow.
    for _ in 0..200 {
        let cookie = view_without_cookie(app).await;
        assert_eq!(cookie.split(';').next(), first.split(';').next());
    }
    // Minting the first token deleted the expired one: nothing is left to delete.
    assert!(app
        .store
        .find_access_token(&secret::hash(&stale))
        .await
        .unwrap()
        .is_none());
    assert_eq!(app.store.delete_expired_access_tokens().await.unwrap(), 0);
});

both_backends!(an_expired_token_is_refused_with_401, |app| {
    let token = expired_token(app).await;
    let (status, _) = json(
        app.request(Method::GET, "/host/api/context")
            .header("cookie", format!("callhost_session={token}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 401, "as the session cookie");
    let (status, _) = json(
        app.request(Method::GET, "/crm/v3/objects/contacts")
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 401, "as a bearer token");
    assert_eq!(app.store.delete_expired_access_tokens().await.unwrap(), 1);
});
