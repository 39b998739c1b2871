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

use std::collections::BTreeMap;

use async_trait::async_trait;

use crate::sql::{query, Exec, Get, Query, SqlStore};
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
/// Entries per insert statement (12 values each).
const ENTRY_CHUNK: usize = 100;
/// Rows read at a time while trimming.
const TRIM_PAGE: i64 = 256;

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
        if batch.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        take_turn(&mut *tx).await?;
        for s in &batch.sessions {
            tx.execute(
                query(format!(
                    "insert into inspector_session ({SESSION_COLUMNS}) \
                     values ($1, $2, $3, $4, $5, $6, $7, 0, 0, 0) on conflict (id) do nothing"
                ))
                .bind(s.id.as_str())
                .bind(s.portal_id)
                .bind(s.app_id)
                .bind(s.app_url.as_str())
                .bind(s.iframe_location.as_str())
                .bind(s.started_at)
                .bind(s.next_seq),
            )
            .await?;
        }
        let mut by_session: BTreeMap<&str, Vec<&InspectorEntry>> = BTreeMap::new();
        for entry in &batch.entries {
            by_session.entry(&entry.session_id).or_default().push(entry);
        }
        let mut touched: Vec<&str> = Vec::new();
        for (session_id, entries) in &by_session {
            if insert_entries(&mut *tx, session_id, entries).await? {
                touched.push(session_id);
            }
        }
        for change in &batch.effects {
            let changed = tx
                .execute(
                    query(
                        "update inspector_entry set effects = $3, bytes = bytes + $4 \
                         where session_id = $1 and seq = $2",
                    )
                    .bind(change.session_id.as_str())
                    .bind(change.seq)
                    .bind(change.effects.as_str())
                    .bind(change.added_bytes),
                )
                .await?;
            if changed > 0 {
                tx.execute(
                    query("update inspector_session set bytes = bytes + $2 where id = $1")
                        .bind(change.session_id.as_str())
                        .bind(change.added_bytes),
                )
                .await?;
                touched.push(&change.session_id);
            }
        }
        touched.sort_unstable();
        touched.dedup();
        for session_id in touched {
            trim_session(&mut *tx, session_id, limits).await?;
        }
        trim_total(&mut *tx, limits).await?;
        tx.commit().await?;
        Ok(())
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
        take_turn(&mut *tx).await?;
        tx.execute(query("delete from inspector_session")).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Waits for this transaction's turn among the record's writers (see the module's invariants).
async fn take_turn(tx: &mut impl Exec) -> Result<()> {
    tx.execute(query(
        "update inspector_writer set writes = writes + 1 where id = 1",
    ))
    .await?;
    Ok(())
}

/// Inserts a session's new entries and counts them on the session; `false` (nothing written)
/// when the record no longer has the session.
async fn insert_entries(
    tx: &mut impl Exec,
    session_id: &str,
    entries: &[&InspectorEntry],
) -> Result<bool> {
    let next = entries.iter().map(|e| e.seq + 1).max().unwrap_or(0);
    let exists = tx
        .execute(
            query(
                "update inspector_session set next_seq = \
                 case when next_seq > $2 then next_seq else $2 end where id = $1",
            )
            .bind(session_id)
            .bind(next),
        )
        .await?;
    if exists == 0 {
        return Ok(false);
    }
    let mut inserted = 0;
    for chunk in entries.chunks(ENTRY_CHUNK) {
        let mut q: Query<'_> = query(format!(
            "insert into inspector_entry ({ENTRY_COLUMNS}) values "
        ));
        for (i, e) in chunk.iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" });
            q.push_bind(e.session_id.as_str());
            for value in [e.seq, e.offset_us] {
                q.push(", ");
                q.push_bind(value);
            }
            q.push(", ");
            q.push_bind(e.flow.as_str());
            for text in [&e.message_type, &e.external_call_id] {
                q.push(", ");
                q.push_bind(text.as_deref());
            }
            for text in [&e.message, &e.findings, &e.effects] {
                q.push(", ");
                q.push_bind(text.as_str());
            }
            for text in [&e.rest, &e.fault] {
                q.push(", ");
                q.push_bind(text.as_deref());
            }
            q.push(", ");
            q.push_bind(e.bytes);
            q.push(")");
        }
        q.push(" on conflict (session_id, seq) do nothing");
        inserted += tx.execute(q).await?;
    }
    let counters = if inserted as usize == entries.len() {
        let bytes: i64 = entries.iter().map(|e| e.bytes).sum();
        query(
            "update inspector_session set entry_count = entry_count + $2, bytes = bytes + $3 \
             where id = $1",
        )
        .bind(session_id)
        .bind(inserted as i64)
        .bind(bytes)
    } else {
        // Some seqs were there already (a session adopted while its last owner still wrote):
        // count again, once.
        query(
            "update inspector_session set \
             entry_count = (select count(*) from inspector_entry where session_id = $1), \
             bytes = (select cast(coalesce(sum(bytes), 0) as bigint) from inspector_entry \
             where session_id = $1) where id = $1",
        )
        .bind(session_id)
    };
    tx.execute(counters).await?;
    Ok(true)
}

/// Drops a session's oldest entries (by seq) while it is over a per-session bound; the newest
/// entry stays.
async fn trim_session(
    tx: &mut impl Exec,
    session_id: &str,
    limits: &InspectorLimits,
) -> Result<()> {
    let row = tx
        .fetch_one(
            query("select entry_count, bytes from inspector_session where id = $1")
                .bind(session_id),
        )
        .await?;
    let (count, bytes): (i64, i64) = (row.get("entry_count")?, row.get("bytes")?);
    let over = |dropped: i64, freed: i64| {
        count - dropped > 1
            && (count - dropped > limits.session_entries || bytes - freed > limits.session_bytes)
    };
    if !over(0, 0) {
        return Ok(());
    }
    let (mut dropped, mut freed, mut cutoff) = (0_i64, 0_i64, -1_i64);
    'pages: loop {
        let rows = tx
            .fetch_all(
                query(
                    "select seq, bytes from inspector_entry where session_id = $1 and seq > $2 \
                     order by seq limit $3",
                )
                .bind(session_id)
                .bind(cutoff)
                .bind(TRIM_PAGE),
            )
            .await?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            if !over(dropped, freed) {
                break 'pages;
            }
            cutoff = row.get("seq")?;
            freed += row.get::<i64>("bytes")?;
            dropped += 1;
        }
    }
    if dropped == 0 {
        return Ok(());
    }
    tx.execute(
        query("delete from inspector_entry where session_id = $1 and seq <= $2")
            .bind(session_id)
            .bind(cutoff),
    )
    .await?;
    tx.execute(
        query(
            "update inspector_session set entry_count = entry_count - $2, bytes = bytes - $3, \
             dropped_entries = dropped_entries + $2 where id = $1",
        )
        .bind(session_id)
        .bind(dropped)
        .bind(freed),
    )
    .await?;
    Ok(())
}

/// Drops the oldest sessions while the record is over its total bounds; the newest stays.
/// Sums the session rows (as many as the bound on sessions allows), never the entries.
async fn trim_total(tx: &mut impl Exec, limits: &InspectorLimits) -> Result<()> {
    let row = tx
        .fetch_one(query(
            "select count(*) as n, cast(coalesce(sum(bytes), 0) as bigint) as b \
             from inspector_session",
        ))
        .await?;
    let (mut count, mut bytes): (i64, i64) = (row.get("n")?, row.get("b")?);
    if count <= limits.sessions && bytes <= limits.total_bytes {
        return Ok(());
    }
    let rows = tx
        .fetch_all(query(
            "select id, bytes from inspector_session order by started_at, id",
        ))
        .await?;
    let mut gone: Vec<String> = Vec::new();
    for row in &rows {
        if count <= 1 || (count <= limits.sessions && bytes <= limits.total_bytes) {
            break;
        }
        gone.push(row.get("id")?);
        bytes -= row.get::<i64>("bytes")?;
        count -= 1;
    }
    for ids in gone.chunks(500) {
        let mut q = query("delete from inspector_session where id in (");
        q.push_binds(ids.iter());
        q.push(")");
        tx.execute(q).await?;
    }
    Ok(())
}
