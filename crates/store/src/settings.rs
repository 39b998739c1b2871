//! The apps' settings as HubSpot's settings APIs keep them: calling settings (the widget),
//! recording settings and channel-connection settings, one row per app each. A put replaces
//! the row and keeps its `created_at`; a patch changes only the given fields, in one
//! statement.

use chrono::{DateTime, Utc};

use crate::error::Result;
use crate::model::*;
use crate::sql::{query, Get, SqlStore};

const SETTINGS_COLUMNS: &str = "app_id, name, url, width, height, is_ready, \
    supports_custom_objects, supports_inbound_calling, uses_calling_window, uses_remote, \
    created_at, updated_at";

fn calling_settings_from_row(row: &impl Get) -> Result<CallingSettings> {
    Ok(CallingSettings {
        app_id: row.get("app_id")?,
        fields: CallingSettingsFields {
            name: row.get("name")?,
            url: row.get("url")?,
            width: row.get("width")?,
            height: row.get("height")?,
            is_ready: row.get("is_ready")?,
            supports_custom_objects: row.get("supports_custom_objects")?,
            supports_inbound_calling: row.get("supports_inbound_calling")?,
            uses_calling_window: row.get("uses_calling_window")?,
            uses_remote: row.get("uses_remote")?,
        },
        created_at: from_millis(row.get("created_at")?),
        updated_at: from_millis(row.get("updated_at")?),
    })
}

fn recording_settings_from_row(row: &impl Get) -> Result<RecordingSettings> {
    Ok(RecordingSettings {
        app_id: row.get("app_id")?,
        url_to_retrieve_authed_recording: row.get("url_to_retrieve_authed_recording")?,
        created_at: from_millis(row.get("created_at")?),
        updated_at: from_millis(row.get("updated_at")?),
    })
}

fn channel_settings_from_row(row: &impl Get) -> Result<ChannelConnectionSettings> {
    Ok(ChannelConnectionSettings {
        app_id: row.get("app_id")?,
        url: row.get("url")?,
        is_ready: row.get("is_ready")?,
        created_at: from_millis(row.get("created_at")?),
        updated_at: from_millis(row.get("updated_at")?),
    })
}

pub(crate) async fn put_calling_settings(
    store: &impl SqlStore,
    app_id: i64,
    fields: &CallingSettingsFields,
    now: DateTime<Utc>,
) -> Result<CallingSettings> {
    let sql = format!(
        "insert into calling_settings ({SETTINGS_COLUMNS}) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) \
         on conflict (app_id) do update set name = excluded.name, url = excluded.url, \
         width = excluded.width, height = excluded.height, \
         is_ready = excluded.is_ready, \
         supports_custom_objects = excluded.supports_custom_objects, \
         supports_inbound_calling = excluded.supports_inbound_calling, \
         uses_calling_window = excluded.uses_calling_window, \
         uses_remote = excluded.uses_remote, updated_at = excluded.updated_at \
         returning {SETTINGS_COLUMNS}"
    );
    let row = store
        .fetch_one(
            query(sql)
                .bind(app_id)
                .bind(&fields.name)
                .bind(&fields.url)
                .bind(fields.width)
                .bind(fields.height)
                .bind(fields.is_ready)
                .bind(fields.supports_custom_objects)
                .bind(fields.supports_inbound_calling)
                .bind(fields.uses_calling_window)
                .bind(fields.uses_remote)
                .bind(to_millis(now)),
        )
        .await?;
    calling_settings_from_row(&row)
}

pub(crate) async fn get_calling_settings(
    store: &impl SqlStore,
    app_id: i64,
) -> Result<Option<CallingSettings>> {
    let sql = format!("select {SETTINGS_COLUMNS} from calling_settings where app_id = $1");
    let row = store.fetch_optional(query(sql).bind(app_id)).await?;
    row.as_ref().map(calling_settings_from_row).transpose()
}

pub(crate) async fn patch_calling_settings(
    store: &impl SqlStore,
    app_id: i64,
    patch: &CallingSettingsPatch,
    now: DateTime<Utc>,
) -> Result<Option<CallingSettings>> {
    let sql = format!(
        "update calling_settings set name = coalesce($2, name), \
         url = coalesce($3, url), width = coalesce($4, width), \
         height = coalesce($5, height), is_ready = coalesce($6, is_ready), \
         supports_custom_objects = coalesce($7, supports_custom_objects), \
         supports_inbound_calling = coalesce($8, supports_inbound_calling), \
         uses_calling_window = coalesce($9, uses_calling_window), \
         uses_remote = coalesce($10, uses_remote), updated_at = $11 \
         where app_id = $1 returning {SETTINGS_COLUMNS}"
    );
    let row = store
        .fetch_optional(
            query(sql)
                .bind(app_id)
                .bind(patch.name.as_deref())
                .bind(patch.url.as_deref())
                .bind(patch.width)
                .bind(patch.height)
                .bind(patch.is_ready)
                .bind(patch.supports_custom_objects)
                .bind(patch.supports_inbound_calling)
                .bind(patch.uses_calling_window)
                .bind(patch.uses_remote)
                .bind(to_millis(now)),
        )
        .await?;
    row.as_ref().map(calling_settings_from_row).transpose()
}

pub(crate) async fn delete_calling_settings(store: &impl SqlStore, app_id: i64) -> Result<bool> {
    let deleted = store
        .execute(query("delete from calling_settings where app_id = $1").bind(app_id))
        .await?;
    Ok(deleted > 0)
}

pub(crate) async fn put_recording_settings(
    store: &impl SqlStore,
    app_id: i64,
    url: &str,
    now: DateTime<Utc>,
) -> Result<RecordingSettings> {
    let row = store
        .fetch_one(
            query(
                "insert into recording_settings \
                 (app_id, url_to_retrieve_authed_recording, created_at, updated_at) \
                 values ($1, $2, $3, $3) on conflict (app_id) do update set \
                 url_to_retrieve_authed_recording = excluded.url_to_retrieve_authed_recording, \
                 updated_at = excluded.updated_at returning *",
            )
            .bind(app_id)
            .bind(url)
            .bind(to_millis(now)),
        )
        .await?;
    recording_settings_from_row(&row)
}

pub(crate) async fn get_recording_settings(
    store: &impl SqlStore,
    app_id: i64,
) -> Result<Option<RecordingSettings>> {
    let row = store
        .fetch_optional(query("select * from recording_settings where app_id = $1").bind(app_id))
        .await?;
    row.as_ref().map(recording_settings_from_row).transpose()
}

pub(crate) async fn patch_recording_settings(
    store: &impl SqlStore,
    app_id: i64,
    url: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Option<RecordingSettings>> {
    let row = store
        .fetch_optional(
            query(
                "update recording_settings set url_to_retrieve_authed_recording = \
                 coalesce($2, url_to_retrieve_authed_recording), \
                 updated_at = $3 where app_id = $1 returning *",
            )
            .bind(app_id)
            .bind(url)
            .bind(to_millis(now)),
        )
        .await?;
    row.as_ref().map(recording_settings_from_row).transpose()
}

pub(crate) async fn put_channel_connection_settings(
    store: &impl SqlStore,
    app_id: i64,
    url: &str,
    is_ready: bool,
    now: DateTime<Utc>,
) -> Result<ChannelConnectionSettings> {
    let row = store
        .fetch_one(
            query(
                "insert into channel_connection_settings \
                 (app_id, url, is_ready, created_at, updated_at) values ($1, $2, $3, $4, $4) \
                 on conflict (app_id) do update set url = excluded.url, \
                 is_ready = excluded.is_ready, updated_at = excluded.updated_at returning *",
            )
            .bind(app_id)
            .bind(url)
            .bind(is_ready)
            .bind(to_millis(now)),
        )
        .await?;
    channel_settings_from_row(&row)
}

pub(crate) async fn get_channel_connection_settings(
    store: &impl SqlStore,
    app_id: i64,
) -> Result<Option<ChannelConnectionSettings>> {
    let row = store
        .fetch_optional(
            query("select * from channel_connection_settings where app_id = $1").bind(app_id),
        )
        .await?;
    row.as_ref().map(channel_settings_from_row).transpose()
}

pub(crate) async fn patch_channel_connection_settings(
    store: &impl SqlStore,
    app_id: i64,
    url: Option<&str>,
    is_ready: Option<bool>,
    now: DateTime<Utc>,
) -> Result<Option<ChannelConnectionSettings>> {
    let row = store
        .fetch_optional(
            query(
                "update channel_connection_settings set url = coalesce($2, url), \
                 is_ready = coalesce($3, is_ready), updated_at = $4 \
                 where app_id = $1 returning *",
            )
            .bind(app_id)
            .bind(url)
            .bind(is_ready)
            .bind(to_millis(now)),
        )
        .await?;
    row.as_ref().map(channel_settings_from_row).transpose()
}

pub(crate) async fn delete_channel_connection_settings(
    store: &impl SqlStore,
    app_id: i64,
) -> Result<bool> {
    let deleted = store
        .execute(query("delete from channel_connection_settings where app_id = $1").bind(app_id))
        .await?;
    Ok(deleted > 0)
}
