//! Text detectors: what the customer experienced, mined from the messages.
//!
//! [`Detectors`] holds the compiled lexicons (one Aho–Corasick automaton and one regex set
//! for all files, see [`matcher`]) and is shared by all worker threads. Per conversation
//! it produces [`Signals`] (hot path, no detection list) or the full list of
//! [`Detection`]s (explain, evaluation, search highlighting); both come from the same
//! pass in [`conversation`]. Metrics and the index read the signals from
//! [`crate::metrics::ConversationFacts::signals`].
//!
//! ```
//! use cxmine::detect::Detectors;
//! let det = Detectors::builtin();
//! assert!(det.message_sentiment("This is awful, I'm furious") < 0.0);
//! assert_eq!(det.identifier_spans("my email is ann@example.com").len(), 1);
//! ```

pub mod acknowledgement;
pub mod check;
pub mod compare;
pub mod conversation;
pub mod eval;
pub mod explain;
pub mod handoff;
pub mod identifiers;
pub mod lexicon;
pub mod matcher;
pub mod regexes;
pub mod rephrase;
pub mod sentiment;
pub mod signals;
pub mod suggest;

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

pub use lexicon::LexiconError;
pub use signals::{Acknowledgement, Detection, ShiftLabel, Signals};

use lexicon::{Settings, Sources};
use matcher::{Hit, Matcher};

/// Compiled lexicons and settings: everything the detectors need. `Send + Sync`.
#[derive(Debug)]
pub struct Detectors {
    /// The matching engine.
    pub matcher: Matcher,
    /// Tunable numbers from the lexicon files.
    pub settings: Settings,
    /// `file:line` of every `@set`, by setting name.
    pub setting_sources: HashMap<String, String>,
    /// Stop words and synonyms of the restatement comparison.
    pub restatement_words: rephrase::WordSets,
}

/// Reusable buffers of one analysis (one per thread).
#[derive(Debug, Default)]
pub struct Scratch {
    hits: Vec<Hit>,
    ids: Vec<u64>,
    /// Per value in `ids`: its last-four-digits hash and whether its kind is partial.
    id_tails: Vec<(Option<u64>, bool)>,
    shingles: Vec<u64>,
    /// The word being read by the restatement comparison.
    word: Vec<u8>,
    shingle_ranges: Vec<(usize, usize)>,
    scores: Vec<(u32, f64)>,
}

impl Scratch {
    fn clear(&mut self) {
        self.hits.clear();
        self.ids.clear();
        self.id_tails.clear();
        self.shingles.clear();
        self.shingle_ranges.clear();
        self.scores.clear();
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// The `[stopword]` and `[synonym]` lists of `rephrase.txt`.
fn restatement_words(lex: &lexicon::Lexicon) -> rephrase::WordSets {
    rephrase::WordSets::from_entries(
        lex.entries
            .iter()
            .filter(|e| matcher::is_word_list(e))
            .filter_map(|e| match &e.pattern {
                lexicon::Pattern::Phrase(p) => {
                    Some((e.section.as_str(), p.as_str(), e.tags.as_slice()))
                }
                lexicon::Pattern::Regex(_) => None,
            }),
    )
}

impl Detectors {
    /// Loads and compiles the lexicon set in `dir`; any checker error refuses the set.
    pub fn load(dir: &Path) -> Result<Detectors, LexiconError> {
        Detectors::from_sources(&lexicon::read_dir(dir)?)
    }

    /// The shipped lexicons (compiled into the binary).
    pub fn builtin() -> Detectors {
        Detectors::from_sources(&lexicon::builtin_sources())
            .expect("the shipped lexicons are valid (tested)")
    }

    /// Compiles lexicon texts.
    pub fn from_sources(sources: &Sources) -> Result<Detectors, LexiconError> {
        let lex = lexicon::parse_checked(sources)?;
        let restatement_words = restatement_words(&lex);
        Ok(Detectors {
            matcher: Matcher::compile(&lex)?,
            settings: lex.settings,
            setting_sources: lex.setting_sources,
            restatement_words,
        })
    }

    /// `file:line` of the `@set` line of setting `name`, or `file` when it is not set
    /// (the default applies): the source `explain` shows for rules made of settings.
    pub fn setting_source(&self, name: &str, file: &str) -> String {
        self.setting_sources
            .get(name)
            .cloned()
            .unwrap_or_else(|| file.to_owned())
    }

    /// Per-conversation signals (the hot path).
    pub fn signals(&self, conv: &crate::model::Conversation<'_>) -> Signals {
        SCRATCH.with(|s| match s.try_borrow_mut() {
            Ok(mut scratch) => conversation::analyze(self, conv, &mut scratch, None),
            Err(_) => conversation::analyze(self, conv, &mut Scratch::default(), None),
        })
    }

    /// Every detection in `conv`, in event order.
    pub fn detections(&self, conv: &crate::model::Conversation<'_>) -> Vec<Detection> {
        let mut out = Vec::new();
        conversation::analyze(self, conv, &mut Scratch::default(), Some(&mut out));
        out
    }

    /// Both at once (explain and evaluation).
    pub fn analyze(&self, conv: &crate::model::Conversation<'_>) -> (Signals, Vec<Detection>) {
        let mut out = Vec::new();
        let s = conversation::analyze(self, conv, &mut Scratch::default(), Some(&mut out));
        (s, out)
    }

    /// Byte ranges of identifier values in `text` (for masking), in order.
    pub fn identifier_spans(&self, text: &str) -> Vec<Range<usize>> {
        let mut hits = Vec::new();
        self.matcher.scan_identifiers(text, &mut hits);
        hits.iter()
            .map(|h| h.start as usize..h.end as usize)
            .collect()
    }

    /// `text` with every identifier value replaced by its kind and a short hash.
    pub fn mask_identifiers(&self, text: &str) -> String {
        self.mask_range(text, 0, text.len())
    }

    /// `text[start..end]` with identifier values masked; identifiers are found in the
    /// whole `text` (their context may lie outside the range), and one that overlaps the
    /// range is masked whole.
    pub fn mask_range(&self, text: &str, start: usize, end: usize) -> String {
        let mut hits = Vec::new();
        self.matcher.scan_identifiers(text, &mut hits);
        let mut out = String::with_capacity(end.saturating_sub(start) + 16);
        let mut at = start;
        for h in &hits {
            let (hs, he) = (h.start as usize, h.end as usize);
            if he <= at || hs >= end {
                continue;
            }
            out.push_str(&text[at..hs.max(at)]);
            out.push('<');
            out.push_str(&identifiers::mask(&self.matcher, text, h));
            out.push('>');
            at = he;
        }
        if at < end {
            out.push_str(&text[at..end]);
        }
        out
    }

    /// Sentiment of one message in [−1, 1].
    pub fn message_sentiment(&self, text: &str) -> f64 {
        let mut hits = Vec::new();
        self.matcher.scan(text, &mut hits);
        sentiment::score(&self.matcher, text, &hits, &self.settings, None)
    }

    /// Sentiment of one message with its arithmetic, and the hits the trace points into.
    pub fn sentiment_trace(&self, text: &str) -> (Vec<Hit>, sentiment::Trace) {
        let mut hits = Vec::new();
        self.matcher.scan(text, &mut hits);
        let mut trace = sentiment::Trace::default();
        sentiment::score(&self.matcher, text, &hits, &self.settings, Some(&mut trace));
        (hits, trace)
    }

    /// Message-level labels (`detector:label`) of `text` written by `role`, without
    /// conversation context: what the gold message set is scored against.
    pub fn message_labels(&self, role: crate::model::Role, text: &str) -> Vec<String> {
        let mut hits = Vec::new();
        self.matcher.scan(text, &mut hits);
        let f = conversation::message_findings(self, role, text, &hits);
        let mut labels = Vec::new();
        if let Some(a) = f.ack {
            labels.push(format!("acknowledgement:{}", a.verdict.label()));
        }
        if f.solution.is_some() {
            labels.push("acknowledgement:solution".into());
        }
        if let Some((_, side)) = f.rephrase {
            labels.push(format!("rephrase:{}", side.label()));
        }
        if f.handoff.is_some() {
            labels.push("handoff:phrase".into());
        }
        if let Some((_, true)) = f.verify {
            labels.push("identifier:reverify".into());
        }
        for h in hits
            .iter()
            .filter(|h| identifiers::is_identifier(&self.matcher, h))
        {
            labels.push(format!("identifier:{}", self.matcher.rule(h).section));
        }
        match sentiment::class(f.score, &self.settings) {
            1 => labels.push("sentiment:positive".into()),
            -1 => labels.push("sentiment:negative".into()),
            _ => {}
        }
        labels.sort();
        labels.dedup();
        labels
    }
}
