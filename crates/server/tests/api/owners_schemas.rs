//! Owners are the portal's users; custom object types defined by schemas are served by the
//! generic object API with their own required and typed properties.

use reqwest::Method;
use serde_json::json;

use crate::both_backends;
use crate::crm_objects::bearer;
use crate::helpers::{assert_error, json};

both_backends!(owners_are_the_portals_users, |app| {
    let (status, owners) = json(
        bearer(app, Method::GET, "/crm/v3/owners?limit=10")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{owners}");
    assert_eq!(owners["results"][0]["id"], app.dev.owner_id.to_string());
    assert_eq!(owners["results"][0]["userId"], app.dev.user_id);
    let (status, one) = json(
        bearer(
            app,
            Method::GET,
            &format!("/crm/v3/owners/{}?idProperty=userId", app.dev.user_id),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(
        (status, &one["id"]),
        (200, &json!(app.dev.owner_id.to_string()))
    );
});

both_backends!(custom_objects_are_defined_by_schemas, |app| {
    let (status, schema) = json(bearer(app, Method::POST, "/crm/v3/schemas").json(&json!({
        "name": "cars", "labels": {"singular": "Car", "plural": "Cars"}, "primaryDisplayProperty": "model",
        "requiredProperties": ["model"], "searchableProperties": ["model"],
        "properties": [{"name": "model", "label": "Model", "type": "string", "fieldType": "text"},
                       {"name": "year", "label": "Year", "type": "number", "fieldType": "number"}]
    })).send().await.unwrap()).await;
    assert_eq!(status, 201, "{schema}");
    let type_id = schema["objectTypeId"].as_str().unwrap().to_owned();
    assert!(type_id.starts_with("2-"));
    let (status, car) = json(
        bearer(app, Method::POST, &format!("/crm/v3/objects/{type_id}"))
            .json(&json!({"properties": {"model": "T", "year": 1908}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{car}");
    let (status, body) = json(
        bearer(app, Method::POST, "/crm/v3/objects/cars")
            .json(&json!({"properties": {"year": 1908}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 400, "VALIDATION_ERROR");
    let (_, found) = json(bearer(app, Method::POST, "/crm/v3/objects/cars/search")
        .json(&json!({"filterGroups": [{"filters": [{"propertyName": "year", "operator": "LT", "value": "1950"}]}]})).send().await.unwrap()).await;
    assert_eq!(found["results"][0]["properties"]["model"], "T", "{found}");
});
