//! Several instances on one PostgreSQL database (issue 15): two servers, each with a store
//! of its own on the same schema, behave as one host. A session opened on one is resumed on
//! the other with the engine where it was, and the first lets it go; what a session does
//! (`callChanged`) reaches the same user's pages on the other instance, and no other user's.
//! PostgreSQL only: SQLite serves one process.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use callhost_protocol::engine::{IframeLocation, Session, SessionConfig};
use callhost_server::host::{handover, widget_socket};
use callhost_server::AppState;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use reqwest::Method;

use crate::helpers::live_page::{connect, Connection};
use crate::helpers::{spawn_app, spawn_app_from, Backend, Filling, TestApp};
use crate::host::{call_frames, config, seeded_contact};

/// A page connected to session `id` on `state`: frames in through `frames`, frames out
/// collected; the connection lasts until `frames` is dropped.
pub(crate) struct Page {
    frames: mpsc::UnboundedSender<String>,
    seen: Arc<Mutex<Vec<Value>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Page {
    pub(crate) fn connect(
        state: &AppState,
        id: &str,
        live: Arc<tokio::sync::Mutex<widget_socket::LiveSession>>,
    ) -> Page {
        let Connection { frames, seen, task } = connect(state, id, live);
        Page { frames, seen, task }
    }

    pub(crate) fn send_all(&self, frames: &[String]) {
        for frame in frames {
            self.frames.send(frame.clone()).unwrap();
        }
    }

    /// Waits (up to 10 s) until a frame the page got matches.
    pub(crate) async fn until(&self, what: &str, matches: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(found) = self
                .seen
                .lock()
                .unwrap()
                .iter()
                .find(|f| matches(f))
                .cloned()
            {
                return found;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no {what} in {:#?}",
                self.seen.lock().unwrap()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Ends the connection (the socket dropped) and waits for the loop to finish.
    pub(crate) async fn drop_socket(self) -> Vec<Value> {
        drop(self.frames);
        self.task.await.unwrap();
        let seen = self.seen.lock().unwrap().clone();
        seen
    }
}

/// Waits (up to 10 s) for `done`.
pub(crate) async fn eventually(what: &str, done: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

pub(crate) fn is_ui(frame: &Value, command: &str) -> bool {
    frame["kind"] == "ui" && frame["command"] == command
}

/// Two instances on one fresh PostgreSQL schema, or `None` without PostgreSQL.
pub(crate) async fn two_instances() -> Option<(TestApp, TestApp)> {
    let a = spawn_app(Backend::Postgres).await?;
    let b = a.spawn_peer().await?;
    assert_ne!(a.state.bus.instance(), b.state.bus.instance());
    Some((a, b))
}

/// A test of two instances `a` and `b` on one PostgreSQL database (skipped without one); both
/// are finished after `body`.
macro_rules! two_instances_test {
    ($name:ident, |$a:ident, $b:ident| $body:block) => {
        #[tokio::test]
        #[cfg_attr(
            not(callhost_test_postgres),
            ignore = "needs CALLHOST_TEST_DATABASE_URL (a PostgreSQL server) when built"
        )]
        async fn $name() {
            let Some(($a, $b)) = $crate::instances::two_instances().await else {
                return;
            };
            $body
            $b.finish().await;
            $a.finish().await;
        }
    };
}
pub(crate) use two_instances_test;

two_instances_test!(
    a_session_dropped_on_one_instance_resumes_on_the_other_with_its_live_call,
    |a, b| {
        let (portal, user) = (a.dev.portal_id, a.dev.user_id);
        let contact = seeded_contact(&a).await;
        let (id, live) = handover::open(&a.state, Session::new(config(&a)), portal, user).await;
        let page = Page::connect(&a.state, &id, live);
        // Up to OUTGOING_CALL_STARTED: the call is live and logged.
        page.send_all(&call_frames(contact, "ext-handover")[..5]);
        page.until("CREATE_ENGAGEMENT_SUCCEEDED", |f| {
            f["kind"] == "post" && f["message"]["type"] == "CREATE_ENGAGEMENT_SUCCEEDED"
        })
        .await;
        page.drop_socket().await;

        // Another user cannot take it; its user, on B, gets it with the engine where it was.
        assert!(handover::resume(&b.state, &id, portal, user + 1)
            .await
            .is_none());
        let resumed = handover::resume(&b.state, &id, portal, user)
            .await
            .expect("resumed on B");
        {
            let session = resumed.lock().await;
            let call = session.engine.latest_call().expect("the call");
            assert_eq!(call.external_call_id, "ext-handover");
            assert!(call.is_live() && call.engagement_id.is_some(), "{call:?}");
        }
        let row = b.store.get_widget_session(&id).await.unwrap().unwrap();
        assert_eq!(row.owner, b.state.bus.instance());
        // A lets it go (told over the bus) and can no longer write it.
        eventually("A lets the session go", || {
            a.state.sessions.get(&id).is_none()
        })
        .await;
        let mut stale = row.clone();
        stale.owner = a.state.bus.instance().to_owned();
        stale.version += 100;
        assert!(!a.store.save_widget_session(&stale).await.unwrap());

        // The page on B is told the live call again, and the call goes on there.
        let page = Page::connect(&b.state, &id, resumed);
        page.until("the restated call", |f| {
            is_ui(f, "callState") && f["externalCallId"] == "ext-handover" && f["live"] == true
        })
        .await;
        page.send_all(&call_frames(contact, "ext-handover")[5..6]);
        page.until("the ended call", |f| {
            is_ui(f, "callState") && f["state"] == "ENDED"
        })
        .await;
        page.drop_socket().await;
    }
);

two_instances_test!(
    call_changed_on_one_instance_reaches_the_users_pages_on_the_other_and_no_one_elses,
    |a, b| {
        let (portal, user) = (a.dev.portal_id, a.dev.user_id);
        let contact = seeded_contact(&a).await;
        let other = a
            .store
            .create_user(&callhost_store::NewUser {
                portal_id: portal,
                email: "colleague@example.com",
                first_name: "Col",
                last_name: "League",
            })
            .await
            .unwrap();
        // On B: a record page of the same user (its widget session, idle) and one of a colleague.
        let mine = SessionConfig {
            iframe_location: IframeLocation::Widget,
            ..config(&b)
        };
        let theirs = SessionConfig {
            user_id: other.id,
            owner_id: other.owner_id,
            ..config(&b)
        };
        let (mine_id, mine_live) = handover::open(&b.state, Session::new(mine), portal, user).await;
        let (theirs_id, theirs_live) =
            handover::open(&b.state, Session::new(theirs), portal, other.id).await;
        let my_page = Page::connect(&b.state, &mine_id, mine_live);
        let their_page = Page::connect(&b.state, &theirs_id, theirs_live);
        my_page
            .until("the session frame", |f| f["kind"] == "session")
            .await;
        their_page
            .until("the session frame", |f| f["kind"] == "session")
            .await;

        // On A: the user's calling window makes a call.
        let window = SessionConfig {
            iframe_location: IframeLocation::Window,
            ..config(&a)
        };
        let (id, live) = handover::open(&a.state, Session::new(window), portal, user).await;
        let page = Page::connect(&a.state, &id, live);
        page.send_all(&call_frames(contact, "ext-relayed")[..5]);
        let created = page
            .until("callChanged on A", |f| is_ui(f, "callChanged"))
            .await;

        let relayed = my_page
            .until("callChanged on B", |f| is_ui(f, "callChanged"))
            .await;
        assert_eq!(relayed["engagementId"], created["engagementId"]);
        assert_eq!(relayed["externalCallId"], json!("ext-relayed"));
        // An outbound callState is the window's own, not the widget's.
        page.send_all(&call_frames(contact, "ext-relayed")[5..6]);
        page.until("the ended call", |f| {
            is_ui(f, "callState") && f["state"] == "ENDED"
        })
        .await;
        my_page
            .until("the end's callChanged on B", |f| {
                is_ui(f, "callChanged") && f["engagementId"] == created["engagementId"]
            })
            .await;
        page.drop_socket().await;
        let mine_seen = my_page.drop_socket().await;
        assert!(
            !mine_seen.iter().any(|f| is_ui(f, "callState")),
            "{mine_seen:#?}"
        );
        let theirs_seen = their_page.drop_socket().await;
        assert!(
            !theirs_seen.iter().any(|f| f["kind"] == "ui"),
            "another user's page: {theirs_seen:#?}"
        );
    }
);

#[tokio::test]
#[cfg_attr(
    not(callhost_test_postgres),
    ignore = "needs CALLHOST_TEST_DATABASE_URL (a PostgreSQL server) when built"
)]
async fn the_automation_api_lists_and_acts_on_another_instances_session_and_a_reset_ends_it() {
    let Some(a) = spawn_app_from(Backend::Postgres, Filling::SeedWithSnapshot, true).await else {
        return;
    };
    let b = a.spawn_peer().await.unwrap();
    let (portal, user) = (a.dev.portal_id, a.dev.user_id);
    let (id, live) = handover::open(&b.state, Session::new(config(&b)), portal, user).await;
    let page = Page::connect(&b.state, &id, live);
    page.send_all(&call_frames(0, "unused")[..3]);
    page.until("the app logged in", |f| {
        is_ui(f, "appStatus") && f["loggedIn"] == true
    })
    .await;

    // A lists B's session (as B last wrote it, behind its replies), and acting on it there
    // takes it over: B's socket closes.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) = a
            .automation(&a.token, Method::GET, "/callhost/v1/sessions", None)
            .await;
        assert_eq!(status, 200, "{body}");
        let listed = body["results"].as_array().unwrap();
        let view = listed
            .iter()
            .find(|s| s["id"] == id.as_str())
            .expect("B's session on A");
        if view["state"]["loggedIn"] == true {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never written logged in: {view}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let action = json!({"action": "visibility", "isMinimized": true});
    let path = format!("/callhost/v1/sessions/{id}/actions");
    let (status, body) = a
        .automation(&a.token, Method::POST, &path, Some(&action))
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(a.state.sessions.get(&id).is_some());
    tokio::time::timeout(Duration::from_secs(10), page.task)
        .await
        .expect("B closed the socket")
        .unwrap();
    assert!(b.state.sessions.get(&id).is_none());

    // A page on B again; a reset on A ends it there too, and the store keeps no session.
    let resumed = handover::resume(&b.state, &id, portal, user)
        .await
        .expect("back on B");
    let page = Page::connect(&b.state, &id, resumed);
    page.until("the session frame", |f| f["kind"] == "session")
        .await;
    let (status, _) = a.dev_call(Method::POST, "/callhost/v1/reset", None).await;
    assert_eq!(status, 204);
    tokio::time::timeout(Duration::from_secs(10), page.task)
        .await
        .expect("the reset closed B's socket")
        .unwrap();
    assert!(b.state.sessions.get(&id).is_none());
    assert!(a.store.list_widget_sessions().await.unwrap().is_empty());
    b.finish().await;
    a.finish().await;
}

/// The status `app` answers a list of contacts with, for `token`.
async fn contacts_status(app: &TestApp, token: &str) -> reqwest::StatusCode {
    let request = app
        .request(Method::GET, "/crm/v3/objects/contacts")
        .bearer_auth(token);
    request.send().await.unwrap().status()
}

/// Waits (up to 10 s) until `app` refuses `token` with 401.
async fn refused_soon(app: &TestApp, token: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let status = contacts_status(app, token).await;
        if status == 401 {
            return;
        }
        assert_eq!(status, 200);
        assert!(
            tokio::time::Instant::now() < deadline,
            "still honoured after 10 s"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A grant one instance remembers goes with a revocation or a reset on the other: the bus
/// tells it (`Bus::access_epoch`).
#[tokio::test]
#[cfg_attr(
    not(callhost_test_postgres),
    ignore = "needs CALLHOST_TEST_DATABASE_URL (a PostgreSQL server) when built"
)]
async fn a_token_revoked_or_reset_on_one_instance_is_refused_on_the_other() {
    let Some(a) = spawn_app_from(Backend::Postgres, Filling::SeedWithSnapshot, true).await else {
        return;
    };
    let b = a.spawn_peer().await.unwrap();

    let created = crate::oauth_helpers::oauth_app(&a).await;
    let tokens = crate::oauth_helpers::install(&a, &created).await;
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(contacts_status(&b, access).await, 200);
    assert_eq!(contacts_status(&b, access).await, 200);
    assert!(a
        .store
        .uninstall_app(a.dev.portal_id, created.client.app_id)
        .await
        .unwrap());
    assert_eq!(
        contacts_status(&a, access).await,
        401,
        "at once where it was revoked"
    );
    refused_soon(&b, access).await;

    let token = a.token_with(&["crm.objects.contacts.read"], false).await;
    assert_eq!(contacts_status(&b, &token).await, 200);
    assert_eq!(contacts_status(&b, &token).await, 200);
    let (status, _) = a.dev_call(Method::POST, "/callhost/v1/reset", None).await;
    assert_eq!(status, 204);
    assert_eq!(
        contacts_status(&a, &token).await,
        401,
        "at once where it was reset"
    );
    refused_soon(&b, &token).await;
    b.finish().await;
    a.finish().await;
}
