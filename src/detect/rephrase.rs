//! Rephrase requests and problem restatements.
//!
//! A rephrase hit counts for the customer when the customer says it and the rule is
//! `[customer]` or `[any]`, for the agent when a responder says it and the rule is
//! `[agent]` or `[any]`. A restatement is a customer message whose content words (lower
//! case, lightly stemmed, stop words left out, synonyms read as one word; the lists are
//! `[stopword]` and `[synonym]` in `rephrase.txt`) overlap an earlier customer message's
//! by at least the threshold (overlap coefficient |A∩B| / min(|A|,|B|)); words with
//! digits are left out so repeated identifiers are not restatements, and messages with
//! fewer content words than the minimum are not compared.

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

/// Words a restatement comparison leaves out (`[stopword]`) or reads as another word
/// (`[synonym]`, `charge => tag=bill`), from `rephrase.txt`, keyed by word hash.
#[derive(Debug, Clone, Default)]
pub struct WordSets {
    stop: std::collections::HashSet<u64>,
    same: std::collections::HashMap<u64, u64>,
}

impl WordSets {
    /// Builds the sets from `(section, word, tags)` entries of the rephrase file.
    pub fn from_entries<'a>(
        entries: impl IntoIterator<Item = (&'a str, &'a str, &'a [String])>,
    ) -> WordSets {
        let mut sets = WordSets::default();
        for (section, word, tags) in entries {
            match section {
                "stopword" => {
                    sets.stop.insert(word_hash(word, false));
                }
                "synonym" => {
                    if let Some(canonical) = tags.first() {
                        sets.same
                            .insert(word_hash(word, true), word_hash(canonical, true));
                    }
                }
                _ => {}
            }
        }
        sets
    }

    fn content_word(&self, word: &[u8], lowered: u64) -> Option<u64> {
        if self.stop.contains(&lowered) {
            return None;
        }
        let stem = stem_hash(word);
        Some(self.same.get(&stem).copied().unwrap_or(stem))
    }
}

/// FNV hash of a word, lower-cased, optionally stemmed (the key of the word sets).
fn word_hash(word: &str, stemmed: bool) -> u64 {
    let lower: Vec<u8> = word
        .bytes()
        .filter(|&b| b != b'\'')
        .map(|b| b.to_ascii_lowercase())
        .collect();
    if stemmed {
        stem_hash(&lower)
    } else {
        fnv(&lower)
    }
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(FNV_OFFSET, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(FNV_PRIME)
    })
}

/// Light suffix stripping of a lower-case ASCII word (`disconnecting`, `disconnected`,
/// `disconnects` → `disconnect`; a final `e` is dropped, so `minute` and `minutes` meet;
/// a final `y` reads as `i`, so `reply` and `replied` meet),
/// then its hash. Stems keep at least three letters; other words are hashed as they are.
pub fn stem_hash(word: &[u8]) -> u64 {
    if !word.is_ascii() {
        return fnv(word);
    }
    let mut w = word;
    for (suffix, keep) in [
        (&b"ing"[..], 3),
        (b"ed", 3),
        (b"es", 3),
        (b"ly", 4),
        (b"s", 3),
    ] {
        if w.len() >= suffix.len() + keep && w.ends_with(suffix) && !w.ends_with(b"ss") {
            w = &w[..w.len() - suffix.len()];
            break;
        }
    }
    if w.len() > 3 && w.ends_with(b"e") {
        w = &w[..w.len() - 1];
    }
    match w.split_last() {
        Some((b'y', rest)) if rest.len() >= 2 => fnv(rest) ^ 0x9e37_79b9,
        Some((b'i', rest)) if rest.len() >= 2 => fnv(rest) ^ 0x9e37_79b9,
        _ => fnv(w),
    }
}

/// The distinct content words of `text`, as stemmed hashes appended to `out` (sorted):
/// lower-cased, apostrophes dropped, stop words left out, synonyms read as their
/// canonical word; words holding a digit are skipped so repeated identifiers are not
/// restatements. Returns how many were added.
pub fn shingles(text: &str, words: &WordSets, out: &mut Vec<u64>) -> usize {
    shingles_with(text, words, &mut Vec::new(), out)
}

/// [`shingles`] with a caller-kept word buffer (cleared first), so the analysis pass does
/// not allocate one per message.
pub fn shingles_with(text: &str, words: &WordSets, buf: &mut Vec<u8>, out: &mut Vec<u64>) -> usize {
    let start = out.len();
    buf.clear();
    let mut has_digit = false;
    let flush = |buf: &mut Vec<u8>, has_digit: &mut bool, out: &mut Vec<u64>| {
        if !buf.is_empty() && !*has_digit {
            if let Some(h) = words.content_word(buf, fnv(buf)) {
                out.push(h);
            }
        }
        buf.clear();
        *has_digit = false;
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            has_digit |= c.is_ascii_digit();
            buf.push(c.to_ascii_lowercase() as u8);
        } else if !c.is_ascii() && is_word_char(c) {
            has_digit |= c.is_numeric();
            for l in c.to_lowercase() {
                let mut enc = [0u8; 4];
                buf.extend_from_slice(l.encode_utf8(&mut enc).as_bytes());
            }
        } else if c == '\'' || c == '\u{2019}' {
            continue;
        } else {
            flush(buf, &mut has_digit, out);
        }
    }
    flush(buf, &mut has_digit, out);
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

/// Overlap coefficient of two sorted, distinct lists: shared / size of the smaller.
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
    fn restatement_by_content_word_overlap() {
        let s = Settings::default();
        let words = WordSets::from_entries([
            ("stopword", "my", &[][..]),
            ("stopword", "as", &[][..]),
            ("stopword", "i", &[][..]),
            ("stopword", "said", &[][..]),
            ("stopword", "every", &[][..]),
            ("stopword", "few", &[][..]),
            ("stopword", "is", &[][..]),
        ]);
        let mut buf = Vec::new();
        // Content words: hi, router, keep(s), disconnect(ing), minute(s): 5.
        let a = shingles(
            "Hi, my router keeps disconnecting every few minutes.",
            &words,
            &mut buf,
        );
        // router, disconnect(ed), again, minute: 4, of which router, disconnect and minute
        // are shared: 3 / min(5, 4) = 0.75 >= 0.6.
        let b = shingles(
            "As I said, the ROUTER disconnected again, minute by minute!",
            &words,
            &mut buf,
        );
        let (first, second) = buf.split_at(a);
        assert_eq!(a, 5);
        assert_eq!(b, 6, "router, the, disconnect, again, minute, by");
        assert!((overlap(first, second) - 3.0 / 5.0).abs() < 1e-12);
        assert!(restates(second, [first], &s));
        // Identifiers are dropped: "account number 12345678" → 2 content words.
        let mut ids = Vec::new();
        assert_eq!(
            shingles("My account number is 12345678", &words, &mut ids),
            2
        );
        assert_eq!(shingles("", &words, &mut ids), 0);
    }

    #[test]
    fn stems_meet_across_inflections_and_synonyms_read_as_their_tag() {
        assert_eq!(stem_hash(b"disconnecting"), stem_hash(b"disconnected"));
        assert_eq!(stem_hash(b"disconnects"), stem_hash(b"disconnect"));
        assert_eq!(stem_hash(b"replied"), stem_hash(b"reply"));
        assert_eq!(stem_hash(b"replies"), stem_hash(b"reply"));
        assert_eq!(stem_hash(b"minutes"), stem_hash(b"minute"));
        assert_eq!(stem_hash(b"charges"), stem_hash(b"charged"));
        assert_ne!(
            stem_hash(b"bus"),
            stem_hash(b"bu"),
            "short words are kept whole"
        );
        assert_ne!(
            stem_hash(b"access"),
            stem_hash(b"acce"),
            "double s is no plural"
        );
        let tags = vec!["charge".to_string()];
        let words = WordSets::from_entries([("synonym", "bill", tags.as_slice())]);
        let (mut x, mut y) = (Vec::new(), Vec::new());
        shingles("double bill", &words, &mut x);
        shingles("double charged", &words, &mut y);
        assert_eq!(x, y);
    }
}
