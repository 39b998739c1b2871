//! The host's server side: sign-in on loopback, the context, and the widget-session loop
//! driven through channels (no browser): a call made through the engine is logged once per
//! externalCallId, on the dialed contact, visible through the REST API.

use std::sync::{Arc, Mutex};

use callhost_protocol::engine::{IframeLocation, Session, SessionConfig};
use callhost_server::host::widget_socket;
use callhost_server::AppState;
use futures_util::stream;
use reqwest::Method;
use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::live_page::recording_sink;
use crate::helpers::{json, TestApp};

/// The origin the test app "runs" on.
pub const APP_ORIGIN: &str = "http://127.0.0.1:9999";

/// A widget session of the demo app for the development user.
pub fn config(app: &TestApp) -> SessionConfig {
    SessionConfig {
        host_url: app.url.clone(),
        portal_id: app.dev.portal_id,
        user_id: app.dev.user_id,
        owner_id: app.dev.owner_id,
        app_id: app.dev.demo_app_id,
        app_url: format!("{APP_ORIGIN}/app"),
        allowed_origins: vec![],
        iframe_location: IframeLocation::Widget,
        uses_calling_window: false,
        engagement_id: None,
        legacy_engagement_created: false,
    }
}

/// A page frame carrying one message from the app.
pub fn app_message(kind: &str, id: &str, data: Value) -> String {
    json!({"kind": "app", "origin": APP_ORIGIN, "message": {"type": kind, "messageId": id, "data": data}}).to_string()
}

/// Runs one connection of the demo app's session with these frames from the page; returns
/// every frame sent back.
async fn run(app: &TestApp, state: &AppState, frames: Vec<String>) -> Vec<Value> {
    run_as(app, state, config(app), frames).await
}

/// Runs one connection of a session with `config`; every frame sent back.
pub async fn run_as(
    app: &TestApp,
    state: &AppState,
    config: SessionConfig,
    frames: Vec<String>,
) -> Vec<Value> {
    let (id, live) = state
        .sessions
        .open(Session::new(config), app.dev.portal_id, app.dev.user_id);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let _ = widget_socket::drive(
        state.clone(),
        id,
        live,
        Box::pin(recording_sink(seen.clone())),
        stream::iter(frames),
    )
    .await;
    let out = seen.lock().unwrap().clone();
    out
}

/// A contact of the development seed with a phone number.
pub async fn seeded_contact(app: &TestApp) -> i64 {
    let (_, page) = json(
        app.request(
            Method::GET,
            "/crm/v3/objects/contacts?properties=phone&limit=100",
        )
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap(),
    )
    .await;
    page["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["properties"]["phone"].is_string())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

pub fn call_frames(contact: i64, external: &str) -> Vec<String> {
    vec![
        json!({"kind": "loaded"}).to_string(),
        json!({"kind": "app", "origin": APP_ORIGIN, "message": {"type": "SYNC_ACK", "messageId": "h-sync-1", "iFrameUrl": APP_ORIGIN, "version": "0.9.7"}}).to_string(),
        app_message("INITIALIZED", "1_1", json!({"isLoggedIn": true})),
        json!({"kind": "dial", "objectTypeId": "0-1", "objectId": contact, "objectType": "CONTACT", "property": "phone", "phoneNumber": "+16175550123", "timestampMs": 1_767_225_600_000_i64}).to_string(),
        app_message("OUTGOING_CALL_STARTED", "1_2", json!({"externalCallId": external, "toNumber": "+16175550123", "createEngagement": true})),
        app_message("CALL_ENDED", "1_3", json!({"externalCallId": external, "callEndStatus": "COMPLETED"})),
        app_message("CALL_COMPLETED", "1_4", json!({"externalCallId": external, "hideWidget": false,
            "engagementProperties": {"hs_call_body": "Talked about <b>pricing</b>", "hs_call_status": "COMPLETED", "hs_call_duration": "42000"}})),
    ]
}

/// The data of every message of type `kind` posted to the app.
pub fn posted(out: &[Value], kind: &str) -> Vec<Value> {
    out.iter()
        .filter(|f| f["kind"] == "post" && f["message"]["type"] == kind)
        .cloned()
        .collect()
}

both_backends!(
    a_call_through_the_bridge_is_logged_once_on_the_dialed_contact,
    |app| {
        let state = app.state.clone();
        let contact = seeded_contact(app).await;

        let out = run(app, &state, call_frames(contact, "ext-1")).await;
        assert_eq!(out[0]["kind"], "session");
        let dials = posted(&out, "DIAL_NUMBER");
        assert_eq!(dials.len(), 1, "exactly one DIAL_NUMBER");
        assert_eq!(dials[0]["targetOrigin"], APP_ORIGIN);
        assert_eq!(
            dials[0]["message"]["data"]["calleeInfo"]["calleeId"],
            contact
        );
        let created = posted(&out, "CREATE_ENGAGEMENT_SUCCEEDED");
        assert_eq!(created.len(), 1, "{out:#?}");
        let engagement = created[0]["message"]["data"]["engagementId"]
            .as_i64()
            .unwrap();
        assert_eq!(
            posted(&out, "UPDATE_ENGAGEMENT_SUCCEEDED")[0]["message"]["data"]["engagementId"],
            engagement
        );

        // The call is in the CRM, on the contact, with what the app sent.
        let (status, call) = json(
        app.request(Method::GET, &format!("/crm/v3/objects/calls/{engagement}?properties=hs_call_body,hs_call_status,hs_call_duration,hs_call_direction,hs_call_external_id,hubspot_owner_id&associations=contacts"))
            .bearer_auth(&app.token).send().await.unwrap(),
    )
    .await;
        assert_eq!(status, 200, "{call}");
        let p = &call["properties"];
        assert_eq!(
            (p["hs_call_status"].as_str(), p["hs_call_duration"].as_str()),
            (Some("COMPLETED"), Some("42000"))
        );
        assert_eq!(p["hs_call_body"], "Talked about <b>pricing</b>");
        assert_eq!(p["hs_call_direction"], "OUTBOUND");
        assert_eq!(p["hubspot_owner_id"], app.dev.owner_id.to_string());
        assert_eq!(
            call["associations"]["contacts"]["results"][0]["id"],
            contact.to_string()
        );

        // A second tab reporting the same call gets the same engagement.
        let again = run(app, &state, call_frames(contact, "ext-1")).await;
        assert_eq!(
            posted(&again, "CREATE_ENGAGEMENT_SUCCEEDED")[0]["message"]["data"]["engagementId"],
            engagement
        );
        let (_, found) = json(
        app.request(Method::POST, "/crm/v3/objects/calls/search").bearer_auth(&app.token)
            .json(&json!({"filterGroups": [{"filters": [{"propertyName": "hs_call_external_id", "operator": "EQ", "value": "ext-1"}]}]}))
            .send().await.unwrap(),
    )
    .await;
        assert_eq!(
            found["total"], 1,
            "one call object per externalCallId: {found}"
        );
    }
);

both_backends!(
    concurrent_tabs_creating_one_call_get_one_engagement,
    |app| {
        let state = app.state.clone();
        let contact = seeded_contact(app).await;
        let runs = (0..4).map(|_| run(app, &state, call_frames(contact, "ext-race")));
        let outs = futures_util::future::join_all(runs).await;
        let ids: Vec<Value> = outs
            .iter()
            .map(|o| {
                posted(o, "CREATE_ENGAGEMENT_SUCCEEDED")
                    .first()
                    .unwrap_or_else(|| panic!("{o:#?}"))["message"]["data"]["engagementId"]
                    .clone()
            })
            .collect();
        assert!(ids.windows(2).all(|w| w[0] == w[1]), "{ids:?}");
    }
);

both_backends!(host_pages_sign_in_on_loopback_and_scope_the_socket, |app| {
    let settings = json!({"name": "Installed", "url": "https://installed.example.com/"});
    let path = "/crm/v3/extensions/calling/4242/settings";
    app.dev_call(Method::POST, path, Some(&settings)).await;
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let (status, _) = json(
        client
            .get(format!("{}/host/api/context", app.url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 401, "no session yet");
    let page = client
        .get(format!(
            "{}/contacts/{}/objects/0-1/views/all/list",
            app.url, app.dev.portal_id
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let cookie = page.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let (status, context) = json(
        client
            .get(format!("{}/host/api/context", app.url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(context["portalId"], app.dev.portal_id);
    assert_eq!(context["hostUrl"], app.url);
    let installed = &context["apps"].as_array().unwrap()[0];
    assert_eq!(
        (installed["appId"].as_i64(), installed["name"].as_str()),
        (Some(4242), Some("Installed"))
    );
    // The session token works as a bearer token on the REST API.
    let token = context["accessToken"].as_str().unwrap();
    let (status, _) = json(
        app.request(Method::GET, "/crm/v3/objects/contacts")
            .bearer_auth(token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    // Another portal's pages are not this user's.
    let other = client
        .get(format!("{}/contacts/1/record/0-1/1", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 404);
    // The socket refuses a page of another origin (a same-site calling app on another port).
    let ws = client
        .get(format!("{}/host/ws?appId={}", app.url, app.dev.demo_app_id))
        .header("origin", &app.demo_url)
        .header("connection", "upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .send()
        .await
        .unwrap();
    assert_eq!(ws.status(), 403);
});

/// Drives `live` with `frames`, the sink failing after `accept` frames; returns what got through.
async fn connect(
    state: &AppState,
    id: &str,
    live: Arc<tokio::sync::Mutex<widget_socket::LiveSession>>,
    frames: Vec<String>,
    accept: usize,
) -> Vec<Value> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = {
        let seen = seen.clone();
        futures_util::sink::unfold(0usize, move |count, frame: String| {
            let seen = seen.clone();
            async move {
                if count >= accept {
                    return Err("socket closed");
                }
                seen.lock()
                    .unwrap()
                    .push(serde_json::from_str::<Value>(&frame).unwrap());
                Ok(count + 1)
            }
        })
    };
    let _ = widget_socket::drive(
        state.clone(),
        id.to_owned(),
        live,
        Box::pin(sink),
        stream::iter(frames),
    )
    .await;
    let out = seen.lock().unwrap().clone();
    out
}

both_backends!(
    posts_missed_while_away_reach_the_same_iframe_but_not_a_reloaded_one,
    |app| {
        let state = app.state.clone();
        let contact = seeded_contact(app).await;
        let frames = call_frames(contact, "ext-away");
        for (first_input, delivered) in [
            (json!({"kind": "user", "action": "minimize"}), true),
            (json!({"kind": "loaded"}), false),
        ] {
            let (id, live) = state.sessions.open(
                Session::new(config(app)),
                app.dev.portal_id,
                app.dev.user_id,
            );
            connect(&state, &id, live, frames[..3].to_vec(), usize::MAX).await;
            // The socket drops while the dial is handled: its DIAL_NUMBER waits in the outbox.
            let resumed = state
                .sessions
                .resume(&id, app.dev.portal_id, app.dev.user_id)
                .unwrap();
            let out = connect(&state, &id, resumed, frames[3..4].to_vec(), 1).await;
            assert!(posted(&out, "DIAL_NUMBER").is_empty());
            let resumed = state
                .sessions
                .resume(&id, app.dev.portal_id, app.dev.user_id)
                .unwrap();
            let out = connect(
                &state,
                &id,
                resumed,
                vec![first_input.to_string()],
                usize::MAX,
            )
            .await;
            assert_eq!(
                posted(&out, "DIAL_NUMBER").len(),
                usize::from(delivered),
                "first input {first_input}: {out:#?}"
            );
        }
    }
);

both_backends!(
    a_session_resumes_only_for_its_owner_even_while_busy,
    |app| {
        let state = app.state.clone();
        let (portal, user) = (app.dev.portal_id, app.dev.user_id);
        let (id, live) = state.sessions.open(Session::new(config(app)), portal, user);
        // Held as while a message is being handled: the owner check must not depend on the lock.
        let _busy = live.lock().await;
        assert!(state.sessions.resume(&id, portal, user + 1).is_none());
        assert!(state.sessions.resume(&id, portal + 1, user).is_none());
        assert!(state.sessions.resume(&id, portal, user).is_some());
        assert!(state.sessions.resume("ws-unknown", portal, user).is_none());
    }
);

both_backends!(
    a_session_opened_through_the_apps_state_is_the_running_servers,
    |app| {
        // `TestApp::state` is the state the server answers from, not a second one: a session the
        // test opens there is in the inspector the host API exports.
        let config = config(app);
        let (id, _live) = app.state.sessions.open(
            Session::new(config.clone()),
            app.dev.portal_id,
            app.dev.user_id,
        );
        app.state.inspector.open(&id, &config);
        let url = format!("{}/host/api/inspector?session={id}", app.url);
        let response = app.host_client().await.get(url).send().await.unwrap();
        let (status, body) = json(response).await;
        assert_eq!(status, 200, "{body}");
        let sessions = body["sessions"].as_array().unwrap();
        assert_eq!(sessions.len(), 1, "{body}");
        assert_eq!(sessions[0]["sessionId"], id.as_str(), "{body}");
        assert!(app
            .state
            .sessions
            .resume(&id, app.dev.portal_id, app.dev.user_id)
            .is_some());
    }
);

both_backends!(
    a_created_calls_reply_goes_before_every_page_command_of_its_input,
    |app| {
        // The page's display commands of OUTGOING_CALL_STARTED (the call dialing, then with its
        // engagement, then changed) wait for the reply: none is written while the call is
        // being stored, when the page would redraw the widget as the reply is on its way.
        let state = app.state.clone();
        let contact = seeded_contact(app).await;
        let frames = call_frames(contact, "ext-order")[..5].to_vec();
        let out = run(app, &state, frames).await;
        let reply = out
            .iter()
            .position(|f| f["message"]["type"] == "CREATE_ENGAGEMENT_SUCCEEDED")
            .unwrap_or_else(|| panic!("{out:#?}"));
        let engagement = out[reply]["message"]["data"]["engagementId"].clone();
        let shown = |f: &Value| {
            (
                f["command"].as_str().unwrap_or_default().to_owned(),
                f["state"].clone(),
                f["engagementId"].clone(),
            )
        };
        assert_eq!(
            out[reply + 1..].iter().map(shown).collect::<Vec<_>>(),
            [
                ("callState".to_owned(), json!("DIALING"), Value::Null),
                ("callState".to_owned(), json!("DIALING"), engagement.clone()),
                ("callChanged".to_owned(), Value::Null, engagement),
            ],
            "{out:#?}"
        );
        assert!(
            out[..reply]
                .iter()
                .all(|f| f["externalCallId"] != "ext-order"),
            "a command about the call went before its reply: {out:#?}"
        );
    }
);
