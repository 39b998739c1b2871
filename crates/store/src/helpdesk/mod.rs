//! The help desk: inboxes, the phone numbers connected to them (channels), and the tickets
//! made from calls to those numbers, behind [`HelpdeskStore`].
//!
//! Tickets and calls are ordinary CRM objects (`0-5`, `0-48`) with ordinary associations, so
//! the CRM APIs see them; the help-desk tables keep only what the CRM has no property for
//! (which inbox, which channel, which caller a ticket was made for, when a call was finalized).
//!
//! Invariants:
//! - **Scoped by portal**, like every CRM row.
//! - **A number is connected at most once per portal**, and connecting several is all or
//!   none ([`HelpdeskStore::connect_channels`]).
//! - **A call is on at most one ticket**, and attaching it (the call itself when it is new,
//!   the ticket when one is needed, their associations and the help-desk rows) is one
//!   transaction ([`HelpdeskStore::attach_call`]), with the call's finalization when it is
//!   attached only as it is finalized. The transaction starts by locking the inbox's row, so
//!   two calls from one caller into one inbox cannot both open a ticket.

pub(crate) mod inboxes;
pub(crate) mod queries;

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::crm::{AssociationKind, CrmObject, NewObject, ObjectRef};
use crate::Result;

/// A help-desk inbox with its connected numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbox {
    pub id: i64,
    pub portal_id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    /// In the order they were connected.
    pub channels: Vec<Channel>,
}

/// A phone number an app offered, connected to an inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    pub id: i64,
    pub portal_id: i64,
    pub inbox_id: i64,
    pub app_id: i64,
    /// The name in the app's calling settings, when it has them.
    pub app_name: Option<String>,
    pub e164: String,
    pub friendly_name: Option<String>,
    pub connected_at: DateTime<Utc>,
}

/// A number to connect, as the app's webhook offered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewChannel {
    pub e164: String,
    pub friendly_name: Option<String>,
}

/// What [`HelpdeskStore::connect_channels`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connected {
    /// Every number is connected, in the order given.
    Channels(Vec<Channel>),
    /// The inbox is not one of the portal's; nothing was written.
    UnknownInbox,
    /// These numbers are already connected in the portal; nothing was written.
    AlreadyConnected(Vec<String>),
}

/// The call [`HelpdeskStore::attach_call`] attaches: one that exists, or one to create in the
/// same transaction as its ticket.
#[derive(Debug, Clone, Copy)]
pub enum CallToAttach<'a> {
    Existing(i64),
    New(&'a NewObject),
}

/// How to find or make the ticket for a call into `channel`. The server decides the ticket's
/// properties and the association kinds (the store knows no CRM catalog).
#[derive(Debug, Clone)]
pub struct TicketPlan<'a> {
    pub channel: &'a Channel,
    /// The caller's record (the first caller-ID match), if any: an open ticket of the inbox
    /// made for the same record takes the call.
    pub caller: Option<ObjectRef>,
    /// Without a record, an open ticket made for the same calling number takes the call.
    pub caller_number: Option<String>,
    /// The properties of a new ticket.
    pub ticket_properties: BTreeMap<String, String>,
    /// Ticket to call, and its reverse.
    pub ticket_to_call: (AssociationKind, AssociationKind),
    /// Ticket to the caller's record, and its reverse (with `caller`).
    pub ticket_to_caller: Option<(AssociationKind, AssociationKind)>,
    /// `sourceType` of the property history of what is written.
    pub source_type: &'a str,
    /// When set, the call is also marked finalized at this time (the first time counts, as
    /// in [`HelpdeskStore::finalize_call`]) in the same transaction: a call finalized before
    /// its number was connected is attached and finalized together, or neither.
    pub finalize_at: Option<DateTime<Utc>>,
}

/// Where [`HelpdeskStore::attach_call`] put the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attached {
    /// The call object's id (its engagementId).
    pub engagement_id: i64,
    pub ticket_id: i64,
    /// True when this attachment made the ticket.
    pub new_ticket: bool,
    /// When the call was finalized, if it was (by this attachment's `finalize_at` or before).
    pub finalized_at: Option<DateTime<Utc>>,
}

/// A help-desk ticket with its calls, for the help-desk page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpdeskTicket {
    pub ticket: CrmObject,
    pub inbox_id: i64,
    pub channel_id: i64,
    /// The record the ticket was made for, unless it is gone.
    pub caller: Option<CrmObject>,
    /// Oldest first; archived calls are left out.
    pub calls: Vec<TicketCall>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketCall {
    pub call: CrmObject,
    pub finalized_at: Option<DateTime<Utc>>,
}

/// Open tickets are those whose `hs_pipeline_stage` is not this ("Closed" in HubSpot's default
/// support pipeline).
pub const CLOSED_STAGE: &str = "4";

/// The help-desk part of the store; see the module's invariants.
#[async_trait]
pub trait HelpdeskStore: Send + Sync {
    /// The portal's inboxes (oldest first) with their channels. A portal without any first
    /// gets one named `default_name`, so the help desk always has somewhere to connect to.
    async fn list_inboxes(
        &self,
        portal_id: i64,
        default_name: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<Inbox>>;
    /// `Duplicate` when the portal has an inbox of that name.
    async fn create_inbox(&self, portal_id: i64, name: &str, now: DateTime<Utc>) -> Result<Inbox>;
    /// Connects every number to the inbox for `app_id`, or none (one transaction).
    async fn connect_channels(
        &self,
        portal_id: i64,
        inbox_id: i64,
        app_id: i64,
        numbers: &[NewChannel],
        now: DateTime<Utc>,
    ) -> Result<Connected>;
    /// Every channel of the portal.
    async fn list_channels(&self, portal_id: i64) -> Result<Vec<Channel>>;
    /// The channel of this E.164 number in the portal, if it is connected.
    async fn find_channel(&self, portal_id: i64, e164: &str) -> Result<Option<Channel>>;
    /// Disconnects the number; its tickets stay. True when there was such a channel.
    async fn disconnect_channel(&self, portal_id: i64, channel_id: i64) -> Result<bool>;

    /// The ticket the call is attached to, if it is.
    async fn call_ticket(&self, portal_id: i64, engagement_id: i64) -> Result<Option<i64>>;
    /// Attaches the call (creating it first when new) to the newest open ticket of the
    /// channel's inbox made for the same caller, or to a new ticket; a call already attached
    /// stays where it is. One transaction, which also marks the call finalized when the plan
    /// says so; a missing call or caller record writes nothing (`Missing`).
    async fn attach_call(
        &self,
        portal_id: i64,
        call: CallToAttach<'_>,
        plan: &TicketPlan<'_>,
        now: DateTime<Utc>,
    ) -> Result<Attached>;
    /// Marks the call finalized (the first time counts). `None` when the portal has no such
    /// call (not archived); otherwise when it was finalized.
    async fn finalize_call(
        &self,
        portal_id: i64,
        engagement_id: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>>;
    /// The portal's help-desk tickets (of one inbox, when given), newest first, at most
    /// `limit`; archived tickets are left out.
    async fn list_tickets(
        &self,
        portal_id: i64,
        inbox_id: Option<i64>,
        limit: u32,
    ) -> Result<Vec<HelpdeskTicket>>;
}
