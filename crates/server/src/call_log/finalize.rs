//! FINALIZE_ENGAGEMENT (and PUBLISH_TO_CHANNEL): marking a call final, attaching it to its
//! ticket first when it came into a connected number and is not on one yet (the number was
//! connected after the call began), in the same transaction.
//!
//! An app finalizes its own calls and calls logged without an app, never another app's; the
//! ids it gives must name one call. Runs under the call's hold, like a report of it.

use callhost_store::helpdesk::CallToAttach;
use callhost_store::{now, StoreError};
use chrono::{DateTime, Utc};

use super::{help_desk_channel, logged_by, own_call, CallLogError};
use crate::helpdesk::tickets;
use crate::AppState;

/// Finalizes call `engagement_id` for `app_id`'s session; returns when it was finalized (the
/// first time, if it already was).
pub async fn finalize(
    state: &AppState,
    portal_id: i64,
    app_id: i64,
    engagement_id: i64,
    external_call_id: Option<&str>,
    source_type: &str,
) -> Result<DateTime<Utc>, CallLogError> {
    let store = state.store.as_ref();
    let unknown = || CallLogError::UnknownCall(engagement_id);
    let call = own_call(store, portal_id, app_id, engagement_id).await?;
    let p = |name: &str| call.properties.get(name).map(String::as_str);
    let stored_id = p("hs_call_external_id").unwrap_or("");
    if let (Some(given), Some(stored)) = (external_call_id, p("hs_call_external_id")) {
        if given != stored {
            return Err(CallLogError::OtherCall {
                engagement_id,
                stored: stored.to_owned(),
                given: given.to_owned(),
            });
        }
    }
    let logged_by = logged_by(&call);
    let _hold = store.hold_call(portal_id, stored_id).await?;
    // A call attached here is finalized by the same transaction; any other is marked below.
    let mut finalized = None;
    if p("hs_call_direction") == Some("INBOUND") {
        let channel =
            help_desk_channel(store, portal_id, p("hs_call_to_number"), logged_by, None).await?;
        if let Some(channel) = channel {
            if store.call_ticket(portal_id, engagement_id).await?.is_none() {
                let attached = tickets::attach(
                    store,
                    portal_id,
                    CallToAttach::Existing(engagement_id),
                    &channel,
                    p("hs_call_from_number"),
                    source_type,
                    Some(now()),
                )
                .await
                .map_err(|err| match err {
                    StoreError::Missing(_) => unknown(),
                    other => other.into(),
                })?;
                finalized = attached.finalized_at;
            }
        }
    }
    if finalized.is_none() {
        finalized = store.finalize_call(portal_id, engagement_id, now()).await?;
    }
    let at = finalized.ok_or_else(unknown)?;
    tracing::info!(
        portal.id = portal_id,
        call.id = engagement_id,
        call.finalized_at = %crate::time::format(&at),
        "call finalized"
    );
    Ok(at)
}
