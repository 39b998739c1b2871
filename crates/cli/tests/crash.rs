//! Crash safety of a real `callhost serve`: it is killed with SIGKILL while several clients
//! write batches of contacts, then restarted on the same data, a few times over. After each
//! restart every batch the server acknowledged is there whole, and no batch is there in part
//! (a batch create is one transaction). On SQLite and on PostgreSQL.

#[path = "support/ready.rs"]
mod ready;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ready::read_ready;
use serde_json::{json, Value};

/// How many times the server is killed, and how many clients write at once.
const KILLS: usize = 5;
const WRITERS: usize = 4;
/// Contacts per batch.
const BATCH: usize = 10;

/// A running `callhost serve`.
struct Server {
    child: Child,
    _stdout: ChildStdout,
    api_url: String,
    token: String,
}

impl Server {
    /// Starts the binary on `data_dir` (and `database_url`, if any) and waits for its ready line.
    fn start(data_dir: &Path, database_url: Option<&str>) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_callhost"));
        command
            .args(["serve", "--listen", "127.0.0.1:0", "--demo-listen", "off"])
            .arg("--data-dir")
            .arg(data_dir)
            .env("CALLHOST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(url) = database_url {
            command.args(["--database-url", url]);
        }
        let mut child = command.spawn().expect("the callhost binary starts");
        let (stdout, ready) = read_ready(&mut child);
        Server {
            child,
            _stdout: stdout,
            api_url: ready["apiUrl"].as_str().unwrap().to_owned(),
            token: ready["accessToken"].as_str().unwrap().to_owned(),
        }
    }

    /// SIGKILL: no shutdown, no flush, nothing the server could finish.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

/// What the writers saw: every batch they sent, and the ids of those acknowledged.
#[derive(Default)]
struct Ledger {
    sent: Vec<String>,
    acknowledged: BTreeMap<String, Vec<String>>,
}

/// Writes batches of contacts to `server` until `stop`, recording them in `ledger`.
async fn write_until(
    http: reqwest::Client,
    url: String,
    token: String,
    label: String,
    stop: Arc<AtomicBool>,
    ledger: Arc<Mutex<Ledger>>,
) {
    for seq in 0.. {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        let key = format!("crash-{label}-{seq}");
        let inputs: Vec<Value> = (0..BATCH)
            .map(|i| json!({"properties": {"lastname": key, "firstname": format!("{i}")}}))
            .collect();
        ledger.lock().unwrap().sent.push(key.clone());
        let sent = http
            .post(format!("{url}/crm/v3/objects/contacts/batch/create"))
            .bearer_auth(&token)
            .json(&json!({ "inputs": inputs }))
            .send()
            .await;
        let Ok(response) = sent else {
            return; // The server is gone.
        };
        if response.status() != 201 {
            return;
        }
        let Ok(body) = response.json::<Value>().await else {
            return; // Killed while answering: not acknowledged.
        };
        let ids = body["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect();
        ledger.lock().unwrap().acknowledged.insert(key, ids);
    }
}

/// Every contact's id by its batch key (`lastname`), read page by page.
async fn contacts_by_batch(
    http: &reqwest::Client,
    server: &Server,
) -> BTreeMap<String, Vec<String>> {
    let mut by_batch: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut after: Option<String> = None;
    loop {
        let mut url = format!(
            "{}/crm/v3/objects/contacts?limit=100&properties=lastname",
            server.api_url
        );
        if let Some(after) = &after {
            url.push_str(&format!("&after={after}"));
        }
        let page: Value = http
            .get(url)
            .bearer_auth(&server.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for contact in page["results"].as_array().unwrap() {
            if let Some(key) = contact["properties"]["lastname"].as_str() {
                if key.starts_with("crash-") {
                    let id = contact["id"].as_str().unwrap().to_owned();
                    by_batch.entry(key.to_owned()).or_default().push(id);
                }
            }
        }
        match page["paging"]["next"]["after"].as_str() {
            Some(next) => after = Some(next.to_owned()),
            None => return by_batch,
        }
    }
}

/// Kills the server `KILLS` times during concurrent batch writes and checks the data after
/// each restart.
async fn kill_during_batch_writes(data_dir: &Path, database_url: Option<&str>) {
    let started = Instant::now();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let mut server = Server::start(data_dir, database_url);
    for kill in 0..KILLS {
        let stop = Arc::new(AtomicBool::new(false));
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                tokio::spawn(write_until(
                    http.clone(),
                    server.api_url.clone(),
                    server.token.clone(),
                    format!("{kill}-{w}"),
                    stop.clone(),
                    ledger.clone(),
                ))
            })
            .collect();
        // Kill once writes are being acknowledged, at a moment that differs per round.
        let acknowledged = || ledger.lock().unwrap().acknowledged.len();
        let before = acknowledged();
        while acknowledged() < before + 2 * WRITERS {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "no writes acknowledged"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tokio::time::sleep(Duration::from_millis(40 + 70 * kill as u64)).await;
        server.kill();
        stop.store(true, Ordering::Relaxed);
        for writer in writers {
            writer.await.unwrap();
        }

        server = Server::start(data_dir, database_url);
        let found = contacts_by_batch(&http, &server).await;
        let ledger = ledger.lock().unwrap();
        for (key, ids) in &ledger.acknowledged {
            assert_eq!(
                found.get(key),
                Some(ids),
                "acknowledged batch {key} is not there whole after kill {kill}"
            );
        }
        for key in &ledger.sent {
            let n = found.get(key).map_or(0, Vec::len);
            assert!(
                n == 0 || n == BATCH,
                "batch {key} is there in part ({n} of {BATCH})"
            );
        }
        assert!(found.keys().all(|key| ledger.sent.contains(key)));
    }
    let ledger = ledger.lock().unwrap();
    eprintln!(
        "{} kills, {} batches sent, {} acknowledged, in {:?}",
        KILLS,
        ledger.sent.len(),
        ledger.acknowledged.len(),
        started.elapsed()
    );
    server.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_keeps_every_acknowledged_batch_whole_across_kills() {
    let dir = tempfile::tempdir().unwrap();
    kill_during_batch_writes(dir.path(), None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[cfg_attr(
    not(callhost_test_postgres),
    ignore = "needs CALLHOST_TEST_DATABASE_URL (a PostgreSQL server) when built"
)]
async fn postgres_keeps_every_acknowledged_batch_whole_across_kills() {
    let Ok(url) = std::env::var("CALLHOST_TEST_DATABASE_URL") else {
        panic!("CALLHOST_TEST_DATABASE_URL is not set, but this PostgreSQL test was built to run");
    };
    // A schema of its own, made (and migrated) here, named in the URL the server is given,
    // and dropped at the end.
    let schema = format!("crash_{}", &callhost_store::secret::generate("")[..20]);
    let store = callhost_store::PgStore::connect(&url, Some(&schema))
        .await
        .unwrap();
    let separator = if url.contains('?') { '&' } else { '?' };
    let in_schema = format!("{url}{separator}options=-c%20search_path%3D{schema}");
    let dir = tempfile::tempdir().unwrap();
    kill_during_batch_writes(dir.path(), Some(&in_schema)).await;
    store.drop_schema().await.unwrap();
}
