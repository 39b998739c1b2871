//! The host's fault rules: kept in the store, so every instance on one database applies the
//! same ones, with a copy of the live rules in each process so that a request with no rule
//! to match costs no store read (docs/automation.md#several-instances).
//!
//! How the copy stays true: an instance that adds or deletes a rule reads the rules again
//! before it answers and announces the change on the bus ([`Event::FaultsChanged`]); every
//! other instance reads them again when it hears it (`host::cluster`), when its bus reconnects
//! ([`Event::Resync`], events may have been missed) and when it starts. A read carries the
//! rules' version, and an older read never replaces a newer copy. A reset deletes every rule
//! in the store and every instance clears its copy.
//!
//! Invariants:
//! - **A rule fires at most `times` times across every instance.** The copy only says which
//!   rules could fit; a rule of any kind fires once the store has counted the firing
//!   (`FaultStore::claim_fault_rule`, one statement that adds one only while the rule is not
//!   spent), so two instances never both take its last firing, and a rule another instance
//!   spent or deleted meanwhile does not fire.
//! - **A rule only fires for its owner** (`super::faults`).
//! - **No store read when nothing can fit**: the hooks check the copy first
//!   ([`Faults::is_empty`], [`Faults::any_http`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use callhost_protocol::engine::StoreRequest;
use callhost_store::faults::{FaultOwner, NewFault, StoredFault};
use callhost_store::{Bus, Event, Store};
use serde::{Deserialize, Serialize};

use super::faults::{FaultEffect, FaultMatch, FaultRule, Fired, Site, MAX_RULES};
use super::gate::Owner;

/// The rule as the store keeps it: its match and effect.
#[derive(Serialize, Deserialize)]
struct RuleJson {
    #[serde(rename = "match")]
    matcher: FaultMatch,
    effect: FaultEffect,
}

/// This process's copy of the live rules.
#[derive(Default)]
struct Copy {
    /// The version of the rules it was read at.
    version: i64,
    /// By position. `fired` counts what this process knows of: the store's count when read,
    /// and its own firings since (so a rule this process spent stays spent here until the
    /// store says so too).
    rules: Vec<FaultRule>,
}

/// The host's fault rules, as this process applies them.
pub struct Faults {
    store: Arc<dyn Store>,
    bus: Bus,
    copy: Arc<Mutex<Copy>>,
}

impl Faults {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Faults {
            bus: store.bus(),
            store,
            copy: Arc::default(),
        }
    }

    fn copy(&self) -> std::sync::MutexGuard<'_, Copy> {
        lock(&self.copy)
    }

    /// Adds a rule (already validated) for `owner`; `None` when the owner has [`MAX_RULES`]
    /// rules that are not spent. Every instance applies it once this returns, this one at once
    /// and the others as soon as the bus tells them.
    pub async fn add(
        &self,
        owner: Owner,
        rule: FaultRule,
    ) -> callhost_store::Result<Option<FaultRule>> {
        let json = serde_json::to_string(&RuleJson {
            matcher: rule.matcher.clone(),
            effect: rule.effect.clone(),
        })
        .map_err(|err| callhost_store::StoreError::Invariant(format!("fault rule: {err}")))?;
        let (kind, id) = owner_key(owner);
        let new = NewFault {
            id: &rule.id,
            owner: FaultOwner { kind, id },
            rule: &json,
            times: rule.times.map(i64::from),
            created_at: &rule.created_at,
        };
        let Some(stored) = self.store.add_fault_rule(&new, MAX_RULES as i64).await? else {
            return Ok(None);
        };
        self.changed().await;
        Ok(from_stored(&stored))
    }

    /// The owner's rules, spent ones included, with the store's count of their firings.
    pub async fn list(&self, owner: Owner) -> callhost_store::Result<Vec<FaultRule>> {
        let (kind, id) = owner_key(owner);
        let stored = self.store.list_fault_rules(FaultOwner { kind, id }).await?;
        Ok(stored.iter().filter_map(from_stored).collect())
    }

    /// Removes an owner's rule; false when it has none of that id.
    pub async fn remove(&self, owner: Owner, id: &str) -> callhost_store::Result<bool> {
        let (kind, owner_id) = owner_key(owner);
        let removed = self
            .store
            .delete_fault_rule(FaultOwner { kind, id: owner_id }, id)
            .await?;
        if removed {
            self.changed().await;
        }
        Ok(removed)
    }

    /// Deletes every rule of the host (a reset); each instance then clears its copy.
    pub async fn delete_all(&self) -> callhost_store::Result<()> {
        self.store.delete_all_fault_rules().await?;
        self.clear();
        Ok(())
    }

    /// Forgets this process's copy (a reset deleted the rules).
    pub fn clear(&self) {
        self.copy().rules.clear();
    }

    /// Reads the live rules again; an older read than the copy's changes nothing. A store
    /// that fails leaves the copy as it was (logged).
    pub async fn refresh(&self) {
        let read = match self.store.fault_rules().await {
            Ok(read) => read,
            Err(err) => {
                tracing::warn!(error = %err, "cannot read the fault rules; keeping the copy");
                return;
            }
        };
        let mut copy = self.copy();
        if read.version < copy.version {
            return;
        }
        let known: HashMap<String, u32> =
            copy.rules.iter().map(|r| (r.id.clone(), r.fired)).collect();
        copy.version = read.version;
        copy.rules = read
            .rules
            .iter()
            .filter_map(from_stored)
            .map(|mut rule| {
                // Counts only grow: this process's own firings may not be in the store yet.
                rule.fired = rule.fired.max(known.get(&rule.id).copied().unwrap_or(0));
                rule
            })
            .collect();
    }

    /// After this instance changed the rules: its copy at once, the others told.
    async fn changed(&self) {
        self.refresh().await;
        announce(&self.bus).await;
    }

    /// Whether any live rule names a developer account as its owner (the hooks then need the
    /// session's app's developer).
    pub fn any_for_developers(&self) -> bool {
        self.copy()
            .rules
            .iter()
            .any(|r| matches!(r.owner, Some(Owner::Developer(_))) && !r.spent())
    }

    /// Whether any live rule is for REST requests.
    pub fn any_http(&self) -> bool {
        self.copy()
            .rules
            .iter()
            .any(|r| matches!(r.effect, FaultEffect::Http { .. }) && !r.spent())
    }

    /// Whether no rule is live.
    pub fn is_empty(&self) -> bool {
        self.copy().rules.iter().all(FaultRule::spent)
    }

    /// The rule that fires for a store request the engine made, if any: `fail` for a write,
    /// `callerId` for a caller-ID lookup.
    pub async fn on_store(&self, site: &Site<'_>, request: &StoreRequest) -> Option<Fired> {
        self.claim(|rule| rule.fits_store(site, request)).await
    }

    /// The `http` rule that fires for a REST request made as `portal` (a token) or
    /// `developer` (a key, or a token acting for one).
    pub async fn on_rest(
        &self,
        portal: Option<i64>,
        developer: Option<i64>,
        method: &str,
        path: &str,
    ) -> Option<Fired> {
        self.claim(|rule| rule.fits_rest(portal, developer, method, path))
            .await
    }

    /// The rule that fires for a post to the app of type `message_type`: `delay` or `drop`.
    pub async fn on_post(&self, site: &Site<'_>, message_type: &str) -> Option<Fired> {
        self.claim(|rule| rule.fits_post(site, message_type)).await
    }

    /// Fires the first live rule of the copy that `fits` and the store lets fire: each
    /// candidate's firing is claimed in the store, and one the store says is spent or gone
    /// leaves the copy and the next is tried. A store that fails fires nothing.
    async fn claim(&self, fits: impl Fn(&FaultRule) -> bool) -> Option<Fired> {
        let candidates: Vec<Fired> = self
            .copy()
            .rules
            .iter()
            .filter(|r| !r.spent() && fits(r))
            .map(|r| Fired {
                rule_id: r.id.clone(),
                effect: r.effect.clone(),
            })
            .collect();
        for candidate in candidates {
            match self.store.claim_fault_rule(&candidate.rule_id).await {
                Ok(Some(claim)) => {
                    if let Some(rule) = self
                        .copy()
                        .rules
                        .iter_mut()
                        .find(|r| r.id == candidate.rule_id)
                    {
                        rule.fired = rule.fired.max(count(claim.fired));
                    }
                    if claim.spent() {
                        announce(&self.bus).await;
                    }
                    return Some(candidate);
                }
                Ok(None) => forget(&self.copy, &candidate.rule_id),
                Err(err) => {
                    tracing::warn!(fault.id = %candidate.rule_id, error = %err, "cannot claim a fault rule's firing; none fires");
                    return None;
                }
            }
        }
        None
    }
}

fn lock(copy: &Mutex<Copy>) -> std::sync::MutexGuard<'_, Copy> {
    copy.lock().unwrap_or_else(|p| p.into_inner())
}

/// Drops a rule the store says is spent or gone from the copy.
fn forget(copy: &Mutex<Copy>, id: &str) {
    lock(copy).rules.retain(|r| r.id != id);
}

/// Tells every instance to read the rules again (a lost announcement leaves another
/// instance's copy behind until its next read; the store's claims still hold).
async fn announce(bus: &Bus) {
    if let Err(err) = bus.publish(Event::FaultsChanged).await {
        tracing::warn!(error = %err, "cannot tell the other instances the fault rules changed");
    }
}

fn owner_key(owner: Owner) -> (&'static str, i64) {
    match owner {
        Owner::Portal(id) => ("portal", id),
        Owner::Developer(id) => ("developer", id),
    }
}

fn count(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// A stored rule as the API shows it; `None` for one this version cannot read (logged).
fn from_stored(stored: &StoredFault) -> Option<FaultRule> {
    let owner = match stored.owner_kind.as_str() {
        "portal" => Owner::Portal(stored.owner_id),
        "developer" => Owner::Developer(stored.owner_id),
        other => {
            tracing::warn!(fault.id = %stored.id, owner = other, "a fault rule of an unknown owner kind");
            return None;
        }
    };
    let rule: RuleJson = match serde_json::from_str(&stored.rule) {
        Ok(rule) => rule,
        Err(err) => {
            tracing::warn!(fault.id = %stored.id, error = %err, "a fault rule this version cannot read");
            return None;
        }
    };
    Some(FaultRule {
        id: stored.id.clone(),
        matcher: rule.matcher,
        effect: rule.effect,
        times: stored.times.map(count),
        fired: count(stored.fired),
        created_at: stored.created_at.clone(),
        owner: Some(owner),
    })
}
