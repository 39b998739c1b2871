//! Reading the record back from the store, as the inspector page, the transcript and the
//! event streams show it; and when readers look again ([`wait_for_change`]).
//!
//! Every read flushes this process's queue first, so an entry this process recorded (an
//! action's, whose seqs the automation API has just returned) is readable at once; entries of
//! other instances are there once their writer has written them (a few milliseconds), and the
//! bus wakes waiting readers then.

use std::time::Duration;

use callhost_protocol::engine::{Flow, IframeLocation, LogEntry};
use callhost_store::inspector::{InspectorEntry, InspectorFilter, InspectorSession};
use serde_json::Value;
use tokio::sync::watch;

use super::{Entry, Inspector, SessionRecord};

/// How often a waiting reader looks at the store anyway: other instances' entries wake it on
/// the bus (`Event::InspectorWritten`), which delivers at most once, so this is the bound on
/// how late a missed notification makes a reader.
pub const POLL_INTERVAL: Duration = Duration::from_secs(2);

/// Which part of the record an export shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExportFilter<'a> {
    pub app_id: Option<i64>,
    pub external_call_id: Option<&'a str>,
    /// One session (the panel beside the widget shows its own session only).
    pub session_id: Option<&'a str>,
}

/// Returns when the record may have changed: at once when this process records an entry or
/// the bus says another instance wrote a batch, and after [`POLL_INTERVAL`] in any case.
/// `false` when the record is gone. The one place readers wait.
pub async fn wait_for_change(changes: &mut watch::Receiver<u64>) -> bool {
    tokio::select! {
        changed = changes.changed() => changed.is_ok(),
        () = tokio::time::sleep(POLL_INTERVAL) => true,
    }
}

/// A recorded session, its entries and where its next entry goes.
pub struct Recorded {
    pub session: SessionRecord,
    /// One past the largest seq written.
    pub next_seq: usize,
}

impl Inspector {
    /// The portal's sessions, oldest first, optionally only an app's (or only one session),
    /// and only the entries about one call (then only the sessions with such entries).
    pub async fn export(
        &self,
        portal_id: i64,
        filter: &ExportFilter<'_>,
    ) -> callhost_store::Result<Vec<SessionRecord>> {
        let sessions = self
            .sessions(&InspectorFilter {
                portal_id: Some(portal_id),
                app_id: filter.app_id,
                session_id: filter.session_id,
            })
            .await?;
        let mut sessions: Vec<SessionRecord> = sessions.into_iter().map(|r| r.session).collect();
        let ids: Vec<String> = sessions.iter().map(|s| s.session_id.clone()).collect();
        let mut entries = self.entries(&ids, None, filter.external_call_id).await?;
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        for session in &mut sessions {
            let from = entries.partition_point(|(id, _)| *id < session.session_id);
            let to = entries.partition_point(|(id, _)| *id <= session.session_id);
            session.entries = entries[from..to].iter().map(|(_, e)| e.clone()).collect();
        }
        if filter.external_call_id.is_some() {
            sessions.retain(|s| !s.entries.is_empty());
        }
        Ok(sessions)
    }

    /// Sessions (without their entries), oldest first.
    pub async fn sessions(
        &self,
        filter: &InspectorFilter<'_>,
    ) -> callhost_store::Result<Vec<Recorded>> {
        self.flush().await;
        let rows = self.shared.store.inspector_sessions(filter).await?;
        Ok(rows.into_iter().map(recorded).collect())
    }

    /// One session (without its entries).
    pub async fn session(&self, session_id: &str) -> callhost_store::Result<Option<Recorded>> {
        let filter = InspectorFilter {
            session_id: Some(session_id),
            ..InspectorFilter::default()
        };
        Ok(self.sessions(&filter).await?.pop())
    }

    /// The entries of these sessions past seq `after` (about one call, when asked), with their
    /// session's id; by session, in time order.
    pub async fn entries(
        &self,
        session_ids: &[String],
        after: Option<usize>,
        external_call_id: Option<&str>,
    ) -> callhost_store::Result<Vec<(String, Entry)>> {
        self.flush().await;
        let after = after.map(|a| a as i64);
        let rows = self
            .shared
            .store
            .inspector_entries(session_ids, after, external_call_id)
            .await?;
        Ok(rows.into_iter().map(entry_of).collect())
    }
}

fn recorded(row: InspectorSession) -> Recorded {
    let location = Value::String(row.iframe_location);
    Recorded {
        next_seq: row.next_seq.max(0) as usize,
        session: SessionRecord {
            session_id: row.id,
            portal_id: row.portal_id,
            app_id: row.app_id,
            app_url: row.app_url,
            iframe_location: serde_json::from_value(location).unwrap_or(IframeLocation::Widget),
            started_at: row.started_at,
            entries: Vec::new(),
            dropped_entries: row.dropped_entries.max(0) as usize,
        },
    }
}

/// A stored entry as the record shows it (JSON the server wrote; what does not read back is
/// shown empty rather than failing the whole read).
fn entry_of(row: InspectorEntry) -> (String, Entry) {
    fn parse<T: serde::de::DeserializeOwned + Default>(text: &str) -> T {
        serde_json::from_str(text).unwrap_or_default()
    }
    let flow = serde_json::from_value(Value::String(row.flow)).unwrap_or(Flow::Host);
    let entry = Entry {
        seq: row.seq.max(0) as usize,
        offset_ms: row.offset_us as f64 / 1000.0,
        log: LogEntry {
            flow,
            message_type: row.message_type,
            message: parse(&row.message),
            findings: parse(&row.findings),
        },
        external_call_id: row.external_call_id,
        effects: parse(&row.effects),
        rest: row
            .rest
            .as_deref()
            .and_then(|r| serde_json::from_str(r).ok()),
        fault: row.fault.as_deref().map(parse),
        bytes: row.bytes.max(0) as usize,
    };
    (row.session_id, entry)
}
