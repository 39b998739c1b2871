//! Call recordings, host side: what the activity timeline needs to play a call's recording.
//!
//! Routes (host session cookie, like every `/host/api` route):
//! - `GET /host/api/recordings/{engagementId}/status`: whether the call has a recording to
//!   offer (an `hs_call_external_id`, an `hs_call_app_id` installed in the portal, and that
//!   app's recording settings; a call that is still live, or was made by a local calling app
//!   (`host::local_app`), has none) and whether the app marked it ready. No request to the app.
//! - `GET /host/api/recordings/{engagementId}`: asks the app for the recording (below) and
//!   answers `{engagementId, appId, externalId, authenticatedUrl, audioUrl, ready, readyAt}`.
//! - `GET /host/api/recordings/{engagementId}/audio`: the recording itself, streamed through
//!   callhost from the `authenticatedUrl`, with the browser's `Range` passed on and the media
//!   server's 200 or 206 (`Content-Range`, `Accept-Ranges`, `Content-Type`,
//!   `Content-Length`) passed back, so an `<audio>` element can seek.
//!
//! Asking the app (docs/rest-api.md#recording-retrieval): `GET` the app's `urlToRetrieveAuthedRecording` with `%s`
//! replaced by the percent-encoded external id and `externalAccountId` (the call's
//! `hs_call_external_account_id`, empty when it has none, so the parameter is always there)
//! and `appId` appended to the query, signed (v3 and v2) with the app's client secret, through
//! the guarded webhook client; the JSON answer's `authenticatedUrl` is the recording.
//!
//! Security:
//! - The media is fetched by callhost, through the same guard as every webhook (resolve,
//!   check every address, pin the connection, redirects re-checked), so the page needs no
//!   access to the app's media host and a recording URL cannot reach a private network.
//! - The app must be installed in the user's portal: any portal token can write
//!   `hs_call_app_id`, and without this check a portal could make callhost send signed
//!   requests for another tenant's app.
//! - What the media server sends is served from callhost's origin, so it goes out as audio or
//!   bytes only (`nosniff`, a sandboxing CSP, other content types replaced by
//!   `application/octet-stream`): an HTML answer can never run as a callhost page.
//! - Each audio request asks the app again: authenticated URLs are short-lived by design, and
//!   nothing about them is kept.
//!
//! Failures answer in HubSpot's error shape with a message for the user and are logged:
//! 404 for a call without a recording to offer, 502 (`WEBHOOK_FAILED` or `MEDIA_FAILED`, with
//! the failure's code in `errors[0].code`) when the app or its media server fails, and the
//! media server's own 416 when a range cannot be satisfied.

use axum::body::Body;
use axum::extract::State;
use axum::http::header::{
    ACCEPT_RANGES, CACHE_CONTROL, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_SECURITY_POLICY,
    CONTENT_TYPE, RANGE, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use futures_util::TryStreamExt;
use reqwest::Method;
use serde_json::{json, Value};

use crate::crm::catalog::object_type;
use crate::error::{ApiError, ApiResult};
use crate::extract::Segment;
use crate::host::signin::HostUser;
use crate::webhooks::{StreamRequest, WebhookError, WebhookRequest};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/host/api/recordings/{engagement_id}", get(get_recording))
        .route(
            "/host/api/recordings/{engagement_id}/status",
            get(get_recording_status),
        )
        .route(
            "/host/api/recordings/{engagement_id}/audio",
            get(stream_recording_audio),
        )
}

/// A call whose recording can be asked for.
struct Recording {
    engagement_id: i64,
    app_id: i64,
    external_id: String,
    external_account_id: String,
    template: String,
}

/// The call statuses of a call still going on: no recording is offered for it yet.
const LIVE_STATUSES: &[&str] = &[
    "RINGING",
    "CONNECTING",
    "CALLING_CRM_USER",
    "QUEUED",
    "IN_PROGRESS",
    "HOLD",
];

/// Why a call has no recording to offer, for the user.
struct Unavailable(String);

/// Whether the call has a recording and the mark, without asking the app.
async fn get_recording_status(
    State(state): State<AppState>,
    user: HostUser,
    Segment(raw): Segment,
) -> ApiResult<Json<Value>> {
    let portal_id = user.grant.portal_id;
    let engagement_id = parse_engagement_id(&raw)?;
    let found = find_recording(&state, portal_id, engagement_id).await?;
    let ready_at = state
        .store
        .recording_ready_at(portal_id, engagement_id)
        .await?;
    let (available, message, app_id) = match &found {
        Ok(recording) => (true, None, Some(recording.app_id)),
        Err(Unavailable(why)) => (false, Some(why.clone()), None),
    };
    Ok(Json(json!({
        "engagementId": engagement_id.to_string(),
        "available": available,
        "appId": app_id,
        "ready": ready_at.is_some(),
        "readyAt": ready_at.as_ref().map(crate::time::format),
        "audioUrl": available.then(|| audio_path(engagement_id)),
        "message": message,
    })))
}

/// Asks the app for the recording's authenticated URL.
async fn get_recording(
    State(state): State<AppState>,
    user: HostUser,
    Segment(raw): Segment,
) -> ApiResult<Response> {
    let portal_id = user.grant.portal_id;
    let engagement_id = parse_engagement_id(&raw)?;
    let recording = available(&state, portal_id, engagement_id).await?;
    let url = authenticated_url(&state, portal_id, &recording).await?;
    let ready_at = state
        .store
        .recording_ready_at(portal_id, engagement_id)
        .await?;
    let body = Json(json!({
        "engagementId": engagement_id.to_string(),
        "appId": recording.app_id,
        "externalId": recording.external_id,
        "authenticatedUrl": url,
        "audioUrl": audio_path(engagement_id),
        "ready": ready_at.is_some(),
        "readyAt": ready_at.as_ref().map(crate::time::format),
    }));
    // The authenticated URL is a credential for the recording: never kept by a cache.
    let mut response = body.into_response();
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Streams the recording from its authenticated URL, passing `Range` on and the partial
/// answer back.
async fn stream_recording_audio(
    State(state): State<AppState>,
    user: HostUser,
    Segment(raw): Segment,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let portal_id = user.grant.portal_id;
    let engagement_id = parse_engagement_id(&raw)?;
    let recording = available(&state, portal_id, engagement_id).await?;
    let url = authenticated_url(&state, portal_id, &recording).await?;
    let mut forwarded = HeaderMap::new();
    if let Some(range) = headers.get(RANGE).filter(|r| usable_range(r)) {
        forwarded.insert(RANGE, range.clone());
    }
    let answer = state
        .webhooks
        .stream(StreamRequest {
            url: &url,
            headers: forwarded,
        })
        .await
        .map_err(|err| media_failure(&recording, portal_id, &err))?;
    let mut response = Response::builder().status(answer.status);
    for name in [CONTENT_LENGTH, CONTENT_RANGE, ACCEPT_RANGES] {
        if let Some(value) = answer.headers.get(&name) {
            response = response.header(name, value.clone());
        }
    }
    let content_type = answer
        .headers
        .get(CONTENT_TYPE)
        .filter(|t| playable(t))
        .cloned()
        .unwrap_or_else(|| HeaderValue::from_static("application/octet-stream"));
    response = response
        .header(CONTENT_TYPE, content_type)
        .header(CACHE_CONTROL, "no-store")
        .header(X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(CONTENT_SECURITY_POLICY, "sandbox; default-src 'none'");
    tracing::info!(
        call.id = engagement_id,
        app.id = recording.app_id,
        portal.id = portal_id,
        http.status = answer.status.as_u16(),
        "streaming a recording"
    );
    let (app_id, cut) = (recording.app_id, engagement_id);
    let body = answer.body.inspect_err(move |err| {
        tracing::warn!(call.id = cut, app.id = app_id, error.code = err.code(), error.message = %err,
            "recording stream ended early");
    });
    response
        .body(Body::from_stream(body))
        .map_err(|e| ApiError::Internal(e.into()))
}

/// The `{engagementId}` path segment: a positive integer.
fn parse_engagement_id(raw: &str) -> ApiResult<i64> {
    crate::extract::positive_id("engagementId", raw)
}

fn audio_path(engagement_id: i64) -> String {
    format!("/host/api/recordings/{engagement_id}/audio")
}

/// The call of the portal and, when it has one to offer, its recording; 404 for no call.
async fn find_recording(
    state: &AppState,
    portal_id: i64,
    engagement_id: i64,
) -> ApiResult<Result<Recording, Unavailable>> {
    let call = state
        .store
        .get_objects(portal_id, object_type::CALL, &[engagement_id], false)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| {
            ApiError::not_found(format!("No call with engagementId {engagement_id}."))
        })?;
    let property = |name: &str| call.properties.get(name).filter(|v| !v.is_empty());
    let Some(external_id) = property("hs_call_external_id") else {
        return Ok(Err(Unavailable(format!(
            "Call {engagement_id} has no hs_call_external_id, so no app can be asked for its recording."
        ))));
    };
    let Some(app_id) = property("hs_call_app_id").and_then(|a| a.parse::<i64>().ok()) else {
        return Ok(Err(Unavailable(format!(
            "Call {engagement_id} has no hs_call_app_id, so it is not known which app recorded it."
        ))));
    };
    if let Some(status) = property("hs_call_status").filter(|s| LIVE_STATUSES.contains(&s.as_str()))
    {
        return Ok(Err(Unavailable(format!(
            "Call {engagement_id} is {status}: a recording is offered once the call has ended."
        ))));
    }
    if crate::host::local_app::is_local(app_id) {
        return Ok(Err(Unavailable(format!(
            "Call {engagement_id} was made by a local calling app (a URL override), which has no recording settings."
        ))));
    }
    if !crate::host::apps::is_installed(state, portal_id, app_id).await? {
        return Ok(Err(Unavailable(format!(
            "App {app_id}, which logged call {engagement_id}, is not installed in this portal."
        ))));
    }
    let Some(settings) = state.store.get_recording_settings(app_id).await? else {
        return Ok(Err(Unavailable(format!(
            "App {app_id} has no recording settings: its developer registers them with \
             POST /crm/v3/extensions/calling/{app_id}/settings/recording."
        ))));
    };
    Ok(Ok(Recording {
        engagement_id,
        app_id,
        external_id: external_id.clone(),
        external_account_id: property("hs_call_external_account_id")
            .cloned()
            .unwrap_or_default(),
        template: settings.url_to_retrieve_authed_recording,
    }))
}

/// [`find_recording`], with "nothing to offer" as a 404 (logged).
async fn available(state: &AppState, portal_id: i64, engagement_id: i64) -> ApiResult<Recording> {
    find_recording(state, portal_id, engagement_id)
        .await?
        .map_err(|Unavailable(why)| {
            tracing::info!(call.id = engagement_id, portal.id = portal_id, recording.unavailable_reason = %why, "no recording to offer");
            ApiError::not_found(why)
        })
}

/// The app's recording URL for the call: `%s` replaced, `externalAccountId` and `appId` added.
fn retrieval_url(recording: &Recording) -> Option<url::Url> {
    let filled = recording.template.replace(
        "%s",
        &crate::domain::encode_component(&recording.external_id),
    );
    let mut url = url::Url::parse(&filled).ok()?;
    url.query_pairs_mut()
        .append_pair("externalAccountId", &recording.external_account_id)
        .append_pair("appId", &recording.app_id.to_string());
    Some(url)
}

/// Asks the app for the recording and returns its `authenticatedUrl`; failures are 502s for
/// the user, logged.
async fn authenticated_url(
    state: &AppState,
    portal_id: i64,
    recording: &Recording,
) -> ApiResult<String> {
    let fail = |code: &str, message: String| {
        tracing::warn!(call.id = recording.engagement_id, app.id = recording.app_id, portal.id = portal_id,
            error.code = code, error.message = %message, "recording webhook failed");
        ApiError::bad_gateway(
            "WEBHOOK_FAILED",
            code,
            format!(
                "App {}'s recording URL gave no recording: {message}.",
                recording.app_id
            ),
        )
    };
    let url = retrieval_url(recording).ok_or_else(|| {
        fail(
            "INVALID_URL",
            "its urlToRetrieveAuthedRecording is not a valid URL".into(),
        )
    })?;
    let secret = state
        .store
        .client_secret(recording.app_id)
        .await?
        .ok_or_else(ApiError::internal)?;
    let answer = state
        .webhooks
        .json(WebhookRequest {
            method: Method::GET,
            url: url.as_str(),
            body: None,
            secret: &secret,
        })
        .await
        .map_err(|err| fail(err.code(), err.to_string()))?;
    let Some(found) = answer.get("authenticatedUrl") else {
        return Err(fail(
            "NO_AUTHENTICATED_URL",
            "the answer has no authenticatedUrl (expected {\"authenticatedUrl\": \"https://...\"})"
                .into(),
        ));
    };
    match found.as_str().and_then(|u| url::Url::parse(u).ok()) {
        Some(media) if matches!(media.scheme(), "http" | "https") => {
            tracing::info!(
                call.id = recording.engagement_id,
                app.id = recording.app_id,
                portal.id = portal_id,
                "recording webhook answered"
            );
            Ok(media.into())
        }
        _ => Err(fail(
            "INVALID_AUTHENTICATED_URL",
            "its authenticatedUrl is not an absolute http or https URL".into(),
        )),
    }
}

/// The media server's failure as the user's error, logged: its own 416 for a range it cannot
/// satisfy, otherwise a 502.
fn media_failure(recording: &Recording, portal_id: i64, err: &WebhookError) -> ApiError {
    let message = err.to_string().replace("the webhook", "the media server");
    tracing::warn!(call.id = recording.engagement_id, app.id = recording.app_id, portal.id = portal_id,
        error.code = err.code(), error.message = %message, "recording media failed");
    let message = format!(
        "The recording of call {} could not be played: {message}.",
        recording.engagement_id
    );
    match err {
        WebhookError::Status(StatusCode::RANGE_NOT_SATISFIABLE) => {
            ApiError::range_not_satisfiable(message)
        }
        _ => ApiError::bad_gateway("MEDIA_FAILED", err.code(), message),
    }
}

/// A `Range` worth passing on: one short ASCII `bytes=` value (RFC 9110 lets a server ignore
/// any other, and answer the whole recording).
fn usable_range(value: &HeaderValue) -> bool {
    value.len() <= 256
        && value.to_str().is_ok_and(|v| {
            v.starts_with("bytes=") && v.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
        })
}

/// Content types passed on as they are: audio, video, and bytes.
fn playable(value: &HeaderValue) -> bool {
    let Ok(value) = value.to_str() else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence.starts_with("audio/")
        || essence.starts_with("video/")
        || matches!(
            essence.as_str(),
            "application/octet-stream" | "application/ogg"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recording(template: &str, external_id: &str, account: &str) -> Recording {
        Recording {
            engagement_id: 1,
            app_id: 77,
            external_id: external_id.into(),
            external_account_id: account.into(),
            template: template.into(),
        }
    }

    #[test]
    fn the_retrieval_url_has_the_id_encoded_and_both_parameters() {
        let url = retrieval_url(&recording(
            "https://app.example.com/rec/%s?v=1",
            "a b/c?d",
            "acct 9",
        ))
        .unwrap();
        assert_eq!(
            url.as_str(),
            "https://app.example.com/rec/a%20b%2Fc%3Fd?v=1&externalAccountId=acct+9&appId=77"
        );
        let url = retrieval_url(&recording("https://app.example.com/%s", "x1", "")).unwrap();
        assert_eq!(
            url.as_str(),
            "https://app.example.com/x1?externalAccountId=&appId=77"
        );
    }

    #[test]
    fn only_bytes_ranges_and_playable_types_pass() {
        assert!(usable_range(&HeaderValue::from_static("bytes=0-")));
        assert!(usable_range(&HeaderValue::from_static("bytes=100-199")));
        assert!(!usable_range(&HeaderValue::from_static("items=0-1")));
        assert!(playable(&HeaderValue::from_static("audio/wav")));
        assert!(playable(&HeaderValue::from_static("Audio/MPEG; x=1")));
        assert!(playable(&HeaderValue::from_static(
            "application/octet-stream"
        )));
        assert!(!playable(&HeaderValue::from_static("text/html")));
        assert!(!playable(&HeaderValue::from_static("image/svg+xml")));
    }
}
