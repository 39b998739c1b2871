//! The saved searches of the list pages (`/host/api/saved-searches…`): the signed-in user's
//! own, per object type and by name; each bad field named; a duplicate name a 409; writes only
//! from the host's own origin; another user's search a 404.

use reqwest::Method;
use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{assert_error, json, TestApp};

/// A request to the host API with `host`'s session cookie; `same_origin` adds the host's Origin.
async fn call(
    app: &TestApp,
    host: &reqwest::Client,
    method: Method,
    path: &str,
    body: Option<&Value>,
    same_origin: bool,
) -> (u16, Value) {
    let mut request = host.request(method, format!("{}{path}", app.url));
    if same_origin {
        request = request.header("origin", &app.url);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    json(request.send().await.unwrap()).await
}

async fn save(app: &TestApp, host: &reqwest::Client, body: Value) -> (u16, Value) {
    call(
        app,
        host,
        Method::POST,
        "/host/api/saved-searches",
        Some(&body),
        true,
    )
    .await
}

async fn list(app: &TestApp, host: &reqwest::Client, type_id: &str) -> Vec<Value> {
    let path = format!("/host/api/saved-searches?objectTypeId={type_id}");
    let (status, body) = call(app, host, Method::GET, &path, None, false).await;
    assert_eq!(status, 200, "{body}");
    body["savedSearches"].as_array().unwrap().clone()
}

/// The `in` of each error detail, in order.
fn fields(body: &Value) -> Vec<&str> {
    body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["in"].as_str().unwrap())
        .collect()
}

both_backends!(created_listed_by_name_and_deleted, |app| {
    let host = app.host_client().await;
    assert!(list(app, &host, "0-1").await.is_empty());

    let (status, made) = save(
        app,
        &host,
        json!({"name": "  Queueson leads ", "query": "Queueson", "objectTypeId": "0-1"}),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(made["name"], "Queueson leads", "the name is trimmed");
    assert_eq!(made["query"], "Queueson");
    assert_eq!(made["objectTypeId"], "0-1");
    assert!(made["id"].as_i64().is_some_and(|id| id > 0), "{made}");
    assert!(
        made["createdAt"].as_str().is_some_and(|t| t.ends_with('Z')),
        "{made}"
    );
    let (status, _) = save(
        app,
        &host,
        json!({"name": "all acme", "query": "acme", "objectTypeId": "0-1"}),
    )
    .await;
    assert_eq!(status, 201);
    // A type named by its plural is stored under its id; another type has its own list.
    let (status, company) = save(
        app,
        &host,
        json!({"name": "Queueson leads", "query": "acme", "objectTypeId": "companies"}),
    )
    .await;
    assert_eq!(status, 201, "{company}");
    assert_eq!(company["objectTypeId"], "0-2");

    let listed = list(app, &host, "0-1").await;
    let names: Vec<&str> = listed.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["all acme", "Queueson leads"],
        "by name, ignoring case"
    );
    assert_eq!(listed[1], made);
    assert_eq!(list(app, &host, "0-2").await, vec![company.clone()]);

    // A new session of the same user (another browser) sees the same searches.
    let elsewhere = app.host_client().await;
    assert_eq!(list(app, &elsewhere, "0-1").await, listed);

    let path = format!("/host/api/saved-searches/{}", made["id"]);
    let (status, body) = call(app, &host, Method::DELETE, &path, None, true).await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = call(app, &host, Method::DELETE, &path, None, true).await;
    assert_error(status, &body, 404, "OBJECT_NOT_FOUND");
    let names: Vec<Value> = list(app, &host, "0-1")
        .await
        .iter()
        .map(|s| s["name"].clone())
        .collect();
    assert_eq!(names, [json!("all acme")]);
});

both_backends!(bad_fields_are_named_and_write_nothing, |app| {
    let host = app.host_client().await;
    let long_name = "n".repeat(101);
    let long_query = "q".repeat(1001);
    let cases = [
        (
            json!({"name": "", "query": "x", "objectTypeId": "0-1"}),
            vec!["name"],
        ),
        (
            json!({"name": "   ", "query": "x", "objectTypeId": "0-1"}),
            vec!["name"],
        ),
        (
            json!({"name": long_name, "query": "x", "objectTypeId": "0-1"}),
            vec!["name"],
        ),
        (
            json!({"name": "ok", "query": long_query, "objectTypeId": "0-1"}),
            vec!["query"],
        ),
        (
            json!({"name": "ok", "query": "x", "objectTypeId": "0-999"}),
            vec!["objectTypeId"],
        ),
        (
            json!({"name": 7, "query": null, "objectTypeId": "nope"}),
            vec!["name", "query", "objectTypeId"],
        ),
        (json!({}), vec!["name", "query", "objectTypeId"]),
    ];
    for (body, named) in cases {
        let (status, answer) = save(app, &host, body.clone()).await;
        assert_error(status, &answer, 400, "VALIDATION_ERROR");
        assert_eq!(fields(&answer), named, "{body} → {answer}");
    }
    // The limits themselves are allowed: 100 characters of name, 1000 of query.
    let (status, body) = save(
        app,
        &host,
        json!({"name": "n".repeat(100), "query": "q".repeat(1000), "objectTypeId": "0-1"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(list(app, &host, "0-1").await.len(), 1, "only the valid one");

    // Not JSON, or not an object.
    let response = host
        .post(format!("{}/host/api/saved-searches", app.url))
        .header("origin", &app.url)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let (status, body) = json(response).await;
    assert_error(status, &body, 400, "VALIDATION_ERROR");

    // The list needs a known object type too.
    for path in [
        "/host/api/saved-searches",
        "/host/api/saved-searches?objectTypeId=",
        "/host/api/saved-searches?objectTypeId=0-999",
    ] {
        let (status, body) = call(app, &host, Method::GET, path, None, false).await;
        assert_error(status, &body, 400, "VALIDATION_ERROR");
        assert_eq!(fields(&body), ["objectTypeId"], "{path}");
    }
    let (status, body) = call(
        app,
        &host,
        Method::DELETE,
        "/host/api/saved-searches/abc",
        None,
        true,
    )
    .await;
    assert_error(status, &body, 400, "VALIDATION_ERROR");
});

both_backends!(a_duplicate_name_is_a_conflict_and_keeps_the_first, |app| {
    let host = app.host_client().await;
    let (status, first) = save(
        app,
        &host,
        json!({"name": "Leads", "query": "first", "objectTypeId": "0-1"}),
    )
    .await;
    assert_eq!(status, 201, "{first}");
    let (status, body) = save(
        app,
        &host,
        json!({"name": " Leads", "query": "second", "objectTypeId": "0-1"}),
    )
    .await;
    assert_error(status, &body, 409, "CONFLICT");
    assert!(
        body["message"].as_str().unwrap().contains("\"Leads\""),
        "{body}"
    );
    assert_eq!(list(app, &host, "0-1").await, vec![first]);
});

both_backends!(strangers_other_origins_and_other_users_are_refused, |app| {
    let host = app.host_client().await;
    let (status, mine) = save(
        app,
        &host,
        json!({"name": "Mine", "query": "x", "objectTypeId": "0-1"}),
    )
    .await;
    assert_eq!(status, 201, "{mine}");
    let path = format!("/host/api/saved-searches/{}", mine["id"]);

    // Not signed in.
    let stranger = reqwest::Client::new();
    let (status, body) = call(
        app,
        &stranger,
        Method::GET,
        "/host/api/saved-searches?objectTypeId=0-1",
        None,
        false,
    )
    .await;
    assert_error(status, &body, 401, "INVALID_AUTHENTICATION");
    let (status, body) = call(app, &stranger, Method::DELETE, &path, None, true).await;
    assert_error(status, &body, 401, "INVALID_AUTHENTICATION");

    // Writes without the host's Origin (none, or another port of the same host) change nothing.
    let new = json!({"name": "Forged", "query": "x", "objectTypeId": "0-1"});
    let (status, body) = call(
        app,
        &host,
        Method::POST,
        "/host/api/saved-searches",
        Some(&new),
        false,
    )
    .await;
    assert_error(status, &body, 403, "FORBIDDEN");
    let (status, body) = call(app, &host, Method::DELETE, &path, None, false).await;
    assert_error(status, &body, 403, "FORBIDDEN");
    for (method, path) in [
        (Method::POST, "/host/api/saved-searches".to_owned()),
        (Method::DELETE, path.clone()),
    ] {
        let response = host
            .request(method, format!("{}{path}", app.url))
            .header("origin", &app.demo_url)
            .json(&new)
            .send()
            .await
            .unwrap();
        let (status, body) = json(response).await;
        assert_error(status, &body, 403, "FORBIDDEN");
    }
    assert_eq!(list(app, &host, "0-1").await, vec![mine.clone()]);

    // Another user of the portal neither sees nor deletes it.
    let other = app
        .store
        .create_user(&callhost_store::NewUser {
            portal_id: app.dev.portal_id,
            email: "other@example.com",
            first_name: "Other",
            last_name: "User",
        })
        .await
        .unwrap();
    let token = callhost_store::secret::generate("chs-");
    app.store
        .add_access_token(&callhost_store::NewAccessToken {
            token_hash: &callhost_store::secret::hash(&token),
            portal_id: app.dev.portal_id,
            user_id: other.id,
            developer_account_id: None,
            scopes: &[],
            expires_at: None,
        })
        .await
        .unwrap();
    let theirs = reqwest::Client::builder()
        .default_headers(
            [(
                reqwest::header::COOKIE,
                format!("callhost_session={token}").parse().unwrap(),
            )]
            .into_iter()
            .collect(),
        )
        .build()
        .unwrap();
    assert!(list(app, &theirs, "0-1").await.is_empty());
    let (status, body) = call(app, &theirs, Method::DELETE, &path, None, true).await;
    assert_error(status, &body, 404, "OBJECT_NOT_FOUND");
    // Their own search of the same name is theirs, not a conflict.
    let (status, body) = save(
        app,
        &theirs,
        json!({"name": "Mine", "query": "y", "objectTypeId": "0-1"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(list(app, &host, "0-1").await, vec![mine]);
});
