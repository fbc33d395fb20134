//! `cxmine eval`: precision, recall and F1 of each detector against a labelled JSONL file.
//!
//! Two kinds of lines (format in `docs/detectors.md`):
//! - a message: `{"id":…, "role":…, "text":…, "labels":["acknowledgement:success", …]}`,
//!   scored against [`Detectors::message_labels`] (labels absent from the list are
//!   expected absent);
//! - a conversation in the canonical JSONL shape plus `"expect": {field: value}`, scored
//!   on a fixed set of [`Signals`] fields (fields not given are expected at their
//!   default: 0, false, `none`, `unknown`).
//!
//! Counts compare as `tp = min(gold, predicted)`, the rest false alarms or misses;
//! categories and flags count a hit when equal and non-default. Every miss and false
//! alarm is listed with the line it comes from. [`gold_messages`] reads the message
//! lines alone (for [`super::suggest`]); [`EvalReport::label_scores`] lists the scores
//! row by row (for [`super::compare`]).

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::Detectors;
use super::signals::Signals;
use crate::ingest::jsonl::{Line, parse_line};
use crate::model::{Role, SourcePos};

/// Hits, false alarms and misses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Correct detections.
    pub tp: u64,
    /// Detections the gold set does not have.
    pub fp: u64,
    /// Gold labels not detected.
    pub fn_: u64,
}

impl Counts {
    fn add(&mut self, o: Counts) {
        self.tp += o.tp;
        self.fp += o.fp;
        self.fn_ += o.fn_;
    }

    /// tp / (tp + fp); 1 when nothing was detected.
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }

    /// tp / (tp + fn); 1 when nothing was expected.
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }

    /// Harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

/// Scores of one detector.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DetectorScore {
    /// Totals over its labels.
    pub total: Counts,
    /// Per label.
    pub labels: BTreeMap<String, Counts>,
}

/// The whole evaluation.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EvalReport {
    /// Message lines read.
    pub messages: u64,
    /// Conversation lines read.
    pub conversations: u64,
    /// Per detector.
    pub detectors: BTreeMap<String, DetectorScore>,
    /// Gold labels not detected: `line N (id): detector:label`.
    pub misses: Vec<String>,
    /// Detections not in the gold set.
    pub false_alarms: Vec<String>,
}

/// Why a gold file could not be scored.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// A line is not a gold record.
    #[error("gold line {line}: {message}")]
    Line {
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// The scores of one label (or `(all)`, a detector's total) of one detector.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelScore {
    /// The detector (`sentiment`).
    pub detector: String,
    /// The label (`negative`, `conv.shift`), or `(all)` for the detector's total.
    pub label: String,
    /// Hits, false alarms and misses.
    pub counts: Counts,
}

/// The label name of a detector's total in [`EvalReport::label_scores`] and the tables.
pub const ALL_LABELS: &str = "(all)";

impl EvalReport {
    /// Every detector's total, then its labels, detectors and labels in name order (the
    /// rows of the table).
    pub fn label_scores(&self) -> Vec<LabelScore> {
        let mut out = Vec::new();
        for (detector, d) in &self.detectors {
            let row = |label: &str, counts: &Counts| LabelScore {
                detector: detector.clone(),
                label: label.to_string(),
                counts: *counts,
            };
            out.push(row(ALL_LABELS, &d.total));
            out.extend(d.labels.iter().map(|(label, c)| row(label, c)));
        }
        out
    }

    fn record(&mut self, detector: &str, label: &str, c: Counts, what: &str) {
        let d = self.detectors.entry(detector.to_string()).or_default();
        d.total.add(c);
        d.labels.entry(label.to_string()).or_default().add(c);
        for _ in 0..c.fn_ {
            self.misses.push(format!("{what}: {detector}:{label}"));
        }
        for _ in 0..c.fp {
            self.false_alarms
                .push(format!("{what}: {detector}:{label}"));
        }
    }
}

/// A gold message line.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct GoldMessage {
    /// The message id (shown in misses, false alarms and suggestions).
    pub id: String,
    /// Who wrote it, as given (`customer`, `agent`, …).
    pub role: String,
    /// The message text.
    pub text: String,
    /// Its `detector:label` labels; every label not listed is expected absent.
    #[serde(default)]
    pub labels: Vec<String>,
}

/// A non-blank, non-comment gold line: its 1-based number, its text and its JSON value.
type GoldLine<'a> = (usize, &'a str, serde_json::Value);

/// Every record of a gold file, in order; blank lines and `//` comments are skipped.
fn gold_lines(text: &str) -> impl Iterator<Item = Result<GoldLine<'_>, EvalError>> {
    text.lines().enumerate().filter_map(|(i, line)| {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with("//") {
            return None;
        }
        Some(
            serde_json::from_str(trimmed)
                .map(|value| (i + 1, trimmed, value))
                .map_err(|e| EvalError::Line {
                    line: i + 1,
                    message: e.to_string(),
                }),
        )
    })
}

fn is_conversation(value: &serde_json::Value) -> bool {
    value.get("events").is_some()
}

/// The message lines of a gold file (conversation lines are left out), with their
/// line numbers; a line that is neither kind, or names an unknown role, is an error.
pub fn gold_messages(text: &str) -> Result<Vec<(usize, GoldMessage)>, EvalError> {
    let mut out = Vec::new();
    for line in gold_lines(text) {
        let (n, _, value) = line?;
        if is_conversation(&value) {
            continue;
        }
        let err = |message: String| EvalError::Line { line: n, message };
        let m: GoldMessage = serde_json::from_value(value).map_err(|e| err(e.to_string()))?;
        Role::parse(&m.role).ok_or_else(|| err(format!("unknown role {:?}", m.role)))?;
        out.push((n, m));
    }
    Ok(out)
}

/// Scores `det` against the gold JSONL `text`.
pub fn evaluate(det: &Detectors, text: &str) -> Result<EvalReport, EvalError> {
    let mut report = EvalReport::default();
    for line in gold_lines(text) {
        let (n, trimmed, value) = line?;
        let err = |message: String| EvalError::Line { line: n, message };
        if is_conversation(&value) {
            conversation_line(det, trimmed, &value, n, &mut report).map_err(err)?;
        } else {
            let m: GoldMessage = serde_json::from_value(value).map_err(|e| err(e.to_string()))?;
            message_line(det, &m, n, &mut report).map_err(err)?;
        }
    }
    Ok(report)
}

fn message_line(
    det: &Detectors,
    m: &GoldMessage,
    n: usize,
    report: &mut EvalReport,
) -> Result<(), String> {
    let role = Role::parse(&m.role).ok_or_else(|| format!("unknown role {:?}", m.role))?;
    report.messages += 1;
    let predicted = det.message_labels(role, &m.text);
    let what = format!("line {n} ({}) {:?}", m.id, det.mask_identifiers(&m.text));
    let mut all: Vec<&String> = predicted.iter().chain(m.labels.iter()).collect();
    all.sort();
    all.dedup();
    for label in all {
        let (detector, name) = label
            .split_once(':')
            .ok_or_else(|| format!("label {label:?} is not detector:label"))?;
        let p = predicted.contains(label);
        let g = m.labels.contains(label);
        let c = Counts {
            tp: u64::from(p && g),
            fp: u64::from(p && !g),
            fn_: u64::from(!p && g),
        };
        report.record(detector, name, c, &what);
    }
    Ok(())
}

/// The conversation fields scored: name, detector, reader.
type Field = (&'static str, &'static str, fn(&Signals) -> FieldValue);

enum FieldValue {
    Count(u64),
    Category(String, bool),
}

impl FieldValue {
    fn show(&self) -> String {
        match self {
            FieldValue::Count(n) => n.to_string(),
            FieldValue::Category(c, _) => c.clone(),
        }
    }
}

fn category<T: Serialize + Default + PartialEq>(v: &T) -> FieldValue {
    let name = serde_json::to_value(v)
        .ok()
        .and_then(|j| j.as_str().map(str::to_string))
        .unwrap_or_default();
    FieldValue::Category(name, *v == T::default())
}

const FIELDS: [Field; 11] = [
    ("acknowledgement", "acknowledgement", |s| {
        category(&s.acknowledgement)
    }),
    ("solution_used", "acknowledgement", |s| {
        FieldValue::Count(u64::from(s.solution_used))
    }),
    ("rephrase_customer", "rephrase", |s| {
        FieldValue::Count(u64::from(s.rephrase_customer))
    }),
    ("rephrase_agent", "rephrase", |s| {
        FieldValue::Count(u64::from(s.rephrase_agent))
    }),
    ("restatements", "rephrase", |s| {
        FieldValue::Count(u64::from(s.restatements))
    }),
    ("repeated_ids_before_handoff", "identifier", |s| {
        FieldValue::Count(u64::from(s.repeated_ids_before_handoff))
    }),
    ("repeated_ids_after_handoff", "identifier", |s| {
        FieldValue::Count(u64::from(s.repeated_ids_after_handoff))
    }),
    ("reverify_requests", "identifier", |s| {
        FieldValue::Count(u64::from(s.reverify_requests))
    }),
    ("handoffs", "handoff", |s| {
        FieldValue::Count(u64::from(s.handoffs))
    }),
    ("shift", "sentiment", |s| category(&s.shift)),
    ("escalating_anger", "sentiment", |s| {
        FieldValue::Count(u64::from(s.escalating_anger))
    }),
];

fn gold_signals(expect: &serde_json::Value) -> Result<Signals, String> {
    let mut base = serde_json::to_value(Signals::default()).map_err(|e| e.to_string())?;
    let obj = expect.as_object().ok_or("`expect` is not an object")?;
    for (k, v) in obj {
        if !FIELDS.iter().any(|f| f.0 == k) {
            return Err(format!("`expect` field {k:?} is not scored"));
        }
        base[k] = v.clone();
    }
    serde_json::from_value(base).map_err(|e| format!("`expect`: {e}"))
}

fn conversation_line(
    det: &Detectors,
    raw: &str,
    value: &serde_json::Value,
    n: usize,
    report: &mut EvalReport,
) -> Result<(), String> {
    let gold = gold_signals(value.get("expect").unwrap_or(&serde_json::Value::Null))?;
    let mut unknown = Vec::new();
    let pos = SourcePos {
        file: 0,
        line: n as u64,
    };
    let mut conv = match parse_line(raw.as_bytes(), pos, &mut unknown) {
        Ok(Line::Conversation(conv, problems)) if problems.is_empty() => conv,
        Ok(Line::Conversation(_, problems)) => return Err(format!("{problems:?}")),
        Ok(Line::Event(_)) => return Err("an event line, not a conversation".into()),
        Err((_, message)) => return Err(message),
    };
    conv.finish();
    report.conversations += 1;
    let predicted = det.signals(&conv);
    let what = format!("line {n} (conversation {})", conv.id);
    for (name, detector, read) in FIELDS {
        let (g, p) = (read(&gold), read(&predicted));
        let shown = format!("{what} [expected {}, got {}]", g.show(), p.show());
        let c = match (g, p) {
            (FieldValue::Count(g), FieldValue::Count(p)) => Counts {
                tp: g.min(p),
                fp: p.saturating_sub(g),
                fn_: g.saturating_sub(p),
            },
            (FieldValue::Category(g, g_default), FieldValue::Category(p, p_default)) => {
                let same = g == p;
                Counts {
                    tp: u64::from(same && !g_default),
                    fp: u64::from(!same && !p_default),
                    fn_: u64::from(!same && !g_default),
                }
            }
            _ => unreachable!("a field reads the same variant from both sides"),
        };
        report.record(detector, &format!("conv.{name}"), c, &shown);
    }
    Ok(())
}

/// Writes the report as an aligned table followed by misses and false alarms.
pub fn render(report: &EvalReport, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "{} messages, {} conversations",
        report.messages, report.conversations
    )?;
    writeln!(
        out,
        "{:<18} {:<34} {:>5} {:>5} {:>5} {:>9} {:>6} {:>6}",
        "detector", "label", "tp", "fp", "fn", "precision", "recall", "f1"
    )?;
    for s in report.label_scores() {
        let c = &s.counts;
        writeln!(
            out,
            "{:<18} {:<34} {:>5} {:>5} {:>5} {:>9.3} {:>6.3} {:>6.3}",
            s.detector,
            s.label,
            c.tp,
            c.fp,
            c.fn_,
            c.precision(),
            c.recall(),
            c.f1()
        )?;
    }
    writeln!(out, "\nmisses ({}):", report.misses.len())?;
    for m in &report.misses {
        writeln!(out, "  {m}")?;
    }
    writeln!(out, "\nfalse alarms ({}):", report.false_alarms.len())?;
    for m in &report.false_alarms {
        writeln!(out, "  {m}")?;
    }
    Ok(())
}
