//! Lexicon files: the plain-text format researchers edit, its parser and its checker.
//!
//! A lexicon set is a directory with one file per detector (see [`LexiconFile`]); the
//! format is documented in `lexicons/README.md`. Parsing keeps the file and line of every
//! entry so each detection can name the line behind it. Invariant of a parsed
//! [`Lexicon`]: phrases are lower-cased with single spaces, every entry sits in a section
//! its file allows, and every setting has a known name and a value in range.
//! [`check`] adds the cross-entry checks (duplicates, conflicts, shadowing, regexes).

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// The lexicon files of a set, one per detector plus sentiment and modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LexiconFile {
    /// Solution posts and the originator's verdict on them.
    Acknowledgement,
    /// Requests to rephrase or clarify; restatement settings.
    Rephrase,
    /// Identifier patterns and agent requests to (re-)verify.
    Identifiers,
    /// Hand-off phrases.
    Handoff,
    /// Sentiment valences of words, phrases, emoji and emoticons.
    Sentiment,
    /// Negators, intensifiers, dampeners and contrast words.
    Modifiers,
}

impl LexiconFile {
    /// Every file, in loading order (also the order of match groups).
    pub const ALL: [LexiconFile; 6] = [
        LexiconFile::Acknowledgement,
        LexiconFile::Rephrase,
        LexiconFile::Identifiers,
        LexiconFile::Handoff,
        LexiconFile::Sentiment,
        LexiconFile::Modifiers,
    ];

    /// The file name inside a lexicon directory.
    pub fn file_name(self) -> &'static str {
        match self {
            LexiconFile::Acknowledgement => "acknowledgement.txt",
            LexiconFile::Rephrase => "rephrase.txt",
            LexiconFile::Identifiers => "identifiers.txt",
            LexiconFile::Handoff => "handoff.txt",
            LexiconFile::Sentiment => "sentiment.txt",
            LexiconFile::Modifiers => "modifiers.txt",
        }
    }

    /// The short name used in rule ids (`ack.success.12`).
    pub fn stem(self) -> &'static str {
        match self {
            LexiconFile::Acknowledgement => "ack",
            LexiconFile::Rephrase => "rephrase",
            LexiconFile::Identifiers => "id",
            LexiconFile::Handoff => "handoff",
            LexiconFile::Sentiment => "sentiment",
            LexiconFile::Modifiers => "mod",
        }
    }

    /// Position in [`LexiconFile::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Whether `section` may appear in this file. Identifier kinds are open-ended.
    pub fn allows_section(self, section: &str) -> bool {
        let fixed: &[&str] = match self {
            LexiconFile::Acknowledgement => &[
                "success", "failure", "thanks", "solution", "deflect", "sarcasm", "ignore",
            ],
            LexiconFile::Rephrase => &["customer", "agent", "any", "ignore", "stopword", "synonym"],
            LexiconFile::Identifiers => {
                return section == "pointer" || is_identifier_section_name(section);
            }
            LexiconFile::Handoff => &["transfer", "ignore"],
            LexiconFile::Sentiment => &["valence", "ignore"],
            LexiconFile::Modifiers => &["negator", "intensifier", "dampener", "contrast"],
        };
        fixed.contains(&section)
    }

    /// Whether entries of `section` need a weight.
    pub fn needs_weight(self, section: &str) -> bool {
        matches!(
            (self, section),
            (LexiconFile::Sentiment, "valence")
                | (LexiconFile::Modifiers, "intensifier")
                | (LexiconFile::Modifiers, "dampener")
        )
    }
}

fn is_identifier_section_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// How an identifier value is normalised before comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Norm {
    /// Keep ASCII digits only (account numbers, phones, card digits).
    #[default]
    Digits,
    /// Lower-case everything (e-mail addresses).
    Lower,
    /// ASCII letters and digits, lower-cased (order ids, postcodes).
    Alnum,
}

/// What an entry matches.
#[derive(Debug, Clone, PartialEq)]
pub enum Pattern {
    /// A literal phrase (lower-cased, single-spaced), matched as whole words.
    Phrase(String),
    /// A regular expression (case-insensitive unless it says otherwise).
    Regex(String),
}

/// One line of a lexicon file.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The file it comes from.
    pub file: LexiconFile,
    /// 1-based line number.
    pub line: u32,
    /// The section (label) it belongs to.
    pub section: String,
    /// What it matches.
    pub pattern: Pattern,
    /// Valence or multiplier, when given.
    pub weight: Option<f64>,
    /// Free tags (`used` marks a success phrase that reports using the solution).
    pub tags: Vec<String>,
    /// Identifier normalisation.
    pub norm: Norm,
    /// Rule id: given with `id=` or `<stem>.<section>.<line>`.
    pub id: String,
    /// Language of the phrase (`lang=es`), when it is not English.
    pub lang: Option<String>,
}

impl Entry {
    /// `file:line`, as shown in detections.
    pub fn source(&self) -> String {
        format!("{}:{}", self.file.file_name(), self.line)
    }
}

/// Tunable numbers set with `@set NAME VALUE` lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Responder messages of at least this many words that are not questions and hold no
    /// `[deflect]` phrase are solution candidates (answers); 0 turns this off.
    pub answer_min_words: usize,
    /// Overlap of word-pair shingles above which a customer message restates an earlier one.
    pub restatement_threshold: f64,
    /// Fewest shingles a message needs to be compared at all.
    pub restatement_min_shingles: usize,
    /// Scores within ±band are neutral.
    pub neutral_band: f64,
    /// Normalisation constant: score = s / sqrt(s² + alpha).
    pub alpha: f64,
    /// Multiplier for a positive term in a sentence ending with `?`.
    pub question_factor: f64,
    /// Multiplier for a sentiment term written in capitals.
    pub caps_factor: f64,
    /// Added to |sum| per exclamation mark.
    pub exclamation_boost: f64,
    /// Exclamation marks counted at most.
    pub exclamation_max: usize,
    /// A negator reaches a term at most this many words later.
    pub negation_scope: usize,
    /// Multiplier for a negated sentiment term.
    pub negation_factor: f64,
    /// Valence of a negator that negates no sentiment term ("it is not loading", "no
    /// signal"): a problem stated; 0 turns this off.
    pub bare_negation: f64,
    /// An intensifier or dampener reaches a term at most this many words later.
    pub modifier_scope: usize,
    /// Multiplier for terms before the last contrast word.
    pub contrast_before: f64,
    /// Multiplier for terms after the last contrast word.
    pub contrast_after: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            answer_min_words: 0,
            restatement_threshold: 0.6,
            restatement_min_shingles: 4,
            neutral_band: 0.1,
            alpha: 4.0,
            caps_factor: 1.4,
            question_factor: 0.3,
            exclamation_boost: 0.25,
            exclamation_max: 3,
            negation_scope: 3,
            negation_factor: -0.6,
            bare_negation: 0.0,
            modifier_scope: 2,
            contrast_before: 0.5,
            contrast_after: 1.5,
        }
    }
}

impl Settings {
    /// Applies one `@set` line; `Err` says what is wrong.
    fn set(&mut self, file: LexiconFile, name: &str, value: &str) -> Result<(), String> {
        let num: f64 = value
            .parse()
            .map_err(|_| format!("setting {name}: {value:?} is not a number"))?;
        let whole = || -> Result<usize, String> {
            if num >= 0.0 && num.fract() == 0.0 {
                Ok(num as usize)
            } else {
                Err(format!("setting {name}: {value} is not a whole number"))
            }
        };
        let in_range = |lo: f64, hi: f64| -> Result<f64, String> {
            if (lo..=hi).contains(&num) {
                Ok(num)
            } else {
                Err(format!("setting {name}: {value} is outside [{lo}, {hi}]"))
            }
        };
        match (file, name) {
            (LexiconFile::Acknowledgement, "answer_min_words") => self.answer_min_words = whole()?,
            (LexiconFile::Rephrase, "restatement_threshold") => {
                self.restatement_threshold = in_range(0.0, 1.0)?
            }
            (LexiconFile::Rephrase, "restatement_min_shingles") => {
                self.restatement_min_shingles = whole()?.max(1)
            }
            (LexiconFile::Sentiment, "neutral_band") => self.neutral_band = in_range(0.0, 1.0)?,
            (LexiconFile::Sentiment, "alpha") => self.alpha = in_range(0.01, 1000.0)?,
            (LexiconFile::Sentiment, "caps_factor") => self.caps_factor = in_range(0.0, 10.0)?,
            (LexiconFile::Sentiment, "question_factor") => {
                self.question_factor = in_range(0.0, 10.0)?
            }
            (LexiconFile::Sentiment, "exclamation_boost") => {
                self.exclamation_boost = in_range(0.0, 10.0)?
            }
            (LexiconFile::Sentiment, "exclamation_max") => self.exclamation_max = whole()?,
            (LexiconFile::Modifiers, "negation_scope") => self.negation_scope = whole()?,
            (LexiconFile::Modifiers, "negation_factor") => {
                self.negation_factor = in_range(-10.0, 10.0)?
            }
            (LexiconFile::Modifiers, "bare_negation") => self.bare_negation = in_range(-3.0, 3.0)?,
            (LexiconFile::Modifiers, "modifier_scope") => self.modifier_scope = whole()?,
            (LexiconFile::Modifiers, "contrast_before") => {
                self.contrast_before = in_range(0.0, 10.0)?
            }
            (LexiconFile::Modifiers, "contrast_after") => {
                self.contrast_after = in_range(0.0, 10.0)?
            }
            _ => {
                return Err(format!("unknown setting {name:?} in {}", file.file_name()));
            }
        }
        Ok(())
    }
}

/// A parsed lexicon set.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    /// Every entry, file by file in [`LexiconFile::ALL`] order, then by line.
    pub entries: Vec<Entry>,
    /// The settings of all files.
    pub settings: Settings,
    /// Line of each `@set`, for explain (`name` → `file:line`).
    pub setting_sources: HashMap<String, String>,
}

/// How serious a finding of the checker is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Worth a look; the set still loads.
    Warning,
    /// The set cannot be used.
    Error,
}

/// One finding about a lexicon line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Issue {
    /// The file name.
    pub file: String,
    /// 1-based line (0 when the problem is the file itself).
    pub line: u32,
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(f, "{}:{}: {sev}: {}", self.file, self.line, self.message)
    }
}

/// Why a lexicon set could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LexiconError {
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The set has errors; every one is listed with file:line.
    #[error("invalid lexicon set:\n{}", list_issues(.0))]
    Invalid(Vec<Issue>),
    /// The automaton or regex set could not be built.
    #[error("cannot compile lexicons: {0}")]
    Build(String),
}

fn list_issues(issues: &[Issue]) -> String {
    issues
        .iter()
        .map(|i| format!("  {i}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The texts of a lexicon set, one per file (missing files are `None`).
pub type Sources = [(LexiconFile, Option<String>); 6];

/// Reads the six files of `dir`; a missing file is `None` (the checker reports it).
pub fn read_dir(dir: &Path) -> Result<Sources, LexiconError> {
    let read = |f: LexiconFile| -> Result<(LexiconFile, Option<String>), LexiconError> {
        let path = dir.join(f.file_name());
        match std::fs::read_to_string(&path) {
            Ok(s) => Ok((f, Some(s))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((f, None)),
            Err(source) => Err(LexiconError::Io { path, source }),
        }
    };
    Ok([
        read(LexiconFile::Acknowledgement)?,
        read(LexiconFile::Rephrase)?,
        read(LexiconFile::Identifiers)?,
        read(LexiconFile::Handoff)?,
        read(LexiconFile::Sentiment)?,
        read(LexiconFile::Modifiers)?,
    ])
}

/// The shipped lexicon set, compiled into the binary.
pub fn builtin_sources() -> Sources {
    [
        (
            LexiconFile::Acknowledgement,
            Some(include_str!("../../lexicons/acknowledgement.txt").to_string()),
        ),
        (
            LexiconFile::Rephrase,
            Some(include_str!("../../lexicons/rephrase.txt").to_string()),
        ),
        (
            LexiconFile::Identifiers,
            Some(include_str!("../../lexicons/identifiers.txt").to_string()),
        ),
        (
            LexiconFile::Handoff,
            Some(include_str!("../../lexicons/handoff.txt").to_string()),
        ),
        (
            LexiconFile::Sentiment,
            Some(include_str!("../../lexicons/sentiment.txt").to_string()),
        ),
        (
            LexiconFile::Modifiers,
            Some(include_str!("../../lexicons/modifiers.txt").to_string()),
        ),
    ]
}

/// Lower-cases a phrase and collapses runs of whitespace to one space.
pub fn normalise_phrase(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}

/// Parses every file; syntax problems become [`Issue`]s (the lexicon keeps the good lines).
pub fn parse(sources: &Sources) -> (Lexicon, Vec<Issue>) {
    let mut lex = Lexicon::default();
    let mut issues = Vec::new();
    for (file, text) in sources {
        match text {
            Some(text) => parse_file(*file, text, &mut lex, &mut issues),
            None => issues.push(Issue {
                file: file.file_name().to_string(),
                line: 0,
                severity: Severity::Error,
                message: "file is missing from the lexicon directory".into(),
            }),
        }
    }
    (lex, issues)
}

fn parse_file(file: LexiconFile, text: &str, lex: &mut Lexicon, issues: &mut Vec<Issue>) {
    let mut section: Option<String> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = (i + 1) as u32;
        let mut err = |message: String| {
            issues.push(Issue {
                file: file.file_name().to_string(),
                line,
                severity: Severity::Error,
                message,
            })
        };
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix("@set") {
            let mut parts = rest.split_whitespace();
            match (parts.next(), parts.next(), parts.next()) {
                (Some(name), Some(value), None) => match lex.settings.set(file, name, value) {
                    Ok(()) => {
                        lex.setting_sources
                            .insert(name.to_string(), format!("{}:{line}", file.file_name()));
                    }
                    Err(m) => err(m),
                },
                _ => err("expected `@set NAME VALUE`".into()),
            }
            continue;
        }
        if trimmed.starts_with('[') && trimmed.ends_with(']') {
            let name = trimmed[1..trimmed.len() - 1].trim();
            if file.allows_section(name) {
                section = Some(name.to_string());
            } else {
                err(format!("unknown section [{name}] in {}", file.file_name()));
                section = None;
            }
            continue;
        }
        let Some(sec) = section.clone() else {
            err("entry before any valid [section]".into());
            continue;
        };
        match parse_entry(file, line, &sec, trimmed) {
            Ok(entry) => lex.entries.push(entry),
            Err(m) => err(m),
        }
    }
}

fn parse_entry(file: LexiconFile, line: u32, section: &str, text: &str) -> Result<Entry, String> {
    let (body, attrs) = match text.rfind(" => ") {
        Some(at) => (text[..at].trim(), text[at + 4..].trim()),
        None => (text, ""),
    };
    let pattern = match body.strip_prefix("re:") {
        Some(re) if re.trim().is_empty() => return Err("empty regex".into()),
        Some(re) => Pattern::Regex(re.trim().to_string()),
        None => {
            let p = normalise_phrase(body);
            if p.is_empty() {
                return Err("empty phrase".into());
            }
            Pattern::Phrase(p)
        }
    };
    let mut entry = Entry {
        file,
        line,
        section: section.to_string(),
        pattern,
        weight: None,
        tags: Vec::new(),
        norm: Norm::default(),
        id: format!("{}.{section}.{line}", file.stem()),
        lang: None,
    };
    for attr in attrs.split_whitespace() {
        apply_attr(&mut entry, attr)?;
    }
    if file.needs_weight(section) && entry.weight.is_none() {
        return Err(format!(
            "entries of [{section}] need a weight, e.g. `{body} => 1.5`"
        ));
    }
    let is_id_kind = file == LexiconFile::Identifiers
        && !matches!(section, "request" | "reverify" | "pointer" | "ignore");
    if is_id_kind && matches!(entry.pattern, Pattern::Phrase(_)) {
        return Err(format!(
            "identifier kind [{section}] takes `re:` patterns only"
        ));
    }
    Ok(entry)
}

fn apply_attr(entry: &mut Entry, attr: &str) -> Result<(), String> {
    // Weights past this make sums of valences overflow to infinity (scores turn null).
    const MAX_WEIGHT: f64 = 100.0;
    let bounded = |w: f64, text: &str| match w.abs() <= MAX_WEIGHT {
        true => Ok(w),
        false if !w.is_finite() => Err(format!("weight {text} is not finite")),
        false => Err(format!("weight {text} is outside ±{MAX_WEIGHT}")),
    };
    if let Ok(w) = attr.parse::<f64>() {
        entry.weight = Some(bounded(w, attr)?);
        return Ok(());
    }
    let Some((key, value)) = attr.split_once('=') else {
        return Err(format!(
            "attribute {attr:?} is neither a number nor key=value"
        ));
    };
    match key {
        "weight" => {
            let w: f64 = value
                .parse()
                .map_err(|_| format!("weight {value:?} is not a number"))?;
            entry.weight = Some(bounded(w, value)?);
        }
        "tag" => entry.tags.push(value.to_string()),
        "lang" if value.len() == 2 && value.bytes().all(|b| b.is_ascii_lowercase()) => {
            entry.lang = Some(value.to_string())
        }
        "lang" => return Err(format!("lang={value} is not a two-letter ISO 639-1 code")),
        "id" if !value.is_empty() => entry.id = value.to_string(),
        "norm" => {
            entry.norm = match value {
                "digits" => Norm::Digits,
                "lower" => Norm::Lower,
                "alnum" => Norm::Alnum,
                _ => return Err(format!("norm={value} is not digits, lower or alnum")),
            }
        }
        _ => return Err(format!("unknown attribute {key:?}")),
    }
    Ok(())
}

/// Checks a parsed set: syntax issues plus invalid regexes, duplicate and conflicting
/// entries, duplicate rule ids and phrases shadowed by longer ones. Sorted by file, line.
pub fn check(sources: &Sources) -> Vec<Issue> {
    let (lex, mut issues) = parse(sources);
    check_regexes(&lex, &mut issues);
    check_duplicates(&lex, &mut issues);
    check_shadowing(&lex, &mut issues);
    issues.sort();
    issues
}

/// Parses a set the way `--lexicons` uses it: any checker error refuses the whole set.
pub fn parse_checked(sources: &Sources) -> Result<Lexicon, LexiconError> {
    let errors: Vec<Issue> = check(sources)
        .into_iter()
        .filter(|i| i.severity == Severity::Error)
        .collect();
    if !errors.is_empty() {
        return Err(LexiconError::Invalid(errors));
    }
    Ok(parse(sources).0)
}

fn issue(e: &Entry, severity: Severity, message: String) -> Issue {
    Issue {
        file: e.file.file_name().to_string(),
        line: e.line,
        severity,
        message,
    }
}

fn check_regexes(lex: &Lexicon, issues: &mut Vec<Issue>) {
    for e in &lex.entries {
        let Pattern::Regex(re) = &e.pattern else {
            continue;
        };
        match crate::detect::matcher::compile_regex(re) {
            Err(m) => issues.push(issue(e, Severity::Error, format!("invalid regex: {m}"))),
            Ok(r) if r.is_match("") => issues.push(issue(
                e,
                Severity::Error,
                "regex matches the empty string".into(),
            )),
            Ok(r) => {
                let id_kind = e.file == LexiconFile::Identifiers
                    && !matches!(
                        e.section.as_str(),
                        "request" | "reverify" | "pointer" | "ignore"
                    );
                if id_kind && !r.capture_names().any(|n| n == Some("id")) {
                    issues.push(issue(
                        e,
                        Severity::Warning,
                        "identifier regex has no (?P<id>…) group: the whole match is the value"
                            .into(),
                    ));
                }
            }
        }
    }
}

fn pattern_key(p: &Pattern) -> String {
    match p {
        Pattern::Phrase(s) => s.clone(),
        Pattern::Regex(r) => format!("re:{r}"),
    }
}

fn check_duplicates(lex: &Lexicon, issues: &mut Vec<Issue>) {
    let mut seen: HashMap<(LexiconFile, String), &Entry> = HashMap::new();
    let mut ids: HashMap<&str, &Entry> = HashMap::new();
    for e in &lex.entries {
        if let Some(first) = seen.get(&(e.file, pattern_key(&e.pattern))) {
            let msg = if first.section == e.section && first.weight == e.weight {
                format!("duplicate of line {}", first.line)
            } else {
                format!(
                    "conflicts with line {} ([{}] {:?} vs [{}] {:?})",
                    first.line, first.section, first.weight, e.section, e.weight
                )
            };
            issues.push(issue(e, Severity::Error, msg));
        } else {
            seen.insert((e.file, pattern_key(&e.pattern)), e);
        }
        if let Some(first) = ids.get(e.id.as_str()) {
            issues.push(issue(
                e,
                Severity::Error,
                format!("rule id {} is already used at {}", e.id, first.source()),
            ));
        } else {
            ids.insert(&e.id, e);
        }
    }
}

/// True when `short` occurs in `long` at word boundaries (both normalised phrases).
fn contains_words(long: &str, short: &str) -> bool {
    long.match_indices(short).any(|(at, _)| {
        let before = long[..at].chars().next_back();
        let after = long[at + short.len()..].chars().next();
        let open = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
        open(before) && open(after)
    })
}

fn check_shadowing(lex: &Lexicon, issues: &mut Vec<Issue>) {
    for file in LexiconFile::ALL {
        let phrases: Vec<(&Entry, &str)> = lex
            .entries
            .iter()
            .filter(|e| e.file == file)
            .filter_map(|e| match &e.pattern {
                Pattern::Phrase(p) => Some((e, p.as_str())),
                Pattern::Regex(_) => None,
            })
            .collect();
        for (short_e, short) in &phrases {
            let shadow = phrases.iter().find(|(long_e, long)| {
                long.len() > short.len()
                    && long_e.section == short_e.section
                    && long_e.weight == short_e.weight
                    && long_e.tags == short_e.tags
                    && contains_words(long, short)
            });
            if let Some((long_e, long)) = shadow {
                issues.push(issue(
                    short_e,
                    Severity::Warning,
                    format!(
                        "{short:?} is shadowed by the longer {long:?} (line {}) with the same \
                         label and weight; where both match only line {} fires",
                        long_e.line, long_e.line
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(file: LexiconFile, text: &str) -> Sources {
        let mut s = builtin_sources();
        for (f, t) in s.iter_mut() {
            if *f == file {
                *t = Some(text.to_string());
            }
        }
        s
    }

    #[test]
    fn parses_sections_weights_tags_and_settings() {
        let src = one(
            LexiconFile::Sentiment,
            "# c\n@set alpha 9\n[valence]\nGreat   Stuff => 2\nre: \\bmeh+\\b => -0.5 id=meh\n",
        );
        let (lex, issues) = parse(&src);
        assert!(issues.is_empty(), "{issues:?}");
        assert_eq!(lex.settings.alpha, 9.0);
        let mine: Vec<&Entry> = lex
            .entries
            .iter()
            .filter(|e| e.file == LexiconFile::Sentiment)
            .collect();
        assert_eq!(mine.len(), 2);
        assert_eq!(mine[0].pattern, Pattern::Phrase("great stuff".into()));
        assert_eq!(mine[0].weight, Some(2.0));
        assert_eq!(mine[0].id, "sentiment.valence.4");
        assert_eq!(mine[1].id, "meh");
        assert_eq!(mine[1].weight, Some(-0.5));
    }

    #[test]
    fn check_reports_each_problem_with_its_line() {
        let src = one(
            LexiconFile::Acknowledgement,
            "[success]\nfixed it\nre: (unclosed\nfixed it\n[failure]\nfixed it\n[bogus]\nx\n\
             [thanks]\nthank you\nthank you so\n",
        );
        let issues: Vec<String> = check(&src)
            .into_iter()
            .filter(|i| i.file == "acknowledgement.txt")
            .map(|i| i.to_string())
            .collect();
        // Line 3: bad regex; 4: duplicate of 2; 6: conflict with 2; 7: unknown section;
        // 8: entry without a valid section; 10: "thank you" inside "thank you so" (11).
        assert_eq!(issues.len(), 6, "{issues:#?}");
        assert!(issues[0].starts_with("acknowledgement.txt:3: error: invalid regex"));
        assert!(issues[1].starts_with("acknowledgement.txt:4: error: duplicate of line 2"));
        assert!(issues[2].starts_with("acknowledgement.txt:6: error: conflicts with line 2"));
        assert!(issues[3].starts_with("acknowledgement.txt:7: error: unknown section"));
        assert!(issues[4].starts_with("acknowledgement.txt:8: error: entry before"));
        assert!(issues[5].starts_with("acknowledgement.txt:10: warning:"));
    }

    #[test]
    fn missing_weight_and_bad_setting_are_errors() {
        let src = one(
            LexiconFile::Modifiers,
            "@set negation_scope 1.5\n[intensifier]\nvery\n",
        );
        let errs: Vec<Issue> = check(&src)
            .into_iter()
            .filter(|i| i.file == "modifiers.txt")
            .collect();
        assert_eq!(errs.len(), 2);
        assert!(errs[0].message.contains("not a whole number"));
        assert!(errs[1].message.contains("need a weight"));
    }

    #[test]
    fn weights_beyond_a_hundred_are_errors() {
        // 1e308 once passed, and every score with it came out null.
        let src = one(
            LexiconFile::Sentiment,
            "[valence]\nfine => 100\nhuge => 1e308\nbig => weight=-101\nodd => inf\n",
        );
        let errs: Vec<String> = check(&src)
            .into_iter()
            .filter(|i| i.file == "sentiment.txt" && i.severity == Severity::Error)
            .map(|i| format!("{}:{}", i.line, i.message))
            .collect();
        assert_eq!(
            errs,
            [
                "3:weight 1e308 is outside ±100",
                "4:weight -101 is outside ±100",
                "5:weight inf is not finite"
            ]
        );
    }

    #[test]
    fn shipped_set_has_no_errors() {
        let errors: Vec<Issue> = check(&builtin_sources())
            .into_iter()
            .filter(|i| i.severity == Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
    }
}
