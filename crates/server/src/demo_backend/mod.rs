//! The demo app's backend, on the demo origin: what a calling app's own server answers when
//! callhost (or HubSpot) calls it, so that the help desk and call recordings work with the
//! demo app on a fresh `callhost serve`.
//!
//! - `POST /api/phone-numbers`: the channel-connection webhook. Answers
//!   `{"phoneNumbers": [...]}` with [`DEMO_NUMBERS`] (one with an extension, which the help
//!   desk lists but does not let anyone connect).
//! - `GET /api/recordings/{externalId}`: the recording-URL webhook. Answers
//!   `{"authenticatedUrl": "<demo origin>/api/recordings/{externalId}/audio?expires=…&token=…"}`.
//! - `GET /api/recordings/{externalId}/audio?expires=…&token=…`: the recording, a few seconds
//!   of tones made from the external id (the same id always sounds the same, [`wav`]), as a WAV
//!   file with `Range` support ([`range`]: 206 with `Content-Range`, 416 past the end).
//!
//! Security, as a real app backend must do it:
//! - Both webhooks **verify HubSpot's v3 signature** (and the timestamp's age) with the demo
//!   app's client secret, read from the store on every request so a rotation takes effect at
//!   once; a missing, stale or wrong signature is a 401 and reveals nothing.
//! - The audio URL carries its own short-lived credential, because callhost fetches media
//!   unsigned (as HubSpot does): `token` is an HMAC-SHA-256, keyed with the client secret,
//!   over a purpose label, the external id and `expires` (milliseconds since the epoch,
//!   [`AUDIO_URL_TTL_MS`] ahead). It needs no storage, is bound to one recording, expires on
//!   its own, and every outstanding link dies when the secret is rotated. callhost asks for a
//!   fresh URL before each audio request, so a short lifetime costs nothing.
//!
//! It answers for the development seed's demo app ([`crate::AppState::development`]); without a
//! development seed there is no demo app and every route is a 404.

pub mod range;
pub mod wav;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::header::{HOST, RANGE};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use callhost_protocol::engine::origin::http_origin;
use callhost_store::Store;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::error::{ApiError, ApiResult};
use crate::extract::Segment;
use crate::webhooks::signature::{self, REQUEST_TIMESTAMP, SIGNATURE_V3};
use crate::AppState;

/// The numbers the demo app offers for a help-desk channel: `(e164, extension, friendly name)`.
pub const DEMO_NUMBERS: [(&str, Option<&str>, &str); 3] = [
    ("+18885550140", None, "Demo support line"),
    ("+18885550141", None, "Demo sales line"),
    ("+18885550142", Some("7"), "Demo desk 7"),
];

/// How long an audio URL stays valid.
pub const AUDIO_URL_TTL_MS: i64 = 5 * 60 * 1000;

/// Separates audio tokens from every other HMAC made with the client secret.
const TOKEN_PURPOSE: &str = "callhost-demo-recording-audio";

/// The demo backend's routes, merged into the demo origin's router.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/phone-numbers", post(list_phone_numbers))
        .route("/api/recordings/{external_id}", get(get_recording_url))
        .route(
            "/api/recordings/{external_id}/audio",
            get(get_recording_audio),
        )
}

/// The request as the demo origin sees it: the store, the demo app, and the origin (`Host`).
struct Served {
    store: Arc<dyn Store>,
    app_id: i64,
    origin: String,
}

fn served(state: &AppState, headers: &HeaderMap) -> ApiResult<Served> {
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let origin = http_origin(host);
    match state.development {
        Some(dev) => Ok(Served {
            store: state.store.clone(),
            app_id: dev.demo_app_id,
            origin,
        }),
        None => Err(ApiError::not_found(
            "There is no demo app without the development seed.",
        )),
    }
}

impl Served {
    async fn secret(&self) -> ApiResult<String> {
        self.store
            .client_secret(self.app_id)
            .await?
            .ok_or_else(ApiError::internal)
    }

    /// 401 unless the request carries a fresh v3 signature made with the demo app's secret
    /// over exactly this method, URL and body.
    async fn verify(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
    ) -> ApiResult<()> {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let (Some(sig), Some(timestamp)) = (header(SIGNATURE_V3), header(REQUEST_TIMESTAMP)) else {
            return Err(ApiError::unauthenticated(format!(
                "The request is not signed: {SIGNATURE_V3} and {REQUEST_TIMESTAMP} are required."
            )));
        };
        let url = format!(
            "{}{}",
            self.origin,
            uri.path_and_query().map_or("/", |pq| pq.as_str())
        );
        let now_ms = callhost_store::now().timestamp_millis();
        let secret = self.secret().await?;
        if signature::verify_v3(&secret, method.as_str(), &url, body, timestamp, sig, now_ms) {
            Ok(())
        } else {
            tracing::warn!(
                app.id = self.app_id,
                "demo backend refused a badly signed request"
            );
            Err(ApiError::unauthenticated(format!(
                "The {SIGNATURE_V3} signature does not match, or its timestamp is more than \
                 five minutes away."
            )))
        }
    }
}

/// The channel-connection webhook: the demo app's phone numbers.
async fn list_phone_numbers(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let served = served(&state, &headers)?;
    served.verify(&method, &uri, &headers, &body).await?;
    let numbers: Vec<Value> = DEMO_NUMBERS
        .iter()
        .map(|(number, extension, name)| {
            let mut entry = json!({ "e164PhoneNumber": number, "friendlyName": name });
            if let Some(extension) = extension {
                entry["extension"] = json!(extension);
            }
            entry
        })
        .collect();
    Ok(Json(json!({ "phoneNumbers": numbers })))
}

/// The recording-URL webhook: a short-lived URL of the call's audio on this origin.
async fn get_recording_url(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Segment(external_id): Segment,
) -> ApiResult<Json<Value>> {
    let served = served(&state, &headers)?;
    served.verify(&method, &uri, &headers, b"").await?;
    let expires = callhost_store::now().timestamp_millis() + AUDIO_URL_TTL_MS;
    let token = audio_token(&served.secret().await?, &external_id, expires);
    Ok(Json(json!({
        "authenticatedUrl": format!(
            "{}/api/recordings/{}/audio?expires={expires}&token={token}",
            served.origin,
            crate::domain::encode_component(&external_id)
        ),
    })))
}

/// The recording itself, when the URL's token is valid and unexpired.
async fn get_recording_audio(
    State(state): State<AppState>,
    headers: HeaderMap,
    Segment(external_id): Segment,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let served = served(&state, &headers)?;
    let mut expires = None;
    let mut token = None;
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match &*key {
            "expires" => expires = value.parse::<i64>().ok(),
            "token" => token = Some(value.into_owned()),
            _ => {}
        }
    }
    let now_ms = callhost_store::now().timestamp_millis();
    let valid = match (expires, token) {
        (Some(expires), Some(token)) if expires >= now_ms => {
            token_matches(&served.secret().await?, &external_id, expires, &token)
        }
        _ => false,
    };
    if !valid {
        return Err(ApiError::unauthenticated(
            "The recording link is invalid or has expired: ask the recording URL again.",
        ));
    }
    let audio = wav::recording(&external_id);
    Ok(range::ranged(audio, headers.get(RANGE)))
}

fn token_mac(secret: &str, external_id: &str, expires: i64) -> Hmac<Sha256> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key length");
    // Length-prefixed fields: no two (id, expiry) pairs hash the same input.
    mac.update(TOKEN_PURPOSE.as_bytes());
    mac.update(&(external_id.len() as u64).to_be_bytes());
    mac.update(external_id.as_bytes());
    mac.update(&expires.to_be_bytes());
    mac
}

/// The audio URL's token: lowercase hex.
pub fn audio_token(secret: &str, external_id: &str, expires: i64) -> String {
    hex::encode(
        token_mac(secret, external_id, expires)
            .finalize()
            .into_bytes(),
    )
}

/// Compared in constant time.
fn token_matches(secret: &str, external_id: &str, expires: i64, token: &str) -> bool {
    let Ok(sent) = hex::decode(token) else {
        return false;
    };
    token_mac(secret, external_id, expires)
        .verify_slice(&sent)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audio_tokens_are_bound_to_the_id_the_expiry_and_the_secret() {
        let token = audio_token("secret", "demo-1", 1_000);
        assert!(token_matches("secret", "demo-1", 1_000, &token));
        assert!(!token_matches("secret", "demo-2", 1_000, &token));
        assert!(!token_matches("secret", "demo-1", 1_001, &token));
        assert!(!token_matches("rotated", "demo-1", 1_000, &token));
        assert!(!token_matches("secret", "demo-1", 1_000, "zz"));
    }
}
