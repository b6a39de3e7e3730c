//! One-tap actions and the link allow-list. Only `tel:`, `sms:` and `https:` are ever built
//! or let through: a directory comes from outside the phone, and a link like `javascript:`,
//! `file:` or `intent:` handed to the system opener could do far more than start a call.

use peerline_protocol::documents::DirectoryEntry;
use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use serde::Serialize;

use crate::error::{Error, Result};

/// Longest link accepted; real ones are far shorter, and a huge one is a sign of abuse.
const MAX_URI_CHARS: usize = 2048;
/// Longest text-message starter accepted (one SMS).
const MAX_SMS_BODY_CHARS: usize = 160;

/// What a one-tap action does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// Start a phone call (`tel:`).
    Call,
    /// Start a text message (`sms:`).
    Text,
    /// Open a web page (`https:`).
    Web,
}

/// A one-tap action. When the entry's contact is malformed the action is still listed, with
/// no link and a reason in plain words, so the officer sees why it cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Action {
    /// Call, text or web.
    pub kind: ActionKind,
    /// What the button says ("Call 988", "Text HOME to 741741", "Open copline.org").
    pub label: String,
    /// The link to open; passes [`allowed_uri`]. `None` when the action is disabled.
    pub uri: Option<String>,
    /// Why the action is disabled, when it is.
    pub disabled_reason: Option<String>,
}

impl Action {
    fn new(kind: ActionKind, label: String, uri: Result<String, &'static str>) -> Self {
        match uri {
            Ok(uri) => Self {
                kind,
                label,
                uri: Some(uri),
                disabled_reason: None,
            },
            Err(why) => Self {
                kind,
                label,
                uri: None,
                disabled_reason: Some(why.to_owned()),
            },
        }
    }
}

/// The actions an entry offers: call, text and web, for each contact it lists.
pub fn actions_for(e: &DirectoryEntry) -> Vec<Action> {
    let mut out = Vec::with_capacity(3);
    if let Some(raw) = &e.phone {
        out.push(Action::new(
            ActionKind::Call,
            format!("Call {}", raw.trim()),
            dialable(raw).map(|n| format!("tel:{n}")),
        ));
    }
    if let Some(raw) = &e.sms {
        let body = e
            .sms_body
            .as_deref()
            .map(str::trim)
            .filter(|b| !b.is_empty());
        let label = match body {
            Some(b) => format!("Text {b} to {}", raw.trim()),
            None => format!("Text {}", raw.trim()),
        };
        out.push(Action::new(ActionKind::Text, label, sms_link(raw, body)));
    }
    if let Some(raw) = &e.web {
        let checked = web_link(raw);
        let label = checked
            .as_ref()
            .ok()
            .and_then(|u| url::Url::parse(u).ok())
            .and_then(|u| {
                u.host_str()
                    .map(|h| h.trim_start_matches("www.").to_owned())
            })
            .map_or_else(|| "Open website".to_owned(), |h| format!("Open {h}"));
        out.push(Action::new(ActionKind::Web, label, checked));
    }
    out
}

/// Checks a link before the shell opens it, and returns the exact link to open. Only a
/// `tel:` or `sms:` link to a dialable number (as [`actions_for`] builds them) or an
/// `https:` page passes; anything else — `javascript:`, `file:`, `http:`, `intent:`,
/// `data:`, a number with letters — is refused.
pub fn allowed_uri(uri: &str) -> Result<String> {
    if uri.chars().count() > MAX_URI_CHARS
        || uri.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(Error::LinkNotAllowed);
    }
    let (scheme, rest) = uri.split_once(':').ok_or(Error::LinkNotAllowed)?;
    let ok = match scheme.to_ascii_lowercase().as_str() {
        "tel" => canonical_number(rest).then(|| format!("tel:{rest}")),
        "sms" => {
            let (number, query) = match rest.split_once('?') {
                Some((n, q)) => (n, Some(q)),
                None => (rest, None),
            };
            let body_ok = match query {
                None => true,
                Some(q) => q.strip_prefix("body=").is_some_and(body_param_ok),
            };
            (canonical_number(number) && body_ok).then(|| format!("sms:{rest}"))
        }
        "https" => web_link(uri).ok(),
        _ => None,
    };
    ok.ok_or(Error::LinkNotAllowed)
}

/// A number as it is dialled: E.164 (`+` and 8–15 digits) or a short code (3–8 digits).
fn canonical_number(s: &str) -> bool {
    match s.strip_prefix('+') {
        Some(d) => (8..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()),
        None => (3..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()),
    }
}

fn body_param_ok(encoded: &str) -> bool {
    let bytes_ok = encoded
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"%-._~".contains(&b));
    bytes_ok
        && percent_decode_str(encoded).decode_utf8().is_ok_and(|t| {
            t.chars().count() <= MAX_SMS_BODY_CHARS && !t.chars().any(char::is_control)
        })
}

/// Normalises a number for dialling: E.164 where it can tell the country (US numbers of 10
/// digits, or 11 starting with 1), short codes (988, 741741) kept as digits. The error says
/// in plain words why it cannot be dialled.
pub(crate) fn dialable(raw: &str) -> Result<String, &'static str> {
    let t = raw.trim();
    let (plus, rest) = match t.strip_prefix('+') {
        Some(r) => (true, r),
        None => (false, t),
    };
    let mut digits = String::with_capacity(rest.len());
    for c in rest.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else if c.is_alphabetic() {
            return Err("This number has letters in it, and a phone can only dial digits.");
        } else if !" -().".contains(c) {
            return Err("This number has characters in it that a phone cannot dial.");
        }
    }
    let first = digits.as_bytes().first().copied().unwrap_or(b'0');
    let second = digits.as_bytes().get(1).copied().unwrap_or(b'0');
    match (plus, digits.len()) {
        (true, 8..=15) => Ok(format!("+{digits}")),
        (true, _) => Err("This international number is too short or too long to dial."),
        (false, 3..=8) => Ok(digits),
        (false, 10) if first >= b'2' => Ok(format!("+1{digits}")),
        (false, 11) if first == b'1' && second >= b'2' => Ok(format!("+{digits}")),
        (false, 0) => Err("No number is listed."),
        (false, _) => Err(
            "This is not a US number or short code Peerline can dial. Check it with your coordinator.",
        ),
    }
}

fn sms_link(raw: &str, body: Option<&str>) -> Result<String, &'static str> {
    let number = dialable(raw)?;
    match body {
        None => Ok(format!("sms:{number}")),
        Some(b) if b.chars().count() > MAX_SMS_BODY_CHARS || b.chars().any(char::is_control) => {
            Err("The message this entry starts with is too long or not plain text.")
        }
        // RFC 5724 form, which current iOS and Android both read.
        Some(b) => Ok(format!(
            "sms:{number}?body={}",
            utf8_percent_encode(b, NON_ALPHANUMERIC)
        )),
    }
}

fn web_link(raw: &str) -> Result<String, &'static str> {
    let t = raw.trim();
    if t.chars().count() > MAX_URI_CHARS || t.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err("This web address is not valid.");
    }
    let u = url::Url::parse(t).map_err(|_| "This web address is not valid.")?;
    if u.scheme() != "https" {
        return Err("This web page is not secure (https), so Peerline will not open it.");
    }
    // A user name in a link ("https://bank.com@evil.example") is a classic disguise.
    if !u.username().is_empty() || u.password().is_some() {
        return Err("This web address hides where it really goes, so Peerline will not open it.");
    }
    let link: String = match u.host() {
        Some(url::Host::Domain(d)) if d.contains('.') => u.into(),
        _ => return Err("This web address has no proper site name, so Peerline will not open it."),
    };
    // Normalising can lengthen it (an international site name becomes punycode), and a
    // link must pass the same limit when it is opened.
    if link.chars().count() > MAX_URI_CHARS {
        return Err("This web address is not valid.");
    }
    Ok(link)
}

#[cfg(test)]
mod tests {
    use super::*;
    use peerline_protocol::documents::EntryKind;

    fn entry() -> DirectoryEntry {
        DirectoryEntry {
            name: "Line".into(),
            kind: EntryKind::CrisisLine,
            specialties: vec![],
            first_responder_competent: false,
            telehealth: false,
            languages: vec![],
            cost: None,
            always_open: true,
            hours: None,
            region: None,
            phone: None,
            sms: None,
            sms_body: None,
            web: None,
            notes: None,
        }
    }

    #[test]
    fn numbers_are_normalised_to_e164_or_kept_as_short_codes() {
        assert_eq!(dialable("1-800-267-5463").unwrap(), "+18002675463");
        assert_eq!(dialable("(555) 010-0000").unwrap(), "+15550100000");
        assert_eq!(dialable("+1 (555) 010-0000").unwrap(), "+15550100000");
        assert_eq!(dialable("615.373.8000").unwrap(), "+16153738000");
        assert_eq!(dialable("+44 20 7946 0000").unwrap(), "+442079460000");
        for short in ["988", "741741", "838255", "435748"] {
            assert_eq!(dialable(short).unwrap(), short);
        }
        assert!(dialable("1-800-COPLINE").unwrap_err().contains("letters"));
        assert!(dialable("98#8").is_err());
        assert!(dialable("12").is_err());
        assert!(dialable("+12").is_err());
        assert!(
            dialable("0123456789").is_err(),
            "no US area code starts with 0"
        );
        assert!(dialable("123456789012345").is_err(), "needs a country code");
        assert!(dialable("٩٨٨").is_err(), "only ASCII digits are dialled");
        assert!(dialable("").is_err());
    }

    #[test]
    fn actions_are_built_for_each_contact_in_order() {
        let e = DirectoryEntry {
            phone: Some("1-800-267-5463".into()),
            sms: Some("741741".into()),
            sms_body: Some("HOME".into()),
            web: Some("https://www.copline.org/about".into()),
            ..entry()
        };
        let a = actions_for(&e);
        assert_eq!(
            a.iter().map(|a| a.kind).collect::<Vec<_>>(),
            [ActionKind::Call, ActionKind::Text, ActionKind::Web]
        );
        assert_eq!(a[0].uri.as_deref(), Some("tel:+18002675463"));
        assert_eq!(a[0].label, "Call 1-800-267-5463");
        assert_eq!(a[1].uri.as_deref(), Some("sms:741741?body=HOME"));
        assert_eq!(a[1].label, "Text HOME to 741741");
        assert_eq!(a[2].uri.as_deref(), Some("https://www.copline.org/about"));
        assert_eq!(a[2].label, "Open copline.org");
        for action in &a {
            let uri = action.uri.as_deref().unwrap();
            assert_eq!(
                allowed_uri(uri).unwrap(),
                uri,
                "what we build is what we allow"
            );
        }
        let e = DirectoryEntry {
            sms: Some("988".into()),
            sms_body: Some("AYUDA ahora, por favor".into()),
            ..entry()
        };
        let uri = actions_for(&e)[0].uri.clone().unwrap();
        assert_eq!(uri, "sms:988?body=AYUDA%20ahora%2C%20por%20favor");
        assert_eq!(allowed_uri(&uri).unwrap(), uri);
    }

    #[test]
    fn a_malformed_contact_gives_a_disabled_action_with_a_reason() {
        let e = DirectoryEntry {
            phone: Some("1-800-COPLINE".into()),
            sms: Some("12".into()),
            web: Some("http://insecure.example".into()),
            ..entry()
        };
        let a = actions_for(&e);
        assert_eq!(a.len(), 3, "still listed");
        for action in &a {
            assert_eq!(action.uri, None);
            let why = action.disabled_reason.as_deref().unwrap();
            assert!(why.ends_with('.'), "a sentence: {why}");
        }
        assert!(a[0].disabled_reason.as_deref().unwrap().contains("letters"));
        assert!(a[2].disabled_reason.as_deref().unwrap().contains("https"));
        assert_eq!(a[2].label, "Open website");
        assert!(actions_for(&entry()).is_empty(), "no contact, no action");
    }

    #[test]
    fn a_web_address_that_punycode_lengthens_past_the_limit_is_refused_not_built() {
        // Found by the signed_documents fuzz target: the address fitted the limit as
        // written, its normalised form did not, so the built link failed to open.
        let label = "é".repeat(40);
        let raw = format!("https://{}example.org/", format!("{label}.").repeat(45));
        assert!(raw.chars().count() <= MAX_URI_CHARS);
        assert!(web_link(&raw).is_err());
        // Within the limit once normalised: built, and the built link opens.
        let short = format!("https://{label}.example.org/");
        let built = web_link(&short).unwrap();
        assert_eq!(allowed_uri(&built).unwrap(), built);
    }

    #[test]
    fn only_tel_sms_and_https_links_are_allowed() {
        for ok in [
            "tel:988",
            // The crisis sheet's emergency line.
            "tel:911",
            "tel:+18002675463",
            "sms:741741",
            "sms:741741?body=HOME",
            "sms:+18009855990",
            "https://988lifeline.org",
            "https://www.samhsa.gov/find-help/national-helpline",
        ] {
            assert!(allowed_uri(ok).is_ok(), "{ok}");
        }
        assert_eq!(allowed_uri("TEL:988").unwrap(), "tel:988");
        assert_eq!(
            allowed_uri("https://988lifeline.org").unwrap(),
            "https://988lifeline.org/"
        );
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "file:///etc/passwd",
            "http://988lifeline.org",
            "intent://scan/#Intent;scheme=zxing;end",
            "data:text/html,<script>alert(1)</script>",
            "mailto:someone@example.com",
            "tel:1-800-COPLINE",
            "tel:911abc",
            "tel:+1-800-267-5463",
            "tel:",
            "tel:12",
            "tel:988;ext=1",
            "sms:741741?body=HOME&cc=555",
            "sms:741741?to=555",
            "sms:741741?body=<script>",
            "sms:741741?body=%0A%0D",
            "sms:abc",
            "https://user:pass@example.com",
            "https://bank.example@evil.example",
            "https://localhost/",
            "https://127.0.0.1/",
            "https://exa mple.com",
            "https://example.com/\n",
            "https://",
            "",
            ":",
            "988",
            "www.example.com",
            "//example.com",
        ] {
            let e = allowed_uri(bad).unwrap_err();
            assert_eq!(e.code(), "LINK_NOT_ALLOWED", "{bad}");
        }
        assert!(allowed_uri(&format!("https://example.com/{}", "a".repeat(3000))).is_err());
    }
}
