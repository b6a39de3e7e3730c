//! Exports for the officer's own clinician: a CSV of every check-in and questionnaire, and a
//! one-page summary (HTML that prints well and saves as PDF) with charts and screener
//! history. Written only to the file the officer picks, in one step: a full disk leaves no
//! half-written file behind.

use std::fmt::Write as _;
use std::path::Path;

use chrono::{DateTime, Days, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::screeners::{self, Instrument};
use crate::trends::{self, Bucket};
use crate::vault::Vault;

/// What to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// Every record, one per row.
    Csv,
    /// The printable one-page summary.
    Summary,
}

/// The officer's choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ExportOptions {
    /// Include the private notes written with check-ins (off unless chosen).
    #[serde(default)]
    pub include_notes: bool,
}

/// One row of the export, oldest first.
struct Row {
    utc: String,
    offset_min: i32,
    kind: Kind,
}

enum Kind {
    CheckIn {
        mood: u8,
        stress: u8,
        energy: u8,
        sleep_half_hours: u8,
        tags: String,
        note: Option<String>,
    },
    Screener {
        instrument: Instrument,
        total: u32,
        band: &'static str,
    },
}

fn rows(vault: &Vault) -> Result<Vec<Row>> {
    let conn = vault.conn();
    let mut out = Vec::new();
    let mut stmt = conn
        .prepare(
            "SELECT recorded_at_utc, utc_offset_min, mood, stress, energy, sleep_half_hours, tags, note
             FROM checkins",
        )
        .map_err(Error::from_sqlite)?;
    let mut q = stmt.query([]).map_err(Error::from_sqlite)?;
    while let Some(r) = q.next().map_err(Error::from_sqlite)? {
        let tags: String = r.get(6).map_err(Error::from_sqlite)?;
        let tags: Vec<String> = serde_json::from_str(&tags).unwrap_or_default();
        out.push(Row {
            utc: r.get(0).map_err(Error::from_sqlite)?,
            offset_min: r.get(1).map_err(Error::from_sqlite)?,
            kind: Kind::CheckIn {
                mood: r.get(2).map_err(Error::from_sqlite)?,
                stress: r.get(3).map_err(Error::from_sqlite)?,
                energy: r.get(4).map_err(Error::from_sqlite)?,
                sleep_half_hours: r.get(5).map_err(Error::from_sqlite)?,
                tags: tags.join(" ").replace('_', "-"),
                note: r.get(7).map_err(Error::from_sqlite)?,
            },
        });
    }
    let mut stmt = conn
        .prepare("SELECT taken_at_utc, utc_offset_min, instrument, answers FROM screener_results")
        .map_err(Error::from_sqlite)?;
    let mut q = stmt.query([]).map_err(Error::from_sqlite)?;
    while let Some(r) = q.next().map_err(Error::from_sqlite)? {
        let name: String = r.get(2).map_err(Error::from_sqlite)?;
        let answers: String = r.get(3).map_err(Error::from_sqlite)?;
        let answers: Vec<u8> = serde_json::from_str(&answers).unwrap_or_default();
        // Rescored from the answers, as the history screen does; unknown ones are skipped.
        let Some(instrument) = Instrument::ALL.into_iter().find(|i| i.as_str() == name) else {
            continue;
        };
        let Ok(score) = screeners::score(instrument, &answers) else {
            continue;
        };
        out.push(Row {
            utc: r.get(0).map_err(Error::from_sqlite)?,
            offset_min: r.get(1).map_err(Error::from_sqlite)?,
            kind: Kind::Screener {
                instrument,
                total: score.total,
                band: score.band,
            },
        });
    }
    out.sort_by(|a, b| a.utc.cmp(&b.utc));
    Ok(out)
}

impl Row {
    fn local(&self) -> Option<DateTime<FixedOffset>> {
        let offset = FixedOffset::east_opt(self.offset_min * 60)?;
        DateTime::parse_from_rfc3339(&self.utc)
            .ok()
            .map(|t| t.with_timezone(&offset))
    }

    fn local_text(&self) -> String {
        self.local()
            .map(|t| t.format("%Y-%m-%d %H:%M %:z").to_string())
            .unwrap_or_else(|| self.utc.clone())
    }
}

/// A spreadsheet opens a cell that starts with `=`, `+`, `-` or `@` as a formula; a note
/// must stay text.
fn cell_text(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

/// The CSV export.
pub fn csv(vault: &Vault, options: ExportOptions) -> Result<Vec<u8>> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let fail = |e: ::csv::Error| Error::InvalidInput(format!("The export could not be built: {e}"));
    w.write_record([
        "record",
        "local_time",
        "mood_1_5",
        "stress_1_5",
        "energy_1_5",
        "sleep_hours",
        "tags",
        "note",
        "score",
        "band",
    ])
    .map_err(fail)?;
    for row in rows(vault)? {
        let when = row.local_text();
        let record: Vec<String> = match &row.kind {
            Kind::CheckIn {
                mood,
                stress,
                energy,
                sleep_half_hours,
                tags,
                note,
            } => vec![
                "check-in".into(),
                when,
                mood.to_string(),
                stress.to_string(),
                energy.to_string(),
                format!("{}", f64::from(*sleep_half_hours) / 2.0),
                tags.clone(),
                if options.include_notes {
                    cell_text(note.as_deref().unwrap_or(""))
                } else {
                    String::new()
                },
                String::new(),
                String::new(),
            ],
            Kind::Screener {
                instrument,
                total,
                band,
            } => vec![
                screeners::form(*instrument).title.into(),
                when,
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                total.to_string(),
                (*band).into(),
            ],
        };
        w.write_record(&record).map_err(fail)?;
    }
    w.into_inner()
        .map_err(|e| Error::InvalidInput(format!("The export could not be built: {e}")))
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A line chart as inline SVG: one polyline per series, broken where a bucket is empty.
fn svg_chart(
    title: &str,
    labels: &[String],
    series: &[(&str, &str, &[Option<f64>])],
    lo: f64,
    hi: f64,
) -> String {
    const W: f64 = 680.0;
    const H: f64 = 150.0;
    const PAD_L: f64 = 28.0;
    const PAD_B: f64 = 18.0;
    let n = labels.len().max(2) as f64;
    let x = |i: usize| PAD_L + (W - PAD_L - 6.0) * i as f64 / (n - 1.0);
    let y = |v: f64| 6.0 + (H - PAD_B - 6.0) * (1.0 - (v - lo) / (hi - lo).max(f64::EPSILON));
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg viewBox="0 0 {W} {H}" role="img" aria-label="{}"><title>{}</title>"#,
        esc(title),
        esc(title)
    );
    for v in [lo, (lo + hi) / 2.0, hi] {
        let _ = write!(
            s,
            r##"<line x1="{PAD_L}" x2="{W}" y1="{0:.1}" y2="{0:.1}" stroke="#ccc" stroke-width="0.5"/><text x="2" y="{1:.1}" font-size="9">{2}</text>"##,
            y(v),
            y(v) + 3.0,
            v.round()
        );
    }
    if let (Some(first), Some(last)) = (labels.first(), labels.last()) {
        let _ = write!(
            s,
            r#"<text x="{PAD_L}" y="{H}" font-size="9">{}</text><text x="{W}" y="{H}" font-size="9" text-anchor="end">{}</text>"#,
            esc(first),
            esc(last)
        );
    }
    for (_, colour, values) in series {
        let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
        for (i, v) in values.iter().enumerate() {
            match v {
                Some(v) => runs.last_mut().map(|r| r.push((x(i), y(*v)))).unwrap_or(()),
                None if runs.last().is_some_and(|r| !r.is_empty()) => runs.push(Vec::new()),
                None => {}
            }
        }
        for run in runs.iter().filter(|r| !r.is_empty()) {
            if let [(px, py)] = run.as_slice() {
                let _ = write!(
                    s,
                    r#"<circle cx="{px:.1}" cy="{py:.1}" r="2" fill="{colour}"/>"#
                );
            } else {
                let pts: Vec<String> = run
                    .iter()
                    .map(|(px, py)| format!("{px:.1},{py:.1}"))
                    .collect();
                let _ = write!(
                    s,
                    r#"<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{}"/>"#,
                    pts.join(" ")
                );
            }
        }
    }
    s.push_str("</svg><p class=\"legend\">");
    for (name, colour, _) in series {
        let _ = write!(s, r#"<span style="color:{colour}">━</span> {} "#, esc(name));
    }
    s.push_str("</p>");
    s
}

/// The one-page summary: the last 12 weeks of check-ins (weekly means), every
/// questionnaire's recent results, and the instruments' credits.
pub fn summary_html(vault: &Vault, options: ExportOptions, today: NaiveDate) -> Result<String> {
    let from = today
        .checked_sub_days(Days::new(7 * 12 - 1))
        .unwrap_or(today);
    let t = trends::trends(vault, Bucket::Week, from, today)?;
    let all = rows(vault)?;
    let checkins = all
        .iter()
        .filter(|r| matches!(r.kind, Kind::CheckIn { .. }))
        .count();
    let mut h = String::new();
    let _ = write!(
        h,
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Wellness summary</title>
<style>
@page {{ size: auto; margin: 12mm; }}
body {{ font: 11px/1.35 system-ui, sans-serif; color: #111; background: #fff; max-width: 720px; margin: 0 auto; }}
h1 {{ font-size: 17px; margin: 0 0 2px; }} h2 {{ font-size: 13px; margin: 10px 0 3px; }}
table {{ border-collapse: collapse; width: 100%; }} th, td {{ border-bottom: 1px solid #ddd; padding: 2px 4px; text-align: left; }}
svg {{ width: 100%; height: auto; }} .legend, .small {{ font-size: 9.5px; color: #333; margin: 0; }}
</style></head><body>
<h1>Wellness summary</h1>
<p class="small">Prepared by the person named below from their own Peerline app on {today}. Self-reported check-ins and screening questionnaires: a screening result is not a diagnosis.</p>
<p>Name: ____________________________ &nbsp; Date of birth: ______________</p>
<h2>Check-ins, last 12 weeks (weekly averages)</h2>
<p class="small">{checkins} check-ins recorded in all. Mood, stress and energy are 1–5 (5: very good mood, very stressed, full of energy); sleep in hours.</p>"#,
        today = today.format("%Y-%m-%d")
    );
    h.push_str(&svg_chart(
        "Mood, stress and energy, weekly averages",
        &t.starts,
        &[
            ("Mood", "#1a5fb4", &t.mood),
            ("Stress", "#c01c28", &t.stress),
            ("Energy", "#26a269", &t.energy),
        ],
        1.0,
        5.0,
    ));
    h.push_str(&svg_chart(
        "Hours of sleep, weekly averages",
        &t.starts,
        &[("Sleep (hours)", "#613583", &t.sleep_hours)],
        0.0,
        14.0,
    ));
    h.push_str("<h2>Questionnaires (most recent first, up to 6 each)</h2><table><tr><th>Questionnaire</th><th>Date</th><th>Score</th><th>Result</th></tr>");
    let mut credits = Vec::new();
    for instrument in Instrument::ALL {
        let taken: Vec<&Row> = all
            .iter()
            .rev()
            .filter(|r| matches!(r.kind, Kind::Screener { instrument: i, .. } if i == instrument))
            .take(6)
            .collect();
        if taken.is_empty() {
            continue;
        }
        let form = screeners::form(instrument);
        credits.push(form.credit);
        for r in taken {
            if let Kind::Screener { total, band, .. } = &r.kind {
                let _ = write!(
                    h,
                    "<tr><td>{}</td><td>{}</td><td>{} / {}</td><td>{}</td></tr>",
                    esc(form.title),
                    esc(&r.local_text()),
                    total,
                    instrument.max_total(),
                    esc(band)
                );
            }
        }
    }
    h.push_str("</table>");
    if options.include_notes {
        let notes: Vec<&Row> = all
            .iter()
            .rev()
            .filter(|r| matches!(&r.kind, Kind::CheckIn { note: Some(_), .. }))
            .take(10)
            .collect();
        if !notes.is_empty() {
            h.push_str("<h2>Recent notes (chosen to share)</h2><table>");
            for r in notes {
                if let Kind::CheckIn { note: Some(n), .. } = &r.kind {
                    let _ = write!(
                        h,
                        "<tr><td>{}</td><td>{}</td></tr>",
                        esc(&r.local_text()),
                        esc(n)
                    );
                }
            }
            h.push_str("</table>");
        }
    }
    if !credits.is_empty() {
        h.push_str("<h2>Instruments</h2>");
        for c in credits {
            let _ = write!(h, r#"<p class="small">{}</p>"#, esc(c));
        }
    }
    h.push_str("</body></html>\n");
    Ok(h)
}

/// Builds the export and writes it to `path` (the file the officer picked).
pub fn write(
    vault: &Vault,
    format: ExportFormat,
    options: ExportOptions,
    today: NaiveDate,
    path: &Path,
) -> Result<u64> {
    let bytes = match format {
        ExportFormat::Csv => csv(vault, options)?,
        ExportFormat::Summary => summary_html(vault, options, today)?.into_bytes(),
    };
    crate::vault::files::write_private_atomically(path, &bytes)?;
    Ok(bytes.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkins::{self, QuickCheckIn, Tag};
    use crate::vault::VaultKey;

    fn vault() -> (tempfile::TempDir, Vault) {
        let dir = tempfile::tempdir().unwrap();
        let v = Vault::create(&dir.path().join("vault.db"), &VaultKey::generate()).unwrap();
        (dir, v)
    }

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn fill(v: &Vault) {
        checkins::save(
            v,
            &QuickCheckIn {
                mood: 2,
                tags: vec![Tag::CriticalIncident],
                note: Some("=HYPERLINK(\"x\") after the crash, \"hard\"".into()),
                ..Default::default()
            },
            at("2026-11-20T23:30:00-05:00"),
        )
        .unwrap();
        screeners::save(
            v,
            Instrument::Gad7,
            &[2; 7],
            at("2026-11-21T09:00:00-05:00"),
        )
        .unwrap();
    }

    #[test]
    fn csv_has_every_record_in_order_and_notes_only_when_chosen() {
        let (_d, v) = vault();
        fill(&v);
        let text = String::from_utf8(csv(&v, ExportOptions::default()).unwrap()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines[0].starts_with("record,local_time,mood_1_5"));
        assert_eq!(
            lines[1],
            "check-in,2026-11-20 23:30 -05:00,2,3,3,7,critical-incident,,,"
        );
        assert_eq!(lines[2], "GAD-7,2026-11-21 09:00 -05:00,,,,,,,14,Moderate");
        assert!(!text.contains("HYPERLINK"));

        let with = String::from_utf8(
            csv(
                &v,
                ExportOptions {
                    include_notes: true,
                },
            )
            .unwrap(),
        )
        .unwrap();
        let mut r = ::csv::Reader::from_reader(with.as_bytes());
        let first = r.records().next().unwrap().unwrap();
        // The note is kept whole, quoted, and can never run as a formula.
        assert_eq!(&first[7], "'=HYPERLINK(\"x\") after the crash, \"hard\"");
    }

    #[test]
    fn summary_is_one_printable_page_with_charts_and_history() {
        let (_d, v) = vault();
        fill(&v);
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let html = summary_html(&v, ExportOptions::default(), today).unwrap();
        assert!(html.starts_with("<!doctype html>"));
        assert_eq!(html.matches("<svg").count(), 2);
        assert!(html.contains(
            "<td>GAD-7</td><td>2026-11-21 09:00 -05:00</td><td>14 / 21</td><td>Moderate</td>"
        ));
        assert!(html.contains("1 check-ins recorded"));
        assert!(!html.contains("HYPERLINK"), "notes stay out unless chosen");
        assert!(html.contains("<polyline") || html.contains("<circle"));
        let with = summary_html(
            &v,
            ExportOptions {
                include_notes: true,
            },
            today,
        )
        .unwrap();
        assert!(
            with.contains("=HYPERLINK(&quot;x&quot;) after the crash"),
            "escaped"
        );
    }

    #[test]
    fn chart_breaks_lines_at_gaps() {
        let labels: Vec<String> = (0..5).map(|i| i.to_string()).collect();
        let svg = svg_chart(
            "t",
            &labels,
            &[("a", "#000", &[Some(1.0), Some(2.0), None, Some(3.0), None])],
            0.0,
            5.0,
        );
        assert_eq!(svg.matches("<polyline").count(), 1);
        assert_eq!(svg.matches("<circle").count(), 1);
    }

    #[test]
    fn write_puts_the_file_where_asked_and_a_full_disk_leaves_nothing() {
        let (d, v) = vault();
        fill(&v);
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let path = d.path().join("out.csv");
        let n = write(
            &v,
            ExportFormat::Csv,
            ExportOptions::default(),
            today,
            &path,
        )
        .unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), n);
        let e = write(
            &v,
            ExportFormat::Summary,
            ExportOptions::default(),
            today,
            Path::new("/dev/full/summary.html"),
        )
        .unwrap_err();
        assert!(
            matches!(e.code(), "STORAGE_ERROR" | "DISK_FULL"),
            "{}",
            e.code()
        );
    }
}
