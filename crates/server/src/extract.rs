//! The project's own extractors, so that a bad body, path or query gets HubSpot's error shape
//! instead of axum's plain-text rejection. Handlers take [`Segment`] and [`Query`] from here,
//! never axum's `Path` and `Query`, whose rejections are plain text.
//!
//! They are also the one place where the NUL character is refused, in every string a
//! request carries (path segments, query strings, JSON bodies: keys and values), so that
//! no store call ever sees one and both backends answer alike (docs/rest-api.md#text-limits).

use axum::body::Body;
use axum::extract::rejection::RawPathParamsRejection;
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::{ApiError, ErrorDetail};

/// The most a request body may hold: 1 MiB.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// A request body that must be one JSON object. Fields are checked by the handler's input
/// type, which can then name each bad field; this extractor only rejects what is not JSON.
#[derive(Debug)]
pub struct JsonObject(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for JsonObject {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, ApiError> {
        let bytes = read_body(req.into_body(), BODY_LIMIT).await?;
        Ok(JsonObject(parse_object(&bytes)?))
    }
}

/// Reads at most [`BODY_LIMIT`] bytes; more is a 413, whatever Content-Length claimed.
pub async fn read_body(body: Body, limit: usize) -> Result<axum::body::Bytes, ApiError> {
    axum::body::to_bytes(body, limit).await.map_err(|err| {
        let too_large =
            std::iter::successors(Some(&err as &(dyn std::error::Error + 'static)), |e| {
                e.source()
            })
            .any(|e| e.is::<http_body_util::LengthLimitError>());
        if too_large {
            ApiError::payload_too_large(limit)
        } else {
            ApiError::validation(format!("The request body could not be read: {err}"), vec![])
        }
    })
}

/// Parses `bytes` as one JSON object, or says precisely why not.
pub fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::validation(
            "Invalid input JSON: the request body is empty; a JSON object is required.",
            vec![ErrorDetail::field(
                "body",
                "REQUIRED",
                "A JSON object is required.",
            )],
        ));
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => {
            refuse_nul_in_json("body", &map)?;
            Ok(map)
        }
        Ok(other) => Err(ApiError::validation(
            format!(
                "Invalid input JSON: expected an object, got {}.",
                json_type(&other)
            ),
            vec![ErrorDetail::field(
                "body",
                "INVALID_TYPE",
                "The body must be a JSON object.",
            )],
        )),
        Err(err) => Err(ApiError::validation(
            format!(
                "Invalid input JSON on line {}, column {}: {err}",
                err.line(),
                err.column()
            ),
            vec![ErrorDetail::field("body", "INVALID_JSON", err.to_string())],
        )),
    }
}

/// Parses `bytes` as any JSON value (a list body, for instance), or says why not.
pub fn parse_value(bytes: &[u8]) -> Result<Value, ApiError> {
    let value = serde_json::from_slice::<Value>(bytes).map_err(|err| {
        ApiError::validation(
            format!(
                "Invalid input JSON on line {}, column {}: {err}",
                err.line(),
                err.column()
            ),
            vec![ErrorDetail::field("body", "INVALID_JSON", err.to_string())],
        )
    })?;
    if let Value::Object(map) = &value {
        refuse_nul_in_json("body", map)?;
    } else if let Value::Array(items) = &value {
        for (i, item) in items.iter().enumerate() {
            refuse_nul_in_value(&format!("body[{i}]"), item)?;
        }
    } else {
        refuse_nul_in_value("body", &value)?;
    }
    Ok(value)
}

/// The 400 for a string at `location` that holds a refused character.
fn refused(location: &str, why: String) -> ApiError {
    ApiError::validation(
        format!("Invalid {location}: {why}."),
        vec![ErrorDetail::field(location, "INVALID_CHARACTER", why)],
    )
}

/// Refuses `text`, found at `location`, when it holds NUL.
pub fn refuse_nul(location: &str, text: &str) -> Result<(), ApiError> {
    match crate::domain::refused_character(text) {
        Some(why) => Err(refused(location, why)),
        None => Ok(()),
    }
}

fn refuse_nul_in_json(location: &str, map: &Map<String, Value>) -> Result<(), ApiError> {
    for (key, value) in map {
        let at = format!("{location}.{key}");
        refuse_nul(&at, key)?;
        refuse_nul_in_value(&at, value)?;
    }
    Ok(())
}

fn refuse_nul_in_value(location: &str, value: &Value) -> Result<(), ApiError> {
    match value {
        Value::String(s) => refuse_nul(location, s),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, item)| refuse_nul_in_value(&format!("{location}[{i}]"), item)),
        Value::Object(map) => refuse_nul_in_json(location, map),
        _ => Ok(()),
    }
}

/// Refuses a query string with NUL in a name or value (once percent-decoded).
pub fn refuse_nul_in_query(query: &str) -> Result<(), ApiError> {
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        refuse_nul("query", &name)?;
        refuse_nul(&format!("query parameter {name}"), &value)?;
    }
    Ok(())
}

/// The JSON name of a value's type, for messages.
pub fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The `{appId}` path parameter: a positive integer. On date-versioned paths
/// (`/crm/extensions/calling/2026-03/...`) the `{version}` segment must look like `YYYY-MM`,
/// otherwise the route does not exist.
#[derive(Debug, Clone, Copy)]
pub struct AppId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for AppId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let params = path_params(parts, state).await?;
        check_version(&params, parts)?;
        let raw = params
            .iter()
            .find(|(name, _)| *name == "app_id")
            .map(|(_, value)| value)
            .ok_or_else(ApiError::internal)?;
        positive_id("appId", raw).map(AppId)
    }
}

/// The route's one path parameter (`{id}`, or the rest of the path for `{*path}`),
/// percent-decoded; a segment that is not UTF-8 is a 400 in HubSpot's shape.
#[derive(Debug, Clone)]
pub struct Segment(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Segment {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let params = path_params(parts, state).await?;
        let mut values = params.iter().map(|(_, value)| value);
        match (values.next(), values.next()) {
            (Some(value), None) => Ok(Segment(value.to_owned())),
            // The route has no parameter, or several: a handler asked for what it lacks.
            _ => Err(ApiError::internal()),
        }
    }
}

/// The query string deserialized into `T`; a value of the wrong type (`appId=abc`) is a 400
/// in HubSpot's shape saying which.
#[derive(Debug, Clone)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        refuse_nul_in_query(parts.uri.query().unwrap_or_default())?;
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| Query(value))
            .map_err(|rejection| {
                let why = rejection.body_text();
                ApiError::validation(
                    format!("Invalid query string: {why}"),
                    vec![ErrorDetail::field("query", "INVALID_QUERY", why)],
                )
            })
    }
}

/// The path's parameters, percent-decoded. A segment that does not decode to UTF-8
/// (`/crm/v3/objects/%FF`) is the client's mistake: a 400 naming the path, not the 500
/// that axum's rejection used to become; so is one that holds NUL (`%00`).
pub async fn path_params<S: Send + Sync>(
    parts: &mut Parts,
    state: &S,
) -> Result<RawPathParams, ApiError> {
    let params = decoded_path_params(parts, state).await?;
    for (_, value) in params.iter() {
        refuse_nul("path", value)?;
    }
    Ok(params)
}

async fn decoded_path_params<S: Send + Sync>(
    parts: &mut Parts,
    state: &S,
) -> Result<RawPathParams, ApiError> {
    RawPathParams::from_request_parts(parts, state)
        .await
        .map_err(|rejection| match rejection {
            RawPathParamsRejection::InvalidUtf8InPathParam(_) => ApiError::validation(
                format!(
                    "Invalid path {}: a path segment is not valid UTF-8 once percent-decoded.",
                    parts.uri.path()
                ),
                vec![ErrorDetail::field(
                    "path",
                    "INVALID_UTF8",
                    "Path segments must be percent-encoded UTF-8.",
                )],
            ),
            // The route names no parameters: a handler asked for what its route lacks.
            _ => ApiError::internal(),
        })
}

/// An id given as text (a path segment, a query parameter) named `name`: a positive integer,
/// else a 400 naming it.
pub fn positive_id(name: &str, raw: &str) -> Result<i64, ApiError> {
    match raw.parse::<i64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err(ApiError::validation(
            format!("{name} must be a positive integer, got {raw:?}."),
            vec![ErrorDetail::field(
                name,
                "INVALID_INTEGER",
                "Must be a positive integer.",
            )],
        )),
    }
}

/// Rejects a date-versioned path whose version segment is not `YYYY-MM` as an unknown route.
pub fn check_version(params: &RawPathParams, parts: &Parts) -> Result<(), ApiError> {
    let Some((_, version)) = params.iter().find(|(name, _)| *name == "version") else {
        return Ok(());
    };
    let b = version.as_bytes();
    let ok = b.len() == 7
        && b[4] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || c.is_ascii_digit())
        && (b"01".as_slice()..=b"12".as_slice()).contains(&&b[5..7]);
    if ok {
        Ok(())
    } else {
        Err(crate::routes::unknown_route(
            parts.method.as_str(),
            parts.uri.path(),
        ))
    }
}
