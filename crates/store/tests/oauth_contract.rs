//! The OAuth part of the store contract, on SQLite and PostgreSQL: apps with an OAuth client
//! whose secret is kept as a digest beside the webhook key, codes used once, tokens issued
//! with their install, uninstalling that revokes one portal's tokens only, super admins.

mod common;

use std::sync::Arc;

use callhost_store::oauth::*;
use callhost_store::*;
use chrono::Duration;
use common::Harness;

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

async fn app(store: &Arc<dyn Store>) -> (OAuthClient, String) {
    let account = store.create_developer_account("D").await.unwrap();
    store
        .create_oauth_app(&NewOAuthApp {
            developer_account_id: account.id,
            name: "Dialer",
            redirect_urls: &strings(&["https://example.com/cb", "http://localhost:3000/cb"]),
            scopes: &strings(&["crm.objects.contacts.read"]),
            optional_scopes: &strings(&["crm.objects.deals.read"]),
        })
        .await
        .unwrap()
}

async fn user(store: &Arc<dyn Store>, portal_id: i64, email: &str, admin: bool) -> User {
    store
        .create_user_as(
            &NewUser {
                portal_id,
                email,
                first_name: "F",
                last_name: "L",
            },
            admin,
        )
        .await
        .unwrap()
}

fn tokens<'a>(
    client: &OAuthClient,
    user: &User,
    scopes: &'a [String],
    access: &'a str,
    refresh: Option<&'a str>,
) -> IssuedTokens<'a> {
    IssuedTokens {
        app_id: client.app_id,
        portal_id: user.portal_id,
        user_id: user.id,
        scopes,
        access_token_hash: access,
        access_expires_at: now() + Duration::minutes(30),
        refresh_token_hash: refresh,
    }
}

contract!(an_app_keeps_a_digest_of_its_one_secret, |store: Arc<
    dyn Store,
>| async move {
    let (client, secret) = app(&store).await;
    assert_eq!(client.redirect_urls.len(), 2);
    let (found, digest) = store
        .find_oauth_client(&client.client_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found, client);
    assert_eq!(digest, secret::hash(&secret));
    assert_ne!(digest, secret, "only the digest is in the oauth table");
    // The webhook key is the same secret; rotating it changes the digest with it.
    assert_eq!(
        store.client_secret(client.app_id).await.unwrap(),
        Some(secret)
    );
    let rotated = store
        .rotate_client_secret(client.app_id)
        .await
        .unwrap()
        .unwrap();
    let (_, digest) = store
        .find_oauth_client(&client.client_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(digest, secret::hash(&rotated));
    assert!(store.find_oauth_client("nope").await.unwrap().is_none());
});

contract!(a_code_is_taken_once, |store: Arc<dyn Store>| async move {
    let (client, _) = app(&store).await;
    let portal = store.create_portal("P").await.unwrap();
    let admin = user(&store, portal.id, "a@example.com", true).await;
    let scopes = strings(&["crm.objects.contacts.read"]);
    let expires_at = now() + Duration::minutes(5);
    store
        .add_oauth_code(&NewOAuthCode {
            code_hash: "h1",
            app_id: client.app_id,
            portal_id: portal.id,
            user_id: admin.id,
            redirect_uri: "https://example.com/cb",
            scopes: &scopes,
            code_challenge: Some("abc"),
            code_challenge_method: Some("S256"),
            expires_at,
        })
        .await
        .unwrap();
    let code = store.take_oauth_code("h1").await.unwrap().unwrap();
    assert_eq!(code.user_id, admin.id);
    assert_eq!(code.scopes, scopes);
    assert_eq!(code.code_challenge.as_deref(), Some("abc"));
    assert_eq!(code.expires_at, expires_at);
    assert!(store.take_oauth_code("h1").await.unwrap().is_none());
});

contract!(
    issuing_installs_and_uninstalling_revokes_one_portal,
    |store: Arc<dyn Store>| async move {
        let (client, _) = app(&store).await;
        let (a, b) = (
            store.create_portal("A").await.unwrap(),
            store.create_portal("B").await.unwrap(),
        );
        let (ua, ub) = (
            user(&store, a.id, "p@example.com", true).await,
            user(&store, b.id, "p@example.com", true).await,
        );
        let read = strings(&["crm.objects.contacts.read"]);
        store
            .issue_oauth_tokens(&tokens(&client, &ua, &read, "acc-a", Some("ref-a")))
            .await
            .unwrap();
        store
            .issue_oauth_tokens(&tokens(&client, &ub, &read, "acc-b", Some("ref-b")))
            .await
            .unwrap();
        // A second authorization adds its scopes to the install's.
        let more = strings(&["crm.objects.deals.read"]);
        store
            .issue_oauth_tokens(&tokens(&client, &ua, &more, "acc-a2", None))
            .await
            .unwrap();
        let installs = store.list_installs(a.id).await.unwrap();
        assert_eq!(installs.len(), 1);
        assert_eq!(
            installs[0].scopes,
            Some(strings(&[
                "crm.objects.contacts.read",
                "crm.objects.deals.read"
            ]))
        );
        let grant = store.find_access_token("acc-a").await.unwrap().unwrap();
        assert_eq!(grant.app_id, Some(client.app_id));
        assert_eq!(grant.portal_id, a.id);
        let refresh = store.find_refresh_token("ref-a").await.unwrap().unwrap();
        assert_eq!((refresh.portal_id, refresh.scopes), (a.id, read.clone()));

        assert!(store.uninstall_app(a.id, client.app_id).await.unwrap());
        assert!(!store.uninstall_app(a.id, client.app_id).await.unwrap());
        for token in ["acc-a", "acc-a2"] {
            assert!(store.find_access_token(token).await.unwrap().is_none());
        }
        assert!(store.find_refresh_token("ref-a").await.unwrap().is_none());
        assert!(store.list_installs(a.id).await.unwrap().is_empty());
        // Portal B keeps its install and its tokens.
        assert!(store.find_access_token("acc-b").await.unwrap().is_some());
        assert!(store.find_refresh_token("ref-b").await.unwrap().is_some());
        assert_eq!(store.installed_apps(b.id).await.unwrap(), [client.app_id]);
        assert!(store.delete_refresh_token("ref-b").await.unwrap());
        assert!(!store.delete_refresh_token("ref-b").await.unwrap());
    }
);

contract!(
    expired_oauth_tokens_are_found_until_their_install_refreshes,
    |store: Arc<dyn Store>| async move {
        let (client, _) = app(&store).await;
        let portal = store.create_portal("P").await.unwrap();
        let admin = user(&store, portal.id, "a@example.com", true).await;
        let read = strings(&["crm.objects.contacts.read"]);
        let mut old = tokens(&client, &admin, &read, "old", Some("r"));
        old.access_expires_at = now() - Duration::seconds(1);
        store.issue_oauth_tokens(&old).await.unwrap();
        assert!(store.find_access_token("old").await.unwrap().is_none());
        store.delete_expired_access_tokens().await.unwrap();
        let expired = store.find_oauth_access_token("old").await.unwrap().unwrap();
        assert!(expired.expires_at < now());
        store
            .issue_oauth_tokens(&tokens(&client, &admin, &read, "new", None))
            .await
            .unwrap();
        assert!(store
            .find_oauth_access_token("old")
            .await
            .unwrap()
            .is_none());
        assert!(store
            .find_oauth_access_token("new")
            .await
            .unwrap()
            .is_some());
    }
);

contract!(super_admins_and_a_persons_portals, |store: Arc<
    dyn Store,
>| async move {
    let (a, b) = (
        store.create_portal("A").await.unwrap(),
        store.create_portal("B").await.unwrap(),
    );
    let plain = store
        .create_user(&NewUser {
            portal_id: a.id,
            email: "p@example.com",
            first_name: "F",
            last_name: "L",
        })
        .await
        .unwrap();
    assert!(!plain.super_admin);
    let admin = user(&store, b.id, "p@example.com", true).await;
    assert!(admin.super_admin);
    let mine = store.users_by_email("p@example.com").await.unwrap();
    assert_eq!(mine.len(), 2);
    let portals: Vec<i64> = store
        .list_portals()
        .await
        .unwrap()
        .iter()
        .map(|p| p.id)
        .collect();
    assert!(portals.contains(&a.id) && portals.contains(&b.id));
    assert!(store.set_super_admin(a.id, plain.id, true).await.unwrap());
    assert!(!store.set_super_admin(b.id, plain.id, true).await.unwrap());
    let plain = store.get_user(a.id, plain.id).await.unwrap().unwrap();
    assert!(plain.super_admin);
});
