//! Choosing privately who may read a request. The officer's preferences are matched here,
//! on the phone, against the coordinator's roster fields; they decide whom the request is
//! encrypted to and are never sent anywhere.
//!
//! What the relay sees is padded so it learns nothing of the choice: the recipient list it
//! is told is the whole pool (every peer on duty, or every peer when nobody is), plus a
//! named off-duty peer when the officer picked one, and the ciphertext carries one age
//! stanza per listed peer, the readers' own and the rest for throwaway keys. Peers in the
//! list who are not readers cannot decrypt it, and their apps never show it.

use peerline_protocol::documents::{Gender, Roster, RosterPeer};
use serde::{Deserialize, Serialize};

use super::team::PeerCard;
use crate::error::{Error, Result};
use crate::settings;
use crate::vault::Vault;

/// What the officer asked for; every part optional. Kept in the vault for next time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct Preferences {
    /// Never these units or assignments (as the roster spells them). Escalation keeps
    /// to this unless `escalate_to_all` says otherwise.
    pub not_units: Vec<String>,
    /// Rather a woman, a man, …
    pub gender: Option<Gender>,
    /// A language the peer speaks.
    pub language: Option<String>,
    /// An experience area ("critical incident", "family", …).
    pub experience: Option<String>,
    /// One named peer (roster key id).
    pub peer: Option<String>,
    /// If nobody answers in time, let the request reach peers in the excluded units too.
    pub escalate_to_all: bool,
}

impl Preferences {
    /// True when nothing is asked for (the one-tap path).
    pub fn is_empty(&self) -> bool {
        self.not_units.is_empty()
            && self.gender.is_none()
            && self.language.is_none()
            && self.experience.is_none()
            && self.peer.is_none()
    }

    /// Trims the words and drops empty ones, so " Spanish " and "" behave.
    pub fn tidy(mut self) -> Self {
        let clean = |s: Option<String>| {
            s.map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty() && v.chars().count() <= 60)
        };
        self.not_units = self
            .not_units
            .into_iter()
            .filter_map(|u| clean(Some(u)))
            .collect();
        self.not_units.dedup();
        self.language = clean(self.language);
        self.experience = clean(self.experience);
        self.peer = clean(self.peer);
        self
    }

    /// Outside the officer's exclusions.
    fn allows(&self, p: &RosterPeer) -> bool {
        p.unit
            .as_deref()
            .is_none_or(|u| !self.not_units.iter().any(|x| same(x, u)))
    }

    /// Everything the officer asked for.
    fn wants(&self, p: &RosterPeer) -> bool {
        self.allows(p)
            && self.peer.as_deref().is_none_or(|k| k == p.key_id)
            && self.gender.is_none_or(|g| p.gender == Some(g))
            && self
                .language
                .as_deref()
                .is_none_or(|l| p.languages.iter().any(|x| same(x, l)))
            && self
                .experience
                .as_deref()
                .is_none_or(|e| p.specialties.iter().any(|x| same(x, e)))
    }
}

fn same(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// What to do when no peer on duty matches.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", content = "key_id", rename_all = "snake_case")]
pub enum Fallback {
    /// Say so and let the officer decide.
    #[default]
    Ask,
    /// Any peer on duty outside the exclusions (or, with nobody on duty, any peer outside
    /// them): what the one-tap path does.
    AnyOnDuty,
    /// This peer, on duty or not: they get it when they come on.
    Peer(String),
}

/// The officer's choice for one request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PeerChoice {
    /// What they asked for.
    pub preferences: Preferences,
    /// If nobody on duty matches.
    pub fallback: Fallback,
}

/// Nobody on duty matches: what the officer can do instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NoMatch {
    /// Peers on duty outside the exclusions: "any peer on duty" reaches them.
    pub others_on_duty: u32,
    /// Peers off duty outside the exclusions, best matches first: one can be named and
    /// gets the request when they come on.
    pub off_duty: Vec<PeerCard>,
}

/// Who gets a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audience {
    /// The peers who can read it (their age recipients encrypt it).
    pub readers: Vec<RosterPeer>,
    /// The key ids the relay is told, readers among them: the padding that hides the choice.
    pub listed: Vec<String>,
}

/// A plan for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Send it.
    Send(Audience),
    /// Ask the officer first.
    NoMatch(NoMatch),
}

/// Matches the choice against the roster and who is on duty (`None`: the relay could not
/// say, which counts as nobody).
pub fn plan(roster: &Roster, on_duty: Option<&[String]>, choice: &PeerChoice) -> Result<Plan> {
    let prefs = &choice.preferences;
    let is_on = |p: &&RosterPeer| on_duty.is_some_and(|keys| keys.contains(&p.key_id));
    let on: Vec<&RosterPeer> = roster.peers.iter().filter(is_on).collect();
    // Nobody on duty: the whole roster is the pool, so a request never goes nowhere.
    let pool: Vec<&RosterPeer> = if on.is_empty() {
        roster.peers.iter().collect()
    } else {
        on.clone()
    };
    let allowed_in_pool: Vec<&RosterPeer> =
        pool.iter().copied().filter(|p| prefs.allows(p)).collect();
    let wanted: Vec<&RosterPeer> = pool.iter().copied().filter(|p| prefs.wants(p)).collect();
    let readers: Vec<&RosterPeer> = if let Fallback::Peer(key_id) = &choice.fallback {
        // Named by the officer after "no match": that peer, whatever else is true now.
        let p = roster
            .peers
            .iter()
            .find(|p| &p.key_id == key_id)
            .ok_or_else(|| {
                Error::InvalidInput("That peer is no longer on the roster. Choose another.".into())
            })?;
        vec![p]
    } else if !wanted.is_empty() {
        wanted
    } else if choice.fallback == Fallback::Ask {
        return Ok(Plan::NoMatch(no_match(roster, &on, prefs)));
    } else if !allowed_in_pool.is_empty() {
        allowed_in_pool
    } else {
        // Everyone in the pool is excluded: anyone outside the exclusions, off duty too,
        // rather than nobody.
        let anyone: Vec<&RosterPeer> = roster.peers.iter().filter(|p| prefs.allows(p)).collect();
        if anyone.is_empty() {
            return Ok(Plan::NoMatch(no_match(roster, &on, prefs)));
        }
        anyone
    };
    let mut listed: Vec<String> = pool.iter().map(|p| p.key_id.clone()).collect();
    for r in &readers {
        if !listed.contains(&r.key_id) {
            listed.push(r.key_id.clone());
        }
    }
    Ok(Plan::Send(Audience {
        readers: readers.into_iter().cloned().collect(),
        listed,
    }))
}

/// After escalation: every peer on the roster outside the exclusions reads it (all of
/// them if the officer allowed that), and the relay is told the whole roster.
pub fn widened(roster: &Roster, prefs: &Preferences) -> Audience {
    let readers = roster
        .peers
        .iter()
        .filter(|p| prefs.escalate_to_all || prefs.allows(p))
        .cloned()
        .collect();
    Audience {
        readers,
        listed: roster.peers.iter().map(|p| p.key_id.clone()).collect(),
    }
}

fn no_match(roster: &Roster, on: &[&RosterPeer], prefs: &Preferences) -> NoMatch {
    let on_ids: Vec<&str> = on.iter().map(|p| p.key_id.as_str()).collect();
    let mut off: Vec<&RosterPeer> = roster
        .peers
        .iter()
        .filter(|p| prefs.allows(p) && !on_ids.contains(&p.key_id.as_str()))
        .collect();
    // Best matches first; the roster's order otherwise (a stable sort).
    off.sort_by_key(|p| !prefs.wants(p));
    NoMatch {
        others_on_duty: on
            .iter()
            .filter(|p| prefs.allows(p))
            .count()
            .try_into()
            .unwrap_or(u32::MAX),
        off_duty: off.into_iter().cloned().map(PeerCard::from).collect(),
    }
}

const PREFERENCES: &str = "talk_preferences";

/// The preferences the officer set last time (none at first).
pub fn remembered(v: &Vault) -> Result<Preferences> {
    Ok(settings::get(v, PREFERENCES)?
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default())
}

/// Remembers the officer's preferences for next time.
pub fn remember(v: &Vault, prefs: &Preferences) -> Result<()> {
    let json = serde_json::to_string(prefs).map_err(|e| Error::InvalidInput(e.to_string()))?;
    settings::set(v, PREFERENCES, &json)
}

/// The padding stanzas: throwaway X25519 recipients nobody holds the key of.
pub fn padding(count: usize) -> Vec<String> {
    (0..count)
        .map(|_| super::payload::new_identity().1)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use peerline_protocol::documents::Gender;

    fn peer(id: &str, unit: &str, gender: Gender, langs: &[&str]) -> RosterPeer {
        RosterPeer {
            key_id: id.into(),
            display_name: id.into(),
            unit: Some(unit.into()),
            gender: Some(gender),
            languages: langs.iter().map(|s| s.to_string()).collect(),
            specialties: vec!["critical incident".into()],
            ..RosterPeer::default()
        }
    }

    fn roster() -> Roster {
        Roster {
            peers: vec![
                peer(
                    "ana",
                    "Patrol North",
                    Gender::Woman,
                    &["English", "Spanish"],
                ),
                peer("ben", "Patrol North", Gender::Man, &["English"]),
                peer("cat", "Dispatch", Gender::Woman, &["English"]),
                peer("dan", "Traffic", Gender::Man, &["English", "Spanish"]),
            ],
        }
    }

    fn on(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    fn send(p: Plan) -> Audience {
        match p {
            Plan::Send(a) => a,
            Plan::NoMatch(n) => panic!("no match: {n:?}"),
        }
    }

    fn readers(a: &Audience) -> Vec<&str> {
        a.readers.iter().map(|p| p.key_id.as_str()).collect()
    }

    fn choice(prefs: Preferences, fallback: Fallback) -> PeerChoice {
        PeerChoice {
            preferences: prefs,
            fallback,
        }
    }

    #[test]
    fn the_one_tap_path_reaches_everyone_on_duty_or_everyone() {
        let r = roster();
        let a = send(plan(&r, Some(&on(&["ana", "cat"])), &PeerChoice::default()).unwrap());
        assert_eq!(readers(&a), ["ana", "cat"]);
        assert_eq!(a.listed, ["ana", "cat"]);
        let a = send(plan(&r, Some(&[]), &PeerChoice::default()).unwrap());
        assert_eq!(readers(&a).len(), 4);
        let a = send(plan(&r, None, &PeerChoice::default()).unwrap());
        assert_eq!(readers(&a).len(), 4);
    }

    #[test]
    fn not_my_unit_never_reads_it_but_the_relay_list_does_not_say_so() {
        let r = roster();
        let prefs = Preferences {
            not_units: vec!["patrol north ".into()],
            ..Preferences::default()
        };
        let duty = on(&["ana", "ben", "cat", "dan"]);
        let a = send(plan(&r, Some(&duty), &choice(prefs.clone(), Fallback::Ask)).unwrap());
        assert_eq!(readers(&a), ["cat", "dan"]);
        assert_eq!(a.listed, duty, "the relay is told the whole pool");
        // Widening after escalation keeps the exclusion, unless the officer lifted it.
        let w = widened(&r, &prefs);
        assert_eq!(readers(&w), ["cat", "dan"]);
        assert_eq!(w.listed.len(), 4);
        let lifted = Preferences {
            escalate_to_all: true,
            ..prefs
        };
        assert_eq!(widened(&r, &lifted).readers.len(), 4);
    }

    #[test]
    fn soft_preferences_narrow_and_a_miss_offers_the_way_out() {
        let r = roster();
        let prefs = Preferences {
            not_units: vec!["Dispatch".into()],
            gender: Some(Gender::Woman),
            language: Some("spanish".into()),
            ..Preferences::default()
        };
        let a = send(
            plan(
                &r,
                Some(&on(&["ana", "dan"])),
                &choice(prefs.clone(), Fallback::Ask),
            )
            .unwrap(),
        );
        assert_eq!(readers(&a), ["ana"]);
        // Ana is off duty: ask, offering Dan (on duty) and Ana and Ben (off duty), never Cat.
        let Plan::NoMatch(n) = plan(
            &r,
            Some(&on(&["cat", "dan"])),
            &choice(prefs.clone(), Fallback::Ask),
        )
        .unwrap() else {
            panic!("expected no match")
        };
        assert_eq!(n.others_on_duty, 1);
        let offered: Vec<_> = n.off_duty.iter().map(|p| p.key_id.as_str()).collect();
        assert_eq!(
            offered,
            ["ana", "ben"],
            "best match first, excluded unit left out"
        );
        // Widen: any on-duty peer outside the exclusions.
        let a = send(
            plan(
                &r,
                Some(&on(&["cat", "dan"])),
                &choice(prefs.clone(), Fallback::AnyOnDuty),
            )
            .unwrap(),
        );
        assert_eq!(readers(&a), ["dan"]);
        assert_eq!(a.listed, ["cat", "dan"]);
        // A named off-duty peer: listed on top of the pool, and the only reader.
        let a = send(
            plan(
                &r,
                Some(&on(&["cat", "dan"])),
                &choice(prefs, Fallback::Peer("ana".into())),
            )
            .unwrap(),
        );
        assert_eq!(readers(&a), ["ana"]);
        assert_eq!(a.listed, ["cat", "dan", "ana"]);
    }

    #[test]
    fn everyone_on_duty_excluded_falls_back_to_anyone_allowed_never_to_the_unit() {
        let r = roster();
        let prefs = Preferences {
            not_units: vec!["Patrol North".into()],
            ..Preferences::default()
        };
        let a = send(
            plan(
                &r,
                Some(&on(&["ana", "ben"])),
                &choice(prefs.clone(), Fallback::AnyOnDuty),
            )
            .unwrap(),
        );
        assert_eq!(readers(&a), ["cat", "dan"]);
        assert_eq!(a.listed, ["ana", "ben", "cat", "dan"]);
        let all_out = Preferences {
            not_units: vec!["Patrol North".into(), "Dispatch".into(), "Traffic".into()],
            ..Preferences::default()
        };
        assert!(matches!(
            plan(
                &r,
                Some(&on(&["ana"])),
                &choice(all_out, Fallback::AnyOnDuty)
            )
            .unwrap(),
            Plan::NoMatch(_)
        ));
        assert!(
            plan(
                &r,
                None,
                &choice(Preferences::default(), Fallback::Peer("zed".into()))
            )
            .is_err()
        );
    }

    #[test]
    fn a_named_peer_on_duty_is_the_only_reader() {
        let r = roster();
        let prefs = Preferences {
            peer: Some("cat".into()),
            ..Preferences::default()
        };
        let a = send(
            plan(
                &r,
                Some(&on(&["ana", "cat"])),
                &choice(prefs, Fallback::Ask),
            )
            .unwrap(),
        );
        assert_eq!(readers(&a), ["cat"]);
        assert_eq!(a.listed, ["ana", "cat"]);
    }

    #[test]
    fn tidy_drops_blanks() {
        let p = Preferences {
            not_units: vec![" ".into(), " Traffic ".into()],
            language: Some("  ".into()),
            ..Preferences::default()
        }
        .tidy();
        assert_eq!(p.not_units, ["Traffic"]);
        assert_eq!(p.language, None);
        assert!(!p.is_empty());
    }
}
