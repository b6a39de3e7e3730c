//! Invites: what a coordinator hands an officer or a peer (a link, or the same text in a
//! QR code) so their app can join the team. It names the relay, the team, the team's
//! signing public key (so the roster and directory can be verified from the first fetch)
//! and a one-time-ish code the relay checks. Nothing in it identifies the person.

use url::Url;

use crate::b64;

/// The link scheme and host.
pub const LINK_PREFIX: &str = "peerline://join";
const VERSION: &str = "1";

/// A parsed, well-formed invite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invite {
    /// Base URL of the relay, e.g. `https://relay.example.org`.
    pub relay_url: String,
    /// The team's id on that relay.
    pub team_id: String,
    /// The team's ed25519 signing public key (32 bytes).
    pub team_public_key: [u8; 32],
    /// The secret code that lets one device register.
    pub code: String,
}

/// Why an invite text was refused. Each says what is wrong in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InviteError {
    /// Not a Peerline invite link at all.
    NotAnInvite,
    /// A field is missing or malformed.
    BadField(&'static str),
    /// From a newer app.
    UnsupportedVersion,
}

impl std::fmt::Display for InviteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotAnInvite => f.write_str("This is not a Peerline invite. Ask your coordinator for a new link or QR code."),
            Self::BadField(name) => write!(f, "This invite is damaged (its {name} is not valid). Ask your coordinator for a new one."),
            Self::UnsupportedVersion => f.write_str("This invite was made for a newer version of Peerline. Update the app and try again."),
        }
    }
}

impl std::error::Error for InviteError {}

impl Invite {
    /// The link (also the QR payload).
    pub fn to_link(&self) -> String {
        let mut url = match Url::parse(LINK_PREFIX) {
            Ok(u) => u,
            Err(_) => return String::new(),
        };
        url.query_pairs_mut()
            .append_pair("v", VERSION)
            .append_pair("relay", &self.relay_url)
            .append_pair("team", &self.team_id)
            .append_pair("key", &b64::encode(&self.team_public_key))
            .append_pair("code", &self.code);
        url.to_string()
    }

    /// Parses a link or QR text. Surrounding whitespace (from pasting) is ignored.
    pub fn parse(text: &str) -> Result<Self, InviteError> {
        let text = text.trim();
        if text.len() > 2048 || !text.starts_with(LINK_PREFIX) {
            return Err(InviteError::NotAnInvite);
        }
        let url = Url::parse(text).map_err(|_| InviteError::NotAnInvite)?;
        let get = |name: &'static str| {
            url.query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
                .ok_or(InviteError::BadField(name))
        };
        if get("v").map_err(|_| InviteError::BadField("version"))? != VERSION {
            return Err(InviteError::UnsupportedVersion);
        }
        let relay_url = get("relay")?;
        let relay = Url::parse(&relay_url).map_err(|_| InviteError::BadField("relay address"))?;
        // Scheme and host are case-insensitive, so "Http://" or "Relay.example.org" would
        // reach the same relay: a tool never writes them, so they mean a damaged link.
        let authority_end = relay_url
            .find("://")
            .map(|i| i + 3)
            .map(|start| {
                relay_url[start..]
                    .find('/')
                    .map_or(relay_url.len(), |j| start + j)
            })
            .unwrap_or(relay_url.len());
        if relay_url[..authority_end]
            .bytes()
            .any(|b| b.is_ascii_uppercase())
        {
            return Err(InviteError::BadField("relay address"));
        }
        if !matches!(relay.scheme(), "https" | "http") || relay.host_str().is_none() {
            return Err(InviteError::BadField("relay address"));
        }
        let team_id = get("team")?;
        if !is_id(&team_id) {
            return Err(InviteError::BadField("team"));
        }
        let key = b64::decode(&get("key")?).ok_or(InviteError::BadField("team key"))?;
        let team_public_key: [u8; 32] = key
            .try_into()
            .map_err(|_| InviteError::BadField("team key"))?;
        let code = get("code")?;
        if code.len() < 16 || code.len() > 128 || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(InviteError::BadField("code"));
        }
        // Invites are made by a tool, never typed: anything but the exact form it writes
        // ("Http:", "%3a" for "%3A", reordered fields) is a damaged or altered link, even
        // where a URL parser would read the same meaning.
        let exact = Self {
            relay_url,
            team_id,
            team_public_key,
            code,
        };
        if exact.to_link() != text {
            return Err(InviteError::BadField("link"));
        }
        Ok(Self {
            relay_url: exact.relay_url.trim_end_matches('/').to_owned(),
            ..exact
        })
    }
}

/// Ids on the wire are 32 lowercase hex digits (128 random bits).
pub fn is_id(s: &str) -> bool {
    s.len() == 32
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Invite {
        Invite {
            relay_url: "https://relay.example.org".into(),
            team_id: "0123456789abcdef0123456789abcdef".into(),
            team_public_key: [7; 32],
            code: "Zx9kQ2mP4vR8sT1uW3yA5bC7".into(),
        }
    }

    #[test]
    fn link_round_trips() {
        let inv = sample();
        let link = inv.to_link();
        assert!(link.starts_with("peerline://join?v=1&relay=https%3A%2F%2Frelay.example.org"));
        assert_eq!(Invite::parse(&format!("  {link}\n")).unwrap(), inv);
    }

    #[test]
    fn malformed_invites_say_what_is_wrong() {
        let link = sample().to_link();
        assert_eq!(
            Invite::parse("https://example.org"),
            Err(InviteError::NotAnInvite)
        );
        assert_eq!(Invite::parse(""), Err(InviteError::NotAnInvite));
        assert_eq!(
            Invite::parse(&link.replace("v=1", "v=9")),
            Err(InviteError::UnsupportedVersion)
        );
        assert_eq!(
            Invite::parse(&link.replace("team=0123", "team=XYZ")),
            Err(InviteError::BadField("team"))
        );
        assert_eq!(
            Invite::parse(&link.replace("&code=", "&cod=")),
            Err(InviteError::BadField("code"))
        );
        assert_eq!(
            Invite::parse(&link.replace("https%3A%2F%2F", "ftp%3A%2F%2F")),
            Err(InviteError::BadField("relay address"))
        );
        let msg = InviteError::BadField("team key").to_string();
        assert!(msg.contains("Ask your coordinator"));
    }
}
