//! The store's queries, written once and compiled for each backend.
//!
//! SQLite and PostgreSQL agree on everything used here (`$n` parameters, `returning`,
//! `on conflict ... do update`, `coalesce`), so [`impl_store!`] expands the same method bodies
//! for `SqlitePool` and `PgPool`. What differs between the backends (connecting, pragmas,
//! migrations) lives in `sqlite.rs` and `postgres.rs`.

use rand::Rng;

/// A random id with `digits` decimal digits. People see these ids (portal 48213377, owner
/// 731942208) and HubSpot's look alike; sequential ids would also leak how many exist.
pub(crate) fn random_id(digits: u32) -> i64 {
    let low = 10_i64.pow(digits - 1);
    rand::thread_rng().gen_range(low..low * 10)
}

/// How many times an insert with a random id is retried when the id is taken.
pub(crate) const ID_ATTEMPTS: usize = 8;

pub(crate) const SETTINGS_COLUMNS: &str = "app_id, name, url, width, height, is_ready, \
    supports_custom_objects, supports_inbound_calling, uses_calling_window, uses_remote, \
    created_at, updated_at";

macro_rules! impl_store {
    ($store:ty, $row:ty, $backend:expr) => {
        use async_trait::async_trait;
        use chrono::{DateTime, Utc};
        use sqlx::Row;

        use crate::error::{is_unique_violation, Result, StoreError};
        use crate::model::*;
        use crate::queries::{random_id, ID_ATTEMPTS, SETTINGS_COLUMNS};
        use crate::{Backend, Store};

        /// Runs `insert` with fresh random ids until one is free.
        macro_rules! with_random_id {
            ($digits:expr, |$id:ident| $insert:expr) => {{
                let mut attempt = 0;
                loop {
                    let $id = random_id($digits);
                    match $insert.await {
                        Ok(row) => break Ok::<_, StoreError>(row),
                        Err(err) if is_unique_violation(&err) && attempt + 1 < ID_ATTEMPTS => {
                            attempt += 1;
                        }
                        Err(err) => break Err(err.into()),
                    }
                }
            }};
        }

        fn user_from_row(row: &$row) -> Result<User> {
            Ok(User {
                id: row.try_get("id")?,
                portal_id: row.try_get("portal_id")?,
                owner_id: row.try_get("owner_id")?,
                email: row.try_get("email")?,
                first_name: row.try_get("first_name")?,
                last_name: row.try_get("last_name")?,
                created_at: from_millis(row.try_get("created_at")?),
            })
        }

        fn calling_settings_from_row(row: &$row) -> Result<CallingSettings> {
            Ok(CallingSettings {
                app_id: row.try_get("app_id")?,
                fields: CallingSettingsFields {
                    name: row.try_get("name")?,
                    url: row.try_get("url")?,
                    width: row.try_get("width")?,
                    height: row.try_get("height")?,
                    is_ready: row.try_get("is_ready")?,
                    supports_custom_objects: row.try_get("supports_custom_objects")?,
                    supports_inbound_calling: row.try_get("supports_inbound_calling")?,
                    uses_calling_window: row.try_get("uses_calling_window")?,
                    uses_remote: row.try_get("uses_remote")?,
                },
                created_at: from_millis(row.try_get("created_at")?),
                updated_at: from_millis(row.try_get("updated_at")?),
            })
        }

        fn recording_settings_from_row(row: &$row) -> Result<RecordingSettings> {
            Ok(RecordingSettings {
                app_id: row.try_get("app_id")?,
                url_to_retrieve_authed_recording: row.try_get("url_to_retrieve_authed_recording")?,
                created_at: from_millis(row.try_get("created_at")?),
                updated_at: from_millis(row.try_get("updated_at")?),
            })
        }

        fn channel_settings_from_row(row: &$row) -> Result<ChannelConnectionSettings> {
            Ok(ChannelConnectionSettings {
                app_id: row.try_get("app_id")?,
                url: row.try_get("url")?,
                is_ready: row.try_get("is_ready")?,
                created_at: from_millis(row.try_get("created_at")?),
                updated_at: from_millis(row.try_get("updated_at")?),
            })
        }

        #[async_trait]
        impl Store for $store {
            fn backend(&self) -> Backend {
                $backend
            }

            async fn create_developer_account(&self, name: &str) -> Result<DeveloperAccount> {
                let created_at = now();
                let id = with_random_id!(7, |id| sqlx::query(
                    "insert into developer_account (id, name, created_at) values ($1, $2, $3) returning id"
                )
                .bind(id)
                .bind(name)
                .bind(to_millis(created_at))
                .fetch_one(&self.pool))?
                .try_get("id")?;
                Ok(DeveloperAccount { id, name: name.to_owned(), created_at })
            }

            async fn add_developer_api_key(
                &self,
                developer_account_id: i64,
                key_hash: &str,
            ) -> Result<()> {
                sqlx::query(
                    "insert into developer_api_key (key_hash, developer_account_id, created_at) \
                     values ($1, $2, $3) on conflict (key_hash) do nothing",
                )
                .bind(key_hash)
                .bind(developer_account_id)
                .bind(to_millis(now()))
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn find_developer_by_api_key(&self, key_hash: &str) -> Result<Option<i64>> {
                let row = sqlx::query(
                    "select developer_account_id from developer_api_key where key_hash = $1",
                )
                .bind(key_hash)
                .fetch_optional(&self.pool)
                .await?;
                Ok(match row {
                    Some(row) => Some(row.try_get("developer_account_id")?),
                    None => None,
                })
            }

            async fn create_portal(&self, name: &str) -> Result<Portal> {
                let created_at = now();
                let id = with_random_id!(8, |id| sqlx::query(
                    "insert into portal (id, name, created_at) values ($1, $2, $3) returning id"
                )
                .bind(id)
                .bind(name)
                .bind(to_millis(created_at))
                .fetch_one(&self.pool))?
                .try_get("id")?;
                Ok(Portal { id, name: name.to_owned(), created_at })
            }

            async fn get_portal(&self, portal_id: i64) -> Result<Option<Portal>> {
                let row = sqlx::query("select id, name, created_at from portal where id = $1")
                    .bind(portal_id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|row| {
                    Ok(Portal {
                        id: row.try_get("id")?,
                        name: row.try_get("name")?,
                        created_at: from_millis(row.try_get("created_at")?),
                    })
                })
                .transpose()
            }

            async fn create_user(&self, user: &NewUser<'_>) -> Result<User> {
                let created_at = to_millis(now());
                let row = with_random_id!(8, |id| sqlx::query(
                    "insert into portal_user \
                     (id, portal_id, owner_id, email, first_name, last_name, created_at) \
                     values ($1, $2, $3, $4, $5, $6, $7) returning *"
                )
                .bind(id)
                .bind(user.portal_id)
                .bind(random_id(9))
                .bind(user.email)
                .bind(user.first_name)
                .bind(user.last_name)
                .bind(created_at)
                .fetch_one(&self.pool))?;
                user_from_row(&row)
            }

            async fn get_user(&self, portal_id: i64, user_id: i64) -> Result<Option<User>> {
                let row = sqlx::query("select * from portal_user where portal_id = $1 and id = $2")
                    .bind(portal_id)
                    .bind(user_id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(user_from_row).transpose()
            }

            async fn list_users(&self, portal_id: i64) -> Result<Vec<User>> {
                let rows = sqlx::query("select * from portal_user where portal_id = $1 order by id")
                    .bind(portal_id)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(user_from_row).collect()
            }

            async fn add_access_token(&self, token: &NewAccessToken<'_>) -> Result<()> {
                sqlx::query(
                    "insert into access_token \
                     (token_hash, portal_id, user_id, developer_account_id, scopes, created_at) \
                     values ($1, $2, $3, $4, $5, $6) \
                     on conflict (token_hash) do update set portal_id = excluded.portal_id, \
                     user_id = excluded.user_id, \
                     developer_account_id = excluded.developer_account_id, \
                     scopes = excluded.scopes",
                )
                .bind(token.token_hash)
                .bind(token.portal_id)
                .bind(token.user_id)
                .bind(token.developer_account_id)
                .bind(token.scopes.join(" "))
                .bind(to_millis(now()))
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn find_access_token(&self, token_hash: &str) -> Result<Option<AccessGrant>> {
                let row = sqlx::query(
                    "select portal_id, user_id, developer_account_id, scopes \
                     from access_token where token_hash = $1",
                )
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|row| {
                    let scopes: String = row.try_get("scopes")?;
                    Ok(AccessGrant {
                        portal_id: row.try_get("portal_id")?,
                        user_id: row.try_get("user_id")?,
                        developer_account_id: row.try_get("developer_account_id")?,
                        scopes: scopes.split_whitespace().map(str::to_owned).collect(),
                    })
                })
                .transpose()
            }

            async fn get_app(&self, app_id: i64) -> Result<Option<App>> {
                let row = sqlx::query(
                    "select id, developer_account_id, created_at from app where id = $1",
                )
                .bind(app_id)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|row| {
                    Ok(App {
                        id: row.try_get("id")?,
                        developer_account_id: row.try_get("developer_account_id")?,
                        created_at: from_millis(row.try_get("created_at")?),
                    })
                })
                .transpose()
            }

            async fn register_app(&self, app_id: i64, developer_account_id: i64) -> Result<App> {
                sqlx::query(
                    "insert into app (id, developer_account_id, created_at) values ($1, $2, $3) \
                     on conflict (id) do nothing",
                )
                .bind(app_id)
                .bind(developer_account_id)
                .bind(to_millis(now()))
                .execute(&self.pool)
                .await?;
                self.get_app(app_id).await?.ok_or_else(|| {
                    StoreError::Conflict(format!("app {app_id} vanished while registering"))
                })
            }

            async fn install_app(&self, portal_id: i64, app_id: i64) -> Result<()> {
                sqlx::query(
                    "insert into app_install (portal_id, app_id, created_at) values ($1, $2, $3) \
                     on conflict (portal_id, app_id) do nothing",
                )
                .bind(portal_id)
                .bind(app_id)
                .bind(to_millis(now()))
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn installed_apps(&self, portal_id: i64) -> Result<Vec<i64>> {
                let rows = sqlx::query(
                    "select app_id from app_install where portal_id = $1 order by created_at, app_id",
                )
                .bind(portal_id)
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(|row| Ok(row.try_get("app_id")?)).collect()
            }

            async fn client_secret(&self, app_id: i64) -> Result<Option<String>> {
                // Insert-if-absent, then read: two tabs asking at once agree on one secret.
                sqlx::query(
                    "insert into app_client_secret (app_id, secret, created_at) \
                     select id, $2, $3 from app where id = $1 \
                     on conflict (app_id) do nothing",
                )
                .bind(app_id)
                .bind(crate::secret::generate_client_secret())
                .bind(to_millis(now()))
                .execute(&self.pool)
                .await?;
                let row = sqlx::query("select secret from app_client_secret where app_id = $1")
                    .bind(app_id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|row| Ok(row.try_get("secret")?)).transpose()
            }

            async fn rotate_client_secret(&self, app_id: i64) -> Result<Option<String>> {
                let row = sqlx::query(
                    "insert into app_client_secret (app_id, secret, created_at) \
                     select id, $2, $3 from app where id = $1 \
                     on conflict (app_id) do update set secret = excluded.secret, \
                     created_at = excluded.created_at returning secret",
                )
                .bind(app_id)
                .bind(crate::secret::generate_client_secret())
                .bind(to_millis(now()))
                .fetch_optional(&self.pool)
                .await?;
                row.map(|row| Ok(row.try_get("secret")?)).transpose()
            }

            async fn put_calling_settings(
                &self,
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
                let row = sqlx::query(&sql)
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
                    .bind(to_millis(now))
                    .fetch_one(&self.pool)
                    .await?;
                calling_settings_from_row(&row)
            }

            async fn get_calling_settings(&self, app_id: i64) -> Result<Option<CallingSettings>> {
                let sql = format!("select {SETTINGS_COLUMNS} from calling_settings where app_id = $1");
                let row = sqlx::query(&sql).bind(app_id).fetch_optional(&self.pool).await?;
                row.as_ref().map(calling_settings_from_row).transpose()
            }

            async fn patch_calling_settings(
                &self,
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
                let row = sqlx::query(&sql)
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
                    .bind(to_millis(now))
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(calling_settings_from_row).transpose()
            }

            async fn delete_calling_settings(&self, app_id: i64) -> Result<bool> {
                let done = sqlx::query("delete from calling_settings where app_id = $1")
                    .bind(app_id)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn put_recording_settings(
                &self,
                app_id: i64,
                url: &str,
                now: DateTime<Utc>,
            ) -> Result<RecordingSettings> {
                let row = sqlx::query(
                    "insert into recording_settings \
                     (app_id, url_to_retrieve_authed_recording, created_at, updated_at) \
                     values ($1, $2, $3, $3) on conflict (app_id) do update set \
                     url_to_retrieve_authed_recording = excluded.url_to_retrieve_authed_recording, \
                     updated_at = excluded.updated_at returning *",
                )
                .bind(app_id)
                .bind(url)
                .bind(to_millis(now))
                .fetch_one(&self.pool)
                .await?;
                recording_settings_from_row(&row)
            }

            async fn get_recording_settings(
                &self,
                app_id: i64,
            ) -> Result<Option<RecordingSettings>> {
                let row = sqlx::query("select * from recording_settings where app_id = $1")
                    .bind(app_id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(recording_settings_from_row).transpose()
            }

            async fn patch_recording_settings(
                &self,
                app_id: i64,
                url: Option<&str>,
                now: DateTime<Utc>,
            ) -> Result<Option<RecordingSettings>> {
                let row = sqlx::query(
                    "update recording_settings set \
                     url_to_retrieve_authed_recording = coalesce($2, url_to_retrieve_authed_recording), \
                     updated_at = $3 where app_id = $1 returning *",
                )
                .bind(app_id)
                .bind(url)
                .bind(to_millis(now))
                .fetch_optional(&self.pool)
                .await?;
                row.as_ref().map(recording_settings_from_row).transpose()
            }

            async fn put_channel_connection_settings(
                &self,
                app_id: i64,
                url: &str,
                is_ready: bool,
                now: DateTime<Utc>,
            ) -> Result<ChannelConnectionSettings> {
                let row = sqlx::query(
                    "insert into channel_connection_settings \
                     (app_id, url, is_ready, created_at, updated_at) values ($1, $2, $3, $4, $4) \
                     on conflict (app_id) do update set url = excluded.url, \
                     is_ready = excluded.is_ready, updated_at = excluded.updated_at returning *",
                )
                .bind(app_id)
                .bind(url)
                .bind(is_ready)
                .bind(to_millis(now))
                .fetch_one(&self.pool)
                .await?;
                channel_settings_from_row(&row)
            }

            async fn get_channel_connection_settings(
                &self,
                app_id: i64,
            ) -> Result<Option<ChannelConnectionSettings>> {
                let row = sqlx::query("select * from channel_connection_settings where app_id = $1")
                    .bind(app_id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(channel_settings_from_row).transpose()
            }

            async fn patch_channel_connection_settings(
                &self,
                app_id: i64,
                url: Option<&str>,
                is_ready: Option<bool>,
                now: DateTime<Utc>,
            ) -> Result<Option<ChannelConnectionSettings>> {
                let row = sqlx::query(
                    "update channel_connection_settings set url = coalesce($2, url), \
                     is_ready = coalesce($3, is_ready), updated_at = $4 \
                     where app_id = $1 returning *",
                )
                .bind(app_id)
                .bind(url)
                .bind(is_ready)
                .bind(to_millis(now))
                .fetch_optional(&self.pool)
                .await?;
                row.as_ref().map(channel_settings_from_row).transpose()
            }

            async fn delete_channel_connection_settings(&self, app_id: i64) -> Result<bool> {
                let done = sqlx::query("delete from channel_connection_settings where app_id = $1")
                    .bind(app_id)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn get_meta(&self, key: &str) -> Result<Option<String>> {
                let row = sqlx::query("select value from meta where key = $1")
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|row| Ok(row.try_get("value")?)).transpose()
            }

            async fn set_meta(&self, key: &str, value: &str) -> Result<()> {
                sqlx::query(
                    "insert into meta (key, value) values ($1, $2) \
                     on conflict (key) do update set value = excluded.value",
                )
                .bind(key)
                .bind(value)
                .execute(&self.pool)
                .await?;
                Ok(())
            }
        }

        crate::recordings::impl_recording_store!($store);
        crate::saved_searches::impl_saved_search_store!($store, $row);
    };
}

pub(crate) use impl_store;
