//! The help-desk tickets part of the store contract, on SQLite and PostgreSQL: calls attached
//! to one ticket per caller, each attachment one transaction (with the call's finalization
//! when it comes late), however many attach at once.

mod common;

use std::sync::Arc;

use callhost_store::crm::*;
use callhost_store::helpdesk::*;
use callhost_store::*;
use common::helpdesk::{call, number, plan, setup};
use common::{props, Harness};

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
        (first.engagement_id, 219)
    );
    let back = store
        .list_associations(
            portal,
            &ObjectRef::new("0-48", first.engagement_id),
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
        store
            .call_ticket(portal, first.engagement_id)
            .await
            .unwrap(),
        Some(first.ticket_id)
    );

    // Attaching again changes nothing; an existing call from Ada joins the open ticket.
    let again = store
        .attach_call(
            portal,
            CallToAttach::Existing(first.engagement_id),
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
    assert_eq!(calls, [first.engagement_id, second_call.id]);
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
