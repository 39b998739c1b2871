//! The catalog side of datasets: which tables the store has (read from the database, so a
//! table a later migration adds is covered), in the order their foreign keys need; emptying
//! them; copying them to `snapshot__<table>` and back; and rewinding the id sequences.
//!
//! The catalog queries are the one place here that differs per backend (`sqlite_master` and
//! `pragma_foreign_key_list` against `pg_tables` and `pg_constraint`); the statements that move
//! rows are the same SQL on both.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::{Result, StoreError};
use crate::sql::{query, Exec, Get};
use crate::Backend;

/// The prefix of a table's snapshot copy.
const SNAPSHOT: &str = "snapshot__";

/// A table name from the catalog, quoted. Names come from our migrations; one that would need
/// escaping is refused rather than escaped.
fn quoted(name: &str) -> Result<String> {
    if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Ok(format!("\"{name}\""))
    } else {
        Err(StoreError::Invariant(format!(
            "table name {name:?} is not a plain identifier"
        )))
    }
}

/// Every table of the catalog, snapshot copies and migration bookkeeping included.
async fn catalog(conn: &mut impl Exec, backend: Backend) -> Result<Vec<String>> {
    let text = match backend {
        Backend::Sqlite => "select name from sqlite_master where type = 'table'",
        Backend::Postgres => {
            "select tablename::text as name from pg_tables where schemaname = current_schema()"
        }
    };
    let rows = conn.fetch_all(query(text)).await?;
    let mut names = Vec::with_capacity(rows.len());
    for row in &rows {
        names.push(row.get::<String>("name")?);
    }
    Ok(names)
}

/// Whether a catalog table holds the store's data (not SQLite's or sqlx's bookkeeping, not a
/// snapshot copy, not a `live_` table of running processes' state such as widget sessions,
/// which their owners clear on a reset, not the inspector's record: a log of what happened,
/// which a reset clears rather than restores, and which a fixture does not declare; see
/// `crate::inspector`).
fn is_data(name: &str) -> bool {
    !(name.starts_with("sqlite_")
        || name.starts_with("_sqlx")
        || name.starts_with(SNAPSHOT)
        || name.starts_with(LIVE)
        || name.starts_with(INSPECTOR))
}

/// The prefix of tables that hold running processes' state rather than data.
const LIVE: &str = "live_";

/// The prefix of the inspector's tables.
const INSPECTOR: &str = "inspector_";

/// `(child, parent)` for every foreign key between tables of the store.
async fn references(
    conn: &mut impl Exec,
    backend: Backend,
    tables: &[String],
) -> Result<Vec<(String, String)>> {
    let mut edges = Vec::new();
    match backend {
        Backend::Sqlite => {
            for table in tables {
                let rows = conn
                    .fetch_all(
                        query("select \"table\" as parent from pragma_foreign_key_list($1)")
                            .bind(table.as_str()),
                    )
                    .await?;
                for row in &rows {
                    edges.push((table.clone(), row.get::<String>("parent")?));
                }
            }
        }
        Backend::Postgres => {
            let rows = conn
                .fetch_all(query(
                    "select c.relname::text as child, p.relname::text as parent \
                     from pg_constraint k join pg_class c on c.oid = k.conrelid \
                     join pg_class p on p.oid = k.confrelid \
                     where k.contype = 'f' and c.relnamespace = current_schema()::regnamespace",
                ))
                .await?;
            for row in &rows {
                edges.push((row.get("child")?, row.get("parent")?));
            }
        }
    }
    Ok(edges)
}

/// The store's data tables, every table after the tables it references (parents first).
pub(super) async fn tables(conn: &mut impl Exec, backend: Backend) -> Result<Vec<String>> {
    let names: BTreeSet<String> = catalog(conn, backend)
        .await?
        .into_iter()
        .filter(|n| is_data(n))
        .collect();
    let list: Vec<String> = names.iter().cloned().collect();
    let mut parents: BTreeMap<&str, BTreeSet<&str>> = names
        .iter()
        .map(|n| (n.as_str(), BTreeSet::new()))
        .collect();
    let edges = references(conn, backend, &list).await?;
    for (child, parent) in &edges {
        if child != parent && names.contains(parent) {
            if let Some(set) = parents.get_mut(child.as_str()) {
                set.insert(parent.as_str());
            }
        }
    }
    // Kahn's algorithm, by name among the ready ones, so the order is the same every time.
    let mut ordered = Vec::with_capacity(names.len());
    let mut placed: BTreeSet<&str> = BTreeSet::new();
    while ordered.len() < names.len() {
        let ready: Vec<&str> = parents
            .iter()
            .filter(|(name, ps)| !placed.contains(*name) && ps.iter().all(|p| placed.contains(p)))
            .map(|(name, _)| *name)
            .collect();
        if ready.is_empty() {
            return Err(StoreError::Invariant(
                "the tables' foreign keys form a cycle".into(),
            ));
        }
        for name in ready {
            placed.insert(name);
            ordered.push(name.to_owned());
        }
    }
    Ok(ordered)
}

/// Empties `tables` (given parents first), children first.
pub(super) async fn wipe(conn: &mut impl Exec, tables: &[String]) -> Result<()> {
    for table in tables.iter().rev() {
        conn.execute(query(format!("delete from {}", quoted(table)?)))
            .await?;
    }
    Ok(())
}

/// Replaces the snapshot with a copy of every data table. Called first in its transaction:
/// on PostgreSQL every copy must see the same moment (another instance sharing the database
/// may be writing), which `read committed` would not give; SQLite's write transaction holds
/// off every other writer anyway.
pub(super) async fn copy_out(conn: &mut impl Exec, backend: Backend) -> Result<()> {
    if backend == Backend::Postgres {
        conn.execute(query("set transaction isolation level repeatable read"))
            .await?;
    }
    for old in catalog(conn, backend).await? {
        if old.starts_with(SNAPSHOT) {
            conn.execute(query(format!("drop table {}", quoted(&old)?)))
                .await?;
        }
    }
    for table in tables(conn, backend).await? {
        conn.execute(query(format!(
            "create table {} as select * from {}",
            quoted(&format!("{SNAPSHOT}{table}"))?,
            quoted(&table)?
        )))
        .await?;
    }
    Ok(())
}

/// Whether any snapshot copy exists.
pub(super) async fn exists(conn: &mut impl Exec, backend: Backend) -> Result<bool> {
    let names = catalog(conn, backend).await?;
    Ok(names.iter().any(|n| n.starts_with(SNAPSHOT)))
}

/// Empties every data table and refills it from its snapshot copy; `false` when there is no
/// snapshot (nothing is changed then).
pub(super) async fn copy_back(conn: &mut impl Exec, backend: Backend) -> Result<bool> {
    let copies: BTreeSet<String> = catalog(conn, backend)
        .await?
        .into_iter()
        .filter_map(|n| n.strip_prefix(SNAPSHOT).map(str::to_owned))
        .collect();
    if copies.is_empty() {
        return Ok(false);
    }
    let tables = tables(conn, backend).await?;
    skip_reference_checks(conn, backend).await?;
    wipe(conn, &tables).await?;
    for table in tables.iter().filter(|t| copies.contains(*t)) {
        conn.execute(query(format!(
            "insert into {} select * from {}",
            quoted(table)?,
            quoted(&format!("{SNAPSHOT}{table}"))?
        )))
        .await?;
    }
    rewind_sequences(conn, backend, &tables).await?;
    Ok(true)
}

/// On PostgreSQL, when the role may, turns the foreign-key triggers off for the rest of the
/// transaction: the rows come back exactly as a consistent snapshot held them, and checking
/// each one's references is most of a restore's time there. (`session_replication_role`
/// needs a superuser; other roles keep the checks, only slower.) SQLite's checks are cheap.
async fn skip_reference_checks(conn: &mut impl Exec, backend: Backend) -> Result<()> {
    if backend != Backend::Postgres {
        return Ok(());
    }
    let row = conn
        .fetch_one(query(
            "select current_setting('is_superuser')::text as superuser",
        ))
        .await?;
    if row.get::<String>("superuser")? == "on" {
        conn.execute(query("set local session_replication_role = replica"))
            .await?;
    }
    Ok(())
}

/// Makes every id sequence continue right after the largest id its table holds, as it would
/// after creating exactly these rows in an empty store.
pub(super) async fn rewind_sequences(
    conn: &mut impl Exec,
    backend: Backend,
    tables: &[String],
) -> Result<()> {
    match backend {
        // With no row in sqlite_sequence, AUTOINCREMENT continues after the largest rowid.
        Backend::Sqlite => {
            conn.execute(query("delete from sqlite_sequence")).await?;
        }
        Backend::Postgres => {
            let rows = conn
                .fetch_all(query(
                    "select table_name::text as t, column_name::text as c \
                     from information_schema.columns \
                     where table_schema = current_schema() and is_identity = 'YES'",
                ))
                .await?;
            let mut identities = Vec::with_capacity(rows.len());
            for row in &rows {
                identities.push((row.get::<String>("t")?, row.get::<String>("c")?));
            }
            for (table, column) in identities.iter().filter(|(t, _)| tables.contains(t)) {
                conn.execute(
                    query(format!(
                        "select setval(pg_get_serial_sequence($1, $2), \
                         coalesce((select max({c}) from {t}), 0) + 1, false)",
                        c = quoted(column)?,
                        t = quoted(table)?
                    ))
                    .bind(table.as_str())
                    .bind(column.as_str()),
                )
                .await?;
            }
        }
    }
    Ok(())
}
