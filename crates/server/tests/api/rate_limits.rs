//! HubSpot's rate limits, black-box (docs/rate-limits.md): a second server on the test app's
//! state with `--rate-limits` set answers with `X-HubSpot-RateLimit-*` headers counting down,
//! HubSpot's 429 once a limit is spent, per app and portal, until its window starts over;
//! off (the test app itself) limits nothing and sends no headers; two servers on one
//! PostgreSQL database share one count.

use std::time::{Duration, Instant};

use callhost_server::rate_limits::RateLimits;
use reqwest::header::HeaderMap;
use reqwest::{Method, Response};
use serde_json::{json, Value};
use tokio::sync::oneshot;

use crate::both_backends;
use crate::helpers::{json, Backend, TestApp};
use crate::oauth_helpers::{install, oauth_app};

/// A server on `app`'s state (its store and credentials) with these limits.
struct Limited {
    url: String,
    http: reqwest::Client,
    _stop: oneshot::Sender<()>,
}

async fn limited(app: &TestApp, limits: &str) -> Limited {
    let state = app
        .state
        .clone()
        .with_rate_limits(RateLimits::parse(limits).unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(callhost_server::run(state, listener, None, async {
        let _ = stopped.await;
    }));
    Limited {
        url,
        http: reqwest::Client::new(),
        _stop: stop,
    }
}

impl Limited {
    async fn get(&self, path: &str, token: &str) -> Response {
        self.http
            .get(format!("{}{path}", self.url))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    async fn search(&self, token: &str) -> Response {
        self.http
            .post(format!("{}/crm/v3/objects/contacts/search", self.url))
            .bearer_auth(token)
            .json(&json!({"limit": 1}))
            .send()
            .await
            .unwrap()
    }
}

const CONTACTS: &str = "/crm/v3/objects/contacts?limit=1";

fn header(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers
        .get(name)
        .map(|v| v.to_str().unwrap().parse().unwrap())
}

fn remaining(headers: &HeaderMap) -> Option<u64> {
    header(headers, "x-hubspot-ratelimit-remaining")
}

fn has_rate_headers(headers: &HeaderMap) -> bool {
    headers
        .keys()
        .any(|k| k.as_str().starts_with("x-hubspot-ratelimit-"))
}

/// Asserts HubSpot's 429 body for `policy`; returns it.
async fn assert_429(response: Response, policy: &str) -> (HeaderMap, Value) {
    let headers = response.headers().clone();
    let (status, body) = json(response).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["status"], "error");
    assert_eq!(body["errorType"], "RATE_LIMIT");
    assert_eq!(body["policyName"], policy);
    assert_eq!(body["category"], "RATE_LIMITS");
    assert_eq!(body["correlationId"].as_str().unwrap().len(), 36);
    assert!(body["message"]
        .as_str()
        .unwrap()
        .starts_with("You have reached your "));
    assert!(header(&headers, "retry-after").unwrap() >= 1);
    (headers, body)
}

// An hour-long window: a test's few requests never straddle two.
both_backends!(headers_count_down_then_429_per_portal, |app| {
    let server = limited(app, "burst=3/60m").await;
    for left in [2, 1, 0] {
        let response = server.get(CONTACTS, &app.token).await;
        assert_eq!(response.status(), 200);
        let headers = response.headers();
        assert_eq!(remaining(headers), Some(left));
        assert_eq!(header(headers, "x-hubspot-ratelimit-max"), Some(3));
        assert_eq!(
            header(headers, "x-hubspot-ratelimit-interval-milliseconds"),
            Some(3_600_000)
        );
        assert_eq!(
            header(headers, "x-hubspot-ratelimit-daily"),
            None,
            "no daily limit set"
        );
    }
    let (headers, body) = assert_429(
        server.get(CONTACTS, &app.token).await,
        "TEN_SECONDLY_ROLLING",
    )
    .await;
    assert_eq!(
        body["message"],
        "You have reached your ten_secondly_rolling limit."
    );
    assert_eq!(body["groupName"], format!("portal:{}", app.dev.portal_id));
    assert_eq!(remaining(&headers), Some(0));
    assert!(header(&headers, "retry-after").unwrap() <= 3600);
    // Another portal's token has its own count.
    let other = app.other_portal_token().await;
    let response = server.get(CONTACTS, &other).await;
    assert_eq!(response.status(), 200);
    assert_eq!(remaining(response.headers()), Some(2));
    // An error answer counts and has the headers too.
    let response = server
        .get("/crm/v3/objects/contacts/999999999", &other)
        .await;
    assert_eq!(response.status(), 404);
    assert_eq!(remaining(response.headers()), Some(1));
    // Nobody's request (no credentials) is not counted; the host's pages are not limited.
    let response = server
        .http
        .get(format!("{}{CONTACTS}", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert!(!has_rate_headers(response.headers()));
    let response = server.get("/openapi.json", &app.token).await;
    assert_eq!(response.status(), 200);
    assert!(!has_rate_headers(response.headers()));
});

both_backends!(an_oauth_app_is_counted_per_app_and_portal, |app| {
    let server = limited(app, "hubspot").await;
    let created = oauth_app(app).await;
    let tokens = install(app, &created).await;
    let oauth = tokens["access_token"].as_str().unwrap();
    let response = server.get(CONTACTS, oauth).await;
    assert_eq!(response.status(), 200);
    let headers = response.headers();
    assert_eq!(header(headers, "x-hubspot-ratelimit-max"), Some(110));
    assert_eq!(remaining(headers), Some(109));
    assert_eq!(
        header(headers, "x-hubspot-ratelimit-daily"),
        None,
        "OAuth apps have no daily limit"
    );
    // The portal's private token counts apart, with the private apps' numbers.
    let response = server.get(CONTACTS, &app.token).await;
    let headers = response.headers();
    assert_eq!(header(headers, "x-hubspot-ratelimit-max"), Some(100));
    assert_eq!(remaining(headers), Some(99));
    assert_eq!(header(headers, "x-hubspot-ratelimit-daily"), Some(250_000));
    assert_eq!(
        header(headers, "x-hubspot-ratelimit-daily-remaining"),
        Some(249_999)
    );
    let response = server.get(CONTACTS, oauth).await;
    assert_eq!(remaining(response.headers()), Some(108));
});

both_backends!(a_spent_window_starts_over, |app| {
    let server = limited(app, "burst=2/500ms").await;
    let started = Instant::now();
    let mut limited_once = false;
    loop {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the window never started over"
        );
        let response = server.get(CONTACTS, &app.token).await;
        if response.status() == 429 {
            limited_once = true;
        } else if limited_once {
            assert_eq!(response.status(), 200);
            assert!(remaining(response.headers()).unwrap() <= 1);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
});

both_backends!(daily_and_search_limits_have_their_policies, |app| {
    let server = limited(app, "daily=2,search=1").await;
    let response = server.get(CONTACTS, &app.token).await;
    assert_eq!(
        header(response.headers(), "x-hubspot-ratelimit-daily"),
        Some(2)
    );
    assert_eq!(
        header(response.headers(), "x-hubspot-ratelimit-daily-remaining"),
        Some(1)
    );
    assert_eq!(remaining(response.headers()), None, "no burst limit set");
    server.get(CONTACTS, &app.token).await;
    let (headers, body) = assert_429(server.get(CONTACTS, &app.token).await, "DAILY").await;
    assert_eq!(body["message"], "You have reached your daily limit.");
    assert_eq!(
        header(&headers, "x-hubspot-ratelimit-daily-remaining"),
        Some(0)
    );
    assert!(header(&headers, "retry-after").unwrap() <= 86_400);

    // The search API, in another portal: one per second. Three at once span at most two
    // seconds' windows, so one of them is refused.
    let other = app.other_portal_token().await;
    let mut refused = None;
    for _ in 0..3 {
        let response = server.search(&other).await;
        if response.status() == 429 {
            refused = Some(response);
            break;
        }
        assert_eq!(
            header(response.headers(), "x-hubspot-ratelimit-secondly"),
            Some(1)
        );
        assert_eq!(
            remaining(response.headers()),
            None,
            "the search API has no burst limit"
        );
    }
    let (headers, body) =
        assert_429(refused.expect("a second search in one second"), "SECONDLY").await;
    assert_eq!(body["message"], "You have reached your secondly limit.");
    assert_eq!(
        header(&headers, "x-hubspot-ratelimit-secondly-remaining"),
        Some(0)
    );
});

both_backends!(an_injected_429_is_the_limiters_own, |app| {
    let server = limited(app, "burst=7/60m").await;
    let rule = json!({"match": {"path": "/crm/v3/objects/contacts"}, "effect": {"kind": "http", "status": 429}, "times": 1});
    let (status, body) = app
        .automation(&app.token, Method::POST, "/callhost/v1/faults", Some(&rule))
        .await;
    assert_eq!(status, 201, "{body}");
    let (headers, body) = assert_429(
        server.get("/crm/v3/objects/contacts", &app.token).await,
        "TEN_SECONDLY_ROLLING",
    )
    .await;
    assert_eq!(
        header(&headers, "x-hubspot-ratelimit-max"),
        Some(7),
        "the caller's limits"
    );
    assert_eq!(remaining(&headers), Some(0));
    assert_eq!(header(&headers, "retry-after"), Some(3600));
    assert_eq!(body["groupName"], format!("portal:{}", app.dev.portal_id));
});

both_backends!(off_limits_nothing_and_sends_no_headers, |app| {
    for _ in 0..30 {
        let response = app
            .request(Method::GET, CONTACTS)
            .bearer_auth(&app.token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert!(!has_rate_headers(response.headers()));
    }
});

/// Two servers (two `AppState`s) on one PostgreSQL database count one caller together.
#[tokio::test]
#[cfg_attr(
    not(callhost_test_postgres),
    ignore = "needs CALLHOST_TEST_DATABASE_URL (a PostgreSQL server) when built"
)]
async fn two_servers_on_one_postgres_share_the_count() {
    let app = crate::helpers::spawn_app(Backend::Postgres).await.unwrap();
    let one = limited(&app, "burst=4/60m").await;
    let two = limited(&app, "burst=4/60m").await;
    let mut left = Vec::new();
    for server in [&one, &two, &one, &two] {
        let response = server.get(CONTACTS, &app.token).await;
        assert_eq!(response.status(), 200);
        left.push(remaining(response.headers()).unwrap());
    }
    assert_eq!(left, [3, 2, 1, 0]);
    assert_429(one.get(CONTACTS, &app.token).await, "TEN_SECONDLY_ROLLING").await;
    assert_429(two.get(CONTACTS, &app.token).await, "TEN_SECONDLY_ROLLING").await;
    drop((one, two));
    app.finish().await;
}

both_backends!(
    a_developer_key_is_counted_for_its_developer_account,
    |app| {
        let server = limited(app, "burst=1/60m").await;
        let settings = format!(
            "{}/crm/v3/extensions/calling/{}/settings?hapikey={}",
            server.url, app.dev.demo_app_id, app.api_key
        );
        // Answered by the route (whether the app has settings or not), and counted.
        let response = server.http.get(&settings).send().await.unwrap();
        assert_ne!(response.status(), 429);
        assert_eq!(remaining(response.headers()), Some(0));
        let (_, body) = assert_429(
            server.http.get(&settings).send().await.unwrap(),
            "TEN_SECONDLY_ROLLING",
        )
        .await;
        assert_eq!(
            body["groupName"],
            format!("developer:{}", app.dev.developer_account_id)
        );
        // The portal's token is another caller.
        let response = server.get(CONTACTS, &app.token).await;
        assert_eq!(response.status(), 200);
    }
);

/// A count that hangs (its table locked) or fails (its table gone) lets the request through,
/// without headers: the limits never fail a request.
#[tokio::test]
#[cfg_attr(
    not(callhost_test_postgres),
    ignore = "needs CALLHOST_TEST_DATABASE_URL (a PostgreSQL server) when built"
)]
async fn a_counter_that_hangs_or_fails_lets_requests_through() {
    use sqlx::Connection;
    let app = crate::helpers::spawn_app(Backend::Postgres).await.unwrap();
    let server = limited(&app, "burst=1/60m").await;
    let schema = app.pg_schema().unwrap().to_owned();
    let url = std::env::var("CALLHOST_TEST_DATABASE_URL").unwrap();
    let mut locker = sqlx::PgConnection::connect(&url).await.unwrap();
    sqlx::query("begin").execute(&mut locker).await.unwrap();
    sqlx::query(&format!(
        "lock table {schema}.rate_limit_counter in access exclusive mode"
    ))
    .execute(&mut locker)
    .await
    .unwrap();
    let started = Instant::now();
    let response = server.get(CONTACTS, &app.token).await;
    assert_eq!(response.status(), 200);
    assert!(!has_rate_headers(response.headers()));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "bounded by the count's timeout"
    );
    sqlx::query("rollback").execute(&mut locker).await.unwrap();
    sqlx::query(&format!("drop table {schema}.rate_limit_counter"))
        .execute(&mut locker)
        .await
        .unwrap();
    for _ in 0..3 {
        let response = server.get(CONTACTS, &app.token).await;
        assert_eq!(response.status(), 200);
        assert!(!has_rate_headers(response.headers()));
    }
    drop(server);
    app.finish().await;
}
