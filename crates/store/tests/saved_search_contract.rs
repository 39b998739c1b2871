//! The saved-search part of the store contract, on SQLite and PostgreSQL: listed per portal,
//! user and object type in name order, names unique per (portal, user, object type), deleted
//! only by their own user.

mod common;

use std::sync::Arc;

use callhost_store::saved_searches::*;
use callhost_store::*;
use common::Harness;

/// A portal with two users; returns `(portal, first user, second user)`.
async fn setup(store: &Arc<dyn Store>) -> (i64, i64, i64) {
    let portal = store.create_portal("P").await.unwrap().id;
    let mut users = Vec::new();
    for email in ["a@example.com", "b@example.com"] {
        let user = store
            .create_user(&NewUser {
                portal_id: portal,
                email,
                first_name: "F",
                last_name: "L",
            })
            .await
            .unwrap();
        users.push(user.id);
    }
    (portal, users[0], users[1])
}

fn search<'a>(portal: i64, user: i64, type_id: &'a str, name: &'a str) -> NewSavedSearch<'a> {
    NewSavedSearch {
        portal_id: portal,
        user_id: user,
        object_type_id: type_id,
        name,
        query: "Queueson",
    }
}

contract!(saved_searches_round_trip_in_name_order, |store: Arc<
    dyn Store,
>| async move {
    let (portal, user, _) = setup(&store).await;
    let at = now();
    let made = store
        .create_saved_search(&search(portal, user, "0-1", "leads"), at)
        .await
        .unwrap();
    assert_eq!(
        made,
        SavedSearch {
            id: made.id,
            portal_id: portal,
            user_id: user,
            object_type_id: "0-1".into(),
            name: "leads".into(),
            query: "Queueson".into(),
            created_at: at,
        }
    );
    for name in ["Boston", "zeta", "Alpha"] {
        store
            .create_saved_search(&search(portal, user, "0-1", name), now())
            .await
            .unwrap();
    }
    let listed = store
        .list_saved_searches(portal, user, "0-1")
        .await
        .unwrap();
    let names: Vec<&str> = listed.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        ["Alpha", "Boston", "leads", "zeta"],
        "by name, ignoring case"
    );
    assert_eq!(listed[2], made);
});

contract!(a_name_is_unique_per_user_and_type_only, |store: Arc<
    dyn Store,
>| async move {
    let (portal, user, other) = setup(&store).await;
    store
        .create_saved_search(&search(portal, user, "0-1", "mine"), now())
        .await
        .unwrap();
    let err = store
        .create_saved_search(
            &NewSavedSearch {
                query: "different",
                ..search(portal, user, "0-1", "mine")
            },
            now(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate(_)), "{err:?}");
    let listed = store
        .list_saved_searches(portal, user, "0-1")
        .await
        .unwrap();
    assert_eq!(listed.len(), 1, "the refused save wrote nothing");
    assert_eq!(listed[0].query, "Queueson");

    // The same name for another type, or for another user, is another search.
    store
        .create_saved_search(&search(portal, user, "0-2", "mine"), now())
        .await
        .unwrap();
    store
        .create_saved_search(&search(portal, other, "0-1", "mine"), now())
        .await
        .unwrap();
    // Names differing in case are different names.
    store
        .create_saved_search(&search(portal, user, "0-1", "Mine"), now())
        .await
        .unwrap();
    assert_eq!(
        store
            .list_saved_searches(portal, user, "0-1")
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        store
            .list_saved_searches(portal, user, "0-2")
            .await
            .unwrap()
            .len(),
        1
    );
});

contract!(only_the_owner_lists_and_deletes_a_search, |store: Arc<
    dyn Store,
>| async move {
    let (portal, user, other) = setup(&store).await;
    let made = store
        .create_saved_search(&search(portal, user, "0-1", "mine"), now())
        .await
        .unwrap();
    assert!(store
        .list_saved_searches(portal, other, "0-1")
        .await
        .unwrap()
        .is_empty());

    // Another user, another portal or a wrong id deletes nothing.
    let elsewhere = store.create_portal("Q").await.unwrap().id;
    assert!(!store
        .delete_saved_search(portal, other, made.id)
        .await
        .unwrap());
    assert!(!store
        .delete_saved_search(elsewhere, user, made.id)
        .await
        .unwrap());
    assert!(!store
        .delete_saved_search(portal, user, made.id + 1000)
        .await
        .unwrap());
    assert_eq!(
        store
            .list_saved_searches(portal, user, "0-1")
            .await
            .unwrap(),
        vec![made.clone()]
    );

    assert!(store
        .delete_saved_search(portal, user, made.id)
        .await
        .unwrap());
    assert!(!store
        .delete_saved_search(portal, user, made.id)
        .await
        .unwrap());
    assert!(store
        .list_saved_searches(portal, user, "0-1")
        .await
        .unwrap()
        .is_empty());
    // The name is free again.
    store
        .create_saved_search(&search(portal, user, "0-1", "mine"), now())
        .await
        .unwrap();
});

contract!(concurrent_saves_of_one_name_keep_one, |store: Arc<
    dyn Store,
>| async move {
    let (portal, user, _) = setup(&store).await;
    let saves = (0..6).map(|_| {
        let store = store.clone();
        async move {
            store
                .create_saved_search(&search(portal, user, "0-1", "race"), now())
                .await
        }
    });
    let results = futures_join_all(saves).await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    assert!(results
        .iter()
        .filter_map(|r| r.as_ref().err())
        .all(|e| matches!(e, StoreError::Duplicate(_))));
    assert_eq!(
        store
            .list_saved_searches(portal, user, "0-1")
            .await
            .unwrap()
            .len(),
        1
    );
});

/// Runs the futures concurrently on the runtime (tasks, so they really overlap).
async fn futures_join_all<F, T>(futures: impl Iterator<Item = F>) -> Vec<T>
where
    F: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for handle in handles {
        out.push(handle.await.unwrap());
    }
    out
}
