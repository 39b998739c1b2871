//! The client every webhook goes out through: signed (v3 and v2, re-signed for each hop),
//! bounded in time (connect and total), in size and in redirects, and kept away from private
//! networks by [`guard`](super::guard) unless that is allowed.
//!
//! Every hop resolves its host first, checks each address, and pins the connection to exactly
//! the checked addresses (`resolve_to_addrs`), so the name cannot resolve elsewhere between the
//! check and the connect. Redirects are followed here, not by reqwest, so each target is
//! checked the same way. Proxies from the environment are ignored: a proxy would connect to
//! the unchecked name on our behalf.
//!
//! [`WebhookClient::stream`] is the same exchange for an answer too large to hold (a call
//! recording): same resolve-check-pin on every hop, same connect timeout, the total timeout
//! up to the answer's headers, then the body is passed on chunk by chunk with an idle timeout
//! and a size cap of its own, never buffered whole.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use axum::body::Bytes;
use futures_util::stream::{self, BoxStream, StreamExt};
use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE, LOCATION};
use reqwest::{Method, StatusCode};
use url::{Host, Url};

use super::{guard, signature};

/// Why a webhook gave no usable answer. Each variant's message is written for the admin who
/// sees it; [`WebhookError::code`] is the stable name.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("the webhook URL {0:?} is not an absolute http or https URL")]
    InvalidUrl(String),
    #[error("could not resolve {host}: {message}")]
    Resolve { host: String, message: String },
    #[error(
        "refused to call {host}: it resolves to {ip}, a {reason} address \
         (callhost reaches private networks only while it listens on loopback, \
         or with --allow-private-webhooks)"
    )]
    Refused {
        host: String,
        ip: IpAddr,
        reason: &'static str,
    },
    #[error("the webhook did not answer within {} ms", .0.as_millis())]
    Timeout(Duration),
    #[error("could not reach the webhook: {0}")]
    Connect(String),
    #[error("the webhook redirected more than {0} times")]
    TooManyRedirects(usize),
    #[error("the webhook redirected to an unusable location: {0}")]
    BadRedirect(String),
    #[error("the webhook answered HTTP {0}")]
    Status(StatusCode),
    #[error("the webhook's answer is larger than {0} bytes")]
    TooLarge(usize),
    #[error("the webhook's answer is not valid JSON: {0}")]
    InvalidJson(String),
}

impl WebhookError {
    /// A stable, machine-readable name for the failure.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidUrl(_) => "INVALID_URL",
            Self::Resolve { .. } => "DNS_FAILURE",
            Self::Refused { .. } => "REFUSED_ADDRESS",
            Self::Timeout(_) => "TIMEOUT",
            Self::Connect(_) => "CONNECTION_FAILED",
            Self::TooManyRedirects(_) => "TOO_MANY_REDIRECTS",
            Self::BadRedirect(_) => "BAD_REDIRECT",
            Self::Status(_) => "HTTP_STATUS",
            Self::TooLarge(_) => "RESPONSE_TOO_LARGE",
            Self::InvalidJson(_) => "INVALID_JSON",
        }
    }
}

/// A signed request for one webhook.
pub struct WebhookRequest<'a> {
    pub method: Method,
    pub url: &'a str,
    /// Sent as `application/json` when present.
    pub body: Option<Vec<u8>>,
    /// The app's client secret.
    pub secret: &'a str,
}

/// An unsigned GET whose answer is streamed ([`WebhookClient::stream`]): an app's
/// authenticated recording URL, which carries its own authorization.
pub struct StreamRequest<'a> {
    pub url: &'a str,
    /// Headers to send as they are (the browser's `Range`), on every hop.
    pub headers: HeaderMap,
}

/// A 2xx answer whose body is still on its way.
pub struct StreamedAnswer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// The body's chunks; an error ends it (idle too long, past the size cap, cut off).
    pub body: BoxStream<'static, Result<Bytes, WebhookError>>,
}

/// How long one webhook exchange may take, unless configured otherwise: to connect, and for
/// the whole exchange (redirects included) or, streamed, up to the answer's headers.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// The server's configuration of its webhooks; [`Default`] is what `callhost serve` runs with
/// unless told otherwise: no private addresses, [`DEFAULT_TIMEOUT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebhookConfig {
    /// Whether webhooks may reach loopback, private and link-local addresses.
    pub allow_private: bool,
    /// The bound on one exchange: connecting, and the whole exchange (redirects included).
    /// An app's slow webhook holds the admin's or the page's request for at most this long.
    pub timeout: Duration,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            allow_private: false,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

#[derive(Debug, Clone)]
pub struct WebhookClient {
    allow_private: bool,
    connect_timeout: Duration,
    total_timeout: Duration,
    max_body: usize,
    max_redirects: usize,
    max_stream: u64,
    stream_idle_timeout: Duration,
}

impl WebhookClient {
    /// The production limits with the [`DEFAULT_TIMEOUT`]; see [`WebhookClient::configured`].
    pub fn new(allow_private: bool) -> Self {
        Self::configured(WebhookConfig {
            allow_private,
            ..WebhookConfig::default()
        })
    }

    /// A client with `config`'s timeout for connecting and for the whole exchange (redirects
    /// included), 1 MiB of answer, 3 redirects. Streamed answers: the timeout up to the
    /// headers, at most 1 GiB (over an hour of stereo CD-quality WAV), at most 30 s between
    /// two chunks.
    pub fn configured(config: WebhookConfig) -> Self {
        Self {
            allow_private: config.allow_private,
            connect_timeout: config.timeout,
            total_timeout: config.timeout,
            max_body: 1 << 20,
            max_redirects: 3,
            max_stream: 1 << 30,
            stream_idle_timeout: Duration::from_secs(30),
        }
    }

    pub fn allows_private(&self) -> bool {
        self.allow_private
    }

    /// The bound on one exchange (see [`WebhookConfig::timeout`]).
    pub fn timeout(&self) -> Duration {
        self.total_timeout
    }

    /// The same client with another total timeout (connecting stays within it).
    pub fn with_timeout(mut self, total: Duration) -> Self {
        self.total_timeout = total;
        self.connect_timeout = self.connect_timeout.min(total);
        self
    }

    /// The same client with another answer size limit (tests).
    pub fn with_max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// The same client with another size cap for streamed answers (tests).
    pub fn with_max_stream(mut self, bytes: u64) -> Self {
        self.max_stream = bytes;
        self
    }

    /// Sends the request and returns the 2xx answer's body parsed as JSON.
    pub async fn json(
        &self,
        request: WebhookRequest<'_>,
    ) -> Result<serde_json::Value, WebhookError> {
        let body = self.send(request).await?;
        serde_json::from_slice(&body).map_err(|e| WebhookError::InvalidJson(e.to_string()))
    }

    /// Sends the request, following up to the redirect limit, and returns the 2xx answer's
    /// body; anything else is an error.
    pub async fn send(&self, request: WebhookRequest<'_>) -> Result<Vec<u8>, WebhookError> {
        match tokio::time::timeout(self.total_timeout, self.exchange(request)).await {
            Ok(result) => result,
            Err(_) => Err(WebhookError::Timeout(self.total_timeout)),
        }
    }

    async fn exchange(&self, request: WebhookRequest<'_>) -> Result<Vec<u8>, WebhookError> {
        let response = self
            .follow(
                request.method,
                request.url,
                request.body,
                Some(request.secret),
                &HeaderMap::new(),
            )
            .await?;
        self.read_body(response).await
    }

    /// Sends an unsigned GET and returns its 2xx answer with the body still streaming. The
    /// guard, the pinning, the redirect limit and the connect timeout apply as to any webhook;
    /// the total timeout runs until the answer's headers. The body is then capped at the
    /// streaming size limit (refused up front when its `Content-Length` says it is larger)
    /// and ends with [`WebhookError::Timeout`] when no chunk comes for the idle timeout.
    pub async fn stream(&self, request: StreamRequest<'_>) -> Result<StreamedAnswer, WebhookError> {
        let follow = self.follow(Method::GET, request.url, None, None, &request.headers);
        let response = match tokio::time::timeout(self.total_timeout, follow).await {
            Ok(result) => result?,
            Err(_) => return Err(WebhookError::Timeout(self.total_timeout)),
        };
        if response
            .content_length()
            .is_some_and(|len| len > self.max_stream)
        {
            return Err(WebhookError::TooLarge(self.max_stream as usize));
        }
        let status = response.status();
        let headers = response.headers().clone();
        let (max, idle) = (self.max_stream, self.stream_idle_timeout);
        // State: the response (None once it ended or failed) and the bytes passed on so far.
        let body = stream::unfold((Some(response), 0u64), move |(response, sent)| async move {
            let mut response = response?;
            let chunk = match tokio::time::timeout(idle, response.chunk()).await {
                Err(_) => Err(WebhookError::Timeout(idle)),
                Ok(Err(e)) => Err(WebhookError::Connect(error_chain(&e.without_url()))),
                Ok(Ok(None)) => return None,
                Ok(Ok(Some(chunk))) if sent + chunk.len() as u64 > max => {
                    Err(WebhookError::TooLarge(max as usize))
                }
                Ok(Ok(Some(chunk))) => Ok(chunk),
            };
            match chunk {
                Ok(chunk) => {
                    let sent = sent + chunk.len() as u64;
                    Some((Ok(chunk), (Some(response), sent)))
                }
                Err(err) => Some((Err(err), (None, sent))),
            }
        })
        .boxed();
        Ok(StreamedAnswer {
            status,
            headers,
            body,
        })
    }

    /// Sends the request, following up to the redirect limit, and returns the final 2xx
    /// answer with its body unread; anything else is an error.
    async fn follow(
        &self,
        method: Method,
        url: &str,
        body: Option<Vec<u8>>,
        secret: Option<&str>,
        headers: &HeaderMap,
    ) -> Result<reqwest::Response, WebhookError> {
        let mut url = parse_url(url).ok_or_else(|| WebhookError::InvalidUrl(url.to_owned()))?;
        let mut method = method;
        let mut body = body;
        for _ in 0..=self.max_redirects {
            let response = self
                .hop(&method, &url, body.as_deref(), secret, headers)
                .await?;
            let status = response.status();
            if status.is_redirection() {
                let location = response
                    .headers()
                    .get(LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .ok_or_else(|| WebhookError::BadRedirect("no Location header".into()))?;
                url = url
                    .join(location)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https"))
                    .ok_or_else(|| WebhookError::BadRedirect(without_query(location)))?;
                // As browsers do: 307 and 308 repeat the request, the others turn it into a GET.
                if !matches!(
                    status,
                    StatusCode::TEMPORARY_REDIRECT | StatusCode::PERMANENT_REDIRECT
                ) {
                    method = Method::GET;
                    body = None;
                }
                continue;
            }
            if !status.is_success() {
                return Err(WebhookError::Status(status));
            }
            return Ok(response);
        }
        Err(WebhookError::TooManyRedirects(self.max_redirects))
    }

    /// One request to `url`, pinned to its checked addresses and, with a secret, signed for it.
    async fn hop(
        &self,
        method: &Method,
        url: &Url,
        body: Option<&[u8]>,
        secret: Option<&str>,
        headers: &HeaderMap,
    ) -> Result<reqwest::Response, WebhookError> {
        let addrs = self.checked_addrs(url).await?;
        let host = url.host_str().unwrap_or_default();
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(self.connect_timeout)
            .user_agent(concat!("callhost/", env!("CARGO_PKG_VERSION")));
        if matches!(url.host(), Some(Host::Domain(_))) {
            builder = builder.resolve_to_addrs(host, &addrs);
        }
        let client = builder
            .build()
            .map_err(|e| WebhookError::Connect(e.to_string()))?;
        let bytes = body.unwrap_or_default();
        let now_ms = chrono::Utc::now().timestamp_millis();
        let mut request = client
            .request(method.clone(), url.clone())
            .headers(headers.clone());
        if let Some(secret) = secret {
            for (name, value) in
                signature::headers(secret, method.as_str(), url.as_str(), bytes, now_ms)
            {
                request = request.header(name, value);
            }
        }
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                .body(body.to_vec());
        }
        request.send().await.map_err(|e| {
            if e.is_timeout() {
                WebhookError::Timeout(self.connect_timeout)
            } else {
                WebhookError::Connect(error_chain(&e.without_url()))
            }
        })
    }

    /// The addresses `url`'s host resolves to, each checked; all must pass.
    async fn checked_addrs(&self, url: &Url) -> Result<Vec<SocketAddr>, WebhookError> {
        let port = url.port_or_known_default().unwrap_or(80);
        let host = url.host_str().unwrap_or_default().to_owned();
        let addrs: Vec<SocketAddr> = match url.host() {
            Some(Host::Ipv4(ip)) => vec![SocketAddr::new(ip.into(), port)],
            Some(Host::Ipv6(ip)) => vec![SocketAddr::new(ip.into(), port)],
            _ => tokio::net::lookup_host((host.as_str(), port))
                .await
                .map_err(|e| WebhookError::Resolve {
                    host: host.clone(),
                    message: e.to_string(),
                })?
                .collect(),
        };
        if addrs.is_empty() {
            return Err(WebhookError::Resolve {
                host,
                message: "no addresses".into(),
            });
        }
        if !self.allow_private {
            for addr in &addrs {
                if let Some(reason) = guard::refusal(addr.ip()) {
                    return Err(WebhookError::Refused {
                        host,
                        ip: addr.ip(),
                        reason,
                    });
                }
            }
        }
        Ok(addrs)
    }

    /// The answer's body, refused as soon as it passes the size limit.
    async fn read_body(&self, mut response: reqwest::Response) -> Result<Vec<u8>, WebhookError> {
        if response
            .content_length()
            .is_some_and(|len| len > self.max_body as u64)
        {
            return Err(WebhookError::TooLarge(self.max_body));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| WebhookError::Connect(error_chain(&e.without_url())))?
        {
            if body.len() + chunk.len() > self.max_body {
                return Err(WebhookError::TooLarge(self.max_body));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

fn parse_url(raw: &str) -> Option<Url> {
    let url = Url::parse(raw).ok()?;
    (matches!(url.scheme(), "http" | "https") && url.host().is_some()).then_some(url)
}

/// reqwest's error with its causes ("error sending request: connection refused").
/// `location` without its query and fragment, which may carry credentials (signed URLs).
fn without_query(location: &str) -> String {
    let end = location.find(['?', '#']).unwrap_or(location.len());
    location[..end].to_owned()
}

/// An error and its causes, one line. Callers strip URLs first (`reqwest::Error::without_url`):
/// the URLs callhost fetches may carry credentials, and these messages are logged and shown.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}
