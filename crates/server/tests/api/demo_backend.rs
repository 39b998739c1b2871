//! The demo app's backend on the demo origin, as the seed sets it up when the demo origin is
//! served: its settings registered (and a developer's changes kept), its webhooks refusing
//! unsigned, wrongly signed and stale requests, and, through callhost's own signed webhook
//! client, the help desk's phone numbers and a call's recording played with `Range`.

use callhost_server::webhooks::signature;
use callhost_server::{demo_backend, dev};
use reqwest::Method;
use serde_json::{json, Value};

use crate::both_backends;
use crate::crm_objects::create_call;
use crate::helpers::{assert_error, json, TestApp};

/// Runs the seed again as `callhost serve` does when it serves the demo origin.
async fn seed_with_demo(app: &TestApp) {
    let options = dev::SeedOptions {
        demo_app_url: Some(format!("{}/", app.demo_url)),
        ..dev::SeedOptions::default()
    };
    dev::ensure(&app.store, &options).await.unwrap();
}

async fn secret(app: &TestApp) -> String {
    app.store
        .client_secret(app.dev.demo_app_id)
        .await
        .unwrap()
        .unwrap()
}

fn now_ms() -> i64 {
    callhost_store::now().timestamp_millis()
}

/// A request to the demo origin, signed (v3) with `secret` at `timestamp_ms` when given.
fn demo_request(
    app: &TestApp,
    method: Method,
    path: &str,
    body: &[u8],
    signed: Option<(&str, i64)>,
) -> reqwest::RequestBuilder {
    let url = format!("{}{path}", app.demo_url);
    let mut request = app.http.request(method.clone(), &url).body(body.to_vec());
    if let Some((secret, at)) = signed {
        for (name, value) in signature::headers(secret, method.as_str(), &url, body, at) {
            request = request.header(name, value);
        }
    }
    request
}

async fn settings(app: &TestApp, which: &str) -> (u16, Value) {
    let path = format!(
        "/crm/v3/extensions/calling/{}/settings{which}",
        app.dev.demo_app_id
    );
    app.dev_call(Method::GET, &path, None).await
}

both_backends!(
    the_seed_points_the_demo_app_at_its_backend_and_keeps_changes,
    |app| {
        // Without the demo origin (`--demo-listen off`), nothing of the backend is registered.
        assert_eq!(settings(app, "/channel-connection").await.0, 404);
        assert_eq!(settings(app, "/recording").await.0, 404);

        seed_with_demo(app).await;
        let (status, calling) = settings(app, "").await;
        assert_eq!(status, 200, "{calling}");
        assert_eq!(calling["url"], format!("{}/", app.demo_url));
        // Off: the calling remote runs the first inbound app, and that must be the developer's.
        assert_eq!(calling["supportsInboundCalling"], false);
        let (status, channel) = settings(app, "/channel-connection").await;
        assert_eq!(status, 200, "{channel}");
        assert_eq!(
            channel["url"],
            format!("{}/api/phone-numbers", app.demo_url)
        );
        assert_eq!(channel["isReady"], true);
        let (status, recording) = settings(app, "/recording").await;
        assert_eq!(status, 200, "{recording}");
        assert_eq!(
            recording["urlToRetrieveAuthedRecording"],
            format!("{}/api/recordings/%s", app.demo_url)
        );

        // A developer's changes survive the next start.
        let base = format!(
            "/crm/v3/extensions/calling/{}/settings",
            app.dev.demo_app_id
        );
        let mine = json!({"url": "https://numbers.example.com/hook", "isReady": false});
        let (status, body) = app
            .dev_call(
                Method::PATCH,
                &format!("{base}/channel-connection"),
                Some(&mine),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let inbound_on = json!({"supportsInboundCalling": true});
        let (status, body) = app.dev_call(Method::PATCH, &base, Some(&inbound_on)).await;
        assert_eq!(status, 200, "{body}");
        seed_with_demo(app).await;
        let (_, channel) = settings(app, "/channel-connection").await;
        assert_eq!(channel["url"], "https://numbers.example.com/hook");
        assert_eq!(channel["isReady"], false);
        assert_eq!(settings(app, "").await.1["supportsInboundCalling"], true);
        let (_, recording) = settings(app, "/recording").await;
        assert_eq!(
            recording["urlToRetrieveAuthedRecording"],
            format!("{}/api/recordings/%s", app.demo_url)
        );

        // The demo app's page offers the numbers its webhook gives, to ring them.
        let page = app
            .http
            .get(format!("{}/", app.demo_url))
            .send()
            .await
            .unwrap();
        let page = page.text().await.unwrap();
        for (number, extension, _) in demo_backend::DEMO_NUMBERS {
            if extension.is_none() {
                assert!(
                    page.contains(&format!("value=\"{number}\"")),
                    "{number} in the demo page"
                );
            }
        }
    }
);

both_backends!(
    the_phone_numbers_webhook_requires_the_demo_apps_signature,
    |app| {
        seed_with_demo(app).await;
        let path = "/api/phone-numbers";
        let body = serde_json::to_vec(&json!({"appId": app.dev.demo_app_id})).unwrap();
        let secret = secret(app).await;

        let refused = [
            ("unsigned", None),
            ("another secret", Some(("not-the-secret", now_ms()))),
            (
                "six minutes old",
                Some((secret.as_str(), now_ms() - 6 * 60 * 1000)),
            ),
        ];
        for (why, signed) in refused {
            let response = demo_request(app, Method::POST, path, &body, signed)
                .send()
                .await
                .unwrap();
            let (status, answer) = json(response).await;
            assert_error(status, &answer, 401, "INVALID_AUTHENTICATION");
            assert!(answer.get("phoneNumbers").is_none(), "{why}: {answer}");
        }
        // Signed over another body: refused too.
        let response = demo_request(app, Method::POST, path, b"{}", Some((&secret, now_ms())))
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);

        let response = demo_request(app, Method::POST, path, &body, Some((&secret, now_ms())))
            .send()
            .await
            .unwrap();
        let (status, answer) = json(response).await;
        assert_eq!(status, 200, "{answer}");
        let numbers = answer["phoneNumbers"].as_array().unwrap();
        assert_eq!(numbers.len(), demo_backend::DEMO_NUMBERS.len());

        // Through callhost's signed webhook, as the help desk asks: one number not selectable.
        let host = app.host_client().await;
        let (status, offered) = json(
            host.get(format!(
                "{}/host/api/channels/{}/numbers",
                app.url, app.dev.demo_app_id
            ))
            .send()
            .await
            .unwrap(),
        )
        .await;
        assert_eq!(status, 200, "{offered}");
        assert!(offered.get("error").is_none(), "{offered}");
        let offered = offered["numbers"].as_array().unwrap();
        assert_eq!(offered.len(), 3, "{offered:?}");
        let selectable: Vec<&str> = offered
            .iter()
            .filter(|n| n["selectable"] == true)
            .map(|n| n["e164PhoneNumber"].as_str().unwrap())
            .collect();
        assert_eq!(selectable, ["+18885550140", "+18885550141"]);
        let desk = offered.iter().find(|n| n["extension"] == "7").unwrap();
        assert_eq!(desk["selectable"], false);
        assert!(
            desk["reason"]
                .as_str()
                .is_some_and(|r| r.contains("extension")),
            "{desk}"
        );

        // A rotated secret: callhost signs with the new one, and the old one is refused at once.
        app.store
            .rotate_client_secret(app.dev.demo_app_id)
            .await
            .unwrap();
        let response = demo_request(app, Method::POST, path, &body, Some((&secret, now_ms())))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
        let again = host
            .get(format!(
                "{}/host/api/channels/{}/numbers",
                app.url, app.dev.demo_app_id
            ))
            .send()
            .await
            .unwrap();
        let (_, again) = json(again).await;
        assert_eq!(again["numbers"].as_array().unwrap().len(), 3, "{again}");
    }
);

both_backends!(
    a_demo_calls_recording_plays_with_range_through_callhost,
    |app| {
        seed_with_demo(app).await;
        let secret = secret(app).await;
        let external_id = "demo-rec/1 é";
        let created = create_call(
            app,
            json!({
                "hs_timestamp": "2026-01-01T00:00:00.000Z",
                "hs_call_app_id": app.dev.demo_app_id.to_string(),
                "hs_call_external_id": external_id,
                "hs_call_source": "INTEGRATIONS_PLATFORM",
            }),
        )
        .await;
        let engagement_id = created["id"].as_str().unwrap();

        // The recording-URL webhook refuses what callhost did not sign.
        let path = "/api/recordings/demo-rec%2F1?externalAccountId=&appId=1";
        let response = demo_request(app, Method::GET, path, b"", None)
            .send()
            .await
            .unwrap();
        let (status, body) = json(response).await;
        assert_error(status, &body, 401, "INVALID_AUTHENTICATION");
        let wrong = Some(("not-the-secret", now_ms()));
        let response = demo_request(app, Method::GET, path, b"", wrong)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
        let response = demo_request(app, Method::GET, path, b"", Some((&secret, now_ms())))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);

        // Through callhost: the app answers a short-lived URL of the audio on the demo origin.
        let host = app.host_client().await;
        let (status, found) = json(
            host.get(format!("{}/host/api/recordings/{engagement_id}", app.url))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200, "{found}");
        let audio_url = found["authenticatedUrl"].as_str().unwrap().to_owned();
        let prefix = format!(
            "{}/api/recordings/demo-rec%2F1%20%C3%A9/audio?expires=",
            app.demo_url
        );
        assert!(audio_url.starts_with(&prefix), "{audio_url}");
        assert!(audio_url.contains("&token="), "{audio_url}");
        let expected = demo_backend::wav::recording(external_id);
        let len = expected.len();

        // The media server: whole, a range, a suffix, past the end; a forged token is refused.
        let get = |range: Option<&str>, url: &str| {
            let mut request = app.http.get(url);
            if let Some(range) = range {
                request = request.header("range", range);
            }
            request.send()
        };
        let whole = get(None, &audio_url).await.unwrap();
        assert_eq!(whole.status(), 200);
        assert_eq!(whole.headers()["content-type"], "audio/wav");
        assert_eq!(whole.headers()["accept-ranges"], "bytes");
        assert_eq!(whole.bytes().await.unwrap(), expected);
        let part = get(Some("bytes=100-199"), &audio_url).await.unwrap();
        assert_eq!(part.status(), 206);
        assert_eq!(
            part.headers()["content-range"],
            format!("bytes 100-199/{len}")
        );
        assert_eq!(part.bytes().await.unwrap(), expected.slice(100..200));
        let tail = get(Some("bytes=-10"), &audio_url).await.unwrap();
        assert_eq!(tail.status(), 206);
        assert_eq!(tail.bytes().await.unwrap(), expected.slice(len - 10..));
        let past = get(Some(&format!("bytes={len}-")), &audio_url)
            .await
            .unwrap();
        assert_eq!(past.status(), 416);
        assert_eq!(past.headers()["content-range"], format!("bytes */{len}"));
        let (status, body) = json(past).await;
        assert_error(status, &body, 416, "VALIDATION_ERROR");
        let forged = audio_url.replace("&token=", "&token=00");
        let (status, body) = json(get(None, &forged).await.unwrap()).await;
        assert_error(status, &body, 401, "INVALID_AUTHENTICATION");
        let other = audio_url.replace("demo-rec%2F1%20%C3%A9", "demo-rec%2F2");
        assert_eq!(
            get(None, &other).await.unwrap().status(),
            401,
            "bound to the recording"
        );
        let expired = format!(
            "{}/api/recordings/x/audio?expires={at}&token={}",
            app.demo_url,
            demo_backend::audio_token(&secret, "x", now_ms() - 1),
            at = now_ms() - 1,
        );
        assert_eq!(get(None, &expired).await.unwrap().status(), 401, "expired");

        // And played through callhost, seeking with Range as the timeline's player does.
        let through = host
            .get(format!(
                "{}/host/api/recordings/{engagement_id}/audio",
                app.url
            ))
            .header("range", "bytes=4000-")
            .send()
            .await
            .unwrap();
        assert_eq!(through.status(), 206);
        assert_eq!(
            through.headers()["content-range"],
            format!("bytes 4000-{}/{len}", len - 1)
        );
        assert_eq!(through.bytes().await.unwrap(), expected.slice(4000..));
    }
);
