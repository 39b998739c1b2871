//! The load balancer's probes (docs/deploy.md#health-and-readiness): `/healthz` answers while
//! the process runs; `/readyz` answers 200 while the database does and the server is not
//! shutting down, 503 in HubSpot's error shape otherwise.

use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use callhost_server::{routes, AppState, Shutdown};
use callhost_store::{secret, PgStore, Store};
use serde_json::Value;
use sqlx::Connection;
use tower::ServiceExt;

use crate::both_backends;
use crate::helpers::{assert_error, json, TestApp};

both_backends!(both_probes_answer_without_credentials, |app| {
    let (status, body) = over_http(app, "/healthz").await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("live")),
        "{body}"
    );
    let (status, body) = over_http(app, "/readyz").await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("ready")),
        "{body}"
    );
    assert_eq!(body["backend"], app.store.backend().name());
});

both_backends!(readiness_fails_once_the_server_shuts_down, |app| {
    let mut state = app.state.clone();
    state.shutdown = Shutdown::on(async {});
    // The signal fires on a spawned task; readiness must see it before the probe is asked.
    let mut fired = state.shutdown.clone();
    fired.wait().await;
    let (status, body) = probe(state, "/readyz").await;
    assert_error(status, &body, 503, "SERVICE_UNAVAILABLE");
    assert!(
        body["message"].as_str().unwrap().contains("shutting down"),
        "{body}"
    );
    // Liveness is not readiness: the process still answers.
    let (status, _) = probe(app.state.clone(), "/healthz").await;
    assert_eq!(status, 200);
});

/// A database that goes away turns readiness to 503 with the reason, and liveness stays 200.
#[tokio::test]
#[cfg_attr(
    not(callhost_test_postgres),
    ignore = "needs CALLHOST_TEST_DATABASE_URL (a PostgreSQL server) when built"
)]
async fn readiness_fails_when_the_database_goes_away() {
    let Ok(url) = std::env::var("CALLHOST_TEST_DATABASE_URL") else {
        panic!("CALLHOST_TEST_DATABASE_URL is not set, but this PostgreSQL test was built to run");
    };
    let name = format!("health_{}", secret::generate("")[..16].to_lowercase());
    let mut admin = sqlx::PgConnection::connect(&url).await.unwrap();
    sqlx::query(&format!("create database {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let own_url = match url.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{name}"),
        None => panic!("CALLHOST_TEST_DATABASE_URL names no database: {url}"),
    };
    let store: Arc<dyn Store> = Arc::new(PgStore::connect(&own_url, None).await.unwrap());
    let state = AppState::new(store, None);
    let (status, body) = probe(state.clone(), "/readyz").await;
    assert_eq!(status, 200, "{body}");

    sqlx::query(&format!("drop database {name} with (force)"))
        .execute(&mut admin)
        .await
        .unwrap();
    let (status, body) = probe(state.clone(), "/readyz").await;
    assert_error(status, &body, 503, "SERVICE_UNAVAILABLE");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("postgres database did not answer"),
        "{body}"
    );
    let (status, _) = probe(state, "/healthz").await;
    assert_eq!(status, 200);
}

/// One GET through the API router (no listener: the state is the test's own).
/// A probe of the running server over HTTP, with no credentials.
async fn over_http(app: &TestApp, path: &str) -> (u16, Value) {
    json(
        app.http
            .get(format!("{}{path}", app.url))
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn probe(state: AppState, path: &str) -> (u16, Value) {
    let response = routes::api_router(state)
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, serde_json::from_slice(&bytes).unwrap())
}
