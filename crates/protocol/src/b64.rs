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

#[cfg(test)]
mod tests {
    #[test]
    fn round_trips_and_rejects_junk() {
        let data = b"\x00\x01peerline\xff";
        assert_eq!(super::decode(&super::encode(data)).unwrap(), data);
        assert_eq!(super::decode("aGk=").unwrap(), b"hi");
        assert!(super::decode("not base64!").is_none());
    }
}
