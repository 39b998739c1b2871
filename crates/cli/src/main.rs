//! The `callhost` binary: parses the command line, opens the store, binds the listeners,
//! seeds development credentials, prints the ready line and serves until SIGINT or SIGTERM.
//!
//! Contract (docs/design.md#cli-contract): stdout carries exactly one line, `callhost ready {json}`, once the
//! server accepts connections; every log goes to stderr.

use std::io::IsTerminal;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use callhost_protocol::engine::origin::http_origin;
use callhost_server::rate_limits::RateLimits;
use callhost_server::served_host::AllowedHost;
use callhost_server::webhooks::WebhookClient;
use callhost_server::{dev, fixture, AppState};
use callhost_store::{PgStore, SqliteStore, Store, StoreOptions};
use clap::{Args, Parser, Subcommand};
use tokio::net::TcpListener;

mod check;
mod inspector_args;
mod manage;

use manage::{AppCreateArgs, PortalCommand, UserCommand};

/// mimalloc instead of the C library's allocator: a REST request allocates about a hundred
/// times, often on one runtime thread and frees on the other, which the C library's
/// allocator pays for with locks (bench/README.md, "REST throughput"). Its version 2: version
/// 3 was as fast here but kept far more memory (its arenas are committed eagerly).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(
    name = "callhost",
    version,
    about = "A self-hosted HubSpot calling-extensions host"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API, the host and the demo app.
    Serve(ServeArgs),
    /// Manage registered apps.
    #[command(subcommand)]
    App(AppCommand),
    /// Manage portals (HubSpot accounts).
    #[command(subcommand)]
    Portal(PortalCommand),
    /// Manage the users of portals.
    #[command(subcommand)]
    User(UserCommand),
    /// Check a calling app in headless Chromium: the conformance suite and scenarios
    /// (docs/testing-in-ci.md#callhost-check).
    Check(check::CheckArgs),
}

#[derive(Debug, Subcommand)]
enum AppCommand {
    /// Print the app's client secret, which signs the webhooks callhost sends to it (made on
    /// first use), or replace it with a new one.
    Secret(AppSecretArgs),
    /// Create an app with an OAuth client, as a developer does in HubSpot; prints its appId,
    /// clientId and clientSecret as one JSON object (docs/oauth.md#creating-an-app).
    Create(AppCreateArgs),
}

#[derive(Debug, Args)]
struct AppSecretArgs {
    /// The app, as registered through its settings endpoints.
    #[arg(long)]
    app_id: i64,
    /// Replace the secret with a new one; the old one stops signing at once.
    #[arg(long)]
    rotate: bool,
    #[command(flatten)]
    storage: StorageArgs,
}

/// Where the data lives; shared by every command that opens the store.
#[derive(Debug, Args)]
struct StorageArgs {
    /// Where the embedded SQLite store and the development credentials are kept.
    #[arg(long, env = "CALLHOST_DATA_DIR", default_value = "./callhost-data")]
    data_dir: PathBuf,
    /// A PostgreSQL URL (postgres://...) to keep the data in instead of SQLite.
    #[arg(long, env = "CALLHOST_DATABASE_URL")]
    database_url: Option<String>,
    /// The longest a database statement may run, in seconds, before it is stopped and its
    /// request answered 504.
    #[arg(
        long,
        env = "CALLHOST_STATEMENT_TIMEOUT",
        value_name = "SECONDS",
        default_value = "30",
        value_parser = parse_seconds
    )]
    statement_timeout: Duration,
}

/// A positive number of seconds (`30`, `0.5`).
fn parse_seconds(s: &str) -> Result<Duration, String> {
    match s.trim().parse::<f64>() {
        Ok(secs) if secs > 0.0 && secs <= 86_400.0 => Ok(Duration::from_secs_f64(secs)),
        _ => Err(format!(
            "expected a number of seconds above 0 and at most 86400, got {s:?}"
        )),
    }
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address of the API and the host (port 0 picks a free port).
    #[arg(long, env = "CALLHOST_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Address of the demo calling app, a second origin, or `off`.
    #[arg(long, env = "CALLHOST_DEMO_LISTEN", default_value = "127.0.0.1:8081")]
    demo_listen: DemoListen,
    #[command(flatten)]
    storage: StorageArgs,
    /// Keep everything in a temporary place that is removed on exit.
    #[arg(long, env = "CALLHOST_EPHEMERAL")]
    ephemeral: bool,
    /// Fill the store from this fixture (JSON, or YAML for .yaml/.yml: portal, users, records,
    /// apps, credentials)
    /// instead of the development seed, with the same ids and credentials on every run; the
    /// store must be empty or hold a fixture. See docs/fixtures.md.
    #[arg(long, env = "CALLHOST_FIXTURE", value_name = "FILE", conflicts_with_all = ["dev_api_key", "dev_access_token"])]
    fixture: Option<PathBuf>,
    /// Use this developer API key for the development account instead of a random one.
    #[arg(long, env = "CALLHOST_DEV_API_KEY")]
    dev_api_key: Option<String>,
    /// Use this access token for the development user instead of a random one.
    #[arg(long, env = "CALLHOST_DEV_ACCESS_TOKEN")]
    dev_access_token: Option<String>,
    /// Let webhooks (channel connection, recordings) reach loopback, private and link-local
    /// addresses even when callhost listens beyond loopback. Off by default: a webhook URL is
    /// chosen by an app developer and must not become a way into the network callhost sits in.
    #[arg(long, env = "CALLHOST_ALLOW_PRIVATE_WEBHOOKS")]
    allow_private_webhooks: bool,
    /// A host name a reverse proxy serves callhost under (NAME, any port, or NAME:PORT);
    /// repeatable. Besides these, only the listen address and localhost are answered, so a
    /// rebound DNS name cannot reach callhost. Nobody is signed in automatically under these
    /// names.
    #[arg(
        long = "allowed-host",
        value_name = "NAME",
        env = "CALLHOST_ALLOWED_HOSTS",
        value_delimiter = ',',
        value_parser = AllowedHost::parse
    )]
    allowed_hosts: Vec<AllowedHost>,
    /// The test-driving API under /callhost/v1/ (sessions, actions, faults, reset): `on` or
    /// `off`. By default on while callhost listens on loopback and off beyond it, where it
    /// would let anyone with a portal's token act as its users.
    #[arg(long, env = "CALLHOST_AUTOMATION", value_name = "on|off", value_parser = parse_switch)]
    automation: Option<bool>,
    /// How long OAuth access tokens last: seconds, or a number with s, m or h (HubSpot's 30m
    /// by default; shorten it to test refreshing).
    #[arg(long, env = "CALLHOST_TOKEN_TTL", value_name = "DURATION", value_parser = parse_ttl)]
    token_ttl: Option<std::time::Duration>,
    /// HubSpot's API rate limits on the REST routes, per app and portal: `off` (the default),
    /// `hubspot` (HubSpot's published numbers), or a list such as `burst=5/10s,daily=100`
    /// (docs/rate-limits.md#configuring).
    #[arg(long, env = "CALLHOST_RATE_LIMITS", value_name = "off|hubspot|LIMITS", value_parser = RateLimits::parse)]
    rate_limits: Option<RateLimits>,
    #[command(flatten)]
    inspector: inspector_args::InspectorArgs,
}

fn parse_ttl(s: &str) -> Result<std::time::Duration, String> {
    let (digits, unit) = match s.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => s.split_at(i),
        None => (s, "s"),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{s:?}: expected seconds, or a number with s, m or h"))?;
    let seconds = match unit {
        "s" => n,
        "m" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        _ => return Err(format!("{s:?}: the unit must be s, m or h")),
    };
    if seconds == 0 || seconds > 24 * 3600 {
        return Err(format!("{s:?}: a token lasts 1 second to 24 hours"));
    }
    Ok(std::time::Duration::from_secs(seconds))
}

fn parse_switch(s: &str) -> Result<bool, String> {
    match s {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err(format!("{s:?}: expected on or off")),
    }
}

#[derive(Debug, Clone, Copy)]
enum DemoListen {
    Off,
    At(SocketAddr),
}

impl std::str::FromStr for DemoListen {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if s == "off" {
            return Ok(DemoListen::Off);
        }
        s.parse()
            .map(DemoListen::At)
            .map_err(|e| format!("{e}: expected ADDRESS:PORT or off"))
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // `check` prints its own report on stdout; the host it runs only says when it is unwell.
    let default_filter = match cli.command {
        Command::Check(_) => "warn,chromiumoxide=off",
        _ => "info,sqlx=warn,tower_http=warn",
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CALLHOST_LOG")
                .unwrap_or_else(|_| default_filter.into()),
        )
        .init();
    match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::App(AppCommand::Secret(args)) => app_secret(args).await,
        Command::App(AppCommand::Create(args)) => manage::app_create(args).await,
        Command::Portal(PortalCommand::Create(args)) => manage::portal_create(args).await,
        Command::User(UserCommand::Create(args)) => manage::user_create(args).await,
        Command::User(UserCommand::SignIn(args)) => manage::user_sign_in(args).await,
        Command::Check(args) => std::process::exit(check::check(args).await),
    }
}

/// Where this run keeps its data, and what to remove when it ends.
struct Storage {
    store: Arc<dyn Store>,
    data_dir: PathBuf,
    _temp: Option<tempfile::TempDir>,
    ephemeral_pg: Option<PgStore>,
}

async fn open_storage(args: &StorageArgs, ephemeral: bool) -> anyhow::Result<Storage> {
    let temp = if ephemeral {
        Some(tempfile::Builder::new().prefix("callhost-").tempdir()?)
    } else {
        None
    };
    let data_dir = temp
        .as_ref()
        .map_or_else(|| args.data_dir.clone(), |t| t.path().to_owned());
    make_data_dir(&data_dir)?;

    let store_options = StoreOptions {
        statement_timeout: args.statement_timeout,
    };
    let (store, ephemeral_pg): (Arc<dyn Store>, _) = match &args.database_url {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            // An ephemeral run on PostgreSQL lives in a schema of its own, dropped on exit.
            let schema = ephemeral.then(|| format!("callhost_ephemeral_{}", uuid_like()));
            let pg = PgStore::connect_with(url, schema.as_deref(), &store_options)
                .await
                .with_context(|| {
                    format!("connecting to PostgreSQL at {}", without_password(url))
                })?;
            (Arc::new(pg.clone()), schema.map(|_| pg))
        }
        Some(url) => bail!(
            "--database-url must start with postgres:// (got {url:?}); SQLite lives in --data-dir"
        ),
        None => {
            let path = data_dir.join("callhost.db");
            let sqlite = SqliteStore::open_with(&path, &store_options)
                .await
                .with_context(|| format!("opening {}", path.display()))?;
            (Arc::new(sqlite), None)
        }
    };
    Ok(Storage {
        store,
        data_dir,
        _temp: temp,
        ephemeral_pg,
    })
}

/// Makes the data folder when it is missing, readable by its owner only (it holds the
/// development credentials). An existing folder is left as its owner set it up: callhost does
/// not change the permissions of a folder it did not make.
fn make_data_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .with_context(|| format!("creating the data folder {}", dir.display()))
}

/// Refuses a second `serve` on one SQLite data directory: SQLite is one process (the same-call
/// rule and the live sessions are kept in it; docs/design.md#several-instances-on-one-database). The lock is
/// the operating system's on `callhost.lock` in the folder, released when the process ends
/// however it ends. The management commands (`app`, `portal`, `user`) do not take it.
fn lock_sqlite_data_dir(dir: &Path) -> anyhow::Result<std::fs::File> {
    make_data_dir(dir)?;
    let path = dir.join("callhost.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => bail!(
            "another `callhost serve` is running on the data directory {}: SQLite keeps one \
             process per data directory; give this one another --data-dir, or run every \
             instance on one PostgreSQL database (--database-url)",
            dir.display()
        ),
        Err(std::fs::TryLockError::Error(err)) => {
            Err(err).with_context(|| format!("locking {}", path.display()))
        }
    }
}

/// A database URL fit for an error message: its password replaced by `***`.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

fn uuid_like() -> String {
    callhost_store::secret::generate("")[..16].to_owned()
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let _data_dir_lock = match (&args.storage.database_url, args.ephemeral) {
        (None, false) => Some(lock_sqlite_data_dir(&args.storage.data_dir)?),
        _ => None,
    };
    let storage = open_storage(&args.storage, args.ephemeral).await?;
    let api = TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("--listen {}: cannot listen there", args.listen))?;
    let demo = match args.demo_listen {
        DemoListen::Off => None,
        DemoListen::At(addr) => Some(TcpListener::bind(addr).await.with_context(|| {
            format!("--demo-listen {addr}: cannot listen there (or `--demo-listen off`)")
        })?),
    };
    let api_url = origin(api.local_addr()?);
    let demo_url = demo
        .as_ref()
        .map(|d| d.local_addr().map(origin))
        .transpose()?;
    for listener in std::iter::once(&api).chain(demo.as_ref()) {
        if !listener.local_addr()?.ip().is_loopback() {
            tracing::warn!(addr = %listener.local_addr()?, "listening beyond loopback: anyone who can reach this address can use the development credentials");
        }
    }

    let demo_app_url = demo_url.as_ref().map(|u| format!("{u}/"));
    // One starting instance at a time per database; the first (no other instance runs) seeds
    // or loads the store and takes the snapshot, a later one joins what it made
    // (docs/design.md#several-instances-on-one-database).
    let startup = storage
        .store
        .begin_startup()
        .await
        .context("waiting for the startup's turn")?;
    let first = startup.first;
    if !first {
        tracing::info!("another instance runs on this database: joining its data");
    }
    let (development, credentials, demo_app_id) = match &args.fixture {
        Some(path) => {
            let info = if first {
                fixture::load(&storage.store, path, demo_app_url.as_deref()).await?
            } else {
                fixture::join(&storage.store, path, demo_app_url.as_deref()).await?
            };
            let credentials = dev::Credentials {
                developer_api_key: info.developer_api_key,
                access_token: info.access_token,
            };
            (info.development, credentials, info.demo_app_id)
        }
        None => {
            let options = dev::SeedOptions {
                credentials_file: Some(storage.data_dir.join("dev-credentials.json")),
                api_key: args.dev_api_key.clone(),
                access_token: args.dev_access_token.clone(),
                demo_app_url,
                // A later instance leaves the demo app where an earlier one pointed it.
                joining: !first,
            };
            let (development, credentials) = dev::ensure(&storage.store, &options).await?;
            (development, credentials, Some(development.demo_app_id))
        }
    };
    let on_loopback = api.local_addr()?.ip().is_loopback();
    let automation = args.automation.unwrap_or(on_loopback);
    // What `POST /callhost/v1/reset` goes back to: the fixture or the seed as it is when the
    // first running instance started. A later instance keeps that snapshot.
    if automation && (first || !storage.store.has_snapshot().await?) {
        storage
            .store
            .take_snapshot()
            .await
            .context("taking the snapshot that reset restores")?;
    }
    let _running = startup.finish().await?;

    let ready = serde_json::json!({
        "apiUrl": api_url,
        "hostUrl": api_url,
        "demoAppUrl": demo_url,
        "portalId": development.portal_id,
        "userId": development.user_id,
        "ownerId": development.owner_id,
        "developerApiKey": credentials.developer_api_key,
        "accessToken": credentials.access_token,
        "demoAppId": demo_app_id,
        "backend": format!("{:?}", storage.store.backend()).to_lowercase(),
    });
    let mut state = AppState::new(storage.store.clone(), Some(development))
        .with_allowed_hosts(args.allowed_hosts.clone())
        .with_inspector_limits(args.inspector.limits());
    // While callhost listens on loopback it is someone's development instance, and the app
    // it is developing listens on loopback too (docs/design.md#webhooks-into-private-networks).
    state.webhooks = WebhookClient::new(args.allow_private_webhooks || on_loopback);
    state.automation = automation;
    if let Some(ttl) = args.token_ttl {
        state = state.with_token_ttl(ttl);
    }
    if let Some(limits) = args.rate_limits {
        state = state.with_rate_limits(limits);
    }
    let shutdown = shutdown_signal()?;
    println!("callhost ready {ready}");
    tracing::info!(api.url = %api_url, "callhost is ready");

    callhost_server::run(state, api, demo, shutdown).await?;
    if let Some(pg) = storage.ephemeral_pg {
        pg.drop_schema()
            .await
            .context("dropping the ephemeral schema")?;
    }
    tracing::info!("callhost stopped");
    Ok(())
}

/// `callhost app secret`: prints the app's client secret on stdout, alone on its line, so a
/// script can capture it. Nothing else reaches stdout, and the secret is never logged.
async fn app_secret(args: AppSecretArgs) -> anyhow::Result<()> {
    if args.storage.database_url.is_none() && !args.storage.data_dir.join("callhost.db").exists() {
        bail!(
            "no callhost data in {} (run `callhost serve` there first, or pass --data-dir or --database-url)",
            args.storage.data_dir.display()
        );
    }
    let storage = open_storage(&args.storage, false).await?;
    let secret = if args.rotate {
        storage.store.rotate_client_secret(args.app_id).await?
    } else {
        storage.store.client_secret(args.app_id).await?
    };
    let Some(secret) = secret else {
        bail!(
            "app {} is not registered (apps are registered by creating their calling settings)",
            args.app_id
        );
    };
    if args.rotate {
        tracing::info!(app.id = args.app_id, "client secret rotated");
    }
    println!("{secret}");
    Ok(())
}

/// The origin of a bound address (`http://host:port`); an unspecified address is reached on
/// loopback.
fn origin(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        ip if ip.is_unspecified() && ip.is_ipv4() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        ip if ip.is_unspecified() => IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    http_origin(&SocketAddr::new(ip, addr.port()).to_string())
}

/// Listens for SIGINT and SIGTERM from the moment it is called: the handlers must be in place
/// before the ready line is printed, or a supervisor that signals right after reading it would
/// kill the process instead of stopping it cleanly.
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut interrupt = signal(SignalKind::interrupt()).context("listening for SIGINT")?;
        let mut terminate = signal(SignalKind::terminate()).context("listening for SIGTERM")?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => tracing::info!("SIGINT: shutting down"),
                _ = terminate.recv() => tracing::info!("SIGTERM: shutting down"),
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("interrupted: shutting down");
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn a_missing_data_folder_is_made_owner_only_and_an_existing_one_is_left_alone() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let made = root.path().join("a/b");
        make_data_dir(&made).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&made), 0o700);

        let shared = root.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o755)).unwrap();
        make_data_dir(&shared).unwrap();
        assert_eq!(mode(&shared), 0o755);
    }

    #[test]
    fn a_data_folder_that_cannot_be_made_is_named_in_the_error() {
        let root = tempfile::tempdir().unwrap();
        let file = root.path().join("file");
        std::fs::write(&file, "").unwrap();
        let error = make_data_dir(&file.join("data")).unwrap_err();
        assert!(format!("{error:#}").contains(&file.join("data").display().to_string()));
    }

    #[test]
    fn a_second_serve_on_one_sqlite_data_folder_is_refused_until_the_first_ends() {
        let root = tempfile::tempdir().unwrap();
        let first = lock_sqlite_data_dir(root.path()).unwrap();
        let refused = lock_sqlite_data_dir(root.path()).unwrap_err();
        assert!(
            format!("{refused:#}").contains("another `callhost serve` is running"),
            "{refused:#}"
        );
        drop(first);
        lock_sqlite_data_dir(root.path()).unwrap();
    }

    #[test]
    fn database_urls_lose_their_password_in_messages() {
        assert_eq!(
            without_password("postgres://u:secret@db:5432/x"),
            "postgres://u:***@db:5432/x"
        );
        assert_eq!(without_password("postgres://u@db/x"), "postgres://u@db/x");
        assert_eq!(without_password("postgres://db/x"), "postgres://db/x");
    }

    #[test]
    fn cli_definition_is_valid() {
        Cli::command().debug_assert();
    }

    #[test]
    fn serve_defaults_follow_the_contract() {
        let cli = Cli::try_parse_from(["callhost", "serve"]).unwrap();
        let Command::Serve(args) = cli.command else {
            panic!("not serve")
        };
        assert_eq!(args.listen, "127.0.0.1:8080".parse().unwrap());
        assert!(matches!(args.demo_listen, DemoListen::At(a) if a.port() == 8081));
        assert_eq!(args.storage.data_dir, PathBuf::from("./callhost-data"));
        assert!(!args.ephemeral);
        assert!(!args.allow_private_webhooks);
        assert!(args.allowed_hosts.is_empty());
        assert_eq!(
            args.storage.statement_timeout,
            StoreOptions::DEFAULT_STATEMENT_TIMEOUT
        );
        let cli = Cli::try_parse_from(["callhost", "serve", "--statement-timeout", "0.5"]).unwrap();
        let Command::Serve(args) = cli.command else {
            panic!("not serve")
        };
        assert_eq!(args.storage.statement_timeout, Duration::from_millis(500));
        for bad in ["0", "-1", "soon"] {
            assert!(
                Cli::try_parse_from(["callhost", "serve", "--statement-timeout", bad]).is_err()
            );
        }
        assert_eq!(args.automation, None, "decided by the listen address");
    }

    #[test]
    fn automation_is_on_or_off() {
        let parse = |v: &str| match Cli::try_parse_from(["callhost", "serve", "--automation", v])
            .map(|cli| cli.command)
        {
            Ok(Command::Serve(args)) => Ok(args.automation),
            Ok(_) => panic!("not serve"),
            Err(e) => Err(e),
        };
        assert_eq!(parse("on").unwrap(), Some(true));
        assert_eq!(parse("off").unwrap(), Some(false));
        assert!(parse("yes").is_err());
    }

    #[test]
    fn allowed_hosts_repeat_and_split_on_commas() {
        let cli = Cli::try_parse_from([
            "callhost",
            "serve",
            "--allowed-host",
            "callhost.example.com",
            "--allowed-host",
            "a.example:8443,b.example",
        ])
        .unwrap();
        let Command::Serve(args) = cli.command else {
            panic!("not serve")
        };
        let expected: Vec<AllowedHost> = ["callhost.example.com", "a.example:8443", "b.example"]
            .iter()
            .map(|h| AllowedHost::parse(h).unwrap())
            .collect();
        assert_eq!(args.allowed_hosts, expected);
        assert!(
            Cli::try_parse_from(["callhost", "serve", "--allowed-host", "a.example/x"]).is_err()
        );
    }

    #[test]
    fn demo_can_be_turned_off() {
        let cli = Cli::try_parse_from([
            "callhost",
            "serve",
            "--demo-listen",
            "off",
            "--listen",
            "127.0.0.1:0",
        ])
        .unwrap();
        let Command::Serve(args) = cli.command else {
            panic!("not serve")
        };
        assert!(matches!(args.demo_listen, DemoListen::Off));
        assert_eq!(args.listen.port(), 0);
    }

    #[test]
    fn app_secret_takes_the_app_and_the_storage_flags() {
        let cli = Cli::try_parse_from([
            "callhost",
            "app",
            "secret",
            "--app-id",
            "424242",
            "--rotate",
            "--data-dir",
            "./other-data",
        ])
        .unwrap();
        let Command::App(AppCommand::Secret(args)) = cli.command else {
            panic!("not app secret")
        };
        assert_eq!(args.app_id, 424242);
        assert!(args.rotate);
        assert_eq!(args.storage.data_dir, PathBuf::from("./other-data"));
        assert!(Cli::try_parse_from(["callhost", "app", "secret"]).is_err());
    }

    #[test]
    fn app_create_takes_repeated_redirect_urls_and_scope_lists() {
        let cli = Cli::try_parse_from([
            "callhost",
            "app",
            "create",
            "--name",
            "Dialer",
            "--redirect-url",
            "https://example.com/a",
            "--redirect-url",
            "http://localhost:3000/b",
            "--scopes",
            "crm.objects.contacts.read crm.objects.contacts.write",
            "--optional-scopes",
            "crm.objects.deals.read",
            "--database-url",
            "postgres://x/y",
        ])
        .unwrap();
        let Command::App(AppCommand::Create(args)) = cli.command else {
            panic!("not app create")
        };
        assert_eq!(args.redirect_urls.len(), 2);
        assert_eq!(args.optional_scopes, "crm.objects.deals.read");
        assert_eq!(args.storage.database_url.as_deref(), Some("postgres://x/y"));
        // A redirect URL is required.
        assert!(
            Cli::try_parse_from(["callhost", "app", "create", "--name", "N", "--scopes", "a"])
                .is_err()
        );
    }

    #[test]
    fn user_create_needs_a_portal_and_takes_super_admin() {
        let cli = Cli::try_parse_from([
            "callhost",
            "user",
            "create",
            "--portal",
            "12345678",
            "--super-admin",
        ])
        .unwrap();
        let Command::User(UserCommand::Create(args)) = cli.command else {
            panic!("not user create")
        };
        assert_eq!(args.portal, 12345678);
        assert!(args.super_admin);
        assert!(Cli::try_parse_from(["callhost", "user", "create"]).is_err());
        assert!(Cli::try_parse_from(["callhost", "portal", "create"]).is_ok());
    }

    #[test]
    fn user_sign_in_needs_a_portal_and_a_user() {
        let cli = Cli::try_parse_from([
            "callhost",
            "user",
            "sign-in",
            "--portal",
            "7",
            "--user",
            "9",
            "--url",
            "https://crm.example.com",
        ])
        .unwrap();
        let Command::User(UserCommand::SignIn(args)) = cli.command else {
            panic!("not user sign-in")
        };
        assert_eq!((args.portal, args.user), (7, 9));
        assert_eq!(args.url.as_deref(), Some("https://crm.example.com"));
        assert!(Cli::try_parse_from(["callhost", "user", "sign-in", "--portal", "7"]).is_err());
    }

    #[test]
    fn token_ttl_takes_seconds_or_units() {
        use std::time::Duration;
        assert_eq!(parse_ttl("90").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_ttl("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_ttl("1h").unwrap(), Duration::from_secs(3600));
        for bad in ["0", "25h", "5d", "m", "-1"] {
            assert!(parse_ttl(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn origins_have_no_trailing_slash_and_never_an_unspecified_host() {
        assert_eq!(
            origin("127.0.0.1:8080".parse().unwrap()),
            "http://127.0.0.1:8080"
        );
        assert_eq!(origin("0.0.0.0:9".parse().unwrap()), "http://127.0.0.1:9");
    }
}
