//! The [`OAuthStore`] queries, written once for both backends.

use async_trait::async_trait;

use super::{
    Install, IssuedTokens, NewOAuthApp, NewOAuthCode, OAuthAccessToken, OAuthClient, OAuthCode,
    OAuthStore, RefreshGrant, TimedGrant,
};
use crate::model::{from_millis, now, to_millis, AccessGrant, NewUser, Portal, User};
use crate::queries::{insert_user, user_from_row, with_random_id};
use crate::sql::{query, Exec, Get, SqlStore, Write};
use crate::Result;

fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

const CLIENT_COLUMNS: &str =
    "app_id, name, client_id, redirect_urls, scopes, optional_scopes, created_at";

fn client_from_row(row: &impl Get) -> Result<OAuthClient> {
    Ok(OAuthClient {
        app_id: row.get("app_id")?,
        name: row.get("name")?,
        client_id: row.get("client_id")?,
        redirect_urls: words(&row.get::<String>("redirect_urls")?),
        scopes: words(&row.get::<String>("scopes")?),
        optional_scopes: words(&row.get::<String>("optional_scopes")?),
        created_at: from_millis(row.get("created_at")?),
    })
}

#[async_trait]
impl<S: SqlStore> OAuthStore for S {
    async fn create_oauth_app(&self, app: &NewOAuthApp<'_>) -> Result<(OAuthClient, String)> {
        let created_at = now();
        let secret = crate::secret::generate_client_secret();
        let client_id = crate::secret::generate_client_secret();
        let app_id = with_random_id(7, |id| {
            self.fetch_one(
                query(
                    "insert into app (id, developer_account_id, created_at) \
                     values ($1, $2, $3) returning id",
                )
                .bind(id)
                .bind(app.developer_account_id)
                .bind(to_millis(created_at)),
            )
        })
        .await?
        .get::<i64>("id")?;
        // The app row is written first (its id is picked by retrying inserts); the client and
        // the secret follow in one transaction. An app row left without them by a failure in
        // between is an app without OAuth, as apps registered through settings are.
        let mut tx = self.begin_write().await?;
        tx.execute(
            query(format!(
                "insert into oauth_client ({CLIENT_COLUMNS}, client_secret_hash) \
                 values ($1, $2, $3, $4, $5, $6, $7, $8)"
            ))
            .bind(app_id)
            .bind(app.name)
            .bind(client_id.as_str())
            .bind(app.redirect_urls.join(" "))
            .bind(app.scopes.join(" "))
            .bind(app.optional_scopes.join(" "))
            .bind(to_millis(created_at))
            .bind(crate::secret::hash(&secret)),
        )
        .await?;
        tx.execute(
            query("insert into app_client_secret (app_id, secret, created_at) values ($1, $2, $3)")
                .bind(app_id)
                .bind(secret.as_str())
                .bind(to_millis(created_at)),
        )
        .await?;
        tx.commit().await?;
        let client = OAuthClient {
            app_id,
            name: app.name.to_owned(),
            client_id,
            redirect_urls: app.redirect_urls.to_vec(),
            scopes: app.scopes.to_vec(),
            optional_scopes: app.optional_scopes.to_vec(),
            created_at,
        };
        Ok((client, secret))
    }

    async fn get_oauth_client(&self, app_id: i64) -> Result<Option<OAuthClient>> {
        let row = self
            .fetch_optional(
                query(format!(
                    "select {CLIENT_COLUMNS} from oauth_client where app_id = $1"
                ))
                .bind(app_id),
            )
            .await?;
        row.as_ref().map(client_from_row).transpose()
    }

    async fn find_oauth_client(&self, client_id: &str) -> Result<Option<(OAuthClient, String)>> {
        let row = self
            .fetch_optional(
                query(format!(
                    "select {CLIENT_COLUMNS}, client_secret_hash from oauth_client \
                     where client_id = $1"
                ))
                .bind(client_id),
            )
            .await?;
        row.map(|row| Ok((client_from_row(&row)?, row.get("client_secret_hash")?)))
            .transpose()
    }

    async fn add_oauth_code(&self, code: &NewOAuthCode<'_>) -> Result<()> {
        let mut tx = self.begin_write().await?;
        // Codes nobody exchanged in time are cleared as new ones come, so the table stays small.
        tx.execute(query("delete from oauth_code where expires_at <= $1").bind(to_millis(now())))
            .await?;
        tx.execute(
            query(
                "insert into oauth_code (code_hash, app_id, portal_id, user_id, redirect_uri, \
                 scopes, code_challenge, code_challenge_method, expires_at) \
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(code.code_hash)
            .bind(code.app_id)
            .bind(code.portal_id)
            .bind(code.user_id)
            .bind(code.redirect_uri)
            .bind(code.scopes.join(" "))
            .bind(code.code_challenge)
            .bind(code.code_challenge_method)
            .bind(to_millis(code.expires_at)),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn take_oauth_code(&self, code_hash: &str) -> Result<Option<OAuthCode>> {
        let row = self
            .fetch_optional(
                query(
                    "delete from oauth_code where code_hash = $1 returning app_id, portal_id, \
                     user_id, redirect_uri, scopes, code_challenge, code_challenge_method, \
                     expires_at",
                )
                .bind(code_hash),
            )
            .await?;
        row.map(|row| {
            Ok(OAuthCode {
                app_id: row.get("app_id")?,
                portal_id: row.get("portal_id")?,
                user_id: row.get("user_id")?,
                redirect_uri: row.get("redirect_uri")?,
                scopes: words(&row.get::<String>("scopes")?),
                code_challenge: row.get("code_challenge")?,
                code_challenge_method: row.get("code_challenge_method")?,
                expires_at: from_millis(row.get("expires_at")?),
            })
        })
        .transpose()
    }

    async fn issue_oauth_tokens(&self, tokens: &IssuedTokens<'_>) -> Result<()> {
        let at = to_millis(now());
        let mut tx = self.begin_write().await?;
        let granted = tx
            .fetch_optional(
                query("select scopes from app_install where portal_id = $1 and app_id = $2")
                    .bind(tokens.portal_id)
                    .bind(tokens.app_id),
            )
            .await?;
        let mut scopes: Vec<String> = match &granted {
            Some(row) => words(&row.get::<Option<String>>("scopes")?.unwrap_or_default()),
            None => Vec::new(),
        };
        for scope in tokens.scopes {
            if !scopes.contains(scope) {
                scopes.push(scope.clone());
            }
        }
        tx.execute(
            query(
                "insert into app_install (portal_id, app_id, created_at, scopes) \
                 values ($1, $2, $3, $4) \
                 on conflict (portal_id, app_id) do update set scopes = excluded.scopes",
            )
            .bind(tokens.portal_id)
            .bind(tokens.app_id)
            .bind(at)
            .bind(scopes.join(" ")),
        )
        .await?;
        tx.execute(
            query(
                "delete from access_token where portal_id = $1 and app_id = $2 \
                 and expires_at <= $3",
            )
            .bind(tokens.portal_id)
            .bind(tokens.app_id)
            .bind(at),
        )
        .await?;
        if let Some(refresh) = tokens.refresh_token_hash {
            tx.execute(
                query(
                    "insert into refresh_token \
                     (token_hash, app_id, portal_id, user_id, scopes, created_at) \
                     values ($1, $2, $3, $4, $5, $6)",
                )
                .bind(refresh)
                .bind(tokens.app_id)
                .bind(tokens.portal_id)
                .bind(tokens.user_id)
                .bind(tokens.scopes.join(" "))
                .bind(at),
            )
            .await?;
        }
        tx.execute(
            query(
                "insert into access_token (token_hash, portal_id, user_id, developer_account_id, \
                 scopes, created_at, expires_at, app_id) \
                 values ($1, $2, $3, null, $4, $5, $6, $7)",
            )
            .bind(tokens.access_token_hash)
            .bind(tokens.portal_id)
            .bind(tokens.user_id)
            .bind(tokens.scopes.join(" "))
            .bind(at)
            .bind(to_millis(tokens.access_expires_at))
            .bind(tokens.app_id),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn find_refresh_token(&self, token_hash: &str) -> Result<Option<RefreshGrant>> {
        let row = self
            .fetch_optional(
                query(
                    "select app_id, portal_id, user_id, scopes, created_at from refresh_token \
                     where token_hash = $1",
                )
                .bind(token_hash),
            )
            .await?;
        row.map(|row| {
            Ok(RefreshGrant {
                app_id: row.get("app_id")?,
                portal_id: row.get("portal_id")?,
                user_id: row.get("user_id")?,
                scopes: words(&row.get::<String>("scopes")?),
                created_at: from_millis(row.get("created_at")?),
            })
        })
        .transpose()
    }

    async fn delete_refresh_token(&self, token_hash: &str) -> Result<bool> {
        let deleted = self
            .execute(query("delete from refresh_token where token_hash = $1").bind(token_hash))
            .await?;
        Ok(deleted > 0)
    }

    async fn find_oauth_access_token(&self, token_hash: &str) -> Result<Option<OAuthAccessToken>> {
        let row = self
            .fetch_optional(
                query(
                    "select app_id, portal_id, user_id, scopes, expires_at from access_token \
                     where token_hash = $1 and app_id is not null",
                )
                .bind(token_hash),
            )
            .await?;
        row.map(|row| {
            Ok(OAuthAccessToken {
                app_id: row.get("app_id")?,
                portal_id: row.get("portal_id")?,
                user_id: row.get("user_id")?,
                scopes: words(&row.get::<String>("scopes")?),
                expires_at: from_millis(row.get::<Option<i64>>("expires_at")?.unwrap_or(0)),
            })
        })
        .transpose()
    }

    async fn find_access_grant(&self, token_hash: &str) -> Result<Option<TimedGrant>> {
        let row = self
            .reader()
            .await?
            .fetch_optional(
                query(
                    "select portal_id, user_id, developer_account_id, scopes, app_id, expires_at \
                     from access_token where token_hash = $1",
                )
                .bind(token_hash),
            )
            .await?;
        row.map(|row| {
            Ok(TimedGrant {
                grant: AccessGrant {
                    portal_id: row.get("portal_id")?,
                    user_id: row.get("user_id")?,
                    developer_account_id: row.get("developer_account_id")?,
                    scopes: words(&row.get::<String>("scopes")?),
                    app_id: row.get("app_id")?,
                },
                expires_at: row.get::<Option<i64>>("expires_at")?.map(from_millis),
            })
        })
        .transpose()
    }

    async fn list_installs(&self, portal_id: i64) -> Result<Vec<Install>> {
        let rows = self
            .fetch_all(
                query(
                    "select app_id, scopes, created_at from app_install where portal_id = $1 \
                     order by created_at, app_id",
                )
                .bind(portal_id),
            )
            .await?;
        rows.iter()
            .map(|row| {
                Ok(Install {
                    app_id: row.get("app_id")?,
                    scopes: row.get::<Option<String>>("scopes")?.map(|s| words(&s)),
                    created_at: from_millis(row.get("created_at")?),
                })
            })
            .collect()
    }

    async fn uninstall_app(&self, portal_id: i64, app_id: i64) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        for table in ["access_token", "refresh_token", "oauth_code"] {
            tx.execute(
                query(format!(
                    "delete from {table} where portal_id = $1 and app_id = $2"
                ))
                .bind(portal_id)
                .bind(app_id),
            )
            .await?;
        }
        let removed = tx
            .execute(
                query("delete from app_install where portal_id = $1 and app_id = $2")
                    .bind(portal_id)
                    .bind(app_id),
            )
            .await?;
        tx.commit().await?;
        self.bus().tell_access_revoked().await;
        Ok(removed > 0)
    }

    async fn create_user_as(&self, user: &NewUser<'_>, super_admin: bool) -> Result<User> {
        insert_user(self, user, super_admin).await
    }

    async fn set_super_admin(&self, portal_id: i64, user_id: i64, on: bool) -> Result<bool> {
        let changed = self
            .execute(
                query("update portal_user set super_admin = $1 where portal_id = $2 and id = $3")
                    .bind(on)
                    .bind(portal_id)
                    .bind(user_id),
            )
            .await?;
        Ok(changed > 0)
    }

    async fn users_by_email(&self, email: &str) -> Result<Vec<User>> {
        let rows = self
            .fetch_all(
                query("select * from portal_user where email = $1 order by portal_id, id")
                    .bind(email),
            )
            .await?;
        rows.iter().map(user_from_row).collect()
    }

    async fn list_portals(&self) -> Result<Vec<Portal>> {
        let rows = self
            .fetch_all(query("select id, name, created_at from portal order by id"))
            .await?;
        rows.iter()
            .map(|row| {
                Ok(Portal {
                    id: row.get("id")?,
                    name: row.get("name")?,
                    created_at: from_millis(row.get("created_at")?),
                })
            })
            .collect()
    }
}
