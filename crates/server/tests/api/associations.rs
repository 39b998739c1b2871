//! v4 associations: PUT 201, default PUT 200, list, DELETE 204, and the batch routes; an
//! association to a missing object is a 404 that writes nothing.

use reqwest::Method;
use serde_json::{json, Value};

use crate::both_backends;
use crate::crm_objects::{bearer, create_call};
use crate::helpers::{assert_error, json, TestApp};

async fn contact(app: &TestApp, email: &str) -> String {
    let (status, body) = json(
        bearer(app, Method::POST, "/crm/v3/objects/contacts")
            .json(&json!({"properties": {"email": email}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

fn spec(type_id: i64) -> Value {
    json!([{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}])
}

both_backends!(
    associations_are_created_listed_and_removed_both_ways,
    |app| {
        let call = create_call(app, json!({"hs_timestamp": "2026-01-01T00:00:00Z"})).await;
        let engagement_id = call["id"].as_str().unwrap();
        let contact_id = contact(app, "assoc@example.com").await;
        let path =
            format!("/crm/v4/objects/calls/{engagement_id}/associations/contacts/{contact_id}");
        let (status, pair) = json(
            bearer(app, Method::PUT, &path)
                .json(&spec(194))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 201, "{pair}");
        assert_eq!(
            pair,
            json!({"fromObjectTypeId": "0-48", "fromObjectId": engagement_id, "toObjectTypeId": "0-1", "toObjectId": contact_id, "labels": []})
        );

        let (status, list) = json(
            bearer(
                app,
                Method::GET,
                &format!("/crm/v4/objects/contacts/{contact_id}/associations/calls"),
            )
            .send()
            .await
            .unwrap(),
        )
        .await;
        assert_eq!(status, 200, "{list}");
        assert_eq!(list["results"][0]["toObjectId"].to_string(), engagement_id);
        assert_eq!(list["results"][0]["associationTypes"][0]["typeId"], 193);

        let (_, read) = json(
            bearer(
                app,
                Method::GET,
                &format!("/crm/v3/objects/calls/{engagement_id}?associations=contacts"),
            )
            .send()
            .await
            .unwrap(),
        )
        .await;
        assert_eq!(
            read["associations"]["contacts"]["results"][0],
            json!({"id": contact_id, "type": "call_to_contact"})
        );

        let (status, _) = json(bearer(app, Method::DELETE, &path).send().await.unwrap()).await;
        assert_eq!(status, 204);
        let (_, list) = json(
            bearer(
                app,
                Method::GET,
                &format!("/crm/v4/objects/calls/{engagement_id}/associations/contacts"),
            )
            .send()
            .await
            .unwrap(),
        )
        .await;
        assert_eq!(list["results"], json!([]));

        let default = format!(
            "/crm/v4/objects/calls/{engagement_id}/associations/default/contacts/{contact_id}"
        );
        let (status, body) = json(bearer(app, Method::PUT, &default).send().await.unwrap()).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            body["results"][0]["associationSpec"]["associationTypeId"],
            194
        );
    }
);

both_backends!(
    associating_a_missing_object_is_404_and_writes_nothing,
    |app| {
        let call = create_call(app, json!({"hs_timestamp": "2026-01-01T00:00:00Z"})).await;
        let engagement_id = call["id"].as_str().unwrap();
        let (status, body) = json(
            bearer(
                app,
                Method::PUT,
                &format!("/crm/v4/objects/calls/{engagement_id}/associations/contacts/987654321"),
            )
            .json(&spec(194))
            .send()
            .await
            .unwrap(),
        )
        .await;
        assert_error(status, &body, 404, "OBJECT_NOT_FOUND");
        let contact_id = contact(app, "typed@example.com").await;
        let (status, body) = json(
            bearer(
                app,
                Method::PUT,
                &format!(
                    "/crm/v4/objects/calls/{engagement_id}/associations/contacts/{contact_id}"
                ),
            )
            .json(&spec(182))
            .send()
            .await
            .unwrap(),
        )
        .await;
        assert_error(status, &body, 400, "VALIDATION_ERROR");
        let (_, list) = json(
            bearer(
                app,
                Method::GET,
                &format!("/crm/v4/objects/calls/{engagement_id}/associations/contacts"),
            )
            .send()
            .await
            .unwrap(),
        )
        .await;
        assert_eq!(list["results"], json!([]));
    }
);

both_backends!(batch_associations_report_missing_ends_in_207, |app| {
    let call = create_call(app, json!({"hs_timestamp": "2026-01-01T00:00:00Z"})).await;
    let engagement_id = call["id"].as_str().unwrap();
    let contact_id = contact(app, "batch@example.com").await;
    let types = json!([{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 194}]);
    let (status, created) = json(
        bearer(
            app,
            Method::POST,
            "/crm/v4/associations/calls/contacts/batch/create",
        )
        .json(
            &json!({"inputs": [{"from": {"id": engagement_id}, "to": {"id": contact_id}, "types": types},
                                 {"from": {"id": engagement_id}, "to": {"id": "1"}, "types": types}]}),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 207, "{created}");
    assert_eq!(created["results"].as_array().unwrap().len(), 1);
    let (status, read) = json(
        bearer(
            app,
            Method::POST,
            "/crm/v4/associations/calls/contacts/batch/read",
        )
        .json(&json!({"inputs": [{"id": engagement_id}]}))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(
        read["results"][0]["to"][0]["toObjectId"].to_string(),
        contact_id
    );
    let (status, _) = json(
        bearer(
            app,
            Method::POST,
            "/crm/v4/associations/calls/contacts/batch/archive",
        )
        .json(&json!({"inputs": [{"from": {"id": engagement_id}, "to": [{"id": contact_id}]}]}))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 204);
    let (_, read) = json(
        bearer(
            app,
            Method::POST,
            "/crm/v4/associations/calls/contacts/batch/read",
        )
        .json(&json!({"inputs": [{"id": engagement_id}]}))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(read["results"][0]["to"], json!([]));
});
