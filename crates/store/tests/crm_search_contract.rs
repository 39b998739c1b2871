//! The CRM search part of the store contract, on SQLite and PostgreSQL: filters, sorts and
//! pages, whole-word tokens, negated filters, and the caller-ID index.

mod common;

use std::sync::Arc;

use callhost_store::crm::search::Operand;
use callhost_store::crm::*;
use callhost_store::*;
use common::{new, portal, Harness};

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

contract!(
    long_values_are_stored_found_and_told_apart_by_their_whole_text,
    |store: Arc<dyn Store>| async move {
        // Varied text, so that PostgreSQL cannot compress it below an index entry's limit:
        // whole-value indexes made a value of about 2.7 KB a failed insert.
        let varied = |seed: u64, chars: usize| -> String {
            let mut x = seed;
            (0..chars)
                .map(|_| {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    char::from_u32(0x21 + (x >> 33) as u32 % 0x5d).unwrap()
                })
                .collect()
        };
        let p = portal(&store).await;
        let long = varied(1, 65_536);
        // Two values whose first 256 characters (the indexed prefix) are the same.
        let shared = varied(2, 300);
        let (a, b) = (format!("{shared}-a"), format!("{shared}-b"));
        let created = store
            .create_objects(
                p,
                "0-1",
                &[
                    new(&[("notes", &long)]),
                    new(&[("notes", &a)]),
                    new(&[("notes", &b)]),
                ],
                "API",
                now(),
            )
            .await
            .unwrap();
        let read = store
            .get_objects(p, "0-1", &[created[0].id], false)
            .await
            .unwrap();
        assert_eq!(read[0].properties["notes"], long, "returned whole");
        let eq = |value: &str| Search {
            groups: vec![FilterGroup {
                filters: vec![Filter {
                    property: "notes".into(),
                    op: FilterOp::Eq(Operand::Text(value.to_uppercase())),
                }],
            }],
            limit: 10,
            ..Default::default()
        };
        for (value, object) in [(&long, &created[0]), (&a, &created[1]), (&b, &created[2])] {
            let page = store.search_objects(p, "0-1", &eq(value)).await.unwrap();
            let ids: Vec<i64> = page.objects.iter().map(|o| o.id).collect();
            assert_eq!(
                ids,
                [object.id],
                "EQ ignores case and compares whole values"
            );
            let found = store
                .find_objects_by_property(p, "0-1", "notes", std::slice::from_ref(value), false)
                .await
                .unwrap();
            let ids: Vec<i64> = found.iter().map(|o| o.id).collect();
            assert_eq!(ids, [object.id], "the exact lookup compares whole values");
        }
        let either = Search {
            groups: vec![FilterGroup {
                filters: vec![Filter {
                    property: "notes".into(),
                    op: FilterOp::In(vec![Operand::Text(a.clone()), Operand::Text(b.clone())]),
                }],
            }],
            limit: 10,
            ..Default::default()
        };
        assert_eq!(
            store.search_objects(p, "0-1", &either).await.unwrap().total,
            2
        );
        let neither = Search {
            groups: vec![FilterGroup {
                filters: vec![Filter {
                    property: "notes".into(),
                    op: FilterOp::NotIn(vec![Operand::Text(a.clone())]),
                }],
            }],
            limit: 10,
            ..Default::default()
        };
        assert_eq!(
            store
                .search_objects(p, "0-1", &neither)
                .await
                .unwrap()
                .total,
            2
        );
        assert!(store
            .find_objects_by_property(p, "0-1", "notes", &[format!("{shared}-c")], false)
            .await
            .unwrap()
            .is_empty());
    }
);
