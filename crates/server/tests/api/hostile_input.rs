//! Hand-made hostile requests (issue 17, items 5 and 8), on both backends: long values and
//! NUL characters wherever a string reaches the store, and repeated or oversized list
//! parameters. Each is answered the same on SQLite and PostgreSQL, with a 400 naming the
//! limit where one applies, never a 500.

use reqwest::Method;
use serde_json::{json, Value};

use crate::both_backends;
use crate::crm_objects::{bearer, create_call, CALLS};
use crate::helpers::{assert_error, json, TestApp};

/// `chars` characters of varied text (PostgreSQL compresses repetitive text below an index
/// entry's limit, which hid the problem), from a small deterministic generator.
pub fn varied(seed: u64, chars: usize) -> String {
    let mut x = seed;
    (0..chars)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            char::from_u32(0x21 + (x >> 33) as u32 % 0x5d).unwrap()
        })
        .collect()
}

async fn call(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = bearer(app, method, path);
    if let Some(body) = body {
        request = request.json(&body);
    }
    json(request.send().await.unwrap()).await
}

/// The one error's code and message of a 400.
fn refused(status: u16, body: &Value) -> (String, String) {
    assert_error(status, body, 400, "VALIDATION_ERROR");
    (
        body["errors"][0]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        body["message"].as_str().unwrap_or_default().to_owned(),
    )
}

both_backends!(
    a_value_of_65536_characters_is_kept_whole_and_one_more_is_400,
    |app| {
        let body = varied(7, 65_536);
        let created = create_call(
            app,
            json!({"hs_timestamp": "2026-01-01T00:00:00Z", "hs_call_body": body}),
        )
        .await;
        let id = created["id"].as_str().unwrap();
        let (status, read) = call(
            app,
            Method::GET,
            &format!("{CALLS}/{id}?properties=hs_call_body"),
            None,
        )
        .await;
        assert_eq!(status, 200, "{read}");
        assert_eq!(read["properties"]["hs_call_body"], body.as_str());
        // Found by its whole text, and updated with another long one.
        let search = json!({"filterGroups": [{"filters": [
            {"propertyName": "hs_call_body", "operator": "EQ", "value": body}]}]});
        let (status, found) =
            call(app, Method::POST, &format!("{CALLS}/search"), Some(search)).await;
        assert_eq!(status, 200, "{found}");
        assert_eq!(found["total"], 1, "{found}");
        let other = "é".repeat(65_536);
        let (status, updated) = call(
            app,
            Method::PATCH,
            &format!("{CALLS}/{id}"),
            Some(json!({"properties": {"hs_call_body": other}})),
        )
        .await;
        assert_eq!(status, 200, "{updated}");

        let too_long = format!("{body}x");
        let (status, answer) = call(
            app,
            Method::PATCH,
            &format!("{CALLS}/{id}"),
            Some(json!({"properties": {"hs_call_body": too_long}})),
        )
        .await;
        let (code, message) = refused(status, &answer);
        assert_eq!(code, "TOO_LONG", "{answer}");
        assert!(message.contains("at most 65536 characters"), "{message}");
        let (status, answer) = call(
            app,
            Method::POST,
            CALLS,
            Some(
                json!({"properties": {"hs_timestamp": "2026-01-01T00:00:00Z",
                "hs_call_title": "é".repeat(65_537)}}),
            ),
        )
        .await;
        assert_eq!(refused(status, &answer).0, "TOO_LONG", "{answer}");
    }
);

both_backends!(nul_is_refused_wherever_a_string_enters, |app| {
    let nul = "a\u{0}b";
    let cases: Vec<(Method, String, Option<Value>)> = vec![
        (
            Method::POST,
            CALLS.to_owned(),
            Some(
                json!({"properties": {"hs_timestamp": "2026-01-01T00:00:00Z",
                "hs_call_title": nul}}),
            ),
        ),
        (
            Method::POST,
            "/crm/v3/objects/contacts".to_owned(),
            Some(json!({"properties": {"firstname": nul}})),
        ),
        (
            Method::POST,
            format!("{CALLS}/search"),
            Some(json!({"query": nul})),
        ),
        (
            Method::POST,
            format!("{CALLS}/search"),
            Some(json!({"filterGroups": [{"filters": [
                {"propertyName": "hs_call_title", "operator": "EQ", "value": nul}]}]})),
        ),
        (
            Method::POST,
            format!("{CALLS}/search"),
            Some(json!({"filterGroups": [{"filters": [
                {"propertyName": "hs_call_title", "operator": "IN", "values": ["x", nul]}]}]})),
        ),
        (
            Method::POST,
            "/crm/v3/extensions/calling/inbound-call".to_owned(),
            Some(json!({"externalCallId": nul, "createEngagement": true,
                "fromNumber": {"e164Number": "+16175550123"},
                "toNumber": {"e164Number": "+18885550140"},
                "callStartedTimestamp": "1767225600000", "userId": app.dev.user_id})),
        ),
        (
            Method::POST,
            "/crm/v3/objects/contacts/batch/read?idProperty=email".to_owned(),
            Some(json!({"idProperty": "email", "inputs": [{"id": nul}]})),
        ),
        (Method::GET, "/crm/v3/objects/%00".to_owned(), None),
        (Method::GET, "/crm/v3/objects/calls/1%00".to_owned(), None),
        (
            Method::GET,
            format!("{CALLS}?properties=hs_call_title%00"),
            None,
        ),
        (
            Method::GET,
            "/crm/v3/objects/contacts/x%00?idProperty=email".to_owned(),
            None,
        ),
        (Method::GET, "/crm/v3/schemas/%00".to_owned(), None),
    ];
    for (method, path, body) in cases {
        let (status, answer) = call(app, method.clone(), &path, body).await;
        let (code, message) = refused(status, &answer);
        assert_eq!(code, "INVALID_CHARACTER", "{method} {path}: {answer}");
        assert!(message.contains("NUL"), "{method} {path}: {message}");
    }
    // An escaped backslash before u0000 is ordinary text, kept as written.
    let created = create_call(
        app,
        json!({"hs_timestamp": "2026-01-01T00:00:00Z", "hs_call_title": "a\\u0000b"}),
    )
    .await;
    assert_eq!(created["properties"]["hs_call_title"], "a\\u0000b");
});

/// The first contact of the development seed.
async fn a_contact(app: &TestApp) -> String {
    let (status, list) = call(app, Method::GET, "/crm/v3/objects/contacts?limit=1", None).await;
    assert_eq!(status, 200, "{list}");
    list["results"][0]["id"].as_str().unwrap().to_owned()
}

both_backends!(repeated_list_parameters_count_once, |app| {
    let id = a_contact(app).await;
    let started = std::time::Instant::now();
    // Each repeated 3,000 times, comma-separated (the whole list fits in a URI).
    let repeated = |name: &str, value: &str| format!("{name}={}", vec![value; 3_000].join(","));
    let read = |query: String| {
        let path = format!("/crm/v3/objects/contacts/{id}?{query}");
        async move {
            let (status, read) = call(app, Method::GET, &path, None).await;
            assert_eq!(status, 200, "{read}");
            read
        }
    };
    let one = read(repeated("properties", "firstname")).await;
    let properties = one["properties"].as_object().unwrap();
    assert!(properties.contains_key("firstname"), "{one}");
    assert!(
        properties.len() <= 4,
        "one firstname and the object's ids: {one}"
    );
    let one = read(repeated("propertiesWithHistory", "firstname")).await;
    assert_eq!(
        one["propertiesWithHistory"]["firstname"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    let one = read(repeated("associations", "companies")).await;
    assert_eq!(
        one["associations"].as_object().map(|a| a.len()),
        Some(1),
        "{one}"
    );
    // Aliases of one type are listed once too.
    let path = format!("/crm/v3/objects/contacts/{id}?associations=companies,company,0-2");
    let (status, read) = call(app, Method::GET, &path, None).await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(
        read["associations"].as_object().map(|a| a.len()),
        Some(1),
        "{read}"
    );

    let names = vec!["firstname"; 3_000];
    let (status, found) = call(
        app,
        Method::POST,
        "/crm/v3/objects/contacts/search",
        Some(json!({"properties": names, "limit": 200})),
    )
    .await;
    assert_eq!(status, 200, "{found}");
    let (status, batch) = call(
        app,
        Method::POST,
        "/crm/v3/objects/contacts/batch/read",
        Some(json!({"properties": names, "propertiesWithHistory": names,
            "inputs": vec![json!({"id": id}); 100]})),
    )
    .await;
    assert_eq!(status, 200, "{batch}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
});

both_backends!(list_parameters_over_their_bound_are_400_naming_it, |app| {
    let id = a_contact(app).await;
    let many = |n: usize| (0..n).map(|i| format!("p{i}")).collect::<Vec<_>>();
    let query = |name: &str, n: usize| {
        many(n)
            .iter()
            .map(|v| format!("{name}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    };
    let at = format!("/crm/v3/objects/contacts/{id}");
    // At the bound: unknown property names are left out, as HubSpot does.
    let (status, read) = call(
        app,
        Method::GET,
        &format!("{at}?{}", query("properties", 1_000)),
        None,
    )
    .await;
    assert_eq!(status, 200, "{read}");
    for (path, needle) in [
        (
            format!("{at}?{}", query("properties", 1_001)),
            "at most 1000 properties",
        ),
        (
            format!(
                "/crm/v3/objects/contacts?{}",
                query("propertiesWithHistory", 1_001)
            ),
            "at most 1000 propertiesWithHistory",
        ),
        (
            format!("{at}?{}", query("associations", 21)),
            "at most 20 associations",
        ),
    ] {
        let (status, answer) = call(app, Method::GET, &path, None).await;
        let (code, message) = refused(status, &answer);
        assert_eq!(code, "TOO_MANY_VALUES", "{answer}");
        assert!(message.contains(needle), "{message}");
    }
    for (path, body, needle) in [
        (
            "/crm/v3/objects/contacts/search",
            json!({"properties": many(1_001)}),
            "at most 1000 properties",
        ),
        (
            "/crm/v3/objects/contacts/batch/read",
            json!({"propertiesWithHistory": many(1_001), "inputs": [{"id": id}]}),
            "at most 1000 propertiesWithHistory",
        ),
        (
            "/crm/v3/objects/contacts/batch/read",
            json!({"inputs": vec![json!({"id": id}); 101]}),
            "at most 100 inputs",
        ),
        (
            "/crm/v3/objects/contacts",
            json!({"properties": {"firstname": "x"}, "associations":
                vec![json!({"to": {"id": id}, "types": []}); 101]}),
            "at most 100 associations",
        ),
    ] {
        let (status, answer) = call(app, Method::POST, path, Some(body)).await;
        let (code, message) = refused(status, &answer);
        assert!(code.starts_with("TOO_MANY"), "{answer}");
        assert!(message.contains(needle), "{path}: {message}");
    }
});

/// How many lock requests on tables of `schema` wait.
async fn waiting(watcher: &mut sqlx::PgConnection, schema: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(
        "select count(*) from pg_locks l join pg_class c on c.oid = l.relation \
         join pg_namespace n on n.oid = c.relnamespace \
         where not l.granted and n.nspname = $1",
    )
    .bind(schema)
    .fetch_one(watcher)
    .await
    .unwrap()
}

/// On PostgreSQL, the statement of a request whose client has gone is cancelled, not left
/// running: here the statement waits on a lock that another session holds throughout, so
/// only a cancellation can end it before the lock is released.
#[tokio::test]
#[cfg_attr(
    not(callhost_test_postgres),
    ignore = "needs CALLHOST_TEST_DATABASE_URL (a PostgreSQL server) when built"
)]
async fn a_request_whose_client_is_gone_stops_its_statement_on_postgres() {
    use sqlx::Connection;
    let app = crate::helpers::spawn_app(crate::helpers::Backend::Postgres)
        .await
        .unwrap();
    let schema = app.pg_schema().unwrap().to_owned();
    let url = std::env::var("CALLHOST_TEST_DATABASE_URL").unwrap();
    let mut locker = sqlx::PgConnection::connect(&url).await.unwrap();
    let mut watcher = sqlx::PgConnection::connect(&url).await.unwrap();
    sqlx::query("begin").execute(&mut locker).await.unwrap();
    sqlx::query(&format!(
        "lock table {schema}.crm_object in access exclusive mode"
    ))
    .execute(&mut locker)
    .await
    .unwrap();
    let request = bearer(&app, Method::GET, "/crm/v3/objects/contacts?limit=1").send();
    let client = tokio::spawn(request);
    let started = std::time::Instant::now();
    while waiting(&mut watcher, &schema).await == 0 {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "never blocked"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // The client gives up: its connection closes.
    client.abort();
    let _ = client.await;
    let gone = std::time::Instant::now();
    while waiting(&mut watcher, &schema).await > 0 {
        assert!(
            gone.elapsed() < std::time::Duration::from_secs(5),
            "the statement still waits 5 s after its client left"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    sqlx::query("rollback").execute(&mut locker).await.unwrap();
    locker.close().await.unwrap();
    watcher.close().await.unwrap();
    app.finish().await;
}
