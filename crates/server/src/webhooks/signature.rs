//! HubSpot's request signatures (v1, v2, v3), computed over what callhost sends to an app so
//! that a receiver written against HubSpot's docs or the official clients' `Signature` helpers
//! accepts it. Pure: no clock, no I/O; the caller passes the timestamp.
//!
//! - v1: lowercase hex SHA-256 of `secret + body`.
//! - v2: lowercase hex SHA-256 of `secret + method + uri + body`.
//! - v3: standard Base64 of HMAC-SHA-256 keyed with the secret over
//!   `method + uri + body + timestamp`, where `uri` has the 12 escapes HubSpot's docs tell
//!   receivers to decode already decoded (so a receiver following the docs computes the same
//!   string), and `timestamp` is the `X-HubSpot-Request-Timestamp` value in milliseconds.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

pub const SIGNATURE: &str = "X-HubSpot-Signature";
pub const SIGNATURE_VERSION: &str = "X-HubSpot-Signature-Version";
pub const SIGNATURE_V3: &str = "X-HubSpot-Signature-v3";
pub const REQUEST_TIMESTAMP: &str = "X-HubSpot-Request-Timestamp";

/// The escapes a v3 receiver decodes in the URI before hashing (HubSpot's list, in order).
const V3_DECODED: [(&str, &str); 12] = [
    ("%3A", ":"),
    ("%2F", "/"),
    ("%3F", "?"),
    ("%40", "@"),
    ("%21", "!"),
    ("%24", "$"),
    ("%27", "'"),
    ("%28", "("),
    ("%29", ")"),
    ("%2A", "*"),
    ("%2C", ","),
    ("%3B", ";"),
];

pub fn v1(secret: &str, body: &[u8]) -> String {
    let mut digest = Sha256::new();
    digest.update(secret.as_bytes());
    digest.update(body);
    hex::encode(digest.finalize())
}

pub fn v2(secret: &str, method: &str, uri: &str, body: &[u8]) -> String {
    let mut digest = Sha256::new();
    digest.update(secret.as_bytes());
    digest.update(method.as_bytes());
    digest.update(uri.as_bytes());
    digest.update(body);
    hex::encode(digest.finalize())
}

pub fn v3(secret: &str, method: &str, uri: &str, body: &[u8], timestamp_ms: i64) -> String {
    let mac = v3_mac(secret, method, uri, body, &timestamp_ms.to_string());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// How old a v3 timestamp may be (and how far ahead) before a receiver rejects it, as in
/// HubSpot's docs and the official clients (5 minutes).
pub const V3_MAX_AGE_MS: i64 = 5 * 60 * 1000;

/// Checks a v3 signature as a receiver following HubSpot's docs does: `timestamp` (the
/// `X-HubSpot-Request-Timestamp` value) within [`V3_MAX_AGE_MS`] of `now_ms`, and `signature`
/// the Base64 HMAC over `method + uri + body + timestamp`, compared in constant time. `uri` is
/// the full URL as requested; the 12 escapes are decoded here, as on the signing side.
pub fn verify_v3(
    secret: &str,
    method: &str,
    uri: &str,
    body: &[u8],
    timestamp: &str,
    signature: &str,
    now_ms: i64,
) -> bool {
    let Ok(sent_ms) = timestamp.parse::<i64>() else {
        return false;
    };
    if (now_ms - sent_ms).abs() > V3_MAX_AGE_MS {
        return false;
    }
    let Ok(expected) = base64::engine::general_purpose::STANDARD.decode(signature) else {
        return false;
    };
    v3_mac(secret, method, uri, body, timestamp)
        .verify_slice(&expected)
        .is_ok()
}

fn v3_mac(secret: &str, method: &str, uri: &str, body: &[u8], timestamp: &str) -> Hmac<Sha256> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key length");
    mac.update(method.as_bytes());
    mac.update(v3_uri(uri).as_bytes());
    mac.update(body);
    mac.update(timestamp.as_bytes());
    mac
}

/// `uri` with HubSpot's 12 escapes decoded, upper- or lowercase hex alike.
fn v3_uri(uri: &str) -> String {
    let mut out = String::with_capacity(uri.len());
    let mut rest = uri;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let escape = rest.get(at..at + 3).unwrap_or(&rest[at..]);
        match V3_DECODED
            .iter()
            .find(|(code, _)| code.eq_ignore_ascii_case(escape))
        {
            Some((_, plain)) => {
                out.push_str(plain);
                rest = &rest[at + 3..];
            }
            None => {
                out.push('%');
                rest = &rest[at + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The headers of a request signed with v3 and v2, as callhost sends its webhooks:
/// `(name, value)` pairs, ready to add to a request.
pub fn headers(
    secret: &str,
    method: &str,
    uri: &str,
    body: &[u8],
    timestamp_ms: i64,
) -> [(&'static str, String); 4] {
    [
        (SIGNATURE_V3, v3(secret, method, uri, body, timestamp_ms)),
        (REQUEST_TIMESTAMP, timestamp_ms.to_string()),
        (SIGNATURE, v2(secret, method, uri, body)),
        (SIGNATURE_VERSION, "v2".to_owned()),
    ]
}

#[cfg(test)]
mod tests {
    //! The vectors (schemes in docs/rest-api.md#signatures): HubSpot's published v1 and v2 examples and our v3
    //! vector, cross-checked with two independent implementations.
    use super::*;

    const SECRET: &str = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy";

    #[test]
    fn v1_matches_hubspots_example() {
        let body = r#"[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","changeFlag":"NEW","appId":54321}]"#;
        assert_eq!(
            v1(SECRET, body.as_bytes()),
            "232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de"
        );
    }

    #[test]
    fn v2_matches_hubspots_get_and_post_examples() {
        let uri = "https://www.example.com/webhook_uri";
        assert_eq!(
            v2(SECRET, "GET", uri, b""),
            "eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e"
        );
        assert_eq!(
            v2(SECRET, "POST", uri, br#"{"example_field":"example_value"}"#),
            "9569219f8ba981ffa6f6f16aa0f48637d35d728c7e4d93d0d52efaa512af7900"
        );
    }

    #[test]
    fn v3_matches_the_spec_vector() {
        assert_eq!(
            v3(
                SECRET,
                "POST",
                "https://example.com/my-help-desk-service",
                br#"{"appId":12345,"portalId":62515,"userId":987}"#,
                1_700_000_000_000
            ),
            "nNpKRnBAJUVqB2Dbm/5raUmg60jNHF2sf486Y2Ei/RI="
        );
    }

    #[test]
    fn v3_hashes_the_uri_with_the_twelve_escapes_decoded() {
        let encoded =
            "https://example.com/a%3Ab%2Fc%3Fd%40e%21f%24g%27h%28i%29j%2Ak%2Cl%3Bm?q=%3a%20";
        assert_eq!(
            v3_uri(encoded),
            "https://example.com/a:b/c?d@e!f$g'h(i)j*k,l;m?q=:%20"
        );
        let body = b"{}";
        assert_eq!(
            v3(SECRET, "POST", encoded, body, 1),
            v3(SECRET, "POST", &v3_uri(encoded), body, 1)
        );
        // Other escapes and a trailing lone % stay as they are.
        assert_eq!(v3_uri("/x%20y%2"), "/x%20y%2");
    }

    #[test]
    fn verify_v3_accepts_fresh_signatures_and_rejects_stale_or_altered_ones() {
        let uri = "https://example.com/my-help-desk-service";
        let body = br#"{"appId":12345,"portalId":62515,"userId":987}"#;
        let sig = "nNpKRnBAJUVqB2Dbm/5raUmg60jNHF2sf486Y2Ei/RI=";
        let ts = "1700000000000";
        let now = 1_700_000_060_000;
        assert!(verify_v3(SECRET, "POST", uri, body, ts, sig, now));
        // The receiver may see the escaped form of the URI.
        let escaped = "https%3A%2F%2Fexample.com%2Fmy-help-desk-service";
        assert!(verify_v3(SECRET, "POST", escaped, body, ts, sig, now));
        assert!(!verify_v3(
            SECRET,
            "POST",
            uri,
            body,
            ts,
            sig,
            now + V3_MAX_AGE_MS
        ));
        assert!(!verify_v3(SECRET, "GET", uri, body, ts, sig, now));
        assert!(!verify_v3(SECRET, "POST", uri, b"{}", ts, sig, now));
        assert!(!verify_v3("other", "POST", uri, body, ts, sig, now));
        assert!(!verify_v3(
            SECRET,
            "POST",
            uri,
            body,
            "1700000000001",
            sig,
            now
        ));
        assert!(!verify_v3(
            SECRET,
            "POST",
            uri,
            body,
            ts,
            "not base64!",
            now
        ));
        assert!(!verify_v3(SECRET, "POST", uri, body, "soon", sig, now));
    }

    #[test]
    fn headers_carry_v3_with_its_timestamp_and_v2() {
        let [(n1, v3h), (n2, ts), (n3, v2h), (n4, ver)] =
            headers(SECRET, "POST", "https://e.test/x", b"{}", 42);
        assert_eq!(
            (n1, n2, n3, n4),
            (
                SIGNATURE_V3,
                REQUEST_TIMESTAMP,
                SIGNATURE,
                SIGNATURE_VERSION
            )
        );
        assert_eq!(v3h, v3(SECRET, "POST", "https://e.test/x", b"{}", 42));
        assert_eq!(ts, "42");
        assert_eq!(v2h, v2(SECRET, "POST", "https://e.test/x", b"{}"));
        assert_eq!(ver, "v2");
    }
}
