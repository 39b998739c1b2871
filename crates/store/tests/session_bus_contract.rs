//! The bus and the widget sessions (docs/design.md#bus, docs/design.md#session-handover), the
//! same on both backends: an event reaches the publisher's own subscribers; a session changes
//! owner only by compare-and-set, a write of an instance that lost it or an older write
//! changes nothing, and another user's session looks absent. The access count moves on a
//! revocation. On PostgreSQL, an event crosses to a second store on the same schema, which has
//! an instance id of its own, and so do a revocation and a reset, to its access count; the
//! count is not there while nobody listens, and moves when the listening connection is lost.

mod common;

use std::sync::Arc;
use std::time::Duration;

use callhost_store::*;
use common::Harness;

fn session(id: &str, owner: &str, version: i64) -> StoredSession {
    StoredSession {
        id: id.into(),
        portal_id: 1,
        user_id: 2,
        app_id: 3,
        location: "widget".into(),
        owner: owner.into(),
        connected: true,
        version,
        last_seen_ms: 1_000,
        state: format!("{{\"v\":{version}}}"),
    }
}

async fn next(receiver: &mut tokio::sync::broadcast::Receiver<Delivery>) -> Delivery {
    tokio::time::timeout(Duration::from_secs(10), receiver.recv())
        .await
        .expect("an event within 10 s")
        .unwrap()
}

async fn bus_and_sessions(store: Arc<dyn Store>) {
    let bus = store.bus();
    let mut events = bus.subscribe().await.unwrap();
    bus.publish(Event::Reset).await.unwrap();
    let got = next(&mut events).await;
    assert_eq!(
        (got.from.as_str(), got.event),
        (bus.instance(), Event::Reset)
    );
    let huge = Event::Relay {
        portal_id: 1,
        user_id: 2,
        app_id: 3,
        from_session: "x".repeat(8000),
        command: serde_json::Value::Null,
    };
    if bus.shared() {
        assert!(bus.publish(huge).await.is_err(), "over NOTIFY's limit");
    }

    assert!(store
        .save_widget_session(&session("ws-1", "i-a", 1))
        .await
        .unwrap());
    assert!(store
        .save_widget_session(&session("ws-1", "i-a", 3))
        .await
        .unwrap());
    // Older than what is stored: nothing.
    assert!(!store
        .save_widget_session(&session("ws-1", "i-a", 2))
        .await
        .unwrap());
    // Another user's session looks absent.
    assert!(store
        .take_widget_session("ws-1", 1, 9, "i-b")
        .await
        .unwrap()
        .is_none());
    let taken = store
        .take_widget_session("ws-1", 1, 2, "i-b")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((taken.owner.as_str(), taken.version), ("i-a", 3));
    assert_eq!(taken.state, "{\"v\":3}");
    // The instance that lost it can no longer write it; the new owner can.
    assert!(!store
        .save_widget_session(&session("ws-1", "i-a", 9))
        .await
        .unwrap());
    assert!(store
        .save_widget_session(&session("ws-1", "i-b", 4))
        .await
        .unwrap());
    assert_eq!(
        store
            .get_widget_session("ws-1")
            .await
            .unwrap()
            .unwrap()
            .owner,
        "i-b"
    );
    // Idle without a page, or not written for long: expired.
    let mut idle = session("ws-2", "i-a", 1);
    idle.connected = false;
    store.save_widget_session(&idle).await.unwrap();
    assert_eq!(store.expire_widget_sessions(1_001, 0).await.unwrap(), 1);
    assert_eq!(store.list_widget_sessions().await.unwrap().len(), 1);
    assert!(!store.delete_widget_session("ws-1", "i-a").await.unwrap());
    assert_eq!(store.delete_all_widget_sessions().await.unwrap(), 1);
    // Live state, not data: a snapshot and its restore leave it alone.
    store
        .save_widget_session(&session("ws-3", "i-a", 1))
        .await
        .unwrap();
    store.take_snapshot().await.unwrap();
    store.delete_all_widget_sessions().await.unwrap();
    store.restore_snapshot().await.unwrap();
    assert!(store.list_widget_sessions().await.unwrap().is_empty());
}

contract!(the_bus_and_widget_sessions, bus_and_sessions);

async fn access_count(store: Arc<dyn Store>) {
    let bus = store.bus();
    if bus.shared() {
        assert_eq!(bus.access_epoch(), None, "nobody listens yet");
    }
    let _events = bus.subscribe().await.unwrap();
    let first = bus.access_epoch().expect("the bus hears");
    bus.access_changed();
    let second = bus.access_epoch().unwrap();
    assert!(second > first);
    // Uninstalling revokes, even when there was nothing to revoke: the count moves at once.
    assert!(!store.uninstall_app(1, 2).await.unwrap());
    assert!(bus.access_epoch().unwrap() > second);
}

contract!(the_access_count, access_count);

/// Waits (up to 10 s) until `bus`'s access count is past `after`.
async fn moves_past(bus: &Bus, after: u64) -> u64 {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(now) = bus.access_epoch().filter(|now| *now > after) {
            return now;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the access count stayed at {after}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
#[cfg_attr(
    not(callhost_test_postgres),
    ignore = "needs CALLHOST_TEST_DATABASE_URL (a PostgreSQL server) when built"
)]
async fn a_revocation_a_reset_and_a_lost_connection_move_another_stores_access_count() {
    let h = Harness::postgres().await;
    let url = std::env::var("CALLHOST_TEST_DATABASE_URL").unwrap();
    let schema = h.pg_schema().unwrap().to_owned();
    let other = PgStore::connect(&url, Some(&schema)).await.unwrap();
    let (one, two) = (h.store.bus(), Store::bus(&other));
    let mut heard = two.subscribe().await.unwrap();
    let start = two.access_epoch().expect("the second store listens");

    assert!(!h.store.uninstall_app(1, 2).await.unwrap());
    let revoked = moves_past(&two, start).await;
    one.publish(Event::Reset).await.unwrap();
    let reset = moves_past(&two, revoked).await;
    // The revocation's signal is the bus's own: subscribers get the reset alone.
    assert_eq!(next(&mut heard).await.event, Event::Reset);

    // The listening connection lost: the count moves, and is back once it listens again.
    let admin = sqlx::PgPool::connect(&url).await.unwrap();
    let killed: i64 = sqlx::query_scalar(
        "select count(pg_terminate_backend(pid)) from pg_stat_activity \
         where pid <> pg_backend_pid() and query ilike $1",
    )
    .bind(format!("%listen%callhost_bus_{schema}%"))
    .fetch_one(&admin)
    .await
    .unwrap();
    admin.close().await;
    assert_eq!(killed, 1, "the second store's listening connection");
    moves_past(&two, reset).await;
    other.close().await;
    h.finish().await;
}

#[tokio::test]
#[cfg_attr(
    not(callhost_test_postgres),
    ignore = "needs CALLHOST_TEST_DATABASE_URL (a PostgreSQL server) when built"
)]
async fn an_event_crosses_to_another_store_on_the_same_schema() {
    let h = Harness::postgres().await;
    let url = std::env::var("CALLHOST_TEST_DATABASE_URL").unwrap();
    let schema = h.pg_schema().unwrap().to_owned();
    let other = PgStore::connect(&url, Some(&schema)).await.unwrap();
    let (one, two) = (h.store.bus(), Store::bus(&other));
    assert_ne!(one.instance(), two.instance());
    let mut heard = two.subscribe().await.unwrap();
    let taken = Event::SessionTaken {
        session_id: "ws-1".into(),
        owner: one.instance().into(),
    };
    one.publish(taken.clone()).await.unwrap();
    let got = next(&mut heard).await;
    assert_eq!((got.from.as_str(), got.event), (one.instance(), taken));
    other.close().await;
    h.finish().await;
}
