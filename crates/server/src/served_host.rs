//! Which names callhost answers to: the `Host` check that stops DNS rebinding.
//!
//! Security: a page on `rebind.attacker.example` whose name is made to resolve to 127.0.0.1
//! reaches callhost from a loopback peer, with its own origin as Origin and Host, so the
//! peer address and the same-origin check on writes prove nothing about it. What gives it
//! away is the name it asked for. So every request on a listener is refused, with 421
//! Misdirected Request in HubSpot's error shape, before any route or sign-in runs, unless its
//! `Host` is one callhost is served as (docs/design.md#served-host-names):
//!
//! - the listener's own address: its IP literal (any IP literal when it listens on an
//!   unspecified address), with its port or with none;
//! - `localhost` with the listener's port (or with none when that port is 80);
//! - a name given with `--allowed-host` (a reverse proxy's): with no port given, any port;
//!   with one, that port only.
//!
//! The first two are *direct* names, the third *proxied*: [`check_host`] records which in
//! the request's extensions as [`ServedAs`], and automatic sign-in trusts only direct names
//! (`host::signin`). A request without [`ServedAs`] was never checked, and is treated as
//! proxied.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::HOST;
use axum::http::uri::Authority;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// How the request's `Host` names callhost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServedAs {
    /// The listener's own address, or `localhost`.
    Direct,
    /// A name given with `--allowed-host`: a reverse proxy's, whose requests all look like
    /// they come from loopback.
    Proxied,
}

/// The names one listener answers to.
#[derive(Debug, Clone)]
pub struct ServedHosts {
    listen: SocketAddr,
    proxied: Arc<[AllowedHost]>,
}

/// One `--allowed-host` name, lowercased, with its port if it gave one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedHost {
    name: String,
    port: Option<u16>,
}

impl AllowedHost {
    /// `NAME` or `NAME:PORT`, as a Host header would carry it.
    pub fn parse(value: &str) -> Result<Self, String> {
        let (name, port) = split_host(value.trim())
            .ok_or_else(|| format!("{value:?} is not a host name (NAME or NAME:PORT)"))?;
        Ok(Self { name, port })
    }
}

impl ServedHosts {
    pub fn new(listen: SocketAddr, proxied: Arc<[AllowedHost]>) -> Self {
        Self { listen, proxied }
    }

    /// How `host` (a Host header's value) names this listener, or `None` when it does not.
    pub fn classify(&self, host: &str) -> Option<ServedAs> {
        let (name, port) = split_host(host)?;
        let port_is_ours = |port: Option<u16>| port.unwrap_or(80) == self.listen.port();
        let ip = name
            .strip_prefix('[')
            .and_then(|n| n.strip_suffix(']'))
            .unwrap_or(&name)
            .parse::<IpAddr>()
            .ok();
        let direct = match ip {
            // An IP literal may omit the port: nothing can rebind a literal.
            Some(ip) => {
                (ip == self.listen.ip() || self.listen.ip().is_unspecified())
                    && (port.is_none() || port_is_ours(port))
            }
            None => name == "localhost" && port_is_ours(port),
        };
        if direct {
            return Some(ServedAs::Direct);
        }
        self.proxied
            .iter()
            .any(|allowed| allowed.name == name && allowed.port.is_none_or(|p| Some(p) == port))
            .then_some(ServedAs::Proxied)
    }
}

/// A Host value's lowercased name and port; `None` for anything that is not `NAME[:PORT]`
/// (user info, a path, an empty name).
fn split_host(value: &str) -> Option<(String, Option<u16>)> {
    if value.contains('@') {
        return None;
    }
    let authority: Authority = value.parse().ok()?;
    if authority.as_str() != value || authority.host().is_empty() {
        return None;
    }
    Some((authority.host().to_ascii_lowercase(), authority.port_u16()))
}

/// Layer on each listener's router: refuses a request whose Host is not one this listener is
/// served as, and marks the others with [`ServedAs`].
pub async fn check_host(
    State(hosts): State<ServedHosts>,
    mut request: Request,
    next: Next,
) -> Response {
    // HTTP/1.1 carries Host; HTTP/2 the URI's authority.
    let host = request
        .headers()
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| request.uri().authority().map(Authority::as_str));
    match host.and_then(|h| hosts.classify(h)) {
        Some(served_as) => {
            request.extensions_mut().insert(served_as);
            next.run(request).await
        }
        None => {
            tracing::info!(host = ?host, "refused a request for a host name callhost is not served as");
            ApiError::misdirected(
                "callhost is not served under this host name (pass it with --allowed-host \
                 if a reverse proxy serves callhost under it).",
            )
            .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(listen: &str, proxied: &[&str]) -> ServedHosts {
        let proxied: Vec<AllowedHost> = proxied
            .iter()
            .map(|p| AllowedHost::parse(p).unwrap())
            .collect();
        ServedHosts::new(listen.parse().unwrap(), proxied.into())
    }

    #[test]
    fn the_listen_address_and_localhost_are_direct() {
        let h = hosts("127.0.0.1:8080", &[]);
        for host in [
            "127.0.0.1:8080",
            "127.0.0.1",
            "localhost:8080",
            "LocalHost:8080",
        ] {
            assert_eq!(h.classify(host), Some(ServedAs::Direct), "{host}");
        }
        for host in [
            "localhost",
            "localhost:8081",
            "127.0.0.1:8081",
            "127.0.0.2:8080",
            "rebind.attacker.example",
            "rebind.attacker.example:8080",
            "localhost.:8080",
            "user@localhost:8080",
            "",
        ] {
            assert_eq!(h.classify(host), None, "{host}");
        }
    }

    #[test]
    fn ipv6_and_unspecified_listen_addresses() {
        let h = hosts("[::1]:9000", &[]);
        assert_eq!(h.classify("[::1]:9000"), Some(ServedAs::Direct));
        assert_eq!(h.classify("[::1]"), Some(ServedAs::Direct));
        assert_eq!(h.classify("127.0.0.1:9000"), None);
        let any = hosts("0.0.0.0:9000", &[]);
        assert_eq!(any.classify("192.0.2.7:9000"), Some(ServedAs::Direct));
        assert_eq!(any.classify("192.0.2.7:9001"), None);
        assert_eq!(any.classify("box.example:9000"), None);
    }

    #[test]
    fn allowed_hosts_are_proxied_with_any_port_unless_they_name_one() {
        let h = hosts(
            "127.0.0.1:8080",
            &["callhost.example.com", "Other.Example:8443"],
        );
        assert_eq!(h.classify("callhost.example.com"), Some(ServedAs::Proxied));
        assert_eq!(
            h.classify("CALLHOST.example.com:443"),
            Some(ServedAs::Proxied)
        );
        assert_eq!(h.classify("other.example:8443"), Some(ServedAs::Proxied));
        assert_eq!(h.classify("other.example"), None);
        assert_eq!(h.classify("localhost:8080"), Some(ServedAs::Direct));
        assert!(AllowedHost::parse("a.example/path").is_err());
        assert!(AllowedHost::parse("").is_err());
    }
}
