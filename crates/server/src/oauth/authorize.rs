//! The install page: `GET /oauth/authorize?client_id&redirect_uri&scope[&optional_scope]
//! [&state][&code_challenge&code_challenge_method]`, HubSpot's path, shows the app's name and
//! the scopes it asks for to the signed-in user, who picks a portal when they have several and
//! connects or cancels; the form comes back as `POST /oauth/authorize`.
//!
//! - Connect: a single-use code ([`super::CODE_TTL`]) and a 303 to `redirect_uri?code=..&state=..`.
//! - Cancel: a 303 to `redirect_uri?error=access_denied&error_description=..&state=..`.
//! - Anything wrong before the redirect URI is known to be registered (unknown `client_id`,
//!   an unregistered `redirect_uri`) and anything the user cannot fix by choosing (scopes the
//!   app did not declare, nobody signed in, not a super admin) is an error page: the browser
//!   is never sent to a URL the app's developer did not register.
//!
//! Sign-in is the host's (`host::signin`): the session cookie, or on loopback the development
//! user. A person's portals are the portals where a user has their email.
//!
//! CSRF: the form carries a token derived from the session token (which only the host's own
//! pages can read, the cookie being HttpOnly), and the POST must come from the host's origin.

use axum::extract::{Request, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use callhost_store::oauth::{NewOAuthCode, OAuthClient};
use callhost_store::{now, secret, User};
use sha2::{Digest, Sha256};

use super::page;
use super::token::Form;
use super::{constant_time_eq, span, CODE_TTL};
use crate::error::ApiResult;
use crate::host::signin::{self, HostUser};
use crate::html::escape;
use crate::scopes;
use crate::AppState;

/// The install URL's parameters, as given.
#[derive(Debug, Default, Clone)]
struct InstallRequest {
    client_id: Option<String>,
    redirect_uri: Option<String>,
    scope: String,
    optional_scope: String,
    state: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
}

impl InstallRequest {
    fn from_pairs(pairs: &[(String, String)]) -> Self {
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        Self {
            client_id: get("client_id"),
            redirect_uri: get("redirect_uri"),
            scope: get("scope").unwrap_or_default(),
            optional_scope: get("optional_scope").unwrap_or_default(),
            state: get("state"),
            code_challenge: get("code_challenge").filter(|c| !c.is_empty()),
            code_challenge_method: get("code_challenge_method").filter(|m| !m.is_empty()),
        }
    }

    /// The parameters again, as hidden fields of the consent form.
    fn hidden_fields(&self) -> String {
        let mut fields = String::new();
        let mut field = |name: &str, value: Option<&str>| {
            if let Some(value) = value {
                fields.push_str(&format!(
                    "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
                    escape(value)
                ));
            }
        };
        field("client_id", self.client_id.as_deref());
        field("redirect_uri", self.redirect_uri.as_deref());
        field("scope", Some(&self.scope));
        field("optional_scope", Some(&self.optional_scope));
        field("state", self.state.as_deref());
        field("code_challenge", self.code_challenge.as_deref());
        field(
            "code_challenge_method",
            self.code_challenge_method.as_deref(),
        );
        fields
    }
}

/// A request whose app, redirect URI and scopes are valid.
struct Checked {
    client: OAuthClient,
    redirect_uri: String,
    required: Vec<String>,
    optional: Vec<String>,
}

impl Checked {
    /// What connecting grants: the required scopes and the optional ones asked for.
    fn granted(&self) -> Vec<String> {
        self.required
            .iter()
            .chain(&self.optional)
            .cloned()
            .collect()
    }
}

/// Checks the app, the redirect URI and the scopes; the error page otherwise.
async fn check(state: &AppState, request: &InstallRequest) -> ApiResult<Result<Checked, Response>> {
    let bad = |message: String| Ok(Err(page::error(StatusCode::BAD_REQUEST, &message)));
    let Some(client_id) = request.client_id.as_deref().filter(|c| !c.is_empty()) else {
        return bad("The install URL has no client_id.".into());
    };
    let Some((client, _)) = state.store.find_oauth_client(client_id).await? else {
        return bad(format!("No app has the client_id {client_id}."));
    };
    let Some(redirect_uri) = request.redirect_uri.as_deref() else {
        return bad("The install URL has no redirect_uri.".into());
    };
    if !client.redirect_urls.iter().any(|url| url == redirect_uri) {
        return bad(format!(
            "The redirect_uri {redirect_uri} is not one of the app's registered redirect URLs."
        ));
    }
    let (required, optional) = match (
        scopes::parse_list(&request.scope),
        scopes::parse_list(&request.optional_scope),
    ) {
        (Ok(required), Ok(optional)) => (required, optional),
        (Err(why), _) | (_, Err(why)) => return bad(format!("The install URL's scopes: {why}.")),
    };
    let declared =
        |scope: &String| client.scopes.contains(scope) || client.optional_scopes.contains(scope);
    if let Some(undeclared) = required.iter().chain(&optional).find(|s| !declared(s)) {
        return bad(format!(
            "The app asks for the scope {undeclared}, which it does not declare."
        ));
    }
    if let Some(missing) = client.scopes.iter().find(|s| !required.contains(s)) {
        return bad(format!(
            "The install URL's scope does not include {missing}, which the app requires."
        ));
    }
    if let Some(method) = &request.code_challenge_method {
        if method != "S256" && method != "plain" {
            return bad(format!(
                "code_challenge_method {method} is not supported (S256 or plain)."
            ));
        }
    }
    let redirect_uri = redirect_uri.to_owned();
    let optional = optional
        .into_iter()
        .filter(|s| !required.contains(s))
        .collect();
    Ok(Ok(Checked {
        client,
        redirect_uri,
        required,
        optional,
    }))
}

/// The form's CSRF token: bound to the session, so another site cannot make one.
fn csrf_token(session_token: &str) -> String {
    hex::encode(Sha256::digest(
        format!("callhost oauth consent\0{session_token}").as_bytes(),
    ))
}

/// The query's pairs, decoded.
fn query_pairs(parts: &Parts) -> Vec<(String, String)> {
    url::form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The person's users (one per portal) with their portals' names.
async fn portals_of(state: &AppState, user: &User) -> ApiResult<Vec<(User, String)>> {
    let mut portals = Vec::new();
    for user in state.store.users_by_email(&user.email).await? {
        let name = state
            .store
            .get_portal(user.portal_id)
            .await?
            .map_or_else(|| user.portal_id.to_string(), |p| p.name);
        portals.push((user, name));
    }
    Ok(portals)
}

/// `GET /oauth/authorize`: the consent page, or why not.
pub async fn show_consent(State(state): State<AppState>, request: Request) -> ApiResult<Response> {
    let (parts, _) = request.into_parts();
    let install = InstallRequest::from_pairs(&query_pairs(&parts));
    let checked = match check(&state, &install).await? {
        Ok(checked) => checked,
        Err(page) => return Ok(page),
    };
    let (session, set_cookie) = match signin::current(&parts, &state).await? {
        Some(user) => (user, None),
        None => match signin::sign_in_on_loopback(&parts, &state).await? {
            Some((user, cookie)) => (user, Some(cookie)),
            None => return Ok(not_signed_in()),
        },
    };
    let Some(me) = user_of(&state, &session).await? else {
        return Ok(not_signed_in());
    };
    let portals = portals_of(&state, &me).await?;
    let (admin, not_admin): (Vec<_>, Vec<_>) = portals.iter().partition(|(u, _)| u.super_admin);
    if admin.is_empty() {
        return Ok(page::error(
            StatusCode::FORBIDDEN,
            &format!(
                "Only super admins may install apps, and {} is not a super admin of {}. \
                 Ask a super admin of the portal to install it.",
                me.email,
                not_admin
                    .iter()
                    .map(|(_, name)| name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let offered: Vec<(i64, &str)> = admin
        .iter()
        .map(|(u, name)| (u.portal_id, name.as_str()))
        .collect();
    let skipped: Vec<&str> = not_admin.iter().map(|(_, name)| name.as_str()).collect();
    let body = page::consent(&page::Consent {
        app_name: &checked.client.name,
        email: &me.email,
        hidden_fields: &install.hidden_fields(),
        csrf: &csrf_token(&session.token),
        portals: &offered,
        selected_portal: session.grant.portal_id,
        skipped_portals: &skipped,
        required: &checked.required,
        optional: &checked.optional,
    });
    let mut response = page::html(StatusCode::OK, "Connect an app", &body);
    if let Some(cookie) = set_cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        response.headers_mut().insert(SET_COOKIE, cookie);
    }
    Ok(response)
}

/// `POST /oauth/authorize`: the consent form's answer.
pub async fn answer_consent(
    State(state): State<AppState>,
    request: Request,
) -> ApiResult<Response> {
    let (parts, body) = request.into_parts();
    if !signin::same_origin(&parts) {
        return Ok(page::error(
            StatusCode::FORBIDDEN,
            "The consent form must be sent from callhost's own page.",
        ));
    }
    let form = Form::read(body).await?;
    let pairs: Vec<(String, String)> = ["client_id", "redirect_uri", "scope", "optional_scope"]
        .iter()
        .chain(&["state", "code_challenge", "code_challenge_method"])
        .filter_map(|name| form.raw(name).map(|v| ((*name).to_owned(), v.to_owned())))
        .collect();
    let install = InstallRequest::from_pairs(&pairs);
    let checked = match check(&state, &install).await? {
        Ok(checked) => checked,
        Err(page) => return Ok(page),
    };
    let Some(session) = signin::current(&parts, &state).await? else {
        return Ok(not_signed_in());
    };
    let csrf_ok = form
        .get("csrf")
        .is_some_and(|csrf| constant_time_eq(csrf, &csrf_token(&session.token)));
    if !csrf_ok {
        return Ok(page::error(
            StatusCode::FORBIDDEN,
            "The consent form has expired or was not made for this session. Open the install link again.",
        ));
    }
    if form.get("action") == Some("cancel") {
        let mut params = vec![
            ("error", "access_denied".to_owned()),
            (
                "error_description",
                "The user did not connect the app.".to_owned(),
            ),
        ];
        if let Some(s) = &install.state {
            params.push(("state", s.clone()));
        }
        return Ok(redirect(&checked.redirect_uri, &params));
    }
    if form.get("action") != Some("connect") {
        return Ok(page::error(
            StatusCode::BAD_REQUEST,
            "Choose Connect app or Cancel.",
        ));
    }
    let Some(me) = user_of(&state, &session).await? else {
        return Ok(not_signed_in());
    };
    let portal_id = form.get("portal").and_then(|p| p.parse::<i64>().ok());
    let target = portals_of(&state, &me)
        .await?
        .into_iter()
        .map(|(user, _)| user)
        .find(|user| Some(user.portal_id) == portal_id);
    let Some(target) = target.filter(|user| user.super_admin) else {
        return Ok(page::error(
            StatusCode::FORBIDDEN,
            "Only super admins may install apps, and you are not one of that portal.",
        ));
    };
    let code = secret::generate("coc-");
    let granted = checked.granted();
    state
        .store
        .add_oauth_code(&NewOAuthCode {
            code_hash: &secret::hash(&code),
            app_id: checked.client.app_id,
            portal_id: target.portal_id,
            user_id: target.id,
            redirect_uri: &checked.redirect_uri,
            scopes: &granted,
            code_challenge: install.code_challenge.as_deref(),
            code_challenge_method: install
                .code_challenge
                .as_ref()
                .map(|_| install.code_challenge_method.as_deref().unwrap_or("plain")),
            expires_at: now() + span(CODE_TTL),
        })
        .await?;
    tracing::info!(
        app.id = checked.client.app_id,
        portal.id = target.portal_id,
        user.id = target.id,
        "app authorized"
    );
    let mut params = vec![("code", code)];
    if let Some(s) = &install.state {
        params.push(("state", s.clone()));
    }
    Ok(redirect(&checked.redirect_uri, &params))
}

/// The session's user record; `None` when it has gone.
async fn user_of(state: &AppState, session: &HostUser) -> ApiResult<Option<User>> {
    Ok(state
        .store
        .get_user(session.grant.portal_id, session.grant.user_id)
        .await?)
}

fn not_signed_in() -> Response {
    page::error(
        StatusCode::UNAUTHORIZED,
        "Sign in to callhost first: open one of its pages (sign-in is automatic on loopback), \
         then open the install link again.",
    )
}

/// A 303 to the registered `redirect_uri` with `params` added to its query.
fn redirect(redirect_uri: &str, params: &[(&str, String)]) -> Response {
    let Ok(mut url) = url::Url::parse(redirect_uri) else {
        return page::error(
            StatusCode::BAD_REQUEST,
            "The app's redirect URL is not a URL.",
        );
    };
    {
        let mut query = url.query_pairs_mut();
        for (name, value) in params {
            query.append_pair(name, value);
        }
    }
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(location) = HeaderValue::from_str(url.as_str()) {
        response.headers_mut().insert(LOCATION, location);
    }
    response
        .headers_mut()
        .insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    response
}
