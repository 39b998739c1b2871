//! Recording marks: which calls' recordings their app said are ready
//! (`POST /crm/v3/extensions/calling/recordings/ready`), behind [`RecordingStore`].
//!
//! HubSpot has no call property that means "the app marked the recording ready" (it reacts to
//! the mark by fetching and transcribing), so the mark is kept beside the call rather than
//! written into the call's properties, where it would show in the API and in the property
//! history as if an app or a user had set it.
//!
//! Invariants:
//! - **Scoped by portal**, like every CRM row: a mark names the portal and the call, and a
//!   call of another portal is never marked nor reported.
//! - A mark is one row per call; marking again moves its time.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::model::{from_millis, to_millis};
use crate::sql::{query, Get, SqlStore};
use crate::Result;

/// The recording marks of calls. A supertrait of [`Store`](crate::Store).
#[async_trait]
pub trait RecordingStore: Send + Sync {
    /// Marks the recording of call `engagement_id` ready at `now`. `false` (and nothing written)
    /// when the portal has no call with that id.
    async fn mark_recording_ready(
        &self,
        portal_id: i64,
        engagement_id: i64,
        now: DateTime<Utc>,
    ) -> Result<bool>;

    /// When the recording of the call was last marked ready, if it was.
    async fn recording_ready_at(
        &self,
        portal_id: i64,
        engagement_id: i64,
    ) -> Result<Option<DateTime<Utc>>>;
}

#[async_trait]
impl<S: SqlStore> RecordingStore for S {
    async fn mark_recording_ready(
        &self,
        portal_id: i64,
        engagement_id: i64,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        // One statement: the call must exist in the portal (a select that finds nothing
        // inserts nothing), and a second mark updates the first.
        let marked = self
            .execute(
                query(
                    "insert into call_recording (call_id, portal_id, ready_at) \
                     select id, portal_id, $3 from crm_object \
                     where id = $2 and portal_id = $1 and object_type_id = '0-48' \
                     on conflict (call_id) do update set ready_at = excluded.ready_at",
                )
                .bind(portal_id)
                .bind(engagement_id)
                .bind(to_millis(now)),
            )
            .await?;
        Ok(marked > 0)
    }

    async fn recording_ready_at(
        &self,
        portal_id: i64,
        engagement_id: i64,
    ) -> Result<Option<DateTime<Utc>>> {
        let row = self
            .fetch_optional(
                query("select ready_at from call_recording where portal_id = $1 and call_id = $2")
                    .bind(portal_id)
                    .bind(engagement_id),
            )
            .await?;
        Ok(row
            .map(|row| row.get("ready_at"))
            .transpose()?
            .map(from_millis))
    }
}
