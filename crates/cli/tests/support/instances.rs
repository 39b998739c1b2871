//! Real `callhost serve` processes on one PostgreSQL database, and the two ways to report a
//! call to one: a widget session over the real `/host/ws` socket speaking the page protocol
//! (`crates/protocol/src/engine/page.rs`), and `POST /crm/v3/extensions/calling/inbound-call`.
//! Shared by `tests/multi_instance.rs` and the `two_instances` benchmark (`bench/`).

#![allow(dead_code)]

use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use sqlx::Connection;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

#[path = "ready.rs"]
mod ready;
use ready::read_ready;

/// A database made for one run, dropped by [`Database::drop_now`].
pub struct Database {
    pub url: String,
    admin_url: String,
    name: String,
}

impl Database {
    /// A new, empty database on the server of `admin_url`.
    pub async fn create(admin_url: &str) -> Database {
        let name = format!(
            "callhost_multi_{}",
            &callhost_store::secret::generate("")[..16].to_lowercase()
        );
        let mut admin = sqlx::PgConnection::connect(admin_url).await.unwrap();
        sqlx::query(&format!("create database {name}"))
            .execute(&mut admin)
            .await
            .unwrap();
        admin.close().await.unwrap();
        let mut url = url::Url::parse(admin_url).unwrap();
        url.set_path(&format!("/{name}"));
        Database {
            url: url.to_string(),
            admin_url: admin_url.to_owned(),
            name,
        }
    }

    /// Drops the database (its instances must have stopped).
    pub async fn drop_now(self) {
        let mut admin = sqlx::PgConnection::connect(&self.admin_url).await.unwrap();
        sqlx::query(&format!(
            "drop database if exists {} with (force)",
            self.name
        ))
        .execute(&mut admin)
        .await
        .unwrap();
        admin.close().await.unwrap();
    }
}

/// A `callhost serve` being started.
pub struct Starting(Child);

/// A running `callhost serve` and its ready line.
pub struct Instance {
    child: Child,
    _stdout: ChildStdout,
    pub ready: Value,
    pub api_url: String,
    pub token: String,
}

impl Starting {
    /// Starts `binary` (or this package's) on `database_url`, with the development seed's
    /// credentials in `data_dir`; the demo origin is served when `demo`.
    pub fn spawn(binary: Option<&Path>, database_url: &str, data_dir: &Path, demo: bool) -> Self {
        Self::spawn_with(binary, database_url, data_dir, demo, &[])
    }

    /// [`Starting::spawn`] with more flags.
    pub fn spawn_with(
        binary: Option<&Path>,
        database_url: &str,
        data_dir: &Path,
        demo: bool,
        flags: &[&str],
    ) -> Self {
        let binary = binary.map_or_else(
            || {
                let built = option_env!("CARGO_BIN_EXE_callhost");
                Path::new(built.expect("the callhost binary to run")).to_owned()
            },
            Path::to_owned,
        );
        let mut command = Command::new(binary);
        command
            .args(["serve", "--listen", "127.0.0.1:0", "--demo-listen"])
            .arg(if demo { "127.0.0.1:0" } else { "off" })
            .arg("--database-url")
            .arg(database_url)
            .arg("--data-dir")
            .arg(data_dir)
            .args(flags)
            .env("CALLHOST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        Starting(command.spawn().expect("the callhost binary starts"))
    }

    /// Waits for the ready line.
    pub fn ready(mut self) -> Instance {
        let (stdout, ready) = read_ready(&mut self.0);
        Instance {
            child: self.0,
            _stdout: stdout,
            api_url: ready["apiUrl"].as_str().unwrap().to_owned(),
            token: ready["accessToken"].as_str().unwrap().to_owned(),
            ready,
        }
    }
}

impl Instance {
    /// SIGTERM, then waits for the process to end (as dropping it does, say on a panic).
    pub fn stop(self) {}

    pub fn portal_id(&self) -> i64 {
        self.ready["portalId"].as_i64().unwrap()
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let _ = self.child.wait();
    }
}

/// What a page needs to run the demo app's widget: its id and origin.
#[derive(Debug, Clone)]
pub struct App {
    pub id: i64,
    pub origin: String,
    /// A contact of the seed with a phone number, to dial.
    pub contact: i64,
}

impl App {
    /// The demo app of the instance serving the demo origin.
    pub async fn demo(http: &reqwest::Client, instance: &Instance) -> App {
        let page: Value = http
            .get(format!(
                "{}/crm/v3/objects/contacts?properties=phone&limit=100",
                instance.api_url
            ))
            .bearer_auth(&instance.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let contact = page["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["properties"]["phone"].is_string())
            .expect("the seed has a contact with a phone number")["id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let url = instance.ready["demoAppUrl"]
            .as_str()
            .expect("a demo origin");
        App {
            id: instance.ready["demoAppId"].as_i64().unwrap(),
            origin: url.trim_end_matches('/').to_owned(),
            contact,
        }
    }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A widget session of `app` on one instance, over the real socket, handshake done.
pub struct Widget {
    socket: Socket,
    app: App,
    sent: u64,
}

impl Widget {
    /// Opens the session as the development user (its access token is a host session) and
    /// runs the handshake: the page loaded the app, the app acknowledged SYNC and initialized.
    pub async fn open(instance: &Instance, app: &App) -> Widget {
        let ws_url = format!(
            "{}/host/ws?appId={}&location=widget",
            instance.api_url.replacen("http://", "ws://", 1),
            app.id
        );
        let mut request = ws_url.into_client_request().unwrap();
        let headers = request.headers_mut();
        headers.insert("origin", instance.api_url.parse().unwrap());
        let cookie = format!("callhost_session={}", instance.token);
        headers.insert("cookie", cookie.parse().unwrap());
        let (socket, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("the host socket opens");
        let mut widget = Widget {
            socket,
            app: app.clone(),
            sent: 0,
        };
        widget.until(|f| f["kind"] == "session").await;
        widget.send(json!({"kind": "loaded"})).await;
        let origin = widget.app.origin.clone();
        widget
            .send(json!({"kind": "app", "origin": origin, "message": {"type": "SYNC_ACK", "messageId": "h-sync-1", "iFrameUrl": origin, "version": "0.9.7"}}))
            .await;
        widget
            .app_message("INITIALIZED", json!({"isLoggedIn": true}))
            .await;
        widget
    }

    async fn send(&mut self, frame: Value) {
        self.socket
            .send(Message::Text(frame.to_string().into()))
            .await
            .unwrap();
    }

    async fn app_message(&mut self, kind: &str, data: Value) {
        self.sent += 1;
        let id = format!("1_{}", self.sent);
        let origin = self.app.origin.clone();
        self.send(json!({"kind": "app", "origin": origin, "message": {"type": kind, "messageId": id, "data": data}}))
            .await;
    }

    /// Reads frames until one satisfies `wanted`; returns it.
    async fn until(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        let read = async {
            while let Some(message) = self.socket.next().await {
                if let Message::Text(text) = message.expect("the socket stays open") {
                    let frame: Value = serde_json::from_str(&text).unwrap();
                    if wanted(&frame) {
                        return frame;
                    }
                }
            }
            panic!("the socket closed");
        };
        tokio::time::timeout(Duration::from_secs(20), read)
            .await
            .expect("the host answered in time")
    }

    /// Dials the app's contact and reports the call `external` started; returns its
    /// engagement id and the time from the report to the reply (CREATE_ENGAGEMENT_SUCCEEDED).
    pub async fn report(&mut self, external: &str) -> (i64, Duration) {
        let contact = self.app.contact;
        self.send(json!({"kind": "dial", "objectTypeId": "0-1", "objectId": contact, "objectType": "CONTACT", "property": "phone", "phoneNumber": "+16175550123", "timestampMs": 1_767_225_600_000_i64}))
            .await;
        self.until(|f| f["kind"] == "post" && f["message"]["type"] == "DIAL_NUMBER")
            .await;
        let started = Instant::now();
        self.app_message(
            "OUTGOING_CALL_STARTED",
            json!({"externalCallId": external, "toNumber": "+16175550123", "createEngagement": true}),
        )
        .await;
        let reply = self
            .until(|f| {
                f["kind"] == "post"
                    && matches!(
                        f["message"]["type"].as_str(),
                        Some("CREATE_ENGAGEMENT_SUCCEEDED" | "CREATE_ENGAGEMENT_FAILED")
                    )
            })
            .await;
        let took = started.elapsed();
        let id = reply["message"]["data"]["engagementId"]
            .as_i64()
            .unwrap_or_else(|| panic!("the call was not logged: {reply}"));
        (id, took)
    }

    /// Ends and completes the current call `external`, so that the session can dial again.
    pub async fn finish(&mut self, external: &str) {
        self.app_message(
            "CALL_ENDED",
            json!({"externalCallId": external, "callEndStatus": "COMPLETED"}),
        )
        .await;
        self.app_message(
            "CALL_COMPLETED",
            json!({"externalCallId": external, "hideWidget": false, "engagementProperties": {"hs_call_status": "COMPLETED"}}),
        )
        .await;
        self.until(|f| {
            f["kind"] == "post"
                && matches!(
                    f["message"]["type"].as_str(),
                    Some("UPDATE_ENGAGEMENT_SUCCEEDED" | "UPDATE_ENGAGEMENT_FAILED")
                )
        })
        .await;
    }

    pub async fn close(mut self) {
        let _ = self.socket.close(None).await;
    }
}

/// Reports the inbound call `external` through the REST API of `instance`; its engagement id
/// and how long the request took.
pub async fn report_inbound(
    http: &reqwest::Client,
    instance: &Instance,
    external: &str,
) -> (i64, Duration) {
    let started = Instant::now();
    let response = http
        .post(format!(
            "{}/crm/v3/extensions/calling/inbound-call",
            instance.api_url
        ))
        .bearer_auth(&instance.token)
        .json(&json!({
            "createEngagement": true,
            "engagementProperties": {},
            "externalCallId": external,
            "finalCallStatus": "COMPLETED",
            "fromNumber": {"e164Number": "+16175550123", "phoneNumberType": "MOBILE"},
            "toNumber": {"e164Number": "+18005550199", "phoneNumberType": "TOLL_FREE"},
            "potentialRecipientUserIds": [],
        }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    (body["engagementId"].as_i64().unwrap(), started.elapsed())
}

/// How many call objects have `hs_call_external_id` = `external`, read through the CRM API.
pub async fn calls_with(http: &reqwest::Client, instance: &Instance, external: &str) -> u64 {
    let body: Value = http
        .post(format!("{}/crm/v3/objects/calls/search", instance.api_url))
        .bearer_auth(&instance.token)
        .json(&json!({"filterGroups": [{"filters": [{"propertyName": "hs_call_external_id", "operator": "EQ", "value": external}]}]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["total"].as_u64().unwrap_or_else(|| panic!("{body}"))
}
