//! The development seed: on the first start in a store, a developer account, a portal with
//! one user and a few contacts and companies with phone numbers, and the demo app installed
//! there, so the first run has something to call. When the demo origin is served, the demo
//! app's channel-connection and recording settings point at its backend there
//! ([`crate::demo_backend`]), so the help desk and recordings work on the first run too.
//!
//! The store keeps only hashes of the seeded API key and access token. The plaintext lives in
//! a credentials file in the data directory, readable only by its owner, so that every start
//! can print them in its ready line. Keys given on the command line (for reproducible tests)
//! are added to the same accounts; a store shared by instances with different data
//! directories gets fresh credentials for each, all valid.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context};
use callhost_protocol::engine::origin::origin_or_trimmed;
use callhost_store::crm::{AssociationKind, NewObject, ObjectRef};
use callhost_store::{now, secret, CallingSettingsFields, NewAccessToken, NewUser, Store};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::calling::settings::{DEFAULT_HEIGHT, DEFAULT_WIDTH};
use crate::crm::catalog::object_type;

/// The meta key under which the seed's ids are kept.
const META_KEY: &str = "development";

/// What the seeded access token may do: everything a calling app's backend does.
pub const DEV_SCOPES: &[&str] = &[
    "developers-read",
    "developers-write",
    "crm.objects.contacts.read",
    "crm.objects.contacts.write",
    "crm.objects.companies.read",
    "crm.objects.companies.write",
    "crm.objects.deals.read",
    "crm.objects.deals.write",
    "crm.objects.custom.read",
    "crm.objects.custom.write",
    "crm.schemas.custom.read",
    "crm.schemas.custom.write",
    "crm.objects.owners.read",
    "tickets",
];

/// The ids the seed created.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Development {
    pub developer_account_id: i64,
    pub portal_id: i64,
    pub user_id: i64,
    pub owner_id: i64,
    pub demo_app_id: i64,
}

/// The plaintext development credentials, as kept in the credentials file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Credentials {
    pub developer_api_key: String,
    pub access_token: String,
}

/// How to seed.
#[derive(Debug, Clone, Default)]
pub struct SeedOptions {
    /// Where the plaintext credentials are kept between starts.
    pub credentials_file: Option<PathBuf>,
    /// A fixed developer API key to use instead of a random one.
    pub api_key: Option<String>,
    /// A fixed access token to use instead of a random one.
    pub access_token: Option<String>,
    /// The demo app's URL, when the demo origin is served; its calling settings follow it.
    pub demo_app_url: Option<String>,
    /// Another instance runs on this store (docs/design.md#several-instances-on-one-database):
    /// the demo app stays where an instance already pointed it.
    pub joining: bool,
}

/// Seeds the store if needed and returns the development ids and credentials.
pub async fn ensure(
    store: &Arc<dyn Store>,
    options: &SeedOptions,
) -> anyhow::Result<(Development, Credentials)> {
    let development = match store.get_meta(META_KEY).await? {
        Some(json) => serde_json::from_str(&json).context("reading the development seed")?,
        None => {
            let seeded = create(store).await?;
            store
                .set_meta(META_KEY, &serde_json::to_string(&seeded)?)
                .await?;
            tracing::info!(
                portal.id = seeded.portal_id,
                "seeded the development portal"
            );
            seeded
        }
    };
    let saved = match &options.credentials_file {
        Some(path) => read_credentials(path)?,
        None => None,
    };
    let credentials = Credentials {
        developer_api_key: api_key(store, &development, options, saved.as_ref()).await?,
        access_token: access_token(store, &development, options, saved.as_ref()).await?,
    };
    if let Some(path) = &options.credentials_file {
        write_credentials(path, &credentials)?;
    }
    // A store loaded from a fixture without a demo app has none to point (id 0).
    if let Some(url) = options
        .demo_app_url
        .as_ref()
        .filter(|_| development.demo_app_id != 0)
    {
        let pointed = options.joining
            && store
                .get_calling_settings(development.demo_app_id)
                .await?
                .is_some();
        if !pointed {
            point_demo_app(store, &development, url).await?;
        }
    }
    Ok((development, credentials))
}

/// The ids the development seed created, if this store has one.
pub async fn seeded(store: &Arc<dyn Store>) -> anyhow::Result<Option<Development>> {
    match store.get_meta(META_KEY).await? {
        Some(json) => Ok(Some(
            serde_json::from_str(&json).context("reading the development seed")?,
        )),
        None => Ok(None),
    }
}

/// The developer account that owns apps made outside a developer's API calls (`callhost app
/// create`): the development seed's, so that the development API key manages them, or, in a
/// store without a seed, one account made for the purpose on first need.
pub async fn apps_developer_account(store: &Arc<dyn Store>) -> anyhow::Result<i64> {
    const APPS_KEY: &str = "apps-developer-account";
    if let Some(dev) = seeded(store).await? {
        return Ok(dev.developer_account_id);
    }
    if let Some(id) = store.get_meta(APPS_KEY).await? {
        return id.parse().context("reading the apps' developer account");
    }
    let account = store.create_developer_account("Apps").await?;
    store.set_meta(APPS_KEY, &account.id.to_string()).await?;
    Ok(account.id)
}

async fn create(store: &Arc<dyn Store>) -> anyhow::Result<Development> {
    let account = store.create_developer_account("Development").await?;
    let portal = store.create_portal("Development portal").await?;
    // The development user installs the portal's apps, so it is a super admin.
    let user = store
        .create_user_as(
            &NewUser {
                portal_id: portal.id,
                email: "developer@callhost.localhost",
                first_name: "Dev",
                last_name: "User",
            },
            true,
        )
        .await?;
    let demo_app_id = loop {
        let id = rand::thread_rng().gen_range(1_000_000..10_000_000);
        if store.get_app(id).await?.is_none() {
            break id;
        }
    };
    store.register_app(demo_app_id, account.id).await?;
    seed_records(store, portal.id).await?;
    Ok(Development {
        developer_account_id: account.id,
        portal_id: portal.id,
        user_id: user.id,
        owner_id: user.owner_id,
        demo_app_id,
    })
}

/// Sample contacts and a company, with phone numbers written as people write them.
async fn seed_records(store: &Arc<dyn Store>, portal_id: i64) -> anyhow::Result<()> {
    let record = |pairs: &[(&str, &str)]| NewObject {
        properties: pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        associations: Vec::new(),
    };
    let company = store
        .create_objects(
            portal_id,
            object_type::COMPANY,
            &[record(&[
                ("name", "Acme Corporation"),
                ("domain", "acme.example.com"),
                ("phone", "+1 (617) 555-0100"),
            ])],
            "INTEGRATION",
            now(),
        )
        .await?
        .remove(0);
    let at_acme = (
        ObjectRef::new(object_type::COMPANY, company.id),
        AssociationKind {
            category: "HUBSPOT_DEFINED".into(),
            type_id: 279,
        },
        AssociationKind {
            category: "HUBSPOT_DEFINED".into(),
            type_id: 280,
        },
    );
    let mut ada = record(&[
        ("firstname", "Ada"),
        ("lastname", "Lovelace"),
        ("email", "ada@acme.example.com"),
        ("phone", "617.555.0123"),
        ("company", "Acme Corporation"),
    ]);
    ada.associations.push(at_acme);
    let grace = record(&[
        ("firstname", "Grace"),
        ("lastname", "Hopper"),
        ("email", "grace@example.com"),
        ("phone", "+44 20 7323 8299"),
    ]);
    store
        .create_objects(
            portal_id,
            object_type::CONTACT,
            &[ada, grace],
            "INTEGRATION",
            now(),
        )
        .await?;
    Ok(())
}

/// The fixed key, else the saved one if it still opens the seeded account, else a new one.
async fn api_key(
    store: &Arc<dyn Store>,
    dev: &Development,
    options: &SeedOptions,
    saved: Option<&Credentials>,
) -> anyhow::Result<String> {
    let key = match (&options.api_key, saved) {
        (Some(fixed), _) => fixed.clone(),
        (None, Some(saved)) => saved.developer_api_key.clone(),
        (None, None) => secret::generate("chk-"),
    };
    let hash = secret::hash(&key);
    match store.find_developer_by_api_key(&hash).await? {
        Some(id) if id == dev.developer_account_id => Ok(key),
        Some(_) if options.api_key.is_some() => {
            bail!("the given developer API key already belongs to another developer account")
        }
        Some(_) => {
            // A saved key that opens another account (the store was swapped): mint a new one.
            let fresh = secret::generate("chk-");
            store
                .add_developer_api_key(dev.developer_account_id, &secret::hash(&fresh))
                .await?;
            Ok(fresh)
        }
        None => {
            store
                .add_developer_api_key(dev.developer_account_id, &hash)
                .await?;
            Ok(key)
        }
    }
}

/// The fixed token, else the saved one, else a new one; stored for the seeded user.
async fn access_token(
    store: &Arc<dyn Store>,
    dev: &Development,
    options: &SeedOptions,
    saved: Option<&Credentials>,
) -> anyhow::Result<String> {
    let token = match (&options.access_token, saved) {
        (Some(fixed), _) => fixed.clone(),
        (None, Some(saved)) => saved.access_token.clone(),
        (None, None) => secret::generate("chp-"),
    };
    let scopes: Vec<String> = DEV_SCOPES.iter().map(|s| (*s).to_owned()).collect();
    store
        .add_access_token(&NewAccessToken {
            token_hash: &secret::hash(&token),
            portal_id: dev.portal_id,
            user_id: dev.user_id,
            developer_account_id: Some(dev.developer_account_id),
            scopes: &scopes,
            expires_at: None,
        })
        .await?;
    Ok(token)
}

/// Gives the demo app calling settings at `url` (keeping any other changes a developer made),
/// installs it in the development portal, points its channel-connection and recording
/// settings at its backend on the same origin
/// ([`crate::demo_backend`]).
async fn point_demo_app(
    store: &Arc<dyn Store>,
    dev: &Development,
    url: &str,
) -> anyhow::Result<()> {
    let current = store.get_calling_settings(dev.demo_app_id).await?;
    let previous_origin = current.as_ref().map(|s| origin_or_trimmed(&s.fields.url));
    if current.as_ref().is_none_or(|s| s.fields.url != url) {
        let mut fields = current
            .map(|s| s.fields)
            .unwrap_or_else(|| CallingSettingsFields {
                name: "callhost demo app".into(),
                url: String::new(),
                width: DEFAULT_WIDTH,
                height: DEFAULT_HEIGHT,
                is_ready: true,
                supports_custom_objects: true,
                // Off although the demo app can report incoming calls: the calling remote runs
                // the first app that supports inbound calling on every host page, and it must
                // stay the developer's own. `LocalSettings:Calling:supportsInboundCalling` (or
                // a PATCH of the settings) puts the demo app there to ring a help-desk line.
                supports_inbound_calling: false,
                uses_calling_window: false,
                uses_remote: true,
            });
        fields.url = url.to_owned();
        store
            .put_calling_settings(dev.demo_app_id, &fields, now())
            .await?;
    }
    store.install_app(dev.portal_id, dev.demo_app_id).await?;
    let origin = origin_or_trimmed(url);
    point_demo_backend(store, dev, previous_origin.as_deref(), &origin).await?;
    Ok(())
}

/// Channel-connection settings at `{origin}/api/phone-numbers` (ready) and recording settings
/// at `{origin}/api/recordings/%s`, made when missing and moved when they still point at the
/// demo's previous origin; a URL a developer set elsewhere, and `isReady`, are kept.
async fn point_demo_backend(
    store: &Arc<dyn Store>,
    dev: &Development,
    previous_origin: Option<&str>,
    origin: &str,
) -> anyhow::Result<()> {
    let app = dev.demo_app_id;
    let ours = |url: &str, path: &str| {
        url == format!("{origin}{path}")
            || previous_origin.is_some_and(|p| url == format!("{p}{path}"))
    };
    let numbers_url = format!("{origin}{DEMO_NUMBERS_PATH}");
    match store.get_channel_connection_settings(app).await? {
        None => {
            store
                .put_channel_connection_settings(app, &numbers_url, true, now())
                .await?;
        }
        Some(s) if s.url != numbers_url && ours(&s.url, DEMO_NUMBERS_PATH) => {
            store
                .patch_channel_connection_settings(app, Some(&numbers_url), None, now())
                .await?;
        }
        Some(_) => {}
    }
    let recordings_url = format!("{origin}{DEMO_RECORDINGS_PATH}");
    match store.get_recording_settings(app).await? {
        None => {
            store
                .put_recording_settings(app, &recordings_url, now())
                .await?;
        }
        Some(s)
            if s.url_to_retrieve_authed_recording != recordings_url
                && ours(&s.url_to_retrieve_authed_recording, DEMO_RECORDINGS_PATH) =>
        {
            store
                .patch_recording_settings(app, Some(&recordings_url), now())
                .await?;
        }
        Some(_) => {}
    }
    Ok(())
}

/// Where the demo backend's webhooks are, below the demo origin.
const DEMO_NUMBERS_PATH: &str = "/api/phone-numbers";
const DEMO_RECORDINGS_PATH: &str = "/api/recordings/%s";

fn read_credentials(path: &Path) -> anyhow::Result<Option<Credentials>> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text).map(Some).with_context(|| {
            format!(
                "{} is not a valid credentials file; remove it to get new credentials",
                path.display()
            )
        }),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err).with_context(|| format!("reading {}", path.display())),
    }
}

/// Writes the file readable by its owner only, replacing it atomically.
fn write_credentials(path: &Path, credentials: &Credentials) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&tmp)
        .with_context(|| format!("writing {}", tmp.display()))?;
    #[cfg(unix)]
    std::fs::set_permissions(&tmp, std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .with_context(|| format!("making {} owner-only", tmp.display()))?;
    file.write_all(serde_json::to_string_pretty(credentials)?.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
