//! Validated values the API accepts, each with a `parse` constructor that says what is wrong.

use callhost_protocol::engine::origin::is_loopback;
use url::Url;

/// A URL callhost loads in a browser or calls from the server: absolute, https, or http when
/// its host is loopback (a developer's machine). Apps in production are served over https.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppUrl(String);

impl AppUrl {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let url = Url::parse(raw).map_err(|err| format!("must be an absolute URL ({err})"))?;
        match url.scheme() {
            "https" => {}
            "http" if url.host().is_some_and(|host| is_loopback(&host)) => {}
            "http" => {
                return Err("must use https (http is accepted only for loopback hosts)".into())
            }
            other => return Err(format!("must be an https URL, not {other}:")),
        }
        if url.host().is_none() {
            return Err("must name a host".into());
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A recording-retrieval URL template: an [`AppUrl`] containing `%s`, where the host puts the
/// call's external id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingUrlTemplate(String);

impl RecordingUrlTemplate {
    pub fn parse(raw: &str) -> Result<Self, String> {
        if !raw.contains("%s") {
            return Err("must contain %s, where the call's external id is put".into());
        }
        // `%s` is not a valid percent-escape; check the URL with a stand-in id.
        AppUrl::parse(&raw.replace("%s", "external-id"))?;
        Ok(Self(raw.to_owned()))
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// `value` percent-encoded so that it stays one path segment or query value: everything but
/// RFC 3986's unreserved characters is escaped.
pub fn encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_urls_are_absolute_and_https_except_on_loopback() {
        for ok in [
            "https://dialer.example.com/widget?x=1",
            "http://localhost:9025/",
            "http://127.0.0.1:8081/",
            "http://[::1]:3000/app",
            "http://demo.localhost/",
        ] {
            assert!(AppUrl::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "/relative",
            "dialer.example.com",
            "http://dialer.example.com/",
            "http://10.0.0.1/",
            "ftp://example.com/",
            "javascript:alert(1)",
            "",
        ] {
            assert!(AppUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn recording_templates_need_the_placeholder() {
        assert!(RecordingUrlTemplate::parse("https://r.example.com/rec/%s").is_ok());
        assert!(RecordingUrlTemplate::parse("https://r.example.com/rec?id=%s").is_ok());
        let err = RecordingUrlTemplate::parse("https://r.example.com/rec").unwrap_err();
        assert!(err.contains("%s"));
        assert!(RecordingUrlTemplate::parse("http://r.example.com/%s").is_err());
    }
}
