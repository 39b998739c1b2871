//! `spawn_app()`: the real server on port 0, its own store, typed helpers; the server's own
//! [`AppState`] for tests that drive a widget session next to it; [`MockServer`] for what
//! stands in for an app's backend.

pub mod live_page;
pub mod mock_server;

use std::sync::Arc;
use std::time::Duration;

use callhost_server::served_host::AllowedHost;
use callhost_server::webhooks::WebhookConfig;
use callhost_server::{dev, AppState};
use callhost_store::{secret, NewAccessToken, PgStore, SqliteStore, Store};
use reqwest::{Method, RequestBuilder, Response};
use serde_json::Value;
use tokio::sync::oneshot;

pub use live_page::LivePage;
pub use mock_server::{MockServer, Recorded};

/// How long the test server waits for a webhook: long enough for a receiver on loopback,
/// short enough that a test of a webhook that never answers does not wait out the default.
pub const WEBHOOK_TIMEOUT: Duration = Duration::from_millis(1000);

/// The name every test app is also served under, as `--allowed-host` would give it: a
/// reverse proxy's name, under which nobody is signed in automatically.
pub const PROXIED_HOST: &str = "callhost.proxy.example";

pub struct TestApp {
    pub url: String,
    pub demo_url: String,
    pub api_key: String,
    pub token: String,
    pub dev: dev::Development,
    /// The running server's state (its store, sessions, call locks, inspector): a test that
    /// drives a widget session itself goes through the same state as the server's requests.
    pub state: AppState,
    /// `state.store`, for short.
    pub store: Arc<dyn Store>,
    pub http: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    pg: Option<PgStore>,
    /// A second instance's own connection to the first one's schema ([`TestApp::spawn_peer`]).
    peer: Option<PgStore>,
    _dir: Option<tempfile::TempDir>,
}

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Starts an app on `backend`; `None` when that backend is not configured for tests. It
/// listens on loopback, so, as `callhost serve` would, its webhooks may reach loopback.
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, true).await
}

/// [`spawn_app`], choosing whether webhooks may reach private addresses.
pub async fn spawn_app_with(backend: Backend, allow_private_webhooks: bool) -> Option<TestApp> {
    spawn_filled(backend, allow_private_webhooks, Filling::Seed, true).await
}

/// How a test app's store is filled before it serves.
#[derive(Clone, Copy, Debug)]
pub enum Filling<'a> {
    /// The development seed, as `callhost serve` without `--fixture`.
    Seed,
    /// A fixture file, as `--fixture`, followed by the snapshot reset goes back to.
    Fixture(&'a std::path::Path),
    /// The seed and the snapshot, as `callhost serve` with the automation surfaces on.
    SeedWithSnapshot,
}

/// [`spawn_app`] with its store filled as `filling` says and the automation surfaces on or
/// off (`--automation`).
pub async fn spawn_app_from(
    backend: Backend,
    filling: Filling<'_>,
    automation: bool,
) -> Option<TestApp> {
    spawn_filled(backend, true, filling, automation).await
}

async fn spawn_filled(
    backend: Backend,
    allow_private_webhooks: bool,
    filling: Filling<'_>,
    automation: bool,
) -> Option<TestApp> {
    let (store, pg, dir): (Arc<dyn Store>, _, _) = match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let store = SqliteStore::open(&dir.path().join("callhost.db"))
                .await
                .unwrap();
            (Arc::new(store), None, Some(dir))
        }
        Backend::Postgres => {
            // PostgreSQL variants are built ignored without the database (see `build.rs`);
            // one that runs must have it.
            let Ok(url) = std::env::var("CALLHOST_TEST_DATABASE_URL") else {
                panic!("CALLHOST_TEST_DATABASE_URL is not set, but this PostgreSQL test was built to run");
            };
            let schema = format!("api_{}", &secret::generate("")[..24]);
            let pg = PgStore::connect(&url, Some(&schema)).await.unwrap();
            (Arc::new(pg.clone()), Some(pg), None)
        }
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let demo = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let demo_url = format!("http://{}", demo.local_addr().unwrap());
    let (development, credentials) = match filling {
        Filling::Seed | Filling::SeedWithSnapshot => {
            dev::ensure(&store, &dev::SeedOptions::default())
                .await
                .unwrap()
        }
        Filling::Fixture(path) => {
            let info = callhost_server::fixture::load(&store, path, Some(&format!("{demo_url}/")))
                .await
                .unwrap();
            let credentials = dev::Credentials {
                developer_api_key: info.developer_api_key,
                access_token: info.access_token,
            };
            (info.development, credentials)
        }
    };
    if !matches!(filling, Filling::Seed) {
        store.take_snapshot().await.unwrap();
    }
    let (state, stop, server) = serve(
        &store,
        development,
        allow_private_webhooks,
        automation,
        listener,
        demo,
    );
    Some(TestApp {
        url,
        demo_url,
        api_key: credentials.developer_api_key,
        token: credentials.access_token,
        dev: development,
        state,
        store,
        http: reqwest::Client::new(),
        stop: Some(stop),
        server: Some(server),
        pg,
        peer: None,
        _dir: dir,
    })
}

/// The server of a test app: its state, as `callhost serve` builds it, served on `listener`
/// and `demo` until the returned sender fires.
fn serve(
    store: &Arc<dyn Store>,
    development: dev::Development,
    allow_private_webhooks: bool,
    automation: bool,
    listener: tokio::net::TcpListener,
    demo: tokio::net::TcpListener,
) -> (
    AppState,
    oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let (stop, stopped) = oneshot::channel::<()>();
    let state = AppState::new(store.clone(), Some(development))
        .with_webhooks(WebhookConfig {
            allow_private: allow_private_webhooks,
            timeout: WEBHOOK_TIMEOUT,
        })
        .with_allowed_hosts(vec![AllowedHost::parse(PROXIED_HOST).unwrap()])
        .with_automation(automation);
    let server = tokio::spawn(callhost_server::run(
        state.clone(),
        listener,
        Some(demo),
        async {
            let _ = stopped.await;
        },
    ));
    (state, stop, server)
}

impl TestApp {
    /// A request to `path` with the development API key.
    pub fn dev_request(&self, method: Method, path: &str) -> RequestBuilder {
        let sep = if path.contains('?') { '&' } else { '?' };
        self.http.request(
            method,
            format!("{}{path}{sep}hapikey={}", self.url, self.api_key),
        )
    }

    /// Sends a request with the development API key (and `body` as JSON); returns the status
    /// and the JSON body, checked as [`json`] checks it.
    pub async fn dev_call(&self, method: Method, path: &str, body: Option<&Value>) -> (u16, Value) {
        let mut request = self.dev_request(method, path);
        if let Some(body) = body {
            request = request.json(body);
        }
        json(request.send().await.unwrap()).await
    }

    /// A request to `path` with no credentials.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, format!("{}{path}", self.url))
    }

    /// A client signed in to the host as the development user (it opened a host page on
    /// loopback), keeping the session cookie.
    pub async fn host_client(&self) -> reqwest::Client {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        let page = client
            .get(format!(
                "{}/contacts/{}/objects/0-1/views/all/list",
                self.url, self.dev.portal_id
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        client
    }

    /// A new developer account with a key of its own; returns the key.
    pub async fn other_developer(&self) -> String {
        let account = self.store.create_developer_account("Other").await.unwrap();
        let key = secret::generate("chk-");
        self.store
            .add_developer_api_key(account.id, &secret::hash(&key))
            .await
            .unwrap();
        key
    }

    /// A request to the automation API (`/callhost/v1/...`) with a bearer token; returns the
    /// status and the JSON body.
    pub async fn automation(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let mut request = self.request(method, path).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(body);
        }
        json(request.send().await.unwrap()).await
    }

    /// Waits (through the transcript's long poll) for an entry of `kind` after `after`;
    /// returns it, or panics after 10 s.
    pub async fn wait_for(&self, session: &str, kind: &str, after: Option<u64>) -> Value {
        let after = after.map_or(String::new(), |a| format!("&after={a}"));
        let path =
            format!("/callhost/v1/sessions/{session}/transcript?type={kind}&wait=10000{after}");
        let (status, body) = self.automation(&self.token, Method::GET, &path, None).await;
        assert_eq!(status, 200, "{body}");
        body["results"]
            .as_array()
            .and_then(|r| r.first())
            .cloned()
            .unwrap_or_else(|| panic!("no {kind} in the transcript of {session}"))
    }

    /// A second portal with a user and an access token of its own; returns the token.
    pub async fn other_portal_token(&self) -> String {
        let portal = self.store.create_portal("Other").await.unwrap();
        let user = self
            .store
            .create_user(&callhost_store::NewUser {
                portal_id: portal.id,
                email: "other@example.com",
                first_name: "O",
                last_name: "X",
            })
            .await
            .unwrap();
        let token = secret::generate("chp-");
        let scopes = vec!["crm.objects.contacts.read".to_owned()];
        self.store
            .add_access_token(&NewAccessToken {
                token_hash: &secret::hash(&token),
                portal_id: portal.id,
                user_id: user.id,
                developer_account_id: None,
                scopes: &scopes,
                expires_at: None,
            })
            .await
            .unwrap();
        token
    }

    /// A bearer token of the development user with exactly these scopes.
    pub async fn token_with(&self, scopes: &[&str], with_developer: bool) -> String {
        let token = secret::generate("chp-");
        let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
        self.store
            .add_access_token(&NewAccessToken {
                token_hash: &secret::hash(&token),
                portal_id: self.dev.portal_id,
                user_id: self.dev.user_id,
                developer_account_id: with_developer.then_some(self.dev.developer_account_id),
                scopes: &scopes,
                expires_at: None,
            })
            .await
            .unwrap();
        token
    }

    /// The PostgreSQL schema of the app's store (`None` on SQLite).
    pub fn pg_schema(&self) -> Option<&str> {
        self.pg.as_ref().and_then(PgStore::schema)
    }

    /// A second instance of this app on the same PostgreSQL schema, as a second
    /// `callhost serve` on one database: a store of its own (its own pool, bus listener and
    /// instance id) and a server of its own. `None` on SQLite, which serves one process.
    /// Finish it before this one, which drops the schema.
    pub async fn spawn_peer(&self) -> Option<TestApp> {
        let schema = self.pg_schema()?;
        let url = std::env::var("CALLHOST_TEST_DATABASE_URL").ok()?;
        let pg = PgStore::connect(&url, Some(schema)).await.unwrap();
        let store: Arc<dyn Store> = Arc::new(pg.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let demo = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let demo_url = format!("http://{}", demo.local_addr().unwrap());
        let (state, stop, server) = serve(
            &store,
            self.dev,
            true,
            self.state.automation,
            listener,
            demo,
        );
        Some(TestApp {
            url,
            demo_url,
            api_key: self.api_key.clone(),
            token: self.token.clone(),
            dev: self.dev,
            state,
            store,
            http: reqwest::Client::new(),
            stop: Some(stop),
            server: Some(server),
            pg: None,
            peer: Some(pg),
            _dir: None,
        })
    }

    /// Stops the server and removes its store.
    pub async fn finish(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.unwrap().unwrap();
        }
        if let Some(peer) = self.peer.take() {
            peer.close().await;
        }
        // What the inspector's background writer still holds goes to the store first: a batch
        // written while the schema is dropped would deadlock with the drop.
        self.state.inspector.flush().await;
        if let Some(pg) = self.pg.take() {
            let mut attempts = 0;
            while let Err(err) = pg.drop_schema().await {
                attempts += 1;
                // A peer instance's writer may still be finishing a batch in the schema.
                assert!(attempts < 5, "cannot drop the test schema: {err}");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
}

/// The status and JSON body of a response, checking the content type of every body.
pub async fn json(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    let text = response.text().await.unwrap();
    if status == 204 {
        assert!(text.is_empty(), "204 must have no body, got {text:?}");
        return (status, Value::Null);
    }
    assert!(
        content_type
            .as_deref()
            .is_some_and(|c| c.starts_with("application/json")),
        "every body must be JSON, got {content_type:?} for {text}"
    );
    (status, serde_json::from_str(&text).unwrap())
}

/// Asserts HubSpot's error shape and returns the body.
pub fn assert_error(status: u16, body: &Value, expected_status: u16, category: &str) {
    assert_eq!(status, expected_status, "{body}");
    assert_eq!(body["status"], "error", "{body}");
    assert_eq!(body["category"], category, "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    let id = body["correlationId"].as_str().unwrap();
    assert_eq!(id.len(), 36, "correlationId is a UUID: {id}");
    assert!(body["errors"].is_array(), "{body}");
}

/// Declares a test that runs once per backend.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn body($app: &$crate::helpers::TestApp) $body

            #[tokio::test]
            async fn sqlite() {
                let app = $crate::helpers::spawn_app($crate::helpers::Backend::Sqlite).await.unwrap();
                body(&app).await;
                app.finish().await;
            }

            #[tokio::test]
            #[cfg_attr(
                not(callhost_test_postgres),
                ignore = "needs CALLHOST_TEST_DATABASE_URL (a PostgreSQL server) when built"
            )]
            async fn postgres() {
                if let Some(app) = $crate::helpers::spawn_app($crate::helpers::Backend::Postgres).await {
                    body(&app).await;
                    app.finish().await;
                }
            }
        }
    };
}
