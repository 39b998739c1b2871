//! Help-desk fixtures shared by the help-desk contract files.

use std::sync::Arc;

use callhost_store::crm::*;
use callhost_store::helpdesk::*;
use callhost_store::*;

use super::{kind, props};

pub fn number(e164: &str) -> NewChannel {
    NewChannel {
        e164: e164.into(),
        friendly_name: Some(format!("Line {e164}")),
    }
}

/// A portal with an installed app (id 77) and its default inbox.
pub async fn setup(store: &Arc<dyn Store>) -> (i64, Inbox) {
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

pub fn plan<'a>(channel: &'a Channel, caller: Option<ObjectRef>, subject: &str) -> TicketPlan<'a> {
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

pub fn call(external_id: &str) -> NewObject {
    NewObject {
        properties: props(&[("hs_call_external_id", external_id)]),
        associations: Vec::new(),
    }
}
