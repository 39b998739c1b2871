//! Serving the demo recordings with `Range` (RFC 9110 §14): one `bytes=` range is answered
//! with a 206 and its `Content-Range`, a range past the end with a 416 naming the length, and
//! anything else (other units, several ranges, malformed) with the whole body, as the RFC
//! allows. The host's own recording route does not read ranges: it passes the browser's on to
//! the app's media server and its answer back.

use axum::body::Bytes;
use axum::http::header::{ACCEPT_RANGES, CACHE_CONTROL, CONTENT_RANGE, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

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
pub fn ranged(audio: Bytes, range: Option<&HeaderValue>) -> Response {
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
            let mut response = ApiError::range_not_satisfiable(format!(
                "The requested range is outside the recording ({len} bytes)."
            ))
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
}
