//! Batch create, read, update, upsert and archive: 201/200/207/204, at most 100 inputs, and
//! all-or-nothing on invalid input.

use reqwest::Method;
use serde_json::{json, Value};

use crate::both_backends;
use crate::crm_objects::{bearer, CALLS};
use crate::helpers::{assert_error, json};

fn call_input(title: &str) -> Value {
    json!({"properties": {"hs_timestamp": "2026-01-01T00:00:00Z", "hs_call_title": title}})
}

both_backends!(batch_lifecycle_answers_201_200_207_and_204, |app| {
    let (status, created) = json(
        bearer(app, Method::POST, &format!("{CALLS}/batch/create"))
            .json(&json!({"inputs": [call_input("a"), call_input("b")]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["status"], "COMPLETE");
    let ids: Vec<String> = created["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();

    let (status, read) = json(bearer(app, Method::POST, &format!("{CALLS}/batch/read?archived=false"))
        .json(&json!({"inputs": [{"id": ids[0]}, {"id": "999999999"}], "properties": ["hs_call_title"], "propertiesWithHistory": []}))
        .send().await.unwrap()).await;
    assert_eq!(status, 207, "{read}");
    assert_eq!(read["results"][0]["properties"]["hs_call_title"], "a");
    assert_eq!(read["numErrors"], 1);
    let error = &read["errors"][0];
    for field in [
        "status", "category", "message", "context", "links", "errors",
    ] {
        assert!(!error[field].is_null(), "{field} in {error}");
    }
    assert_eq!(error["context"]["ids"], json!(["999999999"]));

    let (status, updated) = json(
        bearer(app, Method::POST, &format!("{CALLS}/batch/update"))
            .json(
                &json!({"inputs": [{"id": ids[1], "properties": {"hs_call_status": "COMPLETED"}}]}),
            )
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(
        updated["results"][0]["properties"]["hs_call_status"],
        "COMPLETED"
    );

    let (status, _) = json(
        bearer(app, Method::POST, &format!("{CALLS}/batch/archive"))
            .json(&json!({"inputs": [{"id": ids[0]}, {"id": ids[1]}]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 204);
    let (_, page) = json(bearer(app, Method::GET, CALLS).send().await.unwrap()).await;
    assert_eq!(page["results"], json!([]));
});

both_backends!(batches_of_101_or_with_one_bad_input_write_nothing, |app| {
    let inputs: Vec<Value> = (0..101).map(|n| call_input(&n.to_string())).collect();
    let (status, body) = json(
        bearer(app, Method::POST, &format!("{CALLS}/batch/create"))
            .json(&json!({ "inputs": inputs }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 400, "VALIDATION_ERROR");
    let bad =
        json!({"properties": {"hs_timestamp": "2026-01-01T00:00:00Z", "hs_call_direction": "UP"}});
    let (status, body) = json(
        bearer(app, Method::POST, &format!("{CALLS}/batch/create"))
            .json(&json!({"inputs": [call_input("ok"), bad]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 400, "VALIDATION_ERROR");
    let with_missing = json!({"properties": {"hs_timestamp": "1"}, "associations": [{"to": {"id": "424242"},
        "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 194}]}]});
    let (status, body) = json(
        bearer(app, Method::POST, &format!("{CALLS}/batch/create"))
            .json(&json!({"inputs": [call_input("ok"), with_missing]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 400, "VALIDATION_ERROR");
    let (_, page) = json(bearer(app, Method::GET, CALLS).send().await.unwrap()).await;
    assert_eq!(page["results"], json!([]), "nothing was written");
});

both_backends!(upsert_creates_or_updates_by_unique_property, |app| {
    let path = "/crm/v3/objects/contacts/batch/upsert";
    let body = json!({"inputs": [{"id": "up@example.com", "idProperty": "email", "properties": {"firstname": "Up"}}]});
    let (status, first) = json(
        bearer(app, Method::POST, path)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["results"][0]["new"], true);
    assert_eq!(first["results"][0]["properties"]["email"], "up@example.com");
    let (_, second) = json(
        bearer(app, Method::POST, path)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(second["results"][0]["new"], false);
    assert_eq!(second["results"][0]["id"], first["results"][0]["id"]);
});

both_backends!(update_mixes_ids_and_id_properties_in_one_batch, |app| {
    let contacts = "/crm/v3/objects/contacts";
    let (status, created) = json(
        bearer(app, Method::POST, &format!("{contacts}/batch/create"))
            .json(&json!({"inputs": [
                {"properties": {"email": "one@example.com"}},
                {"properties": {"email": "two@example.com"}},
            ]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let by_email = |email: &str| {
        created["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["properties"]["email"] == email)
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .unwrap()
    };
    let one = by_email("one@example.com");
    let (status, updated) = json(
        bearer(app, Method::POST, &format!("{contacts}/batch/update"))
            .json(&json!({"inputs": [
                {"id": one, "properties": {"firstname": "One"}},
                {"id": "two@example.com", "idProperty": "email", "properties": {"firstname": "Two"}},
                {"id": "nobody@example.com", "idProperty": "email", "properties": {"firstname": "X"}},
            ]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 207, "{updated}");
    assert_eq!(
        updated["errors"][0]["context"]["ids"],
        json!(["nobody@example.com"])
    );
    let mut names: Vec<&str> = updated["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["properties"]["firstname"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["One", "Two"]);
    let (_, two) = json(
        bearer(
            app,
            Method::GET,
            &format!(
                "{contacts}/{}?properties=firstname",
                by_email("two@example.com")
            ),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(two["properties"]["firstname"], "Two");
});
