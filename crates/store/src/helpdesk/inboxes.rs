//! The help desk's inboxes and the numbers connected to them (channels), as functions of any
//! [`SqlStore`] that the trait impl in `super::queries` (calls and tickets) calls. Both halves
//! start their write transactions with [`lock_inbox`], defined here.
//!
//! Connecting numbers is one transaction that starts by locking the inbox's row, so a number
//! is connected once per portal and a batch of numbers connects all or none.

use chrono::{DateTime, Utc};

use super::{Channel, Connected, Inbox, NewChannel};
use crate::error::{duplicate_as, is_unique_violation, Result};
use crate::model::{from_millis, to_millis};
use crate::sql::{query, Exec, Get, SqlStore, Write};

const CHANNEL_COLUMNS: &str = "c.id, c.portal_id, c.inbox_id, c.app_id, c.e164, \
    c.friendly_name, c.connected_at, s.name as app_name";
const CHANNEL_FROM: &str = "helpdesk_channel c \
    left join calling_settings s on s.app_id = c.app_id";

fn channel_from_row(row: &impl Get) -> Result<Channel> {
    Ok(Channel {
        id: row.get("id")?,
        portal_id: row.get("portal_id")?,
        inbox_id: row.get("inbox_id")?,
        app_id: row.get("app_id")?,
        app_name: row.get("app_name")?,
        e164: row.get("e164")?,
        friendly_name: row.get("friendly_name")?,
        connected_at: from_millis(row.get("connected_at")?),
    })
}

fn inbox_from_row(row: &impl Get) -> Result<Inbox> {
    Ok(Inbox {
        id: row.get("id")?,
        portal_id: row.get("portal_id")?,
        name: row.get("name")?,
        created_at: from_millis(row.get("created_at")?),
        channels: Vec::new(),
    })
}

/// Locks the inbox's row for the rest of the transaction; false when the portal has no such
/// inbox.
pub(crate) async fn lock_inbox(
    conn: &mut impl Exec,
    portal_id: i64,
    inbox_id: i64,
) -> Result<bool> {
    let locked = conn
        .execute(
            query("update helpdesk_inbox set name = name where id = $1 and portal_id = $2")
                .bind(inbox_id)
                .bind(portal_id),
        )
        .await?;
    Ok(locked > 0)
}

/// The channels of the portal (with these ids, when given), in id order.
async fn channels(
    conn: &mut impl Exec,
    portal_id: i64,
    ids: Option<&[i64]>,
) -> Result<Vec<Channel>> {
    let mut select = query(format!(
        "select {CHANNEL_COLUMNS} from {CHANNEL_FROM} where c.portal_id = $1"
    ))
    .bind(portal_id);
    if let Some(ids) = ids {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        select.push(" and c.id in (");
        select.push_binds(ids.iter().copied());
        select.push(")");
    }
    select.push(" order by c.id");
    conn.fetch_all(select)
        .await?
        .iter()
        .map(channel_from_row)
        .collect()
}

/// Which of `numbers` are connected in the portal.
async fn connected(
    conn: &mut impl Exec,
    portal_id: i64,
    numbers: &[NewChannel],
) -> Result<Vec<String>> {
    let mut select = query("select e164 from helpdesk_channel where portal_id = $1 and e164 in (")
        .bind(portal_id);
    select.push_binds(numbers.iter().map(|n| &n.e164));
    select.push(") order by e164");
    conn.fetch_all(select)
        .await?
        .iter()
        .map(|row| Ok(row.get("e164")?))
        .collect()
}

pub(crate) async fn list_inboxes(
    store: &impl SqlStore,
    portal_id: i64,
    default_name: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Inbox>> {
    let mut conn = store.conn().await?;
    let select = "select id, portal_id, name, created_at from helpdesk_inbox \
        where portal_id = $1 order by id";
    let mut rows = conn.fetch_all(query(select).bind(portal_id)).await?;
    if rows.is_empty() {
        // Two first reads at once: the unique name lets one insert win.
        conn.execute(
            query(
                "insert into helpdesk_inbox (portal_id, name, created_at) \
                 select $1, $2, $3 where not exists \
                 (select 1 from helpdesk_inbox where portal_id = $1) \
                 on conflict do nothing",
            )
            .bind(portal_id)
            .bind(default_name)
            .bind(to_millis(now)),
        )
        .await?;
        rows = conn.fetch_all(query(select).bind(portal_id)).await?;
    }
    let mut inboxes: Vec<Inbox> = rows.iter().map(inbox_from_row).collect::<Result<_>>()?;
    for channel in channels(&mut conn, portal_id, None).await? {
        if let Some(inbox) = inboxes.iter_mut().find(|i| i.id == channel.inbox_id) {
            inbox.channels.push(channel);
        }
    }
    Ok(inboxes)
}

pub(crate) async fn create_inbox(
    store: &impl SqlStore,
    portal_id: i64,
    name: &str,
    now: DateTime<Utc>,
) -> Result<Inbox> {
    let row = store
        .fetch_one(
            query(
                "insert into helpdesk_inbox (portal_id, name, created_at) \
                 values ($1, $2, $3) returning id, portal_id, name, created_at",
            )
            .bind(portal_id)
            .bind(name)
            .bind(to_millis(now)),
        )
        .await
        .map_err(|err| duplicate_as(err, || format!("An inbox named {name} already exists.")))?;
    inbox_from_row(&row)
}

pub(crate) async fn connect_channels(
    store: &impl SqlStore,
    portal_id: i64,
    inbox_id: i64,
    app_id: i64,
    numbers: &[NewChannel],
    now: DateTime<Utc>,
) -> Result<Connected> {
    let mut tx = store.begin_write().await?;
    if !lock_inbox(&mut tx, portal_id, inbox_id).await? {
        return Ok(Connected::UnknownInbox);
    }
    if numbers.is_empty() {
        return Ok(Connected::Channels(Vec::new()));
    }
    let taken = connected(&mut tx, portal_id, numbers).await?;
    if !taken.is_empty() {
        return Ok(Connected::AlreadyConnected(taken));
    }
    let mut ids = Vec::with_capacity(numbers.len());
    for number in numbers {
        let inserted = tx
            .fetch_one(
                query(
                    "insert into helpdesk_channel \
                     (portal_id, inbox_id, app_id, e164, friendly_name, connected_at) \
                     values ($1, $2, $3, $4, $5, $6) returning id",
                )
                .bind(portal_id)
                .bind(inbox_id)
                .bind(app_id)
                .bind(&number.e164)
                .bind(number.friendly_name.as_deref())
                .bind(to_millis(now)),
            )
            .await;
        match inserted {
            Ok(row) => ids.push(row.get("id")?),
            // Connected by another request since the check (PostgreSQL): dropping the
            // transaction undoes this one's inserts.
            Err(err) if is_unique_violation(&err) => {
                return Ok(Connected::AlreadyConnected(vec![number.e164.clone()]))
            }
            Err(err) => return Err(err.into()),
        }
    }
    let made = channels(&mut tx, portal_id, Some(&ids)).await?;
    tx.commit().await?;
    Ok(Connected::Channels(made))
}

pub(crate) async fn list_channels(store: &impl SqlStore, portal_id: i64) -> Result<Vec<Channel>> {
    let mut conn = store.conn().await?;
    channels(&mut conn, portal_id, None).await
}

pub(crate) async fn find_channel(
    store: &impl SqlStore,
    portal_id: i64,
    e164: &str,
) -> Result<Option<Channel>> {
    let row = store
        .fetch_optional(
            query(format!(
                "select {CHANNEL_COLUMNS} from {CHANNEL_FROM} \
                 where c.portal_id = $1 and c.e164 = $2"
            ))
            .bind(portal_id)
            .bind(e164),
        )
        .await?;
    row.as_ref().map(channel_from_row).transpose()
}

pub(crate) async fn disconnect_channel(
    store: &impl SqlStore,
    portal_id: i64,
    channel_id: i64,
) -> Result<bool> {
    let deleted = store
        .execute(
            query("delete from helpdesk_channel where portal_id = $1 and id = $2")
                .bind(portal_id)
                .bind(channel_id),
        )
        .await?;
    Ok(deleted > 0)
}
