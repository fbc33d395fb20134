//! Message sentiment in [−1, 1] from the sentiment lexicon and the modifiers, and the
//! originator's sentiment trajectory over a conversation.
//!
//! Per term: valence × intensifiers/dampeners in reach × caps emphasis × negation ×
//! contrast weight (before/after the last contrast word). The sum gets an exclamation
//! boost in its own direction and is squashed: `score = s / sqrt(s² + alpha)`. Every
//! factor is recorded in a [`Term`] when a trace is asked for, so `explain` shows the
//! arithmetic. Scoring never allocates unless tracing.

use super::lexicon::Settings;
use super::matcher::{Hit, Label, Matcher, gap, in_question};
use crate::detect::signals::ShiftLabel;

/// One sentiment term and the factors applied to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// Index of the hit in the message's hits.
    pub hit: usize,
    /// Lexicon valence.
    pub valence: f64,
    /// Factors applied, with what caused each (`intensifier "really"`, `negated by "not"`).
    pub factors: Vec<(String, f64)>,
    /// Final contribution.
    pub value: f64,
}

/// The arithmetic of one message's score.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Trace {
    /// Terms in text order.
    pub terms: Vec<Term>,
    /// Sum of the term values.
    pub sum: f64,
    /// Exclamation marks counted (capped).
    pub exclamations: usize,
    /// Sum after the exclamation boost.
    pub boosted: f64,
    /// Final score.
    pub score: f64,
}

/// The nearest negator before `hits[i]` within the negation scope, if any.
pub fn negated_by(
    m: &Matcher,
    text: &str,
    hits: &[Hit],
    i: usize,
    settings: &Settings,
) -> Option<usize> {
    let target = hits[i];
    let (j, neg) = hits
        .iter()
        .enumerate()
        .filter(|(_, h)| h.end <= target.start && m.rule(h).label == Label::Negator)
        .max_by_key(|(_, h)| h.end)?;
    let g = gap(text, neg.end as usize, target.start as usize);
    let blocked = hits.iter().any(|h| {
        h.start >= neg.end
            && h.end <= target.start
            && matches!(m.rule(h).label, Label::Contrast | Label::Valence(_))
    });
    (g.words < settings.negation_scope && !g.broken && !blocked).then_some(j)
}

fn is_shouted(word: &str) -> bool {
    let mut letters = 0;
    for c in word.chars() {
        if c.is_lowercase() {
            return false;
        }
        if c.is_uppercase() {
            letters += 1;
        }
    }
    letters >= 2
}

fn quote(text: &str, h: &Hit) -> String {
    format!("{:?}", &text[h.start as usize..h.end as usize])
}

/// Scores one message; fills `trace` when given.
pub fn score(
    m: &Matcher,
    text: &str,
    hits: &[Hit],
    settings: &Settings,
    mut trace: Option<&mut Trace>,
) -> f64 {
    let last_contrast = hits
        .iter()
        .rev()
        .find(|h| m.rule(h).label == Label::Contrast)
        .map(|h| h.start);
    let tracing = trace.is_some();
    let sarcastic = hits.iter().any(|h| m.rule(h).label == Label::AckSarcasm);
    let mut sum = 0.0;
    // Negators (by hit index, below 64) found negating a sentiment term, for the bare
    // negations below.
    let mut negating = 0u64;
    for (i, h) in hits.iter().enumerate() {
        let Label::Valence(valence) = m.rule(h).label else {
            continue;
        };
        let mut factors: Vec<(String, f64)> = Vec::new();
        let mut note = |why: &dyn Fn() -> String, f: f64, value: &mut f64| {
            *value *= f;
            if tracing {
                factors.push((why(), f));
            }
        };
        let mut value = valence;
        for k in modifiers_in_reach(m, text, hits, i, settings) {
            if let Label::Intensifier(f) | Label::Dampener(f) = m.rule(&hits[k]).label {
                note(
                    &|| format!("modifier {}", quote(text, &hits[k])),
                    f,
                    &mut value,
                );
            }
        }
        if is_shouted(&text[h.start as usize..h.end as usize]) {
            note(&|| "capitals".to_string(), settings.caps_factor, &mut value);
        }
        let term_text = &text[h.start as usize..h.end as usize];
        let wordy = term_text.chars().next().is_some_and(char::is_alphanumeric);
        let negator = negated_by(m, text, hits, i, settings);
        if let Some(n) = negator.filter(|&n| n < 64) {
            negating |= 1 << n;
        }
        if let Some(n) = negator.filter(|_| wordy) {
            let why = || format!("negated by {}", quote(text, &hits[n]));
            note(&why, settings.negation_factor, &mut value);
        }
        if value > 0.0 && in_question(text, h.end as usize) {
            let why = || "positive term in a question".to_string();
            note(&why, settings.question_factor, &mut value);
        }
        if sarcastic && value > 0.0 {
            note(
                &|| "sarcasm marker in the message".to_string(),
                -1.0,
                &mut value,
            );
        }
        if let Some(c) = last_contrast {
            if h.start < c {
                let why = || "before contrast".to_string();
                note(&why, settings.contrast_before, &mut value);
            } else {
                let why = || "after contrast".to_string();
                note(&why, settings.contrast_after, &mut value);
            }
        }
        sum += value;
        if let Some(t) = trace.as_deref_mut() {
            t.terms.push(Term {
                hit: i,
                valence,
                factors,
                value,
            });
        }
    }
    if settings.bare_negation != 0.0 {
        let negators = Negators {
            m,
            text,
            hits,
            settings,
            negating,
        };
        sum += negators.bare(trace.as_deref_mut());
    }
    let bangs = text.bytes().filter(|&b| b == b'!').count();
    let bangs = bangs.min(settings.exclamation_max);
    let boosted = if sum == 0.0 {
        0.0
    } else {
        sum + sum.signum() * settings.exclamation_boost * bangs as f64
    };
    let score = boosted / (boosted * boosted + settings.alpha).sqrt();
    if let Some(t) = trace {
        t.sum = sum;
        t.exclamations = bangs;
        t.boosted = boosted;
        t.score = score;
    }
    score
}

/// The negators of one message, with those already seen negating a sentiment term.
struct Negators<'a> {
    m: &'a Matcher,
    text: &'a str,
    hits: &'a [Hit],
    settings: &'a Settings,
    /// Bit `j` set: `hits[j]` negates a sentiment term (hits below 64 only).
    negating: u64,
}

impl Negators<'_> {
    /// The contribution of negators that negate nothing: `bare_negation` each, one per
    /// clause at most ("no signal, not even 3G" counts twice only across a comma).
    fn bare(&self, mut trace: Option<&mut Trace>) -> f64 {
        let (text, hits, settings) = (self.text, self.hits, self.settings);
        let mut sum = 0.0;
        let mut last_counted: Option<&Hit> = None;
        for (j, h) in hits.iter().enumerate() {
            if self.m.rule(h).label != Label::Negator
                || is_answer_word(text, h)
                || spoken_for(hits, j)
                || self.negates_something(j)
            {
                continue;
            }
            let same_clause = last_counted
                .is_some_and(|prev| !gap(text, prev.end as usize, h.start as usize).broken);
            if same_clause {
                continue;
            }
            last_counted = Some(h);
            sum += settings.bare_negation;
            if let Some(t) = trace.as_deref_mut() {
                t.terms.push(Term {
                    hit: j,
                    valence: settings.bare_negation,
                    factors: vec![("negator with no sentiment term to negate".to_string(), 1.0)],
                    value: settings.bare_negation,
                });
            }
        }
        sum
    }

    /// Whether `hits[j]` negates a later sentiment term, success statement or thanks ("no
    /// thanks"); sentiment terms are read from the scoring pass when it could record them.
    fn negates_something(&self, j: usize) -> bool {
        if j < 64 && self.negating >> j & 1 == 1 {
            return true;
        }
        self.hits.iter().enumerate().skip(j + 1).any(|(i, h)| {
            let label = self.m.rule(h).label;
            let asked = matches!(label, Label::AckSuccess { .. } | Label::AckThanks)
                || (j >= 64 && matches!(label, Label::Valence(_)));
            asked && negated_by(self.m, self.text, self.hits, i, self.settings) == Some(j)
        })
    }
}

/// Whether another hit spans the negator `hits[j]` (`no thanks`, `not working`, `can't` as
/// a sentiment term of its own): that phrase speaks for it.
fn spoken_for(hits: &[Hit], j: usize) -> bool {
    let h = hits[j];
    hits.iter()
        .enumerate()
        .any(|(k, o)| k != j && o.start <= h.start && o.end >= h.end)
}

/// A "No," that answers a question: the first word of the message (after any @handles),
/// followed by punctuation.
fn is_answer_word(text: &str, h: &Hit) -> bool {
    let before_is_handles = text[..h.start as usize]
        .split_whitespace()
        .all(|w| w.starts_with('@'));
    let after = text[h.end as usize..].chars().next();
    before_is_handles && after.is_none_or(|c| matches!(c, ',' | '.' | '!' | ';' | ':'))
}

/// Intensifiers and dampeners that reach `hits[i]`: in the same clause, within the
/// modifier scope, with no other sentiment term in between.
fn modifiers_in_reach<'h>(
    m: &'h Matcher,
    text: &'h str,
    hits: &'h [Hit],
    i: usize,
    settings: &'h Settings,
) -> impl Iterator<Item = usize> + 'h {
    let target = hits[i];
    let prev_term_end = hits[..i]
        .iter()
        .rev()
        .find(|h| matches!(m.rule(h).label, Label::Valence(_)))
        .map_or(0, |h| h.end);
    hits.iter().enumerate().filter_map(move |(k, h)| {
        let is_mod = matches!(m.rule(h).label, Label::Intensifier(_) | Label::Dampener(_));
        if !is_mod || h.end > target.start || h.start < prev_term_end {
            return None;
        }
        let g = gap(text, h.end as usize, target.start as usize);
        (g.words < settings.modifier_scope && !g.broken).then_some(k)
    })
}

/// Sentiment class of a score: −1, 0 or 1.
pub fn class(score: f64, settings: &Settings) -> i8 {
    if score > settings.neutral_band {
        1
    } else if score < -settings.neutral_band {
        -1
    } else {
        0
    }
}

/// Classifies the move from `before` to `after`.
pub fn shift_label(before: f64, after: f64, settings: &Settings) -> ShiftLabel {
    let (b, a) = (class(before, settings), class(after, settings));
    let delta = after - before;
    if b < 0 && a > 0 {
        ShiftLabel::Recovered
    } else if b >= 0 && a < 0 {
        ShiftLabel::Soured
    } else if delta > settings.neutral_band {
        ShiftLabel::Improved
    } else if delta < -settings.neutral_band {
        ShiftLabel::Worsened
    } else {
        ShiftLabel::Steady
    }
}

/// Three or more consecutive customer scores, strictly falling, ending negative.
pub fn escalating(scores: impl IntoIterator<Item = f64>, settings: &Settings) -> bool {
    let mut run = 0;
    let mut previous = f64::NAN;
    for score in scores {
        run = if score < previous { run + 1 } else { 1 };
        previous = score;
        if run >= 3 && class(score, settings) < 0 {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shift_classes() {
        let s = Settings::default();
        // band 0.1: −0.5 → 0.4 crosses from negative to positive.
        assert_eq!(shift_label(-0.5, 0.4, &s), ShiftLabel::Recovered);
        assert_eq!(shift_label(0.0, -0.3, &s), ShiftLabel::Soured);
        assert_eq!(shift_label(-0.6, -0.2, &s), ShiftLabel::Improved);
        assert_eq!(shift_label(0.5, 0.2, &s), ShiftLabel::Worsened);
        assert_eq!(shift_label(0.3, 0.35, &s), ShiftLabel::Steady);
    }

    #[test]
    fn escalation_needs_three_falling_ending_negative() {
        let s = Settings::default();
        assert!(escalating([0.2, -0.1, -0.5], &s));
        assert!(!escalating([0.5, 0.3, 0.2], &s)); // falling but positive
        assert!(!escalating([-0.1, -0.5], &s)); // only two
        assert!(!escalating([0.2, -0.3, -0.3, -0.6], &s)); // the equal pair breaks the run
        assert!(escalating([0.9, 0.0, -0.2, -0.6], &s));
    }
}
