//! The help-desk part of the store contract, on SQLite and PostgreSQL: inboxes, numbers
//! connected all or none, calls attached to one ticket per caller in one transaction, and
//! finalization.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use callhost_store::crm::*;
use callhost_store::helpdesk::*;
use callhost_store::*;
use common::Harness;

fn kind(type_id: i32) -> AssociationKind {
    AssociationKind {
        category: "HUBSPOT_DEFINED".into(),
        type_id,
    }
}

fn props(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn number(e164: &str) -> NewChannel {
    NewChannel {
        e164: e164.into(),
        friendly_name: Some(format!("Line {e164}")),
    }
}

/// A portal with an installed app (id 77) and its default inbox.
async fn setup(store: &Arc<dyn Store>) -> (i64, Inbox) {
    let portal = store.create_portal("P").await.unwrap().id;
    let developer = store.create_developer_account("D").await.unwrap().id;
    store.register_app(77, developer).await.unwrap();
    store.install_app(portal, 77).await.unwrap();
    let inbox = store
        .list_inboxes(portal, "Support", now())
        .await
        .unwrap()
        .remove(0);
    (portal, inbox)
}

fn plan<'a>(channel: &'a Channel, caller: Option<ObjectRef>, subject: &str) -> TicketPlan<'a> {
    TicketPlan {
        channel,
        ticket_to_caller: caller.as_ref().map(|_| (kind(16), kind(15))),
        caller,
        caller_number: Some("+16175550123".into()),
        ticket_properties: props(&[("subject", subject), ("hs_pipeline_stage", "1")]),
        ticket_to_call: (kind(219), kind(220)),
        source_type: "TEST",
        finalize_at: None,
    }
}

fn call(external_id: &str) -> NewObject {
    NewObject {
        properties: props(&[("hs_call_external_id", external_id)]),
        associations: Vec::new(),
    }
}

contract!(
    a_portal_gets_one_default_inbox_and_unique_names,
    |store: Arc<dyn Store>| async move {
        let (portal, support) = setup(&store).await;
        assert_eq!(support.name, "Support");
        let again = store.list_inboxes(portal, "Support", now()).await.unwrap();
        assert_eq!(again, vec![support.clone()], "made once");
        let billing = store.create_inbox(portal, "Billing", now()).await.unwrap();
        assert!(matches!(
            store.create_inbox(portal, "Billing", now()).await,
            Err(StoreError::Duplicate(_))
        ));
        let names: Vec<String> = store
            .list_inboxes(portal, "Support", now())
            .await
            .unwrap()
            .into_iter()
            .map(|i| i.name)
            .collect();
        assert_eq!(names, ["Support", "Billing"]);
        // Another portal has its own, and cannot connect to this one's.
        let other = store.create_portal("Q").await.unwrap().id;
        let theirs = store.list_inboxes(other, "Support", now()).await.unwrap();
        assert_eq!(theirs.len(), 1);
        assert_ne!(theirs[0].id, support.id);
        let refused = store
            .connect_channels(other, billing.id, 77, &[number("+18005550100")], now())
            .await
            .unwrap();
        assert_eq!(refused, Connected::UnknownInbox);
    }
);

contract!(
    numbers_connect_all_or_none,
    |store: Arc<dyn Store>| async move {
        let (portal, inbox) = setup(&store).await;
        let Connected::Channels(made) = store
            .connect_channels(
                portal,
                inbox.id,
                77,
                &[number("+18005550100"), number("+18005550101")],
                now(),
            )
            .await
            .unwrap()
        else {
            panic!("connected")
        };
        assert_eq!(made.len(), 2);
        assert_eq!(made[0].e164, "+18005550100");
        assert_eq!(made[0].friendly_name.as_deref(), Some("Line +18005550100"));
        assert_eq!((made[0].inbox_id, made[0].app_id), (inbox.id, 77));

        // One number already connected: the new one is not connected either.
        let refused = store
            .connect_channels(
                portal,
                inbox.id,
                77,
                &[number("+18005550102"), number("+18005550101")],
                now(),
            )
            .await
            .unwrap();
        assert_eq!(
            refused,
            Connected::AlreadyConnected(vec!["+18005550101".into()])
        );
        assert!(store
            .find_channel(portal, "+18005550102")
            .await
            .unwrap()
            .is_none());
        assert_eq!(store.list_channels(portal).await.unwrap(), made);
        let listed = store.list_inboxes(portal, "Support", now()).await.unwrap();
        assert_eq!(listed[0].channels, made);

        assert!(store.disconnect_channel(portal, made[0].id).await.unwrap());
        assert!(!store.disconnect_channel(portal, made[0].id).await.unwrap());
        let other = store.create_portal("Q").await.unwrap().id;
        assert!(!store.disconnect_channel(other, made[1].id).await.unwrap());
        assert_eq!(
            store.list_channels(portal).await.unwrap(),
            vec![made[1].clone()]
        );
    }
);

contract!(calls_from_one_caller_share_the_open_ticket, |store: Arc<
    dyn Store,
>| async move {
    let (portal, inbox) = setup(&store).await;
    let Connected::Channels(channels) = store
        .connect_channels(portal, inbox.id, 77, &[number("+18005550100")], now())
        .await
        .unwrap()
    else {
        panic!("connected")
    };
    let channel = &channels[0];
    let ada = store
        .create_objects(
            portal,
            "0-1",
            &[NewObject {
                properties: props(&[("firstname", "Ada")]),
                associations: Vec::new(),
            }],
            "TEST",
            now(),
        )
        .await
        .unwrap()
        .remove(0);
    let ada_ref = ObjectRef::new("0-1", ada.id);

    // A new call and its new ticket, associated both ways, with the caller.
    let first = store
        .attach_call(
            portal,
            CallToAttach::New(&call("x-1")),
            &plan(channel, Some(ada_ref.clone()), "Call from Ada"),
            now(),
        )
        .await
        .unwrap();
    assert!(first.new_ticket);
    let ticket = ObjectRef::new("0-5", first.ticket_id);
    let to_calls = store
        .list_associations(portal, &ticket, "0-48", None, 10)
        .await
        .unwrap();
    assert_eq!(to_calls.len(), 1);
    assert_eq!(
        (to_calls[0].to.id, to_calls[0].kind.type_id),
        (first.call_id, 219)
    );
    let back = store
        .list_associations(
            portal,
            &ObjectRef::new("0-48", first.call_id),
            "0-5",
            None,
            10,
        )
        .await
        .unwrap();
    assert_eq!(back[0].kind.type_id, 220);
    let to_ada = store
        .list_associations(portal, &ticket, "0-1", None, 10)
        .await
        .unwrap();
    assert_eq!(to_ada[0].to, ada_ref);
    assert_eq!(
        store.call_ticket(portal, first.call_id).await.unwrap(),
        Some(first.ticket_id)
    );

    // Attaching again changes nothing; an existing call from Ada joins the open ticket.
    let again = store
        .attach_call(
            portal,
            CallToAttach::Existing(first.call_id),
            &plan(channel, Some(ada_ref.clone()), "x"),
            now(),
        )
        .await
        .unwrap();
    assert_eq!(
        (again.ticket_id, again.new_ticket),
        (first.ticket_id, false)
    );
    let second_call = store
        .create_objects(portal, "0-48", &[call("x-2")], "TEST", now())
        .await
        .unwrap()
        .remove(0);
    let second = store
        .attach_call(
            portal,
            CallToAttach::Existing(second_call.id),
            &plan(channel, Some(ada_ref.clone()), "x"),
            now(),
        )
        .await
        .unwrap();
    assert_eq!(
        (second.ticket_id, second.new_ticket),
        (first.ticket_id, false)
    );

    // Closed (stage 4): the next call opens a new ticket.
    let close = ObjectUpdate {
        id: first.ticket_id,
        properties: props(&[("hs_pipeline_stage", "4")]),
    };
    store
        .update_objects(portal, "0-5", &[close], "TEST", now())
        .await
        .unwrap();
    let third = store
        .attach_call(
            portal,
            CallToAttach::New(&call("x-3")),
            &plan(channel, Some(ada_ref.clone()), "Call from Ada"),
            now(),
        )
        .await
        .unwrap();
    assert!(third.new_ticket);
    assert_ne!(third.ticket_id, first.ticket_id);

    // Without a record, the calling number finds the ticket.
    let anon = store
        .attach_call(
            portal,
            CallToAttach::New(&call("x-4")),
            &plan(channel, None, "Call from +16175550123"),
            now(),
        )
        .await
        .unwrap();
    assert!(anon.new_ticket);
    let anon_again = store
        .attach_call(
            portal,
            CallToAttach::New(&call("x-5")),
            &plan(channel, None, "x"),
            now(),
        )
        .await
        .unwrap();
    assert_eq!(anon_again.ticket_id, anon.ticket_id);

    let tickets = store.list_tickets(portal, None, 50).await.unwrap();
    let ids: Vec<i64> = tickets.iter().map(|t| t.ticket.id).collect();
    assert_eq!(
        ids,
        [anon.ticket_id, third.ticket_id, first.ticket_id],
        "newest first"
    );
    let oldest = &tickets[2];
    assert_eq!(oldest.ticket.properties["subject"], "Call from Ada");
    assert_eq!(oldest.caller.as_ref().map(|c| c.id), Some(ada.id));
    assert_eq!((oldest.inbox_id, oldest.channel_id), (inbox.id, channel.id));
    let calls: Vec<i64> = oldest.calls.iter().map(|c| c.call.id).collect();
    assert_eq!(calls, [first.call_id, second_call.id]);
    assert!(tickets[0].caller.is_none());
    let other = store.create_inbox(portal, "Billing", now()).await.unwrap();
    assert!(store
        .list_tickets(portal, Some(other.id), 50)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store
            .list_tickets(portal, Some(inbox.id), 1)
            .await
            .unwrap()
            .len(),
        1
    );
});

contract!(a_failed_attachment_writes_nothing, |store: Arc<
    dyn Store,
>| async move {
    let (portal, inbox) = setup(&store).await;
    let Connected::Channels(channels) = store
        .connect_channels(portal, inbox.id, 77, &[number("+18005550100")], now())
        .await
        .unwrap()
    else {
        panic!("connected")
    };
    // The caller record does not exist: neither the call nor a ticket is written.
    let ghost = ObjectRef::new("0-1", 987_654);
    let failed = store
        .attach_call(
            portal,
            CallToAttach::New(&call("x-9")),
            &plan(&channels[0], Some(ghost), "Call"),
            now(),
        )
        .await;
    assert!(matches!(failed, Err(StoreError::Missing(_))), "{failed:?}");
    let calls = store
        .find_objects_by_property(
            portal,
            "0-48",
            "hs_call_external_id",
            &["x-9".into()],
            false,
        )
        .await
        .unwrap();
    assert!(calls.is_empty());
    assert!(store
        .list_objects(portal, "0-5", false, None, 10)
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .list_tickets(portal, None, 10)
        .await
        .unwrap()
        .is_empty());
    // An unknown existing call is Missing too.
    let failed = store
        .attach_call(
            portal,
            CallToAttach::Existing(987_655),
            &plan(&channels[0], None, "Call"),
            now(),
        )
        .await;
    assert!(matches!(failed, Err(StoreError::Missing(_))), "{failed:?}");
});

contract!(
    concurrent_attachments_of_one_call_make_one_ticket,
    |store: Arc<dyn Store>| async move {
        let (portal, inbox) = setup(&store).await;
        let Connected::Channels(channels) = store
            .connect_channels(portal, inbox.id, 77, &[number("+18005550100")], now())
            .await
            .unwrap()
        else {
            panic!("connected")
        };
        let channel = channels[0].clone();
        let made = store
            .create_objects(portal, "0-48", &[call("x-1")], "TEST", now())
            .await
            .unwrap()
            .remove(0);
        let runs = (0..6).map(|_| {
            let store = store.clone();
            let channel = channel.clone();
            tokio::spawn(async move {
                store
                    .attach_call(
                        portal,
                        CallToAttach::Existing(made.id),
                        &plan(&channel, None, "Call"),
                        now(),
                    )
                    .await
                    .unwrap()
                    .ticket_id
            })
        });
        let mut tickets = Vec::new();
        for run in runs.collect::<Vec<_>>() {
            tickets.push(run.await.unwrap());
        }
        tickets.dedup();
        assert_eq!(tickets.len(), 1, "{tickets:?}");
        assert_eq!(
            store
                .list_objects(portal, "0-5", false, None, 10)
                .await
                .unwrap()
                .len(),
            1
        );
    }
);

contract!(
    finalizing_marks_a_call_once,
    |store: Arc<dyn Store>| async move {
        let (portal, _) = setup(&store).await;
        assert_eq!(
            store.finalize_call(portal, 123_456, now()).await.unwrap(),
            None
        );
        let made = store
            .create_objects(portal, "0-48", &[call("x-1")], "TEST", now())
            .await
            .unwrap()
            .remove(0);
        let other = store.create_portal("Q").await.unwrap().id;
        assert_eq!(
            store.finalize_call(other, made.id, now()).await.unwrap(),
            None
        );
        let t0 = now();
        assert_eq!(
            store.finalize_call(portal, made.id, t0).await.unwrap(),
            Some(t0)
        );
        let t1 = t0 + chrono::Duration::seconds(5);
        assert_eq!(
            store.finalize_call(portal, made.id, t1).await.unwrap(),
            Some(t0),
            "the first time counts"
        );
        assert_eq!(store.call_ticket(portal, made.id).await.unwrap(), None);
    }
);

// A call attached only as it is finalized: the attachment and the finalization are one
// transaction, so a failed attachment (a caller record that is gone) leaves the call neither on
// a ticket nor finalized, and a good one leaves both.
contract!(
    a_late_attachment_and_its_finalization_are_one_write,
    |store: Arc<dyn Store>| async move {
        let (portal, inbox) = setup(&store).await;
        let Connected::Channels(mut made) = store
            .connect_channels(portal, inbox.id, 77, &[number("+18005550100")], now())
            .await
            .unwrap()
        else {
            panic!("connected")
        };
        let channel = made.remove(0);
        let late = store
            .create_objects(portal, "0-48", &[call("late-1")], "TEST", now())
            .await
            .unwrap()
            .remove(0);
        let t0 = now();
        let gone = ObjectRef::new("0-1", 987_654);
        let mut failing = plan(&channel, Some(gone.clone()), "Call from nobody");
        failing.finalize_at = Some(t0);
        let err = store
            .attach_call(portal, CallToAttach::Existing(late.id), &failing, now())
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Missing(m) if m.contains(&gone)),
            "{err}"
        );
        assert_eq!(store.call_ticket(portal, late.id).await.unwrap(), None);
        assert!(store
            .list_tickets(portal, None, 10)
            .await
            .unwrap()
            .is_empty());
        let t1 = t0 + chrono::Duration::seconds(5);
        assert_eq!(
            store.finalize_call(portal, late.id, t1).await.unwrap(),
            Some(t1),
            "not finalized by the failed attachment"
        );

        let other = store
            .create_objects(portal, "0-48", &[call("late-2")], "TEST", now())
            .await
            .unwrap()
            .remove(0);
        let mut good = plan(&channel, None, "Call from +16175550123");
        good.finalize_at = Some(t0);
        let attached = store
            .attach_call(portal, CallToAttach::Existing(other.id), &good, now())
            .await
            .unwrap();
        assert_eq!(attached.finalized_at, Some(t0));
        assert!(attached.new_ticket);
        let listed = store.list_tickets(portal, None, 10).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].calls.len(), 1);
        assert_eq!(listed[0].calls[0].call.id, other.id);
        assert_eq!(listed[0].calls[0].finalized_at, Some(t0));
        assert_eq!(
            store.finalize_call(portal, other.id, t1).await.unwrap(),
            Some(t0),
            "the first time counts"
        );
        // Attaching without finalizing reports the time it already has.
        let again = store
            .attach_call(
                portal,
                CallToAttach::Existing(other.id),
                &plan(&channel, None, "x"),
                now(),
            )
            .await
            .unwrap();
        assert_eq!(
            (again.ticket_id, again.finalized_at),
            (attached.ticket_id, Some(t0))
        );
    }
);
