//! One-time sign-in links (docs/deploy.md#signing-in) and the host's origin behind a TLS
//! reverse proxy (docs/deploy.md#reverse-proxy): where nobody is signed in automatically, a
//! link made for a user signs that user in, once, for ten minutes.

use callhost_server::host::signin_link;
use callhost_store::{NewUser, User};
use chrono::{TimeDelta, Utc};
use reqwest::header::{HOST, SET_COOKIE};
use reqwest::{Method, Response};

use crate::both_backends;
use crate::helpers::{assert_error, json, TestApp, PROXIED_HOST};

/// A second user of the development portal: the link must sign in this one, not the seed's.
async fn agent(app: &TestApp) -> User {
    app.store
        .create_user_as(
            &NewUser {
                portal_id: app.dev.portal_id,
                email: "agent@callhost.localhost",
                first_name: "Ada",
                last_name: "Agent",
            },
            false,
        )
        .await
        .unwrap()
}

/// `path` under the proxy's name, as a proxy on this machine forwards it.
async fn through_proxy(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> Response {
    let mut request = app
        .request(Method::GET, path)
        .header(HOST, PROXIED_HOST)
        .header("x-forwarded-for", "198.51.100.7");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

both_backends!(a_link_signs_its_user_in_behind_a_proxy_once, |app| {
    let agent = agent(app).await;
    let (code, expires_at) = signin_link::mint(app.store.as_ref(), agent.portal_id, agent.id)
        .await
        .unwrap();
    assert!(
        expires_at > Utc::now() + TimeDelta::minutes(9),
        "{expires_at}"
    );
    let link = format!("/host/signin?code={code}");

    let response = through_proxy(app, &link, &[]).await;
    assert_eq!(response.status(), 200);
    let cookie = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(
        !cookie.contains(&code),
        "the code never becomes the credential"
    );
    let page = response.text().await.unwrap();
    assert!(
        page.contains(&format!(
            "/contacts/{}/objects/0-1/views/all/list",
            agent.portal_id
        )),
        "{page}"
    );

    let session = cookie.split(';').next().unwrap().to_owned();
    let (status, context) =
        json(through_proxy(app, "/host/api/context", &[("cookie", &session)]).await).await;
    assert_eq!(status, 200, "{context}");
    assert_eq!(context["userId"], agent.id);
    assert_eq!(context["portalId"], agent.portal_id);
    assert_eq!(context["hostUrl"], format!("http://{PROXIED_HOST}"));

    // Used once: the same link again is a page saying so, and signs nobody in.
    let again = through_proxy(app, &link, &[("accept", "text/html")]).await;
    assert_eq!(again.status(), 401);
    assert!(again.headers().get(SET_COOKIE).is_none());
    assert!(again
        .text()
        .await
        .unwrap()
        .contains("used already, has expired"));
});

both_backends!(an_expired_or_made_up_link_signs_nobody_in, |app| {
    let agent = agent(app).await;
    let code = "chl-expired-code";
    let past = Utc::now() - TimeDelta::seconds(1);
    app.store
        .add_signin_code(
            &callhost_store::secret::hash(code),
            agent.portal_id,
            agent.id,
            past,
        )
        .await
        .unwrap();
    for link in [
        format!("/host/signin?code={code}"),
        "/host/signin?code=chl-never-made".to_owned(),
        "/host/signin".to_owned(),
    ] {
        let response = through_proxy(app, &link, &[]).await;
        assert_eq!(response.status(), 401, "{link}");
        assert!(response.headers().get(SET_COOKIE).is_none(), "{link}");
    }
    // A user who does not exist gets no link.
    let err = signin_link::mint(app.store.as_ref(), agent.portal_id, agent.id + 1000)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("has no user"), "{err}");
});

both_backends!(behind_a_tls_proxy_the_host_origin_is_https, |app| {
    let agent = agent(app).await;
    let (code, _) = signin_link::mint(app.store.as_ref(), agent.portal_id, agent.id)
        .await
        .unwrap();
    let response = through_proxy(app, &format!("/host/signin?code={code}"), &[]).await;
    let cookie = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    let session = cookie.split(';').next().unwrap().to_owned();
    let https = format!("https://{PROXIED_HOST}");

    for tls in [
        [("x-forwarded-proto", "https")],
        [("forwarded", "for=198.51.100.7;proto=https")],
    ] {
        let headers = [("cookie", session.as_str()), tls[0]];
        let (status, context) = json(through_proxy(app, "/host/api/context", &headers).await).await;
        assert_eq!(status, 200, "{context}");
        assert_eq!(
            context["hostUrl"], https,
            "the origin the page and the app see"
        );
    }
    // A write from the page on the https origin passes the same-origin check.
    let saved = app
        .request(Method::POST, "/host/api/saved-searches")
        .header(HOST, PROXIED_HOST)
        .header("x-forwarded-proto", "https")
        .header("cookie", &session)
        .header("origin", &https)
        .json(&serde_json::json!({"name": "Mine", "query": "ada", "objectTypeId": "0-1"}))
        .send()
        .await
        .unwrap();
    assert_ne!(saved.status(), 403, "{}", saved.text().await.unwrap());

    // Straight to the listener, the header is not believed: no proxy named it.
    let listen = app.url.trim_start_matches("http://").to_owned();
    let (status, context) = json(
        app.request(Method::GET, "/host/api/context")
            .header(HOST, &listen)
            .header("x-forwarded-proto", "https")
            .header("cookie", &session)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{context}");
    assert_eq!(context["hostUrl"], format!("http://{listen}"));
    // And under the proxy without TLS, an https Origin is another origin.
    let (status, body) = json(
        app.request(Method::POST, "/host/api/saved-searches")
            .header(HOST, PROXIED_HOST)
            .header("cookie", &session)
            .header("origin", &https)
            .json(&serde_json::json!({"name": "Mine", "query": "ada", "objectTypeId": "0-1"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 403, "FORBIDDEN");
});
