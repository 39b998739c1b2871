//! Creating OAuth apps, as a developer does in HubSpot: a name, the redirect URLs the app may
//! be sent back to, the scopes it requires and those it may ask for besides. Shared by
//! `callhost app create` and anything else that declares apps (fixtures), so every way in
//! checks the same things.

use std::sync::Arc;

use callhost_store::oauth::{NewOAuthApp, OAuthClient};
use callhost_store::Store;

use crate::domain::AppUrl;
use crate::scopes;

/// An app as a developer declares it, not yet checked.
#[derive(Debug, Clone, Default)]
pub struct AppDeclaration {
    pub name: String,
    pub redirect_urls: Vec<String>,
    /// Space-separated lists, as in the install URL and HubSpot's app settings.
    pub scopes: String,
    pub optional_scopes: String,
}

/// A created app and its client secret (shown once).
#[derive(Debug, Clone)]
pub struct CreatedApp {
    pub client: OAuthClient,
    pub client_secret: String,
}

impl CreatedApp {
    /// What `callhost app create` prints and the developer page answers: the app, its
    /// OAuth client and, this once, its client secret.
    pub fn to_json(&self) -> serde_json::Value {
        let client = &self.client;
        serde_json::json!({
            "appId": client.app_id,
            "name": client.name,
            "clientId": client.client_id,
            "clientSecret": self.client_secret,
            "redirectUrls": client.redirect_urls,
            "scopes": client.scopes,
            "optionalScopes": client.optional_scopes,
        })
    }
}

/// Why an app cannot be created as declared: a sentence for the developer.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] callhost_store::StoreError),
}

/// The redirect URLs, checked: https, or http on a loopback host; no credentials and no
/// fragment (OAuth forbids one in a redirect URI).
pub fn redirect_urls(raw: &[String]) -> Result<Vec<String>, AppError> {
    if raw.is_empty() {
        return Err(AppError::Invalid(
            "an app needs at least one redirect URL".into(),
        ));
    }
    raw.iter()
        .map(|url| {
            let checked = AppUrl::parse(url)
                .map_err(|why| AppError::Invalid(format!("redirect URL {url:?} {why}")))?;
            if url.contains('#') {
                return Err(AppError::Invalid(format!(
                    "redirect URL {url:?} must not have a fragment (#...)"
                )));
            }
            Ok(checked.into_string())
        })
        .collect()
}

/// Creates the app for `developer_account_id` after checking the declaration.
pub async fn create_app(
    store: &Arc<dyn Store>,
    developer_account_id: i64,
    declared: &AppDeclaration,
) -> Result<CreatedApp, AppError> {
    let name = declared.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::Invalid(
            "an app's name must have 1 to 200 characters".into(),
        ));
    }
    let redirect_urls = redirect_urls(&declared.redirect_urls)?;
    let required = scopes::parse_list(&declared.scopes).map_err(AppError::Invalid)?;
    if required.is_empty() {
        return Err(AppError::Invalid(
            "an app needs at least one required scope (--scopes)".into(),
        ));
    }
    let optional: Vec<String> = scopes::parse_list(&declared.optional_scopes)
        .map_err(AppError::Invalid)?
        .into_iter()
        .filter(|scope| !required.contains(scope))
        .collect();
    let (client, client_secret) = store
        .create_oauth_app(&NewOAuthApp {
            developer_account_id,
            name,
            redirect_urls: &redirect_urls,
            scopes: &required,
            optional_scopes: &optional,
        })
        .await?;
    Ok(CreatedApp {
        client,
        client_secret,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn redirect_urls_are_https_or_loopback_http() {
        assert!(redirect_urls(&urls(&["https://example.com/cb"])).is_ok());
        assert!(redirect_urls(&urls(&["http://127.0.0.1:4000/cb", "http://localhost/x"])).is_ok());
        for bad in [
            "http://example.com/cb",
            "https://u:p@example.com/cb",
            "https://example.com/cb#frag",
            "/relative",
            "javascript:alert(1)",
        ] {
            assert!(redirect_urls(&urls(&[bad])).is_err(), "{bad}");
        }
        assert!(redirect_urls(&[]).is_err());
    }
}
