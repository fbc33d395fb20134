//! Typed errors: fatal [`Error`]s that stop a run, and [`Problem`]s with single input
//! records that are reported, counted by [`SkipReason`] and skipped while the run goes on.
//!
//! [`Diagnostics`] is the mergeable tally of problems: counts by reason, unknown field
//! names, and the first few problems in (file, line) order, so the report is the same
//! whatever order the workers met them in.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

/// A failure that stops the run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An input or output file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The configuration file is invalid.
    #[error("config {path}: {message}")]
    Config {
        /// The file concerned.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A partial-result file given to `merge` is not one cxmine wrote.
    #[error("partial result {path}: {message}")]
    Partial {
        /// The file concerned.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A command-line value is invalid.
    #[error("{0}")]
    Usage(String),
    /// The search index is missing, corrupt, or could not be written.
    #[error("index {path}: {message}")]
    Index {
        /// The index directory.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A reader or an analysis step panicked (a bug in cxmine): the run stops with what
    /// it was doing and where, rather than hang or report partial figures.
    #[error("{file}{}: internal error while {during}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Panicked {
        /// The input file concerned (or what was being processed).
        file: String,
        /// 1-based line (or record) number of the record concerned, when known.
        line: Option<u64>,
        /// What was being done (`reading (mbox reader)`, `analysing conversation "42"`).
        during: String,
        /// The panic message.
        message: String,
    },
    /// A search query could not be understood.
    #[error("{}", query_error_message(query, *position, message))]
    Query {
        /// The query as typed.
        query: String,
        /// Byte offset in the query where the problem was found, when known.
        position: Option<usize>,
        /// What is wrong.
        message: String,
    },
}

fn query_error_message(query: &str, position: Option<usize>, message: &str) -> String {
    match position {
        Some(pos) => {
            let column = query[..pos.min(query.len())].chars().count();
            format!(
                "query syntax error at column {}: {message}\n  {query}\n  {}^",
                column + 1,
                " ".repeat(column)
            )
        }
        None => format!("query {query:?}: {message}"),
    }
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// Why an input record (line, event, row) was skipped.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// Not valid JSON (or not a JSON object).
    MalformedJson,
    /// The bytes are not UTF-8.
    InvalidUtf8,
    /// No conversation id.
    MissingId,
    /// A required field (timestamp, channel, role, type) is absent.
    MissingField,
    /// A field has the wrong JSON type or an out-of-range value.
    BadValue,
    /// A timestamp that is not RFC 3339.
    BadTimestamp,
    /// A well-formed timestamp outside the plausible years.
    AbsurdTimestamp,
    /// A role cxmine does not know.
    UnknownRole,
    /// An event type cxmine does not know.
    UnknownType,
    /// A channel cxmine does not know.
    UnknownChannel,
    /// A record of another input format that could not be read.
    MalformedRecord,
    /// A survey row (`--surveys`) that answers no conversation of the input.
    UnmatchedSurvey,
    /// An input file that could not be opened, or whose reading broke off (a truncated
    /// gzip, a read error); the records read before the damage are kept.
    UnreadableFile,
    /// A line, or a conversation rebuilt from event lines, larger than the maximum that
    /// `--mem-limit` allows; it is skipped instead of held in memory.
    TooLarge,
}

impl SkipReason {
    /// The snake-case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::MalformedJson => "malformed_json",
            SkipReason::InvalidUtf8 => "invalid_utf8",
            SkipReason::MissingId => "missing_id",
            SkipReason::MissingField => "missing_field",
            SkipReason::BadValue => "bad_value",
            SkipReason::BadTimestamp => "bad_timestamp",
            SkipReason::AbsurdTimestamp => "absurd_timestamp",
            SkipReason::UnknownRole => "unknown_role",
            SkipReason::UnknownType => "unknown_type",
            SkipReason::UnknownChannel => "unknown_channel",
            SkipReason::MalformedRecord => "malformed_record",
            SkipReason::UnmatchedSurvey => "unmatched_survey",
            SkipReason::UnreadableFile => "unreadable_file",
            SkipReason::TooLarge => "too_large",
        }
    }
}

/// One skipped record: where, why, and a human message.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Problem {
    /// The input file (`-` for stdin).
    pub file: String,
    /// 1-based line (or record) number.
    pub line: u64,
    /// The category counted in the report.
    pub reason: SkipReason,
    /// What exactly is wrong.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: skipped ({}): {}",
            self.file,
            self.line,
            self.reason.as_str(),
            self.message
        )
    }
}

/// How many problems the report lists in full.
pub const PROBLEM_EXAMPLES: usize = 20;

/// Mergeable tally of input problems.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Diagnostics {
    /// Skipped records by reason.
    pub skipped: BTreeMap<SkipReason, u64>,
    /// Unknown fields seen (ignored), by name.
    pub unknown_fields: BTreeMap<String, u64>,
    /// Conversations whose events arrived out of time order (sorted, not skipped).
    pub reordered_conversations: u64,
    /// The first [`PROBLEM_EXAMPLES`] problems in (file, line) order.
    pub examples: Vec<Problem>,
}

impl Diagnostics {
    /// Total skipped records.
    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }

    /// Records a problem.
    pub fn record(&mut self, problem: Problem) {
        *self.skipped.entry(problem.reason).or_default() += 1;
        self.keep_example(problem);
    }

    /// Counts an unknown field name.
    pub fn unknown_field(&mut self, name: &str) {
        match self.unknown_fields.get_mut(name) {
            Some(n) => *n += 1,
            None => {
                self.unknown_fields.insert(name.to_owned(), 1);
            }
        }
    }

    fn keep_example(&mut self, problem: Problem) {
        if self.examples.len() == PROBLEM_EXAMPLES
            && self.examples.last().is_some_and(|last| *last <= problem)
        {
            return;
        }
        let at = self.examples.partition_point(|p| *p <= problem);
        // The same problem at the same place (every event line of one oversized
        // conversation) is listed once; it is still counted each time.
        if at > 0 && self.examples[at - 1] == problem {
            return;
        }
        self.examples.insert(at, problem);
        self.examples.truncate(PROBLEM_EXAMPLES);
    }

    /// Adds `other` into `self` (associative and commutative).
    pub fn merge(&mut self, other: Diagnostics) {
        for (k, v) in other.skipped {
            *self.skipped.entry(k).or_default() += v;
        }
        for (k, v) in other.unknown_fields {
            *self.unknown_fields.entry(k).or_default() += v;
        }
        self.reordered_conversations += other.reordered_conversations;
        for p in other.examples {
            self.keep_example(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(file: &str, line: u64) -> Problem {
        Problem {
            file: file.into(),
            line,
            reason: SkipReason::MalformedJson,
            message: "x".into(),
        }
    }

    #[test]
    fn merge_keeps_first_examples_in_order_whatever_the_order() {
        let mut a = Diagnostics::default();
        let mut b = Diagnostics::default();
        for line in (1..=30).rev() {
            if line % 2 == 0 {
                a.record(problem("f", line));
            } else {
                b.record(problem("f", line));
            }
        }
        let mut ab = a.clone();
        ab.merge(b.clone());
        let mut ba = b;
        ba.merge(a);
        assert_eq!(ab, ba);
        assert_eq!(ab.skipped_total(), 30);
        let lines: Vec<u64> = ab.examples.iter().map(|p| p.line).collect();
        assert_eq!(lines, (1..=20).collect::<Vec<_>>());
    }
}
