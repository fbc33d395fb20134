//! Plain-text chat and call logs: one message a line, in one of two layouts.
//!
//! - **Transcripts**: conversations one after another, split by separator lines. The line
//!   shape is a configurable regex with named groups `ts`, `text`, and `role` and/or
//!   `author` (default: `[2024-03-01 10:02:13] Agent Sam: text`); the separator is a regex
//!   whose optional group `id` names the next conversation (default: a line of three or
//!   more dashes, `--- chat-1042 ---`). A line that starts with white space continues the
//!   previous message; any other line that matches neither regex is reported and skipped.
//! - **Channel** (IRC, [`channel`]): one public room where conversations interleave
//!   (`[12:18] <nick> text`, system lines such as `=== nick [~u@host] has joined #room`);
//!   they are told apart by addressee mentions and time gaps.
//!
//! `layout = "auto"` lets the first recognised line of each file decide. A time of day
//! without a date (`[12:18]`) takes its date from the file name (`2004-11-15_03.raw.txt`);
//! a clock that goes back has passed midnight (or, for a clock that never showed an hour
//! above 12, noon). A line without a role takes the role its author had earlier in the
//! conversation; a new author is an agent or bot when listed in `helpers` or `bots`, the
//! customer when first to speak, and a member otherwise.
//!
//! Memory: transcripts hold only the current conversation; a channel holds the
//! conversations active within the time gap. Conversations are handed over in the order
//! they opened. Ids are `<file stem>-<n>` (n counts conversations from 1) unless a
//! separator names them.

pub mod channel;

use std::collections::{HashMap, HashSet};
use std::io::BufRead;

use regex::Regex;

use crate::error::SkipReason;
use crate::ingest::readers::{
    ChatLayout, ChatLogConfig, ReadOutput, parse_time_assuming_utc, time_problem,
};
use crate::model::{Channel, Conversation, Event, Role, SourcePos};
use crate::time::{Timestamp, days_from_civil};

use channel::ChannelLog;

/// The compiled patterns and speaker lists of a chat log.
#[derive(Debug, Clone)]
pub struct ChatPattern {
    line: Regex,
    separator: Regex,
    channel_line: Regex,
    system: Regex,
    date_from_name: Regex,
    layout: ChatLayout,
    speakers: Speakers,
    gap_ms: i64,
    channel: Channel,
}

/// Compiles one configured regex, naming the setting in the error.
fn compile(setting: &str, pattern: &str) -> Result<Regex, String> {
    Regex::new(pattern).map_err(|e| format!("readers.chat.{setting}: {e}"))
}

/// Checks that `re` has the named groups `need`, and one of `any` when given.
fn require_groups(setting: &str, re: &Regex, need: &[&str], any: &[&str]) -> Result<(), String> {
    let names: Vec<&str> = re.capture_names().flatten().collect();
    if let Some(missing) = need.iter().find(|n| !names.contains(n)) {
        return Err(format!(
            "readers.chat.{setting}: no named group `{missing}`"
        ));
    }
    if !any.is_empty() && !any.iter().any(|n| names.contains(n)) {
        let groups: Vec<String> = any.iter().map(|n| format!("`{n}`")).collect();
        return Err(format!(
            "readers.chat.{setting}: needs a {} group",
            groups.join(" or ")
        ));
    }
    Ok(())
}

impl ChatPattern {
    /// Compiles the configured patterns, checking the named groups.
    pub fn new(config: &ChatLogConfig) -> Result<ChatPattern, String> {
        let line = compile("line_pattern", &config.line_pattern)?;
        require_groups("line_pattern", &line, &["ts", "text"], &["role", "author"])?;
        let channel_line = compile("channel_pattern", &config.channel_pattern)?;
        require_groups(
            "channel_pattern",
            &channel_line,
            &["ts", "author", "text"],
            &[],
        )?;
        let system = compile("system_pattern", &config.system_pattern)?;
        require_groups("system_pattern", &system, &["nick"], &[])?;
        let date_from_name = compile("date_from_name", &config.date_from_name)?;
        if date_from_name.captures_len() < 2 {
            return Err("readers.chat.date_from_name: needs a group around the date".into());
        }
        Ok(ChatPattern {
            line,
            separator: compile("separator", &config.separator)?,
            channel_line,
            system,
            date_from_name,
            layout: config.layout,
            speakers: Speakers::new(&config.helpers, &config.bots),
            gap_ms: i64::from(config.gap_minutes) * 60_000,
            channel: config.channel,
        })
    }

    /// The date (days since 1970-01-01) the file name gives, if any.
    fn date_of(&self, stem: &str) -> Option<i64> {
        let caps = self.date_from_name.captures(stem)?;
        let text = caps.get(1)?.as_str();
        let mut parts = text.split(['-', '_', '.']).map(|p| p.parse::<u32>().ok());
        let (y, m, d) = (parts.next()??, parts.next()??, parts.next()??);
        let valid = (1990..=2100).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d);
        valid.then(|| days_from_civil(i64::from(y), m, d))
    }

    /// The layout a line reveals, for `layout = "auto"`.
    fn layout_of(&self, text: &str) -> Option<ChatLayout> {
        if self.separator.is_match(text) || self.line.is_match(text) {
            Some(ChatLayout::Transcripts)
        } else if self.channel_line.is_match(text) || self.system.is_match(text) {
            Some(ChatLayout::Channel)
        } else {
            None
        }
    }
}

/// Who speaks for support when lines carry no role.
#[derive(Debug, Clone, Default)]
struct Speakers {
    helpers: HashSet<String>,
    bots: HashSet<String>,
}

impl Speakers {
    fn new(helpers: &[String], bots: &[String]) -> Speakers {
        let lower = |names: &[String]| names.iter().map(|n| n.to_lowercase()).collect();
        Speakers {
            helpers: lower(helpers),
            bots: lower(bots),
        }
    }

    /// The role of an author new to a conversation; `first` when nobody spoke before.
    fn role(&self, author: &str, first: bool) -> Role {
        let key = author.to_lowercase();
        if self.bots.contains(&key) {
            Role::Bot
        } else if self.helpers.contains(&key) {
            Role::Agent
        } else if first {
            Role::Customer
        } else {
            Role::Member
        }
    }
}

/// Role words of chat logs: the model's names plus common export labels.
fn chat_role(word: &str) -> Option<Role> {
    Role::parse(word).or_else(|| {
        Some(match word.to_ascii_lowercase().as_str() {
            "caller" | "guest" | "visitor" | "cust" => Role::Customer,
            "rep" | "representative" | "advisor" | "support" | "operator" => Role::Agent,
            _ => return None,
        })
    })
}

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// Turns the times of a file's lines into timestamps: full timestamps as they are, times
/// of day on the file name's date, moving to the next day (or half day, for a 12-hour
/// clock) when the clock goes back.
#[derive(Debug)]
struct Clock {
    /// Midnight of the file name's date, in ms since the epoch.
    date_ms: Option<i64>,
    /// Time of day of the previous line, in ms.
    previous: Option<i64>,
    /// Days (or half days) the clock has wrapped, in ms.
    offset_ms: i64,
    /// No hour outside 1..=12 seen yet: the clock may be a 12-hour one.
    maybe_12_hour: bool,
    /// The latest timestamp read, for lines without one.
    last: Option<Timestamp>,
}

impl Clock {
    fn new(date_days: Option<i64>) -> Clock {
        Clock {
            date_ms: date_days.map(|d| d * DAY_MS),
            previous: None,
            offset_ms: 0,
            maybe_12_hour: true,
            last: None,
        }
    }

    /// The timestamp of a line's `ts` text, or the problem to report.
    fn stamp(&mut self, text: &str) -> Result<Timestamp, (SkipReason, String)> {
        let ts = match time_of_day(text) {
            Some((hour, ms)) => self.on_date(hour, ms, text)?,
            None => parse_time_assuming_utc(text).map_err(|e| time_problem("ts", text, e))?,
        };
        self.last = Some(ts);
        Ok(ts)
    }

    fn on_date(
        &mut self,
        hour: u32,
        ms: i64,
        text: &str,
    ) -> Result<Timestamp, (SkipReason, String)> {
        let Some(date) = self.date_ms else {
            let message = format!(
                "`ts` is a time of day ({text}) and the file name gives no date \
                 (readers.chat.date_from_name)"
            );
            return Err((SkipReason::BadTimestamp, message));
        };
        if hour == 0 || hour > 12 {
            self.maybe_12_hour = false;
        }
        if let Some(prev) = self.previous.filter(|&p| ms < p) {
            let half_day = self.maybe_12_hour && ms + DAY_MS / 2 >= prev;
            self.offset_ms += if half_day { DAY_MS / 2 } else { DAY_MS };
        }
        self.previous = Some(ms);
        Ok(Timestamp(date + self.offset_ms + ms))
    }

    /// The time of a line that carries none: the latest read, else the date's midnight.
    fn now(&self) -> Option<Timestamp> {
        self.last.or(self.date_ms.map(Timestamp))
    }
}

/// `HH:MM` or `HH:MM:SS` as (hour, ms into the day).
fn time_of_day(text: &str) -> Option<(u32, i64)> {
    let mut parts = text.trim().split(':');
    let mut field = |max: u32| {
        let p = parts.next()?;
        let ok = (1..=2).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit());
        ok.then(|| p.parse::<u32>().ok())
            .flatten()
            .filter(|&v| v <= max)
    };
    let (h, m) = (field(23)?, field(59)?);
    let s = match parts.next() {
        None => 0,
        Some(p) if p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()) => p.parse().ok()?,
        Some(_) => return None,
    };
    if s > 59 || parts.next().is_some() {
        return None;
    }
    Some((h, i64::from(h * 3600 + m * 60 + s) * 1000))
}

/// The transcript being read.
struct Current {
    conv: Option<Conversation<'static>>,
    roles: HashMap<String, Role>,
    next_id: Option<String>,
    count: u64,
}

impl Current {
    fn new() -> Current {
        Current {
            conv: None,
            roles: HashMap::new(),
            next_id: None,
            count: 0,
        }
    }

    fn close(&mut self, out: &mut ReadOutput) {
        if let Some(conv) = self.conv.take() {
            out.conversations.push(conv);
        }
        self.roles.clear();
    }

    fn open(&mut self, stem: &str, channel: Channel, pos: SourcePos) -> &mut Conversation<'static> {
        self.conv.get_or_insert_with(|| {
            self.count += 1;
            let id = self
                .next_id
                .take()
                .unwrap_or_else(|| format!("{stem}-{}", self.count));
            let mut c = Conversation::new(id, channel);
            c.pos = pos;
            c
        })
    }
}

/// A file's reading state: its layout once known, and its clock.
struct FileState<'p> {
    pattern: &'p ChatPattern,
    stem: &'p str,
    clock: Clock,
    layout: Layout,
}

enum Layout {
    Undecided,
    Transcripts(Current),
    Channel(ChannelLog),
}

impl<'p> FileState<'p> {
    fn new(pattern: &'p ChatPattern, stem: &'p str) -> FileState<'p> {
        let mut state = FileState {
            pattern,
            stem,
            clock: Clock::new(pattern.date_of(stem)),
            layout: Layout::Undecided,
        };
        if pattern.layout != ChatLayout::Auto {
            state.decide(pattern.layout);
        }
        state
    }

    fn decide(&mut self, layout: ChatLayout) {
        self.layout = match layout {
            ChatLayout::Channel => Layout::Channel(ChannelLog::new(self.pattern.gap_ms)),
            _ => Layout::Transcripts(Current::new()),
        };
    }

    fn line(&mut self, text: &str, pos: SourcePos, out: &mut ReadOutput) {
        if matches!(self.layout, Layout::Undecided) {
            match self.pattern.layout_of(text) {
                Some(layout) => self.decide(layout),
                None => return unrecognised(text, pos, out),
            }
        }
        let (pattern, stem) = (self.pattern, self.stem);
        match &mut self.layout {
            Layout::Transcripts(cur) => {
                transcript_line(text, pos, stem, pattern, &mut self.clock, cur, out)
            }
            Layout::Channel(log) => {
                channel::read_line(text, pos, stem, pattern, &mut self.clock, log, out)
            }
            Layout::Undecided => {}
        }
    }

    fn finish(self, out: &mut ReadOutput) {
        match self.layout {
            Layout::Transcripts(mut cur) => cur.close(out),
            Layout::Channel(log) => log.finish(out),
            Layout::Undecided => {}
        }
    }
}

/// Reports a line that matches none of the patterns.
fn unrecognised(text: &str, pos: SourcePos, out: &mut ReadOutput) {
    let message = format!(
        "line matches no message, separator or system pattern: `{}`",
        clip(text)
    );
    out.problem(pos, SkipReason::MalformedRecord, message);
}

/// Reads one chat log into `out`; `stem` names conversations that have no explicit id
/// and gives the date of lines that carry only a time of day.
pub fn read(
    reader: &mut dyn BufRead,
    file: u32,
    stem: &str,
    pattern: &ChatPattern,
    out: &mut ReadOutput,
) -> std::io::Result<()> {
    read_streaming(reader, file, stem, pattern, out, usize::MAX, &mut |_| {})
}

/// Like [`read`], handing `out` to `flush` whenever it holds `flush_at` finished
/// conversations (and at the end), so a caller that drains them there keeps memory
/// bounded whatever the size of the log.
pub fn read_streaming(
    reader: &mut dyn BufRead,
    file: u32,
    stem: &str,
    pattern: &ChatPattern,
    out: &mut ReadOutput,
    flush_at: usize,
    flush: &mut dyn FnMut(&mut ReadOutput),
) -> std::io::Result<()> {
    let mut state = FileState::new(pattern, stem);
    let mut buf = Vec::new();
    let mut line_no = 0u64;
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        line_no += 1;
        let pos = SourcePos {
            file,
            line: line_no,
        };
        out.at = Some(pos);
        let Ok(text) = std::str::from_utf8(&buf) else {
            out.records += 1;
            out.problem(pos, SkipReason::InvalidUtf8, "line is not UTF-8");
            continue;
        };
        let text = text.trim_end_matches(['\n', '\r']);
        if text.trim().is_empty() {
            continue;
        }
        out.records += 1;
        state.line(text, pos, out);
        if out.conversations.len() >= flush_at {
            flush(out);
        }
    }
    state.finish(out);
    flush(out);
    Ok(())
}

fn transcript_line(
    text: &str,
    pos: SourcePos,
    stem: &str,
    pattern: &ChatPattern,
    clock: &mut Clock,
    cur: &mut Current,
    out: &mut ReadOutput,
) {
    if let Some(sep) = pattern.separator.captures(text) {
        cur.close(out);
        cur.next_id = sep
            .name("id")
            .map(|m| m.as_str().to_owned())
            .filter(|s| !s.is_empty());
        return;
    }
    let Some(caps) = pattern.line.captures(text) else {
        let continuation = text.starts_with([' ', '\t']);
        match cur.conv.as_mut().and_then(|c| c.events.last_mut()) {
            Some(last) if continuation => {
                let t = last.text.to_mut();
                t.push('\n');
                t.push_str(text.trim());
            }
            _ => unrecognised(text, pos, out),
        }
        return;
    };
    let ts = match clock.stamp(caps.name("ts").map_or("", |m| m.as_str())) {
        Ok(ts) => ts,
        Err((reason, message)) => return out.problem(pos, reason, message),
    };
    let author = caps
        .name("author")
        .map(|m| m.as_str().trim().to_owned())
        .filter(|a| !a.is_empty());
    let role = match caps.name("role") {
        Some(word) => match chat_role(word.as_str()) {
            Some(r) => r,
            None => {
                let msg = format!("unknown role `{}`", word.as_str());
                return out.problem(pos, SkipReason::UnknownRole, msg);
            }
        },
        None => match &author {
            Some(a) => cur.roles.get(a).copied().unwrap_or_else(|| {
                let first = cur.conv.as_ref().is_none_or(|c| c.events.is_empty());
                pattern.speakers.role(a, first)
            }),
            None => {
                let msg = "line has neither a role nor an author";
                return out.problem(pos, SkipReason::UnknownRole, msg);
            }
        },
    };
    let body = caps.name("text").map_or("", |m| m.as_str()).to_owned();
    if let Some(a) = &author {
        cur.roles.insert(a.clone(), role);
    }
    let conv = cur.open(stem, pattern.channel, pos);
    let mut event = Event::message(ts, role, body);
    event.pos = pos;
    if let Some(a) = author {
        if role == Role::Customer && conv.customer_id.is_none() {
            conv.customer_id = Some(a.clone().into());
        }
        event = event.with_author(a);
    }
    conv.events.push(event);
}

fn clip(s: &str) -> &str {
    match s.char_indices().nth(60) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_str(text: &str, config: &ChatLogConfig) -> ReadOutput {
        let pattern = ChatPattern::new(config).unwrap();
        let mut out = ReadOutput::default();
        read(&mut text.as_bytes(), 0, "log", &pattern, &mut out).unwrap();
        out
    }

    #[test]
    fn streaming_hands_over_finished_conversations_only() {
        // Five conversations of two lines each, a separator before each.
        let log: String = (1..=5)
            .map(|i| {
                format!(
                    "--- c-{i} ---\n[2024-03-01 10:00:0{i}] Customer Ana: hi {i}\n\
                     [2024-03-01 10:01:0{i}] Agent Sam: hello\n"
                )
            })
            .collect();
        let pattern = ChatPattern::new(&ChatLogConfig::default()).unwrap();
        let mut out = ReadOutput::default();
        let mut rounds: Vec<(Vec<String>, u64)> = Vec::new();
        let mut flush = |o: &mut ReadOutput| {
            let ids = o
                .conversations
                .drain(..)
                .map(|c| c.id.to_string())
                .collect();
            rounds.push((ids, std::mem::take(&mut o.records)));
        };
        read_streaming(
            &mut log.as_bytes(),
            0,
            "log",
            &pattern,
            &mut out,
            2,
            &mut flush,
        )
        .unwrap();
        let ids: Vec<Vec<String>> = rounds.iter().map(|r| r.0.clone()).collect();
        // A conversation is handed over once the next separator closes it: c-1 and c-2
        // when the third separator arrives, c-3 and c-4 at the fifth, c-5 at the end.
        assert_eq!(ids, [vec!["c-1", "c-2"], vec!["c-3", "c-4"], vec!["c-5"]]);
        // Records (separators included) are counted as read: lines 1–7, 8–13, 14–15.
        let records: Vec<u64> = rounds.iter().map(|r| r.1).collect();
        assert_eq!(records, [7, 6, 2]);
        assert!(out.conversations.is_empty() && out.problems.is_empty());
    }

    #[test]
    fn continuation_lines_and_ids() {
        let log = "--- c-9 ---\n\
                   [2024-03-01 10:00:00] Customer Ana: hola, mi pedido\n  \
                   no llegó 📦\n\
                   [2024-03-01 10:01:00] Agent Sam: looking\n\
                   ----\n\
                   [2024-03-02 09:00:00] Caller Bo: hi\n";
        let out = read_str(log, &ChatLogConfig::default());
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        let ids: Vec<&str> = out.conversations.iter().map(|c| c.id.as_ref()).collect();
        // The second conversation has no id: `<stem>-<count>` = log-2.
        assert_eq!(ids, ["c-9", "log-2"]);
        assert_eq!(
            out.conversations[0].events[0].text,
            "hola, mi pedido\nno llegó 📦"
        );
        assert_eq!(out.conversations[0].customer_id.as_deref(), Some("Ana"));
        assert_eq!(out.conversations[1].events[0].role, Role::Customer);
        assert_eq!(out.records, 6);
    }

    #[test]
    fn author_only_lines_take_roles_from_the_speaker_rules() {
        let config = ChatLogConfig {
            line_pattern: r"^(?P<ts>\S+ \S+) <(?P<author>[^>]+)> (?P<text>.*)$".into(),
            helpers: vec!["sam".into()],
            bots: vec!["Max".into()],
            ..ChatLogConfig::default()
        };
        let log = "2024-03-01 10:00:00 <Ana> hi\n\
                   2024-03-01 10:00:05 <Max> an agent is coming\n\
                   2024-03-01 10:01:00 <Sam> hello Ana\n\
                   2024-03-01 10:02:00 <Bo> same problem here\n";
        let out = read_str(log, &config);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        let roles: Vec<Role> = out.conversations[0].events.iter().map(|e| e.role).collect();
        // First speaker customer, listed bot and helper (any case), then a member.
        assert_eq!(
            roles,
            [Role::Customer, Role::Bot, Role::Agent, Role::Member]
        );
    }

    #[test]
    fn times_of_day_take_the_date_from_the_file_name() {
        let pattern = ChatPattern::new(&ChatLogConfig::default()).unwrap();
        assert_eq!(pattern.date_of("2004-11-15_03"), Some(12_737)); // 1970-01-01 + 12 737 days
        assert_eq!(pattern.date_of("support"), None);
        assert_eq!(pattern.date_of("2004-13-15"), None);
        let mut clock = Clock::new(pattern.date_of("2004-11-15_03"));
        let stamps: Vec<String> = ["11:58", "12:59", "01:00", "1:30:05"]
            .iter()
            .map(|t| clock.stamp(t).unwrap().to_string())
            .collect();
        // No hour above 12 yet: 12:59 → 01:00 is one minute on a 12-hour clock.
        assert_eq!(
            stamps,
            [
                "2004-11-15T11:58:00Z",
                "2004-11-15T12:59:00Z",
                "2004-11-15T13:00:00Z",
                "2004-11-15T13:30:05Z"
            ]
        );
        let mut clock = Clock::new(pattern.date_of("2011-11-13"));
        let late = clock.stamp("23:59").unwrap();
        // An hour above 12 was seen: going back is midnight.
        assert_eq!(clock.stamp("00:01").unwrap().0 - late.0, 120_000);
        let (reason, message) = Clock::new(None).stamp("12:18").unwrap_err();
        assert_eq!(reason, SkipReason::BadTimestamp);
        assert!(!message.contains("Some("), "{message}");
        assert_eq!(time_of_day("24:00"), None);
        assert_eq!(time_of_day("2024-03-01 10:00:00"), None);
    }

    #[test]
    fn patterns_without_needed_groups_are_refused() {
        let bad = ChatLogConfig {
            line_pattern: r"^(?P<ts>\S+) (?P<text>.*)$".into(),
            ..ChatLogConfig::default()
        };
        assert!(ChatPattern::new(&bad).unwrap_err().contains("role"));
    }
}
