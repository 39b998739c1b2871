//! The notification bus: small typed events between the `callhost serve` processes that share
//! one store (docs/design.md#bus).
//!
//! [`Bus::publish`] sends an [`Event`] to every subscriber of every process on the same
//! database, the publisher included; [`Bus::subscribe`] returns a receiver of
//! [`Delivery`]s, each naming the [`Bus::instance`] that sent it. On PostgreSQL the bus is the
//! database's own `LISTEN`/`NOTIFY` (one listening connection per process, taken from the
//! store's pool when the first subscriber comes); on SQLite, which serves one process only, it
//! is an in-process broadcast.
//!
//! Invariants:
//! - **Events carry ids and small facts, never records**: a NOTIFY payload is limited to
//!   8000 bytes, so [`Bus::publish`] refuses an event whose JSON exceeds [`MAX_PAYLOAD_BYTES`]
//!   rather than have PostgreSQL fail it later. Whoever needs the record reads the store.
//! - **Delivery is at most once, and may miss events**: NOTIFY is not queued for a listener
//!   that is not connected. When the listening connection drops, it is reopened and every
//!   subscriber receives [`Event::Resync`]: what it waits for may have been announced while
//!   it was deaf, so it re-reads the state it depends on from the store. A subscriber that
//!   falls behind by more than [`CAPACITY`] events gets `RecvError::Lagged` from its
//!   receiver, which means the same.
//! - **Channels never cross stores**: a store living in its own schema (tests,
//!   `--ephemeral`) notifies on a channel named after the schema.
//! - **An access token's grant is only remembered while the bus can say it still holds**
//!   ([`Bus::access_epoch`]): the count moves, in this process, on every change that may take
//!   a grant away (a revocation here or on another instance, a reset, events missed while
//!   the listening connection was down), and on PostgreSQL there is no count while nobody
//!   listens. A revocation reaches the other instances as a signal on the same channel, which
//!   subscribers never see and versions that do not know it skip.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::postgres::PgListener;
use sqlx::PgPool;
use tokio::sync::broadcast;

use crate::error::{Result, StoreError};

/// The largest event, as JSON, the bus carries (NOTIFY allows just under 8000 bytes).
pub const MAX_PAYLOAD_BYTES: usize = 7900;

/// How many undelivered events a subscriber may fall behind before it lags.
pub const CAPACITY: usize = 1024;

/// What crosses the bus. New variants are added here; a process that does not know one (an
/// older version during a rolling restart) skips it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Event {
    /// Instance `owner` took widget session `session_id` over (its page reconnected there, or
    /// the automation API acted on it there): any other process holding it lets it go and
    /// closes its socket.
    SessionTaken { session_id: String, owner: String },
    /// A UI command of one widget session, for the other sessions of the same user in the same
    /// portal on every instance (`callChanged`, an inbound `callState`); each receiving
    /// session's engine decides whether its page shows it.
    Relay {
        portal_id: i64,
        user_id: i64,
        app_id: i64,
        from_session: String,
        command: Value,
    },
    /// An instance wrote a batch of the inspector's record to the store: readers waiting on
    /// other instances (transcript long polls, event streams) look again.
    InspectorWritten,
    /// `POST /callhost/v1/reset` ran: every instance ends its widget sessions and clears its
    /// per-process records and its copy of the fault rules.
    Reset,
    /// The fault rules in the store changed (one was added or deleted, or fired its last
    /// time): every instance reads its copy of the live rules again.
    FaultsChanged,
    /// A REST call about calls, served by instance `from`, for the widget sessions other
    /// instances record: each files it under its own sessions that touched those calls.
    /// `call` is the server's record of it (path, status, ids; bounded to fit the payload),
    /// `arrived_ms` when it arrived, in milliseconds since the epoch.
    RestCall { call: Value, arrived_ms: i64 },
    /// Not sent by anyone: delivered locally when the listening connection was reopened, so
    /// events may have been missed; re-read what you depend on.
    Resync,
}

/// An event with the instance that published it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    pub from: String,
    pub event: Event,
}

/// The bus of one store; cheap to clone, every clone is the same bus.
#[derive(Clone)]
pub struct Bus(Arc<Inner>);

struct Inner {
    instance: String,
    local: broadcast::Sender<Delivery>,
    /// `None` on SQLite: the broadcast is the whole bus.
    postgres: Option<Postgres>,
    access: Arc<AccessWatch>,
}

/// What [`Bus::access_epoch`] answers from.
struct AccessWatch {
    /// Moves on every change that may have taken an access token's grant away.
    epoch: AtomicU64,
    /// Whether this process hears the other processes' changes now: always on SQLite (there
    /// are none), on PostgreSQL while the listening task listens.
    hearing: AtomicBool,
}

impl AccessWatch {
    fn changed(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
    }

    /// Deaf (`false`) or hearing again; either way what was heard before counts no more.
    fn hearing(&self, on: bool) {
        self.hearing.store(on, Ordering::SeqCst);
        self.changed();
    }
}

/// What the bus itself acts on, sent on the same channel as the events but never handed to
/// subscribers (an instance that does not know it skips it, as an unknown event).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Signal {
    from: String,
    signal: SignalKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
enum SignalKind {
    /// Access tokens were revoked ([`Bus::access_revoked`]).
    AccessRevoked,
}

struct Postgres {
    pool: PgPool,
    channel: String,
    /// Whether the listening task runs (started by the first subscriber).
    listening: tokio::sync::Mutex<bool>,
    /// Stops the listening task when the bus goes away.
    stop: Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
}

impl std::fmt::Debug for Bus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bus")
            .field("instance", &self.0.instance)
            .field("postgres", &self.0.postgres.is_some())
            .finish()
    }
}

impl Bus {
    /// The in-process bus of a single process (SQLite).
    pub(crate) fn local() -> Self {
        Self::with(None)
    }

    /// The bus on PostgreSQL's `LISTEN`/`NOTIFY`, on channel `callhost_bus[_<schema>]`.
    pub(crate) fn postgres(pool: PgPool, schema: Option<&str>) -> Self {
        let channel = match schema {
            Some(schema) => format!("callhost_bus_{schema}"),
            None => "callhost_bus".to_owned(),
        };
        Self::with(Some(Postgres {
            pool,
            channel,
            listening: tokio::sync::Mutex::new(false),
            stop: Mutex::new(None),
        }))
    }

    fn with(postgres: Option<Postgres>) -> Self {
        let instance = crate::secret::generate("i-")[..14].to_owned();
        let access = Arc::new(AccessWatch {
            epoch: AtomicU64::new(0),
            hearing: AtomicBool::new(postgres.is_none()),
        });
        Bus(Arc::new(Inner {
            instance,
            local: broadcast::channel(CAPACITY).0,
            postgres,
            access,
        }))
    }

    /// This process's id on the bus (random per process; `i-` and 12 characters).
    pub fn instance(&self) -> &str {
        &self.0.instance
    }

    /// Whether events reach other processes (PostgreSQL), or only this one (SQLite).
    pub fn shared(&self) -> bool {
        self.0.postgres.is_some()
    }

    /// Sends `event` to every subscriber on every instance, this one included. On PostgreSQL
    /// it is one `NOTIFY`, delivered once the statement commits.
    pub async fn publish(&self, event: Event) -> Result<()> {
        let delivery = Delivery {
            from: self.0.instance.clone(),
            event,
        };
        let Some(pg) = &self.0.postgres else {
            // No subscriber is not an error: nobody was listening.
            let _ = self.0.local.send(delivery);
            return Ok(());
        };
        notify(pg, &delivery).await
    }

    /// A count that stays the same for as long as no access token this process has seen can
    /// have lost its grant: it moves on every revocation here ([`Bus::access_revoked`]) or on
    /// another instance, every reset ([`Event::Reset`]) and every change made outside those
    /// ([`Bus::access_changed`]), and whenever events may have been missed. `None` while
    /// this process cannot hear the other instances (PostgreSQL, before anyone subscribes or
    /// while the listening connection is down): then nothing may be remembered.
    pub fn access_epoch(&self) -> Option<u64> {
        let watch = &self.0.access;
        // Read the count before whether it is heard: a change of either moves the count.
        let epoch = watch.epoch.load(Ordering::SeqCst);
        watch.hearing.load(Ordering::SeqCst).then_some(epoch)
    }

    /// Moves [`Bus::access_epoch`] in this process only: for a change to access tokens the
    /// other instances learn of otherwise (a reset, which sends [`Event::Reset`]) or that
    /// only this process sees.
    pub fn access_changed(&self) {
        self.0.access.changed();
    }

    /// Access tokens were revoked, or their grants written over (and that has committed):
    /// [`Bus::access_epoch`] moves here at once, and on every other instance as it hears of it.
    pub async fn access_revoked(&self) -> Result<()> {
        self.0.access.changed();
        let Some(pg) = &self.0.postgres else {
            return Ok(());
        };
        let signal = Signal {
            from: self.0.instance.clone(),
            signal: SignalKind::AccessRevoked,
        };
        notify(pg, &signal).await
    }

    /// [`Bus::access_revoked`] after a commit that revoked access tokens or wrote over their
    /// grants: the commit stands whatever the bus answers, so a failure to tell the other
    /// instances is logged, not returned.
    pub(crate) async fn tell_access_revoked(&self) {
        if let Err(err) = self.access_revoked().await {
            tracing::warn!(error = %err, "cannot tell the other instances of revoked access tokens");
        }
    }

    /// A receiver of every event published from now on. On PostgreSQL the first call opens
    /// the listening connection and returns once it listens, so an event published after this
    /// returns reaches the receiver.
    pub async fn subscribe(&self) -> Result<broadcast::Receiver<Delivery>> {
        let receiver = self.0.local.subscribe();
        if let Some(pg) = &self.0.postgres {
            let mut listening = pg.listening.lock().await;
            if !*listening {
                let listener = reopen(&pg.pool, &pg.channel).await?;
                let (stop, stopped) = tokio::sync::oneshot::channel();
                *pg.stop.lock().unwrap_or_else(|p| p.into_inner()) = Some(stop);
                let task = listen(
                    listener,
                    pg.pool.clone(),
                    pg.channel.clone(),
                    self.0.local.clone(),
                    Arc::clone(&self.0.access),
                    stopped,
                );
                self.0.access.hearing(true);
                tokio::spawn(task);
                *listening = true;
            }
        }
        Ok(receiver)
    }

    /// Stops listening (before the store's pool closes, which waits for the listening
    /// connection).
    pub(crate) fn close(&self) {
        if let Some(pg) = &self.0.postgres {
            if let Some(stop) = pg.stop.lock().unwrap_or_else(|p| p.into_inner()).take() {
                let _ = stop.send(());
            }
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(pg) = &self.postgres {
            if let Some(stop) = pg.stop.lock().unwrap_or_else(|p| p.into_inner()).take() {
                let _ = stop.send(());
            }
        }
    }
}

/// Sends `message` as one `NOTIFY` on the bus's channel.
async fn notify(pg: &Postgres, message: &impl Serialize) -> Result<()> {
    let payload = serde_json::to_string(message)
        .map_err(|err| StoreError::Invariant(format!("bus event: {err}")))?;
    if payload.len() > MAX_PAYLOAD_BYTES {
        return Err(StoreError::Invariant(format!(
            "a bus event of {} bytes is over the limit of {MAX_PAYLOAD_BYTES}",
            payload.len()
        )));
    }
    sqlx::query("select pg_notify($1, $2)")
        .bind(&pg.channel)
        .bind(payload)
        .execute(&pg.pool)
        .await?;
    Ok(())
}

/// The listening task: hands every notification to the local subscribers until stopped or the
/// pool closes. A dropped connection is reopened and announced as [`Event::Resync`] once the
/// new one listens. While it is down, the bus says it does not hear ([`Bus::access_epoch`]).
async fn listen(
    mut listener: PgListener,
    pool: PgPool,
    channel: String,
    local: broadcast::Sender<Delivery>,
    access: Arc<AccessWatch>,
    mut stopped: tokio::sync::oneshot::Receiver<()>,
) {
    // Whatever ends the task, the bus no longer hears.
    struct Deaf(Arc<AccessWatch>);
    impl Drop for Deaf {
        fn drop(&mut self) {
            self.0.hearing(false);
        }
    }
    let _deaf = Deaf(Arc::clone(&access));
    loop {
        let received = tokio::select! {
            _ = &mut stopped => return,
            received = listener.try_recv() => received,
        };
        match received {
            Ok(Some(notification)) => heard(notification.payload(), &local, &access),
            // The listener reopened its connection and listens again (sqlx's eager reconnect).
            Ok(None) => resync(&local, &access),
            Err(sqlx::Error::PoolClosed) => return,
            Err(err) => {
                tracing::warn!(error = %err, "the bus lost its listening connection; reopening it");
                access.hearing(false);
                loop {
                    tokio::select! {
                        _ = &mut stopped => return,
                        () = tokio::time::sleep(Duration::from_secs(1)) => {}
                    }
                    match reopen(&pool, &channel).await {
                        Ok(reopened) => break listener = reopened,
                        Err(sqlx::Error::PoolClosed) => return,
                        Err(err) => tracing::warn!(error = %err, "the bus cannot listen yet"),
                    }
                }
                access.hearing(true);
                resync(&local, &access);
            }
        }
    }
}

/// One notification: an event for the subscribers, or a signal for the bus itself. A reset
/// may have removed access tokens, so it moves the access count as a revocation does.
fn heard(payload: &str, local: &broadcast::Sender<Delivery>, access: &AccessWatch) {
    match serde_json::from_str::<Delivery>(payload) {
        Ok(delivery) => {
            if delivery.event == Event::Reset {
                access.changed();
            }
            let _ = local.send(delivery);
        }
        Err(err) => match serde_json::from_str::<Signal>(payload) {
            Ok(Signal {
                signal: SignalKind::AccessRevoked,
                ..
            }) => access.changed(),
            Err(_) => {
                tracing::debug!(error = %err, "skipped a bus event this version does not know")
            }
        },
    }
}

/// A new listening connection on `channel`.
async fn reopen(pool: &PgPool, channel: &str) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(channel).await?;
    Ok(listener)
}

/// Tells the local subscribers that events may have been missed, and forgets what the access
/// count stood for.
fn resync(local: &broadcast::Sender<Delivery>, access: &AccessWatch) {
    access.changed();
    tracing::warn!("the bus listens again; events published meanwhile were missed");
    let _ = local.send(Delivery {
        from: String::new(),
        event: Event::Resync,
    });
}
