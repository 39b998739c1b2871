//! Validated values the API accepts, each with a `parse` constructor that says what is wrong.

use callhost_protocol::engine::origin::is_loopback;
use url::Url;

/// The most characters (Unicode scalar values) a property value holds: HubSpot's limit for a
/// text value set through the CRM (docs/rest-api.md#text-limits).
pub const MAX_VALUE_CHARS: usize = 65_536;

/// Why `text` cannot be kept: it holds NUL (U+0000), which PostgreSQL's text cannot store and
/// SQLite would store, so that the backends would disagree; callhost refuses it everywhere
/// (docs/rest-api.md#text-limits). `None` when the text is fine.
pub fn refused_character(text: &str) -> Option<String> {
    text.contains('\0')
        .then(|| "must not contain the NUL character (U+0000)".to_owned())
}

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
        // HubSpot refuses them too; and a URL is shown to every user of every portal that
        // installs the app, so a secret in it would not stay one.
        if !url.username().is_empty() || url.password().is_some() {
            return Err("must not contain credentials (user:password@)".into());
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

/// `raw` without the credentials it holds (`user:password@`), for answers: URLs stored
/// before [`AppUrl`] refused credentials must not hand them out. Returned unchanged when it
/// holds none or is no URL.
pub fn without_credentials(raw: &str) -> String {
    match Url::parse(raw) {
        Ok(mut url) if !url.username().is_empty() || url.password().is_some() => {
            // Both only fail for URLs that cannot have credentials, which this one has.
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.into()
        }
        _ => raw.to_owned(),
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
            "https://user:secret@dialer.example.com/",
            "https://user@dialer.example.com/",
            "https://:secret@dialer.example.com/",
        ] {
            assert!(AppUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn credentials_are_stripped_from_urls_in_answers() {
        assert_eq!(
            without_credentials("https://user:secret@hooks.example.com/c?x=1"),
            "https://hooks.example.com/c?x=1"
        );
        assert_eq!(
            without_credentials("https://hooks.example.com/c"),
            "https://hooks.example.com/c"
        );
        assert_eq!(without_credentials("not a url"), "not a url");
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
