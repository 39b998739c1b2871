//! The SDK builds on both origins, the demo app on its own origin, the host's start page.

use crate::both_backends;

async fn get(url: &str) -> (u16, String, String) {
    let response = reqwest::get(url).await.unwrap();
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    (status, content_type, response.text().await.unwrap())
}

both_backends!(sdk_builds_are_served_on_both_origins, |app| {
    for origin in [&app.url, &app.demo_url] {
        for file in [
            "calling-extensions-sdk.esm.js",
            "calling-extensions-sdk.umd.js",
        ] {
            let (status, content_type, body) = get(&format!("{origin}/sdk/{file}")).await;
            assert_eq!(status, 200, "{origin}/sdk/{file}");
            assert!(
                content_type.starts_with("text/javascript"),
                "{content_type}"
            );
            assert!(body.contains("SYNC_ACK"), "{file} is the SDK");
        }
    }
    let (status, content_type, _) = get(&format!("{}/sdk/missing.js", app.url)).await;
    assert_eq!((status, content_type.as_str()), (404, "application/json"));
});

both_backends!(the_demo_app_is_the_root_of_the_demo_origin, |app| {
    let (status, content_type, page) = get(&format!("{}/", app.demo_url)).await;
    assert_eq!(status, 200);
    assert!(content_type.starts_with("text/html"));
    assert!(page.contains("app.js"), "{page}");
    let (status, _, script) = get(&format!("{}/app.js", app.demo_url)).await;
    assert_eq!(status, 200);
    assert!(script.contains("/sdk/calling-extensions-sdk.esm.js"));
    let (status, _, _) = get(&format!("{}/../Cargo.toml", app.demo_url)).await;
    assert_eq!(status, 404);
    // The API is not on the demo origin, and the demo is not on the API origin.
    let (status, _, _) = get(&format!("{}/openapi.json", app.demo_url)).await;
    assert_eq!(status, 404);
    let (status, _, _) = get(&format!("{}/app.js", app.url)).await;
    assert_eq!(status, 404);
});

both_backends!(the_host_origin_opens_on_the_development_contacts, |app| {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = client.get(format!("{}/", app.url)).send().await.unwrap();
    assert_eq!(response.status(), 303);
    let list = format!("/contacts/{}/objects/0-1/views/all/list", app.dev.portal_id);
    assert_eq!(response.headers()["location"], list.as_str());
    let (status, content_type, page) = get(&format!("{}{list}", app.url)).await;
    assert_eq!(status, 200);
    assert!(content_type.starts_with("text/html"));
    assert!(
        page.contains("/host/static/"),
        "the host page loads its scripts"
    );
});
