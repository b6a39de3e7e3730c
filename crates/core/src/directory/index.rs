//! The search index, built from the built-in list and the agency's directory. It lives in
//! the vault connection's temp schema (held in memory, `temp_store = MEMORY`), never in the
//! vault file: it is derived data, rebuilt in milliseconds, and a backup or restore copies
//! every table of the file, which an FTS index's shadow tables would not survive. A
//! fingerprint of its sources tells when to rebuild: when the agency's directory or the
//! team changes, or the app ships a new list.
//!
//! Speed comes from two choices. Rows are numbered in display order (crisis lines open
//! 24/7 first, then by name), so FTS5, which returns matches in rowid order, can stop at
//! the first page of results instead of sorting thousands. And every filter is also an FTS5
//! token in a `facets` column, so filtering is a merge of posting lists, not a row-by-row
//! check of 10,000 entries.

use peerline_protocol::documents::{DirectoryEntry, EntryKind};
use rusqlite::{Connection, OptionalExtension as _, params};

use super::{Kind, Origin, agency, builtin, urgency_rank};
use crate::error::{Error, Result};
use crate::vault::Vault;

/// Bump when what goes into the index changes, so existing indexes are rebuilt.
const FORMAT: u32 = 2;

/// The FTS5 columns that hold words an officer might type (not the facets).
pub(super) const TEXT_COLUMNS: &str = "{name kind_words topics notes region}";
/// The columns whose matches rank first: what the entry is called and what it is for.
pub(super) const STRONG_COLUMNS: &str = "{name kind_words topics}";

/// Makes sure the index matches its sources; rebuilds it if not.
pub(super) fn ensure(v: &Vault) -> Result<()> {
    let want = format!(
        "{FORMAT}:{}:{}",
        builtin::digest(),
        agency::current_stamp(v)?.unwrap_or_default()
    );
    // No such table yet on a freshly opened vault: that is "nothing built".
    let have: Option<String> = v
        .conn()
        .query_row(
            "SELECT fingerprint FROM temp.directory_index_state WHERE id = 1",
            [],
            |r| r.get(0),
        )
        .optional()
        .unwrap_or(None);
    if have.as_deref() == Some(want.as_str()) {
        return Ok(());
    }
    rebuild(v, &want)
}

struct Source<'a> {
    origin: Origin,
    id: String,
    entry: &'a DirectoryEntry,
    source_url: Option<&'a str>,
    checked_on: Option<&'a str>,
}

fn rebuild(v: &Vault, fingerprint: &str) -> Result<()> {
    let agency = agency::current(v)?;
    let mut all: Vec<Source<'_>> = builtin::builtin()
        .iter()
        .map(|r| Source {
            origin: Origin::Builtin,
            id: r.id.clone(),
            entry: &r.entry,
            source_url: Some(r.source_url.as_str()),
            checked_on: Some(r.checked_on.as_str()),
        })
        .collect();
    if let Some(d) = &agency {
        all.extend(d.entries.iter().enumerate().map(|(i, e)| Source {
            origin: Origin::Agency,
            id: format!("agency-{}", i + 1),
            entry: e,
            source_url: None,
            checked_on: None,
        }));
    }
    // Display order: the rowid is the rank.
    all.sort_by_cached_key(|s| {
        (
            urgency_rank(s.entry),
            s.entry.name.to_lowercase(),
            s.origin != Origin::Builtin,
        )
    });

    let conn = v.conn();
    let tx = conn.unchecked_transaction().map_err(Error::from_sqlite)?;
    create(&tx)?;
    {
        let mut add = tx
            .prepare(
                "INSERT INTO temp.directory_index (rowid, origin, res_id, entry, source_url,
                   checked_on)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .map_err(Error::from_sqlite)?;
        let mut add_text = tx
            .prepare(
                "INSERT INTO temp.directory_fts (rowid, name, kind_words, topics, notes, region,
                   facets)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .map_err(Error::from_sqlite)?;
        for (rowid, s) in (1_i64..).zip(&all) {
            let e = s.entry;
            let entry_json = serde_json::to_string(e)
                .map_err(|err| Error::InvalidInput(format!("directory entry: {err}")))?;
            add.execute(params![
                rowid,
                s.origin.as_str(),
                s.id,
                entry_json,
                s.source_url,
                s.checked_on
            ])
            .map_err(Error::from_sqlite)?;
            add_text
                .execute(params![
                    rowid,
                    e.name,
                    kind_words(e.kind),
                    e.specialties.join(" ").replace('_', " "),
                    e.notes.as_deref().unwrap_or(""),
                    e.region.as_deref().unwrap_or(""),
                    facets(s.origin, e),
                ])
                .map_err(Error::from_sqlite)?;
        }
    }
    // The words of the text columns, for prefix checks and spelling suggestions; facet
    // tokens are not words anyone types.
    tx.execute_batch(
        "CREATE VIRTUAL TABLE temp.directory_vocab USING fts5vocab(temp, directory_fts, col);
         INSERT INTO temp.directory_terms (term, chars, first, has_digit, docs)
           SELECT term, length(term), substr(term, 1, 1), term GLOB '*[0-9]*', sum(doc)
           FROM temp.directory_vocab WHERE col != 'facets' GROUP BY term;
         DROP TABLE temp.directory_vocab;",
    )
    .map_err(Error::from_sqlite)?;
    tx.execute(
        "INSERT INTO temp.directory_index_state (id, fingerprint) VALUES (1, ?1)
         ON CONFLICT (id) DO UPDATE SET fingerprint = excluded.fingerprint",
        [fingerprint],
    )
    .map_err(Error::from_sqlite)?;
    tx.commit().map_err(Error::from_sqlite)
}

fn create(conn: &Connection) -> Result<()> {
    // Contentless FTS: the entry is kept once, as JSON in directory_index.
    // `prefix` keeps "co", "cou", "coun" fast over 10,000 entries.
    conn.execute_batch(
        "DROP TABLE IF EXISTS temp.directory_vocab;
         DROP TABLE IF EXISTS temp.directory_fts;
         DROP TABLE IF EXISTS temp.directory_index;
         DROP TABLE IF EXISTS temp.directory_terms;
         CREATE TABLE temp.directory_index (
             rowid      INTEGER PRIMARY KEY,
             origin     TEXT NOT NULL,
             res_id     TEXT NOT NULL,
             entry      TEXT NOT NULL,
             source_url TEXT,
             checked_on TEXT
         );
         CREATE VIRTUAL TABLE temp.directory_fts USING fts5(
             name, kind_words, topics, notes, region, facets,
             content = '', prefix = '2 3 4', tokenize = 'unicode61 remove_diacritics 2'
         );
         CREATE TABLE temp.directory_terms (
             term      TEXT PRIMARY KEY,
             chars     INTEGER NOT NULL,
             first     TEXT NOT NULL,
             has_digit INTEGER NOT NULL,
             docs      INTEGER NOT NULL
         ) WITHOUT ROWID;
         CREATE INDEX temp.directory_terms_by_length ON directory_terms (has_digit, chars);
         CREATE TABLE IF NOT EXISTS temp.directory_index_state (
             id          INTEGER PRIMARY KEY CHECK (id = 1),
             fingerprint TEXT NOT NULL
         );",
    )
    .map_err(Error::from_sqlite)
}

/// The facet token for one filter value: a prefix naming the field, then the value in one
/// spelling with nothing the tokenizer would split on ("langes", "regtraviscounty").
pub(super) fn facet(field: &str, value: &str) -> String {
    format!("{field}{}", tag(value).replace('_', ""))
}

/// Every facet token of an entry, space-separated.
fn facets(origin: Origin, e: &DirectoryEntry) -> String {
    let mut f = vec![
        facet("orig", origin.as_str()),
        facet("kind", Kind::from(e.kind).as_str()),
    ];
    for (flag, name) in [
        (e.first_responder_competent, "fr"),
        (e.telehealth, "tele"),
        (e.always_open, "open"),
    ] {
        if flag {
            f.push(name.to_owned());
        }
    }
    f.extend(e.specialties.iter().map(|s| facet("spec", s)));
    f.extend(e.languages.iter().map(|s| facet("lang", s)));
    f.extend(e.cost.iter().map(|s| facet("cost", s)));
    f.extend(e.region.iter().map(|s| facet("reg", s)));
    f.join(" ")
}

/// A filter value in one spelling: "Couples/Family", "couples family" and "couples_family"
/// are the same specialty; "EAP-covered" and "eap_covered" the same cost.
pub(super) fn tag(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in s
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push('_');
        }
        out.extend(w.chars().flat_map(char::to_lowercase));
    }
    out
}

/// Words an officer might type for each kind, so "therapist" finds counselors.
fn kind_words(k: EntryKind) -> &'static str {
    match k {
        EntryKind::CrisisLine => "crisis line hotline helpline",
        EntryKind::Counselor => "counselor counseling counselling therapist therapy clinician",
        EntryKind::Eap => "eap employee assistance program",
        EntryKind::Chaplain => "chaplain chaplaincy faith spiritual",
        EntryKind::Program => "program",
        EntryKind::PeerTeam => "peer team support",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::test_support::{TeamKey, entry, vault};

    fn count(v: &Vault, origin: &str) -> i64 {
        v.conn()
            .query_row(
                "SELECT count(*) FROM temp.directory_index WHERE origin = ?1",
                [origin],
                |r| r.get(0),
            )
            .unwrap()
    }

    #[test]
    fn fts5_is_compiled_into_the_bundled_sqlcipher() {
        let (_d, v) = vault();
        let on: bool = v
            .conn()
            .query_row("SELECT sqlite_compileoption_used('ENABLE_FTS5')", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert!(on);
    }

    #[test]
    fn the_index_follows_the_agency_directory_and_stays_out_of_the_vault_file() {
        let (_d, v) = vault();
        ensure(&v).unwrap();
        assert_eq!(count(&v, "builtin"), builtin::builtin().len() as i64);
        assert_eq!(count(&v, "agency"), 0);
        let team = TeamKey::new("team1");
        team.join(&v);
        agency::install(&v, &team.sign(1, &[entry("A", "eap"), entry("B", "eap")])).unwrap();
        ensure(&v).unwrap();
        assert_eq!(count(&v, "agency"), 2);
        agency::install(&v, &team.sign(2, &[entry("C", "eap")])).unwrap();
        ensure(&v).unwrap();
        assert_eq!(count(&v, "agency"), 1);
        // Leaving the team hides its list at the next search.
        v.conn().execute("DELETE FROM membership", []).unwrap();
        ensure(&v).unwrap();
        assert_eq!(count(&v, "agency"), 0);
        let in_file: i64 = v
            .conn()
            .query_row(
                "SELECT count(*) FROM main.sqlite_master WHERE name LIKE 'directory%'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(in_file, 0, "no index tables in the vault file");
    }

    #[test]
    fn an_unchanged_index_is_not_rebuilt() {
        let (_d, v) = vault();
        ensure(&v).unwrap();
        v.conn()
            .execute(
                "UPDATE temp.directory_index SET res_id = 'marker' WHERE rowid = 1",
                [],
            )
            .unwrap();
        ensure(&v).unwrap();
        let name: String = v
            .conn()
            .query_row(
                "SELECT res_id FROM temp.directory_index WHERE rowid = 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(name, "marker");
    }

    #[test]
    fn filter_values_have_one_spelling() {
        assert_eq!(tag("Couples/Family"), "couples_family");
        assert_eq!(tag(" substance use "), "substance_use");
        assert_eq!(tag("EAP-covered"), "eap_covered");
        assert_eq!(tag("Español"), "español");
        assert_eq!(tag("!!"), "");
        assert_eq!(facet("reg", "Travis County, TX"), "regtraviscountytx");
        assert_eq!(facet("kind", "crisis_line"), "kindcrisisline");
    }

    #[test]
    fn rows_are_numbered_in_display_order_and_carry_their_facets() {
        let (_d, v) = vault();
        ensure(&v).unwrap();
        let first: String = v
            .conn()
            .query_row(
                "SELECT res_id FROM temp.directory_index ORDER BY rowid LIMIT 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            first, "988-lifeline",
            "a crisis line open 24/7, first by name"
        );
        let spanish: i64 = v
            .conn()
            .query_row(
                "SELECT count(*) FROM temp.directory_fts WHERE directory_fts MATCH 'facets : langes'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(spanish, 3);
        let facet_words: i64 = v
            .conn()
            .query_row(
                "SELECT count(*) FROM temp.directory_terms WHERE term = 'langes'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(facet_words, 0, "facet tokens are not offered as spellings");
    }
}
