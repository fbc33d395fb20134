//! Solution acknowledgement: a responder posts a solution, the originator says whether it
//! worked.
//!
//! Per message, the verdict is decided from the acknowledgement hits: an explicit failure
//! (or a success phrase under negation, or a success phrase with a sarcasm marker) wins
//! over success; success wins over plain thanks. A success phrase inside a question
//! ("did that fix it?") is no verdict. Thanks under negation ("no thanks") is not
//! gratitude. Conversation-level rules (only after the first solution post; accept events)
//! live in [`super::conversation`].

use super::lexicon::Settings;
use super::matcher::{Hit, Label, Matcher, in_question};
use super::sentiment::negated_by;

/// The originator's verdict in one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// It worked (`used`: they report using the suggested solution).
    Success {
        /// Reported using the solution.
        used: bool,
    },
    /// It did not work.
    Failure,
    /// Gratitude only.
    Thanks,
}

impl Verdict {
    /// The detection label.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Success { .. } => "success",
            Verdict::Failure => "failure",
            Verdict::Thanks => "thanks",
        }
    }
}

/// A verdict and the hit that decided it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Finding {
    /// The verdict.
    pub verdict: Verdict,
    /// Index of the deciding hit.
    pub hit: usize,
}

/// The message's verdict, if any.
pub fn verdict(m: &Matcher, text: &str, hits: &[Hit], settings: &Settings) -> Option<Finding> {
    let mut failure = None;
    let mut success = None;
    let mut thanks = None;
    let mut sarcasm = false;
    for (i, h) in hits.iter().enumerate() {
        match m.rule(h).label {
            Label::AckFailure => {
                failure.get_or_insert(i);
            }
            Label::AckSuccess { used } => {
                if negated_by(m, text, hits, i, settings).is_some() {
                    failure.get_or_insert(i);
                } else if !in_question(text, h.end as usize) {
                    success.get_or_insert((i, used));
                }
            }
            Label::AckThanks if negated_by(m, text, hits, i, settings).is_none() => {
                thanks.get_or_insert(i);
            }
            Label::AckSarcasm => sarcasm = true,
            _ => {}
        }
    }
    if let (Some((i, _)), true, None) = (success, sarcasm, failure) {
        failure = Some(i);
    }
    let found = |verdict, hit| Some(Finding { verdict, hit });
    match (failure, success, thanks) {
        (Some(i), _, _) => found(Verdict::Failure, i),
        (None, Some((i, used)), _) => found(Verdict::Success { used }, i),
        (None, None, Some(i)) => found(Verdict::Thanks, i),
        _ => None,
    }
}

/// Why a responder message is a solution candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Candidate {
    /// A `[solution]` cue (instruction, action done, answer phrase) at this hit index.
    Cue(usize),
    /// An answer: at least `answer_min_words` words, not a question, no `[deflect]` phrase.
    Answer,
}

/// Whether a responder message offers a solution, and why.
///
/// A `[solution]` cue always counts; otherwise a message long enough to be an answer
/// counts unless it deflects (asks for a DM or details, apologises, promises to look,
/// hands the customer over) or is a question.
pub fn solution_candidate(
    m: &Matcher,
    text: &str,
    hits: &[Hit],
    settings: &Settings,
) -> Option<Candidate> {
    if let Some(i) = hits
        .iter()
        .position(|h| m.rule(h).label == Label::AckSolution)
    {
        return Some(Candidate::Cue(i));
    }
    let min = settings.answer_min_words;
    let deflects = |h: &Hit| matches!(m.rule(h).label, Label::AckDeflect | Label::Handoff);
    if min == 0 || hits.iter().any(deflects) {
        return None;
    }
    (content_words(text) >= min && !is_question(text)).then_some(Candidate::Answer)
}

/// Words of a message, leaving out @handles, #tags and links.
fn content_words(text: &str) -> usize {
    text.split_whitespace()
        .filter(|w| !w.starts_with('@') && !w.starts_with('#') && !w.starts_with("http"))
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}

/// A message whose last sentence is a question.
fn is_question(text: &str) -> bool {
    let body = text.trim_end_matches(|c: char| {
        c.is_whitespace() || !(c.is_alphanumeric() || c.is_ascii_punctuation())
    });
    let body = body.trim_end_matches([')', '"', '\'']);
    body.ends_with('?')
}
