//! Identifiers the customer gives (account numbers, order ids, e-mails, …) and agent
//! requests to re-verify them.
//!
//! Values are normalised (digits only, lower-case, or lower-case alphanumerics, as the
//! lexicon entry says) and kept only as 64-bit hashes salted with the kind: no value is
//! ever stored or printed in clear. Normalising and hashing stream over the span, so
//! extraction allocates nothing.

use super::lexicon::Norm;
use super::matcher::{Hit, Label, Matcher};

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// Hash of the normalised value of identifier `hit` (kind-salted).
pub fn value_hash(m: &Matcher, text: &str, hit: &Hit) -> u64 {
    let rule = m.rule(hit);
    let mut h = FNV_OFFSET;
    for b in rule.section.bytes().chain([0xff]) {
        h = (h ^ u64::from(b)).wrapping_mul(FNV_PRIME);
    }
    let value = &text[hit.start as usize..hit.end as usize];
    for c in value.chars() {
        let keep = match rule.norm {
            Norm::Digits => c.is_ascii_digit(),
            Norm::Alnum => c.is_ascii_alphanumeric(),
            Norm::Lower => !c.is_whitespace(),
        };
        if keep {
            for l in c.to_lowercase() {
                h = (h ^ l as u64).wrapping_mul(FNV_PRIME);
            }
        }
    }
    h
}

/// Hash of the last four digits of an identifier value (no kind), when it has four:
/// compares a partial value ("the card ending 0417") with a full one given before.
pub fn tail_hash(text: &str, hit: &Hit) -> Option<u64> {
    let value = &text[hit.start as usize..hit.end as usize];
    let mut tail = [0u8; 4];
    let mut found = 0;
    for b in value.bytes().rev().filter(u8::is_ascii_digit).take(4) {
        found += 1;
        tail[4 - found] = b;
    }
    (found == 4).then(|| {
        tail.iter().fold(FNV_OFFSET, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(FNV_PRIME)
        })
    })
}

/// A short, non-reversible tag for showing an identifier: `#` and 6 hex digits.
pub fn mask(m: &Matcher, text: &str, hit: &Hit) -> String {
    format!(
        "{}#{:06x}",
        m.rule(hit).section,
        value_hash(m, text, hit) >> 40
    )
}

/// True for hits that are identifier values.
pub fn is_identifier(m: &Matcher, hit: &Hit) -> bool {
    matches!(m.rule(hit).label, Label::IdKind(_))
}

/// A responder's verification request in a message: `(hit, explicit)`, where explicit
/// means it asks for the value *again*; a plain request counts as re-verification only
/// when the customer already gave an identifier.
pub fn verification_request(m: &Matcher, hits: &[Hit]) -> Option<(usize, bool)> {
    let explicit = hits
        .iter()
        .position(|h| m.rule(h).label == Label::IdReverify);
    if let Some(i) = explicit {
        return Some((i, true));
    }
    hits.iter()
        .position(|h| m.rule(h).label == Label::IdRequest)
        .map(|i| (i, false))
}
