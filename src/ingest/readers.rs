//! The readers of exported formats (everything but the canonical JSONL): their shared
//! output type, configuration, and the dispatcher that runs the right one per file.
//!
//! Each reader streams its file record by record (CSV row, mbox message, log line, XML
//! row) and turns it into owned [`Conversation`]s plus [`ReadProblem`]s that name the file
//! and the line (or byte offset) of the bad record; a bad record is skipped and the reader
//! goes on. Thread reconstruction needs state: readers keep compact per-record state for
//! the threads still open (see each reader's module doc for its memory bound).
//!
//! Output order is deterministic: conversations come in the order of their first record
//! (file order, then position in the file), and e-mail messages are threaded across all
//! mbox and `.eml` inputs of a run together.

use serde::Deserialize;

use crate::error::SkipReason;
use crate::model::{Channel, Conversation, SourcePos};
use crate::time::{TimeError, Timestamp};

/// A skipped record: where, why, and a message for humans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadProblem {
    /// File index and 1-based line of the record.
    pub pos: SourcePos,
    /// The category counted in the report.
    pub reason: SkipReason,
    /// What is wrong (with the byte offset where the format has no lines).
    pub message: String,
}

/// What readers produce from one or more files.
#[derive(Debug, Default)]
pub struct ReadOutput {
    /// Reconstructed conversations (not yet [`Conversation::finish`]ed), in first-record order.
    pub conversations: Vec<Conversation<'static>>,
    /// Skipped records.
    pub problems: Vec<ReadProblem>,
    /// Records read (rows, messages, lines, XML rows), including skipped ones.
    pub records: u64,
    /// The record being read or turned into a conversation, so a failure of the reader
    /// can name it.
    pub at: Option<SourcePos>,
}

impl ReadOutput {
    /// Records a skipped record.
    pub fn problem(&mut self, pos: SourcePos, reason: SkipReason, message: impl Into<String>) {
        self.problems.push(ReadProblem {
            pos,
            reason,
            message: message.into(),
        });
    }
}

/// Configuration of the readers: the `[readers]` section of the TOML config.
///
/// ```toml
/// [readers.email]
/// support_domains = ["shop.example"]
/// support_addresses = ["help@partner.example"]
///
/// [readers.chat]
/// line_pattern = '^\[(?P<ts>[^\]]+)\]\s+(?P<role>\w+)(?:\s+(?P<author>[^:]+?))?:\s?(?P<text>.*)$'
/// separator = '^-{3,}(?:\s*(?P<id>[^\s-]\S*)\s*-*)?\s*$'
/// channel = "chat"
/// # channel logs (IRC): interleaved conversations, roles from nicks
/// layout = "channel"
/// gap_minutes = 30
/// helpers = ["Sam"]
/// bots = ["helpbot"]
///
/// [readers.social]
/// brand_handles = ["AcmeHelp"]
/// ```
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ReadersConfig {
    /// E-mail (mbox, `.eml`).
    pub email: EmailConfig,
    /// Plain-text chat and call logs (also accepted as `[readers.chat_log]`).
    #[serde(alias = "chat_log")]
    pub chat: ChatLogConfig,
    /// Social support CSV.
    pub social: SocialConfig,
}

/// Who is support in e-mail threads.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct EmailConfig {
    /// Sender domains of the support side (`shop.example` also covers `eu.shop.example`).
    pub support_domains: Vec<String>,
    /// Individual support addresses.
    pub support_addresses: Vec<String>,
}

/// The shape of a chat log.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ChatLogConfig {
    /// How conversations lie in the file: between separator lines (`transcripts`),
    /// interleaved in one public channel (`channel`), or `auto`: the first line that
    /// matches `line_pattern`, `separator`, `channel_pattern` or `system_pattern` decides.
    pub layout: ChatLayout,
    /// Regex for one message line of transcripts, with named groups `ts`, `text` and
    /// `role` and/or `author` (a line without a role takes it from the author's earlier
    /// lines, else from the speaker rules: see `helpers`).
    pub line_pattern: String,
    /// Regex for a line that separates conversations; an optional named group `id`
    /// gives the next conversation's id.
    pub separator: String,
    /// Regex for one message line of a channel log, with named groups `ts`, `author` and
    /// `text` (default: IRC, `[12:18] <nick> text`).
    pub channel_pattern: String,
    /// Regex for a system line of a channel log (joins, parts, nick changes, actions),
    /// with a named group `nick` (who it is about), optional `ts` and `new_nick` (the
    /// name taken by a nick change).
    pub system_pattern: String,
    /// Regex applied to the file name without extensions, whose first group is the date
    /// (`YYYY-MM-DD`) of lines that carry only a time of day (`[12:18]`).
    pub date_from_name: String,
    /// Channel logs: a conversation with no line for this many minutes is over.
    pub gap_minutes: u32,
    /// Nicks or authors of the support side (agents), when lines carry no role.
    pub helpers: Vec<String>,
    /// Nicks or authors of bots, when lines carry no role.
    pub bots: Vec<String>,
    /// Channel of the conversations (`chat`, or `phone` for call transcripts).
    pub channel: Channel,
}

/// How conversations lie in a chat log.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ChatLayout {
    /// Decided per file by its first recognised line.
    #[default]
    Auto,
    /// One conversation after another, split by separator lines.
    Transcripts,
    /// A public channel: interleaved conversations, told apart by addressee mentions
    /// and time gaps.
    Channel,
}

/// Default chat line: `[2024-03-01 10:02:13] Agent Sam: text`.
pub const DEFAULT_CHAT_LINE: &str =
    r"^\[(?P<ts>[^\]]+)\]\s+(?P<role>[A-Za-z]+)(?:\s+(?P<author>[^:]+?))?:\s?(?P<text>.*)$";
/// Default conversation separator: a line of three or more dashes, optionally naming an id
/// (`--- chat-1042 ---`).
pub const DEFAULT_CHAT_SEPARATOR: &str = r"^-{3,}(?:\s*(?P<id>[^\s-]\S*)\s*-*)?\s*$";
/// Default channel line (IRC): `[12:18] <nick> text`, seconds optional.
pub const DEFAULT_CHANNEL_LINE: &str =
    r"^\[(?P<ts>\d{1,2}:\d{2}(?::\d{2})?)\]\s+<[@+%]?(?P<author>[^>\s]+)>\s?(?P<text>.*)$";
/// Default channel system line: `=== nick [~user@host] has joined #ubuntu`,
/// `=== old is now known as new`, or an action `[10:00]  * nick waves`.
pub const DEFAULT_CHANNEL_SYSTEM: &str = r"^(?:\[(?P<ts>\d{1,2}:\d{2}(?::\d{2})?)\]\s+)?(?:={3}|\*{1,3}|-!-|-->|<--)\s+(?P<nick>\S+)(?:\s+is now known as\s+(?P<new_nick>\S+))?";
/// Default date in a file name: the first `YYYY-MM-DD`.
pub const DEFAULT_DATE_FROM_NAME: &str = r"(\d{4}-\d{2}-\d{2})";

impl Default for ChatLogConfig {
    fn default() -> Self {
        ChatLogConfig {
            layout: ChatLayout::Auto,
            line_pattern: DEFAULT_CHAT_LINE.to_owned(),
            separator: DEFAULT_CHAT_SEPARATOR.to_owned(),
            channel_pattern: DEFAULT_CHANNEL_LINE.to_owned(),
            system_pattern: DEFAULT_CHANNEL_SYSTEM.to_owned(),
            date_from_name: DEFAULT_DATE_FROM_NAME.to_owned(),
            gap_minutes: 30,
            helpers: Vec::new(),
            bots: Vec::new(),
            channel: Channel::Chat,
        }
    }
}

/// Social threads.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SocialConfig {
    /// Handles always treated as the brand (agent side), whatever their `inbound` flag.
    pub brand_handles: Vec<String>,
}

impl ReadersConfig {
    /// Checks the regexes compile and have the groups they need.
    pub fn validate(&self) -> Result<(), String> {
        crate::ingest::chatlog::ChatPattern::new(&self.chat).map(|_| ())
    }
}

/// Parses a timestamp that may lack a zone (`2024-03-01 10:02:13`, taken as UTC).
pub fn parse_time_assuming_utc(s: &str) -> Result<Timestamp, TimeError> {
    let s = s.trim();
    match Timestamp::parse(s) {
        Err(TimeError::Syntax) if has_no_zone(s) => Timestamp::parse(&format!("{s}Z")),
        other => other,
    }
}

fn has_no_zone(s: &str) -> bool {
    // Date and time end at index 19; a zone would follow the seconds or the fraction.
    s.get(19..).is_some_and(|rest| {
        rest.trim_start_matches(|c: char| c == '.' || c.is_ascii_digit())
            .is_empty()
    })
}

#[cfg(test)]
mod time_tests {
    use super::*;

    #[test]
    fn a_time_with_a_multibyte_character_at_index_19_is_a_syntax_error_not_a_panic() {
        // A byte-order mark inside the seconds puts a 3-byte character across index 19.
        assert_eq!(
            parse_time_assuming_utc("2024-01-10 23:12:1\u{feff}3"),
            Err(TimeError::Syntax)
        );
        assert!(parse_time_assuming_utc("2024-01-10 23:12:13").is_ok());
    }
}

/// A problem message for a timestamp that could not be read.
pub fn time_problem(field: &str, value: &str, e: TimeError) -> (SkipReason, String) {
    match e {
        TimeError::Syntax => (
            SkipReason::BadTimestamp,
            format!("`{field}` is not a timestamp: {value:?}"),
        ),
        TimeError::Absurd => (
            SkipReason::AbsurdTimestamp,
            format!("`{field}` is outside 1990..=2100: {value:?}"),
        ),
    }
}

/// Runs a streaming reader whose `flush` collects what it hands over; returns what stayed
/// in the reader's output, the conversations handed over sorted by position, and how
/// many times `flush` ran. For tests comparing streaming with in-memory reading.
#[cfg(test)]
pub(crate) fn collect_flushes(
    read: impl FnOnce(&mut ReadOutput, &mut dyn FnMut(&mut ReadOutput)) -> std::io::Result<()>,
) -> (ReadOutput, Vec<Conversation<'static>>, usize) {
    let mut out = ReadOutput::default();
    let mut handed = Vec::new();
    let mut rounds = 0;
    read(&mut out, &mut |o| {
        rounds += 1;
        handed.append(&mut o.conversations);
    })
    .expect("streaming read");
    handed.sort_by_key(|c: &Conversation<'static>| c.pos);
    (out, handed, rounds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naive_times_are_utc() {
        let t = parse_time_assuming_utc("2024-03-01 10:02:13").unwrap();
        assert_eq!(t.to_string(), "2024-03-01T10:02:13Z");
        let t = parse_time_assuming_utc("2009-07-15T14:03:02.777").unwrap();
        assert_eq!(t.to_string(), "2009-07-15T14:03:02.777Z");
        let t = parse_time_assuming_utc("2024-03-01T10:02:13+01:00").unwrap();
        assert_eq!(t.to_string(), "2024-03-01T09:02:13Z");
        assert_eq!(parse_time_assuming_utc("yesterday"), Err(TimeError::Syntax));
        assert_eq!(
            parse_time_assuming_utc("1970-01-01 00:00:00"),
            Err(TimeError::Absurd)
        );
    }
}
