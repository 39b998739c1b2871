//! The generic object API (`/crm/v3/objects/{objectType}`): create, read, update, archive and
//! list, with HubSpot's status codes, parameters, validation and portal isolation.

use reqwest::Method;
use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{assert_error, json, TestApp};

pub const CALLS: &str = "/crm/v3/objects/calls";

/// A request with the development access token.
pub fn bearer(app: &TestApp, method: Method, path: &str) -> reqwest::RequestBuilder {
    app.request(method, path).bearer_auth(&app.token)
}

pub async fn create_call(app: &TestApp, properties: Value) -> Value {
    let (status, body) = json(
        bearer(app, Method::POST, CALLS)
            .json(&json!({ "properties": properties }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body
}

both_backends!(
    call_lifecycle_uses_hubspots_codes_and_computed_properties,
    |app| {
        let response = bearer(app, Method::POST, CALLS)
            .json(
                &json!({"properties": {"hs_timestamp": "2026-01-01T00:00:00Z",
            "hs_call_title": "Support call", "hs_call_direction": "INBOUND",
            "hs_call_duration": 35000}}),
            )
            .send()
            .await
            .unwrap();
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let (status, created) = json(response).await;
        assert_eq!(status, 201, "{created}");
        let id = created["id"].as_str().unwrap().to_owned();
        assert!(
            location.ends_with(&format!("/crm/v3/objects/calls/{id}")),
            "{location}"
        );
        assert_eq!(created["properties"]["hs_object_id"], id);
        assert_eq!(created["properties"]["hs_call_duration"], "35000");
        assert_eq!(
            created["properties"]["hs_timestamp"],
            "2026-01-01T00:00:00.000Z"
        );
        assert_eq!(created["archived"], false);

        let path = format!("{CALLS}/{id}?properties=hs_call_title,hs_call_status&propertiesWithHistory=hs_call_title&archived=False");
        let (status, read) = json(bearer(app, Method::GET, &path).send().await.unwrap()).await;
        assert_eq!(status, 200, "{read}");
        assert_eq!(read["properties"]["hs_call_title"], "Support call");
        assert_eq!(
            read["properties"]["hs_call_status"],
            Value::Null,
            "requested but unset"
        );
        assert_eq!(
            read["propertiesWithHistory"]["hs_call_title"][0]["value"],
            "Support call"
        );

        let (status, updated) = json(
            bearer(app, Method::PATCH, &format!("{CALLS}/{id}"))
                .json(&json!({"properties": {"hs_call_title": "Renamed"}}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200, "{updated}");
        assert_eq!(updated["properties"]["hs_call_title"], "Renamed");

        let (status, _) = json(
            bearer(app, Method::DELETE, &format!("{CALLS}/{id}"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 204);
        let (status, body) = json(
            bearer(app, Method::GET, &format!("{CALLS}/{id}"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_error(status, &body, 404, "OBJECT_NOT_FOUND");
        let (status, body) = json(
            bearer(app, Method::GET, &format!("{CALLS}/{id}?archived=true"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!((status, &body["archived"]), (200, &json!(true)), "{body}");
    }
);

both_backends!(
    invalid_properties_are_400s_that_name_them_and_write_nothing,
    |app| {
        for (properties, name, code) in [
            (
                json!({"hs_timestamp": "2026-01-01T00:00:00Z", "nope": "x"}),
                "nope",
                "PROPERTY_DOESNT_EXIST",
            ),
            (
                json!({"hs_timestamp": "2026-01-01T00:00:00Z", "hs_call_direction": "SIDEWAYS"}),
                "hs_call_direction",
                "INVALID_OPTION",
            ),
            (
                json!({"hs_call_title": "no timestamp"}),
                "hs_timestamp",
                "REQUIRED",
            ),
        ] {
            let (status, body) = json(
                bearer(app, Method::POST, CALLS)
                    .json(&json!({"properties": properties}))
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            assert_error(status, &body, 400, "VALIDATION_ERROR");
            let message = body["message"].as_str().unwrap();
            assert!(
                message.starts_with("Property values were not valid: ["),
                "{message}"
            );
            assert!(
                message.contains(name) && message.contains(code),
                "{message}"
            );
            assert_eq!(body["errors"][0]["code"], code);
        }
        let (status, body) = json(
            bearer(app, Method::POST, CALLS)
                .body("{not json")
                .header("content-type", "application/json")
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_error(status, &body, 400, "VALIDATION_ERROR");
        let (_, page) = json(bearer(app, Method::GET, CALLS).send().await.unwrap()).await;
        assert_eq!(page["results"], json!([]), "nothing was written");
    }
);

both_backends!(lists_page_by_cursor_and_types_have_names_and_ids, |app| {
    for n in 0..3 {
        create_call(
            app,
            json!({"hs_timestamp": "2026-01-01T00:00:00Z", "hs_call_title": format!("c{n}")}),
        )
        .await;
    }
    let (status, first) = json(
        bearer(app, Method::GET, "/crm/v3/objects/0-48?limit=2")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["results"].as_array().unwrap().len(), 2);
    let after = first["paging"]["next"]["after"].as_str().unwrap();
    let (_, second) = json(
        bearer(
            app,
            Method::GET,
            &format!("/crm/v3/objects/call?limit=2&after={after}"),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(second["results"].as_array().unwrap().len(), 1);
    assert!(second.get("paging").is_none(), "{second}");
    let (status, body) = json(
        bearer(app, Method::GET, "/crm/v3/objects/widgets")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 400, "VALIDATION_ERROR");
    let (status, body) = json(
        bearer(app, Method::GET, "/crm/v3/objects/calls?limit=101")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 400, "VALIDATION_ERROR");
});

both_backends!(contacts_are_read_by_email_and_unique, |app| {
    let contacts = "/crm/v3/objects/contacts";
    let (status, created) = json(
        bearer(app, Method::POST, contacts)
            .json(&json!({"properties": {"email": "lin@example.com", "firstname": "Lin"}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let (status, read) = json(
        bearer(
            app,
            Method::GET,
            &format!("{contacts}/lin@example.com?idProperty=email"),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!((status, &read["id"]), (200, &created["id"]), "{read}");
    assert_eq!(
        read["properties"]["firstname"], "Lin",
        "defaults include firstname"
    );
    let (status, body) = json(
        bearer(app, Method::POST, contacts)
            .json(&json!({"properties": {"email": "lin@example.com"}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 409, "CONFLICT");
});

both_backends!(scopes_and_portals_keep_objects_apart, |app| {
    let call = create_call(app, json!({"hs_timestamp": "2026-01-01T00:00:00Z"})).await;
    let id = call["id"].as_str().unwrap();
    let read_only = app.token_with(&["crm.objects.contacts.read"], false).await;
    let (status, body) = json(
        app.request(Method::POST, CALLS)
            .bearer_auth(&read_only)
            .json(&json!({"properties": {"hs_timestamp": "1"}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 403, "MISSING_SCOPES");
    let (status, body) = json(app.request(Method::GET, CALLS).send().await.unwrap()).await;
    assert_error(status, &body, 401, "INVALID_AUTHENTICATION");

    // A token of another portal sees nothing of this one.
    let portal = app.store.create_portal("Other").await.unwrap();
    let user = app
        .store
        .create_user(&callhost_store::NewUser {
            portal_id: portal.id,
            email: "o@x.io",
            first_name: "O",
            last_name: "X",
        })
        .await
        .unwrap();
    let token = callhost_store::secret::generate("chp-");
    let scopes = vec![
        "crm.objects.contacts.read".to_owned(),
        "crm.objects.contacts.write".to_owned(),
    ];
    app.store
        .add_access_token(&callhost_store::NewAccessToken {
            token_hash: &callhost_store::secret::hash(&token),
            portal_id: portal.id,
            user_id: user.id,
            developer_account_id: None,
            scopes: &scopes,
            expires_at: None,
        })
        .await
        .unwrap();
    let (status, body) = json(
        app.request(Method::GET, &format!("{CALLS}/{id}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 404, "OBJECT_NOT_FOUND");
    let (status, body) = json(
        app.request(Method::PATCH, &format!("{CALLS}/{id}"))
            .bearer_auth(&token)
            .json(&json!({"properties": {"hs_call_title": "x"}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 404, "OBJECT_NOT_FOUND");
    let (_, page) = json(
        app.request(Method::GET, CALLS)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(page["results"], json!([]));
});
