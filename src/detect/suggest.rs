//! `cxmine lexicon suggest`: which phrases of the gold messages mark one label, ranked for a
//! researcher who is extending a lexicon.
//!
//! Candidates are the word n-grams (1 to [`Options::max_n`] words) of each message,
//! lower-cased, within one clause (punctuation other than an in-word `'` or `-` ends an
//! n-gram; `’` reads as `'`, as in the lexicons). A message counts a phrase once. The
//! messages carrying the label form one corpus, the others the second, and each phrase
//! gets the log-odds ratio with an informative Dirichlet prior of Monroe, Colaresi and
//! Quinn (2008, "Fightin' words", eq. 16–22), whose prior is the phrase's count over all
//! the messages (see [`z_score`]). Candidates are ranked by the z-score, ties broken by
//! phrase, so the output depends only on the input.
//!
//! This module only counts and ranks; reading gold files is [`super::eval::gold_messages`],
//! and which phrases a lexicon already holds comes in as [`KnownPhrases`].

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::lexicon::{Lexicon, LexiconFile, Pattern};

/// One message of the input: its id, its text and whether it carries the label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample<'a> {
    /// Message id, shown in examples.
    pub id: &'a str,
    /// Message text.
    pub text: &'a str,
    /// Whether the message carries the label being studied.
    pub labelled: bool,
}

/// What is ranked and kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Longest n-gram, in words.
    pub max_n: usize,
    /// Fewest labelled messages a phrase must occur in.
    pub min_count: u64,
    /// Most example ids per candidate.
    pub examples: usize,
    /// Leave out phrases the lexicon already holds.
    pub new_only: bool,
    /// Most candidates returned (all when `None`).
    pub limit: Option<usize>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_n: 3,
            min_count: 2,
            examples: 3,
            new_only: false,
            limit: None,
        }
    }
}

/// A phrase that marks the label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// The n-gram, lower-cased, words separated by one space.
    pub phrase: String,
    /// The log-odds ratio over its standard deviation (> 0: more frequent with the label).
    pub z: f64,
    /// Labelled messages holding it.
    pub count_label: u64,
    /// Other messages holding it.
    pub count_rest: u64,
    /// Ids of the first labelled messages holding it, in input order.
    pub examples: Vec<String>,
    /// Where the lexicon already holds it (`sentiment.txt:105 [valence]`), if it does.
    pub in_lexicon: Option<String>,
}

/// The ranking and the sizes it was computed from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestions {
    /// The label studied (`sentiment:negative`).
    pub label: String,
    /// Messages carrying it.
    pub messages_label: u64,
    /// Messages not carrying it.
    pub messages_rest: u64,
    /// Candidates, best first.
    pub candidates: Vec<Candidate>,
}

/// Why suggestions cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum SuggestError {
    /// The label is not `detector:label`.
    #[error("label {0:?} is not detector:label (e.g. sentiment:negative)")]
    Label(String),
    /// The detector part of the label has no lexicon.
    #[error(
        "label {0:?}: no detector of that name (acknowledgement, rephrase, identifier, handoff, sentiment)"
    )]
    Detector(String),
    /// No selected message carries the label.
    #[error("no message carries the label {0:?}")]
    NoLabelledMessages(String),
}

/// The literal phrases a lexicon set holds for one detector, each with its `file:line
/// [section]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KnownPhrases(BTreeMap<String, String>);

impl KnownPhrases {
    /// The phrases of the files the label's detector reads: `sentiment` reads
    /// `sentiment.txt` and `modifiers.txt`, every other detector its own file. Regex
    /// entries are not phrases and are left out; the first line of a phrase is kept.
    pub fn for_label(lex: &Lexicon, label: &str) -> Result<KnownPhrases, SuggestError> {
        let files = detector_files(detector_of(label)?)
            .ok_or_else(|| SuggestError::Detector(label.to_string()))?;
        let mut known = BTreeMap::new();
        for e in lex.entries.iter().filter(|e| files.contains(&e.file)) {
            if let Pattern::Phrase(p) = &e.pattern {
                known
                    .entry(p.replace('’', "'"))
                    .or_insert_with(|| format!("{} [{}]", e.source(), e.section));
            }
        }
        Ok(KnownPhrases(known))
    }

    /// Where `phrase` sits in the lexicon, if it does.
    pub fn get(&self, phrase: &str) -> Option<&str> {
        self.0.get(phrase).map(String::as_str)
    }
}

fn detector_of(label: &str) -> Result<&str, SuggestError> {
    match label.split_once(':') {
        Some((d, l)) if !d.is_empty() && !l.is_empty() => Ok(d),
        _ => Err(SuggestError::Label(label.to_string())),
    }
}

fn detector_files(detector: &str) -> Option<&'static [LexiconFile]> {
    Some(match detector {
        "acknowledgement" => &[LexiconFile::Acknowledgement],
        "rephrase" => &[LexiconFile::Rephrase],
        "identifier" => &[LexiconFile::Identifiers],
        "handoff" => &[LexiconFile::Handoff],
        "sentiment" => &[LexiconFile::Sentiment, LexiconFile::Modifiers],
        _ => return None,
    })
}

/// The clauses of `text`, each a list of lower-cased words.
pub fn clauses(text: &str) -> Vec<Vec<String>> {
    let chars: Vec<char> = text.chars().collect();
    let mut out: Vec<Vec<String>> = vec![Vec::new()];
    let mut word = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let joins = matches!(c, '\'' | '’' | '-')
            && !word.is_empty()
            && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric());
        if c.is_alphanumeric() || joins {
            word.extend(if c == '’' { '\'' } else { c }.to_lowercase());
            continue;
        }
        let clause = out.last_mut().expect("never empty");
        if !word.is_empty() {
            clause.push(std::mem::take(&mut word));
        }
        if !c.is_whitespace() && !clause.is_empty() {
            out.push(Vec::new());
        }
    }
    if !word.is_empty() {
        out.last_mut().expect("never empty").push(word);
    }
    out.retain(|c| !c.is_empty());
    out
}

/// The distinct n-grams of 1 to `max_n` words of `text`, none crossing a clause.
pub fn phrases(text: &str, max_n: usize) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for clause in clauses(text) {
        for n in 1..=max_n.min(clause.len()) {
            out.extend(clause.windows(n).map(|w| w.join(" ")));
        }
    }
    out
}

/// Counts of one phrase while the samples are read.
#[derive(Debug, Default)]
struct Tally {
    label: u64,
    rest: u64,
    examples: Vec<String>,
}

/// Phrase counts of both corpora.
#[derive(Debug, Default)]
struct Counts {
    phrases: BTreeMap<String, Tally>,
    messages_label: u64,
    messages_rest: u64,
}

fn count(samples: &[Sample<'_>], opts: &Options) -> Counts {
    let mut c = Counts::default();
    for s in samples {
        if s.labelled {
            c.messages_label += 1;
        } else {
            c.messages_rest += 1;
        }
        for p in phrases(s.text, opts.max_n) {
            let t = c.phrases.entry(p).or_default();
            if s.labelled {
                t.label += 1;
                if t.examples.len() < opts.examples {
                    t.examples.push(s.id.to_string());
                }
            } else {
                t.rest += 1;
            }
        }
    }
    c
}

/// The z-score of a phrase found `y_label` times among `n_label` phrase occurrences of
/// the labelled messages and `y_rest` times among `n_rest` of the others.
///
/// The prior of each phrase is its pooled count, `α = y_label + y_rest`, out of
/// `α0 = n_label + n_rest` (the background is the gold set itself):
/// `δ = ln((y_l+α)/(n_l+α0−y_l−α)) − ln((y_r+α)/(n_r+α0−y_r−α))`,
/// `σ² = 1/(y_l+α) + 1/(y_r+α)`, `z = δ/σ`.
pub fn z_score(y_label: u64, n_label: u64, y_rest: u64, n_rest: u64) -> f64 {
    let alpha = (y_label + y_rest) as f64;
    let alpha0 = (n_label + n_rest) as f64;
    let (yl, yr) = (y_label as f64 + alpha, y_rest as f64 + alpha);
    let delta =
        (yl / (n_label as f64 + alpha0 - yl)).ln() - (yr / (n_rest as f64 + alpha0 - yr)).ln();
    delta / (1.0 / yl + 1.0 / yr).sqrt()
}

/// Ranks the phrases that mark the labelled samples: those in at least
/// [`Options::min_count`] labelled messages with a positive z-score, best first, ties
/// broken by phrase.
pub fn rank(
    label: &str,
    samples: &[Sample<'_>],
    known: &KnownPhrases,
    opts: &Options,
) -> Result<Suggestions, SuggestError> {
    let counts = count(samples, opts);
    if counts.messages_label == 0 {
        return Err(SuggestError::NoLabelledMessages(label.to_string()));
    }
    let n_label: u64 = counts.phrases.values().map(|t| t.label).sum();
    let n_rest: u64 = counts.phrases.values().map(|t| t.rest).sum();
    let mut candidates: Vec<Candidate> = counts
        .phrases
        .into_iter()
        .filter(|(_, t)| t.label >= opts.min_count.max(1))
        .map(|(phrase, t)| Candidate {
            z: z_score(t.label, n_label, t.rest, n_rest),
            in_lexicon: known.get(&phrase).map(str::to_string),
            phrase,
            count_label: t.label,
            count_rest: t.rest,
            examples: t.examples,
        })
        .filter(|c| c.z.is_finite() && c.z > 0.0)
        .filter(|c| !(opts.new_only && c.in_lexicon.is_some()))
        .collect();
    candidates.sort_by(|a, b| b.z.total_cmp(&a.z).then_with(|| a.phrase.cmp(&b.phrase)));
    if let Some(limit) = opts.limit {
        candidates.truncate(limit);
    }
    Ok(Suggestions {
        label: label.to_string(),
        messages_label: counts.messages_label,
        messages_rest: counts.messages_rest,
        candidates,
    })
}

/// Writes the suggestions as an aligned table.
pub fn render(s: &Suggestions, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    writeln!(
        out,
        "{}: {} messages with the label, {} without",
        s.label, s.messages_label, s.messages_rest
    )?;
    let width = s
        .candidates
        .iter()
        .map(|c| c.phrase.chars().count())
        .max()
        .unwrap_or(0)
        .max("phrase".len());
    writeln!(
        out,
        "{:<width$} {:>7} {:>6} {:>6}  {:<30} examples",
        "phrase", "z", "label", "rest", "in_lexicon"
    )?;
    for c in &s.candidates {
        writeln!(
            out,
            "{:<width$} {:>7.3} {:>6} {:>6}  {:<30} {}",
            c.phrase,
            c.z,
            c.count_label,
            c.count_rest,
            c.in_lexicon.as_deref().unwrap_or("-"),
            c.examples.join(" ")
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clauses_split_at_punctuation_and_keep_in_word_joiners() {
        assert_eq!(
            clauses("It DIDN’T work, still broken!! e-mail me 👍 ok"),
            [
                vec!["it", "didn't", "work"],
                vec!["still", "broken"],
                vec!["e-mail", "me"],
                vec!["ok"],
            ]
        );
        assert!(clauses(" ,, ").is_empty());
    }

    #[test]
    fn phrases_are_distinct_and_stay_in_their_clause() {
        // "a b a, b": clause 1 → a, b, a b, b a, a b a; clause 2 → b (already there).
        let p: Vec<String> = phrases("a b a, b", 3).into_iter().collect();
        assert_eq!(p, ["a", "a b", "a b a", "b", "b a"]);
    }

    #[test]
    fn z_score_by_hand() {
        // y_l = 2, n_l = 10, y_r = 0, n_r = 10: α = 2, α0 = 20.
        // δ = ln(4/(10+20−4)) − ln(2/(10+20−2)) = ln(4/26) − ln(2/28) = ln(56/26) = 0.767255
        // σ = √(1/4 + 1/2) = 0.866025; z = 0.885950.
        assert!((z_score(2, 10, 0, 10) - 0.885950).abs() < 1e-6);
        // Symmetric counts give no evidence.
        assert_eq!(z_score(3, 10, 3, 10), 0.0);
    }

    #[test]
    fn unknown_detector_and_bad_label_are_refused() {
        let lex = Lexicon::default();
        assert!(matches!(
            KnownPhrases::for_label(&lex, "mood:bad"),
            Err(SuggestError::Detector(_))
        ));
        assert!(matches!(
            KnownPhrases::for_label(&lex, "negative"),
            Err(SuggestError::Label(_))
        ));
    }
}
