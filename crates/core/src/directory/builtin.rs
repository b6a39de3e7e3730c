//! The national resources shipped with the app (`crates/core/data/national_resources.json`).
//! They need no vault and no network, so the crisis sheet works on first launch and while
//! the vault is locked. Every entry records where it was checked and when; an entry that
//! cannot be checked against a public source does not go in.

use std::sync::OnceLock;

use peerline_protocol::documents::DirectoryEntry;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::{Hit, Origin, urgency_rank};

const DATA: &str = include_str!("../../data/national_resources.json");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DataFile {
    /// Who checked the list: required in the file for its reviewers, never shown.
    #[cfg_attr(not(test), allow(dead_code))]
    checked_by: String,
    resources: Vec<Resource>,
}

/// A built-in resource and where it was checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resource {
    /// Stable id (`988-lifeline`).
    pub id: String,
    /// The public page the details were checked against.
    pub source_url: String,
    /// When they were checked, `YYYY-MM-DD`.
    pub checked_on: String,
    /// The id of another resource whose number this one is reached through (the Veterans
    /// Crisis Line is 988, then 1); the only way two entries may share a number.
    #[serde(default)]
    pub same_number_as: Option<String>,
    /// The entry itself.
    pub entry: DirectoryEntry,
}

/// The built-in resources, in the file's order.
pub fn builtin() -> &'static [Resource] {
    static PARSED: OnceLock<Vec<Resource>> = OnceLock::new();
    PARSED.get_or_init(|| match serde_json::from_str::<DataFile>(DATA) {
        Ok(f) => f.resources,
        Err(e) => {
            // The data-file test makes this unreachable in a tested build; if it ever
            // happens, the agency's list and search still work.
            tracing::error!(error = %e, "the built-in directory does not parse");
            Vec::new()
        }
    })
}

/// The built-in resources as search results, crisis lines open around the clock first:
/// what the crisis sheet shows, with no vault needed.
pub fn builtin_hits() -> Vec<Hit> {
    let mut list: Vec<&Resource> = builtin().iter().collect();
    // The same order as the search index: rank, then name.
    list.sort_by_cached_key(|r| (urgency_rank(&r.entry), r.entry.name.to_lowercase()));
    list.into_iter().map(hit).collect()
}

pub(super) fn hit(r: &Resource) -> Hit {
    Hit::new(
        r.id.clone(),
        Origin::Builtin,
        r.entry.clone(),
        Some(r.source_url.clone()),
        Some(r.checked_on.clone()),
    )
}

/// A digest of the shipped file, so the search index is rebuilt when the list changes.
pub(super) fn digest() -> &'static str {
    static DIGEST: OnceLock<String> = OnceLock::new();
    DIGEST.get_or_init(|| {
        Sha256::digest(DATA.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use peerline_protocol::documents::{Directory, EntryKind};

    use super::*;
    use crate::directory::actions::dialable;

    /// Everything the data file must satisfy; returns every problem found, not just the first.
    fn problems(text: &str) -> Vec<String> {
        let file: DataFile = match serde_json::from_str(text) {
            Ok(f) => f,
            Err(e) => return vec![format!("schema: {e}")],
        };
        let mut out = Vec::new();
        if file.checked_by.trim().is_empty() {
            out.push("checked_by is empty".to_owned());
        }
        if file.resources.is_empty() {
            out.push("no resources".to_owned());
        }
        let mut ids = HashSet::new();
        let mut names = HashSet::new();
        // normalised number -> ids of the entries listing it
        let mut numbers: HashMap<String, HashSet<&str>> = HashMap::new();
        for r in &file.resources {
            let at = &r.id;
            if r.id.is_empty()
                || !r
                    .id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            {
                out.push(format!(
                    "{at}: id must be lowercase letters, digits and '-'"
                ));
            }
            if !ids.insert(r.id.as_str()) {
                out.push(format!("{at}: duplicate id"));
            }
            if !names.insert(r.entry.name.to_lowercase()) {
                out.push(format!("{at}: duplicate name {}", r.entry.name));
            }
            match url::Url::parse(&r.source_url) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => {
                    // A proxy or redirect link is not the source itself.
                    if u.query_pairs()
                        .any(|(_, v)| v.starts_with("http://") || v.starts_with("https://"))
                    {
                        out.push(format!("{at}: source_url wraps another address"));
                    }
                }
                _ => out.push(format!("{at}: source_url must be an http(s) address")),
            }
            let date_ok = r.checked_on.len() == 10
                && chrono::NaiveDate::parse_from_str(&r.checked_on, "%Y-%m-%d").is_ok();
            if !date_ok {
                out.push(format!("{at}: checked_on must be an ISO date YYYY-MM-DD"));
            }
            for (field, value) in [("phone", &r.entry.phone), ("sms", &r.entry.sms)] {
                if let Some(v) = value {
                    match dialable(v) {
                        Ok(n) => {
                            numbers.entry(n).or_default().insert(r.id.as_str());
                        }
                        Err(why) => out.push(format!("{at}: {field} {v:?}: {why}")),
                    }
                }
            }
            if let Some(web) = &r.entry.web
                && url::Url::parse(web).map(|u| u.scheme() == "https").ok() != Some(true)
            {
                out.push(format!("{at}: web must be an https address"));
            }
            if let Err(e) = (Directory {
                entries: vec![r.entry.clone()],
            })
            .validate()
            {
                out.push(format!("{at}: {e}"));
            }
        }
        for (number, users) in &numbers {
            if users.len() < 2 {
                continue;
            }
            let explained = users.iter().all(|id| {
                let r = file.resources.iter().find(|r| r.id == *id);
                let shares = r.and_then(|r| r.same_number_as.as_deref());
                shares.is_some_and(|s| users.contains(s))
                    || file.resources.iter().any(|o| {
                        o.same_number_as.as_deref() == Some(*id) && users.contains(o.id.as_str())
                    })
            });
            if !explained {
                out.push(format!("number {number} appears in {users:?}"));
            }
        }
        for r in &file.resources {
            if let Some(other) = &r.same_number_as
                && (other == &r.id || !ids.contains(other.as_str()))
            {
                out.push(format!("{}: same_number_as names no other resource", r.id));
            }
        }
        out
    }

    #[test]
    fn the_shipped_data_file_is_valid() {
        assert_eq!(problems(DATA), Vec::<String>::new());
        assert_eq!(builtin().len(), 9);
        let ids: Vec<&str> = builtin().iter().map(|r| r.id.as_str()).collect();
        for must in [
            "988-lifeline",
            "crisis-text-line",
            "veterans-crisis-line",
            "copline",
        ] {
            assert!(ids.contains(&must), "{must} is listed");
        }
    }

    #[test]
    fn the_data_file_check_catches_each_kind_of_problem() {
        let good: serde_json::Value = serde_json::from_str(DATA).unwrap();
        let with = |f: &dyn Fn(&mut serde_json::Value)| {
            let mut v = good.clone();
            f(&mut v);
            problems(&v.to_string())
        };
        assert!(
            with(&|v| v["resources"][0]["extra"] = "x".into())[0].starts_with("schema"),
            "unknown fields are refused"
        );
        assert!(!with(&|v| v["resources"][1]["id"] = "988-lifeline".into()).is_empty());
        assert!(
            !with(&|v| v["resources"][1]["entry"]["name"] = "988 suicide & crisis lifeline".into())
                .is_empty()
        );
        assert!(
            !with(&|v| v["resources"][0]["source_url"] = "ftp://example.org".into()).is_empty()
        );
        assert!(
            !with(&|v| v["resources"][0]["source_url"] =
                "https://app.altruwe.org/proxy?url=https%3A%2F%2Fwww.samhsa.gov".into())
            .is_empty()
        );
        assert!(!with(&|v| v["resources"][0]["checked_on"] = "25/11/2026".into()).is_empty());
        assert!(!with(&|v| v["resources"][0]["checked_on"] = "2026-02-30".into()).is_empty());
        assert!(
            !with(&|v| v["resources"][3]["entry"]["phone"] = "1-800-COPLINE".into()).is_empty()
        );
        assert!(!with(&|v| v["resources"][3]["entry"]["phone"] = "12".into()).is_empty());
        assert!(
            !with(&|v| v["resources"][3]["entry"]["web"] = "http://www.copline.org".into())
                .is_empty()
        );
        // The same number in two entries needs the link declared.
        assert!(!with(&|v| v["resources"][3]["entry"]["phone"] = "988".into()).is_empty());
        let unlinked = with(&|v| {
            v["resources"][2]
                .as_object_mut()
                .unwrap()
                .remove("same_number_as");
        });
        assert!(
            unlinked
                .iter()
                .any(|p| p.contains("+988") || p.contains("988")),
            "{unlinked:?}"
        );
        assert!(!with(&|v| v["resources"][2]["same_number_as"] = "nowhere".into()).is_empty());
        assert!(!with(&|v| v["resources"] = serde_json::json!([])).is_empty());
        assert_eq!(problems("{").len(), 1);
        // `cost: null` is allowed.
        assert!(with(&|v| v["resources"][3]["entry"]["cost"] = serde_json::Value::Null).is_empty());
    }

    #[test]
    fn the_crisis_sheet_lists_crisis_lines_first_with_working_actions() {
        let hits = builtin_hits();
        assert_eq!(hits.len(), builtin().len());
        let first_other = hits
            .iter()
            .position(|h| h.entry.kind != crate::directory::Kind::CrisisLine)
            .unwrap();
        assert!(
            hits[first_other..]
                .iter()
                .all(|h| h.entry.kind != crate::directory::Kind::CrisisLine)
        );
        assert!(hits[0].entry.always_open);
        let lifeline = hits.iter().find(|h| h.id == "988-lifeline").unwrap();
        assert_eq!(lifeline.origin, Origin::Builtin);
        assert_eq!(lifeline.actions[0].uri.as_deref(), Some("tel:988"));
        assert_eq!(lifeline.checked_on.as_deref(), Some("2026-11-25"));
        let ctl = hits.iter().find(|h| h.id == "crisis-text-line").unwrap();
        assert_eq!(ctl.actions[0].uri.as_deref(), Some("sms:741741?body=HOME"));
        for h in &hits {
            for a in &h.actions {
                assert!(a.uri.is_some(), "{}: {:?}", h.id, a.disabled_reason);
            }
        }
        assert!(builtin().iter().any(|r| r.entry.kind == EntryKind::Program));
        assert_eq!(digest().len(), 64);
    }
}
