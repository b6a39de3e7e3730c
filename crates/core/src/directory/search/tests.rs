use peerline_protocol::documents::DirectoryEntry;

use super::*;
use crate::directory::test_support::{TeamKey, entry, vault};

struct Fixture {
    _dir: tempfile::TempDir,
    v: Vault,
}

fn with(name: &str, kind: &str, f: impl FnOnce(&mut DirectoryEntry)) -> DirectoryEntry {
    let mut e = entry(name, kind);
    f(&mut e);
    e
}

/// The built-in list plus a small agency directory covering every field.
fn fixture() -> Fixture {
    let (dir, v) = vault();
    let team = TeamKey::new("team1");
    team.join(&v);
    let entries = vec![
        with("Dr. Ana Ruiz, LPC", "counselor", |e| {
            e.specialties = vec!["trauma".into(), "PTSD".into()];
            e.first_responder_competent = true;
            e.telehealth = true;
            e.languages = vec!["en".into(), "es".into()];
            e.cost = Some("insurance".into());
            e.region = Some("Travis County".into());
            e.hours = Some("Mon–Fri 8–6".into());
            e.notes = Some("EMDR for officers after critical incidents.".into());
        }),
        with("City EAP", "eap", |e| {
            e.specialties = vec!["substance_use".into(), "couples_family".into()];
            e.telehealth = true;
            e.cost = Some("EAP-covered".into());
            e.always_open = true;
            e.region = Some("Austin".into());
            e.notes = Some("Confidential; the department is never told who calls.".into());
        }),
        with("Father Mike Doyle", "chaplain", |e| {
            e.specialties = vec!["grief".into()];
            e.first_responder_competent = true;
            e.cost = Some("free".into());
            e.region = Some("Austin".into());
            e.notes = Some("Department chaplain; ride-alongs and family support.".into());
        }),
        with("Harbor Recovery Program", "program", |e| {
            e.specialties = vec!["Substance use".into()];
            e.first_responder_competent = true;
            e.cost = Some("sliding scale".into());
            e.region = Some("Texas".into());
            e.notes = Some("Residential treatment for first responders.".into());
        }),
        with("Blue Line Peer Team", "peer_team", |e| {
            e.specialties = vec!["critical_incident".into()];
            e.first_responder_competent = true;
            e.always_open = true;
            e.cost = Some("free".into());
            e.region = Some("Travis County".into());
        }),
        with("County Crisis Line", "crisis_line", |e| {
            e.always_open = true;
            e.cost = Some("free".into());
            e.region = Some("Travis County".into());
            e.languages = vec!["en".into(), "es".into()];
        }),
        with("Counseling Associates", "counselor", |e| {
            e.specialties = vec!["couples_family".into()];
            e.cost = Some("sliding_scale".into());
            e.region = Some("Austin".into());
            e.notes = Some("Marriage and family therapy.".into());
        }),
    ];
    crate::directory::install(&v, &team.sign(1, &entries)).unwrap();
    Fixture { _dir: dir, v }
}

fn names(fx: &Fixture, q: Query) -> Vec<String> {
    search(&fx.v, &q)
        .unwrap()
        .into_iter()
        .map(|h| h.entry.name)
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn text(t: &str) -> Query {
    Query {
        text: t.into(),
        ..Query::default()
    }
}

fn agency() -> Query {
    Query {
        origin: Some(Origin::Agency),
        ..Query::default()
    }
}

fn set(items: &[&str]) -> Vec<String> {
    sorted(items.iter().map(|s| (*s).to_owned()).collect())
}

/// Crisis lines, then the rest: no crisis line after the first other kind.
fn crisis_lines_first(hits: &[Hit]) -> bool {
    let first_other = hits
        .iter()
        .position(|h| h.entry.kind != Kind::CrisisLine)
        .unwrap_or(hits.len());
    first_other > 0
        && hits[first_other..]
            .iter()
            .all(|h| h.entry.kind != Kind::CrisisLine)
}

#[test]
fn each_result_says_where_it_comes_from() {
    let fx = fixture();
    let hits = search(&fx.v, &Query::default()).unwrap();
    assert_eq!(hits.len(), 9 + 7);
    let ana = hits
        .iter()
        .find(|h| h.entry.name == "Dr. Ana Ruiz, LPC")
        .unwrap();
    assert_eq!(ana.origin, Origin::Agency);
    assert_eq!(ana.id, "agency-1");
    assert_eq!(ana.source_url, None);
    assert_eq!(ana.actions[0].uri.as_deref(), Some("tel:+15550100000"));
    let lifeline = hits.iter().find(|h| h.id == "988-lifeline").unwrap();
    assert_eq!(lifeline.origin, Origin::Builtin);
    assert!(
        lifeline
            .source_url
            .as_deref()
            .unwrap()
            .starts_with("https://")
    );
    assert_eq!(names(&fx, agency()).len(), 7);
    assert_eq!(
        names(
            &fx,
            Query {
                origin: Some(Origin::Builtin),
                ..Query::default()
            }
        )
        .len(),
        9
    );
}

#[test]
fn every_filter_narrows_the_results() {
    let fx = fixture();
    let q = |f: fn(&mut Query)| {
        let mut q = Query::default();
        f(&mut q);
        sorted(names(&fx, q))
    };
    assert_eq!(
        q(|q| q.kinds = vec![Kind::Chaplain]),
        set(&["Father Mike Doyle"])
    );
    assert_eq!(
        q(|q| q.kinds = vec![Kind::Counselor, Kind::Eap]),
        set(&["City EAP", "Counseling Associates", "Dr. Ana Ruiz, LPC"])
    );
    assert_eq!(
        q(|q| q.kinds = vec![Kind::PeerTeam]),
        set(&["Blue Line Peer Team"])
    );
    assert_eq!(
        q(|q| q.specialty = Some("PTSD".into())),
        set(&["COPLINE", "Dr. Ana Ruiz, LPC"])
    );
    assert_eq!(
        q(|q| q.specialty = Some("substance use".into())),
        set(&[
            "City EAP",
            "Harbor Recovery Program",
            "SAMHSA's National Helpline"
        ])
    );
    assert_eq!(
        q(|q| q.specialty = Some("Couples/Family".into())),
        set(&[
            "City EAP",
            "Counseling Associates",
            "First Responder Support Network (FRSN)"
        ])
    );
    assert_eq!(
        q(|q| {
            q.first_responder_competent = true;
            q.origin = Some(Origin::Agency);
        }),
        set(&[
            "Blue Line Peer Team",
            "Dr. Ana Ruiz, LPC",
            "Father Mike Doyle",
            "Harbor Recovery Program"
        ])
    );
    assert_eq!(
        q(|q| q.telehealth = true),
        set(&["City EAP", "Dr. Ana Ruiz, LPC"])
    );
    assert_eq!(
        q(|q| q.language = Some("ES".into())),
        set(&[
            "988 Suicide & Crisis Lifeline",
            "County Crisis Line",
            "Disaster Distress Helpline",
            "Dr. Ana Ruiz, LPC",
            "SAMHSA's National Helpline"
        ])
    );
    assert_eq!(
        q(|q| q.cost = Some("eap_covered".into())),
        set(&["City EAP"])
    );
    assert_eq!(
        q(|q| q.cost = Some("Sliding Scale".into())),
        set(&["Counseling Associates", "Harbor Recovery Program"])
    );
    assert_eq!(
        q(|q| {
            q.always_open = true;
            q.origin = Some(Origin::Agency);
        }),
        set(&["Blue Line Peer Team", "City EAP", "County Crisis Line"])
    );
    assert_eq!(
        q(|q| q.region = Some("travis county".into())),
        set(&[
            "Blue Line Peer Team",
            "County Crisis Line",
            "Dr. Ana Ruiz, LPC"
        ])
    );
    assert_eq!(q(|q| q.region = Some("US".into())).len(), 9);
    // Filters combine, with each other and with words.
    assert_eq!(
        q(|q| {
            q.text = "counselor".into();
            q.language = Some("es".into());
        }),
        set(&["Dr. Ana Ruiz, LPC"])
    );
    assert_eq!(
        q(|q| {
            q.always_open = true;
            q.cost = Some("free".into());
            q.region = Some("Austin".into());
        }),
        Vec::<String>::new()
    );
    // A filter made only of punctuation is no filter.
    assert_eq!(q(|q| q.specialty = Some(" / ".into())).len(), 16);
}

#[test]
fn with_no_words_crisis_lines_come_first() {
    let fx = fixture();
    let hits = search(&fx.v, &Query::default()).unwrap();
    assert!(crisis_lines_first(&hits));
    // Open around the clock before the others, within crisis lines and after them.
    let ranks: Vec<i64> = hits
        .iter()
        .map(
            |h| match (h.entry.kind == Kind::CrisisLine, h.entry.always_open) {
                (true, true) => 0,
                (true, false) => 1,
                (false, true) => 2,
                (false, false) => 3,
            },
        )
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{ranks:?}");
    assert!(crisis_lines_first(&search(&fx.v, &text("   ")).unwrap()));
}

#[test]
fn urgent_words_put_crisis_lines_and_24_7_first() {
    let fx = fixture();
    for urgent in [
        "suicide",
        "I need help now",
        "i want to die",
        "EMERGENCY",
        "hurt",
        "sucide",
        "crisis",
    ] {
        let hits = search(&fx.v, &text(urgent)).unwrap();
        assert!(crisis_lines_first(&hits), "{urgent}");
        assert!(hits[0].entry.always_open, "{urgent}");
    }
    // Urgent words with a topic: crisis lines first, then the matches, 24/7 ones first.
    let hits = search(&fx.v, &text("chaplain help")).unwrap();
    assert!(crisis_lines_first(&hits));
    assert!(hits.iter().any(|h| h.entry.name == "Father Mike Doyle"));
    let hits = search(&fx.v, &text("substance use now")).unwrap();
    let after: Vec<&str> = hits
        .iter()
        .filter(|h| h.entry.kind != Kind::CrisisLine)
        .map(|h| h.entry.name.as_str())
        .collect();
    assert_eq!(
        after,
        [
            "City EAP",
            "SAMHSA's National Helpline",
            "Harbor Recovery Program"
        ],
        "24/7 matches first"
    );
    // Matches that repeat a crisis line already listed do not crowd out the others.
    let hits = names(
        &fx,
        Query {
            text: "line help".into(),
            limit: Some(8),
            ..Query::default()
        },
    );
    assert_eq!(hits.len(), 8);
    assert_eq!(hits[7], "Blue Line Peer Team");
    // Crisis lines show even when the topic matches none of them.
    let hits = search(&fx.v, &text("counselor urgent")).unwrap();
    assert!(crisis_lines_first(&hits));
    assert!(hits.iter().any(|h| h.entry.name == "Counseling Associates"));
    // Urgent words respect the filters the officer chose.
    let hits = search(
        &fx.v,
        &Query {
            text: "suicide".into(),
            language: Some("es".into()),
            ..Query::default()
        },
    )
    .unwrap();
    assert!(
        hits.iter()
            .all(|h| h.entry.languages.iter().any(|l| l == "es"))
    );
}

#[test]
fn a_plain_query_ranks_by_relevance_not_urgency() {
    let fx = fixture();
    let first = &search(&fx.v, &text("counselor")).unwrap()[0];
    assert_eq!(first.entry.kind, Kind::Counselor);
    let hits = names(&fx, text("chaplain"));
    assert_eq!(hits, ["Father Mike Doyle"]);
    // Name matches outrank notes matches.
    let hits = names(&fx, text("family"));
    assert!(hits.len() >= 3, "{hits:?}");
    // Several words: entries matching all of them.
    assert_eq!(names(&fx, text("trauma counselor")), ["Dr. Ana Ruiz, LPC"]);
    // No entry has both words: entries with either.
    let either = sorted(names(&fx, text("chaplain harbor")));
    assert_eq!(
        either,
        set(&["Father Mike Doyle", "Harbor Recovery Program"])
    );
    assert!(names(&fx, text("xyzzy")).is_empty());
}

#[test]
fn prefixes_find_entries_while_typing() {
    let fx = fixture();
    let coun = names(&fx, text("coun"));
    for must in [
        "Dr. Ana Ruiz, LPC",
        "Counseling Associates",
        "County Crisis Line",
    ] {
        assert!(coun.contains(&must.to_owned()), "{must} in {coun:?}");
    }
    assert_eq!(names(&fx, text("chap")), ["Father Mike Doyle"]);
    assert!(names(&fx, text("ther")).contains(&"Counseling Associates".to_owned()));
    assert!(names(&fx, text("Ru")).contains(&"Dr. Ana Ruiz, LPC".to_owned()));
}

#[test]
fn typos_still_find_entries() {
    let fx = fixture();
    let c = names(&fx, text("counslor"));
    assert!(c.contains(&"Dr. Ana Ruiz, LPC".to_owned()), "{c:?}");
    assert!(c.contains(&"Counseling Associates".to_owned()), "{c:?}");
    assert_eq!(names(&fx, text("chaplin")), ["Father Mike Doyle"]);
    assert_eq!(names(&fx, text("Ruix")), ["Dr. Ana Ruiz, LPC"]);
    assert!(names(&fx, text("trauma cunselor")).contains(&"Dr. Ana Ruiz, LPC".to_owned()));
    assert!(names(&fx, text("sustance")).contains(&"Harbor Recovery Program".to_owned()));
    // Still typing, with a slip: "counsl" is on its way to "counselor".
    assert!(!names(&fx, text("counsl")).is_empty());
    // Short words are not guessed at: too many near misses.
    assert!(names(&fx, text("qzx")).is_empty());
}

#[test]
fn hostile_or_odd_input_never_errors() {
    let fx = fixture();
    let long = "a".repeat(10_000);
    let many_words = "counselor ".repeat(2_000);
    let inputs = [
        "",
        " ",
        "\t\n",
        long.as_str(),
        many_words.as_str(),
        "\"",
        "\"\"",
        "\"unterminated",
        "*",
        "chap*",
        "NEAR",
        "NEAR(chaplain harbor, 2)",
        "AND",
        "OR",
        "NOT",
        "chaplain AND",
        "OR chaplain",
        "NOT chaplain",
        "(",
        ")",
        "(chaplain",
        ":",
        "name:chaplain",
        "{name notes}: chaplain",
        "^chaplain",
        "-chaplain",
        "+",
        "'; DROP TABLE agency_directory; --",
        "\0",
        "🚓🚨",
        "консультант",
        "心理咨询",
        "مستشار",
        "e\u{301}",
        "\u{202e}rolesnuoc",
        "café",
        "%_",
        "\\",
    ];
    for input in inputs {
        let hits = search(&fx.v, &text(input));
        assert!(hits.is_ok(), "{input:?}: {:?}", hits.err());
    }
    assert_eq!(names(&fx, text("chap*")), ["Father Mike Doyle"]);
    assert_eq!(names(&fx, text("\"chaplain\"")), ["Father Mike Doyle"]);
    assert!(names(&fx, text("name:chaplain")).contains(&"Father Mike Doyle".to_owned()));
    assert!(names(&fx, text("NEAR(chaplain harbor, 2)")).contains(&"Father Mike Doyle".to_owned()));
    assert!(!names(&fx, text(&many_words)).is_empty());
    assert!(
        crate::directory::agency_info(&fx.v)
            .unwrap()
            .unwrap()
            .version
            .is_some()
    );
    // Limits are clamped, never an error.
    for (limit, want) in [(0, 1), (2, 2), (u32::MAX, 16)] {
        let q = Query {
            limit: Some(limit),
            ..Query::default()
        };
        assert_eq!(search(&fx.v, &q).unwrap().len(), want, "limit {limit}");
    }
}

#[test]
fn any_text_at_all_is_searched_without_error() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    let fx = fixture();
    let mut runner = TestRunner::new(Config {
        cases: 300,
        ..Config::default()
    });
    runner
        .run(&any::<String>(), |s| {
            prop_assert!(search(&fx.v, &text(&s)).is_ok());
            Ok(())
        })
        .unwrap();
    runner
        .run(&"[ a-zA-Z\"*():^+\\-]{0,60}", |s| {
            prop_assert!(search(&fx.v, &text(&s)).is_ok());
            Ok(())
        })
        .unwrap();
}

#[test]
fn a_vault_with_no_team_searches_the_built_in_list() {
    let (_d, v) = vault();
    let hits = search(&v, &text("veterans")).unwrap();
    assert_eq!(hits[0].id, "veterans-crisis-line");
    assert!(hits.iter().all(|h| h.origin == Origin::Builtin));
    assert_eq!(search(&v, &Query::default()).unwrap().len(), 9);
}
