//! The OpenAPI document describes the implemented routes, aliases included, and only them;
//! each operation can be fuzzed (its parameters and bodies have schemas).

use std::collections::BTreeSet;

use reqwest::Method;

use crate::both_backends;
use crate::helpers::{json, spawn_app, Backend};

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
/// The paths the API router serves, read from the router itself: axum offers no list of
/// routes, but its `Debug` output names every path, so a route added anywhere shows up here.
fn served_paths(router: &axum::Router) -> BTreeSet<String> {
    let debug = format!("{router:?}");
    let paths: BTreeSet<String> = debug
        .split('"')
        .skip(1)
        .step_by(2)
        .filter(|s| s.starts_with('/') && !s.contains("__private__axum"))
        .map(str::to_owned)
        .collect();
    assert!(
        paths.len() > 20 && paths.contains("/crm/v3/owners"),
        "the router's Debug output no longer lists its paths (an axum upgrade?): {paths:?}"
    );
    paths
}

/// `/crm/v3/objects/{object_type}` and `/crm/v3/objects/{objectType}` alike.
fn shape(path: &str) -> String {
    path.split('/')
        .map(|s| if s.starts_with('{') { "{}" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

/// A request path for a route: each parameter given a value that gets past routing.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|s| match s {
            "{version}" => "2026-03",
            s if s.starts_with('{') => "1",
            s => s,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// What the router answers `method path` with: its status and the error message, if any.
async fn probe(router: &axum::Router, method: &Method, path: &str) -> (u16, String) {
    use tower::ServiceExt;
    let request = axum::http::Request::builder()
        .method(method.as_str())
        .uri(concrete(path))
        .body(axum::body::Body::empty())
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    let message = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["message"].as_str().map(str::to_owned))
        .unwrap_or_default();
    (status, message)
}

const METHODS: [Method; 5] = [
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
];

/// Every route the API router serves is in the document (or excluded with a reason), with
/// every method it serves; and every documented operation is served.
#[tokio::test]
async fn openapi_document_and_router_list_the_same_routes() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let router = callhost_server::routes::api_router(app.state.clone());
    let doc = serde_json::to_value(callhost_server::openapi::document()).unwrap();
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|k| METHODS.iter().any(|m| m.as_str().eq_ignore_ascii_case(k)))
                .map(|method| (shape(path), method.to_uppercase()))
                .collect::<Vec<_>>()
        })
        .collect();

    let mut served = BTreeSet::new();
    let mut missing = Vec::new();
    for path in served_paths(&router) {
        if callhost_server::openapi::is_excluded(&path) {
            continue;
        }
        for method in &METHODS {
            let (status, _) = probe(&router, method, &path).await;
            if status == 405 {
                continue;
            }
            let route = (shape(&path), method.as_str().to_owned());
            if !documented.contains(&route) {
                missing.push(format!("{method} {path}"));
            }
            served.insert(route);
        }
    }
    assert!(
        missing.is_empty(),
        "served but neither documented nor excluded: {missing:#?}"
    );
    let unserved: Vec<_> = documented.difference(&served).collect();
    assert!(
        unserved.is_empty(),
        "documented but not served: {unserved:#?}"
    );

    // And the other way, by request: each documented operation reaches a handler.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS
            .iter()
            .filter(|m| item[m.as_str().to_lowercase()].is_object())
        {
            let (status, message) = probe(&router, method, path).await;
            assert!(
                status != 405 && !message.starts_with("No route matches"),
                "{method} {path} is documented but answers {status} {message}"
            );
        }
    }
    app.finish().await;
}

/// The exclusions are few and each says why; the document keeps the host's pages out.
#[test]
fn excluded_routes_give_a_reason_and_stay_out_of_the_document() {
    let doc = serde_json::to_value(callhost_server::openapi::document()).unwrap();
    for (path, reason) in callhost_server::openapi::EXCLUDED {
        assert!(!reason.is_empty(), "{path}");
    }
    for path in doc["paths"].as_object().unwrap().keys() {
        assert!(
            !callhost_server::openapi::is_excluded(path),
            "{path} is documented and excluded"
        );
    }
}

/// Every operation documents its path parameters with a schema, HubSpot's error body, the
/// Host check's 421, and a schema for each JSON body it takes or answers.
#[test]
fn every_operation_is_fuzzable() {
    let doc = serde_json::to_value(callhost_server::openapi::document()).unwrap();
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            for name in path
                .split('/')
                .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            {
                let param = params
                    .iter()
                    .find(|p| p["name"] == name && p["in"] == "path")
                    .unwrap_or_else(|| panic!("{method} {path}: no parameter {name}"));
                assert!(param["schema"].is_object(), "{method} {path}: {name}");
            }
            for param in &params {
                assert!(param["schema"].is_object(), "{method} {path}: {param}");
            }
            if ["post", "put", "patch"].contains(&method.as_str())
                && !path.ends_with("/default/{toObjectType}/{toObjectId}")
                // Takes no body: the store goes back to its start.
                && path != "/callhost/v1/reset"
            {
                // JSON, but for the OAuth token endpoints' forms; either way with a schema.
                let content = op["requestBody"]["content"].as_object();
                assert!(
                    content.is_some_and(|media| !media.is_empty()
                        && media.values().all(|m| m["schema"].is_object())),
                    "{method} {path}: no request body schema"
                );
            }
            let responses = op["responses"].as_object().unwrap();
            for (status, response) in responses {
                // JSON everywhere, but for the automation API's event streams
                // (text/event-stream); whatever the media type, it has a schema.
                if status != "204" {
                    let content = response["content"].as_object();
                    assert!(
                        content.is_some_and(|media| !media.is_empty()
                            && media.values().all(|m| m["schema"].is_object())),
                        "{method} {path} {status}: no schema"
                    );
                }
            }
            assert_eq!(
                responses["421"]["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/ErrorBody"
            );
            assert!(responses.contains_key("4XX"), "{method} {path}");
        }
    }
    assert!(operations >= 63, "{operations}");
    let batch_read = &doc["paths"]["/crm/objects/{version}/{objectType}/batch/read"]["post"];
    assert!(batch_read["responses"]["207"].is_object(), "{batch_read}");
    let create = &doc["paths"]["/crm/v3/objects/{objectType}"]["post"]["responses"]["201"];
    assert!(create["headers"]["Location"].is_object(), "{create}");
}

/// Every query parameter a CRM handler reads (`query.list("properties")`, `query.after()`,
/// ...) is documented on some operation: a parameter added to a handler without the document
/// fails here.
#[test]
fn every_query_parameter_the_crm_reads_is_documented() {
    let doc = serde_json::to_value(callhost_server::openapi::document()).unwrap();
    let documented: BTreeSet<String> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .flat_map(|op| op["parameters"].as_array().cloned().unwrap_or_default())
        .filter(|p| p["in"] == "query")
        .filter_map(|p| p["name"].as_str().map(str::to_owned))
        .collect();
    let mut read = BTreeSet::new();
    let mut dirs = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/crm")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let source = std::fs::read_to_string(&path).unwrap();
            if source.contains("query.after()") {
                read.insert("after".to_owned());
            }
            for reader in ["list", "names", "one", "boolean", "limit"] {
                let marker = format!("query.{reader}(\"");
                for (at, _) in source.match_indices(&marker) {
                    let rest = &source[at + marker.len()..];
                    read.insert(rest[..rest.find('"').unwrap()].to_owned());
                }
            }
        }
    }
    assert!(read.len() >= 8 && read.contains("idProperty"), "{read:?}");
    let missing: Vec<_> = read.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "read by a handler, not documented: {missing:?}"
    );
}
