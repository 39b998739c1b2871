//! Widget sessions as every process sharing the store sees them, behind
//! [`WidgetSessionStore`] (docs/design.md#session-handover).
//!
//! A row holds what a process needs to resume a session: its owner (portal, user, app), where
//! its iframe lives, the engine's state and its page's waiting frames (opaque JSON, the
//! server's to read), and which instance drives it now.
//!
//! Invariants:
//! - **One driver per session**: the `owner` column changes only by compare-and-set
//!   ([`WidgetSessionStore::take_widget_session`]), and a state write names the owner it
//!   expects, so a process that lost a session can no longer write it.
//! - **Writes never go back in time**: each carries the session's version, and a write older
//!   than the stored one changes nothing.
//! - **Sessions never cross users**: taking one over names its portal and user, and another
//!   user's session looks absent.

use async_trait::async_trait;

use crate::error::Result;
use crate::sql::{query, Get, SqlStore};

/// A widget session as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSession {
    pub id: String,
    pub portal_id: i64,
    pub user_id: i64,
    pub app_id: i64,
    /// `widget`, `remote` or `window`.
    pub location: String,
    /// The instance that drives it (`Bus::instance`).
    pub owner: String,
    /// Whether a page was connected at the last write.
    pub connected: bool,
    /// Incremented by each write.
    pub version: i64,
    /// Milliseconds since the epoch of the last input or connection change.
    pub last_seen_ms: i64,
    /// The server's JSON: the engine's state and the frames waiting for the page.
    pub state: String,
}

/// Widget sessions in the store. A supertrait of [`Store`](crate::Store).
#[async_trait]
pub trait WidgetSessionStore: Send + Sync {
    /// Records a session, or writes its state, connection and last use if `session.owner`
    /// still owns it and `session.version` is newer than the stored one; false (nothing
    /// written) when it is another instance's now, or the write is older.
    async fn save_widget_session(&self, session: &StoredSession) -> Result<bool>;

    /// Makes `owner` the driver of the user's session `id` and returns it as stored, with the
    /// previous owner in its `owner` field; `None` when there is no such session of this user.
    /// A compare-and-set: of two processes taking it at once, each sees the other's take as
    /// the previous owner, and the later one wins.
    async fn take_widget_session(
        &self,
        id: &str,
        portal_id: i64,
        user_id: i64,
        owner: &str,
    ) -> Result<Option<StoredSession>>;

    /// The session `id`, whoever owns it.
    async fn get_widget_session(&self, id: &str) -> Result<Option<StoredSession>>;

    /// Every stored session, by id.
    async fn list_widget_sessions(&self) -> Result<Vec<StoredSession>>;

    /// Deletes sessions last used before `idle_before_ms` without a page connected, and those
    /// last used before `dead_before_ms` whatever they say (their owner went away without
    /// writing that its page left); returns how many.
    async fn expire_widget_sessions(&self, idle_before_ms: i64, dead_before_ms: i64)
        -> Result<u64>;

    /// Deletes the session `id` if `owner` owns it.
    async fn delete_widget_session(&self, id: &str, owner: &str) -> Result<bool>;

    /// Deletes every session (a reset); returns how many.
    async fn delete_all_widget_sessions(&self) -> Result<u64>;
}

fn from_row(row: &impl Get) -> Result<StoredSession> {
    Ok(StoredSession {
        id: row.get("id")?,
        portal_id: row.get("portal_id")?,
        user_id: row.get("user_id")?,
        app_id: row.get("app_id")?,
        location: row.get("location")?,
        owner: row.get("owner")?,
        connected: row.get("connected")?,
        version: row.get("version")?,
        last_seen_ms: row.get("last_seen")?,
        state: row.get("state")?,
    })
}

#[async_trait]
impl<S: SqlStore> WidgetSessionStore for S {
    async fn save_widget_session(&self, s: &StoredSession) -> Result<bool> {
        let written = self
            .execute(
                query(
                    "insert into live_widget_session \
                     (id, portal_id, user_id, app_id, location, owner, connected, version, last_seen, state) \
                     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                     on conflict (id) do update set state = excluded.state, \
                     connected = excluded.connected, version = excluded.version, \
                     last_seen = excluded.last_seen \
                     where live_widget_session.owner = excluded.owner \
                     and live_widget_session.version < excluded.version",
                )
                .bind(&s.id)
                .bind(s.portal_id)
                .bind(s.user_id)
                .bind(s.app_id)
                .bind(&s.location)
                .bind(&s.owner)
                .bind(s.connected)
                .bind(s.version)
                .bind(s.last_seen_ms)
                .bind(&s.state),
            )
            .await?;
        Ok(written > 0)
    }

    async fn take_widget_session(
        &self,
        id: &str,
        portal_id: i64,
        user_id: i64,
        owner: &str,
    ) -> Result<Option<StoredSession>> {
        // Read, then set the owner only if it is still the one read: a take in between makes
        // the update miss, and the read is tried again.
        for _ in 0..8 {
            let row = self
                .fetch_optional(
                    query(
                        "select * from live_widget_session \
                         where id = $1 and portal_id = $2 and user_id = $3",
                    )
                    .bind(id)
                    .bind(portal_id)
                    .bind(user_id),
                )
                .await?;
            let Some(row) = row else { return Ok(None) };
            let found = from_row(&row)?;
            let taken = self
                .execute(
                    query("update live_widget_session set owner = $1 where id = $2 and owner = $3")
                        .bind(owner)
                        .bind(id)
                        .bind(&found.owner),
                )
                .await?;
            if taken > 0 {
                return Ok(Some(found));
            }
        }
        Err(crate::StoreError::Invariant(format!(
            "widget session {id} changed hands eight times while it was being taken over"
        )))
    }

    async fn get_widget_session(&self, id: &str) -> Result<Option<StoredSession>> {
        let row = self
            .fetch_optional(query("select * from live_widget_session where id = $1").bind(id))
            .await?;
        row.map(|row| from_row(&row)).transpose()
    }

    async fn list_widget_sessions(&self) -> Result<Vec<StoredSession>> {
        let rows = self
            .fetch_all(query("select * from live_widget_session order by id"))
            .await?;
        rows.iter().map(from_row).collect()
    }

    async fn expire_widget_sessions(
        &self,
        idle_before_ms: i64,
        dead_before_ms: i64,
    ) -> Result<u64> {
        Ok(self
            .execute(
                query(
                    "delete from live_widget_session \
                     where (connected = $1 and last_seen < $2) or last_seen < $3",
                )
                .bind(false)
                .bind(idle_before_ms)
                .bind(dead_before_ms),
            )
            .await?)
    }

    async fn delete_widget_session(&self, id: &str, owner: &str) -> Result<bool> {
        let deleted = self
            .execute(
                query("delete from live_widget_session where id = $1 and owner = $2")
                    .bind(id)
                    .bind(owner),
            )
            .await?;
        Ok(deleted > 0)
    }

    async fn delete_all_widget_sessions(&self) -> Result<u64> {
        Ok(self
            .execute(query("delete from live_widget_session"))
            .await?)
    }
}
