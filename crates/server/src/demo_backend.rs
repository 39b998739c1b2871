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
//!   of tones made from the external id (the same id always sounds the same), as a WAV file
//!   with `Range` support (206 with `Content-Range`, 416 for a range past the end).
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

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::header::{ACCEPT_RANGES, CACHE_CONTROL, CONTENT_RANGE, CONTENT_TYPE, HOST, RANGE};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use callhost_store::Store;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::error::{ApiError, ApiResult, ErrorDetail};
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

/// What a recording sounds like: [`NOTES`] tones of [`NOTE_MS`] each, 16-bit mono PCM.
const SAMPLE_RATE: u32 = 8_000;
const NOTES: usize = 8;
const NOTE_MS: u32 = 500;
/// A pentatonic scale (Hz): any sequence of it sounds like a jingle, not an alarm.
const SCALE: [f64; 8] = [392.0, 440.0, 523.25, 587.33, 659.25, 783.99, 880.0, 1046.5];
const WAV_HEADER_LEN: usize = 44;

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
    let origin = format!("http://{host}");
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
    Path(external_id): Path<String>,
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
    Path(external_id): Path<String>,
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
    let audio = wav(&external_id);
    Ok(ranged(audio, headers.get(RANGE)))
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

/// The recording of `external_id`: [`NOTES`] tones chosen by the id's SHA-256, so the same
/// call always sounds the same and two calls (almost always) differ.
pub fn wav(external_id: &str) -> Bytes {
    let digest = Sha256::digest(external_id.as_bytes());
    let per_note = (SAMPLE_RATE * NOTE_MS / 1000) as usize;
    let samples = per_note * NOTES;
    let data_len = samples * 2;
    let mut out = Vec::with_capacity(WAV_HEADER_LEN + data_len);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&((36 + data_len) as u32).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes()); // fmt chunk size
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&SAMPLE_RATE.to_le_bytes());
    out.extend_from_slice(&(SAMPLE_RATE * 2).to_le_bytes()); // byte rate
    out.extend_from_slice(&2u16.to_le_bytes()); // block align
    out.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(data_len as u32).to_le_bytes());
    let fade = per_note / 20;
    for note in 0..NOTES {
        let freq = SCALE[usize::from(digest[note]) % SCALE.len()];
        for i in 0..per_note {
            // A short fade in and out of each note: no clicks between them.
            let envelope = (i.min(per_note - 1 - i) as f64 / fade as f64).min(1.0);
            let t = i as f64 / f64::from(SAMPLE_RATE);
            let value = 6000.0 * envelope * (2.0 * std::f64::consts::PI * freq * t).sin();
            out.extend_from_slice(&(value.round() as i16).to_le_bytes());
        }
    }
    Bytes::from(out)
}

/// What a `Range` header asks of a body of `len` bytes.
#[derive(Debug, PartialEq, Eq)]
pub enum ByteRange {
    /// No usable range (absent, another unit, several ranges, malformed): the whole body.
    Whole,
    /// Bytes `start..=end`.
    Part(u64, u64),
    /// A range that starts past the end.
    Unsatisfiable,
}

/// Reads one `bytes=` range (RFC 9110 §14.1.2): `a-b`, `a-` or `-suffix`. Anything else is
/// ignored, as the RFC allows, and the whole body is sent.
pub fn byte_range(value: Option<&HeaderValue>, len: u64) -> ByteRange {
    let Some(spec) = value
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().strip_prefix("bytes="))
    else {
        return ByteRange::Whole;
    };
    let Some((first, last)) = spec.trim().split_once('-') else {
        return ByteRange::Whole;
    };
    let number = |s: &str| -> Option<u64> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    match (first, last) {
        ("", suffix) => match number(suffix) {
            Some(0) => ByteRange::Unsatisfiable,
            Some(n) if len > 0 => ByteRange::Part(len.saturating_sub(n), len - 1),
            Some(_) => ByteRange::Unsatisfiable,
            None => ByteRange::Whole,
        },
        (start, "") => match number(start) {
            Some(start) if start < len => ByteRange::Part(start, len - 1),
            Some(_) => ByteRange::Unsatisfiable,
            None => ByteRange::Whole,
        },
        (start, end) => match (number(start), number(end)) {
            (Some(start), Some(end)) if start <= end => {
                if start < len {
                    ByteRange::Part(start, end.min(len - 1))
                } else {
                    ByteRange::Unsatisfiable
                }
            }
            _ => ByteRange::Whole,
        },
    }
}

/// The audio as a 200, a 206 for a satisfiable range, or a 416.
fn ranged(audio: Bytes, range: Option<&HeaderValue>) -> Response {
    let len = audio.len() as u64;
    let common = [
        (CONTENT_TYPE, HeaderValue::from_static("audio/wav")),
        (ACCEPT_RANGES, HeaderValue::from_static("bytes")),
        (CACHE_CONTROL, HeaderValue::from_static("no-store")),
    ];
    match byte_range(range, len) {
        ByteRange::Whole => (StatusCode::OK, common, audio).into_response(),
        ByteRange::Part(start, end) => {
            let content_range = HeaderValue::from_str(&format!("bytes {start}-{end}/{len}"))
                .expect("digits and ASCII are a valid header value");
            let part = audio.slice(start as usize..=end as usize);
            (
                StatusCode::PARTIAL_CONTENT,
                common,
                [(CONTENT_RANGE, content_range)],
                part,
            )
                .into_response()
        }
        ByteRange::Unsatisfiable => {
            let mut response = ApiError::Client {
                status: StatusCode::RANGE_NOT_SATISFIABLE,
                category: "VALIDATION_ERROR",
                message: format!("The requested range is outside the recording ({len} bytes)."),
                errors: vec![ErrorDetail::field(
                    "Range",
                    "RANGE_NOT_SATISFIABLE",
                    "The requested range is outside the recording.",
                )],
            }
            .into_response();
            let headers = response.headers_mut();
            headers.insert(ACCEPT_RANGES, HeaderValue::from_static("bytes"));
            headers.insert(
                CONTENT_RANGE,
                HeaderValue::from_str(&format!("bytes */{len}"))
                    .expect("digits and ASCII are a valid header value"),
            );
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(value: &str, len: u64) -> ByteRange {
        byte_range(Some(&HeaderValue::from_str(value).unwrap()), len)
    }

    #[test]
    fn ranges_are_read_as_rfc_9110_says() {
        assert_eq!(byte_range(None, 10), ByteRange::Whole);
        assert_eq!(range("bytes=0-3", 10), ByteRange::Part(0, 3));
        assert_eq!(range("bytes=4-", 10), ByteRange::Part(4, 9));
        assert_eq!(range("bytes=5-100", 10), ByteRange::Part(5, 9));
        assert_eq!(range("bytes=-3", 10), ByteRange::Part(7, 9));
        assert_eq!(range("bytes=-30", 10), ByteRange::Part(0, 9));
        assert_eq!(range("bytes=10-", 10), ByteRange::Unsatisfiable);
        assert_eq!(range("bytes=12-20", 10), ByteRange::Unsatisfiable);
        assert_eq!(range("bytes=-0", 10), ByteRange::Unsatisfiable);
        // Ignored: other units, several ranges, reversed or malformed ones.
        assert_eq!(range("items=0-3", 10), ByteRange::Whole);
        assert_eq!(range("bytes=0-1,4-5", 10), ByteRange::Whole);
        assert_eq!(range("bytes=5-2", 10), ByteRange::Whole);
        assert_eq!(range("bytes=+1-2", 10), ByteRange::Whole);
        assert_eq!(range("bytes=x", 10), ByteRange::Whole);
    }

    #[test]
    fn the_recording_is_a_deterministic_wav_per_call() {
        let a = wav("demo-1");
        assert_eq!(a, wav("demo-1"));
        assert_ne!(a, wav("demo-2"));
        assert_eq!(&a[..4], b"RIFF");
        assert_eq!(&a[8..16], b"WAVEfmt ");
        let data_len = u32::from_le_bytes(a[40..44].try_into().unwrap()) as usize;
        assert_eq!(a.len(), WAV_HEADER_LEN + data_len);
        assert_eq!(
            data_len,
            2 * 4 * SAMPLE_RATE as usize,
            "four seconds of 16-bit mono"
        );
    }

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
