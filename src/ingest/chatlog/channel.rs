//! Channel logs (IRC and the like): one public room where several conversations
//! interleave, with no separators.
//!
//! A message joins a conversation by these rules, in order:
//! 1. it starts by addressing a nick (`nick: …` or `nick, …`) who is in an open
//!    conversation and has not spoken in the author's own: that nick's latest
//!    conversation;
//! 2. its author is in an open conversation: the author's latest one;
//! 3. otherwise it opens a new conversation, whose first speaker is the customer.
//!
//! A conversation with no message for the configured gap is over. A system line
//! (join, part, nick change, action) is kept as a `system` message of the conversation
//! its nick is in; about a nick in none, the latest such line waits (within the gap) for
//! the nick's first message and opens its conversation. A nick change carries the nick's
//! conversation and role over to the new name.
//!
//! Memory: only conversations active within the gap are held, plus those opened after the
//! oldest of them (hand-over keeps opening order).

use std::collections::{HashMap, VecDeque};

use crate::ingest::readers::ReadOutput;
use crate::model::{Conversation, Event, Role, SourcePos};
use crate::time::Timestamp;

use super::{ChatPattern, Clock};

/// One conversation of the channel.
struct Thread {
    conv: Conversation<'static>,
    /// Role of each author (lower-case nick) in this conversation.
    roles: HashMap<String, Role>,
    /// Time of the latest message.
    last: Timestamp,
    /// Over (gap passed), waiting for older conversations to be handed over first.
    done: bool,
}

/// The open conversations of a channel log.
pub(super) struct ChannelLog {
    /// Conversations in opening order; `threads[i]` has serial `first_serial + i`.
    threads: VecDeque<Thread>,
    first_serial: u64,
    /// Serial of the next conversation (ids count from 1).
    next_serial: u64,
    /// The latest conversation of each (lower-case) nick.
    by_nick: HashMap<String, u64>,
    /// The latest system line about a nick in no conversation.
    waiting: HashMap<String, Event<'static>>,
    gap_ms: i64,
}

impl ChannelLog {
    pub(super) fn new(gap_ms: i64) -> ChannelLog {
        ChannelLog {
            threads: VecDeque::new(),
            first_serial: 1,
            next_serial: 1,
            by_nick: HashMap::new(),
            waiting: HashMap::new(),
            gap_ms,
        }
    }

    /// The open conversation `nick` last spoke in (or was addressed in).
    fn open_of(&self, nick: &str) -> Option<u64> {
        let serial = *self.by_nick.get(&nick.to_lowercase())?;
        let index = serial.checked_sub(self.first_serial)? as usize;
        self.threads.get(index).filter(|t| !t.done).map(|_| serial)
    }

    /// Whether `nick` has spoken in the open conversation `serial`.
    fn speaks_in(&self, serial: u64, nick: &str) -> bool {
        let index = (serial - self.first_serial) as usize;
        self.threads[index].roles.contains_key(&nick.to_lowercase())
    }

    fn thread(&mut self, serial: u64) -> &mut Thread {
        let index = (serial - self.first_serial) as usize;
        &mut self.threads[index]
    }

    /// Ends conversations silent for longer than the gap before `now`, and hands over
    /// the finished ones that no older open conversation holds back.
    fn expire(&mut self, now: Timestamp, out: &mut ReadOutput) {
        let gap = self.gap_ms;
        for t in self.threads.iter_mut().filter(|t| !t.done) {
            t.done = now.0 - t.last.0 > gap;
        }
        self.hand_over(out);
        self.waiting.retain(|_, e| now.0 - e.ts.0 <= gap);
    }

    fn hand_over(&mut self, out: &mut ReadOutput) {
        let before = self.first_serial;
        while self.threads.front().is_some_and(|t| t.done) {
            if let Some(t) = self.threads.pop_front() {
                out.conversations.push(t.conv);
            }
            self.first_serial += 1;
        }
        if self.first_serial != before {
            let first = self.first_serial;
            self.by_nick.retain(|_, &mut s| s >= first);
        }
    }

    /// Hands over every conversation (end of file).
    pub(super) fn finish(mut self, out: &mut ReadOutput) {
        for t in &mut self.threads {
            t.done = true;
        }
        self.hand_over(out);
    }

    /// Opens a conversation for `author`, with the system line that waited for them.
    fn open(&mut self, author: &str, stem: &str, pattern: &ChatPattern, pos: SourcePos) -> u64 {
        let serial = self.next_serial;
        self.next_serial += 1;
        let mut conv = Conversation::new(format!("{stem}-{serial}"), pattern.channel);
        conv.pos = pos;
        let mut last = Timestamp(i64::MIN);
        if let Some(e) = self.waiting.remove(&author.to_lowercase()) {
            conv.pos = e.pos;
            last = e.ts;
            conv.events.push(e);
        }
        self.threads.push_back(Thread {
            conv,
            roles: HashMap::new(),
            last,
            done: false,
        });
        serial
    }

    fn message(&mut self, line: Message<'_>, stem: &str, pattern: &ChatPattern, pos: SourcePos) {
        let own = self.open_of(line.author);
        let addressed = addressee(line.text)
            .filter(|a| !a.eq_ignore_ascii_case(line.author))
            .filter(|a| !own.is_some_and(|s| self.speaks_in(s, a)))
            .and_then(|a| self.open_of(a));
        let serial = match addressed.or(own) {
            Some(s) => s,
            None => self.open(line.author, stem, pattern, pos),
        };
        let key = line.author.to_lowercase();
        self.by_nick.insert(key.clone(), serial);
        let thread = self.thread(serial);
        let first = thread.roles.is_empty();
        let role = *thread
            .roles
            .entry(key)
            .or_insert_with(|| pattern.speakers.role(line.author, first));
        if role == Role::Customer && thread.conv.customer_id.is_none() {
            thread.conv.customer_id = Some(line.author.to_owned().into());
        }
        let mut event = Event::message(line.ts, role, line.text.to_owned());
        event.pos = pos;
        thread
            .conv
            .events
            .push(event.with_author(line.author.to_owned()));
        thread.last = line.ts;
    }

    fn system(&mut self, line: System<'_>, pos: SourcePos) {
        let mut event = Event::message(line.ts, Role::System, line.text.to_owned());
        event.pos = pos;
        let event = event.with_author(line.nick.to_owned());
        let Some(serial) = self.open_of(line.nick) else {
            self.waiting.insert(line.nick.to_lowercase(), event);
            return;
        };
        let thread = self.thread(serial);
        thread.conv.events.push(event);
        if let Some(new) = line.new_nick {
            let (old, new) = (line.nick.to_lowercase(), new.to_lowercase());
            if let Some(role) = thread.roles.get(&old).copied() {
                thread.roles.insert(new.clone(), role);
            }
            self.by_nick.remove(&old);
            self.by_nick.insert(new, serial);
        }
    }
}

/// A message line, read.
struct Message<'a> {
    ts: Timestamp,
    author: &'a str,
    text: &'a str,
}

/// A system line, read.
struct System<'a> {
    ts: Timestamp,
    nick: &'a str,
    new_nick: Option<&'a str>,
    text: &'a str,
}

/// The nick a line starts by addressing (`nick: …`, `nick, …`), if any.
fn addressee(text: &str) -> Option<&str> {
    let text = text.trim_start();
    let end = text.find([':', ',', ' ', '\t'])?;
    let follows_mark = text[end..].starts_with([':', ',']);
    (end > 0 && follows_mark).then(|| &text[..end])
}

/// Reads one line of a channel log.
pub(super) fn read_line(
    text: &str,
    pos: SourcePos,
    stem: &str,
    pattern: &ChatPattern,
    clock: &mut Clock,
    log: &mut ChannelLog,
    out: &mut ReadOutput,
) {
    if let Some(caps) = pattern.channel_line.captures(text) {
        let ts = match clock.stamp(caps.name("ts").map_or("", |m| m.as_str())) {
            Ok(ts) => ts,
            Err((reason, message)) => return out.problem(pos, reason, message),
        };
        log.expire(ts, out);
        let line = Message {
            ts,
            author: caps.name("author").map_or("", |m| m.as_str()),
            text: caps.name("text").map_or("", |m| m.as_str()),
        };
        return log.message(line, stem, pattern, pos);
    }
    let Some(caps) = pattern.system.captures(text) else {
        return super::unrecognised(text, pos, out);
    };
    let stamped = match caps.name("ts") {
        Some(m) => clock.stamp(m.as_str()).ok(),
        None => clock.now(),
    };
    let Some(ts) = stamped else {
        // Nothing dates the line (a system line before any time, in a file whose name
        // has no date): it is counted as read and not kept.
        return;
    };
    log.expire(ts, out);
    let line = System {
        ts,
        nick: caps.name("nick").map_or("", |m| m.as_str()),
        new_nick: caps.name("new_nick").map(|m| m.as_str()),
        text: text.trim(),
    };
    log.system(line, pos);
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::ingest::readers::ChatLogConfig;

    /// A channel excerpt: two questions interleaved, a late one after the gap.
    const LOG: &str = "\
[10:00] <lee> how do I mount a usb stick?
=== kim [~kim@host.example] has joined #help
[10:00] <kim> my wifi drops every few minutes
[10:01] <sam> kim: which card is it?
[10:02] <sam> lee, it should mount by itself
[10:02] <kim> sam: an intel one
[10:03] <lee> it doesn't
=== kim is now known as kim_away
[10:04] <sam> kim_away: try the backports driver
[10:40] <lee> back: still nothing
";

    fn read_log(config: &ChatLogConfig) -> ReadOutput {
        let pattern = ChatPattern::new(config).unwrap();
        let mut out = ReadOutput::default();
        super::super::read(&mut LOG.as_bytes(), 0, "2024-03-01_10", &pattern, &mut out).unwrap();
        out
    }

    #[test]
    fn mentions_and_gaps_split_the_channel() {
        let config = ChatLogConfig {
            helpers: vec!["sam".into()],
            ..ChatLogConfig::default()
        };
        let out = read_log(&config);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        let lines: Vec<(String, Vec<u64>)> = out
            .conversations
            .iter()
            .map(|c| {
                (
                    c.id.to_string(),
                    c.events.iter().map(|e| e.pos.line).collect(),
                )
            })
            .collect();
        // lee: 1, 5 (addressed), 7. kim: the join (2) waits for kim's first line 3, sam's
        // answer 4 (addressed), 6 (to sam, who already spoke in kim's conversation, so
        // not sam's latest, lee's), the nick change 8, 9 (addressed to the new nick).
        // Line 10 comes 37 min after lee's last line (10:03), more than the 30 min gap.
        assert_eq!(
            lines,
            [
                ("2024-03-01_10-1".to_string(), vec![1, 5, 7]),
                ("2024-03-01_10-2".to_string(), vec![2, 3, 4, 6, 8, 9]),
                ("2024-03-01_10-3".to_string(), vec![10]),
            ]
        );
        let kim = &out.conversations[1];
        assert_eq!(kim.customer_id.as_deref(), Some("kim"));
        let roles: Vec<Role> = kim.events.iter().map(|e| e.role).collect();
        assert_eq!(
            roles,
            [
                Role::System,
                Role::Customer,
                Role::Agent,
                Role::Customer,
                Role::System,
                Role::Agent
            ]
        );
        assert_eq!(kim.events[1].ts.to_string(), "2024-03-01T10:00:00Z");
        // The join has no time of its own: the previous line's.
        assert_eq!(kim.events[0].ts.to_string(), "2024-03-01T10:00:00Z");
        assert_eq!(out.records, 10);
    }

    #[test]
    fn unlisted_answerers_are_members() {
        let out = read_log(&ChatLogConfig::default());
        let lee = &out.conversations[0];
        let roles: Vec<Role> = lee.events.iter().map(|e| e.role).collect();
        assert_eq!(roles, [Role::Customer, Role::Member, Role::Customer]);
    }

    #[test]
    fn a_shorter_gap_ends_conversations_sooner() {
        let config = ChatLogConfig {
            gap_minutes: 1,
            ..ChatLogConfig::default()
        };
        let out = read_log(&config);
        let sizes: Vec<usize> = out.conversations.iter().map(|c| c.events.len()).collect();
        // A 1 min gap (over when more than 1 min passed). At 10:02 lee's conversation
        // (10:00) is over, so sam's line 5 to lee stays in sam's own, kim's. Lee's line 7
        // (10:03) finds nothing open: a new one. The nick change (no time: 10:03) is 1 min
        // after kim's last line, still open. At 10:04 kim's is over: sam's line 9 opens
        // one, and so does lee's 10:40 line. In opening order: lee [1], kim [2, 3, 4, 5,
        // 6, 8], lee [7], sam [9], lee [10].
        assert_eq!(sizes, [1, 6, 1, 1, 1]);
    }

    #[test]
    fn addressees() {
        let cases = [
            ("ana: try this", Some("ana")),
            ("|bo|, top of the list", Some("|bo|")),
            ("  ana:", Some("ana")),
            ("note that: x", None),
            ("hello", None),
            (": nothing", None),
            ("http://example.org", Some("http")),
        ];
        for (text, want) in cases {
            assert_eq!(addressee(text), want, "{text}");
        }
    }
}
