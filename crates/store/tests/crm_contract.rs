//! The CRM part of the store contract, on SQLite and PostgreSQL: objects with computed
//! properties and history, all-or-nothing writes, associations, schemas, and that nothing
//! crosses portals. Search and the caller-ID index are in `crm_search_contract.rs`.

mod common;

use std::sync::Arc;

use callhost_store::crm::*;
use callhost_store::*;
use common::{kind, new, portal, props, Harness};

contract!(objects_get_computed_properties_and_history, |store: Arc<
    dyn Store,
>| async move {
    let p = portal(&store).await;
    let t0 = now();
    let created = store
        .create_objects(p, "0-48", &[new(&[("hs_call_title", "One")])], "API", t0)
        .await
        .unwrap();
    let call = &created[0];
    assert_eq!(call.properties["hs_object_id"], call.id.to_string());
    assert_eq!(call.properties["hs_call_title"], "One");
    assert!(call.properties["hs_createdate"].ends_with('Z'));
    let t1 = t0 + chrono::Duration::seconds(1);
    let update = ObjectUpdate {
        id: call.id,
        properties: props(&[("hs_call_title", "Two")]),
    };
    let updated = store
        .update_objects(p, "0-48", &[update], "API", t1)
        .await
        .unwrap();
    assert_eq!(updated[0].properties["hs_call_title"], "Two");
    assert_eq!((updated[0].created_at, updated[0].updated_at), (t0, t1));
    let history = store
        .property_history(p, &[call.id], &["hs_call_title".into()])
        .await
        .unwrap();
    let values: Vec<&str> = history[&call.id]["hs_call_title"]
        .iter()
        .map(|v| v.value.as_str())
        .collect();
    assert_eq!(values, ["Two", "One"], "newest first");

    let cleared = ObjectUpdate {
        id: call.id,
        properties: props(&[("hs_call_title", "")]),
    };
    let cleared = store
        .update_objects(p, "0-48", &[cleared], "API", t1)
        .await
        .unwrap();
    assert!(!cleared[0].properties.contains_key("hs_call_title"));
});

contract!(writes_are_all_or_nothing_and_per_portal, |store: Arc<
    dyn Store,
>| async move {
    let p = portal(&store).await;
    let other = portal(&store).await;
    let contact = store
        .create_objects(other, "0-1", &[new(&[("email", "a@x.io")])], "API", now())
        .await
        .unwrap()
        .remove(0);
    let mut call = new(&[("hs_call_title", "x")]);
    call.associations
        .push((ObjectRef::new("0-1", contact.id), kind(194), kind(193)));
    let err = store
        .create_objects(p, "0-48", &[new(&[]), call], "API", now())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Missing(m) if m == &[ObjectRef::new("0-1", contact.id)]),
        "{err}"
    );
    assert!(store
        .list_objects(p, "0-48", false, None, 10)
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .get_objects(p, "0-1", &[contact.id], false)
        .await
        .unwrap()
        .is_empty());
    let update = ObjectUpdate {
        id: contact.id,
        properties: props(&[("email", "b@x.io")]),
    };
    assert!(matches!(
        store
            .update_objects(p, "0-1", &[update], "API", now())
            .await,
        Err(StoreError::Missing(_))
    ));
    store
        .archive_objects(p, "0-1", &[contact.id], now())
        .await
        .unwrap();
    let still = store
        .get_objects(other, "0-1", &[contact.id], false)
        .await
        .unwrap();
    assert_eq!(still[0].properties["email"], "a@x.io");
});

// An upsert's creates and updates are one transaction: an id to update that was archived
// meanwhile fails the upsert, and none of its creates (written first) nor its other updates
// are left behind; a good upsert writes both halves.
contract!(
    an_upsert_writes_its_creates_and_updates_or_nothing,
    |store: Arc<dyn Store>| async move {
        let p = portal(&store).await;
        let made = store
            .create_objects(
                p,
                "0-1",
                &[
                    new(&[("email", "kept@x.io")]),
                    new(&[("email", "gone@x.io")]),
                ],
                "API",
                now(),
            )
            .await
            .unwrap();
        let (kept, gone) = (made[0].id, made[1].id);
        store
            .archive_objects(p, "0-1", &[gone], now())
            .await
            .unwrap();
        let change = |id, email: &str| ObjectUpdate {
            id,
            properties: props(&[("email", email)]),
        };
        let err = store
            .upsert_objects(
                p,
                "0-1",
                &[new(&[("email", "new@x.io")])],
                &[change(kept, "kept2@x.io"), change(gone, "gone2@x.io")],
                "API",
                now(),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Missing(m) if m == &[ObjectRef::new("0-1", gone)]),
            "{err}"
        );
        let live = store.list_objects(p, "0-1", false, None, 10).await.unwrap();
        assert_eq!(live.len(), 1, "the create was rolled back: {live:?}");
        assert_eq!(live[0].id, kept);
        assert_eq!(
            live[0].properties["email"], "kept@x.io",
            "the good update too"
        );
        let none = store
            .find_objects_by_property(p, "0-1", "email", &["new@x.io".into()], false)
            .await
            .unwrap();
        assert!(none.is_empty());
        let history = store
            .property_history(p, &[kept], &["email".into()])
            .await
            .unwrap();
        assert_eq!(
            history[&kept]["email"].len(),
            1,
            "no history of the undone write"
        );

        let done = store
            .upsert_objects(
                p,
                "0-1",
                &[new(&[("email", "new@x.io")])],
                &[change(kept, "kept2@x.io")],
                "API",
                now(),
            )
            .await
            .unwrap();
        assert_eq!(done.created.len(), 1);
        assert_eq!(done.created[0].properties["email"], "new@x.io");
        assert_eq!(done.updated.len(), 1);
        assert_eq!(done.updated[0].id, kept);
        assert_eq!(done.updated[0].properties["email"], "kept2@x.io");
        assert_eq!(
            store
                .list_objects(p, "0-1", false, None, 10)
                .await
                .unwrap()
                .len(),
            2
        );
    }
);

contract!(
    associations_go_both_ways,
    |store: Arc<dyn Store>| async move {
        let p = portal(&store).await;
        let contact = store
            .create_objects(p, "0-1", &[new(&[])], "API", now())
            .await
            .unwrap()
            .remove(0);
        let mut call = new(&[]);
        call.associations
            .push((ObjectRef::new("0-1", contact.id), kind(194), kind(193)));
        let call = store
            .create_objects(p, "0-48", &[call], "API", now())
            .await
            .unwrap()
            .remove(0);
        let from_call = store
            .list_associations(p, &ObjectRef::new("0-48", call.id), "0-1", None, 10)
            .await
            .unwrap();
        assert_eq!(from_call.len(), 1);
        assert_eq!(
            (from_call[0].to.id, from_call[0].kind.type_id),
            (contact.id, 194)
        );
        let from_contact = store
            .list_associations(p, &ObjectRef::new("0-1", contact.id), "0-48", None, 10)
            .await
            .unwrap();
        assert_eq!(from_contact[0].kind.type_id, 193);
        let removed = store
            .remove_associations(
                p,
                &ObjectRef::new("0-1", contact.id),
                &ObjectRef::new("0-48", call.id),
            )
            .await
            .unwrap();
        assert_eq!(removed, 2);
    }
);

contract!(schemas_are_per_portal, |store: Arc<dyn Store>| async move {
    let p = portal(&store).await;
    let other = portal(&store).await;
    let schema = store.create_schema(p, "cars", "{}", now()).await.unwrap();
    assert!(schema.object_type_id().starts_with("2-"));
    assert!(matches!(
        store.create_schema(p, "cars", "{}", now()).await,
        Err(StoreError::Duplicate(_))
    ));
    assert_eq!(
        store.get_schema(p, &schema.object_type_id()).await.unwrap(),
        Some(schema.clone())
    );
    assert_eq!(
        store.get_schema(p, "cars").await.unwrap(),
        Some(schema.clone())
    );
    assert_eq!(store.get_schema(other, "cars").await.unwrap(), None);
    assert!(store.archive_schema(p, schema.id).await.unwrap());
    assert!(store.list_schemas(p).await.unwrap().is_empty());
});
