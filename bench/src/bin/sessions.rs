//! Many widget sessions on one `callhost serve`: N concurrent WebSocket sessions on the real
//! `/host/ws`, each speaking the page protocol as `web/static/session.js` does, ramped in
//! steps. Prints, per step, p50/p99 of each reply, the server's memory per session and the
//! errors. It is a benchmark that prints figures, not a test.
//!
//!     bash bench/sessions.sh [--steps 100,1000,5000,10000] [--rate 200] [--database-url URL]
//!
//! (`sessions.sh` builds the release binaries and raises the soft limit of open files.)
//!
//! Each session: connect (the `session` frame), `loaded` (→ `ui:startSync`), SYNC_ACK
//! (→ `ui:synced`), INITIALIZED (→ `ui:appStatus`); then one call per step:
//! OUTGOING_CALL_STARTED with createEngagement (→ post CREATE_ENGAGEMENT_SUCCEEDED),
//! CALL_ANSWERED and CALL_ENDED (→ `ui:callChanged`, once the status is stored), CALL_COMPLETED
//! with engagementProperties (→ post UPDATE_ENGAGEMENT_SUCCEEDED). A reply's time runs from
//! the frame sent to the frame that ends the input's work, measured here on the client.
//!
//! The ramp: at each step the sessions are opened up to N (at most `--open-concurrency` opening
//! at once) and all stay connected; then every live session runs one call, the calls started
//! at random times over N / `--rate` seconds, so the offered load is `--rate` calls a second
//! however many sessions are open. Memory per session is the server's RSS growth since
//! before the first session, over the sessions open.
//!
//! Users: the sessions belong to `--sessions-per-user` K sessions a user (default 2: an
//! agent's record page and calling remote, say), so the server runs with a fixture of
//! max(steps) / K users and every user signs in once (the loopback development sign-in, then
//! `POST /host/api/session`); each session uses its user's cookie, as every tab of one
//! browser shares it. A call's `callChanged` goes to the user's other pages
//! (docs/design.md#pages-of-a-user): with K = 10,000 every call would be sent to every
//! session.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use rand::Rng;
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

type Ws = WebSocketStream<TcpStream>;
type Samples = BTreeMap<&'static str, Vec<f64>>;

/// How long a reply may take before the session counts an error.
const REPLY_TIMEOUT: Duration = Duration::from_secs(30);

struct Options {
    callhost: String,
    steps: Vec<usize>,
    rate: f64,
    open_concurrency: usize,
    sessions_per_user: usize,
    database_url: Option<String>,
}

fn options() -> Options {
    let mut o = Options {
        callhost: "target/release/callhost".into(),
        steps: vec![100, 1_000, 5_000, 10_000],
        rate: 200.0,
        open_concurrency: 64,
        sessions_per_user: 2,
        database_url: std::env::var("CALLHOST_DATABASE_URL").ok(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_else(|| usage(&flag));
        match flag.as_str() {
            "--callhost" => o.callhost = value,
            "--steps" => {
                o.steps = value
                    .split(',')
                    .map(|s| s.trim().parse().unwrap_or_else(|_| usage(&flag)))
                    .collect()
            }
            "--rate" => o.rate = value.parse().unwrap_or_else(|_| usage(&flag)),
            "--open-concurrency" => {
                o.open_concurrency = value.parse().unwrap_or_else(|_| usage(&flag))
            }
            "--sessions-per-user" => {
                o.sessions_per_user = value
                    .parse()
                    .ok()
                    .filter(|k| *k > 0)
                    .unwrap_or_else(|| usage(&flag))
            }
            "--database-url" => o.database_url = Some(value),
            _ => usage(&flag),
        }
    }
    o
}

fn usage(flag: &str) -> ! {
    eprintln!(
        "bad or incomplete flag {flag}\nusage: sessions [--callhost PATH] [--steps 100,1000,5000,10000] \
         [--rate CALLS_PER_S] [--open-concurrency N] [--sessions-per-user K] \
         [--database-url postgres://...]"
    );
    std::process::exit(2)
}

/// The server under test, with what its ready line says.
struct Server {
    child: Child,
    ready: Value,
    /// The fixture it was started with; removed with it.
    _fixture: TempFixture,
}

/// A fixture file of the bench's own, deleted when dropped.
struct TempFixture(std::path::PathBuf);

impl Drop for TempFixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The portal, users and demo app the bench runs on.
const PORTAL_ID: i64 = 880_001;
const FIRST_USER_ID: i64 = 1_000_001;

/// A fixture with `users` users and the demo app (docs/fixtures.md).
fn fixture(users: usize) -> TempFixture {
    let users: Vec<Value> = (0..users as i64)
        .map(|i| {
            json!({
                "id": FIRST_USER_ID + i,
                "ownerId": 5_000_001 + i,
                "email": format!("agent{i}@bench.example.com"),
                "firstName": "Agent",
                "lastName": format!("{i}"),
            })
        })
        .collect();
    let file = json!({
        "portal": { "id": PORTAL_ID, "name": "Sessions bench" },
        "developerAccount": { "id": 880_002, "name": "Sessions bench developer" },
        "credentials": {
            "developerApiKey": "chk-sessions-bench-key",
            "accessToken": "chp-sessions-bench-token"
        },
        "users": users,
        "apps": [{ "id": 880_003, "demo": true, "clientSecret": "sessions-bench-secret" }],
    });
    let path = std::env::temp_dir().join(format!("callhost-sessions-{}.json", std::process::id()));
    std::fs::write(&path, file.to_string()).expect("writing the fixture");
    TempFixture(path)
}

impl Server {
    fn start(o: &Options, users: usize) -> Server {
        let fixture = fixture(users);
        let mut command = Command::new(&o.callhost);
        command.args([
            "serve",
            "--ephemeral",
            "--listen",
            "127.0.0.1:0",
            "--demo-listen",
            "127.0.0.1:0",
        ]);
        command.arg("--fixture").arg(&fixture.0);
        if let Some(url) = &o.database_url {
            command.args(["--database-url", url]);
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", o.callhost));
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the ready line");
        let ready = line
            .strip_prefix("callhost ready ")
            .and_then(|json| serde_json::from_str(json).ok())
            .unwrap_or_else(|| panic!("not a ready line: {line:?}"));
        Server {
            child,
            ready,
            _fixture: fixture,
        }
    }

    fn str(&self, key: &str) -> String {
        self.ready[key].as_str().expect(key).to_owned()
    }

    /// The server's resident memory, in KiB.
    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // SIGTERM, so an ephemeral PostgreSQL schema is dropped.
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

/// Where and how every session connects.
struct Target {
    host: String,
    ws_url: String,
    /// Each user's session cookie, in user order.
    cookies: Vec<String>,
    sessions_per_user: usize,
    ids: AtomicU64,
}

impl Target {
    fn next_id(&self) -> u64 {
        self.ids.fetch_add(1, Ordering::Relaxed)
    }
}

/// One live session: its socket and the app origin the engine expects.
struct Live {
    ws: Ws,
    app_origin: String,
}

#[derive(Debug)]
struct Failure(String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure(e.to_string())
    }
}

async fn send(ws: &mut Ws, frame: Value) -> Result<(), Failure> {
    if std::env::var_os("SESSIONS_DEBUG").is_some() {
        eprintln!("sent: {frame}");
    }
    ws.send(Message::text(frame.to_string())).await?;
    Ok(())
}

/// Reads frames until one matches `wanted`; returns it.
async fn until(ws: &mut Ws, wanted: impl Fn(&Value) -> bool) -> Result<Value, Failure> {
    let deadline = tokio::time::Instant::now() + REPLY_TIMEOUT;
    loop {
        let next = tokio::time::timeout_at(deadline, ws.next())
            .await
            .map_err(|_| Failure("timed out waiting for a reply".into()))?;
        let Some(message) = next else {
            return Err(Failure("the socket closed".into()));
        };
        if let Message::Text(text) = message? {
            let frame: Value = serde_json::from_str(&text)?;
            if std::env::var_os("SESSIONS_DEBUG").is_some() {
                eprintln!("frame: {frame}");
            }
            if frame["kind"] == "refused" {
                return Err(Failure(format!("refused: {}", frame["message"])));
            }
            if wanted(&frame) {
                return Ok(frame);
            }
        }
    }
}

fn ui(command: &'static str) -> impl Fn(&Value) -> bool {
    move |f| f["kind"] == "ui" && f["command"] == command
}

fn post(message_type: &'static str) -> impl Fn(&Value) -> bool {
    move |f| f["kind"] == "post" && f["message"]["type"] == message_type
}

/// Sends `frame`, waits for the reply `wanted`, and records the time under `kind`.
async fn step(
    ws: &mut Ws,
    samples: &mut Samples,
    kind: &'static str,
    frame: Value,
    wanted: impl Fn(&Value) -> bool,
) -> Result<Value, Failure> {
    let started = Instant::now();
    send(ws, frame).await?;
    let reply = until(ws, wanted).await?;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    samples.entry(kind).or_default().push(ms);
    Ok(reply)
}

fn app(target: &Target, origin: &str, message: Value) -> Value {
    let mut message = message;
    message["messageId"] = json!(format!("1700000000000_{}", target.next_id()));
    json!({ "kind": "app", "origin": origin, "message": message })
}

/// Opens a session and runs the handshake.
async fn open(
    target: &Target,
    app_id: i64,
    index: usize,
    samples: &mut Samples,
) -> Result<Live, Failure> {
    let started = Instant::now();
    let stream = TcpStream::connect(&target.host).await?;
    stream.set_nodelay(true)?;
    let mut request =
        format!("{}?appId={app_id}&location=widget", target.ws_url).into_client_request()?;
    let headers = request.headers_mut();
    let cookie = &target.cookies[(index / target.sessions_per_user) % target.cookies.len()];
    headers.insert("cookie", cookie.parse()?);
    headers.insert("origin", format!("http://{}", target.host).parse()?);
    let (mut ws, _) = tokio_tungstenite::client_async(request, stream).await?;
    until(&mut ws, |f| f["kind"] == "session").await?;
    samples
        .entry("open (upgrade → session)")
        .or_default()
        .push(started.elapsed().as_secs_f64() * 1000.0);
    let loaded = json!({ "kind": "loaded" });
    let sync = step(
        &mut ws,
        samples,
        "loaded → startSync",
        loaded,
        ui("startSync"),
    )
    .await?;
    let app_origin = sync["targetOrigin"].as_str().unwrap_or_default().to_owned();
    let mut ack = sync["fields"].clone();
    // The SDK answers a SYNC with its id (the page posts SYNC as `h-sync-<n>`).
    ack["type"] = json!("SYNC_ACK");
    ack["messageId"] = json!("h-sync-1");
    ack["iFrameUrl"] = json!(app_origin);
    ack["version"] = json!("0.9.7");
    let ack = json!({ "kind": "app", "origin": app_origin, "message": ack });
    step(&mut ws, samples, "SYNC_ACK → synced", ack, ui("synced")).await?;
    let init = app(
        target,
        &app_origin,
        json!({"type": "INITIALIZED", "data": {"isLoggedIn": true}}),
    );
    step(
        &mut ws,
        samples,
        "INITIALIZED → appStatus",
        init,
        ui("appStatus"),
    )
    .await?;
    Ok(Live { ws, app_origin })
}

/// One call through its life: started (and logged), answered, ended, completed.
async fn call(target: &Target, live: &mut Live, samples: &mut Samples) -> Result<(), Failure> {
    let id = format!("bench-{}", target.next_id());
    let origin = live.app_origin.clone();
    let ws = &mut live.ws;
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let started = app(
        target,
        &origin,
        json!({"type": "OUTGOING_CALL_STARTED", "data": {"externalCallId": id,
            "toNumber": "+16175550123", "fromNumber": "+16175550100",
            "callStartTime": now_ms, "createEngagement": true}}),
    );
    let created = step(
        ws,
        samples,
        "OUTGOING_CALL_STARTED → CREATE_ENGAGEMENT_SUCCEEDED",
        started,
        post("CREATE_ENGAGEMENT_SUCCEEDED"),
    )
    .await?;
    let engagement_id = created["message"]["data"]["engagementId"].clone();
    let answered = app(
        target,
        &origin,
        json!({"type": "CALL_ANSWERED", "data": {"externalCallId": id}}),
    );
    let changed = ui("callChanged");
    step(
        ws,
        samples,
        "CALL_ANSWERED → callChanged",
        answered,
        &changed,
    )
    .await?;
    let ended = app(
        target,
        &origin,
        json!({"type": "CALL_ENDED", "data": {"externalCallId": id,
            "engagementId": engagement_id, "callEndStatus": "COMPLETED"}}),
    );
    step(ws, samples, "CALL_ENDED → callChanged", ended, &changed).await?;
    let completed = app(
        target,
        &origin,
        json!({"type": "CALL_COMPLETED", "data": {"externalCallId": id,
            "engagementId": engagement_id, "hideWidget": false,
            "engagementProperties": {"hs_call_body": "Benchmark call"}}}),
    );
    step(
        ws,
        samples,
        "CALL_COMPLETED → UPDATE_ENGAGEMENT_SUCCEEDED",
        completed,
        post("UPDATE_ENGAGEMENT_SUCCEEDED"),
    )
    .await?;
    Ok(())
}

fn merge(into: &mut Samples, from: Samples) {
    for (kind, mut values) in from {
        into.entry(kind).or_default().append(&mut values);
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn report(samples: &mut Samples) {
    println!(
        "  {:<54} {:>7} {:>9} {:>9} {:>9}",
        "reply", "count", "p50 ms", "p99 ms", "max ms"
    );
    for (kind, values) in samples.iter_mut() {
        values.sort_by(f64::total_cmp);
        println!(
            "  {:<54} {:>7} {:>9.2} {:>9.2} {:>9.2}",
            kind,
            values.len(),
            percentile(values, 0.5),
            percentile(values, 0.99),
            values[values.len() - 1]
        );
    }
}

/// The session cookie a response sets.
fn set_cookie(response: &reqwest::Response) -> String {
    let set = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("a session cookie");
    set.split(';').next().unwrap_or_default().to_owned()
}

/// Signs every user in: the development sign-in on loopback (a host page's answer carries
/// its cookie), then a switch to each user (`POST /host/api/session`).
async fn cookies(host_url: &str, portal_id: i64, users: usize) -> Vec<String> {
    let page = format!("{host_url}/contacts/{portal_id}/objects/0-1/views/all/list");
    let first = set_cookie(&reqwest::get(&page).await.expect("the host page"));
    let client = reqwest::Client::new();
    let mut cookies = Vec::with_capacity(users);
    for i in 0..users as i64 {
        let response = client
            .post(format!("{host_url}/host/api/session"))
            .header("cookie", &first)
            .header("origin", host_url)
            .json(&json!({ "portalId": portal_id, "userId": FIRST_USER_ID + i }))
            .send()
            .await
            .expect("switching user");
        assert!(
            response.status().is_success(),
            "switching to user {i}: {}",
            response.status()
        );
        cookies.push(set_cookie(&response));
    }
    cookies
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let o = options();
    let max_sessions = o.steps.iter().copied().max().unwrap_or(1);
    let users = max_sessions.div_ceil(o.sessions_per_user);
    let server = Server::start(&o, users);
    let host_url = server.str("hostUrl");
    let portal_id = server.ready["portalId"].as_i64().expect("portalId");
    let app_id = server.ready["demoAppId"].as_i64().expect("demoAppId");
    let host = host_url.trim_start_matches("http://").to_owned();
    let target = Arc::new(Target {
        ws_url: format!("ws://{host}/host/ws"),
        host,
        cookies: cookies(&host_url, portal_id, users).await,
        sessions_per_user: o.sessions_per_user,
        ids: AtomicU64::new(1),
    });
    let backend = server.str("backend");
    println!(
        "callhost ({backend}), the demo app {app_id}; steps {:?}; calls offered at {} a second; \
         opening at most {} sessions at once; {} sessions a user ({users} users)",
        o.steps, o.rate, o.open_concurrency, o.sessions_per_user
    );
    let base_rss = server.rss_kib();
    let mut live: Vec<Live> = Vec::new();
    let mut total_errors = 0usize;
    for &n in &o.steps {
        let mut samples = Samples::new();
        let mut errors: BTreeMap<String, usize> = BTreeMap::new();
        // Open sessions up to n.
        let gate = Arc::new(Semaphore::new(o.open_concurrency));
        let mut opening = JoinSet::new();
        let opened_at = Instant::now();
        for index in live.len()..n {
            let (target, gate) = (target.clone(), gate.clone());
            opening.spawn(async move {
                let _permit = gate.acquire_owned().await;
                let mut samples = Samples::new();
                let result = open(&target, app_id, index, &mut samples).await;
                (result, samples)
            });
        }
        while let Some(done) = opening.join_next().await {
            let (result, s) = done.expect("a session task");
            merge(&mut samples, s);
            match result {
                Ok(session) => live.push(session),
                Err(Failure(why)) => *errors.entry(format!("open: {why}")).or_default() += 1,
            }
        }
        let open_s = opened_at.elapsed().as_secs_f64();
        let rss = server.rss_kib();
        // One call per live session, started over n / rate seconds.
        let window = Duration::from_secs_f64(live.len() as f64 / o.rate);
        let mut calling = JoinSet::new();
        let calls_at = Instant::now();
        for mut session in live.drain(..) {
            let target = target.clone();
            let delay = window.mul_f64(rand::thread_rng().gen::<f64>());
            calling.spawn(async move {
                tokio::time::sleep(delay).await;
                let mut samples = Samples::new();
                let result = call(&target, &mut session, &mut samples).await;
                (result.map(|()| session), samples)
            });
        }
        while let Some(done) = calling.join_next().await {
            let (result, s) = done.expect("a session task");
            merge(&mut samples, s);
            match result {
                Ok(session) => live.push(session),
                Err(Failure(why)) => *errors.entry(format!("call: {why}")).or_default() += 1,
            }
        }
        let calls_s = calls_at.elapsed().as_secs_f64();
        let per_session = rss.saturating_sub(base_rss) as f64 / live.len().max(1) as f64;
        println!(
            "\n{n} sessions: {} live; opened in {open_s:.1} s; {} calls in {calls_s:.1} s; server RSS {:.1} MiB \
             ({:.1} KiB a session over {:.1} MiB before any)",
            live.len(),
            samples.get("CALL_COMPLETED → UPDATE_ENGAGEMENT_SUCCEEDED").map_or(0, Vec::len),
            rss as f64 / 1024.0,
            per_session,
            base_rss as f64 / 1024.0,
        );
        report(&mut samples);
        let errors_here: usize = errors.values().sum();
        total_errors += errors_here;
        println!("  errors: {errors_here}");
        for (why, count) in errors {
            println!("    {count} × {why}");
        }
    }
    println!("\n{total_errors} errors in all");
    drop(live);
    drop(server);
}
