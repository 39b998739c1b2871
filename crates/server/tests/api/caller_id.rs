//! Caller ID through the API: inbound-call matches any written form of a seeded number and
//! creates the call once per externalCallId; recordings/ready answers 204 for a known call.

use reqwest::Method;
use serde_json::{json, Value};

use crate::both_backends;
use crate::crm_objects::{bearer, create_call};
use crate::helpers::{assert_error, json, TestApp};

fn inbound(from: &str, create: bool, external: &str) -> Value {
    json!({"createEngagement": create, "engagementProperties": {"hs_call_title": "Inbound"},
        "externalCallId": external, "finalCallStatus": "COMPLETED",
        "fromNumber": {"e164Number": from, "phoneNumberType": "MOBILE"},
        "toNumber": {"e164Number": "+16175550199", "phoneNumberType": "FIXED_LINE"},
        "potentialRecipientUserIds": [], "durationSeconds": 42})
}

async fn report(app: &TestApp, body: Value) -> (u16, Value) {
    json(
        bearer(app, Method::POST, "/crm/v3/extensions/calling/inbound-call")
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

both_backends!(
    inbound_calls_match_seeded_numbers_and_create_one_engagement,
    |app| {
        // The seed wrote Ada's phone as 617.555.0123 and Acme's as +1 (617) 555-0100.
        let (status, body) = report(app, inbound("+16175550123", false, "x-1")).await;
        assert_eq!(status, 200, "{body}");
        let matches = body["callerIdMatches"].as_array().unwrap();
        assert_eq!(matches.len(), 1, "{body}");
        assert_eq!(
            (
                matches[0]["callerIdType"].as_str(),
                matches[0]["firstName"].as_str()
            ),
            (Some("CONTACT"), Some("Ada"))
        );
        assert_eq!(
            matches[0]["objectCoordinates"]["portalId"],
            app.dev.portal_id
        );
        assert!(body.get("engagementId").is_none());

        let (_, company) = report(app, inbound("+1 617-555-0100", false, "x-2")).await;
        assert_eq!(company["callerIdMatches"][0]["name"], "Acme Corporation");
        let (_, none) = report(app, inbound("+15550000000", false, "x-3")).await;
        assert_eq!(none["callerIdMatches"], json!([]));

        let (status, first) = report(app, inbound("+16175550123", true, "ext-9")).await;
        assert_eq!(status, 200, "{first}");
        let id = first["engagementId"].as_i64().unwrap();
        let (_, again) = report(app, inbound("+16175550123", true, "ext-9")).await;
        assert_eq!(
            again["engagementId"].as_i64(),
            Some(id),
            "one call per externalCallId"
        );
        let (_, call) = json(bearer(app, Method::GET, &format!("/crm/v3/objects/calls/{id}?properties=hs_call_direction,hs_call_duration,hs_call_title&associations=contacts")).send().await.unwrap()).await;
        assert_eq!(call["properties"]["hs_call_direction"], "INBOUND");
        assert_eq!(call["properties"]["hs_call_duration"], "42000");
        assert_eq!(call["properties"]["hs_call_title"], "Inbound");
        assert_eq!(
            call["associations"]["contacts"]["results"][0]["id"],
            matches[0]["objectCoordinates"]["objectId"].to_string()
        );

        let (status, body) = report(app, json!({"createEngagement": true})).await;
        assert_error(status, &body, 400, "VALIDATION_ERROR");
        assert!(
            body["message"].as_str().unwrap().contains("externalCallId"),
            "{body}"
        );
    }
);

both_backends!(
    recordings_ready_needs_a_known_call_with_an_external_id,
    |app| {
        let path = "/crm/v3/extensions/calling/recordings/ready";
        let with_id = create_call(
            app,
            json!({"hs_timestamp": "1", "hs_call_external_id": "rec-1"}),
        )
        .await;
        let without = create_call(app, json!({"hs_timestamp": "1"})).await;
        let id = |c: &Value| c["id"].as_str().unwrap().parse::<i64>().unwrap();
        let (status, _) = json(
            bearer(app, Method::POST, path)
                .json(&json!({"engagementId": id(&with_id)}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 204);
        let (status, body) = json(
            bearer(app, Method::POST, path)
                .json(&json!({"engagementId": id(&without)}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_error(status, &body, 400, "VALIDATION_ERROR");
        let (status, body) = json(
            bearer(app, Method::POST, path)
                .json(&json!({"engagementId": 1}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_error(status, &body, 404, "OBJECT_NOT_FOUND");
        let (status, body) = json(
            bearer(app, Method::POST, path)
                .json(&json!({}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_error(status, &body, 400, "VALIDATION_ERROR");
    }
);
