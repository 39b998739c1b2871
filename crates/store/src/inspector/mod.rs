//! The protocol inspector's record, behind [`InspectorStore`]: widget sessions as the
//! inspector shows them and their entries, written in batches by the server's background
//! writer (`host::inspector` in the server) and read by every instance on the database.
//!
//! Invariants:
//! - **Bounded, oldest first**: a write trims each session it touched to its
//!   [`InspectorLimits`] (entries and bytes; the newest entry always stays) and then the
//!   record as a whole (sessions and bytes; the newest session always stays), counting each
//!   session's dropped entries. The bounds are kept from counters on the session rows, never
//!   by counting entries on insert.
//! - **Seq is the writer's**: entries arrive numbered; a write never renumbers them and skips
//!   an entry whose `(session, seq)` is already there, or whose session the record has dropped.
//! - **One writer at a time**: every write (and a clear) first updates the one row of
//!   `inspector_writer`, so writes from several instances queue there instead of deadlocking
//!   while they trim each other's sessions.
//! - **Scoped by portal** for readers: sessions are listed by portal (or by id, for a caller
//!   who then checks the portal); payloads are JSON text the store never reads.

mod write;

use async_trait::async_trait;

use crate::sql::{query, Exec, Get, SqlStore, Write};
use crate::Result;

/// How much of the record is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InspectorLimits {
    /// One session's entries, in bytes (their `bytes`).
    pub session_bytes: i64,
    /// One session's entries, counted.
    pub session_entries: i64,
    /// Every session's entries together, in bytes.
    pub total_bytes: i64,
    /// Sessions kept.
    pub sessions: i64,
}

impl Default for InspectorLimits {
    /// 2 MiB and 2,000 entries per session, 32 MiB and 200 sessions in all.
    fn default() -> Self {
        Self {
            session_bytes: 2 * 1024 * 1024,
            session_entries: 2_000,
            total_bytes: 32 * 1024 * 1024,
            sessions: 200,
        }
    }
}

/// A recorded session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectorSession {
    pub id: String,
    pub portal_id: i64,
    pub app_id: i64,
    pub app_url: String,
    /// `widget`, `remote` or `window`.
    pub iframe_location: String,
    /// Milliseconds since the epoch.
    pub started_at: i64,
    /// One past the largest seq written (where an instance adopting the session continues).
    pub next_seq: i64,
    pub entry_count: i64,
    pub bytes: i64,
    pub dropped_entries: i64,
}

/// One entry of a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectorEntry {
    pub session_id: String,
    pub seq: i64,
    /// Microseconds since the session began.
    pub offset_us: i64,
    pub flow: String,
    pub message_type: Option<String>,
    pub external_call_id: Option<String>,
    /// JSON text.
    pub message: String,
    /// JSON text (an array).
    pub findings: String,
    /// JSON text (an array).
    pub effects: String,
    /// JSON text, for a REST call.
    pub rest: Option<String>,
    /// JSON text, for an injected fault.
    pub fault: Option<String>,
    pub bytes: i64,
}

/// An entry's store changes replaced by a longer list: `added_bytes` is what the new ones cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectorEffects {
    pub session_id: String,
    pub seq: i64,
    /// JSON text (an array): the whole list.
    pub effects: String,
    pub added_bytes: i64,
}

/// What one write adds: new sessions, entries, and effects of entries already written.
#[derive(Debug, Clone, Default)]
pub struct InspectorBatch {
    pub sessions: Vec<InspectorSession>,
    pub entries: Vec<InspectorEntry>,
    pub effects: Vec<InspectorEffects>,
}

impl InspectorBatch {
    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty() && self.entries.is_empty() && self.effects.is_empty()
    }
}

/// Which sessions to list.
#[derive(Debug, Clone, Copy, Default)]
pub struct InspectorFilter<'a> {
    pub portal_id: Option<i64>,
    pub app_id: Option<i64>,
    pub session_id: Option<&'a str>,
}

/// The inspector's record. A supertrait of [`Store`](crate::Store).
#[async_trait]
pub trait InspectorStore: Send + Sync {
    /// Writes a batch in one transaction, then trims what it touched to `limits`.
    async fn write_inspector(&self, batch: &InspectorBatch, limits: &InspectorLimits)
        -> Result<()>;

    /// Sessions, oldest first.
    async fn inspector_sessions(
        &self,
        filter: &InspectorFilter<'_>,
    ) -> Result<Vec<InspectorSession>>;

    /// The entries of these sessions with a seq past `after`, optionally only those about one
    /// call; by session, then in time order (offset, then seq).
    async fn inspector_entries(
        &self,
        session_ids: &[String],
        after: Option<i64>,
        external_call_id: Option<&str>,
    ) -> Result<Vec<InspectorEntry>>;

    /// Forgets the whole record.
    async fn clear_inspector(&self) -> Result<()>;
}

const SESSION_COLUMNS: &str = "id, portal_id, app_id, app_url, iframe_location, started_at, \
    next_seq, entry_count, bytes, dropped_entries";
const ENTRY_COLUMNS: &str = "session_id, seq, offset_us, flow, message_type, external_call_id, \
    message, findings, effects, rest, fault, bytes";

fn session_of(row: &impl Get) -> Result<InspectorSession> {
    Ok(InspectorSession {
        id: row.get("id")?,
        portal_id: row.get("portal_id")?,
        app_id: row.get("app_id")?,
        app_url: row.get("app_url")?,
        iframe_location: row.get("iframe_location")?,
        started_at: row.get("started_at")?,
        next_seq: row.get("next_seq")?,
        entry_count: row.get("entry_count")?,
        bytes: row.get("bytes")?,
        dropped_entries: row.get("dropped_entries")?,
    })
}

fn entry_of(row: &impl Get) -> Result<InspectorEntry> {
    Ok(InspectorEntry {
        session_id: row.get("session_id")?,
        seq: row.get("seq")?,
        offset_us: row.get("offset_us")?,
        flow: row.get("flow")?,
        message_type: row.get("message_type")?,
        external_call_id: row.get("external_call_id")?,
        message: row.get("message")?,
        findings: row.get("findings")?,
        effects: row.get("effects")?,
        rest: row.get("rest")?,
        fault: row.get("fault")?,
        bytes: row.get("bytes")?,
    })
}

#[async_trait]
impl<S: SqlStore> InspectorStore for S {
    async fn write_inspector(
        &self,
        batch: &InspectorBatch,
        limits: &InspectorLimits,
    ) -> Result<()> {
        write::batch(self, batch, limits).await
    }

    async fn inspector_sessions(
        &self,
        filter: &InspectorFilter<'_>,
    ) -> Result<Vec<InspectorSession>> {
        let mut q = query(format!(
            "select {SESSION_COLUMNS} from inspector_session where 1 = 1"
        ));
        if let Some(portal_id) = filter.portal_id {
            q.push(" and portal_id = ");
            q.push_bind(portal_id);
        }
        if let Some(app_id) = filter.app_id {
            q.push(" and app_id = ");
            q.push_bind(app_id);
        }
        if let Some(id) = filter.session_id {
            q.push(" and id = ");
            q.push_bind(id);
        }
        q.push(" order by started_at, id");
        let rows = self.fetch_all(q).await?;
        rows.iter().map(session_of).collect()
    }

    async fn inspector_entries(
        &self,
        session_ids: &[String],
        after: Option<i64>,
        external_call_id: Option<&str>,
    ) -> Result<Vec<InspectorEntry>> {
        let mut out = Vec::new();
        for ids in session_ids.chunks(500) {
            let mut q = query(format!(
                "select {ENTRY_COLUMNS} from inspector_entry where session_id in ("
            ));
            q.push_binds(ids.iter());
            q.push(")");
            if let Some(after) = after {
                q.push(" and seq > ");
                q.push_bind(after);
            }
            if let Some(call) = external_call_id {
                q.push(" and external_call_id = ");
                q.push_bind(call);
            }
            q.push(" order by session_id, offset_us, seq");
            let rows = self.fetch_all(q).await?;
            for row in &rows {
                out.push(entry_of(row)?);
            }
        }
        Ok(out)
    }

    async fn clear_inspector(&self) -> Result<()> {
        let mut tx = self.begin_write().await?;
        write::take_turn(&mut tx).await?;
        tx.execute(query("delete from inspector_session")).await?;
        tx.commit().await?;
        Ok(())
    }
}
