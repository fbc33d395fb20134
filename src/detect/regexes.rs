//! The lexicon regexes, compiled once and run only on messages they may match.
//!
//! Two cheap gates keep regexes off most messages, both read from the pattern's syntax
//! tree when the lexicons are compiled:
//! - **trigger literals** ([`trigger_literals`]): a pattern whose every match begins with
//!   one of a few ASCII words (`confirm`, `could i`, …) runs only when the phrase
//!   automaton, which scans the message anyway, saw one of them;
//! - **gate bytes** ([`needs_gate_byte`]): a pattern that cannot match without an ASCII
//!   digit, an `@` or a non-ASCII character (most identifier values) runs only on
//!   messages holding such a byte.
//!
//! The rest run on every message as one [`RegexSet`] (a lazy DFA). The individual
//! [`Regex`] of an entry runs only when its gate or set says so, to find the spans and the
//! `id` capture.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

use regex::{CaptureLocations, Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use regex_syntax::hir::literal::{ExtractKind, Extractor};
use regex_syntax::hir::{Class, Hir, HirKind};

/// Compiles one lexicon regex the way the engine does (case-insensitive, size-limited,
/// `\b` and `\B` as ASCII word boundaries, see [`ascii_word_boundaries`]).
pub fn compile_regex(pattern: &str) -> Result<Regex, String> {
    RegexBuilder::new(&ascii_word_boundaries(pattern))
        .case_insensitive(true)
        .size_limit(1 << 22)
        .build()
        .map_err(|e| e.to_string())
}

/// Rewrites every `\b` and `\B` outside a character class as its ASCII form
/// (`(?-u:\b)`): a Unicode word boundary stops the regex engine's lazy DFA at the first
/// non-ASCII byte of a message and falls back to a matcher ten times slower, while an
/// ASCII boundary runs in the DFA on any text. Lexicon regexes anchor on ASCII words and
/// digits, so the only difference is next to a non-ASCII letter (`é123456` has an ASCII
/// boundary before `1`). Escaped backslashes and classes (`[\b]` is a backspace) are
/// left alone.
pub fn ascii_word_boundaries(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.chars();
    let mut class_depth = 0usize;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(b @ ('b' | 'B')) if class_depth == 0 => {
                    out.push_str("(?-u:\\");
                    out.push(b);
                    out.push(')');
                }
                Some(next) => {
                    out.push('\\');
                    out.push(next);
                }
                None => out.push('\\'),
            },
            '[' => {
                class_depth += 1;
                out.push(c);
                // A `]` right after `[` or `[^` is a literal, not the class end.
                if chars.clone().next() == Some('^') {
                    chars.next();
                    out.push('^');
                }
                if chars.clone().next() == Some(']') {
                    chars.next();
                    out.push(']');
                }
            }
            ']' if class_depth > 0 => {
                class_depth -= 1;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// The gate bytes: ASCII digits, `@` and every byte of a non-ASCII character.
fn is_gate_byte(b: u8) -> bool {
    b.is_ascii_digit() || b == b'@' || b >= 0x80
}

/// True when `text` holds a gate byte, so gated patterns may match it.
pub fn passes_gate(text: &str) -> bool {
    text.bytes().any(is_gate_byte)
}

/// True when every match of `pattern` (as [`compile_regex`] compiles it) contains a gate
/// byte. Unparsable patterns answer false (they are rejected elsewhere).
pub fn needs_gate_byte(pattern: &str) -> bool {
    regex_syntax::ParserBuilder::new()
        .case_insensitive(true)
        .build()
        .parse(&ascii_word_boundaries(pattern))
        .is_ok_and(|hir| every_match_has_gate_byte(&hir))
}

/// Lower-case ASCII words, at least three bytes each, one of which begins every match of
/// `pattern`; `None` when the pattern has no such finite set (it must then run on every
/// message). The automaton that looks for them is ASCII-case-insensitive, as the
/// pattern is.
pub fn trigger_literals(pattern: &str) -> Option<Vec<String>> {
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(&ascii_word_boundaries(pattern))
        .ok()?;
    let seq = Extractor::new().kind(ExtractKind::Prefix).extract(&hir);
    let mut words: Vec<String> = Vec::new();
    for lit in seq.literals()? {
        let word = std::str::from_utf8(lit.as_bytes()).ok()?;
        if word.len() < 3 || !word.is_ascii() {
            return None;
        }
        words.push(word.to_ascii_lowercase());
    }
    words.sort_unstable();
    words.dedup();
    (!words.is_empty()).then_some(words)
}

fn every_match_has_gate_byte(hir: &Hir) -> bool {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => false,
        HirKind::Literal(lit) => lit.0.iter().copied().any(is_gate_byte),
        HirKind::Class(Class::Unicode(class)) => class.ranges().iter().all(|r| {
            (r.start()..=r.end()).all(|c| !c.is_ascii() || is_gate_byte(c as u8))
                || r.start() > '\u{7f}'
        }),
        HirKind::Class(Class::Bytes(class)) => class
            .ranges()
            .iter()
            .all(|r| (r.start()..=r.end()).all(is_gate_byte)),
        HirKind::Repetition(rep) => rep.min > 0 && every_match_has_gate_byte(&rep.sub),
        HirKind::Capture(cap) => every_match_has_gate_byte(&cap.sub),
        HirKind::Concat(parts) => parts.iter().any(every_match_has_gate_byte),
        HirKind::Alternation(alts) => alts.iter().all(every_match_has_gate_byte),
    }
}

/// Compiled lexicon regexes with their rules, run together through a set or chosen one
/// by one.
#[derive(Debug)]
pub struct RegexGroup {
    /// All patterns in one lazy DFA, for groups scanned whole.
    set: Option<RegexSet>,
    /// Per pattern: its rule, its own regex, the index of its `id` capture group.
    entries: Vec<(u32, Regex, Option<usize>)>,
    /// Pattern `i` is known to [`with_capture_slots`] as `first_key + i`.
    first_key: u64,
}

/// Keys of compiled patterns for the per-thread capture slots, unique in the process.
static NEXT_PATTERN_KEY: AtomicU64 = AtomicU64::new(0);

/// Most patterns a thread keeps capture slots for (more lexicon sets than this in one
/// thread start the cache over).
const CAPTURE_SLOT_LIMIT: usize = 256;

thread_local! {
    static CAPTURE_SLOTS: RefCell<Vec<(u64, CaptureLocations)>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` with capture slots for `re` that this thread allocated once, so a regex with
/// an `id` group does not allocate per message.
fn with_capture_slots<R>(key: u64, re: &Regex, f: impl FnOnce(&mut CaptureLocations) -> R) -> R {
    CAPTURE_SLOTS.with(|cell| match cell.try_borrow_mut() {
        Ok(mut slots) => {
            let at = match slots.iter().position(|(k, _)| *k == key) {
                Some(at) => at,
                None => {
                    if slots.len() >= CAPTURE_SLOT_LIMIT {
                        slots.clear();
                    }
                    slots.push((key, re.capture_locations()));
                    slots.len() - 1
                }
            };
            f(&mut slots[at].1)
        }
        Err(_) => f(&mut re.capture_locations()),
    })
}

impl RegexGroup {
    /// Compiles `(rule, pattern)` pairs; `as_set` also builds the set that
    /// [`RegexGroup::scan`] runs first (a group only ever scanned by
    /// [`RegexGroup::scan_chosen`] does not need it).
    pub fn compile(patterns: &[(u32, &str)], as_set: bool) -> Result<RegexGroup, String> {
        let set = if as_set {
            let set = RegexSetBuilder::new(patterns.iter().map(|(_, p)| ascii_word_boundaries(p)))
                .case_insensitive(true)
                .size_limit(1 << 24)
                .build()
                .map_err(|e| e.to_string())?;
            Some(set)
        } else {
            None
        };
        let entries = patterns
            .iter()
            .map(|&(rule, p)| {
                let re = compile_regex(p)?;
                let id = re.capture_names().position(|n| n == Some("id"));
                Ok((rule, re, id))
            })
            .collect::<Result<Vec<_>, String>>()?;
        let first_key = NEXT_PATTERN_KEY.fetch_add(entries.len() as u64, Ordering::Relaxed);
        Ok(RegexGroup {
            set,
            entries,
            first_key,
        })
    }

    /// Calls `hit(start, end, rule)` for every match in `text`: the `id` capture's span
    /// when the pattern has one, else the whole match. The set, when there is one, picks
    /// the patterns to run; without it every pattern runs.
    pub fn scan(&self, text: &str, mut hit: impl FnMut(usize, usize, u32)) {
        if self.entries.is_empty() {
            return;
        }
        match &self.set {
            Some(set) => {
                for i in set.matches(text).iter() {
                    self.scan_one(i, text, &mut hit);
                }
            }
            None => {
                for i in 0..self.entries.len() {
                    self.scan_one(i, text, &mut hit);
                }
            }
        }
    }

    /// Like [`RegexGroup::scan`] for the patterns whose bit is set in `chosen` (pattern
    /// `i` is bit `i`), each run on its own.
    pub fn scan_chosen(&self, text: &str, chosen: u64, mut hit: impl FnMut(usize, usize, u32)) {
        let mut bits = chosen;
        while bits != 0 {
            let i = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            if i < self.entries.len() {
                self.scan_one(i, text, &mut hit);
            }
        }
    }

    /// Number of patterns.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the group has no pattern.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn scan_one(&self, i: usize, text: &str, hit: &mut impl FnMut(usize, usize, u32)) {
        let (rule, re, id) = &self.entries[i];
        match id {
            Some(group) => with_capture_slots(self.first_key + i as u64, re, |locs| {
                let mut at = 0;
                while at <= text.len() {
                    let Some(m) = re.captures_read_at(locs, text, at) else {
                        break;
                    };
                    let span = locs.get(*group).unwrap_or((m.start(), m.end()));
                    if span.1 > span.0 {
                        hit(span.0, span.1, *rule);
                    }
                    at = if m.end() > m.start() {
                        m.end()
                    } else {
                        next_char(text, m.end())
                    };
                }
            }),
            None => {
                for m in re.find_iter(text) {
                    hit(m.start(), m.end(), *rule);
                }
            }
        }
    }
}

fn next_char(text: &str, at: usize) -> usize {
    at + text[at..].chars().next().map_or(1, char::len_utf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_boundaries_become_ascii_outside_classes_only() {
        let cases = [
            (r"\bfoo\b", r"(?-u:\b)foo(?-u:\b)"),
            (r"\Bx", r"(?-u:\B)x"),
            (r"[\b]\b", r"[\b](?-u:\b)"),
            (r"[]\b]\b", r"[]\b](?-u:\b)"),
            (r"[^]\b]x", r"[^]\b]x"),
            (r"\\b", r"\\b"),
            (r"a\d+é", r"a\d+é"),
        ];
        for (from, to) in cases {
            assert_eq!(ascii_word_boundaries(from), to, "{from}");
        }
        // The rewritten pattern compiles and still finds whole words next to emoji.
        let re = compile_regex(r"\border\s+(?P<id>\d{5})\b").unwrap();
        assert_eq!(
            re.find("😀 order 12345 ✅").map(|m| m.as_str()),
            Some("order 12345")
        );
        assert!(re.find("reorder 12345").is_none());
    }

    #[test]
    fn gate_analysis_finds_patterns_that_need_a_digit_at_sign_or_non_ascii() {
        let gated = [
            r"\border\s+(?P<id>\d{5,12})\b",
            r"(?P<id>\b[a-z0-9._%+-]+@[a-z0-9-]+\.[a-z]{2,}\b)",
            r"(?:\+\d{1,3})?\(?\d{3}\)?",
            r"\b(?:ORD|REF)-?\d{4,10}\b",
            r"\bcafé\b",
            r"(?:a1|b2)",
        ];
        let open = [
            r"\bre-?verify\b",
            r"\b(?:zip|post)\s*\d*",
            r"(?:a1|b)",
            r"[a-z0-9]+",
            r"x?\d?",
            r"(",
        ];
        for p in gated {
            assert!(needs_gate_byte(p), "{p} needs a gate byte");
        }
        for p in open {
            assert!(!needs_gate_byte(p), "{p} can match without one");
        }
        assert!(passes_gate("order 5") && passes_gate("mail a@b") && passes_gate("café"));
        assert!(!passes_gate("no digits here") && !passes_gate(""));
    }

    #[test]
    fn trigger_literals_are_the_words_every_match_begins_with() {
        let t = |p| trigger_literals(p);
        assert_eq!(
            t(r"\b(?:Confirm|share)\s+your\b"),
            Some(vec!["confirm".to_string(), "share".to_string()])
        );
        assert_eq!(
            t(r"\bre-?verify\b"),
            Some(vec!["re-verify".into(), "reverify".into()])
        );
        // Too short, unbounded, or starting with a class: no trigger, run always.
        assert_eq!(t(r"\bok\b"), None);
        assert_eq!(t(r"[a-z]+ again"), None);
        assert_eq!(t(r"x*yes"), None);
        assert_eq!(t(r"(?:é|e)tat"), None);
    }

    #[test]
    fn capture_slots_are_kept_apart_per_pattern_and_group() {
        // Two groups alive in one thread, scanned in turn: each pattern keeps its own
        // slots (a pattern with two groups next to one with one).
        let a = RegexGroup::compile(&[(1, r"(?P<x>a)(?P<id>\d+)")], true).unwrap();
        let b = RegexGroup::compile(&[(2, r"b(?P<id>\d+)")], false).unwrap();
        for _ in 0..3 {
            let mut hits = Vec::new();
            a.scan("a12 b345 a6", |s, e, r| hits.push((s, e, r)));
            b.scan("a12 b345 a6", |s, e, r| hits.push((s, e, r)));
            assert_eq!(hits, vec![(1, 3, 1), (10, 11, 1), (5, 8, 2)]);
        }
        assert_ne!(a.first_key, b.first_key);
    }

    #[test]
    fn groups_report_id_captures_or_whole_matches() {
        let patterns = [(7, r"\border (?P<id>\d+)\b"), (9, r"\bagain\b")];
        let text = "Order 123, again: order 45";
        for as_set in [true, false] {
            let g = RegexGroup::compile(&patterns, as_set).unwrap();
            let mut hits = Vec::new();
            g.scan(text, |s, e, r| hits.push((s, e, r)));
            hits.sort_unstable();
            assert_eq!(hits, vec![(6, 9, 7), (11, 16, 9), (24, 26, 7)]);
            // Only the chosen pattern (bit 1 = the second) runs.
            let mut chosen = Vec::new();
            g.scan_chosen(text, 0b10, |s, e, r| chosen.push((s, e, r)));
            assert_eq!(chosen, vec![(11, 16, 9)]);
        }
    }
}
