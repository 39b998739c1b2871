//! Search: filter groups OR'ed, filters AND'ed, every operator, query, sorts, paging, and
//! HubSpot's limits as clear 400s.

use reqwest::Method;
use serde_json::{json, Value};

use crate::both_backends;
use crate::crm_objects::{bearer, create_call, CALLS};
use crate::helpers::{assert_error, json, TestApp};

async fn search(app: &TestApp, body: Value) -> (u16, Value) {
    json(
        bearer(app, Method::POST, &format!("{CALLS}/search"))
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

fn titles(body: &Value) -> Vec<String> {
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["properties"]["hs_call_title"]
                .as_str()
                .unwrap_or("-")
                .to_owned()
        })
        .collect()
}

both_backends!(every_operator_filters_as_hubspot_does, |app| {
    for (title, duration, status) in [
        ("Alpha call", 1000, "COMPLETED"),
        ("Beta call", 5000, "BUSY"),
        ("Gamma", 9000, "COMPLETED"),
    ] {
        create_call(
            app,
            json!({"hs_timestamp": "2026-01-01T00:00:00Z", "hs_call_title": title,
            "hs_call_duration": duration, "hs_call_status": status}),
        )
        .await;
    }
    create_call(app, json!({"hs_timestamp": "2026-02-01T00:00:00Z"})).await;
    let f = |p: &str, op: &str, extra: Value| {
        let mut filter = json!({"propertyName": p, "operator": op});
        filter
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        json!({"filterGroups": [{"filters": [filter]}], "properties": ["hs_call_title"], "sorts": ["hs_call_title"]})
    };
    let cases = [
        (
            f("hs_call_status", "EQ", json!({"value": "completed"})),
            vec!["Alpha call", "Gamma"],
        ),
        (
            f("hs_call_status", "NEQ", json!({"value": "COMPLETED"})),
            vec!["Beta call", "-"],
        ),
        (
            f("hs_call_duration", "LT", json!({"value": "5000"})),
            vec!["Alpha call"],
        ),
        (
            f("hs_call_duration", "LTE", json!({"value": 5000})),
            vec!["Alpha call", "Beta call"],
        ),
        (
            f("hs_call_duration", "GT", json!({"value": "5000"})),
            vec!["Gamma"],
        ),
        (
            f("hs_call_duration", "GTE", json!({"value": "5000"})),
            vec!["Beta call", "Gamma"],
        ),
        (
            f(
                "hs_call_duration",
                "BETWEEN",
                json!({"value": "2000", "highValue": "9000"}),
            ),
            vec!["Beta call", "Gamma"],
        ),
        (
            f(
                "hs_call_status",
                "IN",
                json!({"values": ["BUSY", "MISSED"]}),
            ),
            vec!["Beta call"],
        ),
        (
            f("hs_call_status", "NOT_IN", json!({"values": ["BUSY"]})),
            vec!["Alpha call", "Gamma", "-"],
        ),
        (
            f("hs_call_title", "HAS_PROPERTY", json!({})),
            vec!["Alpha call", "Beta call", "Gamma"],
        ),
        (f("hs_call_title", "NOT_HAS_PROPERTY", json!({})), vec!["-"]),
        (
            f("hs_call_title", "CONTAINS_TOKEN", json!({"value": "call"})),
            vec!["Alpha call", "Beta call"],
        ),
        (
            f(
                "hs_call_title",
                "NOT_CONTAINS_TOKEN",
                json!({"value": "call"}),
            ),
            vec!["-", "Gamma"],
        ),
        (
            f("hs_timestamp", "GTE", json!({"value": "1769904000000"})),
            vec!["-"],
        ),
    ];
    for (body, expected) in cases {
        let (status, found) = search(app, body.clone()).await;
        assert_eq!(status, 200, "{found}");
        let mut got = titles(&found);
        got.sort();
        let mut expected: Vec<String> = expected.into_iter().map(str::to_owned).collect();
        expected.sort();
        assert_eq!(got, expected, "{body}");
        assert_eq!(found["total"], expected.len());
    }
    let (_, or) = search(app, json!({"filterGroups": [
        {"filters": [{"propertyName": "hs_call_status", "operator": "EQ", "value": "BUSY"}]},
        {"filters": [{"propertyName": "hs_call_duration", "operator": "GT", "value": "8000"},
                     {"propertyName": "hs_call_status", "operator": "EQ", "value": "COMPLETED"}]}],
        "properties": ["hs_call_title"], "sorts": [{"propertyName": "hs_call_duration", "direction": "DESCENDING"}]})).await;
    assert_eq!(titles(&or), ["Gamma", "Beta call"]);
    let (_, q) = search(
        app,
        json!({"query": "gam", "properties": ["hs_call_title"]}),
    )
    .await;
    assert_eq!(titles(&q), ["Gamma"]);
    let (_, page) = search(
        app,
        json!({"limit": 2, "sorts": ["-hs_call_duration"], "properties": ["hs_call_title"]}),
    )
    .await;
    assert_eq!(
        (titles(&page), page["total"].clone()),
        (vec!["Gamma".to_owned(), "Beta call".to_owned()], json!(4))
    );
    let after = page["paging"]["next"]["after"].as_str().unwrap();
    let (_, rest) = search(app, json!({"limit": 2, "after": after, "sorts": ["-hs_call_duration"], "properties": ["hs_call_title"]})).await;
    assert_eq!(titles(&rest), ["Alpha call", "-"]);
    assert!(rest.get("paging").is_none());
});

both_backends!(limits_and_unknown_properties_are_clear_400s, |app| {
    let filter = json!({"propertyName": "hs_call_title", "operator": "HAS_PROPERTY"});
    let group = |n: usize| json!({"filters": vec![filter.clone(); n]});
    for (body, needle) in [
        (
            json!({"filterGroups": vec![group(1); 6]}),
            "at most 5 filterGroups",
        ),
        (json!({"filterGroups": [group(11)]}), "at most 10 filters"),
        (
            json!({"filterGroups": [group(10), group(10), group(6)]}),
            "at most 25 filters",
        ),
        (json!({"limit": 201}), "limit must be at most 200"),
        (
            json!({"filterGroups": [{"filters": [{"propertyName": "nope", "operator": "EQ", "value": "x"}]}]}),
            "nope",
        ),
        (
            json!({"filterGroups": [{"filters": [{"propertyName": "hs_call_title", "operator": "LIKE", "value": "x"}]}]}),
            "LIKE",
        ),
        (json!({"sorts": ["nope"]}), "nope"),
    ] {
        let (status, body) = search(app, body).await;
        assert_error(status, &body, 400, "VALIDATION_ERROR");
        assert!(body["message"].as_str().unwrap().contains(needle), "{body}");
    }
});

both_backends!(every_after_at_or_beyond_the_paging_cap_is_400, |app| {
    // One rule, however `after` is written: 18446744073709551615 used to wrap around the
    // cap's sum and answer an empty 200, and a value past u64 was a type error.
    for after in [
        json!("10000"),
        json!(10000),
        json!("9995"),
        json!("18446744073709551615"),
        json!(18446744073709551615_u64),
        json!("99999999999999999999999999"),
        json!(1e30),
    ] {
        let (status, body) = search(app, json!({"after": after, "limit": 10})).await;
        assert_error(status, &body, 400, "VALIDATION_ERROR");
        assert_eq!(body["errors"][0]["in"], "after", "{after}: {body}");
        assert_eq!(body["errors"][0]["code"], "OUT_OF_RANGE", "{after}: {body}");
    }
    let (status, body) = search(app, json!({"after": 10000, "limit": 0})).await;
    assert_error(status, &body, 400, "VALIDATION_ERROR");
    for after in [json!("9990"), json!(0)] {
        let (status, body) = search(app, json!({"after": after, "limit": 10})).await;
        assert_eq!(status, 200, "{after}: {body}");
    }
    let (status, body) = search(app, json!({"after": "-1"})).await;
    assert_error(status, &body, 400, "VALIDATION_ERROR");
    assert_eq!(body["errors"][0]["code"], "INVALID_TYPE", "{body}");
});

both_backends!(
    every_search_limit_passes_at_its_boundary_and_is_400_one_past,
    |app| {
        let has = json!({"propertyName": "hs_call_title", "operator": "HAS_PROPERTY"});
        let group = |n: usize| json!({"filters": vec![has.clone(); n]});
        let values = |n: usize| (0..n).map(|i| format!("v{i}")).collect::<Vec<_>>();
        let within = |op: &str, n: usize| json!({"filters": [{"propertyName": "hs_call_title", "operator": op, "values": values(n)}]});
        // Each limit at its boundary, and the heaviest search they allow: 25 filters of 100
        // values each, on both backends.
        let full: Vec<Value> = (0..5)
            .map(|_| json!({"filters": vec![within("IN", 100)["filters"][0].clone(); 5]}))
            .collect();
        for body in [
            json!({"filterGroups": vec![group(1); 5]}),
            json!({"filterGroups": [group(10), group(10), group(5)]}),
            json!({"filterGroups": [within("IN", 100)]}),
            json!({"filterGroups": [within("NOT_IN", 100)]}),
            json!({"filterGroups": full}),
            json!({"query": "q".repeat(3000)}),
            json!({"query": "é".repeat(3000)}),
            json!({"sorts": ["hs_call_title"]}),
            json!({"limit": 200}),
        ] {
            let (status, answer) = search(app, body.clone()).await;
            assert_eq!(status, 200, "{answer}");
        }
        for (body, code, needle) in [
            (
                json!({"filterGroups": [within("IN", 101)]}),
                "TOO_MANY_VALUES",
                "at most 100 values",
            ),
            (
                json!({"filterGroups": [within("NOT_IN", 101)]}),
                "TOO_MANY_VALUES",
                "at most 100 values",
            ),
            (
                json!({"query": "q".repeat(3001)}),
                "TOO_LONG",
                "at most 3000 characters",
            ),
            (
                json!({"sorts": ["hs_call_title", "-hs_call_duration"]}),
                "TOO_MANY_SORTS",
                "at most 1 sort",
            ),
            (
                json!({"filterGroups": vec![group(1); 6]}),
                "TOO_MANY_FILTER_GROUPS",
                "at most 5 filterGroups",
            ),
            (
                json!({"filterGroups": [group(10), group(10), group(6)]}),
                "TOO_MANY_FILTERS",
                "at most 25 filters",
            ),
        ] {
            let (status, answer) = search(app, body).await;
            assert_error(status, &answer, 400, "VALIDATION_ERROR");
            assert_eq!(answer["errors"][0]["code"], code, "{answer}");
            assert!(
                answer["message"].as_str().unwrap().contains(needle),
                "{answer}"
            );
        }
    }
);

both_backends!(
    inputs_that_overflowed_the_database_are_400s_not_500s,
    |app| {
        // SQLite: "Expression tree is too large" from 494 IN values and "LIKE or GLOB pattern
        // too complex" from a 50,000-character query; PostgreSQL: "too many arguments" from
        // 70,000 IN values. Each is refused by the limits before any SQL is built.
        let many = |n: usize| (0..n).map(|i| i.to_string()).collect::<Vec<_>>();
        for body in [
            json!({"filterGroups": [{"filters": [{"propertyName": "hs_call_title", "operator": "IN", "values": many(494)}]}]}),
            json!({"query": "x".repeat(50_000)}),
            json!({"filterGroups": [{"filters": [{"propertyName": "hs_call_title", "operator": "IN", "values": many(70_000)}]}]}),
        ] {
            let (status, answer) = search(app, body).await;
            assert_error(status, &answer, 400, "VALIDATION_ERROR");
        }
    }
);
