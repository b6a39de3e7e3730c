//! Which relay addresses the client will speak to.

use crate::error::ClientError;

/// Checks a relay address: HTTPS anywhere, plain HTTP only to this device itself (the
/// embedded demo relay and tests). A redirect is never followed, so this holds for every
/// request.
pub fn check_relay_url(url: &str) -> Result<(), ClientError> {
    let parsed = url::Url::parse(url).map_err(|_| ClientError::InvalidAddress)?;
    let loopback = match parsed.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    };
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(ClientError::InsecureAddress),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_this_device() {
        assert!(check_relay_url("https://relay.example.org").is_ok());
        assert!(check_relay_url("http://127.0.0.1:8787").is_ok());
        assert!(check_relay_url("http://localhost:8787").is_ok());
        assert!(check_relay_url("http://[::1]:8787").is_ok());
        assert!(matches!(
            check_relay_url("http://relay.example.org"),
            Err(ClientError::InsecureAddress)
        ));
        assert!(check_relay_url("ftp://relay.example.org").is_err());
        assert!(matches!(
            check_relay_url("not a url"),
            Err(ClientError::InvalidAddress)
        ));
    }
}
