//! The matching engine: every literal phrase of every lexicon in one Aho–Corasick
//! automaton, one pass over each message; regexes run only where their gates let them
//! ([`super::regexes`]: trigger literals found by the same automaton, gate bytes).
//!
//! Phrases match ASCII-case-insensitively and only as whole words (a word edge must not
//! touch a letter or digit, and a contraction is never split: `don` does not match in
//! `don't`). The automaton reports overlapping matches so that lexicons do not hide one
//! another; within each lexicon file the matches are then resolved leftmost-longest
//! (`still not working` wins over `working` in the same file, while the sentiment file
//! still sees `working`).
//! Invariant of [`Matcher::scan`]'s output: sorted by start, non-overlapping within a group.

use std::cmp::Reverse;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use super::lexicon::{Entry, Lexicon, LexiconError, LexiconFile, Norm, Pattern};
use super::regexes::{RegexGroup, needs_gate_byte, passes_gate, trigger_literals};

pub use super::regexes::{ascii_word_boundaries, compile_regex};

/// What a rule means to the detectors, decided once at compile time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Label {
    /// The originator says the solution worked (`used`: they report using it).
    AckSuccess {
        /// The phrase reports using the suggested solution.
        used: bool,
    },
    /// The originator says the solution did not work.
    AckFailure,
    /// Plain gratitude.
    AckThanks,
    /// A responder's message offers a solution.
    AckSolution,
    /// A responder's message only deflects (asks for a DM or details, apologises, holds):
    /// it is no answer, though a `[solution]` cue in it still counts.
    AckDeflect,
    /// Marks a success statement as sarcastic (it then counts as failure).
    AckSarcasm,
    /// The customer asks to rephrase or explain.
    RephraseCustomer,
    /// The agent asks the customer to rephrase or clarify.
    RephraseAgent,
    /// A rephrase request from whoever says it.
    RephraseAny,
    /// An identifier of the kind at this index of [`Matcher::id_kinds`].
    IdKind(u16),
    /// A responder asks for an identifier (a re-verification when one was given before).
    IdRequest,
    /// A responder explicitly asks for an identifier again.
    IdReverify,
    /// The customer points at an identifier given before ("I already gave you my number").
    IdPointer,
    /// A hand-off phrase.
    Handoff,
    /// A sentiment term with its valence.
    Valence(f64),
    /// Reverses the next terms within the negation scope.
    Negator,
    /// Multiplies the next term (> 1 intensifies).
    Intensifier(f64),
    /// Multiplies the next term (< 1 dampens).
    Dampener(f64),
    /// "but", "however": terms after it weigh more.
    Contrast,
    /// Matches only to keep shorter entries of its file from firing.
    Ignore,
}

/// A compiled lexicon entry.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Meaning.
    pub label: Label,
    /// The file (also the match group).
    pub file: LexiconFile,
    /// The section name, used as the detection label of identifier kinds.
    pub section: String,
    /// Rule id.
    pub id: String,
    /// `file:line`.
    pub source: String,
    /// Identifier normalisation.
    pub norm: Norm,
    /// An identifier kind that holds only part of a value (`tag=partial`, such as the last
    /// four card digits): it repeats any earlier value with the same last four digits.
    pub partial: bool,
}

/// One match: byte span in the message and the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// Start byte.
    pub start: u32,
    /// End byte (exclusive).
    pub end: u32,
    /// Index into [`Matcher::rules`].
    pub rule: u32,
    /// The rule's file index (resolution group).
    pub group: u8,
}

/// The compiled lexicons. `Send + Sync`; scanning needs only a caller-owned hit buffer.
#[derive(Debug)]
pub struct Matcher {
    ac: AhoCorasick,
    /// Automaton pattern id → range in `ac_rules`.
    ac_slots: Vec<(u32, u32)>,
    ac_rules: Vec<u32>,
    /// Automaton pattern id → the `triggered` regexes its match sets off (a bit each).
    ac_triggers: Vec<u64>,
    /// Every rule of the identifier-value group (values and `[ignore]` entries of
    /// `identifiers.txt`) is a gated regex, so [`Matcher::scan_identifiers`] can skip the
    /// automaton.
    values_gated: bool,
    /// Regexes run when the automaton saw one of their trigger literals.
    triggered: RegexGroup,
    /// Regexes that only match around a digit, `@` or non-ASCII character.
    gated: RegexGroup,
    /// Every other regex.
    ungated: RegexGroup,
    /// Every rule, in lexicon order.
    pub rules: Vec<Rule>,
    /// Identifier kinds (section names of `identifiers.txt`), in first-seen order.
    pub id_kinds: Vec<String>,
}

/// The lexicon regexes sorted by how they are kept off messages they cannot match.
struct Regexes {
    /// Trigger literal → bits of the `triggered` patterns it sets off.
    triggers: std::collections::BTreeMap<String, u64>,
    triggered: RegexGroup,
    gated: RegexGroup,
    ungated: RegexGroup,
    /// The rules of the gated patterns.
    gated_rules: Vec<u32>,
}

impl Regexes {
    /// Patterns that need a gate byte are gated (a byte scan is cheaper than any
    /// automaton work); of the rest, up to 64 with trigger literals are triggered, and the
    /// others run on every message.
    fn split(rules: &[u32], sources: &[String]) -> Result<Regexes, LexiconError> {
        let mut triggers: std::collections::BTreeMap<String, u64> = Default::default();
        let (mut triggered, mut gated, mut ungated) = (Vec::new(), Vec::new(), Vec::new());
        for (&rule, p) in rules.iter().zip(sources) {
            let p = p.as_str();
            if needs_gate_byte(p) {
                gated.push((rule, p));
                continue;
            }
            match trigger_literals(p) {
                Some(words) if triggered.len() < 64 => {
                    let bit = 1u64 << triggered.len();
                    for w in words {
                        *triggers.entry(w).or_default() |= bit;
                    }
                    triggered.push((rule, p));
                }
                _ => ungated.push((rule, p)),
            }
        }
        let compile =
            |g: &[(u32, &str)], as_set| RegexGroup::compile(g, as_set).map_err(LexiconError::Build);
        Ok(Regexes {
            triggers,
            triggered: compile(&triggered, false)?,
            gated: compile(&gated, true)?,
            ungated: compile(&ungated, true)?,
            gated_rules: gated.iter().map(|&(rule, _)| rule).collect(),
        })
    }
}

fn label_of(e: &Entry, id_kinds: &mut Vec<String>) -> Label {
    let w = e.weight.unwrap_or(1.0);
    match (e.file, e.section.as_str()) {
        (_, "ignore") => Label::Ignore,
        (LexiconFile::Acknowledgement, "success") => Label::AckSuccess {
            used: e.tags.iter().any(|t| t == "used"),
        },
        (LexiconFile::Acknowledgement, "failure") => Label::AckFailure,
        (LexiconFile::Acknowledgement, "thanks") => Label::AckThanks,
        (LexiconFile::Acknowledgement, "solution") => Label::AckSolution,
        (LexiconFile::Acknowledgement, "deflect") => Label::AckDeflect,
        (LexiconFile::Acknowledgement, _) => Label::AckSarcasm,
        (LexiconFile::Rephrase, "customer") => Label::RephraseCustomer,
        (LexiconFile::Rephrase, "agent") => Label::RephraseAgent,
        (LexiconFile::Rephrase, _) => Label::RephraseAny,
        (LexiconFile::Identifiers, "request") => Label::IdRequest,
        (LexiconFile::Identifiers, "reverify") => Label::IdReverify,
        (LexiconFile::Identifiers, "pointer") => Label::IdPointer,
        (LexiconFile::Identifiers, kind) => {
            let at = match id_kinds.iter().position(|k| k == kind) {
                Some(at) => at,
                None => {
                    id_kinds.push(kind.to_string());
                    id_kinds.len() - 1
                }
            };
            Label::IdKind(at as u16)
        }
        (LexiconFile::Handoff, _) => Label::Handoff,
        (LexiconFile::Sentiment, _) => Label::Valence(w),
        (LexiconFile::Modifiers, "negator") => Label::Negator,
        (LexiconFile::Modifiers, "intensifier") => Label::Intensifier(w),
        (LexiconFile::Modifiers, "dampener") => Label::Dampener(w),
        (LexiconFile::Modifiers, _) => Label::Contrast,
    }
}

/// Entries that are word lists for the restatement comparison, not phrases to find.
pub fn is_word_list(e: &Entry) -> bool {
    e.file == LexiconFile::Rephrase && matches!(e.section.as_str(), "stopword" | "synonym")
}

/// The phrase as written plus its typographic-apostrophe twin, each also with a capital
/// first letter when that letter is not ASCII (`ça marche` / `Ça marche`): the automaton
/// folds ASCII case only, and a sentence starts with a capital.
fn phrase_variants(p: &str) -> impl Iterator<Item = String> + '_ {
    let curly = p.contains('\'').then(|| p.replace('\'', "\u{2019}"));
    std::iter::once(p.to_string()).chain(curly).flat_map(|v| {
        let capital = capitalised_non_ascii(&v);
        std::iter::once(v).chain(capital)
    })
}

/// `v` with its first letter upper-cased, when that letter is non-ASCII and has a capital.
fn capitalised_non_ascii(v: &str) -> Option<String> {
    let first = v.chars().next()?;
    if first.is_ascii() {
        return None;
    }
    let upper: String = first.to_uppercase().collect();
    (upper != first.to_string()).then(|| upper + &v[first.len_utf8()..])
}

impl Matcher {
    /// Compiles a parsed lexicon (which [`super::lexicon::check`] found free of errors).
    pub fn compile(lex: &Lexicon) -> Result<Matcher, LexiconError> {
        let mut id_kinds = Vec::new();
        let mut rules = Vec::with_capacity(lex.entries.len());
        let mut phrase_slots: std::collections::BTreeMap<String, Vec<u32>> = Default::default();
        let mut regex_src = Vec::new();
        let mut set_rule = Vec::new();
        for e in lex.entries.iter().filter(|e| !is_word_list(e)) {
            let rule = rules.len() as u32;
            rules.push(Rule {
                label: label_of(e, &mut id_kinds),
                file: e.file,
                section: e.section.clone(),
                id: e.id.clone(),
                source: e.source(),
                norm: e.norm,
                partial: e.tags.iter().any(|t| t == "partial"),
            });
            match &e.pattern {
                Pattern::Phrase(p) => {
                    for v in phrase_variants(p) {
                        phrase_slots.entry(v).or_default().push(rule);
                    }
                }
                Pattern::Regex(r) => {
                    regex_src.push(r.clone());
                    set_rule.push(rule);
                }
            }
        }
        let regexes = Regexes::split(&set_rule, &regex_src)?;
        let values_gated = rules
            .iter()
            .enumerate()
            .filter(|(_, r)| is_value_group(r))
            .all(|(i, _)| regexes.gated_rules.contains(&(i as u32)));
        let mut patterns = Vec::with_capacity(phrase_slots.len());
        let mut ac_slots = Vec::with_capacity(phrase_slots.len());
        let mut ac_rules = Vec::new();
        let mut ac_triggers = Vec::with_capacity(phrase_slots.len());
        for (p, rs) in phrase_slots {
            patterns.push(p);
            ac_slots.push((ac_rules.len() as u32, (ac_rules.len() + rs.len()) as u32));
            ac_rules.extend(rs);
            ac_triggers.push(0);
        }
        for (word, bits) in regexes.triggers {
            patterns.push(word);
            ac_slots.push((0, 0));
            ac_triggers.push(bits);
        }
        let build = |kind| {
            AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .kind(kind)
                .build(&patterns)
        };
        let ac = build(Some(AhoCorasickKind::DFA))
            .or_else(|_| build(None))
            .map_err(|e| LexiconError::Build(e.to_string()))?;
        Ok(Matcher {
            ac,
            ac_slots,
            ac_rules,
            ac_triggers,
            values_gated,
            triggered: regexes.triggered,
            gated: regexes.gated,
            ungated: regexes.ungated,
            rules,
            id_kinds,
        })
    }

    /// The rule behind a hit.
    pub fn rule(&self, hit: &Hit) -> &Rule {
        &self.rules[hit.rule as usize]
    }

    /// Finds every hit in `text` into `out` (cleared first): one automaton pass, one regex
    /// set pass, then leftmost-longest resolution per lexicon file.
    pub fn scan(&self, text: &str, out: &mut Vec<Hit>) {
        out.clear();
        let mut triggered = 0u64;
        for m in self.ac.find_overlapping_iter(text) {
            triggered |= self.ac_triggers[m.pattern().as_usize()];
            if !whole_word(text, m.start(), m.end()) {
                continue;
            }
            let (lo, hi) = self.ac_slots[m.pattern().as_usize()];
            for &rule in &self.ac_rules[lo as usize..hi as usize] {
                out.push(self.hit(m.start(), m.end(), rule));
            }
        }
        let mut push = |start, end, rule| out.push(self.hit(start, end, rule));
        self.triggered.scan_chosen(text, triggered, &mut push);
        self.ungated.scan(text, &mut push);
        if passes_gate(text) {
            self.gated.scan(text, &mut push);
        }
        resolve_leftmost_longest(out);
    }

    /// The identifier values in `text` (what [`Matcher::scan`] finds with an
    /// [`Label::IdKind`] rule), found with the gated regexes alone when every rule of the
    /// value group is one: a byte test and, on messages with a digit or `@`, one regex-set
    /// pass, instead of the whole scan. For masking every message of an index.
    pub fn scan_identifiers(&self, text: &str, out: &mut Vec<Hit>) {
        if self.values_gated {
            out.clear();
            if passes_gate(text) {
                self.gated.scan(text, |start, end, rule| {
                    if is_value_group(&self.rules[rule as usize]) {
                        out.push(self.hit(start, end, rule));
                    }
                });
                resolve_leftmost_longest(out);
            }
        } else {
            self.scan(text, out);
        }
        out.retain(|h| matches!(self.rule(h).label, Label::IdKind(_)));
    }

    fn hit(&self, start: usize, end: usize, rule: u32) -> Hit {
        let r = &self.rules[rule as usize];
        // Identifier requests and re-verifications resolve apart from the values and from
        // each other, so "confirm your account number again" is both.
        let group = match r.label {
            Label::IdRequest => LexiconFile::ALL.len(),
            Label::IdReverify => LexiconFile::ALL.len() + 1,
            _ => r.file.index(),
        };
        Hit {
            start: start as u32,
            end: end as u32,
            rule,
            group: group as u8,
        }
    }
}

/// True for the rules that resolve in the identifier-value group: everything in
/// `identifiers.txt` except requests and re-verifications (see [`Matcher::scan`]).
fn is_value_group(rule: &Rule) -> bool {
    rule.file == LexiconFile::Identifiers
        && !matches!(rule.label, Label::IdRequest | Label::IdReverify)
}

/// Keeps, per group, the leftmost-longest non-overlapping hits; returns them by start.
fn resolve_leftmost_longest(hits: &mut Vec<Hit>) {
    hits.sort_unstable_by_key(|h| (h.group, h.start, Reverse(h.end), h.rule));
    let mut group = u8::MAX;
    let mut reach = 0u32;
    let mut last_span = (u32::MAX, u32::MAX);
    hits.retain(|h| {
        if h.group != group {
            group = h.group;
            reach = 0;
            last_span = (u32::MAX, u32::MAX);
        }
        // Several rules of one group on the same phrase (cross-file duplicates are kept
        // apart by group) cannot happen after `check`; keep the first one if they do.
        if (h.start, h.end) == last_span {
            return false;
        }
        if h.start >= reach {
            reach = h.end;
            last_span = (h.start, h.end);
            true
        } else {
            false
        }
    });
    hits.sort_unstable_by_key(|h| (h.start, h.group, h.end, h.rule));
}

/// Letters and digits (any script) and `_` make words.
pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '\u{2019}'
}

/// True when `text[start..end]` stands as a whole word (or a whole emoticon).
pub fn whole_word(text: &str, start: usize, end: usize) -> bool {
    if start >= end {
        return false;
    }
    match (
        ascii_start_ok(text.as_bytes(), start),
        ascii_end_ok(text.as_bytes(), end),
    ) {
        (Some(a), Some(b)) => a && b,
        _ => whole_word_by_chars(text, start, end),
    }
}

fn is_ascii_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// [`edge_ok`] for an ASCII edge byte and ASCII neighbours; `None` when a byte it needs
/// is not ASCII (the caller then decodes chars). Most automaton matches are decided here:
/// the commonest rejection is a short phrase inside a longer word.
fn ascii_edge_ok(edge: u8, next: Option<u8>, beyond: Option<u8>) -> Option<bool> {
    let Some(next) = next else {
        return Some(true);
    };
    if edge >= 0x80 || next >= 0x80 {
        return None;
    }
    if is_ascii_word_byte(edge) {
        if is_ascii_word_byte(next) {
            return Some(false);
        }
        if next == b'\'' {
            return match beyond {
                Some(c) if c >= 0x80 => None,
                Some(c) => Some(!c.is_ascii_alphabetic()),
                None => Some(true),
            };
        }
        Some(true)
    } else if edge.is_ascii_punctuation() {
        Some(!next.is_ascii_alphanumeric())
    } else {
        Some(true)
    }
}

fn ascii_start_ok(b: &[u8], start: usize) -> Option<bool> {
    let before = |k: usize| start.checked_sub(k).map(|i| b[i]);
    ascii_edge_ok(b[start], before(1), before(2))
}

fn ascii_end_ok(b: &[u8], end: usize) -> Option<bool> {
    ascii_edge_ok(b[end - 1], b.get(end).copied(), b.get(end + 1).copied())
}

/// [`whole_word`] by decoded chars: any script.
fn whole_word_by_chars(text: &str, start: usize, end: usize) -> bool {
    let inner = &text[start..end];
    let (Some(first), Some(last)) = (inner.chars().next(), inner.chars().next_back()) else {
        return false;
    };
    let mut before = text[..start].chars().rev();
    let mut after = text[end..].chars();
    edge_ok(first, before.next(), before.next()) && edge_ok(last, after.next(), after.next())
}

/// `edge` is the match's outer character, `next` the neighbour outside, `beyond` the one after.
fn edge_ok(edge: char, next: Option<char>, beyond: Option<char>) -> bool {
    let Some(next) = next else {
        return true;
    };
    if is_word_char(edge) {
        let splits_contraction = is_apostrophe(next) && beyond.is_some_and(|c| c.is_alphabetic());
        !is_word_char(next) && !splits_contraction
    } else if edge.is_ascii_punctuation() {
        !next.is_alphanumeric()
    } else {
        true
    }
}

/// True when the sentence holding byte `end` closes with a question mark.
pub fn in_question(text: &str, end: usize) -> bool {
    text[end..]
        .bytes()
        .find(|b| matches!(b, b'.' | b'!' | b'?' | b'\n'))
        == Some(b'?')
}

/// What lies between two positions of a message: words and clause breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gap {
    /// Whole words strictly between the positions.
    pub words: usize,
    /// A clause break (`. , ; : ! ?` or a line break) lies between them.
    pub broken: bool,
}

/// Counts words and clause breaks in `text[from..to]`.
pub fn gap(text: &str, from: usize, to: usize) -> Gap {
    let mut words = 0;
    let mut in_word = false;
    let mut broken = false;
    for c in text[from..to.max(from)].chars() {
        if is_word_char(c) || (in_word && is_apostrophe(c)) {
            if !in_word {
                words += 1;
                in_word = true;
            }
        } else {
            in_word = false;
            if matches!(c, '.' | ',' | ';' | ':' | '!' | '?' | '\n') {
                broken = true;
            }
        }
    }
    Gap { words, broken }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_words_respect_letters_contractions_and_emoticons() {
        // (text, start, end, expected)
        let cases = [
            ("it works now", 3, 8, true),
            ("it worksnow", 3, 8, false),
            ("reworks", 2, 7, false),
            ("don't", 0, 3, false),
            ("I do, 'thanks'", 7, 13, true),
            ("ok :)", 3, 5, true),
            ("https://x", 5, 7, false),
            ("thanks👍", 0, 6, true),
            ("¡gracias!", 2, 9, true),
        ];
        for (text, s, e, want) in cases {
            assert_eq!(whole_word(text, s, e), want, "{text:?} [{s}..{e}]");
        }
    }

    #[test]
    fn ascii_fast_path_agrees_with_chars_everywhere() {
        let texts = [
            "it works now, don't it? 'thanks' ok:) :-( https://x.example/:)",
            "rock'n'roll o'clock 90's _x_ a-b a.b",
            "café's d'été naïve ‘quoted’ don’t 👍ok ok👍 ¡sí!",
            "'",
            "a",
            ":)",
            "",
        ];
        for text in texts {
            let bounds: Vec<usize> = (0..=text.len())
                .filter(|&i| text.is_char_boundary(i))
                .collect();
            for (i, &s) in bounds.iter().enumerate() {
                for &e in &bounds[i + 1..] {
                    assert_eq!(
                        whole_word(text, s, e),
                        whole_word_by_chars(text, s, e),
                        "{text:?} [{s}..{e}]"
                    );
                }
            }
        }
    }

    #[test]
    fn gap_counts_words_and_breaks() {
        assert_eq!(
            gap("not really very good", 3, 16),
            Gap {
                words: 2,
                broken: false
            }
        );
        assert_eq!(
            gap("not, good", 3, 5),
            Gap {
                words: 0,
                broken: true
            }
        );
        assert_eq!(
            gap("isn't it", 0, 8),
            Gap {
                words: 2,
                broken: false
            }
        );
    }

    #[test]
    fn resolution_is_per_group_leftmost_longest() {
        let h = |start, end, rule, group| Hit {
            start,
            end,
            rule,
            group,
        };
        // Group 0: [0,17) "still not working" beats [10,17) "working";
        // group 4 keeps its own [10,17).
        let mut hits = vec![
            h(10, 17, 1, 0),
            h(0, 17, 0, 0),
            h(10, 17, 2, 4),
            h(6, 9, 3, 5),
        ];
        resolve_leftmost_longest(&mut hits);
        assert_eq!(hits, vec![h(0, 17, 0, 0), h(6, 9, 3, 5), h(10, 17, 2, 4)]);
    }
}
