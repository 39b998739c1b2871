//! The REST calls an app's backend makes about calls, for the protocol inspector.
//!
//! [`trace`] is a layer on the REST routers. For a request about calls (calls objects under
//! `/crm/v3|v4/objects/{calls|0-48}`, batch reads and updates, v4 associations from or to
//! calls, `inbound-call`, `recordings/ready`) it notes the method, the path, the status and the
//! duration, reads the engagement ids and externalCallIds from the path and the (bounded)
//! bodies, and hands the record to the inspector, which attaches it to the widget sessions of
//! the request's portal whose calls it touched ([`super::inspector::Inspector::record_rest`]).
//! While another instance records widget sessions (PostgreSQL, several instances), the record
//! also goes on the bus (`Event::RestCall`), and each instance attaches it to its own sessions
//! that touched those calls (`host::cluster`): the session's record gets the call whichever
//! instance the app's backend reached.
//! The host's own pages (`Sec-Fetch-Site: same-origin`) are not an app's backend and are left
//! out.
//!
//! Invariants:
//! - **No credentials are recorded**: only the path, never the query string (where `hapikey`
//!   travels) or a header; the bearer token is kept only as its SHA-256, to find the portal.
//! - **The request path does no extra store read**: the layer buffers bodies it could read
//!   anyway (at most [`BODY_LIMIT`], as the handlers do) and does the rest (parsing, finding
//!   the token's portal through the grants the API remembers, `crate::auth::lookup`) in a
//!   task of its own after the response is built.
//!   Until a widget session has seen a call (here, or another instance records sessions),
//!   the layer only looks at the path. Sending on the bus happens in that task too.

use std::time::Instant;

use axum::body::{Body, HttpBody};
use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_LENGTH};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use callhost_store::secret;
use serde_json::Value;

use crate::crm::catalog::object_type;
use crate::error::ApiError;
use crate::extract::BODY_LIMIT;
use crate::host::inspector::RestCall;
use crate::AppState;

/// At most this many ids are taken from one request (a batch of 100 is the API's limit).
const MAX_IDS: usize = 100;
/// How deep the body scan looks for `engagementId` / `externalCallId`.
const MAX_DEPTH: usize = 6;

/// The middleware: see the module docs.
pub async fn trace(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let arrived = Instant::now();
    let path = request.uri().path().to_owned();
    let Some(about) = CallPath::of(&path) else {
        return next.run(request).await;
    };
    // Another instance may run the session whose call this is (its record is not here).
    let elsewhere = state.bus.shared() && state.inspector.records_elsewhere();
    if !(state.inspector.has_calls() || elsewhere) || from_host_page(request.headers()) {
        return next.run(request).await;
    }
    let arrived_ms = chrono::Utc::now().timestamp_millis();
    let method = request.method().as_str().to_owned();
    let token_hash = bearer(request.headers()).map(secret::hash);
    let (parts, body) = request.into_parts();
    let (request, request_body) = if fits(content_length(&parts.headers)) {
        match crate::extract::read_body(body, BODY_LIMIT).await {
            Ok(bytes) => (
                Request::from_parts(parts, Body::from(bytes.clone())),
                Some(bytes),
            ),
            Err(err) => return err.into_response(),
        }
    } else {
        (Request::from_parts(parts, body), None)
    };
    let response = next.run(request).await;
    let injected = response
        .extensions()
        .get::<crate::automation::rest_faults::InjectedFault>()
        .map(|fault| fault.0.clone());
    let duration_ms = arrived.elapsed().as_secs_f64() * 1000.0;
    let status = response.status().as_u16();
    let (parts, body) = response.into_parts();
    let (response, response_body) = if fits(body.size_hint().exact()) {
        match axum::body::to_bytes(body, BODY_LIMIT).await {
            Ok(bytes) => (
                Response::from_parts(parts, Body::from(bytes.clone())),
                Some(bytes),
            ),
            Err(_) => return ApiError::internal().into_response(),
        }
    } else {
        (Response::from_parts(parts, body), None)
    };
    let Some(token_hash) = token_hash else {
        return response;
    };
    tokio::spawn(async move {
        let (engagement_ids, external_call_ids) =
            about.ids(request_body.as_deref(), response_body.as_deref());
        let here = state
            .inspector
            .knows_any(&engagement_ids, &external_call_ids);
        let linkable = !(engagement_ids.is_empty() && external_call_ids.is_empty());
        if !(here || (elsewhere && linkable)) {
            return;
        }
        let Some(portal_id) = portal_of(&state, token_hash).await else {
            return;
        };
        let rest = RestCall {
            method,
            path,
            status,
            duration_ms,
            portal_id,
            engagement_ids,
            external_call_ids,
            injected,
        };
        if here {
            state.inspector.record_rest(&rest, arrived);
        }
        if elsewhere {
            send_on(&state, &rest, arrived_ms).await;
        }
    });
    response
}

/// Sends a REST call on the bus for the sessions other instances record
/// (`Inspector::record_remote_rest` files it there).
async fn send_on(state: &AppState, rest: &RestCall, arrived_ms: i64) {
    let Some(call) = crate::host::inspector::rest_for_bus(rest) else {
        return;
    };
    let event = callhost_store::Event::RestCall { call, arrived_ms };
    if let Err(err) = state.bus.publish(event).await {
        tracing::debug!(error = %err, "cannot send a REST call to the other instances");
    }
}

/// The portal a token (by its hash) acts for while it is valid.
async fn portal_of(state: &AppState, token_hash: String) -> Option<i64> {
    match crate::auth::lookup(state, token_hash).await {
        Ok(crate::auth::Lookup::Valid(grant)) => Some(grant.portal_id),
        _ => None,
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// The host's own pages (the timeline reading a record's calls) are not an app's backend:
/// browsers mark their same-origin requests, HTTP clients of a backend send no such header.
fn from_host_page(headers: &HeaderMap) -> bool {
    headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"same-origin")
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers.get(CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
}

/// Bodies of a known size within the handlers' own limit are read; others pass untouched.
fn fits(size: Option<u64>) -> bool {
    size.is_some_and(|n| n > 0 && n <= BODY_LIMIT as u64)
}

fn is_calls(segment: &str) -> bool {
    matches!(segment, "calls" | "call" | object_type::CALL)
}

/// What a request path says about calls.
#[derive(Debug, Clone, PartialEq, Default)]
struct CallPath {
    /// The path's first object type is calls: `id`s in `inputs` and `results` are calls.
    from_calls: bool,
    /// An association path whose other side is calls: `to` ids are calls.
    to_calls: bool,
    /// Call ids in the path itself.
    path_ids: Vec<i64>,
}

impl CallPath {
    /// `None` for paths that are not about calls (the layer then stays out of the way).
    fn of(path: &str) -> Option<CallPath> {
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let path_ids = segments
            .windows(2)
            .filter(|w| is_calls(w[0]))
            .filter_map(|w| w[1].parse::<i64>().ok())
            .collect();
        let mut about = CallPath {
            path_ids,
            ..CallPath::default()
        };
        match segments.as_slice() {
            ["crm", "v3", "extensions", "calling", "inbound-call"]
            | ["crm", "v3", "extensions", "calling", "recordings", "ready"] => {}
            ["crm", "v3" | "v4", "objects", from, rest @ ..] => {
                about.from_calls = is_calls(from);
                // v4: /objects/{from}/{id}/associations/{to}[/{toId}]
                about.to_calls = matches!(rest, [_, "associations", to, ..] if is_calls(to));
            }
            ["crm", "v3" | "v4", "associations", from, to, ..] => {
                about.from_calls = is_calls(from);
                about.to_calls = is_calls(to);
            }
            _ => return None,
        }
        let extension = segments.get(2) == Some(&"extensions");
        (extension || about.from_calls || about.to_calls).then_some(about)
    }

    /// The engagement ids and externalCallIds a request touched, from its path and bodies.
    fn ids(&self, request: Option<&[u8]>, response: Option<&[u8]>) -> (Vec<i64>, Vec<String>) {
        let mut found = Ids {
            engagements: self.path_ids.clone(),
            ..Ids::default()
        };
        for body in [request, response].into_iter().flatten() {
            if let Ok(json) = serde_json::from_slice::<Value>(body) {
                found.scan(&json, 0);
                self.object_ids(&json, &mut found);
            }
        }
        found.engagements.sort_unstable();
        found.engagements.dedup();
        found.engagements.truncate(MAX_IDS);
        found.external.sort_unstable();
        found.external.dedup();
        found.external.truncate(MAX_IDS);
        (found.engagements, found.external)
    }

    /// Object ids that are call ids because of where they sit in a calls request or answer.
    fn object_ids(&self, json: &Value, found: &mut Ids) {
        let items = ["inputs", "results"]
            .iter()
            .filter_map(|key| json.get(key)?.as_array())
            .flatten()
            .take(MAX_IDS);
        if self.from_calls {
            found.id(json.get("id"));
            for item in items.clone() {
                found.id(item.get("id"));
                found.id(item.pointer("/from/id"));
            }
        }
        if self.to_calls {
            for item in items {
                found.id(item.get("toObjectId"));
                found.id(item.pointer("/to/id"));
                for to in item
                    .get("to")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    found.id(to.get("toObjectId").or_else(|| to.get("id")));
                }
            }
        }
    }
}

#[derive(Default)]
struct Ids {
    engagements: Vec<i64>,
    external: Vec<String>,
}

impl Ids {
    /// An id written as a number or a string of digits (the CRM prints ids as strings).
    fn id(&mut self, value: Option<&Value>) {
        let id = match value {
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) => s.parse().ok(),
            _ => None,
        };
        if let Some(id) = id.filter(|_| self.engagements.len() < MAX_IDS * 4) {
            self.engagements.push(id);
        }
    }

    /// Every `engagementId` and `externalCallId` in a body, however nested (bounded).
    fn scan(&mut self, json: &Value, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        match json {
            Value::Object(map) => {
                for (key, value) in map {
                    match (key.as_str(), value) {
                        ("engagementId", v) => self.id(Some(v)),
                        ("externalCallId", Value::String(s)) if self.external.len() < MAX_IDS => {
                            self.external.push(s.clone());
                        }
                        (_, v) => self.scan(v, depth + 1),
                    }
                }
            }
            Value::Array(items) => {
                for item in items.iter().take(MAX_IDS) {
                    self.scan(item, depth + 1);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bytes(json: Value) -> Vec<u8> {
        json.to_string().into_bytes()
    }

    #[test]
    fn paths_about_calls_are_recognized_and_others_are_not() {
        let patch = CallPath::of("/crm/v3/objects/calls/512").unwrap();
        assert!(patch.from_calls && !patch.to_calls);
        assert_eq!(patch.path_ids, vec![512]);
        let assoc = CallPath::of("/crm/v4/objects/contacts/101/associations/calls/512").unwrap();
        assert!(!assoc.from_calls && assoc.to_calls);
        assert_eq!(assoc.path_ids, vec![512]);
        assert!(CallPath::of("/crm/v4/associations/calls/contacts/batch/read").is_some());
        assert!(CallPath::of("/crm/v3/objects/0-48/batch/update").is_some());
        assert!(CallPath::of("/crm/v3/extensions/calling/inbound-call").is_some());
        assert!(CallPath::of("/crm/v3/extensions/calling/recordings/ready").is_some());
        for other in [
            "/crm/v3/objects/contacts/101",
            "/crm/v4/objects/contacts/101/associations/companies",
            "/crm/v3/extensions/calling/424242/settings",
            "/host/api/inspector",
        ] {
            assert_eq!(CallPath::of(other), None, "{other}");
        }
    }

    #[test]
    fn ids_come_from_the_path_and_both_bodies() {
        let batch = CallPath::of("/crm/v3/objects/calls/batch/update").unwrap();
        let request = bytes(json!({"inputs": [{"id": "7", "properties": {}}, {"id": "9"}]}));
        let response = bytes(json!({"results": [{"id": "7"}, {"id": "9"}], "status": "COMPLETE"}));
        assert_eq!(
            batch.ids(Some(&request), Some(&response)),
            (vec![7, 9], vec![])
        );

        let inbound = CallPath::of("/crm/v3/extensions/calling/inbound-call").unwrap();
        let request = bytes(json!({"externalCallId": "in-1", "fromNumber": "+1"}));
        let response = bytes(json!({"engagementId": 44, "callerIdMatches": []}));
        assert_eq!(
            inbound.ids(Some(&request), Some(&response)),
            (vec![44], vec!["in-1".to_string()])
        );

        let to_calls = CallPath::of("/crm/v4/objects/contacts/101/associations/calls").unwrap();
        let response = bytes(json!({"results": [{"toObjectId": 512, "associationTypes": []}]}));
        assert_eq!(to_calls.ids(None, Some(&response)), (vec![512], vec![]));

        // A contact's id in a calls association batch is not a call.
        let v4 = CallPath::of("/crm/v4/associations/calls/contacts/batch/create").unwrap();
        let request = bytes(json!({"inputs": [{"from": {"id": "512"}, "to": {"id": "101"}}]}));
        assert_eq!(v4.ids(Some(&request), None), (vec![512], vec![]));
    }

    #[test]
    fn bodies_that_are_not_json_give_only_the_path_ids() {
        let patch = CallPath::of("/crm/v3/objects/calls/512").unwrap();
        assert_eq!(patch.ids(Some(b"not json"), None), (vec![512], vec![]));
    }
}
