//! Calls into connected numbers: INCOMING_CALL through the host's widget-session loop (no
//! browser) and the inbound-call API make or join the caller's open ticket, FINALIZE_ENGAGEMENT
//! and PUBLISH_TO_CHANNEL finalize (attaching late calls), and the tickets are CRM tickets.

use callhost_protocol::engine::SessionConfig;
use callhost_server::AppState;
use reqwest::Method;
use serde_json::{json, Value};

use crate::both_backends;
use crate::helpdesk::{host_call, receiver, register, support_inbox, MAIN};
use crate::helpers::{json, TestApp};
use crate::host::{self, app_message, config, run_as, APP_ORIGIN};

/// Runs one connection of the demo app's session; every frame sent back.
async fn run(app: &TestApp, state: &AppState, frames: Vec<String>) -> Vec<Value> {
    run_as(app, state, config(app), frames).await
}

/// Ada Lovelace's number in the development seed.
pub const ADA: &str = "+16175550123";

/// The handshake, then `messages` (type, data) from the app.
fn frames(messages: &[(&str, Value)]) -> Vec<String> {
    let mut frames = vec![
        json!({"kind": "loaded"}).to_string(),
        json!({"kind": "app", "origin": APP_ORIGIN, "message": {"type": "SYNC_ACK",
               "messageId": "h-sync-1", "iFrameUrl": APP_ORIGIN, "version": "0.9.7"}})
        .to_string(),
        app_message("INITIALIZED", "1_1", json!({"isLoggedIn": true})),
    ];
    for (n, (kind, data)) in messages.iter().enumerate() {
        frames.push(app_message(kind, &format!("1_{}", n + 2), data.clone()));
    }
    frames
}

fn incoming(external: &str, from: &str, to: &str) -> (&'static str, Value) {
    (
        "INCOMING_CALL",
        json!({"externalCallId": external, "fromNumber": from, "toNumber": to,
               "createEngagement": true}),
    )
}

/// FINALIZE_ENGAGEMENT or PUBLISH_TO_CHANNEL; a session that did not see the call needs the
/// engagementId.
fn finalize(kind: &'static str, external: &str, engagement: Option<i64>) -> (&'static str, Value) {
    match engagement {
        Some(id) => (
            kind,
            json!({"externalCallId": external, "engagementId": id}),
        ),
        None => (kind, json!({"externalCallId": external})),
    }
}

/// The data of every message of type `kind` posted to the app.
fn posted(out: &[Value], kind: &str) -> Vec<Value> {
    host::posted(out, kind)
        .into_iter()
        .map(|f| f["message"]["data"].clone())
        .collect()
}

fn engagement(out: &[Value]) -> i64 {
    let created = posted(out, "CREATE_ENGAGEMENT_SUCCEEDED");
    assert_eq!(created.len(), 1, "{out:#?}");
    created[0]["engagementId"].as_i64().unwrap()
}

/// Connects MAIN to the Support inbox for the demo app (which the sessions run as).
pub async fn connect_main(app: &TestApp, host: &reqwest::Client) -> (i64, i64) {
    let hook = receiver().await;
    register(app, app.dev.demo_app_id, "Demo App", &hook.url, true).await;
    let inbox = support_inbox(app, host).await;
    let body = json!({"inboxId": inbox, "appId": app.dev.demo_app_id, "numbers": [MAIN]});
    let (status, body) = host_call(
        app,
        host,
        Method::POST,
        "/host/api/helpdesk/channels",
        Some(body),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    (inbox, body["channels"][0]["id"].as_i64().unwrap())
}

async fn tickets(app: &TestApp, host: &reqwest::Client, query: &str) -> Vec<Value> {
    let path = format!("/host/api/helpdesk/tickets{query}");
    let (status, body) = host_call(app, host, Method::GET, &path, None).await;
    assert_eq!(status, 200, "{body}");
    body["tickets"].as_array().unwrap().clone()
}

both_backends!(
    an_incoming_call_to_a_connected_number_ends_in_a_finalized_ticket,
    |app| {
        let state = app.state.clone();
        let host = app.host_client().await;
        let (inbox, channel) = connect_main(app, &host).await;

        let out = run(
            app,
            &state,
            frames(&[
                incoming("desk-1", ADA, "+1 (800) 555-0100"),
                ("CALL_ANSWERED", json!({"externalCallId": "desk-1"})),
                (
                    "CALL_ENDED",
                    json!({"externalCallId": "desk-1", "callEndStatus": "COMPLETED"}),
                ),
                (
                    "CALL_COMPLETED",
                    json!({"externalCallId": "desk-1", "hideWidget": false,
                "engagementProperties": {"hs_call_status": "COMPLETED"}}),
                ),
                finalize("FINALIZE_ENGAGEMENT", "desk-1", None),
            ]),
        )
        .await;
        let call = engagement(&out);
        let finalized = posted(&out, "FINALIZE_ENGAGEMENT_SUCCEEDED");
        assert_eq!(
            finalized,
            [json!({"engagementId": call, "externalCallId": "desk-1"})],
            "{out:#?}"
        );

        let list = tickets(app, &host, "").await;
        assert_eq!(list.len(), 1, "{list:#?}");
        let ticket = &list[0];
        assert_eq!(ticket["inboxId"], inbox);
        assert_eq!(ticket["channelId"], channel);
        assert_eq!(ticket["subject"], "Call from Ada Lovelace");
        assert_eq!(ticket["stage"], "1");
        assert_eq!(ticket["finalized"], true);
        assert_eq!(ticket["contact"]["name"], "Ada Lovelace");
        assert_eq!(ticket["contact"]["objectTypeId"], "0-1");
        let calls = ticket["calls"].as_array().unwrap();
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0]["engagementId"], call);
        assert_eq!(calls[0]["externalCallId"], "desk-1");
        assert_eq!(calls[0]["fromNumber"], ADA);
        assert_eq!(calls[0]["status"], "COMPLETED");
        assert!(calls[0]["finalizedAt"].as_str().unwrap().ends_with('Z'));

        // An ordinary CRM ticket: its calls through the REST API, in HubSpot's pipeline.
        let id = ticket["id"].as_i64().unwrap();
        let (status, crm) = json(
        app.request(
            Method::GET,
            &format!("/crm/v3/objects/tickets/{id}?properties=subject,content,hs_pipeline,hs_pipeline_stage&associations=calls,contacts"),
        )
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap(),
    )
    .await;
        assert_eq!(status, 200, "{crm}");
        assert_eq!(crm["properties"]["hs_pipeline"], "0");
        assert!(crm["properties"]["content"]
            .as_str()
            .unwrap()
            .contains(MAIN));
        assert_eq!(
            crm["associations"]["calls"]["results"][0]["id"],
            call.to_string()
        );
        assert_eq!(
            crm["associations"]["contacts"]["results"][0]["id"],
            ticket["contact"]["objectId"].as_i64().unwrap().to_string()
        );

        // Ada calls again: the same open ticket, not finalized until this call is too (here
        // through the deprecated PUBLISH_TO_CHANNEL).
        let second = run(app, &state, frames(&[incoming("desk-2", ADA, MAIN)])).await;
        let second_call = engagement(&second);
        let list = tickets(app, &host, &format!("?inboxId={inbox}")).await;
        assert_eq!(list.len(), 1);
        assert_eq!(list[0]["calls"].as_array().unwrap().len(), 2);
        assert_eq!(list[0]["finalized"], false);
        let out = run(
            app,
            &state,
            frames(&[finalize("PUBLISH_TO_CHANNEL", "desk-2", Some(second_call))]),
        )
        .await;
        assert_eq!(
            posted(&out, "PUBLISH_TO_CHANNEL_SUCCEEDED"),
            [json!({"engagementId": second_call, "externalCallId": "desk-2"})],
            "{out:#?}"
        );
        assert_eq!(tickets(app, &host, "").await[0]["finalized"], true);

        // Closed: the next call opens a new ticket, listed first.
        let close = json!({"properties": {"hs_pipeline_stage": "4"}});
        let (status, _) = json(
            app.request(Method::PATCH, &format!("/crm/v3/objects/tickets/{id}"))
                .bearer_auth(&app.token)
                .json(&close)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200);
        run(app, &state, frames(&[incoming("desk-3", ADA, MAIN)])).await;
        let list = tickets(app, &host, "").await;
        assert_eq!(list.len(), 2);
        assert_ne!(list[0]["id"], id);
        assert_eq!(list[1]["stage"], "4");
        // Another inbox has none of them.
        let (_, other) = host_call(
            app,
            &host,
            Method::POST,
            "/host/api/helpdesk/inboxes",
            Some(json!({"name": "Other"})),
        )
        .await;
        assert!(tickets(app, &host, &format!("?inboxId={}", other["id"]))
            .await
            .is_empty());
        let (status, body) = host_call(
            app,
            &host,
            Method::GET,
            "/host/api/helpdesk/tickets?inboxId=x",
            None,
        )
        .await;
        assert_eq!(
            (status, body["category"].as_str()),
            (400, Some("VALIDATION_ERROR"))
        );
    }
);

both_backends!(
    finalizing_attaches_late_calls_and_fails_for_unknown_ones,
    |app| {
        let state = app.state.clone();
        let host = app.host_client().await;

        // A call before the number was connected gets no ticket...
        let out = run(
            app,
            &state,
            frames(&[incoming("late-1", "+442071234567", MAIN)]),
        )
        .await;
        let call = engagement(&out);
        assert!(tickets(app, &host, "").await.is_empty());
        connect_main(app, &host).await;
        // ...until it is finalized; then the caller without a record is named by number.
        let out = run(
            app,
            &state,
            frames(&[finalize("FINALIZE_ENGAGEMENT", "late-1", Some(call))]),
        )
        .await;
        assert_eq!(
            posted(&out, "FINALIZE_ENGAGEMENT_SUCCEEDED").len(),
            1,
            "{out:#?}"
        );
        let list = tickets(app, &host, "").await;
        assert_eq!(list.len(), 1);
        assert_eq!(list[0]["subject"], "Call from +442071234567");
        assert_eq!(list[0]["contact"], Value::Null);
        assert_eq!(list[0]["calls"][0]["engagementId"], call);
        assert_eq!(list[0]["finalized"], true);
        // Attached and finalized by one write; finalizing again keeps that time.
        let first_final = list[0]["calls"][0]["finalizedAt"].clone();
        assert!(
            first_final.as_str().is_some_and(|at| at.ends_with('Z')),
            "{list:#?}"
        );
        let out = run(
            app,
            &state,
            frames(&[finalize("FINALIZE_ENGAGEMENT", "late-1", Some(call))]),
        )
        .await;
        assert_eq!(
            posted(&out, "FINALIZE_ENGAGEMENT_SUCCEEDED").len(),
            1,
            "{out:#?}"
        );
        let list = tickets(app, &host, "").await;
        assert_eq!(list.len(), 1, "still one ticket");
        assert_eq!(list[0]["calls"][0]["finalizedAt"], first_final);

        // A call to a number that is not connected is simply final.
        let out = run(
            app,
            &state,
            frames(&[
                incoming("plain-1", ADA, "+18005550199"),
                finalize("FINALIZE_ENGAGEMENT", "plain-1", None),
            ]),
        )
        .await;
        assert_eq!(
            posted(&out, "FINALIZE_ENGAGEMENT_SUCCEEDED").len(),
            1,
            "{out:#?}"
        );
        assert_eq!(tickets(app, &host, "").await.len(), 1);

        // An engagement the portal does not have: _FAILED with the reason.
        let out = run(
            app,
            &state,
            frames(&[(
                "FINALIZE_ENGAGEMENT",
                json!({"externalCallId": "nope", "engagementId": 987654321}),
            )]),
        )
        .await;
        let failed = posted(&out, "FINALIZE_ENGAGEMENT_FAILED");
        assert_eq!(failed.len(), 1, "{out:#?}");
        assert!(
            failed[0]
                .to_string()
                .contains("No call engagement 987654321"),
            "{failed:?}"
        );

        // Ids that name two different calls: _FAILED, saying which call the engagement is.
        let wrong = finalize("FINALIZE_ENGAGEMENT", "plain-2", Some(call));
        let out = run(app, &state, frames(&[wrong])).await;
        let failed = posted(&out, "FINALIZE_ENGAGEMENT_FAILED");
        assert_eq!(failed.len(), 1, "{out:#?}");
        assert!(failed[0].to_string().contains("late-1"), "{failed:?}");
    }
);

both_backends!(concurrent_reports_of_one_call_make_one_ticket, |app| {
    let state = app.state.clone();
    let host = app.host_client().await;
    connect_main(app, &host).await;
    let runs = (0..4).map(|_| run(app, &state, frames(&[incoming("race-1", ADA, MAIN)])));
    let outs = futures_util::future::join_all(runs).await;
    let ids: Vec<i64> = outs.iter().map(|o| engagement(o)).collect();
    assert!(ids.windows(2).all(|w| w[0] == w[1]), "{ids:?}");
    let list = tickets(app, &host, "").await;
    assert_eq!(list.len(), 1, "{list:#?}");
    assert_eq!(list[0]["calls"].as_array().unwrap().len(), 1);
});

/// `POST /crm/v3/extensions/calling/inbound-call` of a call from Ada into the main number,
/// with no `hs_call_app_id`: the status and body.
async fn report_inbound(app: &TestApp, external: &str) -> (u16, Value) {
    let body = json!({
        "createEngagement": true,
        "engagementProperties": {},
        "externalCallId": external,
        "finalCallStatus": "COMPLETED",
        "fromNumber": {"e164Number": ADA, "phoneNumberType": "MOBILE"},
        "toNumber": {"e164Number": MAIN, "phoneNumberType": "TOLL_FREE"},
        "potentialRecipientUserIds": [],
    });
    let response = app
        .request(Method::POST, "/crm/v3/extensions/calling/inbound-call")
        .bearer_auth(&app.token)
        .json(&body)
        .send()
        .await
        .unwrap();
    json(response).await
}

both_backends!(the_inbound_call_api_attaches_calls_too, |app| {
    let host = app.host_client().await;
    connect_main(app, &host).await;
    let (status, body) = report_inbound(app, "api-1").await;
    assert_eq!(status, 200, "{body}");
    let call = body["engagementId"].as_i64().unwrap();
    // Reported again: the same call on the same ticket.
    let (_, again) = report_inbound(app, "api-1").await;
    assert_eq!(again["engagementId"], call);
    let list = tickets(app, &host, "").await;
    assert_eq!(list.len(), 1, "{list:#?}");
    assert_eq!(list[0]["subject"], "Call from Ada Lovelace");
    assert_eq!(list[0]["calls"][0]["engagementId"], call);
    assert_eq!(list[0]["calls"][0]["finalizedAt"], Value::Null);
    assert_eq!(list[0]["finalized"], false);
});

both_backends!(the_widget_and_the_inbound_call_api_log_one_call, |app| {
    // The API names no app: the call into a connected number is the number's app's call, so
    // the widget of that app reporting it (before or after) finds the same call.
    let state = app.state.clone();
    let host = app.host_client().await;
    connect_main(app, &host).await;
    let (status, body) = report_inbound(app, "both-1").await;
    assert_eq!(status, 200, "{body}");
    let out = run(app, &state, frames(&[incoming("both-1", ADA, MAIN)])).await;
    assert_eq!(engagement(&out), body["engagementId"].as_i64().unwrap());

    let out = run(app, &state, frames(&[incoming("both-2", ADA, MAIN)])).await;
    let (_, body) = report_inbound(app, "both-2").await;
    assert_eq!(engagement(&out), body["engagementId"].as_i64().unwrap());

    let list = tickets(app, &host, "").await;
    let calls: usize = list
        .iter()
        .map(|t| t["calls"].as_array().unwrap().len())
        .sum();
    assert_eq!(calls, 2, "{list:#?}");
});

both_backends!(an_app_cannot_finalize_another_apps_call, |app| {
    let state = app.state.clone();
    let host = app.host_client().await;
    connect_main(app, &host).await;
    let out = run(app, &state, frames(&[incoming("owned-1", ADA, MAIN)])).await;
    let call = engagement(&out);
    let other = SessionConfig {
        app_id: app.dev.demo_app_id + 1,
        ..config(app)
    };
    let message = finalize("FINALIZE_ENGAGEMENT", "owned-1", Some(call));
    let out = run_as(app, &state, other, frames(&[message])).await;
    let failed = posted(&out, "FINALIZE_ENGAGEMENT_FAILED");
    assert_eq!(failed.len(), 1, "{out:#?}");
    let why = failed[0]["error"]["message"].as_str().unwrap();
    assert!(why.contains("not by this app"), "{why}");
    assert!(posted(&out, "FINALIZE_ENGAGEMENT_SUCCEEDED").is_empty());
    let list = tickets(app, &host, "").await;
    assert_eq!(list[0]["calls"][0]["finalizedAt"], Value::Null, "{list:#?}");
});
