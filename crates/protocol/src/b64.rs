//! Base64 (standard alphabet, no padding) for binary fields in JSON.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;

/// Encodes bytes.
pub fn encode(bytes: &[u8]) -> String {
    STANDARD_NO_PAD.encode(bytes)
}

/// Decodes text, accepting padded input too; `None` when it is not base64.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    STANDARD_NO_PAD.decode(text.trim_end_matches('=')).ok()
}

/// Encodes bytes as base64url without padding (Web Push keys, RFC 8291/8292).
pub fn encode_url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes base64url, with or without padding; `None` when it is not base64url.
pub fn decode_url(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trips_and_rejects_junk() {
        let data = b"\x00\x01peerline\xff";
        assert_eq!(super::decode(&super::encode(data)).unwrap(), data);
        assert_eq!(super::decode("aGk=").unwrap(), b"hi");
        assert!(super::decode("not base64!").is_none());
    }

    #[test]
    fn url_alphabet_round_trips() {
        let data = [0xfbu8, 0xff, 0xfe];
        assert_eq!(super::encode_url(&data), "-__-");
        assert_eq!(super::decode_url("-__-").as_deref(), Some(&data[..]));
        assert_eq!(super::decode_url("-__-=").as_deref(), Some(&data[..]));
        assert_eq!(super::decode_url("+//+"), None);
    }
}
