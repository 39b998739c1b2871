//! `POST /callhost/v1/reset` (docs/fixtures.md#reset): the store goes back to the fixture (or
//! the seed) with its ids, live widget sessions close, requests running beside a reset see
//! the store before or after it, never between; off with the automation surfaces.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use callhost_protocol::engine::Session;
use callhost_server::host::widget_socket;
use futures_util::stream;
use reqwest::Method;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use crate::fixtures::{example_path, get};
use crate::helpers::{assert_error, json, spawn_app_from, Backend, Filling, TestApp};
use crate::host::config;
use crate::with_example_fixture;

async fn reset_with_token(app: &TestApp) -> (u16, Value) {
    json(
        app.http
            .post(format!("{}/callhost/v1/reset", app.url))
            .bearer_auth(&app.token)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn create_contact(app: &TestApp, first: &str) -> (u16, Value) {
    json(
        app.http
            .post(format!("{}/crm/v3/objects/contacts", app.url))
            .bearer_auth(&app.token)
            .json(&json!({"properties": {"firstname": first}}))
            .send()
            .await
            .unwrap(),
    )
    .await
}

with_example_fixture!(a_reset_brings_back_the_fixture_and_its_ids, |app| {
    let (status, made) = create_contact(app, "Later").await;
    assert_eq!(status, 201);
    assert_eq!(
        made["id"], "402",
        "the first id after the fixture's largest"
    );
    let (status, _) = json(
        app.http
            .patch(format!("{}/crm/v3/objects/contacts/301", app.url))
            .bearer_auth(&app.token)
            .json(&json!({"properties": {"firstname": "Changed"}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .dev_call(
            Method::DELETE,
            "/crm/v3/extensions/calling/3002/settings",
            None,
        )
        .await;
    assert_eq!(status, 204);

    let (status, body) = reset_with_token(app).await;
    assert_eq!(status, 204, "{body}");

    let (status, _) = get(app, "/crm/v3/objects/contacts/402").await;
    assert_eq!(status, 404, "a record made after start is gone");
    let (_, ada) = get(app, "/crm/v3/objects/contacts/301").await;
    assert_eq!(ada["properties"]["firstname"], "Ada");
    let (status, settings) = app
        .dev_call(
            Method::GET,
            "/crm/v3/extensions/calling/3002/settings",
            None,
        )
        .await;
    assert_eq!(
        (status, settings["name"].clone()),
        (200, json!("Example dialer"))
    );
    // Ids start over where they did after the load.
    let (_, again) = create_contact(app, "Again").await;
    assert_eq!(again["id"], "402");
    // The developer API key resets too.
    let (status, _) = app.dev_call(Method::POST, "/callhost/v1/reset", None).await;
    assert_eq!(status, 204);
    let (status, _) = get(app, "/crm/v3/objects/contacts/402").await;
    assert_eq!(status, 404);
});

with_example_fixture!(a_reset_needs_a_key_or_a_token, |app| {
    let (status, body) = json(
        app.request(Method::POST, "/callhost/v1/reset")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 401, "INVALID_AUTHENTICATION");
    let (status, body) = json(
        app.request(Method::POST, "/callhost/v1/reset?hapikey=chk-wrong-key")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 401, "INVALID_AUTHENTICATION");
    let (status, _) = json(
        app.request(Method::GET, "/callhost/v1/reset")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 405);
});

with_example_fixture!(a_reset_closes_live_widget_sessions, |app| {
    let state = app.state.clone();
    let (id, live) = state.sessions.open(
        Session::new(config(app)),
        app.dev.portal_id,
        app.dev.user_id,
    );
    // A page with its socket open: its frames never end by themselves.
    let (page, frames) = mpsc::unbounded_channel::<String>();
    let frames = stream::unfold(frames, |mut frames| async move {
        frames.recv().await.map(|frame| (frame, frames))
    });
    let seen = Arc::new(Mutex::new(0_usize));
    let counted = seen.clone();
    let sink = futures_util::sink::unfold((), move |(), _frame: String| {
        let counted = counted.clone();
        async move {
            *counted.lock().unwrap() += 1;
            Ok::<_, std::convert::Infallible>(())
        }
    });
    let connection = tokio::spawn(widget_socket::drive(
        state.clone(),
        id.clone(),
        live,
        Box::pin(sink),
        Box::pin(frames),
    ));
    page.send(json!({"kind": "loaded"}).to_string()).unwrap();
    let started = Instant::now();
    while *seen.lock().unwrap() < 2 && started.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(!connection.is_finished(), "the socket is live");

    let (status, _) = reset_with_token(app).await;
    assert_eq!(status, 204);
    let (ending, _sink) = tokio::time::timeout(Duration::from_secs(2), connection)
        .await
        .expect("the socket closes on the reset")
        .unwrap();
    assert_eq!(ending, callhost_server::host::widget_socket::Ending::Closed);
    assert!(
        state
            .sessions
            .resume(&id, app.dev.portal_id, app.dev.user_id)
            .is_none(),
        "the page must start a new session"
    );
    drop(page);
});

with_example_fixture!(an_open_host_page_stays_signed_in_across_a_reset, |app| {
    let browser = app.host_client().await;
    let (status, _) = reset_with_token(app).await;
    assert_eq!(status, 204);
    let context = browser
        .get(format!("{}/host/api/context", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(context.status(), 200);
});

with_example_fixture!(requests_beside_a_reset_never_see_it_half_done, |app| {
    // Readers and writers run while resets go on; a half-restored store would show a fixture
    // record missing or a list without the fixture's contacts.
    let stop = Instant::now() + Duration::from_millis(1500);
    let mut tasks = Vec::new();
    for n in 0..4 {
        let (http, url, token) = (app.http.clone(), app.url.clone(), app.token.clone());
        tasks.push(tokio::spawn(async move {
            let mut checked = 0;
            while Instant::now() < stop {
                if n % 2 == 0 {
                    let r = http
                        .get(format!("{url}/crm/v3/objects/contacts/301"))
                        .bearer_auth(&token)
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(r.status(), 200, "a fixture record went missing");
                    let list: Value = http
                        .get(format!("{url}/crm/v3/objects/contacts?limit=100"))
                        .bearer_auth(&token)
                        .send()
                        .await
                        .unwrap()
                        .json()
                        .await
                        .unwrap();
                    let ids: Vec<&str> = list["results"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|c| c["id"].as_str().unwrap())
                        .collect();
                    assert!(ids.contains(&"301") && ids.contains(&"302"), "{ids:?}");
                } else {
                    let r = http
                        .post(format!("{url}/crm/v3/objects/contacts"))
                        .bearer_auth(&token)
                        .json(&json!({"properties": {"firstname": "Busy"}}))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(r.status(), 201);
                }
                checked += 1;
            }
            checked
        }));
    }
    let mut resets = 0;
    while Instant::now() < stop {
        let (status, body) = reset_with_token(app).await;
        assert_eq!(status, 204, "{body}");
        resets += 1;
    }
    for task in tasks {
        assert!(task.await.unwrap() > 0);
    }
    assert!(resets > 1);
});

// A token made after the snapshot, and used (its grant remembered), is gone with the reset:
// the next request with it is refused.
with_example_fixture!(
    a_token_made_after_the_snapshot_is_refused_after_a_reset,
    |app| {
        let token = app.token_with(&["crm.objects.contacts.read"], false).await;
        let get = || async {
            json(
                app.http
                    .get(format!("{}/crm/v3/objects/contacts/301", app.url))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        };
        assert_eq!(get().await.0, 200);
        assert_eq!(get().await.0, 200);
        let (status, body) = reset_with_token(app).await;
        assert_eq!(status, 204, "{body}");
        let (status, err) = get().await;
        assert_error(status, &err, 401, "INVALID_AUTHENTICATION");
        // The fixture's own token still works.
        let (status, _) = json(
            app.http
                .get(format!("{}/crm/v3/objects/contacts/301", app.url))
                .bearer_auth(&app.token)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200);
    }
);

with_example_fixture!(the_openapi_document_describes_reset, |app| {
    let (_, doc) = json(
        app.request(Method::GET, "/openapi.json")
            .send()
            .await
            .unwrap(),
    )
    .await;
    let reset = &doc["paths"]["/callhost/v1/reset"]["post"];
    assert!(reset["responses"]["204"].is_object(), "{reset}");
    assert_eq!(reset["operationId"], "reset_store");
});

/// Off (callhost listening beyond loopback without `--automation on`), reset is a route that
/// does not exist, whatever the credentials.
#[tokio::test]
async fn reset_is_a_404_when_automation_is_off() {
    let path = example_path();
    let app = spawn_app_from(Backend::Sqlite, Filling::Fixture(&path), false)
        .await
        .unwrap();
    let (status, _) = create_contact(&app, "Kept").await;
    assert_eq!(status, 201);
    let (status, body) = reset_with_token(&app).await;
    assert_error(status, &body, 404, "OBJECT_NOT_FOUND");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("/callhost/v1/reset"),
        "{body}"
    );
    let (status, _) = get(&app, "/crm/v3/objects/contacts/402").await;
    assert_eq!(status, 200, "nothing was reset");
    app.finish().await;
}

/// Without a fixture, reset goes back to the seed as the server started with it.
#[tokio::test]
async fn a_reset_without_a_fixture_goes_back_to_the_seed() {
    let app = spawn_app_from(Backend::Sqlite, Filling::SeedWithSnapshot, true)
        .await
        .unwrap();
    let (_, before) = get(&app, "/crm/v3/objects/contacts?limit=100").await;
    let (status, made) = create_contact(&app, "Later").await;
    assert_eq!(status, 201);
    let (status, _) = reset_with_token(&app).await;
    assert_eq!(status, 204);
    let (status, _) = get(
        &app,
        &format!("/crm/v3/objects/contacts/{}", made["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(status, 404);
    let (_, after) = get(&app, "/crm/v3/objects/contacts?limit=100").await;
    assert_eq!(before["results"], after["results"]);
    app.finish().await;
}

/// How long a reset takes on SQLite with a realistic fixture (500 contacts, 100 companies,
/// their associations, two apps) after a test made 20 records, ten times: prints the figures.
/// `cargo nextest run -p callhost-server --run-ignored only -E 'test(measure_reset)' --no-capture`
#[tokio::test]
#[ignore = "a measurement: prints figures, asserts nothing about time"]
async fn measure_reset_on_sqlite() {
    measure_reset(Backend::Sqlite).await;
}

/// The same on PostgreSQL (with `CALLHOST_TEST_DATABASE_URL`).
#[tokio::test]
#[ignore = "a measurement: prints figures, asserts nothing about time"]
async fn measure_reset_on_postgres() {
    if std::env::var_os("CALLHOST_TEST_DATABASE_URL").is_some() {
        measure_reset(Backend::Postgres).await;
    }
}

async fn measure_reset(backend: Backend) {
    let mut fixture = crate::fixtures::example();
    let companies: Vec<Value> = (0..100)
        .map(|i| json!({"id": 1000 + i, "properties": {"name": format!("Company {i}"), "phone": format!("+1 617 555 {:04}", 1000 + i)}}))
        .collect();
    let contacts: Vec<Value> = (0..500)
        .map(|i| json!({"id": 2000 + i, "properties": {"firstname": format!("Contact {i}"), "lastname": "Example",
            "email": format!("c{i}@example.com"), "phone": format!("+1 617 556 {:04}", i)},
            "associations": [{"to": {"objectType": "companies", "id": 1000 + i % 100}}]}))
        .collect();
    fixture["records"]["companies"] = json!(companies);
    fixture["records"]["contacts"] = json!(contacts);
    fixture["records"]
        .as_object_mut()
        .unwrap()
        .remove("vehicles");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("large.json");
    std::fs::write(&path, fixture.to_string()).unwrap();
    let app = spawn_app_from(backend, Filling::Fixture(&path), true)
        .await
        .unwrap();
    let mut times = Vec::new();
    for _ in 0..10 {
        for i in 0..20 {
            let (status, _) = create_contact(&app, &format!("Made {i}")).await;
            assert_eq!(status, 201);
        }
        let started = Instant::now();
        let (status, _) = reset_with_token(&app).await;
        assert_eq!(status, 204);
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "reset on {backend:?}, 600 records + 500 associations, 20 made before each: min {:.1} ms, median {:.1} ms, max {:.1} ms (HTTP round trip included)",
        times[0],
        times[times.len() / 2],
        times[times.len() - 1]
    );
    app.finish().await;
}

/// Opens a widget socket as the host page does (`session` to resume one, or none); returns
/// the answer's status line and, on 101, the session id of the first frame.
async fn open_widget_socket(
    app: &TestApp,
    cookie: &str,
    session: Option<&str>,
) -> (String, Option<String>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = app.url.trim_start_matches("http://").to_owned();
    let mut socket = tokio::net::TcpStream::connect(&host).await.unwrap();
    let resume = session.map(|s| format!("&session={s}")).unwrap_or_default();
    let upgrade = format!(
        "GET /host/ws?appId=3002&location=widget{resume} HTTP/1.1\r\nHost: {host}\r\nOrigin: {}\r\n\
         Cookie: {cookie}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
        app.url
    );
    socket.write_all(upgrade.as_bytes()).await.unwrap();
    let mut received = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(5), socket.read(&mut chunk))
            .await
            .expect("an answer")
            .unwrap();
        received.extend_from_slice(&chunk[..n]);
        let Some(at) = received.windows(4).position(|w| w == b"\r\n\r\n") else {
            assert!(n > 0, "closed before answering");
            continue;
        };
        let status = String::from_utf8_lossy(
            &received[..received.iter().position(|b| *b == b'\r').unwrap()],
        )
        .into_owned();
        if !status.contains(" 101 ") {
            return (status, None);
        }
        // The first frame: a text frame from the server, unmasked.
        let body = &received[at + 4..];
        let (len, header) = match body.get(1).map(|b| b & 0x7f) {
            Some(126) if body.len() >= 4 => (u16::from_be_bytes([body[2], body[3]]) as usize, 4),
            Some(len) if len < 126 => (len as usize, 2),
            _ => (usize::MAX, 0),
        };
        if len != usize::MAX && body.len() >= header + len {
            let frame: Value = serde_json::from_slice(&body[header..header + len]).unwrap();
            return (status, frame["sessionId"].as_str().map(str::to_owned));
        }
        assert!(n > 0, "closed before the session frame");
    }
}

with_example_fixture!(
    a_page_naming_a_session_a_reset_ended_gets_a_new_one_at_once,
    |app| {
        use reqwest::cookie::CookieStore;
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let browser = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .build()
            .unwrap();
        let page = format!("{}/contacts/{}/record/0-1/301", app.url, app.dev.portal_id);
        assert_eq!(browser.get(&page).send().await.unwrap().status(), 200);
        let cookie = jar.cookies(&app.url.parse().unwrap()).unwrap();
        let cookie = cookie.to_str().unwrap().to_owned();

        let (status, first) = open_widget_socket(app, &cookie, None).await;
        let first = first.unwrap_or_else(|| panic!("{status}"));
        // Before a reset, an unknown session is refused and a known one resumed.
        let (status, _) = open_widget_socket(app, &cookie, Some("ws-unknown")).await;
        assert!(status.contains(" 404 "), "{status}");
        let (_, resumed) = open_widget_socket(app, &cookie, Some(&first)).await;
        assert_eq!(resumed.as_deref(), Some(first.as_str()));

        let (status, _) = reset_with_token(app).await;
        assert_eq!(status, 204);
        let (status, fresh) = open_widget_socket(app, &cookie, Some(&first)).await;
        let fresh = fresh.unwrap_or_else(|| panic!("{status}"));
        assert_ne!(fresh, first, "a new session, not the ended one");
        let (status, _) = open_widget_socket(app, &cookie, Some("ws-unknown")).await;
        assert!(
            status.contains(" 404 "),
            "other unknown sessions are still refused: {status}"
        );
    }
);
