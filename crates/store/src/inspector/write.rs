//! Writing the record: a batch in one transaction, each session's counters kept with its
//! entries, and trimming to the limits (see `super`'s invariants).

use std::collections::BTreeMap;

use super::{InspectorBatch, InspectorEntry, InspectorLimits, ENTRY_COLUMNS, SESSION_COLUMNS};
use crate::sql::{query, Exec, Get, Query, SqlStore, Write};
use crate::Result;

/// Entries per insert statement (12 values each).
const ENTRY_CHUNK: usize = 100;
/// Rows read at a time while trimming.
const TRIM_PAGE: i64 = 256;

/// Writes a batch in one transaction, then trims what it touched (see the module docs).
pub(super) async fn batch<S: SqlStore>(
    store: &S,
    batch: &InspectorBatch,
    limits: &InspectorLimits,
) -> Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let mut tx = store.begin_write().await?;
    take_turn(&mut tx).await?;
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
        if insert_entries(&mut tx, session_id, entries).await? {
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
        trim_session(&mut tx, session_id, limits).await?;
    }
    trim_total(&mut tx, limits).await?;
    tx.commit().await?;
    Ok(())
}

/// Waits for this transaction's turn among the record's writers (see the module's invariants).
pub(super) async fn take_turn(tx: &mut impl Exec) -> Result<()> {
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
