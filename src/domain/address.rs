//! Which addresses a server may send requests to on a caller's behalf (webhooks): public unicast
//! ones only, so that a registered URL cannot reach the machine itself, its network or a cloud
//! metadata service.

use std::net::IpAddr;

/// Why an address is not one to deliver to, if it is not.
pub fn refused(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            if v4.is_loopback() {
                Some("a loopback address")
            } else if v4.is_private() {
                Some("a private address")
            } else if v4.is_link_local() {
                Some("a link-local or cloud metadata address")
            } else if o[0] == 100 && (64..128).contains(&o[1]) {
                Some("a shared (carrier-grade NAT) address")
            } else if o[0] == 0 || v4.is_broadcast() || v4.is_multicast() || o[0] >= 240 {
                Some("not a unicast address")
            } else if v4.is_documentation()
                || (o[0] == 198 && (o[1] == 18 || o[1] == 19))
                || (o[0] == 192 && o[1] == 0 && o[2] == 0)
            {
                Some("a reserved address")
            } else {
                None
            }
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            if let Some(v4) = v6.to_ipv4_mapped() {
                return refused(IpAddr::V4(v4));
            }
            if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
                // NAT64: the IPv4 address it reaches.
                let v4 = std::net::Ipv4Addr::new(
                    (s[6] >> 8) as u8,
                    s[6] as u8,
                    (s[7] >> 8) as u8,
                    s[7] as u8,
                );
                return refused(IpAddr::V4(v4));
            }
            if v6.is_loopback() {
                Some("a loopback address")
            } else if v6.is_unspecified() || v6.is_multicast() {
                Some("not a unicast address")
            } else if (s[0] & 0xfe00) == 0xfc00 {
                Some("a private (unique local) or cloud metadata address")
            } else if (s[0] & 0xffc0) == 0xfe80 {
                Some("a link-local address")
            } else if s[0] == 0x2001 && s[1] == 0x0db8 {
                Some("a reserved address")
            } else {
                None
            }
        }
    }
}

/// Why an address is fenced off: any non-public one, or, when private networks are allowed (tests,
/// a receiver on the LAN), still the link-local range that cloud metadata services answer on
/// (169.254.169.254, fd00:ec2::254), in any of its spellings.
pub fn fenced(ip: IpAddr, allow_private: bool) -> Option<&'static str> {
    if !allow_private {
        return refused(ip);
    }
    let metadata =
        "a link-local or cloud metadata address (refused even with private networks allowed)";
    let v4 = match ip {
        IpAddr::V4(v4) => Some(v4),
        IpAddr::V6(v6) => v6.to_ipv4_mapped().or_else(|| {
            let s = v6.segments();
            (s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0]).then(|| {
                std::net::Ipv4Addr::new(
                    (s[6] >> 8) as u8,
                    s[6] as u8,
                    (s[7] >> 8) as u8,
                    s[7] as u8,
                )
            })
        }),
    };
    match (ip, v4) {
        (_, Some(v4)) if v4.is_link_local() => Some(metadata),
        (IpAddr::V6(v6), None)
            if (v6.segments()[0] & 0xffc0) == 0xfe80
                || v6 == std::net::Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) =>
        {
            Some(metadata)
        }
        _ => None,
    }
}

/// The IP address a URL names literally, if it does.
pub fn url_ip(url: &str) -> Option<IpAddr> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if let Some(v6) = host.strip_prefix('[') {
        return v6.split(']').next()?.parse().ok();
    }
    host.split(':').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_delivered_to() {
        for bad in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00:ec2::254",
            "fe80::1",
            "::ffff:127.0.0.1",
            "64:ff9b::a9fe:a9fe",
        ] {
            assert!(refused(bad.parse().unwrap()).is_some(), "{bad}");
        }
        for good in ["93.184.216.34", "2606:4700:4700::1111", "8.8.8.8"] {
            assert!(refused(good.parse().unwrap()).is_none(), "{good}");
        }
        assert_eq!(
            url_ip("http://127.0.0.1:8080/x"),
            Some("127.0.0.1".parse().unwrap())
        );
        assert_eq!(url_ip("https://[::1]/x"), Some("::1".parse().unwrap()));
        assert_eq!(url_ip("https://partenaire.example/x"), None);
        // Private networks allowed: loopback and the LAN pass, metadata never.
        for open in ["127.0.0.1", "10.1.2.3", "::1"] {
            assert!(fenced(open.parse().unwrap(), true).is_none(), "{open}");
        }
        for shut in [
            "169.254.169.254",
            "::ffff:169.254.169.254",
            "fd00:ec2::254",
            "fe80::1",
            "64:ff9b::a9fe:a9fe",
        ] {
            assert!(fenced(shut.parse().unwrap(), true).is_some(), "{shut}");
        }
    }
}
