//! callhost's server: the HubSpot-compatible REST API (and, as it grows, the host).
//!
//! [`run`] serves an API listener and, optionally, the demo-app listener (a second origin)
//! until `shutdown` resolves; `main` and the tests call the same function with their own
//! listeners, so tests exercise exactly what users run.
//!
//! Invariants:
//! - **Every error leaves in HubSpot's shape** ([`error::ApiError`]), with a JSON content type.
//! - **Handlers see only validated values** ([`fields`], [`domain`]); the store sees no JSON.
//! - **Nothing here contains SQL**: storage goes through [`callhost_store::Store`].

pub mod assets;
pub mod auth;
pub mod automation;
pub mod call_log;
pub mod calling;
pub mod crm;
pub mod demo_backend;
pub mod dev;
pub mod domain;
pub mod error;
pub mod extract;
pub mod fields;
pub mod fixture;
pub mod health;
pub mod helpdesk;
pub mod host;
pub mod html;
pub mod oauth;
pub mod openapi;
pub mod rate_limits;
pub mod routes;
pub mod scopes;
pub mod served_host;
pub mod time;
pub mod webhooks;

use std::future::Future;
use std::sync::Arc;

use axum::serve::ListenerExt;
use callhost_store::Store;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::Layer;

use crate::auth::Developer;
use crate::error::ApiResult;

/// What every handler can reach: its fields ([`StateFields`]) behind one `Arc`, so that the
/// copy each layer and handler takes per request costs one reference count, not one per field
/// (bench/README.md, "REST throughput").
///
/// Its fields read through it (`state.store`). Setting one (`state.automation = false`, only
/// while the server is being put together) changes this copy alone: the fields are copied
/// first if another copy shares them.
#[derive(Clone)]
pub struct AppState(Arc<StateFields>);

impl std::ops::Deref for AppState {
    type Target = StateFields;

    fn deref(&self) -> &StateFields {
        &self.0
    }
}

impl std::ops::DerefMut for AppState {
    fn deref_mut(&mut self) -> &mut StateFields {
        Arc::make_mut(&mut self.0)
    }
}

impl From<StateFields> for AppState {
    fn from(state: StateFields) -> Self {
        AppState(Arc::new(state))
    }
}

/// The fields of [`AppState`].
#[derive(Clone)]
pub struct StateFields {
    pub store: Arc<dyn Store>,
    /// The development seed, when this instance seeded one.
    pub development: Option<dev::Development>,
    /// The host's live widget sessions held by this process (the store has every process's:
    /// `host::handover`).
    pub sessions: Arc<host::widget_socket::Sessions>,
    /// The store's notification bus, and this process's id on it (`host::cluster`).
    pub bus: callhost_store::Bus,
    /// The protocol inspector's record of widget sessions, kept in the store.
    pub inspector: Arc<host::inspector::Inspector>,
    /// The grants of recently seen bearer tokens, while they hold ([`auth::Grants`]).
    pub grants: Arc<auth::Grants>,
    /// The development user's current host sign-in token, reused while valid
    /// (`host::signin`).
    pub host_token: Arc<host::signin::HostToken>,
    /// The client webhooks go out through, built from the server's [`webhooks::WebhookConfig`]
    /// ([`AppState::with_webhooks`]). Refuses private networks unless the binary allows them
    /// (it does while callhost listens on loopback, or when told to).
    pub webhooks: webhooks::WebhookClient,
    /// Host names a reverse proxy serves callhost under (`--allowed-host`), accepted on both
    /// listeners besides their own addresses and `localhost` ([`served_host`]).
    pub allowed_hosts: Arc<[served_host::AllowedHost]>,
    /// Whether the test-driving surfaces under `/callhost/v1/` (automation, reset) answer.
    /// On by default, as in tests; the binary turns it off when callhost listens beyond
    /// loopback unless `--automation on` says otherwise (docs/design.md#automation-gate).
    pub automation: bool,
    /// The automation API's fault rules, kept in the store with a copy here
    /// (`automation::fault_rules`), consulted at the engine's boundary and by the REST
    /// routes' fault layer.
    pub faults: Arc<automation::fault_rules::Faults>,
    /// The gate between requests and `POST /callhost/v1/reset`, and the signal that closes
    /// live widget sessions on a reset ([`fixture::reset`]).
    pub resets: Arc<fixture::Resets>,
    /// How long OAuth access tokens last (`--token-ttl`; HubSpot's 30 minutes by default).
    pub token_ttl: std::time::Duration,
    /// HubSpot's rate limits on the REST routes (`--rate-limits`); `None` when off, the
    /// default ([`rate_limits`], docs/rate-limits.md).
    pub rate_limits: Option<Arc<rate_limits::Limiter>>,
    /// Fires when the server shuts down: long-lived connections (the widget sockets) end on
    /// it. [`run`] sets it from its `shutdown` future; until then it never fires.
    pub shutdown: Shutdown,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, development: Option<dev::Development>) -> Self {
        AppState::from(StateFields {
            bus: store.bus(),
            faults: Arc::new(automation::fault_rules::Faults::new(store.clone())),
            inspector: Arc::new(host::inspector::Inspector::new(
                store.clone(),
                callhost_store::inspector::InspectorLimits::default(),
            )),
            store,
            development,
            sessions: Arc::default(),
            grants: Arc::default(),
            host_token: Arc::default(),
            webhooks: webhooks::WebhookClient::configured(webhooks::WebhookConfig::default()),
            allowed_hosts: Arc::new([]),
            automation: true,
            resets: Arc::default(),
            token_ttl: oauth::DEFAULT_TOKEN_TTL,
            rate_limits: None,
            shutdown: Shutdown::never(),
        })
    }

    /// The same state with its webhooks going out as `config` says (private addresses, timeout).
    pub fn with_webhooks(mut self, config: webhooks::WebhookConfig) -> Self {
        self.webhooks = webhooks::WebhookClient::configured(config);
        self
    }

    /// The same state, keeping the inspector's record within `limits` (`--inspector-*`).
    pub fn with_inspector_limits(
        mut self,
        limits: callhost_store::inspector::InspectorLimits,
    ) -> Self {
        self.inspector = Arc::new(host::inspector::Inspector::new(self.store.clone(), limits));
        self
    }

    /// The same state, also answering to these (proxied) host names.
    pub fn with_allowed_hosts(mut self, hosts: Vec<served_host::AllowedHost>) -> Self {
        self.allowed_hosts = hosts.into();
        self
    }

    /// The same state with the automation surfaces on or off.
    pub fn with_automation(mut self, on: bool) -> Self {
        self.automation = on;
        self
    }

    /// The same state with OAuth access tokens lasting `ttl`.
    pub fn with_token_ttl(mut self, ttl: std::time::Duration) -> Self {
        self.token_ttl = ttl;
        self
    }

    /// The same state with these rate limits (off when `limits` is off), counted in the
    /// store's database on PostgreSQL and in this process on SQLite.
    pub fn with_rate_limits(mut self, limits: rate_limits::RateLimits) -> Self {
        self.rate_limits = (!limits.is_off())
            .then(|| Arc::new(rate_limits::Limiter::new(limits, self.store.clone())));
        self
    }

    /// In development, an app of the seeded developer account is installed in the
    /// development portal as soon as it has calling settings (docs/design.md#development-portal),
    /// unless it has an OAuth client: those are installed by authorizing them.
    pub async fn install_for_development(
        &self,
        developer: Developer,
        app_id: i64,
    ) -> ApiResult<()> {
        if let Some(dev) = &self.development {
            // An OAuth app is installed by its first authorization, as in HubSpot
            // (docs/oauth.md#installs), not by its settings.
            let oauth = self.store.get_oauth_client(app_id).await?.is_some();
            if dev.developer_account_id == developer.account_id && !oauth {
                self.store.install_app(dev.portal_id, app_id).await?;
            }
        }
        Ok(())
    }
}

/// The server's shutdown, as every part that must stop on it sees it: cheap to clone, and
/// every clone fires.
#[derive(Clone, Debug)]
pub struct Shutdown(watch::Receiver<bool>);

impl Shutdown {
    /// A signal fired when `trigger` resolves (spawned on the current runtime).
    pub fn on(trigger: impl Future<Output = ()> + Send + 'static) -> Self {
        let (fire, fired) = watch::channel(false);
        tokio::spawn(async move {
            trigger.await;
            let _ = fire.send(true);
        });
        Shutdown(fired)
    }

    /// A signal that never fires (a state not served by [`run`], as in tests).
    pub fn never() -> Self {
        Shutdown(watch::channel(false).1)
    }

    /// Whether the server has begun shutting down.
    pub fn fired(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves once the server shuts down; never, for [`Shutdown::never`].
    pub async fn wait(&mut self) {
        // The value is checked before the channel's state: a signal fired just before its
        // sender went away still counts. A sender gone without firing never will.
        if self.0.wait_for(|stopped| *stopped).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Serves the API on `api` and the demo app on `demo` until `shutdown` resolves, then lets
/// requests in flight finish. Returns when both listeners have stopped. The same signal
/// reaches every live widget socket (through [`StateFields::shutdown`]), which closes, so an open
/// host page never holds the server up.
pub async fn run(
    mut state: AppState,
    api: TcpListener,
    demo: Option<TcpListener>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // One shutdown signal fans out to both servers and every widget socket.
    let stop = Shutdown::on(shutdown);
    state.shutdown = stop.clone();
    // Listening on the bus before serving: whatever this instance answers, it answers after
    // it hears the others.
    host::cluster::start(&state)
        .await
        .map_err(std::io::Error::other)?;
    let api_service = checking_host(routes::api_service(state.clone()), &api, &state)?;
    let api_server = serve(api, api_service, stop.clone());
    match demo {
        Some(demo) => {
            let demo_service = checking_host(routes::demo_service(state.clone()), &demo, &state)?;
            let demo_server = serve(demo, demo_service, stop);
            tokio::try_join!(api_server, demo_server).map(|_| ())
        }
        None => api_server.await,
    }
}

/// `service` behind the Host check of `listener`'s address: the outermost layer, so a
/// request for a name callhost is not served as reaches no route and no sign-in.
fn checking_host(
    service: impl routes::Served,
    listener: &TcpListener,
    state: &AppState,
) -> std::io::Result<impl routes::Served> {
    let hosts = served_host::ServedHosts::new(listener.local_addr()?, state.allowed_hosts.clone());
    Ok(axum::middleware::from_fn_with_state(hosts, served_host::check_host).layer(service))
}

async fn serve(
    listener: TcpListener,
    service: impl routes::Served,
    mut stop: Shutdown,
) -> std::io::Result<()> {
    // Connection info lets the host sign the development user in only on loopback.
    // No Nagle: the widget socket answers one app message with several small frames, and
    // waiting for the peer's delayed ACK between them would add ~40 ms to every reply.
    let listener = listener.tap_io(|tcp| {
        if let Err(err) = tcp.set_nodelay(true) {
            tracing::warn!(error = %err, "cannot set TCP_NODELAY");
        }
    });
    axum::serve(
        listener,
        axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<
            std::net::SocketAddr,
        >(service),
    )
    .with_graceful_shutdown(async move { stop.wait().await })
    .await
}
