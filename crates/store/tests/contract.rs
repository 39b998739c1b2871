//! The store contract: every test here runs against SQLite and, when
//! `CALLHOST_TEST_DATABASE_URL` names a PostgreSQL server, against PostgreSQL too, each in a
//! database (file or schema) of its own.

mod common;

use std::sync::Arc;

use callhost_store::*;
use chrono::Duration;
use common::Harness;

fn sample_settings() -> CallingSettingsFields {
    CallingSettingsFields {
        name: "Acme Dialer".into(),
        url: "https://dialer.example.com/widget".into(),
        width: 400,
        height: 600,
        is_ready: true,
        supports_custom_objects: false,
        supports_inbound_calling: true,
        uses_calling_window: true,
        uses_remote: false,
    }
}

async fn seeded(store: &Arc<dyn Store>) -> (DeveloperAccount, Portal, User) {
    let dev = store.create_developer_account("Dev").await.unwrap();
    let portal = store.create_portal("Portal").await.unwrap();
    let user = store
        .create_user(&NewUser {
            portal_id: portal.id,
            email: "ada@example.com",
            first_name: "Ada",
            last_name: "Lovelace",
        })
        .await
        .unwrap();
    (dev, portal, user)
}

contract!(
    api_keys_are_found_by_hash_only,
    |store: Arc<dyn Store>| async move {
        let (dev, _, _) = seeded(&store).await;
        let key = secret::generate("k-");
        store
            .add_developer_api_key(dev.id, &secret::hash(&key))
            .await
            .unwrap();
        assert_eq!(
            store
                .find_developer_by_api_key(&secret::hash(&key))
                .await
                .unwrap(),
            Some(dev.id)
        );
        assert_eq!(
            store.find_developer_by_api_key(&key).await.unwrap(),
            None,
            "plaintext must not match"
        );
        assert_eq!(store.find_developer_by_api_key("nope").await.unwrap(), None);
    }
);

contract!(a_token_written_over_moves_the_access_count, |store: Arc<
    dyn Store,
>| async move {
    let (_, portal, user) = seeded(&store).await;
    let bus = store.bus();
    let _events = bus.subscribe().await.unwrap();
    let scopes = vec!["crm.objects.contacts.read".to_string()];
    let add = |name: &'static str, scopes: Vec<String>| {
        let store = Arc::clone(&store);
        async move {
            store
                .add_access_token(&NewAccessToken {
                    token_hash: &secret::hash(name),
                    portal_id: portal.id,
                    user_id: user.id,
                    developer_account_id: None,
                    scopes: &scopes,
                    expires_at: None,
                })
                .await
                .unwrap();
        }
    };
    let before = bus.access_epoch().unwrap();
    add("new", scopes.clone()).await;
    assert_eq!(
        bus.access_epoch().unwrap(),
        before,
        "a new token takes no grant away"
    );
    add("new", Vec::new()).await;
    assert!(
        bus.access_epoch().unwrap() > before,
        "the token's grant was written over"
    );
});

contract!(access_tokens_carry_portal_user_and_scopes, |store: Arc<
    dyn Store,
>| async move {
    let (dev, portal, user) = seeded(&store).await;
    let scopes = vec![
        "developers-read".to_string(),
        "crm.objects.contacts.read".to_string(),
    ];
    store
        .add_access_token(&NewAccessToken {
            token_hash: &secret::hash("tok"),
            portal_id: portal.id,
            user_id: user.id,
            developer_account_id: Some(dev.id),
            scopes: &scopes,
            expires_at: None,
        })
        .await
        .unwrap();
    let grant = store
        .find_access_token(&secret::hash("tok"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(grant.portal_id, portal.id);
    assert_eq!(grant.user_id, user.id);
    assert_eq!(grant.developer_account_id, Some(dev.id));
    assert!(grant.has_scope("developers-read") && !grant.has_scope("developers-write"));
    assert!(store
        .find_access_token(&secret::hash("other"))
        .await
        .unwrap()
        .is_none());
    // The same grant with its expiry, expired or not; valid exactly while the store finds it.
    let timed = store
        .find_access_grant(&secret::hash("tok"))
        .await
        .unwrap()
        .unwrap();
    assert!(timed.valid_at(i64::MAX));
    assert_eq!((timed.grant, timed.expires_at), (grant, None));
    let expires_at = now() + chrono::Duration::milliseconds(400);
    store
        .add_access_token(&NewAccessToken {
            token_hash: &secret::hash("short"),
            portal_id: portal.id,
            user_id: user.id,
            developer_account_id: None,
            scopes: &scopes,
            expires_at: Some(expires_at),
        })
        .await
        .unwrap();
    let short = store
        .find_access_grant(&secret::hash("short"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(short.expires_at, Some(expires_at));
    let ms = expires_at.timestamp_millis();
    assert!(short.valid_at(ms - 1) && !short.valid_at(ms));
    assert!(store
        .find_access_token(&secret::hash("short"))
        .await
        .unwrap()
        .is_some());
    tokio::time::sleep(std::time::Duration::from_millis(450)).await;
    assert!(!short.valid_at(now().timestamp_millis()));
    assert!(store
        .find_access_token(&secret::hash("short"))
        .await
        .unwrap()
        .is_none());
    assert!(store
        .find_access_grant(&secret::hash("short"))
        .await
        .unwrap()
        .is_some());
    assert!(store
        .find_access_grant(&secret::hash("other"))
        .await
        .unwrap()
        .is_none());
});

contract!(
    users_belong_to_their_portal,
    |store: Arc<dyn Store>| async move {
        let (_, portal, user) = seeded(&store).await;
        let other = store.create_portal("Other").await.unwrap();
        assert_ne!(user.owner_id, user.id);
        assert_eq!(
            store.get_user(portal.id, user.id).await.unwrap(),
            Some(user.clone())
        );
        assert_eq!(store.get_user(other.id, user.id).await.unwrap(), None);
        assert_eq!(store.list_users(portal.id).await.unwrap(), vec![user]);
        assert!(store.list_users(other.id).await.unwrap().is_empty());
    }
);

contract!(
    apps_keep_their_first_owner,
    |store: Arc<dyn Store>| async move {
        let a = store.create_developer_account("A").await.unwrap();
        let b = store.create_developer_account("B").await.unwrap();
        assert_eq!(
            store
                .register_app(4242, a.id)
                .await
                .unwrap()
                .developer_account_id,
            a.id
        );
        assert_eq!(
            store
                .register_app(4242, b.id)
                .await
                .unwrap()
                .developer_account_id,
            a.id
        );
        assert!(store.get_app(1).await.unwrap().is_none());
    }
);

contract!(installs_are_idempotent_and_per_portal, |store: Arc<
    dyn Store,
>| async move {
    let (dev, portal, _) = seeded(&store).await;
    let other = store.create_portal("Other").await.unwrap();
    store.register_app(7, dev.id).await.unwrap();
    store.install_app(portal.id, 7).await.unwrap();
    store.install_app(portal.id, 7).await.unwrap();
    assert_eq!(store.installed_apps(portal.id).await.unwrap(), vec![7]);
    assert!(store.installed_apps(other.id).await.unwrap().is_empty());
});

contract!(
    calling_settings_round_trip,
    |store: Arc<dyn Store>| async move {
        let (dev, _, _) = seeded(&store).await;
        store.register_app(9, dev.id).await.unwrap();
        let t0 = now();
        let created = store
            .put_calling_settings(9, &sample_settings(), t0)
            .await
            .unwrap();
        assert_eq!(created.fields, sample_settings());
        assert_eq!((created.created_at, created.updated_at), (t0, t0));
        assert_eq!(
            store.get_calling_settings(9).await.unwrap(),
            Some(created.clone())
        );

        let t1 = t0 + Duration::milliseconds(1500);
        let patch = CallingSettingsPatch {
            height: Some(700),
            is_ready: Some(false),
            ..Default::default()
        };
        let patched = store
            .patch_calling_settings(9, &patch, t1)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(patched.fields, patch.apply(&sample_settings()));
        assert_eq!((patched.created_at, patched.updated_at), (t0, t1));

        let t2 = t1 + Duration::milliseconds(1);
        let mut replacement = sample_settings();
        replacement.name = "Renamed".into();
        let replaced = store
            .put_calling_settings(9, &replacement, t2)
            .await
            .unwrap();
        assert_eq!(replaced.fields, replacement);
        assert_eq!(
            (replaced.created_at, replaced.updated_at),
            (t0, t2),
            "replacing keeps createdAt"
        );

        assert!(store.delete_calling_settings(9).await.unwrap());
        assert!(!store.delete_calling_settings(9).await.unwrap());
        assert_eq!(store.get_calling_settings(9).await.unwrap(), None);
        assert_eq!(
            store.patch_calling_settings(9, &patch, t2).await.unwrap(),
            None
        );
    }
);

contract!(
    recording_settings_round_trip,
    |store: Arc<dyn Store>| async move {
        let (dev, _, _) = seeded(&store).await;
        store.register_app(11, dev.id).await.unwrap();
        let t0 = now();
        assert_eq!(
            store
                .patch_recording_settings(11, Some("x"), t0)
                .await
                .unwrap(),
            None
        );
        let put = store
            .put_recording_settings(11, "https://r.example.com/%s", t0)
            .await
            .unwrap();
        assert_eq!(
            put.url_to_retrieve_authed_recording,
            "https://r.example.com/%s"
        );
        let t1 = t0 + Duration::seconds(1);
        let patched = store
            .patch_recording_settings(11, None, t1)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            patched.url_to_retrieve_authed_recording,
            "https://r.example.com/%s"
        );
        assert_eq!(patched.updated_at, t1);
        assert_eq!(
            store.get_recording_settings(11).await.unwrap(),
            Some(patched)
        );
    }
);

contract!(channel_connection_settings_round_trip, |store: Arc<
    dyn Store,
>| async move {
    let (dev, _, _) = seeded(&store).await;
    store.register_app(12, dev.id).await.unwrap();
    let t0 = now();
    let put = store
        .put_channel_connection_settings(12, "https://c.example.com", false, t0)
        .await
        .unwrap();
    assert!(!put.is_ready);
    let patched = store
        .patch_channel_connection_settings(12, None, Some(true), t0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (patched.url.as_str(), patched.is_ready),
        ("https://c.example.com", true)
    );
    assert_eq!(
        store.get_channel_connection_settings(12).await.unwrap(),
        Some(patched)
    );
    assert!(store.delete_channel_connection_settings(12).await.unwrap());
    assert_eq!(
        store.get_channel_connection_settings(12).await.unwrap(),
        None
    );
});

contract!(
    meta_is_a_small_key_value_table,
    |store: Arc<dyn Store>| async move {
        assert_eq!(store.get_meta("k").await.unwrap(), None);
        store.set_meta("k", "1").await.unwrap();
        store.set_meta("k", "2").await.unwrap();
        assert_eq!(store.get_meta("k").await.unwrap().as_deref(), Some("2"));
    }
);

contract!(
    settings_need_a_registered_app,
    |store: Arc<dyn Store>| async move {
        // The foreign key keeps settings from existing without an owner.
        assert!(store
            .put_calling_settings(999, &sample_settings(), now())
            .await
            .is_err());
    }
);

contract!(
    client_secrets_are_made_once_kept_and_rotated,
    |store: Arc<dyn Store>| async move {
        let (dev, _, _) = seeded(&store).await;
        assert_eq!(store.client_secret(99).await.unwrap(), None, "no app");
        assert_eq!(store.rotate_client_secret(99).await.unwrap(), None);
        store.register_app(99, dev.id).await.unwrap();
        store.register_app(100, dev.id).await.unwrap();

        let first = store.client_secret(99).await.unwrap().unwrap();
        assert_eq!(store.client_secret(99).await.unwrap().unwrap(), first);
        let other = store.client_secret(100).await.unwrap().unwrap();
        assert_ne!(first, other, "each app has its own");

        let rotated = store.rotate_client_secret(99).await.unwrap().unwrap();
        assert_ne!(rotated, first);
        assert_eq!(store.client_secret(99).await.unwrap().unwrap(), rotated);
        assert_eq!(store.client_secret(100).await.unwrap().unwrap(), other);

        // Rotating an app that never asked for one creates it.
        store.register_app(101, dev.id).await.unwrap();
        let made = store.rotate_client_secret(101).await.unwrap().unwrap();
        assert_eq!(store.client_secret(101).await.unwrap().unwrap(), made);
    }
);
