//! Offline search over the built-in list and the agency's directory: FTS5 over name, kind,
//! specialties, notes and region, filters on every field, prefix matching as the officer
//! types, and typo tolerance from the index's own vocabulary. The words typed are never
//! handed to FTS5 as syntax: each becomes a quoted term, so quotes, `*`, `NEAR`, `AND`,
//! `(` or `:` are just characters. Urgent words ("suicide", "help", "now") put crisis lines
//! and 24/7 services first, and always show them, whatever else was typed.
//!
//! Ranking: entries whose name, kind or specialties match come before entries that match
//! only in their notes or region; within each group, crisis lines and 24/7 services first,
//! then by name (the index's row order, see `index`).

use peerline_protocol::documents::DirectoryEntry;
use serde::{Deserialize, Serialize};

use super::index::{self, tag};
use super::{Hit, Kind, Origin};
use crate::error::{Error, Result};
use crate::vault::Vault;

/// Results returned when the query sets no limit.
const DEFAULT_LIMIT: u32 = 50;
/// Most results returned, whatever the query asks.
const MAX_LIMIT: u32 = 200;
/// Only this much of the typed text is read; nobody types more into a search box.
const MAX_TEXT_CHARS: usize = 200;
/// Words beyond these are ignored.
const MAX_WORDS: usize = 8;
/// A "word" longer than this is noise, not a word.
const MAX_WORD_CHARS: usize = 40;
/// Spellings tried for one mistyped word.
const MAX_SPELLINGS: usize = 3;

/// Words that mean "I need help now". They sort crisis lines and 24/7 services first rather
/// than narrowing the search (nobody's notes say "now").
const URGENT: &[&str] = &[
    "crisis",
    "suicide",
    "suicidal",
    "urgent",
    "urgently",
    "emergency",
    "now",
    "help",
    "hurt",
    "hurts",
    "hurting",
    "die",
    "dying",
    "kill",
    "killing",
    "overdose",
    "overdosed",
    "danger",
    "asap",
    "immediately",
    "988",
];

/// Words that carry no meaning in a directory search.
const STOP: &[&str] = &[
    "a", "an", "the", "i", "im", "me", "my", "to", "for", "of", "and", "or", "not", "in", "on",
    "at", "with", "is", "are", "be", "am", "do", "need", "want", "someone", "somebody", "some",
    "can", "who", "get", "please", "find", "near", "by", "it", "this", "that", "you", "your",
    "from", "about", "any",
];

/// A search: words and filters. Every field is optional; the empty query lists everything,
/// crisis lines first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct Query {
    /// What the officer typed; any text is accepted.
    pub text: String,
    /// Only these kinds (empty: all).
    pub kinds: Vec<Kind>,
    /// Only entries with this specialty ("ptsd", "Substance use").
    pub specialty: Option<String>,
    /// Only entries experienced with first responders.
    pub first_responder_competent: bool,
    /// Only entries offering telehealth.
    pub telehealth: bool,
    /// Only entries in this language ("es").
    pub language: Option<String>,
    /// Only entries at this cost ("free", "eap_covered", "insurance", "sliding_scale").
    pub cost: Option<String>,
    /// Only entries open 24/7.
    pub always_open: bool,
    /// Only entries for this region ("US", "Travis County").
    pub region: Option<String>,
    /// Only built-in entries, or only the agency's.
    pub origin: Option<Origin>,
    /// Most results (default 50, at most 200).
    pub limit: Option<u32>,
}

/// Searches the directory. Never fails on what was typed: odd input gives fewer results or
/// none. Fails only if the vault itself cannot be read.
pub fn search(v: &Vault, q: &Query) -> Result<Vec<Hit>> {
    index::ensure(v)?;
    let typed = Typed::parse(&q.text);
    let filters = facet_filter(q);
    let limit = usize::try_from(q.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT))
        .unwrap_or(DEFAULT_LIMIT as usize);
    let mut found = Found::new(limit);
    if typed.words.is_empty() {
        // Nothing to match (or only urgent words): everything, crisis lines first.
        match &filters {
            None => found.add(first_rows(v, found.ask())?),
            Some(f) => found.add(matching(v, f, found.ask())?),
        }
        return Ok(found.into_hits());
    }
    if typed.urgent {
        let crisis = format!(
            "facets : \"{}\"",
            index::facet("kind", Kind::CrisisLine.as_str())
        );
        found.add(matching(v, &and(&crisis, filters.as_deref()), found.ask())?);
    }
    let groups: Vec<String> = typed
        .words
        .iter()
        .map(|w| spellings(v, w))
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .flatten()
        .collect();
    if groups.is_empty() {
        return Ok(found.into_hits());
    }
    let before = found.len();
    for joiner in [" AND ", " OR "] {
        let words = groups.join(joiner);
        let strong = format!("{} : ({words})", index::STRONG_COLUMNS);
        let any = format!("{} : ({words})", index::TEXT_COLUMNS);
        found.add(matching(v, &and(&strong, filters.as_deref()), found.ask())?);
        let weak = format!("({any}) NOT ({strong})");
        found.add(matching(v, &and(&weak, filters.as_deref()), found.ask())?);
        // Entries with every word; only if there are none, entries with any of them.
        if found.len() > before || groups.len() == 1 {
            break;
        }
    }
    Ok(found.into_hits())
}

/// Results so far, in order, without repeats, up to the limit.
struct Found {
    rows: Vec<Row>,
    limit: usize,
}

impl Found {
    fn new(limit: usize) -> Self {
        Self {
            rows: Vec::new(),
            limit,
        }
    }

    fn len(&self) -> usize {
        self.rows.len()
    }

    /// How many more can be taken.
    fn room(&self) -> usize {
        self.limit.saturating_sub(self.rows.len())
    }

    /// How many to ask for: a full page, since some may be repeats of rows already held
    /// (a crisis line listed first that also matches the words).
    fn ask(&self) -> usize {
        if self.room() == 0 { 0 } else { self.limit }
    }

    fn add(&mut self, rows: Vec<Row>) {
        for r in rows {
            if self.rows.len() < self.limit && !self.rows.iter().any(|h| h.rowid == r.rowid) {
                self.rows.push(r);
            }
        }
    }

    fn into_hits(self) -> Vec<Hit> {
        self.rows.into_iter().filter_map(Row::into_hit).collect()
    }
}

fn and(expr: &str, filters: Option<&str>) -> String {
    match filters {
        Some(f) => format!("({expr}) AND ({f})"),
        None => expr.to_owned(),
    }
}

/// The typed text, cut into words.
struct Typed {
    words: Vec<String>,
    urgent: bool,
}

impl Typed {
    fn parse(text: &str) -> Self {
        let head: String = text.chars().take(MAX_TEXT_CHARS).collect();
        let mut words = Vec::new();
        let mut urgent = false;
        for w in head
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty() && w.chars().count() <= MAX_WORD_CHARS)
        {
            let w: String = w.chars().flat_map(char::to_lowercase).collect();
            if is_urgent(&w) {
                urgent = true;
            } else if w.chars().count() > 1 && !STOP.contains(&w.as_str()) && !words.contains(&w) {
                // One letter narrows nothing; the list stays as it was until the second.
                words.push(w);
            }
        }
        words.truncate(MAX_WORDS);
        Self { words, urgent }
    }
}

/// Urgent words, and near misses of the longer ones: "sucide" is as urgent as "suicide".
fn is_urgent(w: &str) -> bool {
    URGENT.contains(&w)
        || (w.chars().count() >= 5
            && URGENT
                .iter()
                .any(|u| u.len() >= 5 && strsim::osa_distance(u, w) <= 1))
}

/// Edits allowed for a mistyped word of this many characters.
fn allowed_edits(chars: usize) -> usize {
    match chars {
        0..=3 => 0,
        4..=6 => 1,
        _ => 2,
    }
}

/// The FTS5 expression for one word: the word as a prefix if the index has any term
/// starting with it, otherwise the closest spellings in the index's vocabulary; `None` when
/// nothing is close.
fn spellings(v: &Vault, word: &str) -> Result<Option<String>> {
    let conn = v.conn();
    let upper = format!("{word}\u{10FFFF}");
    let mut has_prefix = conn
        .prepare_cached("SELECT 1 FROM temp.directory_terms WHERE term >= ?1 AND term < ?2")
        .map_err(Error::from_sqlite)?;
    if has_prefix
        .exists([word, upper.as_str()])
        .map_err(Error::from_sqlite)?
    {
        return Ok(Some(format!("\"{word}\"*")));
    }
    let n = word.chars().count();
    let k = allowed_edits(n);
    if k == 0 {
        return Ok(None);
    }
    // Longer terms are needed only to compare their start ("counsl" → "counselor").
    let longest = if n >= 5 { i64::MAX } else { to_i64(n + k) };
    let first: String = word.chars().take(1).collect();
    let mut candidates = conn
        .prepare_cached(
            "SELECT term, docs, first FROM temp.directory_terms
             WHERE has_digit = 0 AND chars BETWEEN ?1 AND ?2",
        )
        .map_err(Error::from_sqlite)?;
    let mut rows = candidates
        .query([to_i64(n.saturating_sub(k)), longest])
        .map_err(Error::from_sqlite)?;
    let mut close: Vec<(usize, i64, String)> = Vec::new();
    while let Some(r) = rows.next().map_err(Error::from_sqlite)? {
        let term: String = r.get(0).map_err(Error::from_sqlite)?;
        let m = term.chars().count();
        let mut d = if m <= n + k {
            strsim::osa_distance(word, &term)
        } else {
            usize::MAX
        };
        if n >= 5
            && m > n
            && r.get_ref(2).map_err(Error::from_sqlite)?.as_str().ok() == Some(&first)
        {
            let head: String = term.chars().take(n).collect();
            d = d.min(strsim::osa_distance(word, &head));
        }
        if d <= k {
            close.push((d, -r.get::<_, i64>(1).map_err(Error::from_sqlite)?, term));
        }
    }
    close.sort();
    let best = close.first().map(|c| c.0);
    let terms: Vec<String> = close
        .into_iter()
        .take_while(|c| Some(c.0) == best)
        .take(MAX_SPELLINGS)
        .map(|(_, _, t)| format!("\"{t}\""))
        .collect();
    Ok(match terms.len() {
        0 => None,
        1 => terms.into_iter().next(),
        _ => Some(format!("({})", terms.join(" OR "))),
    })
}

fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The filters as an FTS5 expression over the `facets` column; `None` when there are none.
/// Values are reduced to letters and digits first, so nothing typed into a filter can be
/// FTS5 syntax.
fn facet_filter(q: &Query) -> Option<String> {
    let term = |field: &str, value: &str| format!("\"{}\"", index::facet(field, value));
    let mut all: Vec<String> = Vec::new();
    if !q.kinds.is_empty() {
        let kinds: Vec<String> = q.kinds.iter().map(|k| term("kind", k.as_str())).collect();
        all.push(format!("({})", kinds.join(" OR ")));
    }
    for (field, value) in [
        ("spec", &q.specialty),
        ("lang", &q.language),
        ("cost", &q.cost),
        ("reg", &q.region),
    ] {
        if let Some(v) = value.as_deref()
            && !tag(v).is_empty()
        {
            all.push(term(field, v));
        }
    }
    for (on, flag) in [
        (q.first_responder_competent, "fr"),
        (q.telehealth, "tele"),
        (q.always_open, "open"),
    ] {
        if on {
            all.push(format!("\"{flag}\""));
        }
    }
    if let Some(o) = q.origin {
        all.push(term("orig", o.as_str()));
    }
    (!all.is_empty()).then(|| format!("facets : ({})", all.join(" AND ")))
}

/// One row of results, before it is turned into a [`Hit`].
struct Row {
    rowid: i64,
    origin: String,
    id: String,
    entry: String,
    source_url: Option<String>,
    checked_on: Option<String>,
}

impl Row {
    fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            rowid: r.get(0)?,
            origin: r.get(1)?,
            id: r.get(2)?,
            entry: r.get(3)?,
            source_url: r.get(4)?,
            checked_on: r.get(5)?,
        })
    }

    fn into_hit(self) -> Option<Hit> {
        let origin = if self.origin == Origin::Agency.as_str() {
            Origin::Agency
        } else {
            Origin::Builtin
        };
        // Written by the index from a parsed entry, so this only fails if memory is damaged.
        let entry: DirectoryEntry = serde_json::from_str(&self.entry).ok()?;
        Some(Hit::new(
            self.id,
            origin,
            entry,
            self.source_url,
            self.checked_on,
        ))
    }
}

/// The first entries in display order, with no filter at all.
fn first_rows(v: &Vault, limit: usize) -> Result<Vec<Row>> {
    let mut stmt = v
        .conn()
        .prepare_cached(
            "SELECT rowid, origin, res_id, entry, source_url, checked_on
             FROM temp.directory_index ORDER BY rowid LIMIT ?1",
        )
        .map_err(Error::from_sqlite)?;
    stmt.query_map([to_i64(limit)], Row::read)
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
        .map_err(Error::from_sqlite)
}

/// The first `limit` entries, in display order, matching an FTS5 expression. FTS5 returns
/// matches in rowid order, so this stops after `limit` rows however many would match.
fn matching(v: &Vault, expr: &str, limit: usize) -> Result<Vec<Row>> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let mut stmt = v
        .conn()
        .prepare_cached(
            "WITH m AS (SELECT rowid FROM temp.directory_fts WHERE directory_fts MATCH ?1
                        ORDER BY rowid LIMIT ?2)
             SELECT d.rowid, d.origin, d.res_id, d.entry, d.source_url, d.checked_on
             FROM m JOIN temp.directory_index d ON d.rowid = m.rowid ORDER BY m.rowid",
        )
        .map_err(Error::from_sqlite)?;
    let rows = stmt
        .query_map(rusqlite::params![expr, to_i64(limit)], Row::read)
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>());
    match rows {
        Ok(rows) => Ok(rows),
        // The expression is built from quoted words only, so this should not happen; if a
        // tokenizer corner case ever trips FTS5, the officer gets no matches, not an error.
        Err(e) if e.to_string().starts_with("fts5:") => {
            tracing::debug!("directory search expression refused by FTS5");
            Ok(Vec::new())
        }
        Err(e) => Err(Error::from_sqlite(e)),
    }
}

#[cfg(test)]
mod tests;
