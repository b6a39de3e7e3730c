//! What a push subscription must look like before the relay will ever send to it. The
//! endpoint is a URL a client chose and the relay will POST to, so it is held to `https://`
//! on a name or a public address: the relay must not become a way to reach its own
//! machine or network.

use std::net::IpAddr;

use peerline_protocol::b64;
use peerline_protocol::relay::PushSubscription;

use crate::error::RelayError;

/// Longest endpoint URL accepted (real push services use well under 512 characters).
pub const MAX_ENDPOINT_CHARS: usize = 1024;

/// Checks a subscription: a usable endpoint, a P-256 point and a 16-byte secret.
pub fn check_subscription(sub: &PushSubscription, allow_loopback: bool) -> Result<(), RelayError> {
    let bad = |what: &str| RelayError::InvalidInput(format!("The push subscription's {what}."));
    if sub.endpoint.len() > MAX_ENDPOINT_CHARS {
        return Err(bad("endpoint is longer than 1024 characters"));
    }
    let url = reqwest::Url::parse(&sub.endpoint).map_err(|_| bad("endpoint is not a URL"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("endpoint carries a user name or password"));
    }
    let host = url.host().ok_or_else(|| bad("endpoint has no host"))?;
    let loopback = match &host {
        url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    };
    if loopback {
        if !allow_loopback {
            return Err(bad("endpoint is on the relay's own machine"));
        }
    } else {
        if url.scheme() != "https" {
            return Err(bad("endpoint is not https://"));
        }
        let ip = match host {
            url::Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
            url::Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
            url::Host::Domain(_) => None,
        };
        if ip.is_some_and(|ip| !is_public(ip)) {
            return Err(bad("endpoint is a private or reserved address"));
        }
    }
    if url.scheme() != "https" && url.scheme() != "http" {
        return Err(bad("endpoint is not https://"));
    }
    let p256dh = b64::decode_url(&sub.p256dh).ok_or_else(|| bad("p256dh is not base64url"))?;
    if p256dh.len() != 65 || p256::PublicKey::from_sec1_bytes(&p256dh).is_err() {
        return Err(bad("p256dh is not an uncompressed P-256 public key"));
    }
    let auth = b64::decode_url(&sub.auth).ok_or_else(|| bad("auth is not base64url"))?;
    if auth.len() != 16 {
        return Err(bad("auth is not 16 bytes"));
    }
    Ok(())
}

/// An address on the public internet (not private, loopback, link-local, shared, multicast
/// or otherwise reserved).
fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| !is_public(IpAddr::V4(v4))))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(endpoint: &str) -> PushSubscription {
        let point = p256::SecretKey::random(&mut rand_core::OsRng)
            .public_key()
            .to_sec1_bytes();
        PushSubscription {
            endpoint: endpoint.into(),
            p256dh: b64::encode_url(&point),
            auth: b64::encode_url(&[7u8; 16]),
        }
    }

    #[test]
    fn public_https_endpoints_pass() {
        check_subscription(&sub("https://push.example.net/wpush/v2/abc"), false).unwrap();
        check_subscription(&sub("https://8.8.8.8/x"), false).unwrap();
    }

    #[test]
    fn endpoints_that_reach_inward_are_refused() {
        for e in [
            "http://push.example.net/x",
            "https://127.0.0.1/x",
            "https://localhost:8080/x",
            "https://10.1.2.3/x",
            "https://192.168.0.9/x",
            "https://169.254.169.254/latest",
            "https://100.64.0.1/x",
            "https://[::1]/x",
            "https://[fd00::1]/x",
            "https://[::ffff:10.0.0.1]/x",
            "https://user:pw@push.example.net/x",
            "ftp://push.example.net/x",
            "not a url",
        ] {
            assert!(check_subscription(&sub(e), false).is_err(), "{e}");
        }
    }

    #[test]
    fn loopback_only_when_allowed() {
        check_subscription(&sub("http://127.0.0.1:9/notify/x"), true).unwrap();
        assert!(check_subscription(&sub("http://127.0.0.1:9/notify/x"), false).is_err());
        assert!(check_subscription(&sub("http://10.0.0.1/x"), true).is_err());
    }

    #[test]
    fn keys_must_be_real() {
        let mut s = sub("https://push.example.net/x");
        s.auth = b64::encode_url(&[1u8; 15]);
        assert!(check_subscription(&s, false).is_err());
        let mut s = sub("https://push.example.net/x");
        s.p256dh = b64::encode_url(&[4u8; 65]);
        assert!(check_subscription(&s, false).is_err());
    }
}
