//! The automation API, black-box (docs/automation.md): sessions listed by owner, actions
//! driving the live engine session a page is connected to, the transcript with its long poll
//! and its event stream, fault rules firing at the engine's boundary and on REST routes, and
//! every negative case the issue names (unknown session, another portal's token, an action
//! while logged out, nothing ringing, automation off).

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{assert_error, json, LivePage, TestApp};
use crate::host::{config, seeded_contact};

fn sessions_of(body: &Value) -> Vec<String> {
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn act(app: &TestApp, session: &str, action: Value) -> (u16, Value) {
    app.automation(
        &app.token,
        Method::POST,
        &format!("/callhost/v1/sessions/{session}/actions"),
        Some(&action),
    )
    .await
}

fn types(entries: &Value) -> Vec<String> {
    entries["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap_or("").to_owned())
        .collect()
}

both_backends!(sessions_are_listed_for_their_owners_only, |app| {
    let page = LivePage::open(app, config(app));
    page.ready(true);
    app.wait_for(&page.id, "INITIALIZED", None).await;

    // The portal's token and the app's developer key both see the session, with its state.
    let (status, body) = app
        .automation(&app.token, Method::GET, "/callhost/v1/sessions", None)
        .await;
    assert_eq!(status, 200, "{body}");
    let mine = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == page.id.as_str())
        .unwrap();
    assert_eq!(mine["portalId"], app.dev.portal_id);
    assert_eq!(mine["userId"], app.dev.user_id);
    assert_eq!(mine["appId"], app.dev.demo_app_id);
    assert_eq!(mine["location"], "widget");
    assert_eq!(mine["connected"], true);
    assert_eq!(
        mine["state"],
        json!({"loaded": true, "synced": true, "initialized": true, "loggedIn": true, "available": null})
    );
    assert_eq!(mine["call"], Value::Null);
    let (status, body) = json(
        app.dev_request(Method::GET, "/callhost/v1/sessions")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert!(sessions_of(&body).contains(&page.id));
    let (status, body) = json(
        app.dev_request(
            Method::GET,
            &format!(
                "/callhost/v1/sessions/{}/transcript?type=INITIALIZED",
                page.id
            ),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["results"][0]["data"]["isLoggedIn"], true);

    // Another portal's token and another developer's key see nothing of it, and cannot read,
    // follow or drive it: it answers as a session that does not exist.
    let other = app.other_portal_token().await;
    let (_, body) = app
        .automation(&other, Method::GET, "/callhost/v1/sessions", None)
        .await;
    assert!(sessions_of(&body).is_empty(), "{body}");
    for (method, path) in [
        (
            Method::GET,
            format!("/callhost/v1/sessions/{}/transcript", page.id),
        ),
        (
            Method::GET,
            format!("/callhost/v1/sessions/{}/events", page.id),
        ),
        (
            Method::POST,
            format!("/callhost/v1/sessions/{}/actions", page.id),
        ),
    ] {
        let body = json!({"action": "end-call"});
        let (status, body) = app.automation(&other, method, &path, Some(&body)).await;
        assert_error(status, &body, 404, "OBJECT_NOT_FOUND");
    }
    let key = app.other_developer().await;
    let (_, body) = json(
        app.http
            .get(format!("{}/callhost/v1/sessions?hapikey={key}", app.url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(sessions_of(&body).is_empty(), "{body}");
    let (status, body) = json(
        app.http
            .get(format!(
                "{}/callhost/v1/sessions/{}/transcript?hapikey={key}",
                app.url, page.id
            ))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 404, "OBJECT_NOT_FOUND");

    // No credentials (a cookie is not one): 401.
    let host = app.host_client().await;
    let (status, body) = json(
        host.get(format!("{}/callhost/v1/sessions", app.url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 401, "INVALID_AUTHENTICATION");
});

both_backends!(an_outbound_call_is_driven_through_the_api, |app| {
    let contact = seeded_contact(app).await;
    let page = LivePage::open(app, config(app));
    page.ready(true);
    app.wait_for(&page.id, "INITIALIZED", None).await;

    // The dial answers with what it caused: the host's input and DIAL_NUMBER, which the
    // connected page was told to post.
    let (status, body) = act(
        app,
        &page.id,
        json!({"action": "dial", "objectTypeId": "0-1", "objectId": contact.to_string()}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(types(&body), ["dial", "DIAL_NUMBER"]);
    let dial = &body["results"][1];
    assert_eq!(dial["direction"], "host-to-app");
    assert_eq!(dial["data"]["objectId"], contact);
    let dial_seq = dial["seq"].as_u64().unwrap();
    page.app(
        "OUTGOING_CALL_STARTED",
        "1_2",
        json!({"externalCallId": "auto-1", "toNumber": dial["data"]["phoneNumber"], "createEngagement": true}),
    );
    let created = app
        .wait_for(&page.id, "CREATE_ENGAGEMENT_SUCCEEDED", Some(dial_seq))
        .await;
    let engagement = created["data"]["engagementId"].as_i64().unwrap();
    assert_eq!(page.posted("DIAL_NUMBER").len(), 1);

    // The session shows the call; end-call sends END_CALL for it.
    let (_, body) = app
        .automation(&app.token, Method::GET, "/callhost/v1/sessions", None)
        .await;
    let mine = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == page.id.as_str())
        .unwrap()
        .clone();
    assert_eq!(mine["call"]["externalCallId"], "auto-1");
    assert_eq!(mine["call"]["engagementId"], engagement);
    assert_eq!(mine["call"]["live"], true);
    let (status, body) = act(app, &page.id, json!({"action": "end-call"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(types(&body), ["user:endCall", "END_CALL"]);
    assert_eq!(body["results"][1]["data"]["engagementId"], engagement);

    page.app(
        "CALL_ENDED",
        "1_3",
        json!({"externalCallId": "auto-1", "callEndStatus": "COMPLETED"}),
    );
    page.app("CALL_COMPLETED", "1_4", json!({"externalCallId": "auto-1",
        "engagementProperties": {"hs_call_body": "Driven by the API", "hs_call_status": "COMPLETED"}}));
    app.wait_for(&page.id, "UPDATE_ENGAGEMENT_SUCCEEDED", Some(dial_seq))
        .await;

    // The transcript has the handshake (SYNC included), both directions, and the store
    // change with its result; the call object is in the CRM.
    let (_, transcript) = app
        .automation(
            &app.token,
            Method::GET,
            &format!("/callhost/v1/sessions/{}/transcript", page.id),
            None,
        )
        .await;
    let all = types(&transcript);
    assert_eq!(
        &all[..4],
        ["loaded", "SYNC", "SYNC_ACK", "INITIALIZED"],
        "{all:?}"
    );
    let sync = &transcript["results"][1];
    assert_eq!(sync["direction"], "host-to-app");
    assert_eq!(sync["data"]["portalId"], app.dev.portal_id);
    let started = transcript["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "OUTGOING_CALL_STARTED")
        .unwrap();
    assert_eq!(started["direction"], "app-to-host");
    assert_eq!(
        started["storeChanges"][0]["result"]["engagementId"],
        engagement
    );
    let seqs: Vec<u64> = transcript["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_u64().unwrap())
        .collect();
    let mut sorted = seqs.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), seqs.len(), "seq is unique");
    let (status, call) = json(
        app.request(
            Method::GET,
            &format!("/crm/v3/objects/calls/{engagement}?properties=hs_call_body,hs_call_status"),
        )
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{call}");
    assert_eq!(call["properties"]["hs_call_body"], "Driven by the API");
});

both_backends!(an_inbound_call_is_answered_and_another_declined, |app| {
    let mut inbound = config(app);
    inbound.iframe_location = callhost_protocol::engine::IframeLocation::Remote;
    let page = LivePage::open(app, inbound);
    page.ready(true);
    app.wait_for(&page.id, "INITIALIZED", None).await;

    // Nothing rings yet.
    let (status, body) = act(app, &page.id, json!({"action": "answer"})).await;
    assert_error(status, &body, 409, "CONFLICT");

    page.app(
        "INCOMING_CALL",
        "1_2",
        json!({"externalCallId": "in-1",
        "fromNumber": "+16175550123", "toNumber": "+18885550140", "createEngagement": true}),
    );
    let matched = app
        .wait_for(&page.id, "CALLER_ID_MATCH_SUCCEEDED", None)
        .await;
    assert!(!matched["data"]["callerIdMatches"]
        .as_array()
        .unwrap()
        .is_empty());
    let (status, body) = act(app, &page.id, json!({"action": "answer"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(types(&body), ["user:restore", "VISIBILITY_CHANGED"]);
    page.app("CALL_ANSWERED", "1_3", json!({"externalCallId": "in-1"}));
    app.wait_for(&page.id, "CALL_ANSWERED", None).await;
    let (status, _) = act(app, &page.id, json!({"action": "decline"})).await;
    assert_eq!(status, 409, "an answered call is no longer ringing");
    page.app(
        "CALL_ENDED",
        "1_4",
        json!({"externalCallId": "in-1", "callEndStatus": "COMPLETED"}),
    );
    app.wait_for(&page.id, "CALL_ENDED", None).await;

    page.app(
        "INCOMING_CALL",
        "1_5",
        json!({"externalCallId": "in-2",
        "fromNumber": "+16175550123", "toNumber": "+18885550140", "createEngagement": true}),
    );
    let first = app.wait_for(&page.id, "INCOMING_CALL", None).await;
    let second = app
        .wait_for(&page.id, "INCOMING_CALL", first["seq"].as_u64())
        .await;
    assert_eq!(second["data"]["externalCallId"], "in-2");
    let (status, body) = act(app, &page.id, json!({"action": "decline"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(types(&body), ["user:endCall", "END_CALL"]);
    assert_eq!(body["results"][1]["data"]["externalCallId"], "in-2");
});

both_backends!(actions_are_refused_with_a_clear_error, |app| {
    let contact = seeded_contact(app).await;
    let page = LivePage::open(app, config(app));
    page.ready(false);
    app.wait_for(&page.id, "INITIALIZED", None).await;
    let dial = json!({"action": "dial", "objectTypeId": "0-1", "objectId": contact});

    let (status, body) = act(app, "ws-no-such-session", dial.clone()).await;
    assert_error(status, &body, 404, "OBJECT_NOT_FOUND");
    let (status, body) = act(app, &page.id, dial.clone()).await;
    assert_error(status, &body, 409, "CONFLICT");
    assert!(
        body["message"].as_str().unwrap().contains("logged out"),
        "{body}"
    );
    assert!(page.posted("DIAL_NUMBER").is_empty());
    let (status, body) = act(app, &page.id, json!({"action": "end-call"})).await;
    assert_error(status, &body, 409, "CONFLICT");
    for bad in [
        json!({"action": "fly"}),
        json!({"action": "dial"}),
        json!({"action": "visibility", "isHidden": "yes"}),
        json!({"action": "navigate", "objectTypeId": "0-1", "objectId": "x"}),
    ] {
        let (status, body) = act(app, &page.id, bad.clone()).await;
        assert_error(status, &body, 400, "VALIDATION_ERROR");
    }
    let (status, body) = act(
        app,
        &page.id,
        json!({"action": "navigate", "objectTypeId": "0-1", "objectId": 999_999_999}),
    )
    .await;
    assert_error(status, &body, 404, "OBJECT_NOT_FOUND");

    // Visibility and navigation need no login: the page is told, and the record says so.
    let (status, body) = act(
        app,
        &page.id,
        json!({"action": "visibility", "isMinimized": true}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(types(&body), ["user:minimize", "VISIBILITY_CHANGED"]);
    let (status, body) = act(
        app,
        &page.id,
        json!({"action": "navigate", "objectTypeId": "0-1", "objectId": contact}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(types(&body), ["automation:navigate"]);
    let navigate = page
        .seen()
        .into_iter()
        .find(|f| f["command"] == "navigate")
        .expect("the page was told to navigate");
    assert_eq!(navigate["objectId"], contact);
    let (status, body) = act(app, &page.id, json!({"action": "select-app", "appId": 1})).await;
    assert_error(status, &body, 404, "OBJECT_NOT_FOUND");
});

both_backends!(automation_off_answers_as_no_route, |app| {
    let state = app.state.clone().with_automation(false);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(callhost_server::run(state, listener, None, async {
        let _ = stopped.await;
    }));
    for path in ["/callhost/v1/sessions", "/callhost/v1/faults"] {
        let (status, body) = json(
            app.http
                .get(format!("{url}{path}"))
                .bearer_auth(&app.token)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_error(status, &body, 404, "OBJECT_NOT_FOUND");
        assert!(
            body["message"].as_str().unwrap().contains("No route"),
            "{body}"
        );
    }
    let _ = stop.send(());
    server.await.unwrap().unwrap();
});

both_backends!(
    the_transcript_long_polls_until_a_match_or_the_time_is_up,
    |app| {
        let page = LivePage::open(app, config(app));
        page.ready(true);
        let init = app.wait_for(&page.id, "INITIALIZED", None).await;
        let after = init["seq"].as_u64().unwrap();
        let path = format!(
            "/callhost/v1/sessions/{}/transcript?type=LOGGED_OUT&after={after}&wait=300",
            page.id
        );
        let started = Instant::now();
        let (status, body) = app.automation(&app.token, Method::GET, &path, None).await;
        assert_eq!(status, 200);
        assert_eq!(body["results"], json!([]));
        assert!(started.elapsed() >= Duration::from_millis(290));

        // An entry that arrives while the request waits answers it at once.
        let path = path.replace("wait=300", "wait=20000");
        let waiting = tokio::spawn({
            let http = app.http.clone();
            let url = format!("{}{path}", app.url);
            let token = app.token.clone();
            async move {
                let started = Instant::now();
                let response = http.get(url).bearer_auth(token).send().await.unwrap();
                (json(response).await, started.elapsed())
            }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        page.app("LOGGED_OUT", "1_9", json!({}));
        let ((status, body), took) = waiting.await.unwrap();
        assert_eq!(status, 200);
        assert_eq!(types(&body), ["LOGGED_OUT"]);
        assert!(took < Duration::from_secs(10), "{took:?}");
    }
);

both_backends!(the_transcript_streams_as_server_sent_events, |app| {
    let page = LivePage::open(app, config(app));
    page.ready(true);
    app.wait_for(&page.id, "INITIALIZED", None).await;
    let mut response = app
        .http
        .get(format!(
            "{}/callhost/v1/sessions/{}/events",
            app.url, page.id
        ))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let mut portal = app
        .http
        .get(format!("{}/callhost/v1/events", app.url))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    page.app("USER_AVAILABLE", "1_5", json!({}));
    let mut text = String::new();
    while !text.contains("USER_AVAILABLE") {
        let chunk = tokio::time::timeout(Duration::from_secs(10), response.chunk())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        text.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    // The replay begins with the handshake; each event names its session and seq.
    assert!(text.starts_with("event: entry\n"), "{text}");
    assert!(text.contains(&format!("id: {}:0\n", page.id)), "{text}");
    let mut all = String::new();
    while !all.contains("USER_AVAILABLE") {
        let chunk = tokio::time::timeout(Duration::from_secs(10), portal.chunk())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        all.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    assert!(
        !all.contains("\"SYNC_ACK\""),
        "the portal stream starts from now: {all}"
    );
    assert!(
        all.contains(&format!("\"sessionId\":\"{}\"", page.id)),
        "{all}"
    );
});

both_backends!(a_number_is_dialed_as_its_record_or_without_one, |app| {
    let page = LivePage::open(app, config(app));
    page.ready(true);
    app.wait_for(&page.id, "INITIALIZED", None).await;
    // Ada's number, written another way: dialed as Ada.
    let (status, body) = act(
        app,
        &page.id,
        json!({"action": "dial", "phoneNumber": "617.555.0123"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let dial = &body["results"][1];
    assert_eq!(dial["type"], "DIAL_NUMBER");
    assert_eq!(dial["data"]["phoneNumber"], "617.555.0123");
    assert_eq!(dial["data"]["calleeInfo"]["calleeObjectTypeId"], "0-1");
    // A number no record has: dialed without a record.
    let (status, body) = act(
        app,
        &page.id,
        json!({"action": "dial", "phoneNumber": "+1 555 555 0199"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let dial = &body["results"][1]["data"];
    assert_eq!(dial["phoneNumber"], "+1 555 555 0199");
    assert!(dial.get("calleeInfo").is_none(), "{dial}");
    let (status, body) = act(
        app,
        &page.id,
        json!({"action": "dial", "phoneNumber": "call me"}),
    )
    .await;
    assert_error(status, &body, 400, "VALIDATION_ERROR");
    assert_eq!(page.posted("DIAL_NUMBER").len(), 2);
});
