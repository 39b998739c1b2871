//! Tests of the statement timeout on both backends, and of what happens to a PostgreSQL
//! statement whose future is dropped (its request is gone).

use std::time::{Duration, Instant};

use crate::sql::{query, Exec, SqlStore};
use crate::{PgStore, SqliteStore, StoreError, StoreOptions};

fn options(timeout: Duration) -> StoreOptions {
    StoreOptions {
        statement_timeout: timeout,
    }
}

/// A statement that counts to a billion: seconds of work on any machine.
const ENDLESS_SQLITE: &str = "with recursive c(x) as (select 1 union all select x + 1 from c \
    where x < 1000000000) select count(*) as n from c";

#[tokio::test]
async fn sqlite_interrupts_a_statement_at_the_timeout_and_serves_the_next_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_with(
        &dir.path().join("t.db"),
        &options(Duration::from_millis(300)),
    )
    .await
    .unwrap();
    let started = Instant::now();
    let Err(err) = store.fetch_one(query(ENDLESS_SQLITE)).await else {
        panic!("the statement ran to its end");
    };
    assert!(
        matches!(StoreError::from(err), StoreError::Timeout),
        "a timeout"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "stopped promptly"
    );
    // The next use of a connection gets a new deadline.
    let mut conn = store.conn().await.unwrap();
    conn.fetch_one(query("select 1 as n")).await.unwrap();
}

fn database_url() -> String {
    std::env::var("CALLHOST_TEST_DATABASE_URL")
        .expect("CALLHOST_TEST_DATABASE_URL is not set, but this PostgreSQL test was built to run")
}

async fn pg_store(timeout: Duration) -> PgStore {
    let schema = format!("unit_{}", &uuid::Uuid::new_v4().simple().to_string()[..20]);
    PgStore::connect_with(&database_url(), Some(&schema), &options(timeout))
        .await
        .unwrap()
}

#[tokio::test]
#[cfg_attr(
    not(callhost_test_postgres),
    ignore = "needs CALLHOST_TEST_DATABASE_URL (a PostgreSQL server) when built"
)]
async fn postgres_stops_a_statement_at_the_timeout() {
    let store = pg_store(Duration::from_secs(1)).await;
    let started = Instant::now();
    let Err(err) = store
        .fetch_one(query("select pg_sleep(20)::text as n"))
        .await
    else {
        panic!("the statement ran to its end");
    };
    assert!(matches!(StoreError::from(err), StoreError::Timeout));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "stopped long before the statement's end"
    );
    store.drop_schema().await.unwrap();
}

#[tokio::test]
#[cfg_attr(
    not(callhost_test_postgres),
    ignore = "needs CALLHOST_TEST_DATABASE_URL (a PostgreSQL server) when built"
)]
async fn postgres_cancels_the_statement_of_a_dropped_future() {
    let store = pg_store(StoreOptions::DEFAULT_STATEMENT_TIMEOUT).await;
    let marker = format!("dropped_{}", uuid::Uuid::new_v4().simple());
    let sleep = format!("select pg_sleep(20)::text as {marker}");
    let gone = tokio::time::timeout(Duration::from_millis(500), store.fetch_one(query(&sleep)));
    assert!(gone.await.is_err(), "the statement was still running");
    // Another connection watches the server's sessions for the statement.
    let watch = sqlx::PgPool::connect(&database_url()).await.unwrap();
    let running = || async {
        sqlx::query_scalar::<_, i64>(
            "select count(*) from pg_stat_activity where state = 'active' \
             and query like '%' || $1 || '%' and pid <> pg_backend_pid()",
        )
        .bind(&marker)
        .fetch_one(&watch)
        .await
        .unwrap()
    };
    let started = Instant::now();
    while running().await > 0 {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the statement of a dropped future still runs after 5 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    watch.close().await;
    store.drop_schema().await.unwrap();
}
