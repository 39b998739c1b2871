//! Writing a [`Dataset`] into emptied tables, inside the caller's transaction: every row with
//! the dataset's own id. CRM objects go through the same property writer as any create (their
//! history, computed properties and phone index), and associations through the same checked
//! writer, so a fixture's contact is found by caller ID exactly like one made by the API.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::{Dataset, DatasetApp};
use crate::crm::objects::{insert_associations, iso, write_properties};
use crate::crm::{NewAssociation, CREATE_DATE, LAST_MODIFIED, OBJECT_ID};
use crate::error::Result;
use crate::model::to_millis;
use crate::sql::{query, Exec};

/// How the objects' property history names their source.
const SOURCE_TYPE: &str = "IMPORT";

pub(super) async fn write(conn: &mut impl Exec, data: &Dataset, now: DateTime<Utc>) -> Result<()> {
    let at = to_millis(now);
    for account in &data.developer_accounts {
        conn.execute(
            query("insert into developer_account (id, name, created_at) values ($1, $2, $3)")
                .bind(account.id)
                .bind(account.name.as_str())
                .bind(at),
        )
        .await?;
        for hash in &account.api_key_hashes {
            conn.execute(
                query(
                    "insert into developer_api_key (key_hash, developer_account_id, created_at) \
                     values ($1, $2, $3)",
                )
                .bind(hash.as_str())
                .bind(account.id)
                .bind(at),
            )
            .await?;
        }
    }
    for portal in &data.portals {
        conn.execute(
            query("insert into portal (id, name, created_at) values ($1, $2, $3)")
                .bind(portal.id)
                .bind(portal.name.as_str())
                .bind(at),
        )
        .await?;
    }
    for user in &data.users {
        conn.execute(
            query(
                "insert into portal_user \
                 (id, portal_id, owner_id, email, first_name, last_name, created_at) \
                 values ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(user.id)
            .bind(user.portal_id)
            .bind(user.owner_id)
            .bind(user.email.as_str())
            .bind(user.first_name.as_str())
            .bind(user.last_name.as_str())
            .bind(at),
        )
        .await?;
    }
    for token in &data.access_tokens {
        conn.execute(
            query(
                "insert into access_token (token_hash, portal_id, user_id, \
                 developer_account_id, scopes, created_at, expires_at) \
                 values ($1, $2, $3, $4, $5, $6, null)",
            )
            .bind(token.token_hash.as_str())
            .bind(token.portal_id)
            .bind(token.user_id)
            .bind(token.developer_account_id)
            .bind(token.scopes.join(" "))
            .bind(at),
        )
        .await?;
    }
    for app in &data.apps {
        write_app(conn, app, at).await?;
    }
    for schema in &data.schemas {
        conn.execute(
            query(
                "insert into crm_schema (id, portal_id, name, definition, archived, \
                 created_at, updated_at) values ($1, $2, $3, $4, false, $5, $5)",
            )
            .bind(schema.id)
            .bind(schema.portal_id)
            .bind(schema.name.as_str())
            .bind(schema.definition.as_str())
            .bind(at),
        )
        .await?;
    }
    for object in &data.objects {
        conn.execute(
            query(
                "insert into crm_object \
                 (id, portal_id, object_type_id, archived, created_at, updated_at) \
                 values ($1, $2, $3, false, $4, $4)",
            )
            .bind(object.id)
            .bind(object.portal_id)
            .bind(object.object_type_id.as_str())
            .bind(at),
        )
        .await?;
        let mut properties = object.properties.clone();
        properties.insert(OBJECT_ID.into(), object.id.to_string());
        properties.insert(CREATE_DATE.into(), iso(now));
        properties.insert(LAST_MODIFIED.into(), iso(now));
        write_properties(
            conn,
            object.portal_id,
            &object.object_type_id,
            object.id,
            &properties,
            SOURCE_TYPE,
            now,
        )
        .await?;
    }
    let mut by_portal: BTreeMap<i64, Vec<NewAssociation>> = BTreeMap::new();
    for (portal_id, association) in &data.associations {
        by_portal
            .entry(*portal_id)
            .or_default()
            .push(association.clone());
    }
    for (portal_id, associations) in &by_portal {
        insert_associations(conn, *portal_id, associations, now).await?;
    }
    for (key, value) in &data.meta {
        conn.execute(
            query("insert into meta (key, value) values ($1, $2)")
                .bind(key.as_str())
                .bind(value.as_str()),
        )
        .await?;
    }
    Ok(())
}

/// An app, its installs and whichever of its settings and client secret the dataset gives.
async fn write_app(conn: &mut impl Exec, app: &DatasetApp, at: i64) -> Result<()> {
    conn.execute(
        query("insert into app (id, developer_account_id, created_at) values ($1, $2, $3)")
            .bind(app.id)
            .bind(app.developer_account_id)
            .bind(at),
    )
    .await?;
    for portal_id in &app.installed_in {
        conn.execute(
            query("insert into app_install (portal_id, app_id, created_at) values ($1, $2, $3)")
                .bind(*portal_id)
                .bind(app.id)
                .bind(at),
        )
        .await?;
    }
    if let Some(f) = &app.calling {
        conn.execute(
            query(
                "insert into calling_settings (app_id, name, url, width, height, is_ready, \
                 supports_custom_objects, supports_inbound_calling, uses_calling_window, \
                 uses_remote, created_at, updated_at) \
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
            )
            .bind(app.id)
            .bind(f.name.as_str())
            .bind(f.url.as_str())
            .bind(f.width)
            .bind(f.height)
            .bind(f.is_ready)
            .bind(f.supports_custom_objects)
            .bind(f.supports_inbound_calling)
            .bind(f.uses_calling_window)
            .bind(f.uses_remote)
            .bind(at),
        )
        .await?;
    }
    if let Some(url) = &app.recording_url {
        conn.execute(
            query(
                "insert into recording_settings \
                 (app_id, url_to_retrieve_authed_recording, created_at, updated_at) \
                 values ($1, $2, $3, $3)",
            )
            .bind(app.id)
            .bind(url.as_str())
            .bind(at),
        )
        .await?;
    }
    if let Some((url, is_ready)) = &app.channel_connection {
        conn.execute(
            query(
                "insert into channel_connection_settings \
                 (app_id, url, is_ready, created_at, updated_at) values ($1, $2, $3, $4, $4)",
            )
            .bind(app.id)
            .bind(url.as_str())
            .bind(*is_ready)
            .bind(at),
        )
        .await?;
    }
    if let Some(secret) = &app.client_secret {
        conn.execute(
            query("insert into app_client_secret (app_id, secret, created_at) values ($1, $2, $3)")
                .bind(app.id)
                .bind(secret.as_str())
                .bind(at),
        )
        .await?;
    }
    Ok(())
}
