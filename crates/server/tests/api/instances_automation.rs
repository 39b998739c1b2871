//! The automation API and the inspector across two instances on one PostgreSQL database
//! (issue 15): fault rules are the host's, not an instance's (added on one, they fire on the
//! other; a rule's `times` is spent by both together), and a REST call the app's backend makes
//! on one instance joins the record of the session the other instance runs.
//! PostgreSQL only: SQLite serves one process.

use std::sync::Arc;
use std::time::Duration;

use callhost_protocol::engine::Session;
use callhost_server::host::handover;
use callhost_server::host::widget_socket::LiveSession;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::sync::Mutex;

use crate::helpers::TestApp;
use crate::host::{call_frames, config, seeded_contact};
use crate::instances::{eventually, two_instances_test, Page};

/// A widget session of the development user on `app`, recorded by its inspector, as the
/// host socket opens one.
async fn open(app: &TestApp) -> (String, Arc<Mutex<LiveSession>>) {
    let config = config(app);
    let (portal, user) = (app.dev.portal_id, app.dev.user_id);
    let (id, live) = handover::open(&app.state, Session::new(config.clone()), portal, user).await;
    app.state.inspector.open(&id, &config);
    (id, live)
}

async fn add_fault(app: &TestApp, rule: Value) -> Value {
    let (status, body) = app
        .automation(&app.token, Method::POST, "/callhost/v1/faults", Some(&rule))
        .await;
    assert_eq!(status, 201, "{body}");
    body
}

/// The status of a `GET` of the seeded contacts on `app`.
async fn contacts_status(app: &TestApp) -> StatusCode {
    app.request(Method::GET, "/crm/v3/objects/contacts?limit=1")
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap()
        .status()
}

/// Waits (up to 10 s) until `app` answers the contacts `GET` with `status`.
async fn until_contacts_answer(app: &TestApp, status: StatusCode) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while contacts_status(app).await != status {
        assert!(
            tokio::time::Instant::now() < deadline,
            "never answered {status}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

two_instances_test!(
    a_fault_added_on_one_instance_fires_on_the_other_and_its_delete_reaches_it_too,
    |a, b| {
        // A REST rule added on A answers B's requests; deleted on A, it stops there too.
        let rule = add_fault(
            &a,
            json!({"match": {"path": "/crm/v3/objects/contacts*", "method": "GET"},
            "effect": {"kind": "http", "status": 502}}),
        )
        .await;
        until_contacts_answer(&b, StatusCode::BAD_GATEWAY).await;
        let (_, listed) = b
            .automation(&b.token, Method::GET, "/callhost/v1/faults", None)
            .await;
        assert_eq!(listed["results"][0]["id"], rule["id"]);
        assert!(listed["results"][0]["fired"].as_u64().unwrap() >= 1);
        let path = format!("/callhost/v1/faults/{}", rule["id"].as_str().unwrap());
        let (status, _) = a.automation(&a.token, Method::DELETE, &path, None).await;
        assert_eq!(status, 204);
        until_contacts_answer(&b, StatusCode::OK).await;

        // A session rule added on A fails the call a session on B logs, once.
        let contact = seeded_contact(&a).await;
        let rule = add_fault(
            &a,
            json!({"match": {"messageType": "OUTGOING_CALL_STARTED"},
            "effect": {"kind": "fail", "message": "Injected on A"}, "times": 1}),
        )
        .await;
        eventually("B has the rule", || !b.state.faults.is_empty()).await;
        let (id, live) = open(&b).await;
        let page = Page::connect(&b.state, &id, live);
        page.send_all(&call_frames(contact, "ext-fault-1")[..5]);
        let failed = page
            .until("CREATE_ENGAGEMENT_FAILED on B", |f| {
                f["kind"] == "post" && f["message"]["type"] == "CREATE_ENGAGEMENT_FAILED"
            })
            .await;
        assert!(failed.to_string().contains("Injected on A"), "{failed:#}");
        let (_, listed) = a
            .automation(&a.token, Method::GET, "/callhost/v1/faults", None)
            .await;
        assert_eq!(listed["results"][0]["id"], rule["id"]);
        assert_eq!(listed["results"][0]["fired"], 1);
        page.drop_socket().await;
    }
);

two_instances_test!(
    a_rule_of_times_one_hit_on_both_instances_at_once_fires_once,
    |a, b| {
        for round in 0..5 {
            let rule = add_fault(
                &a,
                json!({"match": {"path": "/crm/v3/objects/contacts*", "method": "GET"},
                "effect": {"kind": "http", "status": 503}, "times": 1}),
            )
            .await;
            // Both copies have it before the race starts.
            eventually("B has the rule", || b.state.faults.any_http()).await;
            let mut requests = Vec::new();
            for i in 0..16 {
                let app = if i % 2 == 0 { &a } else { &b };
                requests.push(contacts_status(app));
            }
            let statuses = futures_util::future::join_all(requests).await;
            let injected = statuses
                .iter()
                .filter(|s| **s == StatusCode::SERVICE_UNAVAILABLE)
                .count();
            assert_eq!(injected, 1, "round {round}: {statuses:?}");
            assert!(
                statuses
                    .iter()
                    .all(|s| *s == StatusCode::OK || *s == StatusCode::SERVICE_UNAVAILABLE),
                "{statuses:?}"
            );
            let (_, listed) = b
                .automation(&b.token, Method::GET, "/callhost/v1/faults", None)
                .await;
            let listed = listed["results"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["id"] == rule["id"])
                .cloned()
                .unwrap();
            assert_eq!(listed["fired"], 1, "{listed}");
            // Spent everywhere: neither copy lets a request look for it any more.
            eventually("spent on both", || {
                !a.state.faults.any_http() && !b.state.faults.any_http()
            })
            .await;
        }
    }
);

two_instances_test!(
    a_rest_call_on_one_instance_joins_the_record_of_the_session_the_other_runs,
    |a, b| {
        let contact = seeded_contact(&a).await;
        let (id, live) = open(&a).await;
        let page = Page::connect(&a.state, &id, live);
        page.send_all(&call_frames(contact, "ext-rest-on-b")[..5]);
        let created = page
            .until("CREATE_ENGAGEMENT_SUCCEEDED on A", |f| {
                f["kind"] == "post" && f["message"]["type"] == "CREATE_ENGAGEMENT_SUCCEEDED"
            })
            .await;
        let engagement = created["message"]["data"]["engagementId"]
            .as_i64()
            .unwrap_or_else(|| panic!("{created:#}"));
        // B runs no session; it has heard that A records one.
        assert!(!b.state.inspector.has_calls());
        eventually("B knows A records sessions", || {
            b.state.inspector.records_elsewhere()
        })
        .await;

        // The app's backend saves the call's notes, and its request lands on B.
        let response = b
            .request(
                Method::PATCH,
                &format!("/crm/v3/objects/calls/{engagement}"),
            )
            .bearer_auth(&b.token)
            .json(&json!({"properties": {"hs_call_body": "saved through B"}}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);

        // The session's record (read on either instance) has it, linked to the call.
        for app in [&a, &b] {
            let rest = app.wait_for(&id, "rest", None).await;
            assert_eq!(rest["data"]["method"], "PATCH", "{rest:#}");
            assert_eq!(
                rest["data"]["path"],
                format!("/crm/v3/objects/calls/{engagement}"),
                "{rest:#}"
            );
            assert_eq!(rest["data"]["status"], 200, "{rest:#}");
            assert_eq!(rest["externalCallId"], "ext-rest-on-b", "{rest:#}");
        }
        // Filed once, by A, not also by B.
        let (_, all) = a
            .automation(
                &a.token,
                Method::GET,
                &format!("/callhost/v1/sessions/{id}/transcript?type=rest"),
                None,
            )
            .await;
        assert_eq!(all["results"].as_array().unwrap().len(), 1, "{all:#}");
        page.drop_socket().await;
    }
);
