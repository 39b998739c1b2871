//! What the OAuth tests share: an app made as `callhost app create` makes it, a browser-like
//! client that signs in to the host and does not follow redirects, and the install itself
//! (consent page, form, redirect) as a user goes through it.

use callhost_server::oauth::apps::{create_app, AppDeclaration, CreatedApp};
use reqwest::redirect::Policy;
use serde_json::Value;

use crate::helpers::{json, TestApp};

pub const REDIRECT: &str = "http://127.0.0.1:9/callback";
pub const SCOPES: &str = "crm.objects.contacts.read crm.objects.contacts.write";

/// An app of the development account with [`SCOPES`] required and deals optional.
pub async fn oauth_app(app: &TestApp) -> CreatedApp {
    create_app(
        &app.store,
        app.dev.developer_account_id,
        &AppDeclaration {
            name: "Dialer <b>Pro</b>".into(),
            redirect_urls: vec![REDIRECT.into(), "https://backend.example.com/oauth".into()],
            scopes: SCOPES.into(),
            optional_scopes: "crm.objects.deals.read".into(),
        },
    )
    .await
    .unwrap()
}

/// A client that keeps cookies and never follows a redirect, like a browser whose redirects
/// the test reads.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap()
}

/// The install URL of `client_id` with these extra parameters.
pub fn install_url(app: &TestApp, client_id: &str, extra: &[(&str, &str)]) -> String {
    let mut url = url::Url::parse(&format!("{}/oauth/authorize", app.url)).unwrap();
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("client_id", client_id);
        query.append_pair("redirect_uri", REDIRECT);
        query.append_pair("scope", SCOPES);
        for (k, v) in extra {
            query.append_pair(k, v);
        }
    }
    url.into()
}

/// The value of the named form field in a page (`name="x" value="..."`), unescaped.
pub fn field(page: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker)? + marker.len();
    let end = start + page[start..].find('"')?;
    Some(
        page[start..end]
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

/// Every hidden field of the consent form, plus the chosen action.
pub fn consent_form(page: &str, action: &str) -> Vec<(String, String)> {
    let mut form: Vec<(String, String)> = [
        "client_id",
        "redirect_uri",
        "scope",
        "optional_scope",
        "state",
        "code_challenge",
        "code_challenge_method",
        "csrf",
        "portal",
    ]
    .iter()
    .filter_map(|name| field(page, name).map(|v| ((*name).to_owned(), v)))
    .collect();
    if field(page, "portal").is_none() {
        // A chooser: the option selected by default (the signed-in user's portal).
        let selected = page.split("<option value=\"").skip(1).find_map(|option| {
            let (value, rest) = option.split_once('"')?;
            rest.starts_with(" selected").then(|| value.to_owned())
        });
        if let Some(portal) = selected {
            form.push(("portal".into(), portal));
        }
    }
    form.push(("action".into(), action.into()));
    form
}

/// Opens the install URL and answers the consent page with `action` from the host's origin;
/// returns the redirect's query pairs.
pub async fn consent(
    app: &TestApp,
    browser: &reqwest::Client,
    url: &str,
    action: &str,
) -> Vec<(String, String)> {
    let page = browser.get(url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    let answer = browser
        .post(format!("{}/oauth/authorize", app.url))
        .header("origin", &app.url)
        .form(&consent_form(&page, action))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 303, "{}", answer.text().await.unwrap());
    let location = answer.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(REDIRECT), "{location}");
    url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The `code` of a connect through the whole consent.
pub async fn authorize(app: &TestApp, client_id: &str, extra: &[(&str, &str)]) -> String {
    let pairs = consent(
        app,
        &browser(),
        &install_url(app, client_id, extra),
        "connect",
    )
    .await;
    pairs
        .into_iter()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v)
        .expect("a code")
}

/// Posts a token request form to `path`; the status and JSON body.
pub async fn token_request(app: &TestApp, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
    json(
        app.request(reqwest::Method::POST, path)
            .form(form)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// The tokens of a fresh install of `created`.
pub async fn install(app: &TestApp, created: &CreatedApp) -> Value {
    let code = authorize(app, &created.client.client_id, &[]).await;
    let (status, body) = token_request(
        app,
        "/oauth/v1/token",
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &created.client.client_id),
            ("client_secret", &created.client_secret),
            ("redirect_uri", REDIRECT),
            ("code", &code),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}
