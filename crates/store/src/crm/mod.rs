//! CRM objects: the records of every object type (contacts, companies, tickets, calls, custom
//! objects), their property history, associations, the caller-ID phone index and custom
//! object schemas, behind [`CrmStore`].
//!
//! Invariants:
//! - **Everything is scoped by portal.** Every method takes the portal id and never reads,
//!   writes or associates another portal's rows; another portal's id looks absent.
//! - **Writes are all-or-nothing.** A batch or an association to a missing object writes
//!   nothing and fails with [`StoreError::Missing`](crate::StoreError::Missing).
//! - **The store keeps the computed properties** `hs_object_id`, `hs_createdate` and
//!   `hs_lastmodifieddate`, and the phone index, so that no caller can let them drift.
//! - Property values are strings; an empty string clears a property (history keeps it).

pub(crate) mod objects;
pub mod phone;
mod queries;
mod schemas;
pub mod search;
mod token;

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::Result;
pub use search::{Filter, FilterGroup, FilterOp, Search, SearchPage, Sort};

/// Properties the store computes for every object.
pub const OBJECT_ID: &str = "hs_object_id";
pub const CREATE_DATE: &str = "hs_createdate";
pub const LAST_MODIFIED: &str = "hs_lastmodifieddate";

/// An object, with the properties that have values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrmObject {
    pub id: i64,
    pub object_type_id: String,
    pub properties: BTreeMap<String, String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
}

/// One write of one property, as `propertiesWithHistory` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertyVersion {
    pub value: String,
    pub timestamp: DateTime<Utc>,
    pub source_type: String,
}

/// An object (type and id) in a portal.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectRef {
    pub object_type_id: String,
    pub id: i64,
}

impl ObjectRef {
    pub fn new(object_type_id: &str, id: i64) -> Self {
        Self {
            object_type_id: object_type_id.to_owned(),
            id,
        }
    }
}

/// The kind of an association: `HUBSPOT_DEFINED`, `USER_DEFINED` or `INTEGRATOR_DEFINED` and a
/// type id (194 is call to contact).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AssociationKind {
    pub category: String,
    pub type_id: i32,
}

/// One association of one kind from an object to another, with the kind of its reverse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAssociation {
    pub from: ObjectRef,
    pub to: ObjectRef,
    pub kind: AssociationKind,
    pub reverse: AssociationKind,
}

/// An association as stored, seen from its `from` side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Association {
    pub from_id: i64,
    pub to: ObjectRef,
    pub kind: AssociationKind,
}

/// An object to create: its properties (already validated) and its associations, whose
/// `from` is filled in by the store.
#[derive(Debug, Clone, Default)]
pub struct NewObject {
    pub properties: BTreeMap<String, String>,
    /// `(to, kind, reverse kind)`.
    pub associations: Vec<(ObjectRef, AssociationKind, AssociationKind)>,
}

/// A change of some properties of one object.
#[derive(Debug, Clone)]
pub struct ObjectUpdate {
    pub id: i64,
    pub properties: BTreeMap<String, String>,
}

/// What [`CrmStore::upsert_objects`] wrote, each in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upserted {
    pub created: Vec<CrmObject>,
    pub updated: Vec<CrmObject>,
}

/// A custom object schema as stored: the server owns the definition's format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaRecord {
    pub id: i64,
    pub name: String,
    pub definition: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl SchemaRecord {
    /// The object type id of the schema's objects, `2-<id>`.
    pub fn object_type_id(&self) -> String {
        format!("2-{}", self.id)
    }
}

/// The CRM part of the store; see the module's invariants.
#[async_trait]
pub trait CrmStore: Send + Sync {
    /// Creates the objects, with their associations, in one transaction; a missing association
    /// target fails the whole batch with `Missing`.
    async fn create_objects(
        &self,
        portal_id: i64,
        object_type_id: &str,
        objects: &[NewObject],
        source_type: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<CrmObject>>;
    /// Changes the objects in one transaction; a missing (or archived) id fails them all.
    async fn update_objects(
        &self,
        portal_id: i64,
        object_type_id: &str,
        updates: &[ObjectUpdate],
        source_type: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<CrmObject>>;
    /// Creates `creates` and changes `updates` in one transaction: a missing association
    /// target or a missing (or archived) id to update writes none of either (`Missing`).
    async fn upsert_objects(
        &self,
        portal_id: i64,
        object_type_id: &str,
        creates: &[NewObject],
        updates: &[ObjectUpdate],
        source_type: &str,
        now: DateTime<Utc>,
    ) -> Result<Upserted>;
    /// Archives the objects that exist; the others are ignored (as HubSpot does).
    async fn archive_objects(
        &self,
        portal_id: i64,
        object_type_id: &str,
        ids: &[i64],
        now: DateTime<Utc>,
    ) -> Result<()>;
    /// The objects with these ids that exist and are (`archived`) or are not archived, in the
    /// order of `ids`.
    async fn get_objects(
        &self,
        portal_id: i64,
        object_type_id: &str,
        ids: &[i64],
        archived: bool,
    ) -> Result<Vec<CrmObject>>;
    /// The objects whose `property` equals one of `values` (for `idProperty`).
    async fn find_objects_by_property(
        &self,
        portal_id: i64,
        object_type_id: &str,
        property: &str,
        values: &[String],
        archived: bool,
    ) -> Result<Vec<CrmObject>>;
    /// A page of objects in id order, after the id `after`.
    async fn list_objects(
        &self,
        portal_id: i64,
        object_type_id: &str,
        archived: bool,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Vec<CrmObject>>;
    /// The history of `names` of each object, newest first.
    async fn property_history(
        &self,
        portal_id: i64,
        object_ids: &[i64],
        names: &[String],
    ) -> Result<BTreeMap<i64, BTreeMap<String, Vec<PropertyVersion>>>>;
    /// Objects matching a search, with the total number of matches.
    async fn search_objects(
        &self,
        portal_id: i64,
        object_type_id: &str,
        search: &Search,
    ) -> Result<SearchPage>;

    /// Adds associations (and their reverses) in one transaction; `Missing` names the objects
    /// that do not exist. Adding an existing association changes nothing.
    async fn associate(
        &self,
        portal_id: i64,
        associations: &[NewAssociation],
        now: DateTime<Utc>,
    ) -> Result<()>;
    /// The associations from `from` to objects of `to_type`, in target id order after the
    /// target id `after`, at most `limit` distinct targets.
    async fn list_associations(
        &self,
        portal_id: i64,
        from: &ObjectRef,
        to_type: &str,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Association>>;
    /// Removes these associations of these kinds (and their reverses); others between the
    /// same objects stay.
    async fn remove_association_kinds(
        &self,
        portal_id: i64,
        associations: &[NewAssociation],
    ) -> Result<()>;
    /// Removes every association between the two objects, both ways; how many were removed.
    async fn remove_associations(
        &self,
        portal_id: i64,
        from: &ObjectRef,
        to: &ObjectRef,
    ) -> Result<u64>;

    /// Contacts and companies (not archived) with a phone property that is the same number
    /// as `raw`, read in `default_region` when it has no country code.
    async fn find_by_phone(
        &self,
        portal_id: i64,
        raw: &str,
        default_region: Option<&str>,
    ) -> Result<Vec<CrmObject>>;

    /// Creates a custom object schema; `Duplicate` when the portal has one of that name.
    async fn create_schema(
        &self,
        portal_id: i64,
        name: &str,
        definition: &str,
        now: DateTime<Utc>,
    ) -> Result<SchemaRecord>;
    async fn list_schemas(&self, portal_id: i64) -> Result<Vec<SchemaRecord>>;
    /// The schema with this id or name.
    async fn get_schema(&self, portal_id: i64, id_or_name: &str) -> Result<Option<SchemaRecord>>;
    async fn update_schema(
        &self,
        portal_id: i64,
        id: i64,
        definition: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<SchemaRecord>>;
    /// Archives the schema; true when there was one.
    async fn archive_schema(&self, portal_id: i64, id: i64) -> Result<bool>;
}
