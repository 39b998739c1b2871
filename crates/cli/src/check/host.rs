//! The ephemeral callhost `check` runs against: a SQLite store in a temporary folder, filled
//! from the development seed (or `--fixture`), with the app under test registered as the
//! portal's calling app, served in-process on a loopback port 0 listener; and a small client
//! of its automation API (docs/automation.md#transcript) and REST API.
//!
//! Invariant: everything `check` knows about what happened comes from these two APIs, so the
//! runner, the inspector and the API never disagree.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use callhost_server::{dev, fixture, AppState};
use callhost_store::{SqliteStore, Store};
use serde_json::{json, Value};
use tokio::sync::oneshot;

/// A running ephemeral host; stops when dropped.
pub struct Host {
    pub url: String,
    pub portal_id: i64,
    pub app_id: i64,
    pub contact_id: String,
    api_key: String,
    token: String,
    http: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    _dir: tempfile::TempDir,
}

impl Host {
    /// Starts the host with `app_url` registered as the calling app.
    pub async fn start(app_url: &str, fixture_file: Option<&Path>) -> anyhow::Result<Host> {
        let dir = tempfile::Builder::new()
            .prefix("callhost-check-")
            .tempdir()?;
        let store: Arc<dyn Store> =
            Arc::new(SqliteStore::open(&dir.path().join("callhost.db")).await?);
        let (development, credentials, app_id) = match fixture_file {
            Some(path) => {
                let info = fixture::load(&store, path, Some(app_url)).await?;
                let app_id = info.demo_app_id.ok_or_else(|| {
                    anyhow!("{}: the fixture installs no app for check to run (give it an app with \"demo\": true)", path.display())
                })?;
                let credentials = dev::Credentials {
                    developer_api_key: info.developer_api_key,
                    access_token: info.access_token,
                };
                (info.development, credentials, app_id)
            }
            None => {
                let options = dev::SeedOptions {
                    demo_app_url: Some(app_url.to_owned()),
                    ..Default::default()
                };
                let (development, credentials) = dev::ensure(&store, &options).await?;
                (development, credentials, development.demo_app_id)
            }
        };
        store.take_snapshot().await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let state = AppState::new(store, Some(development));
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            if let Err(error) = callhost_server::run(state, listener, None, shutdown).await {
                tracing::error!(%error, "the ephemeral host stopped");
            }
        });
        let mut host = Host {
            url,
            portal_id: development.portal_id,
            app_id,
            contact_id: String::new(),
            api_key: credentials.developer_api_key,
            token: credentials.access_token,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(40))
                .build()?,
            stop: Some(stop),
            _dir: dir,
        };
        if fixture_file.is_some() {
            // A fixture's demo app is served at the root of its origin; the app under test is
            // at `app_url`, path and query included.
            let path = format!(
                "{}/crm/v3/extensions/calling/{app_id}/settings?hapikey={}",
                host.url, host.api_key
            );
            let response = host
                .http
                .patch(path)
                .json(&json!({"url": app_url}))
                .send()
                .await?;
            if !response.status().is_success() {
                bail!(
                    "registering {app_url} as app {app_id}'s calling URL answered {}",
                    response.status()
                );
            }
        }
        let contacts = host
            .rest(
                reqwest::Method::GET,
                "/crm/v3/objects/contacts?limit=1&properties=phone",
            )
            .await?;
        host.contact_id = contacts["results"][0]["id"]
            .as_str()
            .ok_or_else(|| anyhow!("the host has no contact to open"))?
            .to_owned();
        Ok(host)
    }

    /// The record page with the widget already on the app (docs/fixtures.md).
    pub fn deep_link(&self) -> String {
        format!(
            "{}/contacts/{}/record/0-1/{}?callingApp={}",
            self.url, self.portal_id, self.contact_id, self.app_id
        )
    }

    /// A REST API call with the portal's access token.
    pub async fn rest(&self, method: reqwest::Method, path: &str) -> anyhow::Result<Value> {
        let response = self
            .http
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(&self.token)
            .send()
            .await?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("{path} answered {status}: {}", body["message"]);
        }
        Ok(body)
    }

    /// An automation API call with the developer key; `Err((status, message))` on refusal.
    pub async fn automation(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<Result<Value, (u16, String)>> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut request = self.http.request(
            method,
            format!(
                "{}/callhost/v1{path}{sep}hapikey={}",
                self.url, self.api_key
            ),
        );
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.context("calling the automation API")?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if status.is_success() {
            Ok(Ok(body))
        } else {
            let message = body["message"].as_str().unwrap_or_default().to_owned();
            Ok(Err((status.as_u16(), message)))
        }
    }

    /// The app's widget session, once its page has opened one.
    pub async fn widget_session(&self, within: Duration) -> anyhow::Result<Option<Value>> {
        let deadline = Instant::now() + within;
        loop {
            let sessions = self
                .automation(reqwest::Method::GET, "/sessions", None)
                .await?
                .map_err(|(s, m)| anyhow!("listing sessions answered {s}: {m}"))?;
            let found = sessions["results"].as_array().and_then(|all| {
                all.iter()
                    .find(|s| s["appId"] == json!(self.app_id) && s["location"] == "widget")
                    .cloned()
            });
            if found.is_some() || Instant::now() >= deadline {
                return Ok(found);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Whether the widget's iframe fired its load event (the session's `state.loaded`)
    /// within `within`.
    pub async fn widget_loaded(&self, within: Duration) -> anyhow::Result<bool> {
        let deadline = Instant::now() + within;
        loop {
            let session = self.widget_session(Duration::ZERO).await?;
            if session.is_some_and(|s| s["state"]["loaded"] == true) {
                return Ok(true);
            }
            if Instant::now() >= deadline {
                return Ok(false);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Transcript entries after `after`, waiting up to `wait` for one.
    pub async fn transcript(
        &self,
        session: &str,
        after: i64,
        wait: Duration,
    ) -> anyhow::Result<Vec<Value>> {
        let wait_ms = wait.as_millis().min(30_000);
        let path = format!("/sessions/{session}/transcript?after={after}&wait={wait_ms}");
        let body = self
            .automation(reqwest::Method::GET, &path, None)
            .await?
            .map_err(|(s, m)| anyhow!("reading the transcript answered {s}: {m}"))?;
        Ok(body["results"].as_array().cloned().unwrap_or_default())
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
