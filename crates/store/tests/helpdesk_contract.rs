//! The help-desk part of the store contract, on SQLite and PostgreSQL: inboxes, numbers
//! connected all or none, and finalization. Calls attached to tickets are in
//! `helpdesk_ticket_contract.rs`.

mod common;

use std::sync::Arc;

use callhost_store::helpdesk::*;
use callhost_store::*;
use common::helpdesk::{call, number, setup};
use common::Harness;

contract!(
    a_portal_gets_one_default_inbox_and_unique_names,
    |store: Arc<dyn Store>| async move {
        let (portal, support) = setup(&store).await;
        assert_eq!(support.name, "Support");
        let again = store.list_inboxes(portal, "Support", now()).await.unwrap();
        assert_eq!(again, vec![support.clone()], "made once");
        let billing = store.create_inbox(portal, "Billing", now()).await.unwrap();
        assert!(matches!(
            store.create_inbox(portal, "Billing", now()).await,
            Err(StoreError::Duplicate(_))
        ));
        let names: Vec<String> = store
            .list_inboxes(portal, "Support", now())
            .await
            .unwrap()
            .into_iter()
            .map(|i| i.name)
            .collect();
        assert_eq!(names, ["Support", "Billing"]);
        // Another portal has its own, and cannot connect to this one's.
        let other = store.create_portal("Q").await.unwrap().id;
        let theirs = store.list_inboxes(other, "Support", now()).await.unwrap();
        assert_eq!(theirs.len(), 1);
        assert_ne!(theirs[0].id, support.id);
        let refused = store
            .connect_channels(other, billing.id, 77, &[number("+18005550100")], now())
            .await
            .unwrap();
        assert_eq!(refused, Connected::UnknownInbox);
    }
);

contract!(
    numbers_connect_all_or_none,
    |store: Arc<dyn Store>| async move {
        let (portal, inbox) = setup(&store).await;
        let Connected::Channels(made) = store
            .connect_channels(
                portal,
                inbox.id,
                77,
                &[number("+18005550100"), number("+18005550101")],
                now(),
            )
            .await
            .unwrap()
        else {
            panic!("connected")
        };
        assert_eq!(made.len(), 2);
        assert_eq!(made[0].e164, "+18005550100");
        assert_eq!(made[0].friendly_name.as_deref(), Some("Line +18005550100"));
        assert_eq!((made[0].inbox_id, made[0].app_id), (inbox.id, 77));

        // One number already connected: the new one is not connected either.
        let refused = store
            .connect_channels(
                portal,
                inbox.id,
                77,
                &[number("+18005550102"), number("+18005550101")],
                now(),
            )
            .await
            .unwrap();
        assert_eq!(
            refused,
            Connected::AlreadyConnected(vec!["+18005550101".into()])
        );
        assert!(store
            .find_channel(portal, "+18005550102")
            .await
            .unwrap()
            .is_none());
        assert_eq!(store.list_channels(portal).await.unwrap(), made);
        let listed = store.list_inboxes(portal, "Support", now()).await.unwrap();
        assert_eq!(listed[0].channels, made);

        assert!(store.disconnect_channel(portal, made[0].id).await.unwrap());
        assert!(!store.disconnect_channel(portal, made[0].id).await.unwrap());
        let other = store.create_portal("Q").await.unwrap().id;
        assert!(!store.disconnect_channel(other, made[1].id).await.unwrap());
        assert_eq!(
            store.list_channels(portal).await.unwrap(),
            vec![made[1].clone()]
        );
    }
);

contract!(
    finalizing_marks_a_call_once,
    |store: Arc<dyn Store>| async move {
        let (portal, _) = setup(&store).await;
        assert_eq!(
            store.finalize_call(portal, 123_456, now()).await.unwrap(),
            None
        );
        let made = store
            .create_objects(portal, "0-48", &[call("x-1")], "TEST", now())
            .await
            .unwrap()
            .remove(0);
        let other = store.create_portal("Q").await.unwrap().id;
        assert_eq!(
            store.finalize_call(other, made.id, now()).await.unwrap(),
            None
        );
        let t0 = now();
        assert_eq!(
            store.finalize_call(portal, made.id, t0).await.unwrap(),
            Some(t0)
        );
        let t1 = t0 + chrono::Duration::seconds(5);
        assert_eq!(
            store.finalize_call(portal, made.id, t1).await.unwrap(),
            Some(t0),
            "the first time counts"
        );
        assert_eq!(store.call_ticket(portal, made.id).await.unwrap(), None);
    }
);
