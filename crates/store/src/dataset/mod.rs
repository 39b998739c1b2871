//! Whole-store datasets: replacing everything the store holds with a declared dataset (a
//! fixture), and putting the store back to a snapshot of itself (a reset), behind
//! [`DatasetStore`].
//!
//! Invariants:
//! - **All or nothing.** [`DatasetStore::replace_with`] and [`DatasetStore::restore_snapshot`]
//!   are one transaction each: another connection sees the store before or after, never a
//!   table emptied and not yet refilled.
//! - **Ids are the dataset's.** Every row keeps the id the dataset gives it, and the id
//!   sequences are rewound to follow the largest id present, so the next object created after
//!   a load or a restore gets the same id on every run and on both backends.
//! - **Every table is covered, whatever its migration.** The tables wiped, snapshotted and
//!   restored are read from the database's catalog (all but the migrations' own bookkeeping,
//!   the snapshot's copies and the inspector's record, which a reset clears instead), in the
//!   order their foreign keys need, so a table added by a later migration is reset with no
//!   change here.

mod load;
mod snapshot;

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::crm::NewAssociation;
use crate::error::Result;
use crate::model::CallingSettingsFields;
use crate::sql::SqlStore;

/// Everything a store holds after [`DatasetStore::replace_with`], ids included. Values are
/// checked by the caller (the server's fixture module); the store checks only what its
/// tables enforce (unique ids, references), and a violation writes nothing.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    pub developer_accounts: Vec<DatasetAccount>,
    pub portals: Vec<DatasetPortal>,
    pub users: Vec<DatasetUser>,
    pub access_tokens: Vec<DatasetToken>,
    pub apps: Vec<DatasetApp>,
    pub schemas: Vec<DatasetSchema>,
    /// In creation order: an object's associations may only name objects of this list.
    pub objects: Vec<DatasetObject>,
    /// `(portal, association)`; the reverse is written too.
    pub associations: Vec<(i64, NewAssociation)>,
    pub meta: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct DatasetAccount {
    pub id: i64,
    pub name: String,
    /// SHA-256 hashes of its developer API keys (`crate::secret::hash`).
    pub api_key_hashes: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct DatasetPortal {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct DatasetUser {
    pub id: i64,
    pub portal_id: i64,
    pub owner_id: i64,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
}

/// An access token that never expires, kept as its hash.
#[derive(Debug, Clone)]
pub struct DatasetToken {
    pub token_hash: String,
    pub portal_id: i64,
    pub user_id: i64,
    pub developer_account_id: Option<i64>,
    pub scopes: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct DatasetApp {
    pub id: i64,
    pub developer_account_id: i64,
    /// The portals it is installed in.
    pub installed_in: Vec<i64>,
    pub calling: Option<CallingSettingsFields>,
    /// `urlToRetrieveAuthedRecording`.
    pub recording_url: Option<String>,
    /// The channel-connection webhook and whether it is ready.
    pub channel_connection: Option<(String, bool)>,
    /// The client secret; `None` makes one on first use, as for any app.
    pub client_secret: Option<String>,
}

/// A custom object schema, its definition in the server's format (as `create_schema` keeps it).
#[derive(Debug, Clone)]
pub struct DatasetSchema {
    pub id: i64,
    pub portal_id: i64,
    pub name: String,
    pub definition: String,
}

/// A CRM object with its id and (normalized) properties; the store adds `hs_object_id`,
/// `hs_createdate`, `hs_lastmodifieddate` and the phone index, as for any create.
#[derive(Debug, Clone)]
pub struct DatasetObject {
    pub id: i64,
    pub portal_id: i64,
    pub object_type_id: String,
    pub properties: BTreeMap<String, String>,
}

/// Replacing the store's contents wholesale, and resetting it to a snapshot.
#[async_trait]
pub trait DatasetStore: Send + Sync {
    /// Empties every table and writes `dataset`, in one transaction, stamped `now`. Fails
    /// (writing nothing) on a duplicate id or a reference to something the dataset lacks.
    async fn replace_with(&self, dataset: &Dataset, now: DateTime<Utc>) -> Result<()>;

    /// Copies every table as it is now; [`DatasetStore::restore_snapshot`] goes back to this
    /// copy. A new snapshot replaces the previous one. The copy lives in the database itself
    /// (tables named `snapshot__<table>`).
    async fn take_snapshot(&self) -> Result<()>;

    /// Puts every table back to the last snapshot, in one transaction; `false` (and nothing
    /// changed) when no snapshot was taken.
    async fn restore_snapshot(&self) -> Result<bool>;

    /// Whether a snapshot was taken (by this instance or another sharing the database).
    async fn has_snapshot(&self) -> Result<bool>;
}

#[async_trait]
impl<S: SqlStore> DatasetStore for S {
    async fn replace_with(&self, dataset: &Dataset, now: DateTime<Utc>) -> Result<()> {
        let mut tx = self.begin_bulk_write().await?;
        let tables = snapshot::tables(&mut *tx, self.backend()).await?;
        snapshot::wipe(&mut *tx, &tables).await?;
        load::write(&mut *tx, dataset, now).await?;
        snapshot::rewind_sequences(&mut *tx, self.backend(), &tables).await?;
        tx.commit().await?;
        // Every access token is the dataset's now.
        self.bus().tell_access_revoked().await;
        self.after_writes(dataset.objects.len()).await;
        Ok(())
    }

    async fn take_snapshot(&self) -> Result<()> {
        let mut tx = self.begin_bulk_write().await?;
        snapshot::copy_out(&mut *tx, self.backend()).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn restore_snapshot(&self) -> Result<bool> {
        let mut tx = self.begin_bulk_write().await?;
        let restored = snapshot::copy_back(&mut *tx, self.backend()).await?;
        if restored {
            tx.commit().await?;
            self.after_writes(1).await;
        }
        Ok(restored)
    }

    async fn has_snapshot(&self) -> Result<bool> {
        let mut conn = self.conn().await?;
        snapshot::exists(&mut conn, self.backend()).await
    }
}
