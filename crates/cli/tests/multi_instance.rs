//! Two real `callhost serve` processes on one fresh PostgreSQL database behave as one host:
//! started at once, they migrate, seed and snapshot once (one portal, the same credentials
//! from their shared data directory); and a call reported by both at once, through the
//! inbound-call API on each or through a widget session on each over the real host socket, is
//! one call object every time (docs/design.md#one-call-across-instances).
//!
//! PostgreSQL only (SQLite is one process, and a second `serve` on its data directory is
//! refused). Built ignored without `CALLHOST_TEST_DATABASE_URL`, and failing without it under
//! CI, like the other PostgreSQL variants (`build.rs`).

#[path = "support/instances.rs"]
mod instances;

use std::time::{Duration, Instant};

use instances::{calls_with, report_inbound, App, Database, Instance, Starting, Widget};

/// Distinct calls reported by both instances at once, per path.
const CALLS: usize = 50;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[cfg_attr(
    not(callhost_test_postgres),
    ignore = "needs CALLHOST_TEST_DATABASE_URL (a PostgreSQL server) when built"
)]
async fn two_instances_on_one_database_log_each_call_once() {
    let Ok(admin_url) = std::env::var("CALLHOST_TEST_DATABASE_URL") else {
        panic!("CALLHOST_TEST_DATABASE_URL is not set, but this PostgreSQL test was built to run");
    };
    let started = Instant::now();
    let database = Database::create(&admin_url).await;
    let data_dir = tempfile::tempdir().unwrap();
    // Both at once on the fresh database: migrations, the seed and the snapshot race.
    let a = Starting::spawn(None, &database.url, data_dir.path(), true);
    let b = Starting::spawn(None, &database.url, data_dir.path(), false);
    let (a, b) = (a.ready(), b.ready());
    for field in [
        "portalId",
        "userId",
        "developerApiKey",
        "accessToken",
        "demoAppId",
    ] {
        assert_eq!(a.ready[field], b.ready[field], "{field}: one seed, shared");
    }
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();

    // REST: the inbound-call API on each instance at once.
    let run = instances_token(&a);
    for n in 0..CALLS {
        let external = format!("rest-{run}-{n}");
        let (on_a, on_b) = tokio::join!(
            report_inbound(&http, &a, &external),
            report_inbound(&http, &b, &external)
        );
        assert_eq!(on_a.0, on_b.0, "{external}: both answered the same call");
    }
    for n in 0..CALLS {
        let external = format!("rest-{run}-{n}");
        assert_eq!(calls_with(&http, &a, &external).await, 1, "{external}");
    }

    // WebSocket: a widget session on each instance reports OUTGOING_CALL_STARTED at once.
    let app = App::demo(&http, &a).await;
    for n in 0..CALLS {
        let external = format!("ws-{run}-{n}");
        let (mut on_a, mut on_b) = tokio::join!(Widget::open(&a, &app), Widget::open(&b, &app));
        let (from_a, from_b) = tokio::join!(on_a.report(&external), on_b.report(&external));
        assert_eq!(
            from_a.0, from_b.0,
            "{external}: both sessions got the same call"
        );
        tokio::join!(on_a.close(), on_b.close());
    }
    for n in 0..CALLS {
        let external = format!("ws-{run}-{n}");
        assert_eq!(calls_with(&http, &b, &external).await, 1, "{external}");
    }

    eprintln!(
        "{CALLS} calls by REST and {CALLS} by WebSocket, each from both instances: one call \
         object each, in {:?}",
        started.elapsed()
    );
    a.stop();
    b.stop();
    database.drop_now().await;
}

/// A second instance started with the fixture the first loaded joins it instead of loading it
/// again: what was made meanwhile stays, and both print the fixture's ids and credentials.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(callhost_test_postgres),
    ignore = "needs CALLHOST_TEST_DATABASE_URL (a PostgreSQL server) when built"
)]
async fn a_later_instance_joins_the_fixture_the_first_loaded() {
    let Ok(admin_url) = std::env::var("CALLHOST_TEST_DATABASE_URL") else {
        panic!("CALLHOST_TEST_DATABASE_URL is not set, but this PostgreSQL test was built to run");
    };
    let database = Database::create(&admin_url).await;
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/fixture.example.json"
    );
    let flags = ["--fixture", fixture];
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = Starting::spawn_with(None, &database.url, dir_a.path(), false, &flags).ready();
    let http = reqwest::Client::new();
    let made: serde_json::Value = http
        .post(format!("{}/crm/v3/objects/contacts", a.api_url))
        .bearer_auth(&a.token)
        .json(&serde_json::json!({"properties": {"firstname": "Made", "lastname": "Meanwhile"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let b = Starting::spawn_with(None, &database.url, dir_b.path(), false, &flags).ready();
    for field in ["portalId", "userId", "developerApiKey", "accessToken"] {
        assert_eq!(a.ready[field], b.ready[field], "{field}: the fixture's");
    }
    let id = made["id"].as_str().unwrap();
    let read = http
        .get(format!("{}/crm/v3/objects/contacts/{id}", b.api_url))
        .bearer_auth(&b.token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        read.status(),
        200,
        "the second instance did not reload the fixture"
    );
    a.stop();
    b.stop();
    database.drop_now().await;
}

/// A word unique to this run, so that the external ids never meet another run's.
fn instances_token(instance: &Instance) -> String {
    format!("{}-{}", instance.portal_id(), std::process::id())
}
