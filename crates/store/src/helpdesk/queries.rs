//! The [`HelpdeskStore`] trait's queries, written once and implemented for every
//! [`SqlStore`] (both backends; see `crate::queries` for how), reusing the CRM's transaction
//! helpers (`crate::crm::objects`). This file holds calls and tickets and the trait impl;
//! inboxes and channels are in `super::inboxes`, whose functions the impl calls.
//!
//! Every write transaction starts with a write (SQLite then takes its write lock at once, see
//! `crate::crm::objects`); those that must see a consistent inbox start by "updating" the
//! inbox's row, which on PostgreSQL locks that row until commit.

use async_trait::async_trait;
use callhost_protocol::object_type;
use chrono::{DateTime, Utc};

use super::inboxes::{self, lock_inbox};
use super::{
    Attached, CallToAttach, Channel, Connected, HelpdeskStore, HelpdeskTicket, Inbox, NewChannel,
    TicketCall, TicketPlan, CLOSED_STAGE,
};
use crate::crm::objects::{create_in, insert_associations, load};
use crate::crm::{CrmObject, NewAssociation, NewObject, ObjectRef};
use crate::error::{Result, StoreError};
use crate::model::{from_millis, to_millis};
use crate::sql::{query, Exec, Get, SqlStore, Write};

/// The newest open ticket of the inbox made for this caller.
async fn open_ticket(
    conn: &mut impl Exec,
    portal_id: i64,
    inbox_id: i64,
    caller: Option<&ObjectRef>,
    caller_number: Option<&str>,
) -> Result<Option<i64>> {
    let base = "select t.ticket_id from helpdesk_ticket t \
        join crm_object o on o.id = t.ticket_id and o.archived = false \
        left join crm_property_value s on s.object_id = t.ticket_id \
          and s.name = 'hs_pipeline_stage' \
        where t.portal_id = $1 and t.inbox_id = $2 and coalesce(s.value, '') <> $3";
    let mut open = query(base)
        .bind(portal_id)
        .bind(inbox_id)
        .bind(CLOSED_STAGE);
    match (caller, caller_number) {
        (Some(caller), _) => {
            open.push(" and t.caller_object_type_id = $4 and t.caller_object_id = $5");
            open = open.bind(&caller.object_type_id).bind(caller.id);
        }
        (None, Some(number)) => {
            open.push(" and t.caller_object_id is null and t.caller_number = $4");
            open = open.bind(number);
        }
        (None, None) => return Ok(None),
    }
    open.push(" order by t.ticket_id desc limit 1");
    let row = conn.fetch_optional(open).await?;
    Ok(row.map(|row| row.get("ticket_id")).transpose()?)
}

/// Creates the call when it is new; checks an existing one is a live call of the portal.
/// Returns its id.
async fn the_call(
    conn: &mut impl Exec,
    portal_id: i64,
    call: CallToAttach<'_>,
    source_type: &str,
    now: DateTime<Utc>,
) -> Result<i64> {
    match call {
        CallToAttach::New(object) => {
            let objects = std::slice::from_ref::<NewObject>(object);
            let created = create_in(
                conn,
                portal_id,
                object_type::CALL,
                objects,
                source_type,
                now,
            )
            .await?;
            created
                .first()
                .map(|o| o.id)
                .ok_or_else(|| StoreError::Invariant("no call created".into()))
        }
        CallToAttach::Existing(id) => {
            let found = load(conn, portal_id, Some(object_type::CALL), Some(false), &[id]).await?;
            if found.is_empty() {
                return Err(StoreError::Missing(vec![ObjectRef::new(
                    object_type::CALL,
                    id,
                )]));
            }
            Ok(id)
        }
    }
}

/// Makes the ticket for a call no open ticket takes, with its help-desk row; its id.
async fn new_ticket(
    conn: &mut impl Exec,
    portal_id: i64,
    call: ObjectRef,
    plan: &TicketPlan<'_>,
    now: DateTime<Utc>,
) -> Result<i64> {
    let (to_call, from_call) = plan.ticket_to_call.clone();
    let mut ticket = NewObject {
        properties: plan.ticket_properties.clone(),
        associations: vec![(call, to_call, from_call)],
    };
    if let (Some(caller), Some((kind, reverse))) = (&plan.caller, &plan.ticket_to_caller) {
        ticket
            .associations
            .push((caller.clone(), kind.clone(), reverse.clone()));
    }
    let created = create_in(
        conn,
        portal_id,
        object_type::TICKET,
        std::slice::from_ref(&ticket),
        plan.source_type,
        now,
    )
    .await?;
    let ticket_id = created
        .first()
        .map(|t| t.id)
        .ok_or_else(|| StoreError::Invariant("no ticket created".into()))?;
    let channel = plan.channel;
    conn.execute(
        query(
            "insert into helpdesk_ticket (ticket_id, portal_id, inbox_id, \
             channel_id, caller_object_type_id, caller_object_id, \
             caller_number, created_at) \
             values ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(ticket_id)
        .bind(portal_id)
        .bind(channel.inbox_id)
        .bind(channel.id)
        .bind(plan.caller.as_ref().map(|c| c.object_type_id.as_str()))
        .bind(plan.caller.as_ref().map(|c| c.id))
        .bind(plan.caller_number.as_deref())
        .bind(to_millis(now)),
    )
    .await?;
    Ok(ticket_id)
}

#[async_trait]
impl<S: SqlStore> HelpdeskStore for S {
    async fn list_inboxes(
        &self,
        portal_id: i64,
        default_name: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<Inbox>> {
        inboxes::list_inboxes(self, portal_id, default_name, now).await
    }

    async fn create_inbox(&self, portal_id: i64, name: &str, now: DateTime<Utc>) -> Result<Inbox> {
        inboxes::create_inbox(self, portal_id, name, now).await
    }

    async fn connect_channels(
        &self,
        portal_id: i64,
        inbox_id: i64,
        app_id: i64,
        numbers: &[NewChannel],
        now: DateTime<Utc>,
    ) -> Result<Connected> {
        inboxes::connect_channels(self, portal_id, inbox_id, app_id, numbers, now).await
    }

    async fn list_channels(&self, portal_id: i64) -> Result<Vec<Channel>> {
        inboxes::list_channels(self, portal_id).await
    }

    async fn find_channel(&self, portal_id: i64, e164: &str) -> Result<Option<Channel>> {
        inboxes::find_channel(self, portal_id, e164).await
    }

    async fn disconnect_channel(&self, portal_id: i64, channel_id: i64) -> Result<bool> {
        inboxes::disconnect_channel(self, portal_id, channel_id).await
    }

    async fn call_ticket(&self, portal_id: i64, call_id: i64) -> Result<Option<i64>> {
        let row = self
            .fetch_optional(
                query("select ticket_id from helpdesk_call where portal_id = $1 and call_id = $2")
                    .bind(portal_id)
                    .bind(call_id),
            )
            .await?;
        let ticket: Option<Option<i64>> = row.map(|row| row.get("ticket_id")).transpose()?;
        Ok(ticket.flatten())
    }

    async fn attach_call(
        &self,
        portal_id: i64,
        call: CallToAttach<'_>,
        plan: &TicketPlan<'_>,
        now: DateTime<Utc>,
    ) -> Result<Attached> {
        let channel = plan.channel;
        let mut tx = self.begin_write().await?;
        if !lock_inbox(&mut tx, portal_id, channel.inbox_id).await? {
            return Err(StoreError::Invariant(format!(
                "inbox {} is not one of portal {portal_id}'s",
                channel.inbox_id
            )));
        }
        let call_id = the_call(&mut tx, portal_id, call, plan.source_type, now).await?;
        // Written before the ticket: a later failure (a missing caller record) undoes the
        // finalization with the rest.
        tx.execute(
            query(
                "insert into helpdesk_call (call_id, portal_id, finalized_at) \
                 values ($1, $2, $3) on conflict (call_id) do update set finalized_at = \
                 coalesce(helpdesk_call.finalized_at, excluded.finalized_at)",
            )
            .bind(call_id)
            .bind(portal_id)
            .bind(plan.finalize_at.map(to_millis)),
        )
        .await?;
        let row = tx
            .fetch_one(
                query("select ticket_id, finalized_at from helpdesk_call where call_id = $1")
                    .bind(call_id),
            )
            .await?;
        let attached: Option<i64> = row.get("ticket_id")?;
        let finalized_at: Option<i64> = row.get("finalized_at")?;
        let finalized_at = finalized_at.map(from_millis);
        if let Some(ticket_id) = attached {
            tx.commit().await?;
            return Ok(Attached {
                engagement_id: call_id,
                ticket_id,
                new_ticket: false,
                finalized_at,
            });
        }
        let call_ref = ObjectRef::new(object_type::CALL, call_id);
        let open = open_ticket(
            &mut tx,
            portal_id,
            channel.inbox_id,
            plan.caller.as_ref(),
            plan.caller_number.as_deref(),
        )
        .await?;
        let (ticket_id, new_ticket) = match open {
            Some(ticket_id) => {
                let (to_call, from_call) = plan.ticket_to_call.clone();
                let link = NewAssociation {
                    from: ObjectRef::new(object_type::TICKET, ticket_id),
                    to: call_ref,
                    kind: to_call,
                    reverse: from_call,
                };
                insert_associations(&mut tx, portal_id, &[link], now).await?;
                (ticket_id, false)
            }
            None => (
                new_ticket(&mut tx, portal_id, call_ref, plan, now).await?,
                true,
            ),
        };
        tx.execute(
            query("update helpdesk_call set ticket_id = $1 where call_id = $2")
                .bind(ticket_id)
                .bind(call_id),
        )
        .await?;
        tx.commit().await?;
        self.after_writes(2).await;
        Ok(Attached {
            engagement_id: call_id,
            ticket_id,
            new_ticket,
            finalized_at,
        })
    }

    async fn finalize_call(
        &self,
        portal_id: i64,
        call_id: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>> {
        // One statement: a call that is not the portal's inserts nothing, and a second
        // finalization keeps the first time.
        let row = self
            .fetch_optional(
                query(
                    "insert into helpdesk_call (call_id, portal_id, finalized_at) \
                     select id, portal_id, $3 from crm_object where id = $2 \
                     and portal_id = $1 and object_type_id = '0-48' and archived = false \
                     on conflict (call_id) do update set finalized_at = \
                     coalesce(helpdesk_call.finalized_at, excluded.finalized_at) \
                     returning finalized_at",
                )
                .bind(portal_id)
                .bind(call_id)
                .bind(to_millis(now)),
            )
            .await?;
        let at: Option<Option<i64>> = row.map(|row| row.get("finalized_at")).transpose()?;
        Ok(at.flatten().map(from_millis))
    }

    async fn list_tickets(
        &self,
        portal_id: i64,
        inbox_id: Option<i64>,
        limit: u32,
    ) -> Result<Vec<HelpdeskTicket>> {
        let mut conn = self.conn().await?;
        let filter = if inbox_id.is_some() {
            " and t.inbox_id = $3"
        } else {
            ""
        };
        let mut heads = query(format!(
            "select t.ticket_id, t.inbox_id, t.channel_id, t.caller_object_id \
             from helpdesk_ticket t \
             join crm_object o on o.id = t.ticket_id and o.archived = false \
             where t.portal_id = $1{filter} order by t.ticket_id desc limit $2"
        ))
        .bind(portal_id)
        .bind(i64::from(limit));
        if let Some(inbox_id) = inbox_id {
            heads = heads.bind(inbox_id);
        }
        let mut tickets = Vec::new();
        for row in conn.fetch_all(heads).await? {
            let ticket_id: i64 = row.get("ticket_id")?;
            let inbox_id: i64 = row.get("inbox_id")?;
            let channel_id: i64 = row.get("channel_id")?;
            let caller: Option<i64> = row.get("caller_object_id")?;
            tickets.push((ticket_id, inbox_id, channel_id, caller));
        }
        if tickets.is_empty() {
            return Ok(Vec::new());
        }
        let ticket_ids: Vec<i64> = tickets.iter().map(|h| h.0).collect();
        let mut calls = query(
            "select call_id, ticket_id, finalized_at from helpdesk_call \
             where portal_id = $1 and ticket_id in (",
        )
        .bind(portal_id);
        calls.push_binds(ticket_ids.iter().copied());
        calls.push(") order by call_id");
        let mut links = Vec::new();
        for row in conn.fetch_all(calls).await? {
            let call_id: i64 = row.get("call_id")?;
            let ticket_id: i64 = row.get("ticket_id")?;
            let at: Option<i64> = row.get("finalized_at")?;
            links.push((call_id, ticket_id, at.map(from_millis)));
        }
        let call_ids: Vec<i64> = links.iter().map(|l| l.0).collect();
        let caller_ids: Vec<i64> = tickets.iter().filter_map(|h| h.3).collect();
        let ticket_objects = load(
            &mut conn,
            portal_id,
            Some(object_type::TICKET),
            Some(false),
            &ticket_ids,
        )
        .await?;
        let calls = load(
            &mut conn,
            portal_id,
            Some(object_type::CALL),
            Some(false),
            &call_ids,
        )
        .await?;
        let callers = load(&mut conn, portal_id, None, Some(false), &caller_ids).await?;
        let find = |objects: &[CrmObject], id: i64| objects.iter().find(|o| o.id == id).cloned();
        let mut out = Vec::with_capacity(tickets.len());
        for (ticket_id, inbox_id, channel_id, caller) in tickets {
            let Some(ticket) = find(&ticket_objects, ticket_id) else {
                continue;
            };
            let calls = links
                .iter()
                .filter(|l| l.1 == ticket_id)
                .filter_map(|l| {
                    find(&calls, l.0).map(|call| TicketCall {
                        call,
                        finalized_at: l.2,
                    })
                })
                .collect();
            out.push(HelpdeskTicket {
                ticket,
                inbox_id,
                channel_id,
                caller: caller.and_then(|id| find(&callers, id)),
                calls,
            });
        }
        Ok(out)
    }
}
