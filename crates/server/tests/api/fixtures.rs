//! Fixtures (docs/fixtures.md): the example fixture gives its ids and credentials to every
//! API, and every kind of fixture error names the file, the path in it and what is wrong,
//! and loads nothing.

use std::path::{Path, PathBuf};

use callhost_server::fixture::{self, LoadError};
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{json, spawn_app_from, Backend, Filling, TestApp};

/// The documented example fixture (docs/fixture.example.json).
pub fn example_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/fixture.example.json")
}

pub fn example() -> Value {
    serde_json::from_str(&std::fs::read_to_string(example_path()).unwrap()).unwrap()
}

/// Declares a test that runs on each backend against a server started from the example.
#[macro_export]
macro_rules! with_example_fixture {
    ($name:ident, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn body($app: &$crate::helpers::TestApp) $body

            async fn run(backend: $crate::helpers::Backend) {
                let path = $crate::fixtures::example_path();
                let filling = $crate::helpers::Filling::Fixture(&path);
                if let Some(app) = $crate::helpers::spawn_app_from(backend, filling, true).await {
                    body(&app).await;
                    app.finish().await;
                }
            }

            #[tokio::test]
            async fn sqlite() {
                run($crate::helpers::Backend::Sqlite).await;
            }

            #[tokio::test]
            #[cfg_attr(
                not(callhost_test_postgres),
                ignore = "needs CALLHOST_TEST_DATABASE_URL (a PostgreSQL server) when built"
            )]
            async fn postgres() {
                run($crate::helpers::Backend::Postgres).await;
            }
        }
    };
}

/// A GET with the fixture's access token.
pub async fn get(app: &TestApp, path: &str) -> (u16, Value) {
    json(
        app.http
            .get(format!("{}{path}", app.url))
            .bearer_auth(&app.token)
            .send()
            .await
            .unwrap(),
    )
    .await
}

with_example_fixture!(
    the_example_gives_its_ids_and_credentials_to_every_api,
    |app| {
        assert_eq!(app.api_key, "chk-example-developer-key");
        assert_eq!(app.token, "chp-example-access-token");
        assert_eq!(
            (app.dev.portal_id, app.dev.user_id, app.dev.owner_id),
            (424242, 101, 90101)
        );
        assert_eq!(app.dev.demo_app_id, 3001);

        let (status, ada) = get(app, "/crm/v3/objects/contacts/301?associations=companies").await;
        assert_eq!(status, 200, "{ada}");
        assert_eq!(ada["properties"]["firstname"], "Ada");
        assert_eq!(ada["associations"]["companies"]["results"][0]["id"], "201");
        let (_, car) = get(
            app,
            "/crm/v3/objects/vehicles/401?properties=plate,seats&associations=contacts",
        )
        .await;
        assert_eq!(car["properties"]["seats"], "4");
        assert_eq!(car["associations"]["contacts"]["results"][0]["id"], "301");
        let (_, owners) = get(app, "/crm/v3/owners").await;
        let owner_ids: Vec<&str> = owners["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_str().unwrap())
            .collect();
        assert_eq!(owner_ids, ["90101", "90102"]);
        // Caller ID finds the fixture's contact by a number written another way.
        let found = app
            .store
            .find_by_phone(424242, "(617) 555-0123", Some("US"))
            .await
            .unwrap();
        assert_eq!(found.iter().map(|o| o.id).collect::<Vec<_>>(), [301]);

        // The apps, with their settings, under the developer API key.
        let (status, settings) = app
            .dev_call(
                Method::GET,
                "/crm/v3/extensions/calling/3002/settings",
                None,
            )
            .await;
        assert_eq!(status, 200, "{settings}");
        assert_eq!(settings["name"], "Example dialer");
        assert_eq!(settings["usesCallingWindow"], false);
        let (_, recording) = app
            .dev_call(
                Method::GET,
                "/crm/v3/extensions/calling/3002/settings/recording",
                None,
            )
            .await;
        assert_eq!(
            recording["urlToRetrieveAuthedRecording"],
            "http://localhost:9025/recordings/%s"
        );
        // The demo app follows this run's demo origin.
        let (_, demo) = app
            .dev_call(
                Method::GET,
                "/crm/v3/extensions/calling/3001/settings",
                None,
            )
            .await;
        assert_eq!(demo["url"], format!("{}/", app.demo_url));
        assert_eq!(
            app.store.client_secret(3002).await.unwrap().as_deref(),
            Some("example-dialer-secret")
        );

        // The host signs the fixture's first user in and offers both installed apps.
        let browser = app.host_client().await;
        let context: Value = browser
            .get(format!("{}/host/api/context", app.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            (context["portalId"].clone(), context["userId"].clone()),
            (json!(424242), json!(101))
        );
        let apps: Vec<i64> = context["apps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["appId"].as_i64().unwrap())
            .collect();
        assert_eq!(apps, [3001, 3002]);
    }
);

/// One broken variant of the example: what to change, and the path and words of the error.
struct Broken {
    change: fn(&mut Value),
    path: &'static str,
    words: &'static str,
}

fn broken_variants() -> Vec<Broken> {
    vec![
        Broken {
            change: |f| f["portal"]["id"] = json!("abc"),
            path: "portal.id",
            words: "invalid type",
        },
        Broken {
            change: |f| f["portal"]["id"] = json!(-4),
            path: "portal.id",
            words: "positive",
        },
        Broken {
            change: |f| {
                f.as_object_mut().unwrap().remove("credentials");
            },
            path: "",
            words: "missing field `credentials`",
        },
        Broken {
            change: |f| f["records"]["contacts"][0]["propertys"] = json!({}),
            path: "records.contacts[0].propertys",
            words: "unknown field",
        },
        Broken {
            change: |f| f["credentials"]["accessToken"] = json!("short"),
            path: "credentials.accessToken",
            words: "8 to 200",
        },
        Broken {
            change: |f| f["users"] = json!([]),
            path: "users",
            words: "at least one user",
        },
        Broken {
            change: |f| f["users"][1]["ownerId"] = json!(90101),
            path: "users[1].ownerId",
            words: "owner id 90101 appears twice",
        },
        Broken {
            change: |f| f["users"][0]["email"] = json!("nobody"),
            path: "users[0].email",
            words: "not an email address",
        },
        Broken {
            change: |f| f["apps"][1]["id"] = json!(3001),
            path: "apps[1].id",
            words: "app id 3001 appears twice",
        },
        Broken {
            change: |f| f["apps"][1]["calling"]["url"] = json!("ftp://dialer.example.com/"),
            path: "apps[1].calling.url",
            words: "https",
        },
        Broken {
            change: |f| f["apps"][1]["calling"]["width"] = json!("wide"),
            path: "apps[1].calling.width",
            words: "",
        },
        Broken {
            change: |f| {
                f["apps"][1]["recording"]["urlToRetrieveAuthedRecording"] =
                    json!("https://x.example.com/rec")
            },
            path: "apps[1].recording.urlToRetrieveAuthedRecording",
            words: "%s",
        },
        Broken {
            change: |f| f["apps"][1]["channelConnection"]["url"] = json!("not a url"),
            path: "apps[1].channelConnection.url",
            words: "absolute URL",
        },
        Broken {
            change: |f| f["apps"][1]["demo"] = json!(true),
            path: "apps[1].demo",
            words: "only one app",
        },
        Broken {
            change: |f| f["schemas"][0]["primaryDisplayProperty"] = json!("colour"),
            path: "schemas[0].properties",
            words: "colour is named but not among the properties",
        },
        Broken {
            change: |f| f["records"]["widgets"] = json!([]),
            path: "records.widgets",
            words: "not an object type",
        },
        Broken {
            change: |f| f["records"]["contacts"][1]["id"] = json!(201),
            path: "records.contacts[1].id",
            words: "record id 201 appears twice",
        },
        Broken {
            change: |f| {
                f["records"]["contacts"][1]["properties"]["favourite_colour"] = json!("red")
            },
            path: "records.contacts[1].properties.favourite_colour",
            words: "does not exist",
        },
        Broken {
            change: |f| f["records"]["vehicles"][0]["properties"]["seats"] = json!("many"),
            path: "records.vehicles[0].properties.seats",
            words: "expected a number",
        },
        Broken {
            change: |f| f["records"]["vehicles"][0]["properties"] = json!({"seats": 2}),
            path: "records.vehicles[0].properties.plate",
            words: "required",
        },
        Broken {
            change: |f| {
                f["records"]["contacts"][1]["properties"]["email"] = json!("ADA@acme.example.com")
            },
            path: "records.contacts[1].properties.email",
            words: "already the email of another record",
        },
        Broken {
            change: |f| f["records"]["contacts"][0]["associations"][0]["to"]["id"] = json!(999),
            path: "records.contacts[0].associations[0].to.id",
            words: "no companies record with id 999",
        },
        Broken {
            change: |f| {
                f["records"]["contacts"][0]["associations"][0]["to"]["objectType"] =
                    json!("planets")
            },
            path: "records.contacts[0].associations[0].to.objectType",
            words: "not an object type",
        },
        Broken {
            change: |f| {
                f["records"]["vehicles"][0]["associations"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("typeId");
            },
            path: "records.vehicles[0].associations[0].typeId",
            words: "no default association",
        },
    ]
}

with_example_fixture!(
    every_fixture_error_names_file_path_and_problem_and_loads_nothing,
    |app| {
        let dir = tempfile::tempdir().unwrap();
        for (i, variant) in broken_variants().into_iter().enumerate() {
            let mut file = example();
            (variant.change)(&mut file);
            // Everything else differs too, so a partial load would show.
            file["portal"]["name"] = json!("Broken");
            let path = dir.path().join(format!("broken-{i}.json"));
            std::fs::write(&path, serde_json::to_string_pretty(&file).unwrap()).unwrap();
            let err = match fixture::load(&app.store, &path, None).await {
                Err(LoadError::Invalid(err)) => err,
                other => panic!("variant {i} ({}): {other:?}", variant.path),
            };
            assert_eq!(err.file, path.display().to_string());
            assert_eq!(err.path, variant.path, "variant {i}: {err}");
            assert!(err.message.contains(variant.words), "variant {i}: {err}");
            let shown = err.to_string();
            assert!(
                shown.starts_with(&format!("{}: ", path.display())) && shown.contains(variant.path),
                "{shown}"
            );
        }
        // A file that is no JSON, and one that is not there.
        let path = dir.path().join("truncated.json");
        std::fs::write(&path, "{\"portal\": {\"id\": 1").unwrap();
        let Err(LoadError::Invalid(err)) = fixture::load(&app.store, &path, None).await else {
            panic!()
        };
        assert!(
            err.message.contains("EOF") && err.path.starts_with("portal"),
            "{err}"
        );
        let missing = dir.path().join("missing.json");
        let Err(LoadError::Invalid(err)) = fixture::load(&app.store, &missing, None).await else {
            panic!()
        };
        assert!(
            err.message.contains("cannot be read") && err.path.is_empty(),
            "{err}"
        );

        // Nothing of any of them was loaded: the example is still there, whole.
        let (status, ada) = get(app, "/crm/v3/objects/contacts/301").await;
        assert_eq!(status, 200);
        assert_eq!(ada["properties"]["firstname"], "Ada");
        assert_eq!(
            app.store.get_portal(424242).await.unwrap().unwrap().name,
            "Acme test portal"
        );
    }
);

/// A store with the development seed is not wiped by a fixture.
#[tokio::test]
async fn a_fixture_refuses_a_store_with_the_seed() {
    let app = crate::helpers::spawn_app(Backend::Sqlite).await.unwrap();
    let err = fixture::load(&app.store, &example_path(), None)
        .await
        .unwrap_err();
    assert!(matches!(err, LoadError::Refused(_)), "{err}");
    assert!(app
        .store
        .get_portal(app.dev.portal_id)
        .await
        .unwrap()
        .is_some());
    assert!(app.store.get_portal(424242).await.unwrap().is_none());
    app.finish().await;
}

/// The same fixture loaded twice (a restart on the same data) gives the same ids.
#[tokio::test]
async fn a_fixture_loads_again_over_itself() {
    let path = example_path();
    let app = spawn_app_from(Backend::Sqlite, Filling::Fixture(&path), true)
        .await
        .unwrap();
    let (status, _) = json(
        app.http
            .post(format!("{}/crm/v3/objects/contacts", app.url))
            .bearer_auth(&app.token)
            .json(&json!({"properties": {"firstname": "Extra"}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201);
    let info = fixture::load(&app.store, &path, None).await.unwrap();
    assert_eq!(info.development.portal_id, 424242);
    let (_, list) = get(&app, "/crm/v3/objects/contacts").await;
    assert_eq!(list["results"].as_array().unwrap().len(), 2, "{list}");
    app.finish().await;
}

/// A `.yaml` fixture is the same format: the example written as YAML loads with the same ids,
/// and its errors carry the same paths.
#[tokio::test]
async fn a_yaml_fixture_loads_like_its_json_twin() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = dir.path().join("example.yaml");
    std::fs::write(&yaml, serde_yaml_ng::to_string(&example()).unwrap()).unwrap();
    let app = spawn_app_from(Backend::Sqlite, Filling::Fixture(&yaml), true)
        .await
        .unwrap();
    assert_eq!(
        (app.dev.portal_id, app.token.as_str()),
        (424242, "chp-example-access-token")
    );
    let (status, ada) = get(&app, "/crm/v3/objects/contacts/301").await;
    assert_eq!(
        (status, ada["properties"]["firstname"].clone()),
        (200, json!("Ada"))
    );

    let mut broken = example();
    broken["records"]["contacts"][1]["properties"]["favourite_colour"] = json!("red");
    let bad = dir.path().join("broken.yml");
    std::fs::write(&bad, serde_yaml_ng::to_string(&broken).unwrap()).unwrap();
    let Err(LoadError::Invalid(err)) = fixture::load(&app.store, &bad, None).await else {
        panic!()
    };
    assert_eq!(
        err.path, "records.contacts[1].properties.favourite_colour",
        "{err}"
    );
    std::fs::write(&bad, "portal:\n  id: [1, 2]\n").unwrap();
    let Err(LoadError::Invalid(err)) = fixture::load(&app.store, &bad, None).await else {
        panic!()
    };
    assert_eq!(err.path, "portal.id", "{err}");
    app.finish().await;
}
