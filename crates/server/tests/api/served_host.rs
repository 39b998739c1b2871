//! The Host check against DNS rebinding, and who is signed in automatically
//! (docs/design.md#served-host-names).

use reqwest::header::{HOST, SET_COOKIE};
use reqwest::{Method, Response};

use crate::both_backends;
use crate::helpers::{assert_error, json, TestApp, PROXIED_HOST};

/// The host page every newcomer opens, which signs in on loopback.
fn contacts(app: &TestApp) -> String {
    format!("/contacts/{}/objects/0-1/views/all/list", app.dev.portal_id)
}

/// `path` on the API origin, asked for under the Host `host`, with `headers`.
async fn get_as(app: &TestApp, host: &str, path: &str, headers: &[(&str, &str)]) -> Response {
    let mut request = app.request(Method::GET, path).header(HOST, host);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

fn port(url: &str) -> &str {
    url.rsplit(':').next().unwrap()
}

both_backends!(a_rebound_host_name_gets_421_and_no_session, |app| {
    let secret = format!("/host/api/apps/{}/secret", app.dev.demo_app_id);
    let openapi = "/openapi.json".to_owned();
    let paths = [
        "/".to_owned(),
        contacts(app),
        "/host/api/context".to_owned(),
        secret,
        openapi,
    ];
    let rebound = format!("rebind.attacker.example:{}", port(&app.url));
    for host in [rebound.as_str(), "rebind.attacker.example", "localhost:1"] {
        for path in &paths {
            let response = get_as(app, host, path, &[]).await;
            assert!(
                response.headers().get(SET_COOKIE).is_none(),
                "{host} {path}"
            );
            let (status, body) = json(response).await;
            assert_error(status, &body, 421, "MISDIRECTED_REQUEST");
        }
    }
    // A write with the attacker's own Origin (which passes the same-origin check) is refused
    // before it reaches the route.
    let (status, body) = json(
        app.request(
            Method::POST,
            &format!("/host/api/apps/{}/secret/rotate", app.dev.demo_app_id),
        )
        .header(HOST, &rebound)
        .header("origin", format!("http://{rebound}"))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_error(status, &body, 421, "MISDIRECTED_REQUEST");
    // The demo origin answers only to its own names too.
    let demo = format!("rebind.attacker.example:{}", port(&app.demo_url));
    let response = app
        .http
        .get(format!("{}/", app.demo_url))
        .header(HOST, demo)
        .send()
        .await
        .unwrap();
    let (status, body) = json(response).await;
    assert_error(status, &body, 421, "MISDIRECTED_REQUEST");
    let response = app
        .http
        .get(format!("{}/", app.demo_url))
        .header(HOST, format!("localhost:{}", port(&app.demo_url)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
});

both_backends!(loopback_under_a_direct_name_signs_in, |app| {
    let listen = app.url.trim_start_matches("http://").to_owned();
    let localhost = format!("localhost:{}", port(&app.url));
    for host in [listen.as_str(), localhost.as_str()] {
        let response = get_as(app, host, &contacts(app), &[]).await;
        assert_eq!(response.status(), 200, "{host}");
        let cookie = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
        let session = cookie.split(';').next().unwrap().to_owned();
        let response = get_as(app, host, "/host/api/context", &[("cookie", &session)]).await;
        let (status, context) = json(response).await;
        assert_eq!(status, 200, "{host}: {context}");
        assert_eq!(context["hostUrl"], format!("http://{host}"));
    }
});

both_backends!(a_proxied_name_is_served_but_never_signed_in, |app| {
    let (status, _) = json(get_as(app, PROXIED_HOST, "/openapi.json", &[]).await).await;
    assert_eq!(status, 200);
    let with_port = format!("{PROXIED_HOST}:443");
    for host in [PROXIED_HOST, with_port.as_str()] {
        let response = get_as(app, host, &contacts(app), &[]).await;
        assert!(response.headers().get(SET_COOKIE).is_none(), "{host}");
        let (status, body) = json(response).await;
        assert_error(status, &body, 401, "INVALID_AUTHENTICATION");
    }
    // A proxy that passes the listen address on as Host still says it forwarded the request.
    let listen = app.url.trim_start_matches("http://").to_owned();
    for header in [
        "x-forwarded-for",
        "forwarded",
        "x-forwarded-host",
        "x-real-ip",
    ] {
        let response = get_as(app, &listen, &contacts(app), &[(header, "for=192.0.2.1")]).await;
        assert!(response.headers().get(SET_COOKIE).is_none(), "{header}");
        let (status, body) = json(response).await;
        assert_error(status, &body, 401, "INVALID_AUTHENTICATION");
    }
    // The API itself works under the proxied name with credentials.
    let response = app
        .request(Method::GET, "/crm/v3/objects/contacts")
        .header(HOST, PROXIED_HOST)
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
});
