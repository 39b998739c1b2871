//! One call, reported through the widget (a widget session driven through the host's session
//! loop) and through `POST /crm/v3/extensions/calling/inbound-call`, in either order, into a
//! number connected to the help desk or not: there is exactly one call object, and it is the
//! same whichever path came first (direction, numbers, external id, app, owner, status, start
//! time, source, the association to the caller and the ticket). This test fails if the two
//! paths ever log one call twice or disagree on its properties.

use callhost_protocol::engine::SessionConfig;
use callhost_server::AppState;
use reqwest::Method;
use serde_json::{json, Value};

use crate::both_backends;
use crate::crm_objects::{bearer, CALLS};
use crate::helpdesk::MAIN;
use crate::helpdesk_calls::{connect_main, ADA};
use crate::helpers::{json, TestApp};
use crate::host::{self, app_message, config, run_as, APP_ORIGIN};

/// A number no app has connected to the help desk.
const UNCONNECTED: &str = "+18005550199";

/// When every reported call started (2026-01-01T00:00:00.000Z), as both paths say it.
const STARTED_MS: i64 = 1_767_225_600_000;

#[derive(Clone, Copy, Debug)]
enum Path {
    Widget,
    Api,
}

/// The call's engagement id, as `path` reports the call `external` from Ada to `to`.
async fn report(
    app: &TestApp,
    state: &AppState,
    session: &SessionConfig,
    path: Path,
    external: &str,
    to: &str,
) -> i64 {
    match path {
        Path::Widget => {
            let frames = vec![
                json!({"kind": "loaded"}).to_string(),
                json!({"kind": "app", "origin": APP_ORIGIN, "message": {"type": "SYNC_ACK",
                       "messageId": "h-sync-1", "iFrameUrl": APP_ORIGIN, "version": "0.9.7"}})
                .to_string(),
                app_message("INITIALIZED", "1_1", json!({"isLoggedIn": true})),
                app_message(
                    "INCOMING_CALL",
                    "1_2",
                    json!({"externalCallId": external, "fromNumber": ADA, "toNumber": to,
                           "callStartTime": STARTED_MS, "createEngagement": true}),
                ),
            ];
            let out = run_as(app, state, session.clone(), frames).await;
            let created = host::posted(&out, "CREATE_ENGAGEMENT_SUCCEEDED");
            assert_eq!(created.len(), 1, "{out:#?}");
            created[0]["message"]["data"]["engagementId"]
                .as_i64()
                .unwrap()
        }
        Path::Api => {
            let body = inbound_call(app, external, to, true).await;
            body["engagementId"].as_i64().unwrap()
        }
    }
}

/// Reports the call `external` from Ada to `to` through the inbound-call API, naming no app
/// (the app is then the connected number's, or the widget's that adopts the call); the 200's
/// body.
async fn inbound_call(app: &TestApp, external: &str, to: &str, create: bool) -> Value {
    post_inbound(app, &inbound_body(app, external, to, create)).await
}

/// The inbound-call request for the call `external` from Ada to `to`.
fn inbound_body(app: &TestApp, external: &str, to: &str, create: bool) -> Value {
    json!({
        "createEngagement": create,
        "engagementProperties": {},
        "externalCallId": external,
        "finalCallStatus": "COMPLETED",
        "fromNumber": {"e164Number": ADA, "phoneNumberType": "MOBILE"},
        "toNumber": {"e164Number": to, "phoneNumberType": "TOLL_FREE"},
        "callStartedTimestamp": STARTED_MS.to_string(),
        "userId": app.dev.user_id,
        "potentialRecipientUserIds": [],
    })
}

/// POSTs an inbound-call request; the 200's body.
async fn post_inbound(app: &TestApp, body: &Value) -> Value {
    let (status, body) = json(
        bearer(app, Method::POST, "/crm/v3/extensions/calling/inbound-call")
            .json(body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// Ada's contact id, as caller ID finds it.
async fn ada_contact(app: &TestApp) -> i64 {
    let body = inbound_call(app, "lookup", UNCONNECTED, false).await;
    let first = &body["callerIdMatches"][0];
    assert_eq!(first["callerIdType"], "CONTACT", "{body}");
    first["objectCoordinates"]["objectId"].as_i64().unwrap()
}

/// The ids of every live call object with `external` as its external id.
async fn calls_with(app: &TestApp, external: &str) -> Vec<String> {
    let body = json!({"filterGroups": [{"filters": [
        {"propertyName": "hs_call_external_id", "operator": "EQ", "value": external}]}]});
    let (status, found) = json(
        bearer(app, Method::POST, &format!("{CALLS}/search"))
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{found}");
    found["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Everything both paths must agree on about a call, but its external id.
async fn logged_call(app: &TestApp, id: i64) -> Value {
    let path = format!(
        "{CALLS}/{id}?properties=hs_call_direction,hs_call_from_number,hs_call_to_number,\
         hs_call_external_id,hs_call_app_id,hubspot_owner_id,hs_call_status,hs_timestamp,\
         hs_call_source&associations=contacts,tickets"
    );
    let (status, call) = json(bearer(app, Method::GET, &path).send().await.unwrap()).await;
    assert_eq!(status, 200, "{call}");
    let mut properties = call["properties"].clone();
    let properties = properties.as_object_mut().unwrap();
    for computed in [
        "hs_call_external_id",
        "hs_object_id",
        "hs_createdate",
        "hs_lastmodifieddate",
    ] {
        properties.remove(computed);
    }
    let ids = |kind: &str| -> Vec<Value> {
        call["associations"][kind]["results"]
            .as_array()
            .map(|list| list.iter().map(|a| a["id"].clone()).collect())
            .unwrap_or_default()
    };
    json!({"properties": properties, "contacts": ids("contacts"), "tickets": ids("tickets").len()})
}

/// Reports `external` through `first` then the other path; returns what was logged.
async fn both_paths(
    app: &TestApp,
    state: &AppState,
    first: Path,
    external: &str,
    to: &str,
) -> Value {
    let second = match first {
        Path::Widget => Path::Api,
        Path::Api => Path::Widget,
    };
    let session = config(app);
    let a = report(app, state, &session, first, external, to).await;
    let b = report(app, state, &session, second, external, to).await;
    assert_eq!(
        a, b,
        "{first:?} then {second:?}: one engagement for {external}"
    );
    assert_eq!(
        calls_with(app, external).await,
        [a.to_string()],
        "{first:?} then {second:?}: exactly one call object for {external}"
    );
    // And it stays one: either path reporting it again finds it.
    for path in [Path::Widget, Path::Api] {
        assert_eq!(report(app, state, &session, path, external, to).await, a);
    }
    assert_eq!(calls_with(app, external).await.len(), 1);
    logged_call(app, a).await
}

both_backends!(
    the_widget_and_the_inbound_call_api_log_one_call_alike,
    |app| {
        let state = app.state.clone();
        let host = app.host_client().await;
        connect_main(app, &host).await;
        let ada = ada_contact(app).await;

        for (to, tickets) in [(MAIN, 1), (UNCONNECTED, 0)] {
            let widget_first = both_paths(app, &state, Path::Widget, &format!("w-{to}"), to).await;
            let api_first = both_paths(app, &state, Path::Api, &format!("a-{to}"), to).await;
            assert_eq!(
                widget_first, api_first,
                "the order changes nothing (to {to})"
            );
            assert_eq!(
                widget_first,
                json!({
                    "properties": {
                        "hs_call_direction": "INBOUND",
                        "hs_call_from_number": ADA,
                        "hs_call_to_number": to,
                        "hs_call_app_id": app.dev.demo_app_id.to_string(),
                        "hubspot_owner_id": app.dev.owner_id.to_string(),
                        "hs_call_status": "COMPLETED",
                        "hs_timestamp": "2026-01-01T00:00:00.000Z",
                        "hs_call_source": "INTEGRATIONS_PLATFORM",
                    },
                    "contacts": [ada.to_string()],
                    "tickets": tickets,
                }),
                "to {to}"
            );
        }
        // One ticket per call into the connected number, each call on it once.
        let (status, list) =
            crate::helpdesk::host_call(app, &host, Method::GET, "/host/api/helpdesk/tickets", None)
                .await;
        assert_eq!(status, 200, "{list}");
        let mut on_tickets: Vec<String> = list["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|t| t["calls"].as_array().unwrap().clone())
            .map(|c| c["externalCallId"].as_str().unwrap().to_owned())
            .collect();
        on_tickets.sort();
        assert_eq!(on_tickets, [format!("a-{MAIN}"), format!("w-{MAIN}")]);
    }
);

both_backends!(
    another_apps_call_with_the_same_external_id_is_another_call,
    |app| {
        let state = app.state.clone();
        let ours = config(app);
        let theirs = SessionConfig {
            app_id: app.dev.demo_app_id + 1,
            ..config(app)
        };
        let mine = report(app, &state, &ours, Path::Widget, "shared-1", UNCONNECTED).await;
        let other = report(app, &state, &theirs, Path::Widget, "shared-1", UNCONNECTED).await;
        assert_ne!(mine, other);
        // The inbound-call API naming no app, into no connected number, cannot tell them apart:
        // it reports the oldest, never a third call.
        let api = report(app, &state, &ours, Path::Api, "shared-1", UNCONNECTED).await;
        assert_eq!(api, mine);
        assert_eq!(calls_with(app, "shared-1").await.len(), 2);
    }
);

// Both paths reporting one call at once, through the server's one lock, make one call object.
both_backends!(the_two_paths_reporting_one_call_at_once_make_one, |app| {
    let state = app.state.clone();
    let host = app.host_client().await;
    connect_main(app, &host).await;
    let session = config(app);
    for (n, to) in [MAIN, UNCONNECTED].into_iter().enumerate() {
        let external = format!("race-{n}");
        let reports = [Path::Widget, Path::Api, Path::Widget, Path::Api]
            .map(|path| report(app, &state, &session, path, &external, to));
        let ids = futures_util::future::join_all(reports).await;
        assert!(ids.windows(2).all(|w| w[0] == w[1]), "{ids:?}");
        assert_eq!(calls_with(app, &external).await.len(), 1);
    }
});

// A call logged without an app (through the CRM API, with no associations) that the widget
// then reports is adopted, and associated with the caller as a new call would have been.
both_backends!(an_adopted_call_gets_the_callers_association, |app| {
    let state = app.state.clone();
    let ada = ada_contact(app).await;
    let logged = crate::crm_objects::create_call(
        app,
        json!({"hs_call_external_id": "adopt-1", "hs_timestamp": "2026-01-01T00:00:00.000Z"}),
    )
    .await;
    let id: i64 = logged["id"].as_str().unwrap().parse().unwrap();
    assert_eq!(logged_call(app, id).await["contacts"], json!([]));
    let session = config(app);
    let reported = report(app, &state, &session, Path::Widget, "adopt-1", UNCONNECTED).await;
    assert_eq!(
        reported, id,
        "the widget adopts the call logged without an app"
    );
    let adopted = logged_call(app, id).await;
    assert_eq!(adopted["contacts"], json!([ada.to_string()]), "{adopted}");
    assert_eq!(
        adopted["properties"]["hs_call_app_id"],
        app.dev.demo_app_id.to_string()
    );
    // Reported again: still one association, one call.
    report(app, &state, &session, Path::Widget, "adopt-1", UNCONNECTED).await;
    assert_eq!(
        logged_call(app, id).await["contacts"],
        json!([ada.to_string()])
    );
    assert_eq!(calls_with(app, "adopt-1").await.len(), 1);
});

// An app cannot write another app's call by naming its engagementId: INITIALIZED's
// engagementId is adopted by the next unknown call, and CALL_COMPLETED's update is refused.
both_backends!(an_app_never_updates_another_apps_call, |app| {
    let state = app.state.clone();
    let ours = config(app);
    let mine = report(app, &state, &ours, Path::Widget, "mine-1", UNCONNECTED).await;
    let before = logged_call(app, mine).await;
    let theirs = SessionConfig {
        app_id: app.dev.demo_app_id + 1,
        ..config(app)
    };
    let frames = vec![
        json!({"kind": "loaded"}).to_string(),
        json!({"kind": "app", "origin": APP_ORIGIN, "message": {"type": "SYNC_ACK",
               "messageId": "h-sync-1", "iFrameUrl": APP_ORIGIN, "version": "0.9.7"}})
        .to_string(),
        app_message(
            "INITIALIZED",
            "1_1",
            json!({"isLoggedIn": true, "engagementId": mine}),
        ),
        app_message(
            "CALL_COMPLETED",
            "1_2",
            json!({"externalCallId": "theirs-1", "engagementId": mine,
                   "engagementProperties": {"hs_call_status": "FAILED", "hs_call_title": "x"}}),
        ),
    ];
    let out = run_as(app, &state, theirs, frames).await;
    assert_eq!(
        host::posted(&out, "UPDATE_ENGAGEMENT_SUCCEEDED").len(),
        0,
        "{out:#?}"
    );
    let failed = host::posted(&out, "UPDATE_ENGAGEMENT_FAILED");
    assert_eq!(failed.len(), 1, "{out:#?}");
    assert!(
        failed[0].to_string().contains("not by this app"),
        "{}",
        failed[0]
    );
    assert_eq!(logged_call(app, mine).await, before);
});

// The inbound-call API naming no app never overwrites a call of an app outside the token's
// developer account (HubSpot's clients never name the app), and an `hs_call_external_id` in
// `engagementProperties` does not move the call to another external id.
both_backends!(the_api_leaves_other_accounts_calls_alone, |app| {
    let state = app.state.clone();
    let foreign = SessionConfig {
        app_id: app.dev.demo_app_id + 1,
        ..config(app)
    };
    let theirs = report(
        app,
        &state,
        &foreign,
        Path::Widget,
        "foreign-1",
        UNCONNECTED,
    )
    .await;
    let before = logged_call(app, theirs).await;
    let ours = report(app, &state, &foreign, Path::Api, "foreign-1", UNCONNECTED).await;
    assert_ne!(
        ours, theirs,
        "another account's app's call is not this report's"
    );
    assert_eq!(logged_call(app, theirs).await, before);
    assert_eq!(calls_with(app, "foreign-1").await.len(), 2);

    let mut body = inbound_body(app, "named-1", UNCONNECTED, true);
    body["engagementProperties"] = json!({"hs_call_external_id": "elsewhere"});
    post_inbound(app, &body).await;
    assert_eq!(calls_with(app, "named-1").await.len(), 1);
    assert!(calls_with(app, "elsewhere").await.is_empty());
});
