//! The commands that manage tenancy and apps beside a running `serve`: `callhost app create`,
//! `callhost portal create`, `callhost user create` and `callhost user sign-in`
//! (docs/oauth.md#creating-an-app, docs/oauth.md#users, docs/deploy.md#signing-in). Each prints one JSON object on stdout and nothing else; secrets are
//! never logged.

use anyhow::bail;
use callhost_protocol::engine::origin::origin_of;
use callhost_server::host::signin_link;
use callhost_server::{dev, oauth};
use clap::{Args, Subcommand};

use crate::{open_storage, uuid_like, StorageArgs};

#[derive(Debug, Args)]
pub(crate) struct AppCreateArgs {
    /// The app's name, shown on the consent page and in the host.
    #[arg(long)]
    pub(crate) name: String,
    /// A URL the app may be sent back to after the install (https, or http on loopback);
    /// repeatable.
    #[arg(long = "redirect-url", value_name = "URL", required = true)]
    pub(crate) redirect_urls: Vec<String>,
    /// The scopes the app requires, space-separated.
    #[arg(long)]
    pub(crate) scopes: String,
    /// Scopes the app may ask for besides, space-separated.
    #[arg(long, default_value = "")]
    pub(crate) optional_scopes: String,
    #[command(flatten)]
    pub(crate) storage: StorageArgs,
}

#[derive(Debug, Subcommand)]
pub(crate) enum PortalCommand {
    /// Create a portal; prints `{"portalId", "name"}`. Give it users with `callhost user create`.
    Create(PortalCreateArgs),
}

#[derive(Debug, Args)]
pub(crate) struct PortalCreateArgs {
    #[arg(long, default_value = "Portal")]
    pub(crate) name: String,
    #[command(flatten)]
    pub(crate) storage: StorageArgs,
}

#[derive(Debug, Subcommand)]
pub(crate) enum UserCommand {
    /// Create a user of a portal; prints `{"userId", "portalId", "ownerId", "email",
    /// "superAdmin"}`. A person with users in several portals (the same email) picks one
    /// when installing an app.
    Create(UserCreateArgs),
    /// Make a one-time link that signs the user in to the host's pages, where nobody is
    /// signed in automatically (behind a reverse proxy; docs/deploy.md#signing-in); prints
    /// `{"url", "path", "expiresAt"}`. The link works once, for ten minutes.
    SignIn(UserSignInArgs),
}

#[derive(Debug, Args)]
pub(crate) struct UserSignInArgs {
    /// The user's portal.
    #[arg(long)]
    pub(crate) portal: i64,
    /// The user.
    #[arg(long)]
    pub(crate) user: i64,
    /// The host's public origin, as users reach it (`https://crm.example.com`); the printed
    /// `url` is the link on it. Without it, only `path` is printed.
    #[arg(long, value_name = "ORIGIN")]
    pub(crate) url: Option<String>,
    #[command(flatten)]
    pub(crate) storage: StorageArgs,
}

#[derive(Debug, Args)]
pub(crate) struct UserCreateArgs {
    /// The portal the user belongs to.
    #[arg(long)]
    pub(crate) portal: i64,
    /// The user's email; a new one under callhost.localhost when not given.
    #[arg(long)]
    pub(crate) email: Option<String>,
    #[arg(long, default_value = "New")]
    pub(crate) first_name: String,
    #[arg(long, default_value = "User")]
    pub(crate) last_name: String,
    /// May install and uninstall apps.
    #[arg(long)]
    pub(crate) super_admin: bool,
    #[command(flatten)]
    pub(crate) storage: StorageArgs,
}

/// `callhost app create`: one JSON object on stdout, nothing else; the secret is never logged.
/// Works beside a running `serve` on the same data (SQLite's WAL, or PostgreSQL).
pub(crate) async fn app_create(args: AppCreateArgs) -> anyhow::Result<()> {
    let storage = open_storage(&args.storage, false).await?;
    let developer = dev::apps_developer_account(&storage.store).await?;
    let declared = oauth::apps::AppDeclaration {
        name: args.name,
        redirect_urls: args.redirect_urls,
        scopes: args.scopes,
        optional_scopes: args.optional_scopes,
    };
    let created = oauth::apps::create_app(&storage.store, developer, &declared).await?;
    tracing::info!(app.id = created.client.app_id, "app created");
    let mut printed = created.to_json();
    printed["developerAccountId"] = developer.into();
    println!("{printed}");
    Ok(())
}

/// `callhost portal create`: `{"portalId", "name"}` on stdout.
pub(crate) async fn portal_create(args: PortalCreateArgs) -> anyhow::Result<()> {
    let name = args.name.trim();
    if name.is_empty() {
        bail!("--name must not be empty");
    }
    let storage = open_storage(&args.storage, false).await?;
    let portal = storage.store.create_portal(name).await?;
    println!(
        "{}",
        serde_json::json!({"portalId": portal.id, "name": portal.name})
    );
    Ok(())
}

/// `callhost user create`: the user as JSON on stdout.
pub(crate) async fn user_create(args: UserCreateArgs) -> anyhow::Result<()> {
    let storage = open_storage(&args.storage, false).await?;
    if storage.store.get_portal(args.portal).await?.is_none() {
        bail!("there is no portal {}", args.portal);
    }
    let email = match args.email {
        Some(email) if email.contains('@') && !email.chars().any(char::is_whitespace) => email,
        Some(email) => bail!("--email {email:?} is not an email address"),
        None => format!("user-{}@callhost.localhost", &uuid_like()[..8]),
    };
    let user = storage
        .store
        .create_user_as(
            &callhost_store::NewUser {
                portal_id: args.portal,
                email: &email,
                first_name: &args.first_name,
                last_name: &args.last_name,
            },
            args.super_admin,
        )
        .await?;
    println!(
        "{}",
        serde_json::json!({
            "userId": user.id,
            "portalId": user.portal_id,
            "ownerId": user.owner_id,
            "email": user.email,
            "firstName": user.first_name,
            "lastName": user.last_name,
            "superAdmin": user.super_admin,
        })
    );
    Ok(())
}

/// `callhost user sign-in`: a one-time sign-in link as JSON on stdout; the code is in it and
/// nowhere else (the store keeps its digest).
pub(crate) async fn user_sign_in(args: UserSignInArgs) -> anyhow::Result<()> {
    let base = match args.url.as_deref() {
        Some(url) => match origin_of(url) {
            Some(origin) => Some(origin),
            None => bail!("--url {url:?} is not an http(s) origin such as https://crm.example.com"),
        },
        None => None,
    };
    let storage = open_storage(&args.storage, false).await?;
    let (code, expires_at) = signin_link::mint(storage.store.as_ref(), args.portal, args.user)
        .await
        .map_err(|err| anyhow::anyhow!("{err}"))?;
    let path = format!("/host/signin?code={code}");
    println!(
        "{}",
        serde_json::json!({
            "url": base.map(|base| format!("{base}{path}")),
            "path": path,
            "expiresAt": expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        })
    );
    Ok(())
}
