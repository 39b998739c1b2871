//! The CRM part of the store contract, on SQLite and PostgreSQL: objects with computed
//! properties and history, all-or-nothing writes, associations, search, the caller-ID index,
//! schemas, and that nothing crosses portals.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use callhost_store::crm::search::Operand;
use callhost_store::crm::*;
use callhost_store::*;
use common::Harness;

fn props(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn new(pairs: &[(&str, &str)]) -> NewObject {
    NewObject {
        properties: props(pairs),
        associations: Vec::new(),
    }
}

fn kind(type_id: i32) -> AssociationKind {
    AssociationKind {
        category: "HUBSPOT_DEFINED".into(),
        type_id,
    }
}

async fn portal(store: &Arc<dyn Store>) -> i64 {
    store.create_portal("P").await.unwrap().id
}

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

contract!(
    search_filters_sorts_and_pages,
    |store: Arc<dyn Store>| async move {
        let p = portal(&store).await;
        let inputs: Vec<NewObject> = (1..=5)
            .map(|n| {
                new(&[
                    ("firstname", if n % 2 == 0 { "Even" } else { "Odd" }),
                    ("num", &n.to_string()),
                ])
            })
            .collect();
        store
            .create_objects(p, "0-1", &inputs, "API", now())
            .await
            .unwrap();
        let filter = |property: &str, op| Filter {
            property: property.into(),
            op,
        };
        let search = Search {
            groups: vec![
                FilterGroup {
                    filters: vec![filter(
                        "firstname",
                        FilterOp::Eq(Operand::Text("odd".into())),
                    )],
                },
                FilterGroup {
                    filters: vec![filter("num", FilterOp::Gte(Operand::Number(4.0)))],
                },
            ],
            sorts: vec![Sort {
                property: "num".into(),
                descending: true,
                numeric: true,
            }],
            limit: 2,
            ..Default::default()
        };
        let page = store.search_objects(p, "0-1", &search).await.unwrap();
        assert_eq!(page.total, 4, "1, 3, 5 by name, 4 by number");
        let nums: Vec<&str> = page
            .objects
            .iter()
            .map(|o| o.properties["num"].as_str())
            .collect();
        assert_eq!(nums, ["5", "4"]);
        let rest = Search {
            offset: 2,
            ..search.clone()
        };
        let page = store.search_objects(p, "0-1", &rest).await.unwrap();
        assert_eq!(page.objects.len(), 2);
        let none = Search {
            groups: vec![FilterGroup {
                filters: vec![filter("missing", FilterOp::HasProperty)],
            }],
            limit: 10,
            ..Default::default()
        };
        assert_eq!(
            store.search_objects(p, "0-1", &none).await.unwrap().total,
            0
        );
        let other = portal(&store).await;
        assert_eq!(
            store
                .search_objects(other, "0-1", &search)
                .await
                .unwrap()
                .total,
            0
        );
    }
);

contract!(
    contains_token_matches_whole_words_ignoring_case_with_a_wildcard,
    |store: Arc<dyn Store>| async move {
        let p = portal(&store).await;
        let titles = [
            "Call back re: Invoice-42",
            "Callback requested",
            "jane.doe@Example.com",
            "recall",
            "50% off [promo]? café",
        ];
        let mut inputs: Vec<NewObject> = titles.iter().map(|t| new(&[("title", t)])).collect();
        inputs.push(new(&[("other", "call")]));
        store
            .create_objects(p, "0-1", &inputs, "API", now())
            .await
            .unwrap();
        let matching = |op: FilterOp| {
            let store = store.clone();
            async move {
                let search = Search {
                    groups: vec![FilterGroup {
                        filters: vec![Filter {
                            property: "title".into(),
                            op,
                        }],
                    }],
                    limit: 10,
                    ..Default::default()
                };
                let page = store.search_objects(p, "0-1", &search).await.unwrap();
                assert_eq!(page.total as usize, page.objects.len());
                let mut found: Vec<String> = page
                    .objects
                    .iter()
                    .map(|o| o.properties.get("title").cloned().unwrap_or_default())
                    .collect();
                found.sort();
                found
            }
        };
        let has = |token: &str| matching(FilterOp::ContainsToken(token.into()));
        assert_eq!(has("CALL").await, ["Call back re: Invoice-42"]);
        assert_eq!(has("invoice").await, ["Call back re: Invoice-42"]);
        assert_eq!(has("42").await, ["Call back re: Invoice-42"]);
        assert_eq!(has("voice").await, Vec::<String>::new());
        assert_eq!(has("doe").await, ["jane.doe@Example.com"]);
        assert_eq!(has("*@example.com").await, ["jane.doe@Example.com"]);
        assert_eq!(
            has("call*").await,
            ["Call back re: Invoice-42", "Callback requested"]
        );
        assert_eq!(has("*call").await, ["Call back re: Invoice-42", "recall"]);
        assert_eq!(
            has("c*k").await,
            ["Call back re: Invoice-42", "Callback requested"]
        );
        // Other characters match themselves, between separators like a word.
        assert_eq!(has("50%").await, ["50% off [promo]? café"]);
        assert_eq!(has("0%").await, Vec::<String>::new());
        assert_eq!(has("[promo]?").await, ["50% off [promo]? café"]);
        assert_eq!(has("[promo]x").await, Vec::<String>::new());
        assert_eq!(has("[p").await, Vec::<String>::new());
        assert_eq!(has("promo").await, ["50% off [promo]? café"]);
        assert_eq!(has("café").await, ["50% off [promo]? café"]);
        assert_eq!(has("caf").await, Vec::<String>::new());
        // Objects without the property hold no token, so they match the negation.
        assert_eq!(
            matching(FilterOp::NotContainsToken("call".into())).await,
            [
                "",
                "50% off [promo]? café",
                "Callback requested",
                "jane.doe@Example.com",
                "recall"
            ]
        );
    }
);

contract!(
    negated_filters_keep_objects_without_the_property,
    |store: Arc<dyn Store>| async move {
        let p = portal(&store).await;
        let inputs = [
            new(&[("status", "BUSY")]),
            new(&[("status", "done")]),
            new(&[("other", "x")]),
        ];
        store
            .create_objects(p, "0-1", &inputs, "API", now())
            .await
            .unwrap();
        let total = |op: FilterOp| {
            let store = store.clone();
            async move {
                let search = Search {
                    groups: vec![FilterGroup {
                        filters: vec![Filter {
                            property: "status".into(),
                            op,
                        }],
                    }],
                    limit: 10,
                    ..Default::default()
                };
                store.search_objects(p, "0-1", &search).await.unwrap().total
            }
        };
        let busy = || Operand::Text("busy".into());
        assert_eq!(total(FilterOp::Neq(busy())).await, 2);
        assert_eq!(
            total(FilterOp::NotIn(vec![busy(), Operand::Text("DONE".into())])).await,
            1
        );
        assert_eq!(total(FilterOp::NotHasProperty).await, 1);
        assert_eq!(total(FilterOp::In(vec![busy()])).await, 1);
    }
);

contract!(
    caller_id_finds_any_written_form,
    |store: Arc<dyn Store>| async move {
        let p = portal(&store).await;
        let other = portal(&store).await;
        let created = store
            .create_objects(
                p,
                "0-1",
                &[
                    new(&[("phone", "+1 (617) 555-0123")]),
                    new(&[("mobilephone", "020 7323 8299")]),
                ],
                "API",
                now(),
            )
            .await
            .unwrap();
        let company = store
            .create_objects(p, "0-2", &[new(&[("phone", "617.555.0123")])], "API", now())
            .await
            .unwrap()
            .remove(0);
        store
            .create_objects(
                other,
                "0-1",
                &[new(&[("phone", "+16175550123")])],
                "API",
                now(),
            )
            .await
            .unwrap();
        let found: Vec<i64> = store
            .find_by_phone(p, "617 555 0123", Some("US"))
            .await
            .unwrap()
            .iter()
            .map(|o| o.id)
            .collect();
        assert_eq!(found, [created[0].id, company.id]);
        // Stored without a country code, read as a US number: not the London one.
        assert!(store
            .find_by_phone(p, "0044 20 7323 8299", Some("GB"))
            .await
            .unwrap()
            .is_empty());
        store
            .archive_objects(p, "0-2", &[company.id], now())
            .await
            .unwrap();
        assert_eq!(
            store
                .find_by_phone(p, "+16175550123", None)
                .await
                .unwrap()
                .len(),
            1
        );
        assert!(store
            .find_by_phone(p, "garbage", Some("US"))
            .await
            .unwrap()
            .is_empty());
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
