//! Masking identifiers in text before anything reaches the index: bare identifier shapes,
//! the replacement itself, and moving byte offsets across the replacements.
//!
//! The writer combines three span finders over every message (and event detail):
//! - the caller's [`Masker`] (the CLI passes the lexicon-driven identifier detector, which
//!   needs a keyword such as "account" or a known prefix);
//! - [`identifier_shapes`], the shapes that need no keyword: e-mail addresses; long digit
//!   groups (six digits or more, possibly split by spaces, dashes, dots, slashes or
//!   parentheses: account and phone numbers, card numbers, IBAN bodies, IP addresses, PUKs
//!   typed digit by digit), dates and decimal amounts excepted; and prefixed references
//!   (`BL-88213`, `INC0012345`, `#48213`);
//! - the conversation's own identity values (see [`super::pseudonym`]).
//!
//! Invariants: every finder is one left-to-right pass over the text, [`mask_text`] sorts
//! the spans once and [`remap`] is a binary search, so masking a message is linear (up to
//! a logarithm) in its length and in the number of its spans; masked text never contains
//! the value of a span, only [`MASK`].

use std::ops::Range;

/// What replaces an identifier in stored and indexed text (not a word, so never a term).
pub const MASK: &str = "•••";

/// Finds identifier spans (byte ranges) in a message text.
pub type Masker = dyn Fn(&str) -> Vec<Range<usize>> + Sync;

/// Fewest digits in a bare digit group that is masked: five-digit numbers (postcodes,
/// amounts, ports) stay readable; account, phone and card numbers have more.
pub const MIN_DIGITS: usize = 6;

/// Fewest digits after a letter prefix (`BL-88213`, `#48213`) for a reference.
const MIN_REF_DIGITS: usize = 4;

/// Longest letter prefix of a reference (`BL`, `INC`, `ORDER`).
const MAX_REF_PREFIX: usize = 6;

/// Characters that may separate the groups of one number (`0699 111 222`, `8800-1234`,
/// `(030) 1234567`, `192.168.1.1`), at most [`MAX_SEPARATOR`] of them in a row.
const SEPARATORS: &[char] = &[' ', '\u{a0}', '-', '–', '.', '/', '(', ')'];
const MAX_SEPARATOR: usize = 3;

/// The bare identifier shapes of `text`: e-mail addresses, long digit groups and prefixed
/// references, as byte ranges (unsorted, possibly overlapping).
pub fn identifier_shapes(text: &str) -> Vec<Range<usize>> {
    let mut spans = email_spans(text);
    words_pass(text, &mut spans);
    spans
}

/// E-mail addresses: from each `@`, the local part to the left and a dotted domain to the
/// right. Neither side crosses another `@`, so each byte is read at most twice.
fn email_spans(text: &str) -> Vec<Range<usize>> {
    let b = text.as_bytes();
    let local = |c: u8| c.is_ascii_alphanumeric() || b"._%+-".contains(&c) || c >= 0x80;
    let domain = |c: u8| c.is_ascii_alphanumeric() || c == b'-' || c == b'.' || c >= 0x80;
    let mut out = Vec::new();
    for at in memchr::memchr_iter(b'@', b) {
        let start = (0..at).rev().take_while(|&i| local(b[i])).last();
        let mut end = at + 1 + b[at + 1..].iter().take_while(|&&c| domain(c)).count();
        while end > at + 1 && matches!(b[end - 1], b'.' | b'-') {
            end -= 1;
        }
        let host = &b[at + 1..end];
        let dotted = host
            .iter()
            .rposition(|&c| c == b'.')
            .is_some_and(|i| i > 0 && i + 1 < host.len());
        if let (Some(start), true) = (start, dotted) {
            out.push(start..end);
        }
    }
    out
}

/// A maximal run of alphanumeric characters.
#[derive(Debug, Clone, Copy)]
struct Word {
    start: usize,
    end: usize,
    digits: usize,
    letters: usize,
}

impl Word {
    fn is_numeric(&self) -> bool {
        self.digits > 0 && self.digits >= self.letters
    }
}

/// Consecutive numeric words joined by short separators.
#[derive(Debug, Default)]
struct Chain {
    start: usize,
    end: usize,
    digits: usize,
    /// Words and the last separator character before each (a space for the first); only
    /// the first four are kept, enough to recognise dates, year ranges and decimals.
    parts: Vec<(Word, char)>,
    words: usize,
}

/// One pass over the words of `text`, pushing digit chains and prefixed references.
fn words_pass(text: &str, spans: &mut Vec<Range<usize>>) {
    let mut chain: Option<Chain> = None;
    let mut previous: Option<Word> = None;
    // The gap since the last word: its length in characters, whether every character is a
    // separator, its last character.
    let (mut gap_len, mut gap_ok, mut gap_last) = (0usize, true, ' ');
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if !c.is_alphanumeric() {
            gap_ok &= SEPARATORS.contains(&c);
            gap_last = c;
            gap_len += 1;
            continue;
        }
        let mut word = Word {
            start: i,
            end: i + c.len_utf8(),
            digits: 0,
            letters: 0,
        };
        count(&mut word, c);
        while let Some(&(j, d)) = chars.peek().filter(|(_, d)| d.is_alphanumeric()) {
            word.end = j + d.len_utf8();
            count(&mut word, d);
            chars.next();
        }
        prefixed_reference(text, previous, word, (gap_len, gap_last), spans);
        let joins = (1..=MAX_SEPARATOR).contains(&gap_len) && gap_ok;
        chain = match chain.take() {
            Some(mut ch) if word.is_numeric() && joins => {
                ch.push(word, gap_last);
                Some(ch)
            }
            other => {
                if let Some(ch) = other {
                    ch.emit(text, spans);
                }
                word.is_numeric().then(|| Chain::new(word))
            }
        };
        previous = Some(word);
        (gap_len, gap_ok) = (0, true);
    }
    if let Some(ch) = chain {
        ch.emit(text, spans);
    }
}

fn count(word: &mut Word, c: char) {
    if c.is_numeric() {
        word.digits += 1;
    } else {
        word.letters += 1;
    }
}

/// `BL-88213`, `bl/88213`, `#48213` (the word and the gap before it), or `INC0012345`
/// (one word).
fn prefixed_reference(
    text: &str,
    previous: Option<Word>,
    word: Word,
    (gap_len, gap_last): (usize, char),
    spans: &mut Vec<Range<usize>>,
) {
    let digits_only = word.letters == 0;
    if digits_only && word.digits >= MIN_REF_DIGITS {
        let joined = gap_len == 1 && matches!(gap_last, '-' | '/' | '#');
        match previous {
            Some(p) if joined && p.end + 1 == word.start && is_prefix(text, p) => {
                spans.push(p.start..word.end);
                return;
            }
            _ => {}
        }
        if gap_len >= 1 && gap_last == '#' {
            spans.push(word.start - 1..word.end);
        }
        return;
    }
    let w = &text[word.start..word.end];
    let letters = w.bytes().take_while(u8::is_ascii_alphabetic).count();
    let rest = &w[letters..];
    if (1..=MAX_REF_PREFIX).contains(&letters)
        && rest.len() > MIN_REF_DIGITS
        && rest.bytes().all(|b| b.is_ascii_digit())
    {
        spans.push(word.start..word.end);
    }
}

fn is_prefix(text: &str, w: Word) -> bool {
    w.digits == 0
        && (1..=MAX_REF_PREFIX).contains(&(w.end - w.start))
        && text[w.start..w.end]
            .bytes()
            .all(|b| b.is_ascii_alphabetic())
}

impl Chain {
    fn new(word: Word) -> Chain {
        Chain {
            start: word.start,
            end: word.end,
            digits: word.digits,
            parts: vec![(word, ' ')],
            words: 1,
        }
    }

    fn push(&mut self, word: Word, separator: char) {
        self.end = word.end;
        self.digits += word.digits;
        self.words += 1;
        if self.parts.len() < 4 {
            self.parts.push((word, separator));
        }
    }

    /// Pushes the chain's span if it has enough digits and is neither a date nor a
    /// decimal amount; a `+` right before it (an international prefix) is included.
    fn emit(self, text: &str, spans: &mut Vec<Range<usize>>) {
        if self.digits < MIN_DIGITS || self.is_date(text) || self.is_decimal() {
            return;
        }
        let start = if text[..self.start].ends_with('+') {
            self.start - 1
        } else {
            self.start
        };
        spans.push(start..self.end);
    }

    /// `2024-01-15`, `15.01.2024`, `15/01/24`: three all-digit groups with one separator
    /// (`-`, `.` or `/`), a year of four (or two) digits first or last, a month and day;
    /// or a range of years, `2023-2024`.
    fn is_date(&self, text: &str) -> bool {
        if self.parts.iter().any(|(w, _)| w.letters > 0) {
            return false;
        }
        let n = |k: usize| {
            let w = self.parts[k].0;
            (w.digits, text[w.start..w.end].parse::<u32>().unwrap_or(0))
        };
        let sep = self.parts.get(1).map_or(' ', |p| p.1);
        if self.words == 2 {
            let year = |(digits, v): (usize, u32)| digits == 4 && (1900..2100).contains(&v);
            return matches!(sep, '-' | '/' | '–') && year(n(0)) && year(n(1));
        }
        if self.words != 3 || !matches!(sep, '-' | '.' | '/') || self.parts[2].1 != sep {
            return false;
        }
        let day_month = |a: (usize, u32), b: (usize, u32)| {
            a.0 <= 2 && b.0 <= 2 && a.1 >= 1 && b.1 >= 1 && a.1.min(b.1) <= 12 && a.1.max(b.1) <= 31
        };
        let (a, b, c) = (n(0), n(1), n(2));
        (a.0 == 4 && day_month(b, c)) || (matches!(c.0, 2 | 4) && day_month(a, b))
    }

    /// `1299.00`: two groups, the second of one or two digits after a `.`.
    fn is_decimal(&self) -> bool {
        self.words == 2
            && self.parts[1].1 == '.'
            && self.parts[1].0.letters == 0
            && self.parts[1].0.digits <= 2
            && self.digits - self.parts[1].0.digits < MIN_DIGITS
    }
}

/// One replaced span: original `start..end`, and where the mask starts in the new text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edit {
    /// Original start.
    pub start: usize,
    /// Original end (exclusive).
    pub end: usize,
    /// Start of the mask in the masked text.
    pub new_start: usize,
}

/// Replaces `spans` of `text` with [`MASK`]. Spans are sorted, merged when they overlap,
/// clipped to the text and widened to character boundaries first. The edits come back
/// sorted and disjoint.
pub fn mask_text(text: &str, mut spans: Vec<Range<usize>>) -> (String, Vec<Edit>) {
    for s in &mut spans {
        s.end = s.end.min(text.len());
        s.start = s.start.min(s.end);
        while !text.is_char_boundary(s.start) {
            s.start -= 1;
        }
        while !text.is_char_boundary(s.end) {
            s.end += 1;
        }
    }
    spans.retain(|s| !s.is_empty());
    spans.sort_unstable_by_key(|s| (s.start, s.end));
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(spans.len());
    for s in spans {
        match merged.last_mut() {
            Some(last) if s.start <= last.end => last.end = last.end.max(s.end),
            _ => merged.push(s),
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut edits = Vec::with_capacity(merged.len());
    let mut at = 0;
    for s in merged {
        out.push_str(&text[at..s.start]);
        edits.push(Edit {
            start: s.start,
            end: s.end,
            new_start: out.len(),
        });
        out.push_str(MASK);
        at = s.end;
    }
    out.push_str(&text[at..]);
    (out, edits)
}

/// Maps an offset of the original text to the masked text, by binary search over the
/// sorted `edits`. An offset inside a masked span goes to the mask's start (`is_end`
/// false) or end (`is_end` true), so a span that overlaps an identifier covers the mask.
pub fn remap(offset: usize, edits: &[Edit], is_end: bool) -> usize {
    // Edits that start before the offset; the last of them is the only one that can
    // contain it.
    let before = edits.partition_point(|e| e.start < offset);
    let Some(e) = before.checked_sub(1).map(|i| edits[i]) else {
        return offset;
    };
    if offset < e.end {
        return if is_end {
            e.new_start + MASK.len()
        } else {
            e.new_start
        };
    }
    offset - e.end + e.new_start + MASK.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The masked form of `text` under [`identifier_shapes`] alone.
    fn shapes(text: &str) -> String {
        mask_text(text, identifier_shapes(text)).0
    }

    #[test]
    fn masks_bare_identifier_shapes() {
        let cases = [
            // Account numbers without a keyword, split by a dash or a space (8 digits).
            ("8800-1234. Mobile", "•••. Mobile"),
            ("it's 6073 1150.", "it's •••."),
            // A phone number in three groups (10 digits), with an international prefix.
            ("number 0612 345 678.", "number •••."),
            ("call +44 20 7946 0958 now", "call ••• now"),
            ("(030) 1234567", "(•••"),
            // A PUK read out digit by digit: 8 one-digit groups.
            ("PUK is 4 8 1 2 9 0 3 3. Enter", "PUK is •••. Enter"),
            // An IBAN: the country code is glued to its check digits.
            (
                "IBAN DE89 3704 0044 0532 0130 00. Thanks",
                "IBAN •••. Thanks",
            ),
            ("card 4111-1111-1111-1111", "card •••"),
            ("the Hub (192.168.1.1), go", "the Hub (•••), go"),
            ("356938035643809", "•••"),
            // Prefixed references.
            ("order BL-88213 two weeks", "order ••• two weeks"),
            ("(order BL-87120) won't", "(order •••) won't"),
            ("ticket #48213, and INC0012345", "ticket •••, and •••"),
            // E-mail addresses, the sentence's full stop kept.
            ("e-mail mia.k@example.org.", "e-mail •••."),
            ("x ü.ser+tag@mail.example.co.uk, y", "x •••, y"),
        ];
        for (text, want) in cases {
            assert_eq!(shapes(text), want, "{text}");
        }
    }

    #[test]
    fn leaves_short_numbers_dates_amounts_and_words() {
        let keep = [
            // Five digits or fewer: ports, postcodes, prices, speeds, times.
            "Add TCP 25565 to your PC",
            "DM: 1043",
            "refund of 49.99, still 30-40 in the evening, from 9:00 to 17:00",
            "the card ending 8812",
            // Dates in three common forms (8 digits each).
            "on 2024-01-15 and 15.01.2024 and 15/01/24, the 2023-2024 season",
            // A decimal amount of six digits with its cents.
            "paid 1299.00 in total",
            // Words with few digits, references with too few, and no e-mail without a
            // dotted domain.
            "Fibre 500, 5GHz 802.11ac, RTX4090, COVID-19, BL-881, user@localhost, @handle",
        ];
        for text in keep {
            assert_eq!(shapes(text), text);
        }
    }

    #[test]
    fn masks_merges_and_clips_spans() {
        let text = "acct 12345678 and 12345678, ok";
        // "12345678" at 5..13 and 18..26; an overlapping 10..13 merges into the first.
        let (masked, edits) = mask_text(text, vec![18..26, 5..13, 10..13, 40..50]);
        assert_eq!(masked, "acct ••• and •••, ok");
        assert_eq!(edits.len(), 2);
        // "•••" is 9 bytes: the second mask starts at 5 + 9 + 5 = 19.
        assert_eq!(edits[1].new_start, 19);
    }

    #[test]
    fn widens_to_char_boundaries() {
        let text = "né 42";
        // 2 is inside "é" (bytes 1..3): widened to 1.
        let (masked, _) = mask_text(text, std::iter::once(2..3).collect());
        assert_eq!(masked, "n••• 42");
    }

    #[test]
    fn remaps_offsets_around_and_inside_masks() {
        let (_, edits) = mask_text("acct 12345678 and 99999999 x", vec![5..13, 18..26]);
        // Before the first mask: unchanged. After it: shifted by 9 − 8 = +1.
        assert_eq!(remap(2, &edits, false), 2);
        assert_eq!(remap(5, &edits, false), 5);
        assert_eq!(remap(14, &edits, false), 15);
        assert_eq!(remap(13, &edits, true), 14);
        // Inside an identifier: snapped to the mask's edges.
        assert_eq!(remap(7, &edits, false), 5);
        assert_eq!(remap(7, &edits, true), 14);
        // After both masks: shifted by +2; inside the second: 18 + 1 = 19 .. 19 + 9 = 28.
        assert_eq!(remap(27, &edits, false), 29);
        assert_eq!(remap(20, &edits, false), 19);
        assert_eq!(remap(20, &edits, true), 28);
    }

    #[test]
    fn empty_text_and_no_spans_are_unchanged() {
        assert_eq!(mask_text("", std::iter::once(0..4).collect()).0, "");
        assert_eq!(mask_text("plain", vec![]).0, "plain");
        assert!(identifier_shapes("").is_empty());
    }
}
