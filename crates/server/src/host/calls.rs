//! Carrying out the engine's store requests for a widget session: logging, updating and
//! finalizing calls (through `call_log`, the one home of call logging, which the inbound-call
//! API shares), caller ID, and record checks.
//!
//! Every failure becomes `OpResult::Failed` with a message the app may be shown; internal
//! errors are logged here and never described to the app.

use callhost_protocol::engine::{OpResult, StoreRequest};

use crate::call_log::{self, CallLogError, CallReport, Existing};
use crate::AppState;

/// Where host-made writes say they come from (`sourceType` in property history).
const HOST_SOURCE: &str = "CALLING_EXTENSION";

/// Does `request` for the signed-in user of `portal_id`, in a session of `app_id`.
pub async fn carry_out(
    state: &AppState,
    portal_id: i64,
    app_id: i64,
    request: StoreRequest,
) -> OpResult {
    let store = state.store.as_ref();
    let result = match request {
        StoreRequest::CreateCall {
            app_id,
            external_call_id,
            properties,
            associate,
            called_number,
        } => {
            let report = CallReport {
                portal_id,
                app_id: Some(app_id),
                external_call_id,
                properties,
                associate,
                called_number,
                developer_account_id: None,
                source_type: HOST_SOURCE,
                existing: Existing::FillIn,
            };
            call_log::report(state, report)
                .await
                .map(|engagement_id| OpResult::Call { engagement_id })
        }
        StoreRequest::UpdateCall {
            engagement_id,
            properties,
        } => call_log::update(
            store,
            portal_id,
            app_id,
            engagement_id,
            properties,
            HOST_SOURCE,
        )
        .await
        .map(|()| OpResult::Done),
        StoreRequest::CallerId { number } => call_log::caller_id(store, portal_id, &number)
            .await
            .map(|matches| OpResult::Matches { matches })
            .map_err(CallLogError::from),
        StoreRequest::FinalizeCall {
            engagement_id,
            external_call_id,
        } => call_log::finalize(
            state,
            portal_id,
            app_id,
            engagement_id,
            external_call_id.as_deref(),
            HOST_SOURCE,
        )
        .await
        .map(|_| OpResult::Done),
        StoreRequest::RecordExists { object } => store
            .get_objects(
                portal_id,
                &object.object_type_id,
                &[object.object_id],
                false,
            )
            .await
            .map(|found| OpResult::Exists {
                exists: !found.is_empty(),
            })
            .map_err(CallLogError::from),
    };
    result.unwrap_or_else(|err| OpResult::Failed {
        message: for_the_app(err),
    })
}

/// What the app is told: the reason, or only that something went wrong inside (logged here).
fn for_the_app(err: CallLogError) -> String {
    match err {
        CallLogError::Store(_) | CallLogError::Internal(_) => {
            tracing::error!(error = %err, "store request from the host failed");
            "The call could not be saved (internal error).".to_owned()
        }
        reason => reason.to_string(),
    }
}
