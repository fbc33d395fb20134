//! `cxmine eval --against`: the scores of two lexicon sets on the same gold file, label by
//! label, side by side.
//!
//! Both sides are ordinary [`EvalReport`]s (see [`super::eval`]); this module only lines
//! their rows up. A label one side never saw (no hit, false alarm or miss) scores zero
//! counts there, so every row of either side appears once, in the order of the eval
//! table: detectors by name, each detector's total first, then its labels by name.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::eval::{ALL_LABELS, Counts, EvalReport};

/// Counts with the three ratios, as shown for one side.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Scores {
    /// Hits, false alarms and misses.
    #[serde(flatten)]
    pub counts: Counts,
    /// tp / (tp + fp).
    pub precision: f64,
    /// tp / (tp + fn).
    pub recall: f64,
    /// Harmonic mean of both.
    pub f1: f64,
}

impl From<Counts> for Scores {
    fn from(counts: Counts) -> Scores {
        Scores {
            counts,
            precision: counts.precision(),
            recall: counts.recall(),
            f1: counts.f1(),
        }
    }
}

/// One label scored by both sets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelComparison {
    /// The detector.
    pub detector: String,
    /// The label, or `(all)` for the detector's total.
    pub label: String,
    /// With the first set.
    pub a: Scores,
    /// With the second set.
    pub b: Scores,
    /// `b.f1 − a.f1`: positive when the second set does better.
    pub f1_delta: f64,
}

/// Two evaluations of the same gold file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// What the first set is (a directory, or the shipped lexicons).
    pub a: String,
    /// What the second set is.
    pub b: String,
    /// Message lines scored.
    pub messages: u64,
    /// Conversation lines scored.
    pub conversations: u64,
    /// Every label of either side.
    pub labels: Vec<LabelComparison>,
}

/// Lines up the rows of `a` and `b`, evaluations of the same gold file with the sets
/// named `name_a` and `name_b`.
pub fn compare(name_a: &str, a: &EvalReport, name_b: &str, b: &EvalReport) -> Comparison {
    // Key: detector, then the total before the labels, then the label.
    let mut rows: BTreeMap<(String, bool, String), (Counts, Counts)> = BTreeMap::new();
    for (side, report) in [(0, a), (1, b)] {
        for s in report.label_scores() {
            let key = (s.detector, s.label != ALL_LABELS, s.label);
            let pair = rows.entry(key).or_default();
            if side == 0 {
                pair.0 = s.counts;
            } else {
                pair.1 = s.counts;
            }
        }
    }
    let labels = rows
        .into_iter()
        .map(|((detector, _, label), (ca, cb))| {
            let (a, b) = (Scores::from(ca), Scores::from(cb));
            LabelComparison {
                detector,
                label,
                a,
                b,
                f1_delta: b.f1 - a.f1,
            }
        })
        .collect();
    Comparison {
        a: name_a.to_string(),
        b: name_b.to_string(),
        messages: a.messages,
        conversations: a.conversations,
        labels,
    }
}

/// Writes the comparison as one aligned table.
pub fn render(c: &Comparison, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "A: {}\nB: {}", c.a, c.b)?;
    writeln!(
        out,
        "{} messages, {} conversations",
        c.messages, c.conversations
    )?;
    writeln!(
        out,
        "{:<16} {:<30} {:>6} {:>6} {:>6}   {:>6} {:>6} {:>6}   {:>7}",
        "detector", "label", "A p", "A r", "A f1", "B p", "B r", "B f1", "f1 B-A"
    )?;
    for l in &c.labels {
        writeln!(
            out,
            "{:<16} {:<30} {:>6.3} {:>6.3} {:>6.3}   {:>6.3} {:>6.3} {:>6.3}   {:>+7.3}",
            l.detector,
            l.label,
            l.a.precision,
            l.a.recall,
            l.a.f1,
            l.b.precision,
            l.b.recall,
            l.b.f1,
            l.f1_delta
        )?;
    }
    Ok(())
}
