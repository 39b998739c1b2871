//! The dataset part of the store contract, on SQLite and PostgreSQL: a dataset replaces the
//! store's contents with its own ids, all or nothing; a snapshot restore brings back exactly
//! what was there, with the id sequences where they were.

mod common;

use std::sync::Arc;

use callhost_store::crm::{NewAssociation, ObjectRef};
use callhost_store::dataset::*;
use callhost_store::*;
use common::{kind, new, props, Harness};

const PORTAL: i64 = 424_242;
const USER: i64 = 51;
const APP: i64 = 7_000_001;

fn dataset() -> Dataset {
    Dataset {
        developer_accounts: vec![DatasetAccount {
            id: 900,
            name: "Dev".into(),
            api_key_hashes: vec![secret::hash("chk-fixed")],
        }],
        portals: vec![DatasetPortal {
            id: PORTAL,
            name: "Fixture portal".into(),
        }],
        users: vec![DatasetUser {
            id: USER,
            portal_id: PORTAL,
            owner_id: 61,
            email: "a@example.com".into(),
            first_name: "A".into(),
            last_name: "B".into(),
        }],
        access_tokens: vec![DatasetToken {
            token_hash: secret::hash("chp-fixed"),
            portal_id: PORTAL,
            user_id: USER,
            developer_account_id: Some(900),
            scopes: vec!["tickets".into()],
        }],
        apps: vec![DatasetApp {
            id: APP,
            developer_account_id: 900,
            installed_in: vec![PORTAL],
            calling: Some(CallingSettingsFields {
                name: "Dialer".into(),
                url: "https://dialer.example.com/".into(),
                width: 400,
                height: 600,
                is_ready: true,
                supports_custom_objects: false,
                supports_inbound_calling: true,
                uses_calling_window: false,
                uses_remote: true,
            }),
            recording_url: Some("https://dialer.example.com/rec/%s".into()),
            channel_connection: Some(("https://dialer.example.com/numbers".into(), true)),
            client_secret: Some("fixed-secret".into()),
        }],
        schemas: Vec::new(),
        objects: vec![
            DatasetObject {
                id: 201,
                portal_id: PORTAL,
                object_type_id: "0-2".into(),
                properties: props(&[("name", "Acme"), ("phone", "+1 617 555 0100")]),
            },
            DatasetObject {
                id: 101,
                portal_id: PORTAL,
                object_type_id: "0-1".into(),
                properties: props(&[("firstname", "Ada"), ("phone", "+16175550123")]),
            },
        ],
        associations: vec![(
            PORTAL,
            NewAssociation {
                from: ObjectRef::new("0-1", 101),
                to: ObjectRef::new("0-2", 201),
                kind: kind(279),
                reverse: kind(280),
            },
        )],
        meta: [("fixture".to_owned(), "test".to_owned())].into(),
    }
}

contract!(
    a_dataset_replaces_everything_with_its_own_ids,
    |store: Arc<dyn Store>| async move {
        let old_portal = store.create_portal("Old").await.unwrap().id;
        store.replace_with(&dataset(), now()).await.unwrap();

        assert!(store.get_portal(old_portal).await.unwrap().is_none());
        assert_eq!(
            store
                .get_user(PORTAL, USER)
                .await
                .unwrap()
                .unwrap()
                .owner_id,
            61
        );
        assert_eq!(
            store
                .find_developer_by_api_key(&secret::hash("chk-fixed"))
                .await
                .unwrap(),
            Some(900)
        );
        let grant = store
            .find_access_token(&secret::hash("chp-fixed"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!((grant.portal_id, grant.user_id), (PORTAL, USER));
        assert_eq!(store.installed_apps(PORTAL).await.unwrap(), vec![APP]);
        assert!(
            store
                .get_calling_settings(APP)
                .await
                .unwrap()
                .unwrap()
                .fields
                .supports_inbound_calling
        );
        assert!(
            store
                .get_channel_connection_settings(APP)
                .await
                .unwrap()
                .unwrap()
                .is_ready
        );
        assert_eq!(
            store.client_secret(APP).await.unwrap().as_deref(),
            Some("fixed-secret")
        );
        // Caller ID and associations work on fixture objects as on created ones.
        let found = store
            .find_by_phone(PORTAL, "(617) 555-0123", Some("US"))
            .await
            .unwrap();
        assert_eq!(found.iter().map(|o| o.id).collect::<Vec<_>>(), vec![101]);
        assert_eq!(found[0].properties["hs_object_id"], "101");
        let links = store
            .list_associations(PORTAL, &ObjectRef::new("0-2", 201), "0-1", None, 10)
            .await
            .unwrap();
        assert_eq!(links.len(), 1);
        // The next object continues after the largest id.
        let next = store
            .create_objects(PORTAL, "0-1", &[new(&[("firstname", "New")])], "API", now())
            .await
            .unwrap();
        assert_eq!(next[0].id, 202);
        assert_eq!(
            store.get_meta("fixture").await.unwrap().as_deref(),
            Some("test")
        );
    }
);

contract!(a_dataset_that_fails_writes_nothing, |store: Arc<
    dyn Store,
>| async move {
    let kept = store.create_portal("Kept").await.unwrap().id;
    let mut broken = dataset();
    // An association to an object the dataset lacks.
    broken.associations[0].1.to = ObjectRef::new("0-2", 999);
    assert!(store.replace_with(&broken, now()).await.is_err());
    let mut twice = dataset();
    twice.objects[1].id = 201;
    assert!(store.replace_with(&twice, now()).await.is_err());
    assert!(store.get_portal(kept).await.unwrap().is_some());
    assert!(store.get_portal(PORTAL).await.unwrap().is_none());
});

contract!(
    a_restore_brings_back_the_snapshot_and_the_ids,
    |store: Arc<dyn Store>| async move {
        assert!(!store.restore_snapshot().await.unwrap(), "no snapshot yet");
        assert!(!store.has_snapshot().await.unwrap());
        store.replace_with(&dataset(), now()).await.unwrap();
        store.take_snapshot().await.unwrap();
        assert!(store.has_snapshot().await.unwrap());

        let made = store
            .create_objects(
                PORTAL,
                "0-1",
                &[new(&[("firstname", "Later")])],
                "API",
                now(),
            )
            .await
            .unwrap();
        store
            .update_objects(
                PORTAL,
                "0-1",
                &[callhost_store::crm::ObjectUpdate {
                    id: 101,
                    properties: props(&[("firstname", "Changed")]),
                }],
                "API",
                now(),
            )
            .await
            .unwrap();
        store.rotate_client_secret(APP).await.unwrap();
        let other = store.create_portal("Later portal").await.unwrap().id;

        assert!(store.restore_snapshot().await.unwrap());
        assert!(store
            .get_objects(PORTAL, "0-1", &[made[0].id], false)
            .await
            .unwrap()
            .is_empty());
        let ada = store
            .get_objects(PORTAL, "0-1", &[101], false)
            .await
            .unwrap();
        assert_eq!(ada[0].properties["firstname"], "Ada");
        assert!(store.get_portal(other).await.unwrap().is_none());
        assert_eq!(
            store.client_secret(APP).await.unwrap().as_deref(),
            Some("fixed-secret")
        );
        // The id the first object made after the snapshot got is given again.
        let again = store
            .create_objects(
                PORTAL,
                "0-1",
                &[new(&[("firstname", "Again")])],
                "API",
                now(),
            )
            .await
            .unwrap();
        assert_eq!(again[0].id, made[0].id);
        // A second restore works from the same snapshot.
        assert!(store.restore_snapshot().await.unwrap());
        assert!(store
            .get_objects(PORTAL, "0-1", &[again[0].id], false)
            .await
            .unwrap()
            .is_empty());
    }
);
