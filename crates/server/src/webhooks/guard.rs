//! Which addresses a webhook may reach. A webhook URL is chosen by an app developer, so
//! without this check any developer account could make callhost fetch from the network it
//! runs in (an admin panel on 127.0.0.1, a database on 10.0.0.5, the cloud metadata service
//! on 169.254.169.254). The check runs on the addresses a host name resolves to, and the
//! client then connects to exactly those addresses, so a name that resolves to a public
//! address once and to a private one a moment later (DNS rebinding) gains nothing.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why `ip` may not be reached by a webhook (as a phrase: "a {reason} address"), or `None`
/// when it may.
pub fn refusal(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => refusal_v4(v4),
        IpAddr::V6(v6) => refusal_v6(v6),
    }
}

fn refusal_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, d] = ip.octets();
    Some(match (a, b, c, d) {
        (0, ..) => "unspecified (0.0.0.0/8)",
        (127, ..) => "loopback",
        (10, ..) => "private (10.0.0.0/8)",
        (172, 16..=31, ..) => "private (172.16.0.0/12)",
        (192, 168, ..) => "private (192.168.0.0/16)",
        (169, 254, 169, 254) => "cloud metadata",
        (169, 254, ..) => "link-local",
        (100, 100, 100, 200) => "cloud metadata",
        (100, 64..=127, ..) => "shared (CGNAT, 100.64.0.0/10)",
        (192, 0, 0, 192) => "cloud metadata",
        (192, 0, 0, _) => "IETF protocol assignment (192.0.0.0/24)",
        (198, 18..=19, ..) => "benchmarking (198.18.0.0/15)",
        (224..=239, ..) => "multicast",
        (240..=255, ..) => "reserved (240.0.0.0/4)",
        _ => return None,
    })
}

fn refusal_v6(ip: Ipv6Addr) -> Option<&'static str> {
    // An IPv4 address written as IPv6 reaches the IPv4 host: judge it as one.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return refusal_v4(v4);
    }
    let segments = ip.segments();
    if ip.is_unspecified() {
        return Some("unspecified");
    }
    if ip.is_loopback() {
        return Some("loopback");
    }
    // ::a.b.c.d (deprecated IPv4-compatible) and 64:ff9b::a.b.c.d (NAT64) carry an IPv4 host.
    if segments[..6] == [0; 6] || segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [_, _, _, _, _, _, hi, lo] = segments;
        let v4 = Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
        return refusal_v4(v4);
    }
    Some(match segments[0] {
        0xfd00 if segments[1] == 0x0ec2 => "cloud metadata",
        s if s & 0xfe00 == 0xfc00 => "unique local (fc00::/7)",
        s if s & 0xffc0 == 0xfe80 => "link-local (fe80::/10)",
        s if s & 0xff00 == 0xff00 => "multicast",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(ip: &str) -> bool {
        refusal(ip.parse().unwrap()).is_some()
    }

    #[test]
    fn private_loopback_link_local_cgnat_metadata_and_unspecified_are_refused() {
        for ip in [
            "127.0.0.1",
            "127.8.9.10",
            "10.0.0.5",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "169.254.1.1",
            "100.64.0.1",
            "100.127.255.255",
            "100.100.100.200",
            "192.0.0.192",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fd00:ec2::254",
            "fe80::1",
            "febf::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
        ] {
            assert!(refused(ip), "{ip} must be refused");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for ip in [
            "93.184.216.34",
            "8.8.8.8",
            "172.15.255.255",
            "172.32.0.1",
            "100.63.255.255",
            "100.128.0.1",
            "169.253.1.1",
            "192.169.0.1",
            "2606:2800:220:1:248:1893:25c8:1946",
            "2001:4860:4860::8888",
            "::ffff:93.184.216.34",
            "64:ff9b::808:808",
        ] {
            assert!(!refused(ip), "{ip} must pass");
        }
    }

    #[test]
    fn reasons_name_the_kind_of_address() {
        assert_eq!(refusal("127.0.0.1".parse().unwrap()), Some("loopback"));
        assert_eq!(
            refusal("169.254.169.254".parse().unwrap()),
            Some("cloud metadata")
        );
        assert_eq!(
            refusal("fe80::1".parse().unwrap()),
            Some("link-local (fe80::/10)")
        );
    }
}
