//! `cxmine explain`: every message with its detections, highlighted spans, the rule and
//! lexicon line behind each, and the sentiment arithmetic term by term.
//!
//! Identifier values are never printed: they are replaced by their kind and a short hash
//! in the text and in quotes.

use std::io::{self, Write};

use super::Detectors;
use super::identifiers;
use super::matcher::Hit;
use crate::model::{Conversation, EventKind};

/// Writes the explanation of `conv` to `out`.
pub fn explain(det: &Detectors, conv: &Conversation<'_>, out: &mut dyn Write) -> io::Result<()> {
    let (signals, detections) = det.analyze(conv);
    writeln!(
        out,
        "conversation {} · {} · {} events",
        conv.id,
        conv.channel,
        conv.events.len()
    )?;
    let json = serde_json::to_string(&signals).map_err(io::Error::other)?;
    writeln!(out, "signals {json}")?;
    for (i, event) in conv.events.iter().enumerate() {
        let mine: Vec<_> = detections.iter().filter(|d| d.event == i).collect();
        if event.kind != EventKind::Message && mine.is_empty() {
            continue;
        }
        writeln!(out)?;
        let author = event
            .author
            .as_deref()
            .map(|a| format!(" ({a})"))
            .unwrap_or_default();
        writeln!(
            out,
            "#{i} {} {} {}{author}",
            event.ts, event.kind, event.role
        )?;
        let text = event.text.as_ref();
        if event.kind == EventKind::Message {
            writeln!(out, "   {}", highlight(det, text, &mine))?;
        }
        for d in &mine {
            let quote = if d.end > d.start {
                format!(" {:?}", shown(det, text, d.start, d.end))
            } else {
                String::new()
            };
            writeln!(
                out,
                "   - {}:{}{quote}  rule {}  ({})",
                d.detector, d.label, d.rule, d.source
            )?;
        }
        if event.kind == EventKind::Message {
            sentiment_lines(det, text, out)?;
        }
    }
    Ok(())
}

/// The substring `text[start..end]`, masked when it holds an identifier.
fn shown(det: &Detectors, text: &str, start: usize, end: usize) -> String {
    det.mask_range(text, start, end)
}

/// `text` with the union of detection spans wrapped in `«…»` and identifiers masked.
fn highlight(det: &Detectors, text: &str, mine: &[&super::Detection]) -> String {
    let mut spans: Vec<(usize, usize)> = mine
        .iter()
        .filter(|d| {
            d.end > d.start && !(d.start == 0 && d.end == text.len() && d.detector == "restatement")
        })
        .map(|d| (d.start, d.end))
        .collect();
    spans.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (s, e) in spans {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    let mut out = String::with_capacity(text.len() + 8 * merged.len());
    let mut at = 0;
    for (s, e) in merged {
        out.push_str(&det.mask_range(text, at, s));
        out.push('«');
        out.push_str(&det.mask_range(text, s, e));
        out.push('»');
        at = e;
    }
    out.push_str(&det.mask_range(text, at, text.len()));
    out
}

fn quote_hit(det: &Detectors, text: &str, h: &Hit) -> String {
    if identifiers::is_identifier(&det.matcher, h) {
        identifiers::mask(&det.matcher, text, h)
    } else {
        format!("{:?}", &text[h.start as usize..h.end as usize])
    }
}

fn sentiment_lines(det: &Detectors, text: &str, out: &mut dyn Write) -> io::Result<()> {
    let (hits, trace) = det.sentiment_trace(text);
    if trace.terms.is_empty() {
        return writeln!(out, "   sentiment 0 (no sentiment terms)");
    }
    for t in &trace.terms {
        let h = &hits[t.hit];
        let mut line = format!("{} {:+.2}", quote_hit(det, text, h), t.valence);
        for (why, f) in &t.factors {
            line.push_str(&format!(" × {f:.2} ({why})"));
        }
        line.push_str(&format!(
            " = {:+.3}  [{}]",
            t.value,
            det.matcher.rule(h).source
        ));
        writeln!(out, "   term {line}")?;
    }
    let s = &det.settings;
    writeln!(
        out,
        "   sum {:+.3}; {} × '!' → {:+.3}; score = {:+.3} / √({:.3}² + {}) = {:+.3}",
        trace.sum,
        trace.exclamations,
        trace.boosted,
        trace.boosted,
        trace.boosted,
        s.alpha,
        trace.score
    )
}

/// What [`explain_jsonl`] went through.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExplainCount {
    /// Conversations explained.
    pub explained: u64,
    /// Lines that were not whole conversations (bad JSON, event lines).
    pub skipped: u64,
}

/// Explains every whole-conversation line of canonical JSONL `text` (or only the one
/// whose id is `only`). Event lines and bad lines are counted as skipped.
pub fn explain_jsonl(
    det: &Detectors,
    text: &str,
    only: Option<&str>,
    out: &mut dyn Write,
) -> io::Result<ExplainCount> {
    let mut count = ExplainCount::default();
    let mut unknown = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let pos = crate::model::SourcePos {
            file: 0,
            line: i as u64 + 1,
        };
        unknown.clear();
        match crate::ingest::jsonl::parse_line(line.as_bytes(), pos, &mut unknown) {
            Ok(crate::ingest::jsonl::Line::Conversation(mut conv, _)) => {
                if only.is_some_and(|id| id != conv.id) {
                    continue;
                }
                conv.finish();
                if count.explained > 0 {
                    writeln!(out, "\n{}", "─".repeat(60))?;
                }
                explain(det, &conv, out)?;
                count.explained += 1;
            }
            _ => count.skipped += 1,
        }
    }
    Ok(count)
}

/// Writes one JSON line per message of `text` (gold message lines with `text`, or
/// canonical conversation lines): `{"line", "id", "event", "role", "score"}`. Used to
/// compare the score with other tools; identifier values are not written.
pub fn sentiment_jsonl(det: &Detectors, text: &str, out: &mut dyn Write) -> io::Result<u64> {
    let mut written = 0;
    for (i, line) in text.lines().enumerate() {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let id = value.get("id").and_then(|v| v.as_str()).unwrap_or("");
        let mut emit = |event: usize, role: &str, t: &str| -> io::Result<()> {
            let score = det.message_sentiment(t);
            let class = match super::sentiment::class(score, &det.settings) {
                1 => "positive",
                -1 => "negative",
                _ => "neutral",
            };
            let row = serde_json::json!({
                "line": i + 1,
                "id": id,
                "event": event,
                "role": role,
                "score": score,
                "class": class,
            });
            written += 1;
            writeln!(out, "{row}")
        };
        let role_of = |v: &serde_json::Value| {
            v.get("role")
                .and_then(|r| r.as_str())
                .unwrap_or("")
                .to_string()
        };
        if let Some(events) = value.get("events").and_then(|e| e.as_array()) {
            for (k, e) in events.iter().enumerate() {
                if let Some(t) = e.get("text").and_then(|t| t.as_str()) {
                    emit(k, &role_of(e), t)?;
                }
            }
        } else if let Some(t) = value.get("text").and_then(|t| t.as_str()) {
            emit(0, &role_of(&value), t)?;
        }
    }
    Ok(written)
}
