//! The bus and the widget sessions (docs/design.md#bus, docs/design.md#session-handover), the
//! same on both backends: an event reaches the publisher's own subscribers; a session changes
//! owner only by compare-and-set, a write of an instance that lost it or an older write
//! changes nothing, and another user's session looks absent. On PostgreSQL, an event crosses
//! to a second store on the same schema, which has an instance id of its own.

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
