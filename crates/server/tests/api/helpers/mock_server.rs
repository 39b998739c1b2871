//! [`MockServer`]: the one stand-in for an app's backend (channel-connection and recording
//! webhooks, a media server) in the API tests. It listens on 127.0.0.1, port 0, records every
//! request before answering it, and answers as the test's script says.
//!
//! The record is complete once the answer left: a test that got callhost's reply has every
//! request callhost made for it in [`MockServer::requests`].

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;

/// One request the mock server got.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: Method,
    /// The path and query, as sent.
    pub uri: String,
    pub headers: HeaderMap,
    /// The body as text (lossy for bytes that are not UTF-8).
    pub body: String,
}

impl Recorded {
    /// The request's path, without its query.
    pub fn path(&self) -> &str {
        self.uri.split('?').next().unwrap_or_default()
    }

    /// The value of header `name`, if it is present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// The test's script: the answer to a request, or `None` to hold it open without ever
/// answering (a webhook that times out).
type Script = dyn Fn(&Recorded) -> Option<Response> + Send + Sync;

#[derive(Clone)]
struct Shared {
    requests: Arc<Mutex<Vec<Recorded>>>,
    script: Arc<Script>,
}

/// A scripted HTTP server on loopback that records what it is sent.
pub struct MockServer {
    /// `http://127.0.0.1:{port}`, no trailing slash.
    pub url: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl MockServer {
    /// Starts a server answering every request (any method, any path) with `script`.
    pub async fn start<F, R>(script: F) -> Self
    where
        F: Fn(&Recorded) -> Option<R> + Send + Sync + 'static,
        R: IntoResponse,
    {
        let shared = Shared {
            requests: Arc::default(),
            script: Arc::new(move |request: &Recorded| {
                script(request).map(IntoResponse::into_response)
            }),
        };
        let requests = shared.requests.clone();
        let router = Router::new().fallback(answer).with_state(shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { url, requests }
    }

    /// `path` on this server (`path` starts with `/`).
    pub fn url_of(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// Every request so far, oldest first.
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    /// Every request so far, oldest first, forgotten: the next call sees only newer ones.
    pub fn take_requests(&self) -> Vec<Recorded> {
        std::mem::take(&mut *self.requests.lock().unwrap())
    }

    /// How many requests it got so far.
    pub fn hits(&self) -> usize {
        self.requests.lock().unwrap().len()
    }
}

async fn answer(
    State(shared): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request = Recorded {
        method,
        uri: uri.to_string(),
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    let reply = (shared.script)(&request);
    shared.requests.lock().unwrap().push(request);
    match reply {
        Some(response) => response,
        // Held until the client gives up and the connection closes (or the test ends).
        None => std::future::pending().await,
    }
}
