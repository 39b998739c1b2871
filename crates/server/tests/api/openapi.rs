//! The OpenAPI document describes the implemented routes, aliases included.

use reqwest::Method;

use crate::both_backends;
use crate::helpers::json;

both_backends!(openapi_document_lists_every_settings_operation, |app| {
    let (status, doc) = json(
        app.request(Method::GET, "/openapi.json")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for prefix in [
        "/crm/v3/extensions/calling",
        "/crm/extensions/calling/{version}",
    ] {
        let settings = &paths[&format!("{prefix}/{{appId}}/settings")];
        for method in ["get", "post", "patch", "delete"] {
            assert!(settings[method].is_object(), "{prefix} settings {method}");
        }
        let recording = &paths[&format!("{prefix}/{{appId}}/settings/recording")];
        assert!(
            recording["delete"].is_null(),
            "recording settings have no delete"
        );
        assert!(
            paths[&format!("{prefix}/{{appId}}/settings/channel-connection")]["delete"].is_object()
        );
    }
    let ids: Vec<&str> = paths
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter_map(|op| op["operationId"].as_str())
        .collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(ids.len(), unique.len(), "operation ids are unique");
    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    assert!(schemes.contains_key("developer_hapikey") && schemes.contains_key("oauth2"));
    let response = &doc["components"]["schemas"]["SettingsResponse"];
    assert_eq!(
        response["required"].as_array().unwrap().len(),
        11,
        "{response}"
    );
});

both_backends!(openapi_document_lists_the_crm_paths, |app| {
    let (_, doc) = json(
        app.request(Method::GET, "/openapi.json")
            .send()
            .await
            .unwrap(),
    )
    .await;
    let paths = &doc["paths"];
    assert!(paths["/crm/v3/objects/{objectType}"]["post"].is_object());
    assert!(paths["/crm/v3/objects/{objectType}/search"]["post"].is_object());
    assert!(paths
        ["/crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}/{toObjectId}"]
        ["put"]
        .is_object());
    assert!(paths["/crm/v3/owners"]["get"].is_object());
    assert_eq!(
        paths["/crm/v3/objects/{objectType}/batch/archive"]["post"]["responses"]["204"]
            ["description"],
        "Archive up to 100 objects"
    );
});
