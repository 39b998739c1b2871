//! The install pages' HTML: the consent form and the error pages, rendered on the server so
//! that they work without scripts. Every piece of text an app or a user chose (the app's name,
//! scopes, portal names, emails) goes through [`escape`].
//!
//! Every page is sent with `Content-Security-Policy: default-src 'none'; style-src
//! 'unsafe-inline'; frame-ancestors 'none'`, `X-Frame-Options: DENY` (no clickjacking),
//! `Cache-Control: no-store` and `Referrer-Policy: same-origin`: the install URL (with its
//! `state`) is not sent to another origin, yet the form's POST still carries the page's
//! `Origin`, which the consent check needs (under `no-referrer` browsers send `Origin: null`).

use crate::html::escape;
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, X_FRAME_OPTIONS};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;\
padding:0 1rem;color:#1f2933}h1{font-size:1.4rem}.scope-name{font-family:monospace;font-size:.85em;color:#52606d;overflow-wrap:anywhere}\
button{font-size:1rem;padding:.5rem 1.2rem;margin-right:.5rem;cursor:pointer}\
.connect{background:#0b6e4f;color:#fff;border:0;border-radius:4px}\
.cancel{background:#fff;border:1px solid #52606d;border-radius:4px}\
.error{border-left:4px solid #b42318;padding:.5rem 1rem;background:#fef3f2}";

/// A whole page of `title` around `body` (already HTML), with the protective headers.
pub fn html(status: StatusCode, title: &str, body: &str) -> Response {
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} · callhost</title><style>{STYLE}</style></head><body>{body}</body></html>",
        escape(title)
    );
    let mut response = (status, page).into_response();
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    response
}

/// An error page: the install cannot go on, and nothing is sent back to the app.
pub fn error(status: StatusCode, message: &str) -> Response {
    let body = format!(
        "<h1>This app cannot be connected</h1>\
         <p class=\"error\" data-testid=\"oauth-error\">{}</p>",
        escape(message)
    );
    html(status, "Cannot connect app", &body)
}

/// What the consent page shows.
pub struct Consent<'a> {
    pub app_name: &'a str,
    pub email: &'a str,
    /// The install URL's parameters as hidden inputs (already HTML).
    pub hidden_fields: &'a str,
    pub csrf: &'a str,
    /// The portals the user may install in: `(id, name)`; a chooser when there are several.
    pub portals: &'a [(i64, &'a str)],
    /// The portal chosen by default (the session's).
    pub selected_portal: i64,
    /// Portals of the user where they are not a super admin, named to say why they are absent.
    pub skipped_portals: &'a [&'a str],
    pub required: &'a [String],
    pub optional: &'a [String],
}

/// The consent page's body: who is signed in, the portal, the scopes, Connect and Cancel.
pub fn consent(page: &Consent<'_>) -> String {
    let chooser = match page.portals {
        [(id, name)] => format!(
            "<p>Portal: <strong>{}</strong> ({id})</p>\
             <input type=\"hidden\" name=\"portal\" value=\"{id}\">",
            escape(name)
        ),
        portals => {
            let options: String = portals
                .iter()
                .map(|(id, name)| {
                    let selected = if *id == page.selected_portal {
                        " selected"
                    } else {
                        ""
                    };
                    format!(
                        "<option value=\"{id}\"{selected}>{} ({id})</option>",
                        escape(name)
                    )
                })
                .collect();
            format!(
                "<p><label>Portal: <select name=\"portal\" data-testid=\"oauth-portal\">{options}\
                 </select></label></p>"
            )
        }
    };
    let skipped = if page.skipped_portals.is_empty() {
        String::new()
    } else {
        format!(
            "<p>Not offered, as you are not a super admin there: {}.</p>",
            escape(&page.skipped_portals.join(", "))
        )
    };
    let list = |scopes: &[String]| -> String {
        scopes
            .iter()
            .map(|s| match crate::scopes::describe(s) {
                Some(words) => format!(
                    "<li>{} <code class=\"scope-name\">{}</code></li>",
                    escape(&words),
                    escape(s)
                ),
                None => format!("<li><code class=\"scope-name\">{}</code></li>", escape(s)),
            })
            .collect()
    };
    let optional = if page.optional.is_empty() {
        String::new()
    } else {
        format!(
            "<p>And, optionally:</p><ul class=\"scopes\" data-testid=\"oauth-optional-scopes\">{}</ul>",
            list(page.optional)
        )
    };
    format!(
        "<h1>Connect <span data-testid=\"oauth-app-name\">{name}</span></h1>\
         <p>Signed in as <strong data-testid=\"oauth-user\">{email}</strong>.</p>\
         <form method=\"post\" action=\"/oauth/authorize\">{hidden}\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">{chooser}{skipped}\
         <p>{name} asks to:</p><ul class=\"scopes\" data-testid=\"oauth-scopes\">{required}</ul>\
         {optional}\
         <p><button type=\"submit\" name=\"action\" value=\"connect\" class=\"connect\" \
         data-testid=\"oauth-connect\">Connect app</button>\
         <button type=\"submit\" name=\"action\" value=\"cancel\" class=\"cancel\" \
         data-testid=\"oauth-cancel\">Cancel</button></p></form>",
        name = escape(page.app_name),
        email = escape(page.email),
        hidden = page.hidden_fields,
        csrf = escape(page.csrf),
        required = list(page.required),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn escape_leaves_no_markup() {
        assert_eq!(
            super::escape("<a href='x'>\"&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt;"
        );
    }
}
