//! The rate-limit counters' part of the store contract, on SQLite and PostgreSQL: a request's
//! hits add one to each of its counters and return the counts in order, windows and keys
//! count apart, concurrent hits are never lost, and expired windows are deleted.

mod common;

use std::sync::Arc;

use callhost_store::*;
use common::Harness;

fn hit(key: &str, window_start: i64) -> CounterHit<'_> {
    CounterHit {
        key,
        window_start,
        expires_at: window_start + 10_000,
    }
}

contract!(
    hits_count_per_key_and_window,
    |store: Arc<dyn Store>| async move {
        assert!(store.count_hits(&[]).await.unwrap().is_empty());
        let first = store
            .count_hits(&[hit("p:1|burst", 0), hit("p:1|daily", 0)])
            .await
            .unwrap();
        assert_eq!(first, [1, 1]);
        let second = store
            .count_hits(&[hit("p:1|daily", 0), hit("p:1|burst", 0)])
            .await
            .unwrap();
        assert_eq!(second, [2, 2], "counts follow the order of the hits");
        assert_eq!(
            store.count_hits(&[hit("p:1|burst", 10_000)]).await.unwrap(),
            [1]
        );
        assert_eq!(store.count_hits(&[hit("p:2|burst", 0)]).await.unwrap(), [1]);
    }
);

contract!(
    concurrent_hits_are_all_counted,
    |store: Arc<dyn Store>| async move {
        let mut tasks = Vec::new();
        for _ in 0..40 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                store.count_hits(&[hit("p:1|burst", 0)]).await.unwrap()[0]
            }));
        }
        let mut counts = Vec::new();
        for task in tasks {
            counts.push(task.await.unwrap());
        }
        counts.sort_unstable();
        assert_eq!(
            counts,
            (1..=40).collect::<Vec<i64>>(),
            "every count seen once"
        );
    }
);

contract!(
    expired_windows_are_deleted,
    |store: Arc<dyn Store>| async move {
        store
            .count_hits(&[hit("p:1|burst", 0), hit("p:1|burst", 20_000)])
            .await
            .unwrap();
        assert_eq!(store.delete_expired_counters(15_000).await.unwrap(), 1);
        assert_eq!(store.delete_expired_counters(15_000).await.unwrap(), 0);
        assert_eq!(
            store.count_hits(&[hit("p:1|burst", 20_000)]).await.unwrap(),
            [2]
        );
        assert_eq!(
            store.count_hits(&[hit("p:1|burst", 0)]).await.unwrap(),
            [1],
            "counted afresh"
        );
    }
);
