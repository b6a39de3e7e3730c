//! Validated screeners with their published wording, scoring and bands: PHQ-9, PHQ-2,
//! GAD-7, GAD-2, WHO-5 and AUDIT-C. Core decides the safety flag, never the UI: a screen
//! that shows distress always opens the crisis lines, a peer and a professional referral.

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use rusqlite::params;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::random_id;
use crate::vault::Vault;

/// The instruments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Instrument {
    /// Patient Health Questionnaire, depression, 9 items.
    Phq9,
    /// The first two PHQ-9 items.
    Phq2,
    /// Generalized Anxiety Disorder, 7 items.
    Gad7,
    /// The first two GAD-7 items.
    Gad2,
    /// WHO-5 Well-Being Index.
    Who5,
    /// AUDIT-C, alcohol use, 3 items.
    AuditC,
    /// PTSD Checklist for DSM-5, 20 items.
    Pcl5,
}

/// One answer choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Choice {
    /// Points.
    pub value: u8,
    /// Published wording.
    pub label: &'static str,
}

/// One question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Item {
    /// Published wording.
    pub text: &'static str,
    /// Its choices (AUDIT-C items each have their own).
    pub choices: Vec<Choice>,
}

/// An instrument as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Form {
    /// Which.
    pub instrument: Instrument,
    /// Name.
    pub title: &'static str,
    /// The instruction before the items.
    pub stem: &'static str,
    /// Items in order.
    pub items: Vec<Item>,
    /// Source and licence, shown in the app.
    pub credit: &'static str,
}

const PHQ_STEM: &str =
    "Over the last 2 weeks, how often have you been bothered by any of the following problems?";
const GAD_STEM: &str =
    "Over the last 2 weeks, how often have you been bothered by the following problems?";
const FREQ: [(u8, &str); 4] = [
    (0, "Not at all"),
    (1, "Several days"),
    (2, "More than half the days"),
    (3, "Nearly every day"),
];
const PHQ9_ITEMS: [&str; 9] = [
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself \u{2014} or that you are a failure or have let yourself or your family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed? Or the opposite \u{2014} being so fidgety or restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead or of hurting yourself in some way",
];
const GAD7_ITEMS: [&str; 7] = [
    "Feeling nervous, anxious, or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid, as if something awful might happen",
];
const WHO5_STEM: &str = "Please indicate for each of the five statements which is closest to how you have been feeling over the last two weeks.";
const WHO5_ITEMS: [&str; 5] = [
    "I have felt cheerful and in good spirits",
    "I have felt calm and relaxed",
    "I have felt active and vigorous",
    "I woke up feeling fresh and rested",
    "My daily life has been filled with things that interest me",
];
const WHO5_CHOICES: [(u8, &str); 6] = [
    (5, "All of the time"),
    (4, "Most of the time"),
    (3, "More than half of the time"),
    (2, "Less than half of the time"),
    (1, "Some of the time"),
    (0, "At no time"),
];
const AUDITC_ITEMS: [(&str, [&str; 5]); 3] = [
    (
        "How often do you have a drink containing alcohol?",
        [
            "Never",
            "Monthly or less",
            "2-4 times a month",
            "2-3 times a week",
            "4 or more times a week",
        ],
    ),
    (
        "How many standard drinks containing alcohol do you have on a typical day?",
        ["1 or 2", "3 or 4", "5 or 6", "7 to 9", "10 or more"],
    ),
    (
        "How often do you have six or more drinks on one occasion?",
        [
            "Never",
            "Less than monthly",
            "Monthly",
            "Weekly",
            "Daily or almost daily",
        ],
    ),
];
const PCL5_STEM: &str = "Below is a list of problems that people sometimes have in response to a very stressful experience. Keeping your worst event in mind, please read each problem carefully and then choose how much you have been bothered by that problem in the past month. In the past month, how much were you bothered by:";
const PCL5_ITEMS: [&str; 20] = [
    "Repeated, disturbing, and unwanted memories of the stressful experience?",
    "Repeated, disturbing dreams of the stressful experience?",
    "Suddenly feeling or acting as if the stressful experience were actually happening again (as if you were actually back there reliving it)?",
    "Feeling very upset when something reminded you of the stressful experience?",
    "Having strong physical reactions when something reminded you of the stressful experience (for example, heart pounding, trouble breathing, sweating)?",
    "Avoiding memories, thoughts, or feelings related to the stressful experience?",
    "Avoiding external reminders of the stressful experience (for example, people, places, conversations, activities, objects, or situations)?",
    "Trouble remembering important parts of the stressful experience?",
    "Having strong negative beliefs about yourself, other people, or the world (for example, having thoughts such as: I am bad, there is something seriously wrong with me, no one can be trusted, the world is completely dangerous)?",
    "Blaming yourself or someone else for the stressful experience or what happened after it?",
    "Having strong negative feelings such as fear, horror, anger, guilt, or shame?",
    "Loss of interest in activities that you used to enjoy?",
    "Feeling distant or cut off from other people?",
    "Trouble experiencing positive feelings (for example, being unable to feel happiness or have loving feelings for people close to you)?",
    "Irritable behavior, angry outbursts, or acting aggressively?",
    "Taking too many risks or doing things that could cause you harm?",
    "Being \"superalert\" or watchful or on guard?",
    "Feeling jumpy or easily startled?",
    "Having difficulty concentrating?",
    "Trouble falling or staying asleep?",
];
const PCL5_CHOICES: [(u8, &str); 5] = [
    (0, "Not at all"),
    (1, "A little bit"),
    (2, "Moderately"),
    (3, "Quite a bit"),
    (4, "Extremely"),
];
/// PCL-5 total at or above which PTSD is provisionally likely (National Center for PTSD:
/// a cut-off of 31–33; the upper end is used so fewer officers are flagged by noise).
pub const PCL5_CUTOFF: u32 = 33;
const PCL5_CREDIT: &str = "PTSD Checklist for DSM-5 (PCL-5): Weathers, Litz, Keane, Palmieri, Marx & Schnurr, National Center for PTSD (2013). In the public domain.";
const PHQ_CREDIT: &str = "Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, with an educational grant from Pfizer Inc. No permission required to reproduce, translate, display or distribute.";
const WHO5_CREDIT: &str = "WHO-5 Well-Being Index, Psychiatric Research Unit, Mental Health Centre North Zealand (WHO Collaborating Centre), 1998. Free to use with attribution.";
const AUDITC_CREDIT: &str = "AUDIT-C: Bush K, Kivlahan DR, McDonell MB, Fihn SD, Bradley KA (1998), from the WHO AUDIT. In the public domain.";

/// Items that all share one answer scale.
fn scaled(texts: &[&'static str], scale: &[(u8, &'static str)]) -> Vec<Item> {
    texts
        .iter()
        .map(|t| Item {
            text: t,
            choices: scale
                .iter()
                .map(|&(value, label)| Choice { value, label })
                .collect(),
        })
        .collect()
}

/// The form for an instrument.
pub fn form(instrument: Instrument) -> Form {
    let (title, stem, items, credit) = match instrument {
        Instrument::Phq9 => ("PHQ-9", PHQ_STEM, scaled(&PHQ9_ITEMS, &FREQ), PHQ_CREDIT),
        Instrument::Phq2 => (
            "PHQ-2",
            PHQ_STEM,
            scaled(&PHQ9_ITEMS[..2], &FREQ),
            PHQ_CREDIT,
        ),
        Instrument::Gad7 => ("GAD-7", GAD_STEM, scaled(&GAD7_ITEMS, &FREQ), PHQ_CREDIT),
        Instrument::Gad2 => (
            "GAD-2",
            GAD_STEM,
            scaled(&GAD7_ITEMS[..2], &FREQ),
            PHQ_CREDIT,
        ),
        Instrument::Who5 => (
            "WHO-5 Well-Being Index",
            WHO5_STEM,
            scaled(&WHO5_ITEMS, &WHO5_CHOICES),
            WHO5_CREDIT,
        ),
        Instrument::Pcl5 => (
            "PCL-5",
            PCL5_STEM,
            scaled(&PCL5_ITEMS, &PCL5_CHOICES),
            PCL5_CREDIT,
        ),
        // AUDIT-C is the one instrument whose items each have their own answers.
        Instrument::AuditC => (
            "AUDIT-C",
            "Think about your drinking over the past year.",
            AUDITC_ITEMS
                .iter()
                .map(|(text, labels)| Item {
                    text,
                    choices: labels
                        .iter()
                        .zip(0u8..)
                        .map(|(label, value)| Choice { value, label })
                        .collect(),
                })
                .collect(),
            AUDITC_CREDIT,
        ),
    };
    Form {
        instrument,
        title,
        stem,
        items,
        credit,
    }
}

/// A scored screener.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Score {
    /// Which.
    pub instrument: Instrument,
    /// The published total (WHO-5: the 0–100 percentage).
    pub total: u32,
    /// The band's published name.
    pub band: &'static str,
    /// What the band means, in plain words.
    pub interpretation: &'static str,
    /// True when the result should open the safety screen (crisis lines, a peer now, and a
    /// professional referral) before the score is shown.
    pub safety: bool,
}

/// Scores answers, rejecting incomplete or out-of-range ones.
pub fn score(instrument: Instrument, answers: &[u8]) -> Result<Score> {
    let f = form(instrument);
    if answers.len() != f.items.len() {
        return Err(Error::InvalidInput(format!(
            "{} has {} questions; answer each one.",
            f.title,
            f.items.len()
        )));
    }
    for (i, (a, item)) in answers.iter().zip(&f.items).enumerate() {
        if !item.choices.iter().any(|c| c.value == *a) {
            return Err(Error::InvalidInput(format!(
                "Question {} of {} has no such answer.",
                i + 1,
                f.title
            )));
        }
    }
    let raw: u32 = answers.iter().map(|a| u32::from(*a)).sum();
    Ok(match instrument {
        Instrument::Phq9 => {
            let (band, interpretation) = match raw {
                0..=4 => ("Minimal", "Minimal or no depression symptoms."),
                5..=9 => ("Mild", "Mild depression symptoms."),
                10..=14 => (
                    "Moderate",
                    "Moderate depression symptoms; talking with a professional is worth it.",
                ),
                15..=19 => (
                    "Moderately severe",
                    "Moderately severe depression symptoms; please talk with a professional.",
                ),
                _ => (
                    "Severe",
                    "Severe depression symptoms; please reach out for help now.",
                ),
            };
            // Item 9 above zero opens the safety screen whatever the total.
            Score {
                instrument,
                total: raw,
                band,
                interpretation,
                safety: answers[8] > 0 || raw >= 20,
            }
        }
        Instrument::Gad7 => {
            let (band, interpretation) = match raw {
                0..=4 => ("Minimal", "Minimal anxiety symptoms."),
                5..=9 => ("Mild", "Mild anxiety symptoms."),
                10..=14 => (
                    "Moderate",
                    "Moderate anxiety symptoms; talking with a professional is worth it.",
                ),
                _ => (
                    "Severe",
                    "Severe anxiety symptoms; please reach out for help.",
                ),
            };
            Score {
                instrument,
                total: raw,
                band,
                interpretation,
                safety: raw >= 15,
            }
        }
        Instrument::Phq2 | Instrument::Gad2 => {
            let positive = raw >= 3;
            Score {
                instrument,
                total: raw,
                band: if positive {
                    "Positive screen"
                } else {
                    "Negative screen"
                },
                interpretation: if positive {
                    "Worth following up with the full questionnaire or a professional."
                } else {
                    "No sign of concern on this short screen."
                },
                safety: false,
            }
        }
        Instrument::Who5 => {
            let pct = raw * 4;
            let (band, interpretation, safety) = match pct {
                0..=28 => (
                    "Likely depression",
                    "Very low wellbeing, often seen with depression; please talk with a professional.",
                    true,
                ),
                29..=50 => (
                    "Poor wellbeing",
                    "Low wellbeing; a depression screen (PHQ-9) is suggested.",
                    false,
                ),
                _ => ("Good wellbeing", "Your wellbeing looks good.", false),
            };
            Score {
                instrument,
                total: pct,
                band,
                interpretation,
                safety,
            }
        }
        Instrument::Pcl5 => {
            let likely = raw >= PCL5_CUTOFF;
            Score {
                instrument,
                total: raw,
                band: if likely {
                    "Probable PTSD (provisional)"
                } else {
                    "Below the PTSD cut-off"
                },
                interpretation: if likely {
                    "Your answers are in the range where PTSD is likely; a professional who works with first responders can confirm and help."
                } else {
                    "Below the provisional cut-off; if a call is still with you, talking about it helps."
                },
                // A high PCL-5 opens the safety screen.
                safety: likely,
            }
        }
        Instrument::AuditC => {
            // Positive at 4 or more for men and 3 or more for women; Peerline does not ask
            // sex, so it uses the lower threshold and says so.
            let positive = raw >= 3;
            Score {
                instrument,
                total: raw,
                band: if positive {
                    "Positive screen"
                } else {
                    "Negative screen"
                },
                interpretation: if positive {
                    "Drinking at a level worth talking about (positive at 3+ for women, 4+ for men)."
                } else {
                    "Drinking below the screening thresholds."
                },
                safety: false,
            }
        }
    })
}

impl Instrument {
    /// Every instrument, in the order the app lists them.
    pub const ALL: [Self; 7] = [
        Self::Phq9,
        Self::Phq2,
        Self::Gad7,
        Self::Gad2,
        Self::Who5,
        Self::Pcl5,
        Self::AuditC,
    ];

    /// The highest total the instrument can give (WHO-5 as its 0–100 percentage).
    pub fn max_total(self) -> u32 {
        match self {
            Self::Who5 => 100,
            other => form(other)
                .items
                .iter()
                .map(|i| {
                    i.choices
                        .iter()
                        .map(|c| u32::from(c.value))
                        .max()
                        .unwrap_or(0)
                })
                .sum(),
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Phq9 => "phq9",
            Self::Phq2 => "phq2",
            Self::Gad7 => "gad7",
            Self::Gad2 => "gad2",
            Self::Who5 => "who5",
            Self::AuditC => "audit_c",
            Self::Pcl5 => "pcl5",
        }
    }

    /// The instrument for its stored name.
    pub(crate) fn parse(s: &str) -> Option<Self> {
        [
            Self::Phq9,
            Self::Phq2,
            Self::Gad7,
            Self::Gad2,
            Self::Who5,
            Self::AuditC,
            Self::Pcl5,
        ]
        .into_iter()
        .find(|i| i.as_str() == s)
    }
}

/// A screener taken and kept in the vault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SavedScore {
    /// Id.
    pub id: String,
    /// When, UTC (RFC 3339).
    pub taken_at_utc: String,
    /// The score.
    pub score: Score,
}

/// Scores and stores a screener; nothing is saved if the answers are refused.
pub fn save(
    vault: &Vault,
    instrument: Instrument,
    answers: &[u8],
    at: DateTime<FixedOffset>,
) -> Result<SavedScore> {
    let score = score(instrument, answers)?;
    let saved = SavedScore {
        id: random_id(),
        taken_at_utc: at
            .with_timezone(&Utc)
            .to_rfc3339_opts(SecondsFormat::Secs, true),
        score,
    };
    let answers_json =
        serde_json::to_string(answers).map_err(|e| Error::InvalidInput(e.to_string()))?;
    vault
        .conn()
        .execute(
            "INSERT INTO screener_results (id, instrument, taken_at_utc, utc_offset_min, answers, total, band, safety)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                saved.id,
                instrument.as_str(),
                saved.taken_at_utc,
                at.offset().local_minus_utc() / 60,
                answers_json,
                saved.score.total,
                saved.score.band,
                saved.score.safety,
            ],
        )
        .map_err(Error::from_sqlite)?;
    crate::sync::records::screener_written(
        vault.conn(),
        &crate::sync::records::ScreenerRecord {
            id: saved.id.clone(),
            instrument: instrument.as_str().to_owned(),
            taken_at_utc: saved.taken_at_utc.clone(),
            utc_offset_min: at.offset().local_minus_utc() / 60,
            answers: answers.to_vec(),
        },
    )?;
    Ok(saved)
}

/// Past results of one instrument, newest first, rescored from the stored answers (so a
/// corrected band definition applies to old results too).
pub fn history(vault: &Vault, instrument: Instrument, limit: u32) -> Result<Vec<SavedScore>> {
    let mut stmt = vault
        .conn()
        .prepare(
            "SELECT id, taken_at_utc, answers FROM screener_results WHERE instrument = ?1
             ORDER BY taken_at_utc DESC, rowid DESC LIMIT ?2",
        )
        .map_err(Error::from_sqlite)?;
    let rows = stmt
        .query_map(params![instrument.as_str(), limit], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .map_err(Error::from_sqlite)?;
    let mut out = Vec::new();
    for row in rows {
        let (id, taken_at_utc, answers) = row.map_err(Error::from_sqlite)?;
        let answers: Vec<u8> = serde_json::from_str(&answers).unwrap_or_default();
        if let Ok(score) = score(instrument, &answers) {
            out.push(SavedScore {
                id,
                taken_at_utc,
                score,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Answers for `n` items summing to `total` (filling from the first item, max `max` each).
    fn summing(n: usize, total: u32, max: u8) -> Vec<u8> {
        let mut left = total;
        (0..n)
            .map(|_| {
                let a = left.min(u32::from(max)) as u8;
                left -= u32::from(a);
                a
            })
            .collect()
    }

    fn phq9(total: u32) -> Score {
        // Item 9 stays 0 so the band alone decides.
        let mut a = summing(8, total, 3);
        a.push(0);
        score(Instrument::Phq9, &a).unwrap()
    }

    #[test]
    fn phq9_bands_at_every_boundary() {
        for (t, band) in [
            (0, "Minimal"),
            (4, "Minimal"),
            (5, "Mild"),
            (9, "Mild"),
            (10, "Moderate"),
            (14, "Moderate"),
            (15, "Moderately severe"),
            (19, "Moderately severe"),
            (20, "Severe"),
            (24, "Severe"),
        ] {
            assert_eq!(phq9(t).band, band, "total {t}");
        }
        assert!(!phq9(19).safety);
        assert!(phq9(20).safety, "the severe band opens the safety screen");
    }

    #[test]
    fn phq9_item_nine_opens_the_safety_screen_at_any_total() {
        let mut a = vec![0; 9];
        a[8] = 1;
        let s = score(Instrument::Phq9, &a).unwrap();
        assert_eq!((s.total, s.band), (1, "Minimal"));
        assert!(s.safety);
    }

    #[test]
    fn gad7_bands_at_every_boundary() {
        for (t, band, safety) in [
            (4, "Minimal", false),
            (5, "Mild", false),
            (9, "Mild", false),
            (10, "Moderate", false),
            (14, "Moderate", false),
            (15, "Severe", true),
            (21, "Severe", true),
        ] {
            let s = score(Instrument::Gad7, &summing(7, t, 3)).unwrap();
            assert_eq!((s.total, s.band, s.safety), (t, band, safety), "total {t}");
        }
    }

    #[test]
    fn who5_percentages_and_cut_offs() {
        for (raw, pct, band, safety) in [
            (0, 0, "Likely depression", true),
            (7, 28, "Likely depression", true),
            (8, 32, "Poor wellbeing", false),
            (12, 48, "Poor wellbeing", false),
            (13, 52, "Good wellbeing", false),
            (25, 100, "Good wellbeing", false),
        ] {
            let s = score(Instrument::Who5, &summing(5, raw, 5)).unwrap();
            assert_eq!(
                (s.total, s.band, s.safety),
                (pct, band, safety),
                "raw {raw}"
            );
        }
    }

    #[test]
    fn short_forms_and_audit_c_thresholds() {
        assert_eq!(
            score(Instrument::Phq2, &[1, 1]).unwrap().band,
            "Negative screen"
        );
        assert_eq!(
            score(Instrument::Phq2, &[2, 1]).unwrap().band,
            "Positive screen"
        );
        assert_eq!(
            score(Instrument::Gad2, &[3, 0]).unwrap().band,
            "Positive screen"
        );
        assert_eq!(
            score(Instrument::AuditC, &[1, 1, 0]).unwrap().band,
            "Negative screen"
        );
        assert_eq!(
            score(Instrument::AuditC, &[2, 1, 0]).unwrap().band,
            "Positive screen"
        );
        assert_eq!(score(Instrument::AuditC, &[4, 4, 4]).unwrap().total, 12);
    }

    #[test]
    fn pcl5_provisional_cut_off_and_range() {
        for (t, band, safety) in [
            (0, "Below the PTSD cut-off", false),
            (32, "Below the PTSD cut-off", false),
            (33, "Probable PTSD (provisional)", true),
            (80, "Probable PTSD (provisional)", true),
        ] {
            let s = score(Instrument::Pcl5, &summing(20, t, 4)).unwrap();
            assert_eq!((s.total, s.band, s.safety), (t, band, safety), "total {t}");
        }
        assert!(score(Instrument::Pcl5, &[5; 20]).is_err());
        assert_eq!(
            form(Instrument::Pcl5).items[16].text,
            "Being \"superalert\" or watchful or on guard?"
        );
    }

    #[test]
    fn incomplete_or_out_of_range_answers_are_refused() {
        assert_eq!(
            score(Instrument::Phq9, &[0; 8]).unwrap_err().code(),
            "INVALID_INPUT"
        );
        assert_eq!(
            score(Instrument::Phq9, &[0; 10]).unwrap_err().code(),
            "INVALID_INPUT"
        );
        assert!(score(Instrument::Gad7, &[4, 0, 0, 0, 0, 0, 0]).is_err());
        assert!(score(Instrument::Who5, &[6, 0, 0, 0, 0]).is_err());
        assert!(score(Instrument::AuditC, &[5, 0, 0]).is_err());
    }

    #[test]
    fn published_wording_is_kept() {
        let f = form(Instrument::Phq9);
        assert_eq!(f.items.len(), 9);
        assert_eq!(
            f.items[8].text,
            "Thoughts that you would be better off dead or of hurting yourself in some way"
        );
        assert_eq!(f.items[0].choices[3].label, "Nearly every day");
        assert_eq!(
            form(Instrument::Gad7).items[6].text,
            "Feeling afraid, as if something awful might happen"
        );
        assert_eq!(
            form(Instrument::Who5).items[0].choices[0].label,
            "All of the time"
        );
        assert_eq!(
            form(Instrument::AuditC).items[1].choices[4].label,
            "10 or more"
        );
    }

    #[test]
    fn results_are_kept_and_refused_answers_save_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let v = Vault::create(
            &dir.path().join("vault.db"),
            &crate::vault::VaultKey::generate(),
        )
        .unwrap();
        let at = DateTime::parse_from_rfc3339("2026-11-25T02:00:00-05:00").unwrap();
        assert!(save(&v, Instrument::Gad7, &[9; 7], at).is_err());
        assert!(history(&v, Instrument::Gad7, 10).unwrap().is_empty());
        let s = save(&v, Instrument::Gad7, &[3, 3, 3, 2, 2, 1, 1], at).unwrap();
        assert_eq!(s.score.band, "Severe");
        assert_eq!(s.taken_at_utc, "2026-11-25T07:00:00Z");
        assert_eq!(history(&v, Instrument::Gad7, 10).unwrap(), vec![s]);
        assert!(history(&v, Instrument::Phq9, 10).unwrap().is_empty());
    }

    fn instruments() -> impl Strategy<Value = Instrument> {
        proptest::sample::select(Instrument::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn scores_stay_in_range_and_never_drop_when_an_answer_rises(
            i in instruments(),
            seed in proptest::collection::vec(0u8..=5, 20),
            which in 0usize..20,
        ) {
            let f = form(i);
            let answers: Vec<u8> = f.items.iter().zip(&seed)
                .map(|(it, s)| { let max = it.choices.iter().map(|c| c.value).max().unwrap_or(0); s % (max + 1) })
                .collect();
            let s = score(i, &answers).unwrap();
            prop_assert!(s.total <= i.max_total());
            let k = which % answers.len();
            let max = f.items[k].choices.iter().map(|c| c.value).max().unwrap_or(0);
            if answers[k] < max {
                let mut higher = answers.clone();
                higher[k] += 1;
                prop_assert!(score(i, &higher).unwrap().total >= s.total);
            }
        }
    }
}
