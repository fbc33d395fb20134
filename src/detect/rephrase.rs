//! Rephrase requests and problem restatements.
//!
//! A rephrase hit counts for the customer when the customer says it and the rule is
//! `[customer]` or `[any]`, for the agent when a responder says it and the rule is
//! `[agent]` or `[any]`. A restatement is a customer message whose word-pair shingles
//! overlap an earlier customer message's by at least the threshold (overlap coefficient
//! |A∩B| / min(|A|,|B|)); words with digits are left out so repeated identifiers are not
//! restatements, and messages with fewer shingles than the minimum are not compared.

use super::lexicon::Settings;
use super::matcher::{Hit, Label, Matcher, is_word_char};
use crate::model::Role;

/// Who asks for the rephrasing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The customer asks the agent.
    Customer,
    /// The agent (or bot) asks the customer.
    Agent,
}

impl Side {
    /// The detection label.
    pub fn label(self) -> &'static str {
        match self {
            Side::Customer => "customer",
            Side::Agent => "agent",
        }
    }
}

/// The first rephrase request in a message by `role`.
pub fn request(m: &Matcher, hits: &[Hit], role: Role) -> Option<(usize, Side)> {
    let side = match role {
        Role::Customer => Side::Customer,
        r if r.is_responder() => Side::Agent,
        _ => return None,
    };
    hits.iter()
        .position(|h| {
            matches!(
                (m.rule(h).label, side),
                (Label::RephraseAny, _)
                    | (Label::RephraseCustomer, Side::Customer)
                    | (Label::RephraseAgent, Side::Agent)
            )
        })
        .map(|i| (i, side))
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// Appends the sorted, distinct word-pair hashes of `text` to `out`; returns their count.
pub fn shingles(text: &str, out: &mut Vec<u64>) -> usize {
    let start = out.len();
    let mut prev: Option<u64> = None;
    let mut word = FNV_OFFSET;
    let mut in_word = false;
    let mut has_digit = false;
    let push_word = |word: u64, has_digit: bool, prev: &mut Option<u64>, out: &mut Vec<u64>| {
        if has_digit {
            return;
        }
        if let Some(p) = *prev {
            out.push(p.rotate_left(17) ^ word.wrapping_mul(FNV_PRIME));
        }
        *prev = Some(word);
    };
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // ASCII bytes (nearly all of them) skip char decoding; the hash is the same.
        let (c, len) = match bytes[i] {
            b if b.is_ascii() => (char::from(b), 1),
            _ => {
                let c = text[i..]
                    .chars()
                    .next()
                    .unwrap_or(char::REPLACEMENT_CHARACTER);
                (c, c.len_utf8())
            }
        };
        i += len;
        if c.is_ascii_alphanumeric() || c == '_' {
            in_word = true;
            has_digit |= c.is_ascii_digit();
            word = (word ^ c.to_ascii_lowercase() as u64).wrapping_mul(FNV_PRIME);
        } else if !c.is_ascii() && is_word_char(c) {
            in_word = true;
            has_digit |= c.is_numeric();
            for l in c.to_lowercase() {
                word = (word ^ l as u64).wrapping_mul(FNV_PRIME);
            }
        } else if c == '\'' || c == '\u{2019}' {
            continue;
        } else if in_word {
            push_word(word, has_digit, &mut prev, out);
            word = FNV_OFFSET;
            in_word = false;
            has_digit = false;
        }
    }
    if in_word {
        push_word(word, has_digit, &mut prev, out);
    }
    out[start..].sort_unstable();
    let mut w = start;
    for r in start..out.len() {
        if w == start || out[r] != out[w - 1] {
            out[w] = out[r];
            w += 1;
        }
    }
    out.truncate(w);
    w - start
}

/// Overlap coefficient of two sorted, distinct hash lists.
pub fn overlap(a: &[u64], b: &[u64]) -> f64 {
    let (mut i, mut j, mut both) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let small = a.len().min(b.len());
    if small == 0 {
        0.0
    } else {
        both as f64 / small as f64
    }
}

/// True when `current` restates one of `earlier` (each a shingle list).
pub fn restates<'a>(
    current: &[u64],
    earlier: impl IntoIterator<Item = &'a [u64]>,
    settings: &Settings,
) -> bool {
    let min = settings.restatement_min_shingles;
    current.len() >= min
        && earlier.into_iter().any(|prev| {
            prev.len() >= min && overlap(current, prev) >= settings.restatement_threshold
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restatement_by_shingle_overlap() {
        let s = Settings::default();
        let mut buf = Vec::new();
        // "hi my router keeps disconnecting every few minutes": 7 pairs.
        let a = shingles(
            "Hi, my router keeps disconnecting every few minutes.",
            &mut buf,
        );
        // "as i said my router keeps disconnecting every few minutes": 9 pairs, 6 shared
        // (my router … few minutes): 6 / min(7, 9) = 0.857 ≥ 0.6.
        let b = shingles(
            "As I said, my ROUTER keeps disconnecting every few minutes!",
            &mut buf,
        );
        assert_eq!((a, b), (7, 9));
        let (first, second) = buf.split_at(a);
        assert!((overlap(first, second) - 6.0 / 7.0).abs() < 1e-12);
        assert!(restates(second, [first], &s));
        // Identifiers are dropped: "my account number is" → 3 pairs < 4, never compared.
        let mut ids = Vec::new();
        assert_eq!(shingles("My account number is 12345678", &mut ids), 3);
        assert_eq!(shingles("", &mut ids), 0);
    }
}
