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

both_backends!(openapi_document_describes_the_automation_api, |app| {
    let (status, doc) = json(
        app.request(Method::GET, "/openapi.json")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/callhost/v1/sessions", "get"),
        ("/callhost/v1/sessions/{id}/actions", "post"),
        ("/callhost/v1/sessions/{id}/transcript", "get"),
        ("/callhost/v1/sessions/{id}/events", "get"),
        ("/callhost/v1/events", "get"),
        ("/callhost/v1/faults", "post"),
        ("/callhost/v1/faults", "get"),
        ("/callhost/v1/faults/{id}", "delete"),
    ] {
        let op = &paths[path][method];
        assert!(op.is_object(), "{method} {path}");
        assert_eq!(op["tags"][0], "Automation", "{method} {path}");
    }
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for name in [
        "SessionView",
        "Action",
        "TranscriptEntry",
        "FaultRule",
        "FaultEffect",
    ] {
        assert!(schemas.contains_key(name), "{name}");
    }
    let transcript = &paths["/callhost/v1/sessions/{id}/transcript"]["get"]["parameters"];
    let names: Vec<&str> = transcript
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["id", "after", "type", "wait"]);
});
