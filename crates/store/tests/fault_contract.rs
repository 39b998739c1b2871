//! The fault rules' part of the store contract, on SQLite and PostgreSQL: rules are their
//! owner's, an owner's count holds (the oldest spent rule makes room), every change bumps the
//! version the live rules are read at, and a rule's firings are claimed so that concurrent
//! claims never take more than its `times`.

mod common;

use std::sync::Arc;

use callhost_store::faults::{FaultOwner, NewFault};
use callhost_store::*;
use common::Harness;

const PORTAL: FaultOwner<'static> = FaultOwner {
    kind: "portal",
    id: 7,
};
const DEVELOPER: FaultOwner<'static> = FaultOwner {
    kind: "developer",
    id: 7,
};

fn rule<'a>(id: &'a str, owner: FaultOwner<'a>, times: Option<i64>) -> NewFault<'a> {
    NewFault {
        id,
        owner,
        rule: r#"{"match":{},"effect":{"kind":"drop"}}"#,
        times,
        created_at: "2025-01-01T00:00:00.000Z",
    }
}

contract!(
    rules_are_their_owners_and_every_change_bumps_the_version,
    |store: Arc<dyn Store>| async move {
        let start = store.fault_rules().await.unwrap();
        assert!(start.rules.is_empty());
        let a = store
            .add_fault_rule(&rule("f-a", PORTAL, Some(1)), 100)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (a.fired, a.times, a.owner_kind.as_str()),
            (0, Some(1), "portal")
        );
        store
            .add_fault_rule(&rule("f-b", DEVELOPER, None), 100)
            .await
            .unwrap()
            .unwrap();
        let read = store.fault_rules().await.unwrap();
        assert!(read.version > start.version);
        let ids: Vec<&str> = read.rules.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["f-a", "f-b"], "by position");
        assert_eq!(
            store.list_fault_rules(PORTAL).await.unwrap(),
            vec![a.clone()]
        );

        // Another owner neither lists nor deletes it.
        assert!(!store.delete_fault_rule(DEVELOPER, "f-a").await.unwrap());
        // Spent: no longer live, still listed.
        assert!(store.claim_fault_rule("f-a").await.unwrap().is_some());
        let read_after = store.fault_rules().await.unwrap();
        let ids: Vec<&str> = read_after.rules.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["f-b"]);
        assert_eq!(
            read_after.version, read.version,
            "a firing is no change of the rules"
        );
        assert_eq!(store.list_fault_rules(PORTAL).await.unwrap()[0].fired, 1);

        assert!(store.delete_fault_rule(PORTAL, "f-a").await.unwrap());
        assert!(store.list_fault_rules(PORTAL).await.unwrap().is_empty());
        let deleted = store.fault_rules().await.unwrap();
        assert!(deleted.version > read_after.version);
        assert!(store.claim_fault_rule("f-a").await.unwrap().is_none());

        assert_eq!(store.delete_all_fault_rules().await.unwrap(), 1);
        let cleared = store.fault_rules().await.unwrap();
        assert!(cleared.rules.is_empty() && cleared.version > deleted.version);
    }
);

contract!(
    a_full_owner_makes_room_by_its_oldest_spent_rule_or_is_refused,
    |store: Arc<dyn Store>| async move {
        let ids: Vec<String> = (0..3).map(|i| format!("f-{i}")).collect();
        for id in &ids {
            store
                .add_fault_rule(&rule(id, PORTAL, Some(1)), 3)
                .await
                .unwrap()
                .unwrap();
        }
        // Another owner's rules do not count against this one.
        store
            .add_fault_rule(&rule("f-other", DEVELOPER, None), 3)
            .await
            .unwrap()
            .unwrap();
        assert!(store
            .add_fault_rule(&rule("f-3", PORTAL, Some(1)), 3)
            .await
            .unwrap()
            .is_none());
        store.claim_fault_rule("f-2").await.unwrap().unwrap();
        store.claim_fault_rule("f-1").await.unwrap().unwrap();
        store
            .add_fault_rule(&rule("f-3", PORTAL, Some(1)), 3)
            .await
            .unwrap()
            .unwrap();
        let listed: Vec<String> = store
            .list_fault_rules(PORTAL)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(listed, ["f-0", "f-2", "f-3"], "the oldest spent one went");
    }
);

contract!(
    concurrent_claims_never_take_more_than_times,
    |store: Arc<dyn Store>| async move {
        store
            .add_fault_rule(&rule("f-5", PORTAL, Some(5)), 100)
            .await
            .unwrap()
            .unwrap();
        store
            .add_fault_rule(&rule("f-any", PORTAL, None), 100)
            .await
            .unwrap()
            .unwrap();
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let five = store.claim_fault_rule("f-5").await.unwrap();
                let any = store.claim_fault_rule("f-any").await.unwrap();
                (five.map(|c| c.fired), any.is_some())
            }));
        }
        let mut fired = Vec::new();
        for task in tasks {
            let (five, any) = task.await.unwrap();
            assert!(any, "a rule without times always fires");
            fired.extend(five);
        }
        fired.sort_unstable();
        assert_eq!(
            fired,
            [1, 2, 3, 4, 5],
            "each firing counted once, five in all"
        );
        let rules = store.list_fault_rules(PORTAL).await.unwrap();
        assert_eq!((rules[0].fired, rules[0].spent()), (5, true));
        assert_eq!((rules[1].fired, rules[1].spent()), (20, false));
    }
);
