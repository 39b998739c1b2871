//! Loads 100,000 contacts into a fresh store and prints the median and p99 time of a
//! caller-ID lookup and of a property search, on SQLite and (when
//! `CALLHOST_TEST_DATABASE_URL` is set) on PostgreSQL. Not a test: run it with
//! `cargo bench -p callhost-store --bench lookup` (`CALLHOST_BENCH_CONTACTS` changes the count).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use callhost_store::crm::search::Operand;
use callhost_store::crm::{phone, Filter, FilterGroup, FilterOp, NewObject, Search};
use callhost_store::{now, PgStore, SqliteStore, Store};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const AREA_CODES: [u32; 8] = [212, 312, 415, 617, 646, 702, 718, 917];
const FIRST_NAMES: [&str; 8] = [
    "Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken",
];

/// A contact's phone as a person types it, `(617) 555-0123`, and its international form.
fn number(rng: &mut StdRng) -> (String, String) {
    let area = AREA_CODES[rng.gen_range(0..AREA_CODES.len())];
    let exchange = rng.gen_range(200..1000);
    let line = rng.gen_range(0..10000);
    (
        format!("({area}) {exchange}-{line:04}"),
        format!("+1 {area}-{exchange}-{line:04}"),
    )
}

fn summary(label: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "  {label:<32} median {:>9.3} ms   p99 {:>9.3} ms   ({} runs)",
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        samples.len()
    );
}

async fn run(label: &str, store: Arc<dyn Store>, contacts: usize) {
    println!("== {label}: {contacts} contacts");
    let portal = store.create_portal("Bench").await.unwrap().id;
    let mut rng = StdRng::seed_from_u64(7);
    let mut lookups = Vec::new();
    let started = Instant::now();
    let mut batch = Vec::new();
    for i in 0..contacts {
        let (local, international) = number(&mut rng);
        if phone::normalize(&local, Some("US")).is_some() && lookups.len() < 1000 && i % 50 == 0 {
            lookups.push(international);
        }
        let properties: BTreeMap<String, String> = [
            ("email", format!("c{i}@example.com")),
            ("firstname", FIRST_NAMES[i % FIRST_NAMES.len()].to_owned()),
            ("lastname", format!("Surname{}", i % 5000)),
            ("phone", local),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        batch.push(NewObject {
            properties,
            associations: Vec::new(),
        });
        if batch.len() == 500 || i + 1 == contacts {
            store
                .create_objects(portal, "0-1", &batch, "IMPORT", now())
                .await
                .unwrap();
            batch.clear();
        }
    }
    println!("  loaded in {:.1} s", started.elapsed().as_secs_f64());

    let mut samples = Vec::new();
    let mut found = 0;
    for raw in &lookups {
        let t = Instant::now();
        found += store
            .find_by_phone(portal, raw, Some("US"))
            .await
            .unwrap()
            .len();
        samples.push(t.elapsed());
    }
    assert!(found >= lookups.len(), "every looked-up number was stored");
    summary("caller-ID lookup (find_by_phone)", samples);

    let mut samples = Vec::new();
    for i in 0..200 {
        let search = Search {
            groups: vec![FilterGroup {
                filters: vec![Filter {
                    property: "lastname".into(),
                    op: FilterOp::Eq(Operand::Text(format!(
                        "surname{}",
                        (i * 37) % contacts.min(5000)
                    ))),
                }],
            }],
            limit: 10,
            ..Default::default()
        };
        let t = Instant::now();
        let page = store.search_objects(portal, "0-1", &search).await.unwrap();
        samples.push(t.elapsed());
        assert!(page.total > 0);
    }
    summary("property search (lastname EQ)", samples);
}

#[tokio::main]
async fn main() {
    let contacts: usize = std::env::var("CALLHOST_BENCH_CONTACTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let sqlite = SqliteStore::open(&dir.path().join("bench.db"))
        .await
        .unwrap();
    run("SQLite", Arc::new(sqlite), contacts).await;
    match std::env::var("CALLHOST_TEST_DATABASE_URL") {
        Ok(url) => {
            let schema = format!("bench_{}", std::process::id());
            let pg = PgStore::connect(&url, Some(&schema)).await.unwrap();
            run("PostgreSQL", Arc::new(pg.clone()), contacts).await;
            pg.drop_schema().await.unwrap();
        }
        Err(_) => println!("CALLHOST_TEST_DATABASE_URL is not set: skipping PostgreSQL"),
    }
}
