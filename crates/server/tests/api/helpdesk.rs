//! The help desk's host API: installed apps, inboxes, and numbers connected all or none after
//! the server asks the app's webhook again (a real receiver on loopback), with each refusal
//! named; webhook failures as 502s in HubSpot's error shape.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{assert_error, json, MockServer, Recorded, TestApp};

/// The numbers the help-desk receiver offers.
pub const MAIN: &str = "+18005550100";
pub const BILLING: &str = "+18005550101";
pub const WITH_EXTENSION: &str = "+18005550102";
pub const INVALID: &str = "0800 555";

/// A channel-connection webhook on loopback (`POST /desk`): what it was sent, and a switch
/// that makes it answer 503.
pub struct Receiver {
    pub url: String,
    pub server: MockServer,
    pub down: Arc<AtomicBool>,
}

impl Receiver {
    /// How many requests it got so far.
    pub fn hits(&self) -> usize {
        self.server.hits()
    }

    /// Makes it answer 503 (`true`) or its numbers (`false`).
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }
}

pub async fn receiver() -> Receiver {
    let down = Arc::new(AtomicBool::new(false));
    let switch = down.clone();
    let server = MockServer::start(move |request: &Recorded| {
        Some(offer(request, switch.load(Ordering::SeqCst)))
    })
    .await;
    Receiver {
        url: server.url_of("/desk"),
        server,
        down,
    }
}

fn offer(request: &Recorded, down: bool) -> Response {
    if (&request.method, request.path()) != (&Method::POST, "/desk") {
        return StatusCode::NOT_FOUND.into_response();
    }
    if down {
        return (StatusCode::SERVICE_UNAVAILABLE, "down").into_response();
    }
    axum::Json(json!({"phoneNumbers": [
        {"e164PhoneNumber": MAIN, "friendlyName": "Main line"},
        {"e164PhoneNumber": BILLING, "friendlyName": "Billing line for every customer we have"},
        {"e164PhoneNumber": WITH_EXTENSION, "extension": "1", "friendlyName": "Desk"},
        {"e164PhoneNumber": INVALID, "friendlyName": "Old"},
    ]}))
    .into_response()
}

/// Gives `app_id` calling settings named `name` (installing it in the development portal)
/// and its channel-connection webhook.
pub async fn register(app: &TestApp, app_id: i64, name: &str, url: &str, is_ready: bool) {
    let base = format!("/crm/v3/extensions/calling/{app_id}/settings");
    let settings = json!({"name": name, "url": "https://widget.example.com/"});
    let (status, _) = app.dev_call(Method::POST, &base, Some(&settings)).await;
    assert_eq!(status, 200);
    let connection = json!({"url": url, "isReady": is_ready});
    let path = format!("{base}/channel-connection");
    let (status, _) = app.dev_call(Method::POST, &path, Some(&connection)).await;
    assert_eq!(status, 200);
}

/// A request of the signed-in host user from one of the host's pages (its Origin); the status
/// and JSON body.
pub async fn host_call(
    app: &TestApp,
    host: &reqwest::Client,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = host
        .request(method, format!("{}{path}", app.url))
        .header("origin", &app.url);
    if let Some(body) = body {
        request = request.json(&body);
    }
    json(request.send().await.unwrap()).await
}

/// The id of the portal's first inbox ("Support").
pub async fn support_inbox(app: &TestApp, host: &reqwest::Client) -> i64 {
    let (_, body) = host_call(app, host, Method::GET, "/host/api/helpdesk/inboxes", None).await;
    body["inboxes"][0]["id"].as_i64().unwrap()
}

fn codes(body: &Value) -> Vec<(String, String)> {
    body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["in"].as_str().unwrap_or_default().to_owned(),
                e["code"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

both_backends!(apps_and_inboxes_are_listed_and_named_once, |app| {
    let hook = receiver().await;
    register(app, 6100, "Desk app", &hook.url, false).await;
    let settings = json!({"name": "No help desk", "url": "https://widget.example.com/"});
    let path = "/crm/v3/extensions/calling/6101/settings";
    assert_eq!(
        app.dev_call(Method::POST, path, Some(&settings)).await.0,
        200
    );
    let host = app.host_client().await;

    let (status, body) = host_call(app, &host, Method::GET, "/host/api/helpdesk/apps", None).await;
    assert_eq!(status, 200, "{body}");
    let apps = body["apps"].as_array().unwrap();
    let desk = apps.iter().find(|a| a["appId"] == 6100).unwrap();
    assert_eq!(
        desk,
        &json!({"appId": 6100, "name": "Desk app",
                "channelConnection": {"url": hook.url, "isReady": false}})
    );
    let plain = apps.iter().find(|a| a["appId"] == 6101).unwrap();
    assert_eq!(plain["name"], "No help desk");
    assert_eq!(plain["channelConnection"], Value::Null);

    let path = "/host/api/helpdesk/inboxes";
    let (status, body) = host_call(app, &host, Method::GET, path, None).await;
    assert_eq!(status, 200);
    let inboxes = body["inboxes"].as_array().unwrap();
    assert_eq!(inboxes.len(), 1, "{body}");
    assert_eq!(inboxes[0]["name"], "Support");
    assert_eq!(inboxes[0]["channels"], json!([]));
    let (_, again) = host_call(app, &host, Method::GET, path, None).await;
    assert_eq!(again, body, "the default inbox is made once");

    let (status, billing) = host_call(
        app,
        &host,
        Method::POST,
        path,
        Some(json!({"name": " Billing "})),
    )
    .await;
    assert_eq!(status, 201, "{billing}");
    assert_eq!(billing["name"], "Billing");
    assert_eq!(billing["channels"], json!([]));
    assert!(billing["id"].as_i64().unwrap() > 0);
    for (bad, code) in [
        (json!({"name": "Billing"}), "DUPLICATE_NAME"),
        (json!({"name": "  "}), "INVALID_NAME"),
        (json!({"name": "x".repeat(101)}), "INVALID_NAME"),
        (json!({"name": 7}), "INVALID_TYPE"),
        (json!({}), "REQUIRED"),
    ] {
        let (status, body) = host_call(app, &host, Method::POST, path, Some(bad)).await;
        assert_error(status, &body, 400, "VALIDATION_ERROR");
        assert_eq!(
            codes(&body),
            [("name".to_owned(), code.to_owned())],
            "{body}"
        );
    }
    let (status, body) = host_call(
        app,
        &host,
        Method::POST,
        path,
        Some(json!({"name": "y".repeat(100)})),
    )
    .await;
    assert_eq!(status, 201, "100 characters are fine: {body}");
    let (_, body) = host_call(app, &host, Method::GET, path, None).await;
    assert_eq!(body["inboxes"].as_array().unwrap().len(), 3);

    // Signed out: HubSpot's 401.
    let (status, body) = json(app.request(Method::GET, path).send().await.unwrap()).await;
    assert_error(status, &body, 401, "INVALID_AUTHENTICATION");
});

both_backends!(numbers_connect_all_or_none_each_refusal_named, |app| {
    let hook = receiver().await;
    register(app, 6110, "Desk app", &hook.url, true).await;
    let host = app.host_client().await;
    let inbox = support_inbox(app, &host).await;
    let connect = |numbers: Value| json!({"inboxId": inbox, "appId": 6110, "numbers": numbers});
    let path = "/host/api/helpdesk/channels";

    let (status, body) =
        host_call(app, &host, Method::POST, path, Some(connect(json!([MAIN])))).await;
    assert_eq!(status, 201, "{body}");
    let main = &body["channels"][0];
    assert_eq!(main["e164PhoneNumber"], MAIN);
    assert_eq!(main["friendlyName"], "Main line");
    assert_eq!(
        (main["inboxId"].as_i64(), main["appId"].as_i64()),
        (Some(inbox), Some(6110))
    );
    assert_eq!(main["appName"], "Desk app");
    assert!(main["connectedAt"].as_str().unwrap().ends_with('Z'));
    assert_eq!(hook.hits(), 1, "the server asked the webhook itself");

    // One good number among refused ones: nothing is connected, every refusal is named.
    let numbers = json!([BILLING, WITH_EXTENSION, INVALID, "+18005559999", MAIN]);
    let (status, body) = host_call(app, &host, Method::POST, path, Some(connect(numbers))).await;
    assert_error(status, &body, 400, "VALIDATION_ERROR");
    let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    };
    assert_eq!(
        codes(&body),
        pairs(&[
            (WITH_EXTENSION, "HAS_EXTENSION"),
            (INVALID, "INVALID"),
            ("+18005559999", "NOT_OFFERED"),
            (MAIN, "ALREADY_CONNECTED"),
        ])
    );
    assert!(body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["message"].as_str().is_some_and(|m| m.len() > 10)));
    let (_, inboxes) = host_call(app, &host, Method::GET, "/host/api/helpdesk/inboxes", None).await;
    let connected: Vec<&Value> = inboxes["inboxes"][0]["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["e164PhoneNumber"])
        .collect();
    assert_eq!(connected, [MAIN], "the refused request connected nothing");

    // The friendly name is the webhook's, cut to 24 characters.
    let (status, body) = host_call(
        app,
        &host,
        Method::POST,
        path,
        Some(connect(json!([BILLING]))),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        body["channels"][0]["friendlyName"],
        "Billing line for every c"
    );
    let billing = body["channels"][0]["id"].as_i64().unwrap();

    // Unknown inbox, app not installed: 404. Bad bodies: 400 naming the fields.
    let wrong_inbox = json!({"inboxId": 987654, "appId": 6110, "numbers": [WITH_EXTENSION]});
    let (status, body) = host_call(app, &host, Method::POST, path, Some(wrong_inbox)).await;
    assert_error(status, &body, 404, "OBJECT_NOT_FOUND");
    let not_installed = json!({"inboxId": inbox, "appId": 6199, "numbers": [MAIN]});
    let (status, body) = host_call(app, &host, Method::POST, path, Some(not_installed)).await;
    assert_error(status, &body, 404, "OBJECT_NOT_FOUND");
    let (status, body) = host_call(
        app,
        &host,
        Method::POST,
        path,
        Some(json!({"inboxId": "one", "numbers": []})),
    )
    .await;
    assert_error(status, &body, 400, "VALIDATION_ERROR");
    let fields: Vec<String> = codes(&body).into_iter().map(|(f, _)| f).collect();
    assert_eq!(fields, ["inboxId", "appId", "numbers"], "{body}");

    // Disconnecting: 204, then 404; the number can be connected again.
    let one = format!("{path}/{billing}");
    let (status, _) = host_call(app, &host, Method::DELETE, &one, None).await;
    assert_eq!(status, 204);
    let (status, body) = host_call(app, &host, Method::DELETE, &one, None).await;
    assert_error(status, &body, 404, "OBJECT_NOT_FOUND");
    let (status, body) = host_call(app, &host, Method::DELETE, &format!("{path}/x"), None).await;
    assert_error(status, &body, 400, "VALIDATION_ERROR");
    let (status, _) = host_call(
        app,
        &host,
        Method::POST,
        path,
        Some(connect(json!([BILLING]))),
    )
    .await;
    assert_eq!(status, 201);
});

both_backends!(a_webhook_without_a_usable_list_is_a_502, |app| {
    let hook = receiver().await;
    register(app, 6120, "Not ready", &hook.url, false).await;
    let host = app.host_client().await;
    let inbox = support_inbox(app, &host).await;
    let path = "/host/api/helpdesk/channels";
    let body = |overridden: bool| json!({"inboxId": inbox, "appId": 6120, "numbers": [MAIN], "override": overridden});

    let (status, answer) = host_call(app, &host, Method::POST, path, Some(body(false))).await;
    assert_error(status, &answer, 502, "WEBHOOK_FAILED");
    assert_eq!(answer["errors"][0]["code"], "NOT_READY", "{answer}");
    assert!(answer["message"]
        .as_str()
        .unwrap()
        .contains("supportsChannelConnection"));
    assert_eq!(hook.hits(), 0, "not asked while not ready");

    hook.set_down(true);
    let (status, answer) = host_call(app, &host, Method::POST, path, Some(body(true))).await;
    assert_error(status, &answer, 502, "WEBHOOK_FAILED");
    assert_eq!(answer["errors"][0]["code"], "HTTP_STATUS", "{answer}");
    assert!(
        answer["message"].as_str().unwrap().contains("503"),
        "{answer}"
    );

    // The page's override asks a not-ready app, as the numbers route does.
    hook.set_down(false);
    let (status, answer) = host_call(app, &host, Method::POST, path, Some(body(true))).await;
    assert_eq!(status, 201, "{answer}");
    let (_, inboxes) = host_call(app, &host, Method::GET, "/host/api/helpdesk/inboxes", None).await;
    assert_eq!(
        inboxes["inboxes"][0]["channels"][0]["e164PhoneNumber"],
        MAIN
    );
});

both_backends!(writes_from_another_origin_change_nothing, |app| {
    // A calling app's page on another port of the same host is same-site: the session cookie
    // goes along, so only the Origin tells its requests from the host's own pages.
    let host = app.host_client().await;
    let before = support_inbox(app, &host).await;
    for origin in [Some("http://127.0.0.1:1"), None] {
        let mut request = host
            .post(format!("{}/host/api/helpdesk/inboxes", app.url))
            .header("content-type", "text/plain")
            .body(r#"{"name":"Hijacked"}"#);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        let (status, body) = json(request.send().await.unwrap()).await;
        assert_error(status, &body, 403, "FORBIDDEN");
    }
    let (_, inboxes) = host_call(app, &host, Method::GET, "/host/api/helpdesk/inboxes", None).await;
    assert_eq!(inboxes["inboxes"].as_array().unwrap().len(), 1, "{inboxes}");
    assert_eq!(inboxes["inboxes"][0]["id"], before);
});
