//! The automation API's fault rules as every process sharing the store sees them, behind
//! [`FaultStore`] (docs/automation.md#faults).
//!
//! A rule is an owner (a portal or a developer account), the rule itself (its match and
//! effect, JSON the server reads), how many `times` it fires and how many it has. The server
//! keeps a copy of the live rules in each process and decides which one fits a request; the
//! store keeps the rules and counts their firings.
//!
//! Invariants:
//! - **A rule fires at most `times` times across every process**: a firing is claimed by one
//!   statement ([`FaultStore::claim_fault_rule`]) that adds one only while the rule is not
//!   spent, so two processes never both take its last firing.
//! - **Changes take their turn and are versioned**: an add, a delete or a reset first bumps the
//!   one version row, in the same transaction, so an owner's count holds against concurrent
//!   adds, and [`FaultStore::fault_rules`] reads the rules and the version in one statement: a
//!   reader never mistakes an older list for a newer one.
//! - **Rules are their owner's**: listing and deleting name the owner, and another owner's
//!   rule looks absent.

use async_trait::async_trait;

use crate::error::Result;
use crate::sql::{query, Exec, Get, SqlStore, Write};

/// Whose rule it is: `kind` is `portal` or `developer`, `id` that portal's or account's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaultOwner<'a> {
    pub kind: &'a str,
    pub id: i64,
}

/// A rule as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFault {
    pub id: String,
    pub owner_kind: String,
    pub owner_id: i64,
    /// The rule's match and effect, as the server's JSON.
    pub rule: String,
    /// How many times it fires in all; `None`: until it is deleted.
    pub times: Option<i64>,
    pub fired: i64,
    pub created_at: String,
    /// Its place among all rules: later rules have larger positions.
    pub position: i64,
}

impl StoredFault {
    /// Whether it has fired all its times.
    pub fn spent(&self) -> bool {
        self.times.is_some_and(|t| self.fired >= t)
    }
}

/// A rule to add.
#[derive(Debug, Clone, Copy)]
pub struct NewFault<'a> {
    pub id: &'a str,
    pub owner: FaultOwner<'a>,
    pub rule: &'a str,
    pub times: Option<i64>,
    pub created_at: &'a str,
}

/// Every rule, as of one version of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultRules {
    /// Bumped by every add, delete and reset.
    pub version: i64,
    /// By position.
    pub rules: Vec<StoredFault>,
}

/// A firing claimed: the rule's count with it, and its times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaultClaim {
    pub fired: i64,
    pub times: Option<i64>,
}

impl FaultClaim {
    /// Whether this firing was the rule's last.
    pub fn spent(&self) -> bool {
        self.times.is_some_and(|t| self.fired >= t)
    }
}

/// The fault rules. A supertrait of [`Store`](crate::Store).
#[async_trait]
pub trait FaultStore: Send + Sync {
    /// Adds a rule. When its owner has `max` rules already, the owner's oldest spent one is
    /// deleted to make room; `None` (nothing written) when none of them is spent.
    async fn add_fault_rule(&self, rule: &NewFault<'_>, max: i64) -> Result<Option<StoredFault>>;

    /// The owner's rules, by position, spent ones included.
    async fn list_fault_rules(&self, owner: FaultOwner<'_>) -> Result<Vec<StoredFault>>;

    /// Every owner's rules that are not spent, with the version they are at.
    async fn fault_rules(&self) -> Result<FaultRules>;

    /// Deletes the owner's rule `id`; false when the owner has no such rule.
    async fn delete_fault_rule(&self, owner: FaultOwner<'_>, id: &str) -> Result<bool>;

    /// Deletes every rule (a reset); returns how many there were.
    async fn delete_all_fault_rules(&self) -> Result<u64>;

    /// Claims one firing of rule `id`: adds one to its count unless it is spent. `None` when
    /// it is spent or gone, and nothing changed.
    async fn claim_fault_rule(&self, id: &str) -> Result<Option<FaultClaim>>;
}

const COLUMNS: &str = "id, owner_kind, owner_id, rule, times, fired, created_at, position";

fn from_row(row: &impl Get) -> Result<StoredFault> {
    Ok(StoredFault {
        id: row.get("id")?,
        owner_kind: row.get("owner_kind")?,
        owner_id: row.get("owner_id")?,
        rule: row.get("rule")?,
        times: row.get("times")?,
        fired: row.get("fired")?,
        created_at: row.get("created_at")?,
        position: row.get("position")?,
    })
}

/// Bumps the version, taking the turn of every other change until the transaction ends.
async fn bump(tx: &mut impl Exec) -> Result<i64> {
    let row = tx
        .fetch_one(query(
            "update live_fault_version set version = version + 1 where id = 1 returning version",
        ))
        .await?;
    Ok(row.get("version")?)
}

#[async_trait]
impl<S: SqlStore> FaultStore for S {
    async fn add_fault_rule(&self, rule: &NewFault<'_>, max: i64) -> Result<Option<StoredFault>> {
        let mut tx = self.begin_write().await?;
        let position = bump(&mut tx).await?;
        let owner = rule.owner;
        let count: i64 = tx
            .fetch_one(
                query(
                    "select count(*) as n from live_fault_rule \
                     where owner_kind = $1 and owner_id = $2",
                )
                .bind(owner.kind)
                .bind(owner.id),
            )
            .await?
            .get("n")?;
        if count >= max {
            let made_room = tx
                .execute(
                    query(
                        "delete from live_fault_rule where id = (select id from live_fault_rule \
                         where owner_kind = $1 and owner_id = $2 \
                         and times is not null and fired >= times \
                         order by position limit 1)",
                    )
                    .bind(owner.kind)
                    .bind(owner.id),
                )
                .await?;
            if made_room == 0 {
                // Dropping the transaction rolls the version back too.
                return Ok(None);
            }
        }
        let row = tx
            .fetch_one(
                query(format!(
                    "insert into live_fault_rule \
                     (id, owner_kind, owner_id, rule, times, fired, created_at, position) \
                     values ($1, $2, $3, $4, $5, 0, $6, $7) returning {COLUMNS}"
                ))
                .bind(rule.id)
                .bind(owner.kind)
                .bind(owner.id)
                .bind(rule.rule)
                .bind(rule.times)
                .bind(rule.created_at)
                .bind(position),
            )
            .await?;
        let stored = from_row(&row)?;
        tx.commit().await?;
        Ok(Some(stored))
    }

    async fn list_fault_rules(&self, owner: FaultOwner<'_>) -> Result<Vec<StoredFault>> {
        let rows = self
            .fetch_all(
                query(format!(
                    "select {COLUMNS} from live_fault_rule \
                     where owner_kind = $1 and owner_id = $2 order by position"
                ))
                .bind(owner.kind)
                .bind(owner.id),
            )
            .await?;
        rows.iter().map(from_row).collect()
    }

    async fn fault_rules(&self) -> Result<FaultRules> {
        // One statement, so the rules and the version come from one snapshot.
        let rows = self
            .fetch_all(query(
                "select v.version, r.id, r.owner_kind, r.owner_id, r.rule, r.times, r.fired, \
                 r.created_at, r.position \
                 from live_fault_version v left join live_fault_rule r \
                 on r.times is null or r.fired < r.times \
                 where v.id = 1 order by r.position",
            ))
            .await?;
        let mut rules = FaultRules::default();
        for row in &rows {
            rules.version = row.get("version")?;
            if row.get::<Option<String>>("id")?.is_some() {
                rules.rules.push(from_row(row)?);
            }
        }
        Ok(rules)
    }

    async fn delete_fault_rule(&self, owner: FaultOwner<'_>, id: &str) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        bump(&mut tx).await?;
        let deleted = tx
            .execute(
                query(
                    "delete from live_fault_rule \
                     where id = $1 and owner_kind = $2 and owner_id = $3",
                )
                .bind(id)
                .bind(owner.kind)
                .bind(owner.id),
            )
            .await?;
        if deleted == 0 {
            return Ok(false);
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn delete_all_fault_rules(&self) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        bump(&mut tx).await?;
        let deleted = tx.execute(query("delete from live_fault_rule")).await?;
        tx.commit().await?;
        Ok(deleted)
    }

    async fn claim_fault_rule(&self, id: &str) -> Result<Option<FaultClaim>> {
        let row = self
            .fetch_optional(
                query(
                    "update live_fault_rule set fired = fired + 1 \
                     where id = $1 and (times is null or fired < times) \
                     returning fired, times",
                )
                .bind(id),
            )
            .await?;
        row.map(|row| {
            Ok(FaultClaim {
                fired: row.get("fired")?,
                times: row.get("times")?,
            })
        })
        .transpose()
    }
}
