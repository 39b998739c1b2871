//! The [`Store`] trait's queries (tenancy, credentials, apps, meta; the settings are in
//! `crate::settings`), written once and implemented for every [`SqlStore`], that is for both
//! backends.
//!
//! SQLite and PostgreSQL agree on everything used here and in the other query modules (`$n`
//! parameters, `returning`, `on conflict ... do update`, `coalesce`); the few places where
//! they differ say so (`crate::crm::search`'s token match, `crate::postgres`'s statistics).
//!
//! How the queries are generic, of the two ways weighed: they run on any connection that
//! implements [`Exec`](crate::sql::Exec), whose blanket impl states the sqlx bounds once, and
//! each store trait is implemented once for any `S: SqlStore`. Binding and decoding stay the
//! backends' own, typed. One `sqlx::Any` pool was the other way; it was not taken because it
//! turns every row into `AnyRow` (each column decoded into `AnyValueKind` and text copied)
//! before we read it, makes the backend a runtime value instead of a type, and would still
//! leave PostgreSQL's own work (schema isolation, `analyze`) needing the typed pool. It was
//! not measured (the workspace builds sqlx without `any`). The generic code was: medians of
//! `benches/lookup.rs` with 20,000 contacts, three runs each before (macros) and after, on a
//! shared two-core machine: SQLite caller-ID lookup 0.076-0.282 ms before, 0.080-0.261 ms
//! after; SQLite search 2.44-2.56 ms, 2.50-2.71 ms; PostgreSQL lookup 0.18-0.37 ms,
//! 0.25-0.35 ms; PostgreSQL search 0.34-0.55 ms, 0.30-0.90 ms. The ranges overlap: no
//! difference shows above the machine's noise. The cost per statement is one small `Vec` of
//! values.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rand::Rng;

use crate::error::{is_unique_violation, Result, StoreError};
use crate::model::*;
use crate::settings;
use crate::sql::{query, Exec, Get, SqlStore, Write};
use crate::{Backend, Store};

/// A random id with `digits` decimal digits. People see these ids (portal 48213377, owner
/// 731942208) and HubSpot's look alike; sequential ids would also leak how many exist.
pub(crate) fn random_id(digits: u32) -> i64 {
    let low = 10_i64.pow(digits - 1);
    rand::thread_rng().gen_range(low..low * 10)
}

/// How many times an insert with a random id is retried when the id is taken.
const ID_ATTEMPTS: usize = 8;

/// Runs `insert` with fresh random ids of `digits` digits until one is free.
pub(crate) async fn with_random_id<T, F>(digits: u32, insert: impl Fn(i64) -> F) -> Result<T>
where
    F: std::future::Future<Output = Result<T, sqlx::Error>>,
{
    let mut attempt = 1;
    loop {
        match insert(random_id(digits)).await {
            Err(err) if is_unique_violation(&err) && attempt < ID_ATTEMPTS => attempt += 1,
            done => return Ok(done?),
        }
    }
}

pub(crate) fn user_from_row(row: &impl Get) -> Result<User> {
    Ok(User {
        id: row.get("id")?,
        portal_id: row.get("portal_id")?,
        owner_id: row.get("owner_id")?,
        email: row.get("email")?,
        first_name: row.get("first_name")?,
        last_name: row.get("last_name")?,
        super_admin: row.get("super_admin")?,
        created_at: from_millis(row.get("created_at")?),
    })
}

/// Inserts a user with a fresh id and owner id.
pub(crate) async fn insert_user<S: SqlStore>(
    store: &S,
    user: &NewUser<'_>,
    super_admin: bool,
) -> Result<User> {
    let created_at = to_millis(now());
    let row = with_random_id(8, |id| {
        store.fetch_one(
            query(
                "insert into portal_user \
                 (id, portal_id, owner_id, email, first_name, last_name, created_at, super_admin) \
                 values ($1, $2, $3, $4, $5, $6, $7, $8) returning *",
            )
            .bind(id)
            .bind(user.portal_id)
            .bind(random_id(9))
            .bind(user.email)
            .bind(user.first_name)
            .bind(user.last_name)
            .bind(created_at)
            .bind(super_admin),
        )
    })
    .await?;
    user_from_row(&row)
}

#[async_trait]
impl<S: SqlStore> Store for S {
    fn backend(&self) -> Backend {
        SqlStore::backend(self)
    }

    fn bus(&self) -> crate::bus::Bus {
        SqlStore::bus(self).clone()
    }

    async fn create_developer_account(&self, name: &str) -> Result<DeveloperAccount> {
        let created_at = now();
        let row = with_random_id(7, |id| {
            self.fetch_one(
                query(
                    "insert into developer_account (id, name, created_at) \
                     values ($1, $2, $3) returning id",
                )
                .bind(id)
                .bind(name)
                .bind(to_millis(created_at)),
            )
        })
        .await?;
        Ok(DeveloperAccount {
            id: row.get("id")?,
            name: name.to_owned(),
            created_at,
        })
    }

    async fn add_developer_api_key(&self, developer_account_id: i64, key_hash: &str) -> Result<()> {
        self.execute(
            query(
                "insert into developer_api_key (key_hash, developer_account_id, created_at) \
                 values ($1, $2, $3) on conflict (key_hash) do nothing",
            )
            .bind(key_hash)
            .bind(developer_account_id)
            .bind(to_millis(now())),
        )
        .await?;
        Ok(())
    }

    async fn find_developer_by_api_key(&self, key_hash: &str) -> Result<Option<i64>> {
        let row = self
            .fetch_optional(
                query("select developer_account_id from developer_api_key where key_hash = $1")
                    .bind(key_hash),
            )
            .await?;
        Ok(row.map(|row| row.get("developer_account_id")).transpose()?)
    }

    async fn create_portal(&self, name: &str) -> Result<Portal> {
        let created_at = now();
        let row = with_random_id(8, |id| {
            self.fetch_one(
                query("insert into portal (id, name, created_at) values ($1, $2, $3) returning id")
                    .bind(id)
                    .bind(name)
                    .bind(to_millis(created_at)),
            )
        })
        .await?;
        Ok(Portal {
            id: row.get("id")?,
            name: name.to_owned(),
            created_at,
        })
    }

    async fn get_portal(&self, portal_id: i64) -> Result<Option<Portal>> {
        let row = self
            .fetch_optional(
                query("select id, name, created_at from portal where id = $1").bind(portal_id),
            )
            .await?;
        row.map(|row| {
            Ok(Portal {
                id: row.get("id")?,
                name: row.get("name")?,
                created_at: from_millis(row.get("created_at")?),
            })
        })
        .transpose()
    }

    async fn create_user(&self, user: &NewUser<'_>) -> Result<User> {
        insert_user(self, user, false).await
    }

    async fn get_user(&self, portal_id: i64, user_id: i64) -> Result<Option<User>> {
        let row = self
            .fetch_optional(
                query("select * from portal_user where portal_id = $1 and id = $2")
                    .bind(portal_id)
                    .bind(user_id),
            )
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn list_users(&self, portal_id: i64) -> Result<Vec<User>> {
        let rows = self
            .fetch_all(
                query("select * from portal_user where portal_id = $1 order by id").bind(portal_id),
            )
            .await?;
        rows.iter().map(user_from_row).collect()
    }

    async fn add_access_token(&self, token: &NewAccessToken<'_>) -> Result<()> {
        let mut tx = self.begin_write().await?;
        // A token given again (the development token, a host session written back after a
        // reset) has its grant written over: no process may go on with the old one.
        let existed = tx
            .fetch_optional(
                query("select 1 as found from access_token where token_hash = $1")
                    .bind(token.token_hash),
            )
            .await?
            .is_some();
        tx.execute(
            query(
                "insert into access_token \
                 (token_hash, portal_id, user_id, developer_account_id, scopes, created_at, \
                 expires_at) \
                 values ($1, $2, $3, $4, $5, $6, $7) \
                 on conflict (token_hash) do update set portal_id = excluded.portal_id, \
                 user_id = excluded.user_id, \
                 developer_account_id = excluded.developer_account_id, \
                 scopes = excluded.scopes, expires_at = excluded.expires_at",
            )
            .bind(token.token_hash)
            .bind(token.portal_id)
            .bind(token.user_id)
            .bind(token.developer_account_id)
            .bind(token.scopes.join(" "))
            .bind(to_millis(now()))
            .bind(token.expires_at.map(to_millis)),
        )
        .await?;
        tx.commit().await?;
        if existed {
            self.bus().tell_access_revoked().await;
        }
        Ok(())
    }

    async fn delete_expired_access_tokens(&self) -> Result<u64> {
        let done = self
            .execute(
                query(
                    "delete from access_token where expires_at is not null and expires_at <= $1 \
                     and app_id is null",
                )
                .bind(to_millis(now())),
            )
            .await?;
        Ok(done)
    }

    async fn find_access_token(&self, token_hash: &str) -> Result<Option<AccessGrant>> {
        let row = self
            .reader()
            .await?
            .fetch_optional(
                query(
                    "select portal_id, user_id, developer_account_id, scopes, app_id \
                     from access_token where token_hash = $1 \
                     and (expires_at is null or expires_at > $2)",
                )
                .bind(token_hash)
                .bind(to_millis(now())),
            )
            .await?;
        row.map(|row| {
            let scopes: String = row.get("scopes")?;
            Ok(AccessGrant {
                portal_id: row.get("portal_id")?,
                user_id: row.get("user_id")?,
                developer_account_id: row.get("developer_account_id")?,
                scopes: scopes.split_whitespace().map(str::to_owned).collect(),
                app_id: row.get("app_id")?,
            })
        })
        .transpose()
    }

    async fn get_app(&self, app_id: i64) -> Result<Option<App>> {
        let row = self
            .fetch_optional(
                query("select id, developer_account_id, created_at from app where id = $1")
                    .bind(app_id),
            )
            .await?;
        row.map(|row| {
            Ok(App {
                id: row.get("id")?,
                developer_account_id: row.get("developer_account_id")?,
                created_at: from_millis(row.get("created_at")?),
            })
        })
        .transpose()
    }

    async fn register_app(&self, app_id: i64, developer_account_id: i64) -> Result<App> {
        self.execute(
            query(
                "insert into app (id, developer_account_id, created_at) values ($1, $2, $3) \
                 on conflict (id) do nothing",
            )
            .bind(app_id)
            .bind(developer_account_id)
            .bind(to_millis(now())),
        )
        .await?;
        self.get_app(app_id).await?.ok_or_else(|| {
            StoreError::Invariant(format!("app {app_id} vanished while registering"))
        })
    }

    async fn install_app(&self, portal_id: i64, app_id: i64) -> Result<()> {
        self.execute(
            query(
                "insert into app_install (portal_id, app_id, created_at) values ($1, $2, $3) \
                 on conflict (portal_id, app_id) do nothing",
            )
            .bind(portal_id)
            .bind(app_id)
            .bind(to_millis(now())),
        )
        .await?;
        Ok(())
    }

    async fn installed_apps(&self, portal_id: i64) -> Result<Vec<i64>> {
        let rows = self
            .fetch_all(
                query(
                    "select app_id from app_install where portal_id = $1 \
                     order by created_at, app_id",
                )
                .bind(portal_id),
            )
            .await?;
        rows.iter().map(|row| Ok(row.get("app_id")?)).collect()
    }

    async fn client_secret(&self, app_id: i64) -> Result<Option<String>> {
        // Insert-if-absent, then read: two tabs asking at once agree on one secret.
        self.execute(
            query(
                "insert into app_client_secret (app_id, secret, created_at) \
                 select id, $2, $3 from app where id = $1 \
                 on conflict (app_id) do nothing",
            )
            .bind(app_id)
            .bind(crate::secret::generate_client_secret())
            .bind(to_millis(now())),
        )
        .await?;
        let row = self
            .fetch_optional(
                query("select secret from app_client_secret where app_id = $1").bind(app_id),
            )
            .await?;
        Ok(row.map(|row| row.get("secret")).transpose()?)
    }

    async fn rotate_client_secret(&self, app_id: i64) -> Result<Option<String>> {
        let secret = crate::secret::generate_client_secret();
        // One transaction: the webhook key and the OAuth client's digest change together.
        let mut tx = self.begin_write().await?;
        let row = tx
            .fetch_optional(
                query(
                    "insert into app_client_secret (app_id, secret, created_at) \
                     select id, $2, $3 from app where id = $1 \
                     on conflict (app_id) do update set secret = excluded.secret, \
                     created_at = excluded.created_at returning secret",
                )
                .bind(app_id)
                .bind(secret.as_str())
                .bind(to_millis(now())),
            )
            .await?;
        tx.execute(
            query("update oauth_client set client_secret_hash = $1 where app_id = $2")
                .bind(crate::secret::hash(&secret))
                .bind(app_id),
        )
        .await?;
        tx.commit().await?;
        Ok(row.map(|row| row.get("secret")).transpose()?)
    }

    async fn put_calling_settings(
        &self,
        app_id: i64,
        fields: &CallingSettingsFields,
        now: DateTime<Utc>,
    ) -> Result<CallingSettings> {
        settings::put_calling_settings(self, app_id, fields, now).await
    }

    async fn get_calling_settings(&self, app_id: i64) -> Result<Option<CallingSettings>> {
        settings::get_calling_settings(self, app_id).await
    }

    async fn patch_calling_settings(
        &self,
        app_id: i64,
        patch: &CallingSettingsPatch,
        now: DateTime<Utc>,
    ) -> Result<Option<CallingSettings>> {
        settings::patch_calling_settings(self, app_id, patch, now).await
    }

    async fn delete_calling_settings(&self, app_id: i64) -> Result<bool> {
        settings::delete_calling_settings(self, app_id).await
    }

    async fn put_recording_settings(
        &self,
        app_id: i64,
        url: &str,
        now: DateTime<Utc>,
    ) -> Result<RecordingSettings> {
        settings::put_recording_settings(self, app_id, url, now).await
    }

    async fn get_recording_settings(&self, app_id: i64) -> Result<Option<RecordingSettings>> {
        settings::get_recording_settings(self, app_id).await
    }

    async fn patch_recording_settings(
        &self,
        app_id: i64,
        url: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Option<RecordingSettings>> {
        settings::patch_recording_settings(self, app_id, url, now).await
    }

    async fn put_channel_connection_settings(
        &self,
        app_id: i64,
        url: &str,
        is_ready: bool,
        now: DateTime<Utc>,
    ) -> Result<ChannelConnectionSettings> {
        settings::put_channel_connection_settings(self, app_id, url, is_ready, now).await
    }

    async fn get_channel_connection_settings(
        &self,
        app_id: i64,
    ) -> Result<Option<ChannelConnectionSettings>> {
        settings::get_channel_connection_settings(self, app_id).await
    }

    async fn patch_channel_connection_settings(
        &self,
        app_id: i64,
        url: Option<&str>,
        is_ready: Option<bool>,
        now: DateTime<Utc>,
    ) -> Result<Option<ChannelConnectionSettings>> {
        settings::patch_channel_connection_settings(self, app_id, url, is_ready, now).await
    }

    async fn delete_channel_connection_settings(&self, app_id: i64) -> Result<bool> {
        settings::delete_channel_connection_settings(self, app_id).await
    }

    async fn get_meta(&self, key: &str) -> Result<Option<String>> {
        let row = self
            .fetch_optional(query("select value from meta where key = $1").bind(key))
            .await?;
        Ok(row.map(|row| row.get("value")).transpose()?)
    }

    async fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.execute(
            query(
                "insert into meta (key, value) values ($1, $2) \
                 on conflict (key) do update set value = excluded.value",
            )
            .bind(key)
            .bind(value),
        )
        .await?;
        Ok(())
    }

    async fn ping(&self) -> Result<()> {
        self.fetch_one(query("select 1 as one")).await?;
        Ok(())
    }

    async fn add_signin_code(
        &self,
        code_hash: &str,
        portal_id: i64,
        user_id: i64,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        self.execute(
            query("delete from host_signin_code where expires_at <= $1").bind(to_millis(now())),
        )
        .await?;
        self.execute(
            query(
                "insert into host_signin_code (code_hash, portal_id, user_id, expires_at) \
                 values ($1, $2, $3, $4)",
            )
            .bind(code_hash)
            .bind(portal_id)
            .bind(user_id)
            .bind(to_millis(expires_at)),
        )
        .await?;
        Ok(())
    }

    async fn take_signin_code(&self, code_hash: &str) -> Result<Option<(i64, i64)>> {
        let row = self
            .fetch_optional(
                query(
                    "delete from host_signin_code where code_hash = $1 \
                     returning portal_id, user_id, expires_at",
                )
                .bind(code_hash),
            )
            .await?;
        let Some(row) = row else { return Ok(None) };
        if row.get::<i64>("expires_at")? <= to_millis(now()) {
            return Ok(None);
        }
        Ok(Some((row.get("portal_id")?, row.get("user_id")?)))
    }
}
