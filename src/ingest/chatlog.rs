//! Plain-text chat and call logs: one message a line, conversations split by separator
//! lines.
//!
//! The line shape is a configurable regex with named groups `ts`, `text`, and `role`
//! and/or `author` (default: `[2024-03-01 10:02:13] Agent Sam: text`); the separator is a
//! regex whose optional group `id` names the next conversation (default: a line of three
//! or more dashes, `--- chat-1042 ---`). A line that starts with white space continues the
//! previous message; any other line that matches neither regex is reported and skipped.
//! A line without a role group takes the role its author had earlier in the conversation.
//!
//! Memory: conversations are contiguous, so only the current one is held; the reader is a
//! true stream. Ids default to `<file stem>-<n>` (n counts conversations from 1).

use std::collections::HashMap;
use std::io::BufRead;

use regex::Regex;

use crate::error::SkipReason;
use crate::ingest::readers::{ChatLogConfig, ReadOutput, parse_time_assuming_utc, time_problem};
use crate::model::{Channel, Conversation, Event, Role, SourcePos};

/// The compiled line and separator patterns of a chat log.
#[derive(Debug, Clone)]
pub struct ChatPattern {
    line: Regex,
    separator: Regex,
    channel: Channel,
}

impl ChatPattern {
    /// Compiles the configured patterns, checking the named groups.
    pub fn new(config: &ChatLogConfig) -> Result<ChatPattern, String> {
        let line = Regex::new(&config.line_pattern)
            .map_err(|e| format!("readers.chat.line_pattern: {e}"))?;
        let names: Vec<&str> = line.capture_names().flatten().collect();
        for need in ["ts", "text"] {
            if !names.contains(&need) {
                return Err(format!(
                    "readers.chat.line_pattern: no named group `{need}`"
                ));
            }
        }
        if !names.contains(&"role") && !names.contains(&"author") {
            return Err("readers.chat.line_pattern: needs a `role` or `author` group".into());
        }
        let separator =
            Regex::new(&config.separator).map_err(|e| format!("readers.chat.separator: {e}"))?;
        Ok(ChatPattern {
            line,
            separator,
            channel: config.channel,
        })
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

/// The conversation being read.
struct Current {
    conv: Option<Conversation<'static>>,
    roles: HashMap<String, Role>,
    next_id: Option<String>,
    count: u64,
}

impl Current {
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

/// Reads one chat log into `out`; `stem` names conversations that have no explicit id.
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
    let mut cur = Current {
        conv: None,
        roles: HashMap::new(),
        next_id: None,
        count: 0,
    };
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
        read_line(text, pos, stem, pattern, &mut cur, out);
        if out.conversations.len() >= flush_at {
            flush(out);
        }
    }
    cur.close(out);
    flush(out);
    Ok(())
}

fn read_line(
    text: &str,
    pos: SourcePos,
    stem: &str,
    pattern: &ChatPattern,
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
            _ => out.problem(
                pos,
                SkipReason::MalformedRecord,
                format!(
                    "line matches neither the message pattern nor the separator: {:?}",
                    clip(text)
                ),
            ),
        }
        return;
    };
    let ts_text = caps.name("ts").map_or("", |m| m.as_str());
    let ts = match parse_time_assuming_utc(ts_text) {
        Ok(ts) => ts,
        Err(e) => {
            let (reason, message) = time_problem("ts", ts_text, e);
            out.problem(pos, reason, message);
            return;
        }
    };
    let author = caps
        .name("author")
        .map(|m| m.as_str().trim().to_owned())
        .filter(|a| !a.is_empty());
    let role = match caps.name("role") {
        Some(word) => match chat_role(word.as_str()) {
            Some(r) => r,
            None => {
                let msg = format!("unknown role {:?}", word.as_str());
                out.problem(pos, SkipReason::UnknownRole, msg);
                return;
            }
        },
        None => match author.as_ref().and_then(|a| cur.roles.get(a)) {
            Some(&r) => r,
            None => {
                let msg = format!("no role for author {author:?}");
                out.problem(pos, SkipReason::UnknownRole, msg);
                return;
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
    fn author_only_pattern_learns_roles_and_reports_unknown_authors() {
        let config = ChatLogConfig {
            line_pattern: r"^(?P<ts>\S+ \S+) <(?P<author>[^>]+)> (?P<text>.*)$".into(),
            ..ChatLogConfig::default()
        };
        let log = "2024-03-01 10:00:00 <Ana> hi\n";
        let out = read_str(log, &config);
        assert!(out.conversations.is_empty());
        assert_eq!(out.problems[0].reason, SkipReason::UnknownRole);
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
