//! The exclusion part of the store contract: a call's hold excludes every other holder of the
//! same (portal, externalCallId), and only those; on PostgreSQL also a second store (another
//! instance) on the same database; a starting instance learns whether another runs.

mod common;

use std::sync::Arc;
use std::time::Duration;

use callhost_store::*;
use common::Harness;

/// Whether `hold` is still waiting after a while (it is excluded).
async fn waits<T>(hold: impl std::future::Future<Output = T>) -> bool {
    tokio::time::timeout(Duration::from_millis(300), hold)
        .await
        .is_err()
}

async fn holds_exclude_the_same_call_only(first: Arc<dyn Store>, second: Arc<dyn Store>) {
    let held = first.hold_call(1, "call-a").await.unwrap();
    assert!(
        waits(second.hold_call(1, "call-a")).await,
        "the same call waits"
    );
    // Another call, or the same id in another portal, does not wait (stripes and keys apart,
    // which these two are on both backends).
    drop(second.hold_call(1, "call-b").await.unwrap());
    drop(second.hold_call(2, "call-a").await.unwrap());
    let waiting = tokio::spawn({
        let second = second.clone();
        async move { second.hold_call(1, "call-a").await.map(drop) }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!waiting.is_finished(), "held until dropped");
    drop(held);
    tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("released when dropped")
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn sqlite_holds_exclude_the_same_call_only() {
    let h = Harness::sqlite().await;
    holds_exclude_the_same_call_only(h.store.clone(), h.store.clone()).await;
    let startup = h.store.begin_startup().await.unwrap();
    assert!(startup.first, "SQLite is one process");
    assert!(
        waits(h.store.begin_startup()).await,
        "one startup at a time"
    );
    drop(startup.finish().await.unwrap());
    h.finish().await;
}

#[tokio::test]
#[cfg_attr(
    not(callhost_test_postgres),
    ignore = "needs CALLHOST_TEST_DATABASE_URL (a PostgreSQL server) when built"
)]
async fn postgres_holds_exclude_the_same_call_across_instances() {
    let h = Harness::postgres().await;
    let url = std::env::var("CALLHOST_TEST_DATABASE_URL").unwrap();
    let schema = h.pg().schema().unwrap().to_owned();
    let other: Arc<dyn Store> = Arc::new(PgStore::connect(&url, Some(&schema)).await.unwrap());
    holds_exclude_the_same_call_only(h.store.clone(), other.clone()).await;
    holds_exclude_the_same_call_only(h.store.clone(), h.store.clone()).await;

    // A store in another schema (another callhost) never waits for this one's holds.
    let apart = Harness::postgres().await;
    let held = h.store.hold_call(1, "call-a").await.unwrap();
    drop(apart.store.hold_call(1, "call-a").await.unwrap());
    drop(held);

    let startup = h.store.begin_startup().await.unwrap();
    assert!(startup.first, "nobody runs yet");
    assert!(waits(other.begin_startup()).await, "one startup at a time");
    let running = startup.finish().await.unwrap();
    let second = other.begin_startup().await.unwrap();
    assert!(!second.first, "the first instance runs");
    let second = second.finish().await.unwrap();
    drop(running);
    drop(second);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let again = h.store.begin_startup().await.unwrap();
    assert!(
        again.first,
        "both stopped: the next start is the first again"
    );
    drop(again.finish().await.unwrap());
    apart.finish().await;
    h.finish().await;
}
