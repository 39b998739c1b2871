//! Fault injection, black-box (docs/automation.md#faults): each kind of rule does what it
//! says to a live session or a REST route, fires only `times` times and only for its owner,
//! and shows in the transcript as injected.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{assert_error, json, LivePage, TestApp};
use crate::host::{config, seeded_contact};

async fn add_fault(app: &TestApp, token: &str, rule: Value) -> Value {
    let (status, body) = app
        .automation(token, Method::POST, "/callhost/v1/faults", Some(&rule))
        .await;
    assert_eq!(status, 201, "{body}");
    assert!(body["id"].as_str().unwrap().starts_with("f-"));
    body
}

/// A ready page whose app has started an outbound call to a seeded contact.
async fn start_call(app: &TestApp, page: &LivePage, external: &str) {
    let contact = seeded_contact(app).await;
    let body = json!({"action": "dial", "objectTypeId": "0-1", "objectId": contact});
    let (status, body) = app
        .automation(
            &app.token,
            Method::POST,
            &format!("/callhost/v1/sessions/{}/actions", page.id),
            Some(&body),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    page.app(
        "OUTGOING_CALL_STARTED",
        external,
        json!({"externalCallId": external, "toNumber": "+16175550123", "createEngagement": true}),
    );
}

both_backends!(a_failed_engagement_is_injected_once_and_recorded, |app| {
    let rule = add_fault(
        app,
        &app.token,
        json!({"match": {"messageType": "OUTGOING_CALL_STARTED", "appId": app.dev.demo_app_id},
            "effect": {"kind": "fail", "message": "Injected: the CRM is down"}, "times": 1}),
    )
    .await;
    assert_eq!(rule["times"], 1);
    assert_eq!(rule["fired"], 0);
    let page = LivePage::open(app, config(app));
    page.ready(true);
    app.wait_for(&page.id, "INITIALIZED", None).await;
    start_call(app, &page, "f-1").await;
    let failed = app
        .wait_for(&page.id, "CREATE_ENGAGEMENT_FAILED", None)
        .await;
    assert!(failed["data"]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Injected: the CRM is down"));
    let fault = app.wait_for(&page.id, "FAULT", None).await;
    assert_eq!(fault["fault"]["faultId"], rule["id"]);
    assert_eq!(fault["fault"]["injected"], true);
    assert_eq!(fault["data"]["on"], "createCall");
    let (_, started) = app
        .automation(
            &app.token,
            Method::GET,
            &format!(
                "/callhost/v1/sessions/{}/transcript?type=OUTGOING_CALL_STARTED",
                page.id
            ),
            None,
        )
        .await;
    assert_eq!(started["results"][0]["storeChanges"][0]["injected"], true);

    // Spent: the next call is logged.
    start_call(app, &page, "f-2").await;
    let ok = app
        .wait_for(
            &page.id,
            "CREATE_ENGAGEMENT_SUCCEEDED",
            failed["seq"].as_u64(),
        )
        .await;
    assert!(ok["data"]["engagementId"].as_i64().is_some(), "{ok}");
    let (_, list) = app
        .automation(&app.token, Method::GET, "/callhost/v1/faults", None)
        .await;
    assert_eq!(list["results"][0]["fired"], 1);

    // Rules are their owner's: another portal neither sees nor deletes them.
    let other = app.other_portal_token().await;
    let (_, theirs) = app
        .automation(&other, Method::GET, "/callhost/v1/faults", None)
        .await;
    assert_eq!(theirs["results"], json!([]));
    let path = format!("/callhost/v1/faults/{}", rule["id"].as_str().unwrap());
    let (status, body) = app.automation(&other, Method::DELETE, &path, None).await;
    assert_error(status, &body, 404, "OBJECT_NOT_FOUND");
    let (status, _) = app
        .automation(&app.token, Method::DELETE, &path, None)
        .await;
    assert_eq!(status, 204);
    let (status, _) = app
        .automation(&app.token, Method::DELETE, &path, None)
        .await;
    assert_eq!(status, 404);
});

both_backends!(another_portals_rules_never_fire_here, |app| {
    let other = app.other_portal_token().await;
    add_fault(
        app,
        &other,
        json!({"match": {"messageType": "OUTGOING_CALL_STARTED"}, "effect": {"kind": "fail"}}),
    )
    .await;
    let page = LivePage::open(app, config(app));
    page.ready(true);
    app.wait_for(&page.id, "INITIALIZED", None).await;
    start_call(app, &page, "o-1").await;
    app.wait_for(&page.id, "CREATE_ENGAGEMENT_SUCCEEDED", None)
        .await;
});

both_backends!(replies_are_delayed_and_dropped, |app| {
    let page = LivePage::open(app, config(app));
    page.ready(true);
    app.wait_for(&page.id, "INITIALIZED", None).await;
    add_fault(
        app,
        &app.token,
        json!({"match": {"messageType": "DIAL_NUMBER"}, "effect": {"kind": "delay", "ms": 400}, "times": 1}),
    )
    .await;
    let started = Instant::now();
    start_call(app, &page, "d-1").await;
    assert!(started.elapsed() >= Duration::from_millis(390));
    assert_eq!(page.posted("DIAL_NUMBER").len(), 1);
    app.wait_for(&page.id, "CREATE_ENGAGEMENT_SUCCEEDED", None)
        .await;

    add_fault(
        app,
        &app.token,
        json!({"match": {"messageType": "END_CALL"}, "effect": {"kind": "drop"}, "times": 1}),
    )
    .await;
    let (status, body) = app
        .automation(
            &app.token,
            Method::POST,
            &format!("/callhost/v1/sessions/{}/actions", page.id),
            Some(&json!({"action": "end-call"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let kinds: Vec<&str> = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    // The fault is recorded before what it hit; the post is in the record, never sent.
    assert_eq!(kinds, ["user:endCall", "FAULT", "END_CALL"]);
    assert!(page.posted("END_CALL").is_empty(), "the post was dropped");
    assert_eq!(body["results"][1]["fault"]["effect"]["kind"], "drop");
    assert_eq!(body["results"][1]["fault"]["on"], "END_CALL");
});

both_backends!(caller_id_finds_nothing_or_several, |app| {
    let mut remote = config(app);
    remote.iframe_location = callhost_protocol::engine::IframeLocation::Remote;
    let page = LivePage::open(app, remote);
    page.ready(true);
    app.wait_for(&page.id, "INITIALIZED", None).await;
    add_fault(
        app,
        &app.token,
        json!({"match": {"messageType": "INCOMING_CALL"}, "effect": {"kind": "callerId", "matches": "none"}, "times": 1}),
    )
    .await;
    page.app(
        "INCOMING_CALL",
        "1_2",
        json!({"externalCallId": "c-1", "fromNumber": "+16175550123",
        "toNumber": "+18885550140", "createEngagement": false}),
    );
    // Nothing matched: the app hears so as for an unknown caller.
    let none = app
        .wait_for(&page.id, "CALLER_ID_MATCH_SUCCEEDED", None)
        .await;
    assert_eq!(none["data"]["callerIdMatches"], json!([]), "{none}");

    add_fault(
        app,
        &app.token,
        json!({"effect": {"kind": "callerId", "matches": "many"}, "times": 1}),
    )
    .await;
    page.app(
        "INCOMING_CALL",
        "1_3",
        json!({"externalCallId": "c-2", "fromNumber": "+16175550123",
        "toNumber": "+18885550140", "createEngagement": false}),
    );
    let matched = app
        .wait_for(&page.id, "CALLER_ID_MATCH_SUCCEEDED", none["seq"].as_u64())
        .await;
    let matches = matched["data"]["callerIdMatches"].as_array().unwrap();
    assert!(matches.len() >= 2, "{matched}");
});

both_backends!(rest_routes_answer_with_hubspots_rate_limit, |app| {
    add_fault(
        app,
        &app.token,
        json!({"match": {"path": "/crm/v3/objects/calls*", "method": "PATCH"},
            "effect": {"kind": "http", "status": 429}, "times": 1}),
    )
    .await;
    let patch = |token: &str| {
        app.request(Method::PATCH, "/crm/v3/objects/calls/1")
            .bearer_auth(token)
            .json(&json!({"properties": {"hs_call_body": "x"}}))
    };
    // Another portal's token is not this rule's.
    let other = app.other_portal_token().await;
    let response = patch(&other).send().await.unwrap();
    assert_ne!(response.status(), 429);
    // A GET does not match the method.
    let response = app
        .request(Method::GET, "/crm/v3/objects/calls/1")
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_ne!(response.status(), 429);

    let response = patch(&app.token).send().await.unwrap();
    assert_eq!(response.status(), 429);
    let headers = response.headers().clone();
    assert_eq!(headers["retry-after"], "10");
    assert_eq!(headers["x-hubspot-ratelimit-remaining"], "0");
    assert_eq!(
        headers["x-hubspot-ratelimit-interval-milliseconds"],
        "10000"
    );
    let (_, body) = json(response).await;
    assert_eq!(body["status"], "error");
    assert_eq!(body["errorType"], "RATE_LIMIT");
    assert_eq!(body["policyName"], "TEN_SECONDLY_ROLLING");
    assert_eq!(
        body["message"],
        "You have reached your ten_secondly_rolling limit."
    );
    assert_eq!(body["category"], "RATE_LIMITS");
    // Spent after one.
    let response = patch(&app.token).send().await.unwrap();
    assert_ne!(response.status(), 429);

    add_fault(
        app,
        &app.token,
        json!({"match": {"path": "/crm/v3/objects/contacts"}, "effect": {"kind": "http", "status": 502}}),
    )
    .await;
    let (status, body) = json(
        app.request(Method::GET, "/crm/v3/objects/contacts")
            .bearer_auth(&app.token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 502, "BAD_GATEWAY");
});

both_backends!(bad_rules_are_refused, |app| {
    for bad in [
        json!({"effect": {"kind": "explode"}}),
        json!({"match": {"messageType": "NOT_A_TYPE"}, "effect": {"kind": "fail"}}),
        json!({"effect": {"kind": "http", "status": 429}}),
        json!({"match": {"path": "/crm*"}, "effect": {"kind": "http", "status": 404}}),
        json!({"match": {"path": "/crm*"}, "effect": {"kind": "fail"}}),
        json!({"effect": {"kind": "delay", "ms": 600_000}}),
        json!({"effect": {"kind": "drop"}, "times": 0}),
        json!({"effect": {"kind": "drop"}, "extra": 1}),
    ] {
        let (status, body) = app
            .automation(&app.token, Method::POST, "/callhost/v1/faults", Some(&bad))
            .await;
        assert_error(status, &body, 400, "VALIDATION_ERROR");
    }
    // A developer key sets rules for its own apps only.
    let key = app.other_developer().await;
    let (status, body) = json(
        app.http
            .post(format!("{}/callhost/v1/faults?hapikey={key}", app.url))
            .json(&json!({"match": {"appId": app.dev.demo_app_id}, "effect": {"kind": "drop"}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 404, "OBJECT_NOT_FOUND");
});

both_backends!(
    a_rest_fault_on_a_sessions_call_is_in_its_transcript,
    |app| {
        let page = LivePage::open(app, config(app));
        page.ready(true);
        app.wait_for(&page.id, "INITIALIZED", None).await;
        start_call(app, &page, "r-1").await;
        let created = app
            .wait_for(&page.id, "CREATE_ENGAGEMENT_SUCCEEDED", None)
            .await;
        let engagement = created["data"]["engagementId"].as_i64().unwrap();
        let rule = add_fault(
        app,
        &app.token,
        json!({"match": {"path": format!("/crm/v3/objects/calls/{engagement}"), "method": "PATCH"},
            "effect": {"kind": "http", "status": 500}, "times": 1}),
    )
    .await;
        // The app's backend saves the call's notes and meets the fault.
        let response = app
            .request(
                Method::PATCH,
                &format!("/crm/v3/objects/calls/{engagement}"),
            )
            .bearer_auth(&app.token)
            .json(&json!({"properties": {"hs_call_body": "from the backend"}}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 500);
        let rest = app.wait_for(&page.id, "rest", None).await;
        assert_eq!(rest["data"]["status"], 500);
        assert_eq!(rest["fault"]["faultId"], rule["id"]);
        assert_eq!(
            rest["fault"]["on"],
            format!("PATCH /crm/v3/objects/calls/{engagement}")
        );
    }
);
