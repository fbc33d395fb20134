//! E-mail: mbox files and `.eml` files, threaded into conversations on the email channel.
//!
//! Messages are parsed with `mail-parser` (MIME multipart, transfer encodings and encoded
//! header words decoded; an HTML-only body is converted to text). Threads follow
//! `In-Reply-To`, then `References` (newest first), to a message seen in any e-mail input
//! of the run; a message with no known reference whose subject carries a reply or forward
//! prefix (`Re:`, `Fwd:`, `AW:`, `SV:` …) joins the first message with the same base
//! subject. Quoted text (`>` lines with the attribution line such as `On … wrote:` that
//! introduces them, keeping an answer written below; everything after an `Original
//! Message` marker) and signatures (after `-- `, `Sent from my …`) are removed before
//! detection. Addresses obfuscated as list archives write them (`ana at mail.example`)
//! are read as addresses; an mbox separator is a `From ` line with a sender and a date,
//! so a body paragraph starting with `From ` does not split a message.
//!
//! Roles: a sender whose address or domain is listed in `[readers.email]` is the agent,
//! anyone else the customer. With no support addresses configured, the sender of the
//! thread's first message is the customer and the other senders are agents.
//!
//! Memory: a reply may arrive at any point of any input, so the thread graph of every
//! message (64-bit hashes of its Message-ID, references and subject: about 60 bytes plus
//! 8 per reference) stays in memory until all e-mail inputs are read, while the messages
//! themselves (stripped text, sender, subject) are staged through spill stores and
//! regrouped by thread ([`crate::ingest::threads`]). An mbox is read one message at a
//! time, never whole; problems name the line of the message's `From ` separator.

use std::collections::HashMap;
use std::io::BufRead;

use crate::error::SkipReason;
use crate::ingest::readers::{EmailConfig, ReadOutput};
use crate::ingest::record::{Cursor, id_hash as hash, put_opt, put_str};
use crate::ingest::threads::{Staging, thread_roots};
use crate::model::{Channel, Conversation, Event, Role, SourcePos};
use crate::time::{MAX_YEAR, MIN_YEAR, Timestamp};

/// One parsed message, kept until threading.
struct Mail {
    id: Option<String>,
    /// Referenced ids in preference order: In-Reply-To, then References newest first.
    refs: Vec<String>,
    subject: String,
    subject_key: String,
    reply_subject: bool,
    from: String,
    ts: Timestamp,
    text: String,
    pos: SourcePos,
}

/// The thread graph of every message read, in read order; ids, references and subjects
/// as 64-bit hashes.
#[derive(Default)]
struct MailGraph {
    by_id: HashMap<u64, u32>,
    /// Referenced ids in preference order (In-Reply-To, then References newest first).
    refs: Vec<Box<[u64]>>,
    /// Base subject hash; `None` for an empty subject.
    subjects: Vec<Option<u64>>,
    /// May join by subject: a reply or forward prefix, or references none of which is known.
    by_subject: Vec<bool>,
    pos: Vec<SourcePos>,
}

impl MailGraph {
    /// The message each message replies to: the first known reference, else (for a reply
    /// subject) the first message with the same base subject.
    fn parents(&self) -> Vec<Option<u32>> {
        let mut first_with_subject: HashMap<u64, u32> = HashMap::new();
        for (i, s) in self.subjects.iter().enumerate() {
            if let Some(s) = s {
                first_with_subject.entry(*s).or_insert(i as u32);
            }
        }
        (0..self.pos.len() as u32)
            .map(|i| {
                let by_ref = self.refs[i as usize]
                    .iter()
                    .filter_map(|r| self.by_id.get(r).copied())
                    .find(|&p| p != i);
                by_ref.or_else(|| {
                    let p = first_with_subject
                        .get(&self.subjects[i as usize]?)
                        .copied()?;
                    (self.by_subject[i as usize] && p != i).then_some(p)
                })
            })
            .collect()
    }
}

/// Collects messages from mbox and `.eml` inputs, then threads them.
pub struct Threader {
    config: EmailConfig,
    graph: MailGraph,
    staging: Staging,
    parser: mail_parser::MessageParser,
}

impl Threader {
    /// An empty threader with the support addresses of `config`, keeping every message in
    /// memory.
    pub fn new(config: &EmailConfig) -> Threader {
        Threader::with_memory(config, usize::MAX)
    }

    /// Like [`Threader::new`], keeping about `memory` bytes of messages in memory per
    /// staging store and the rest in temporary files.
    pub fn with_memory(config: &EmailConfig, memory: usize) -> Threader {
        let mut config = config.clone();
        for s in config
            .support_domains
            .iter_mut()
            .chain(config.support_addresses.iter_mut())
        {
            *s = s.trim().trim_start_matches('@').to_ascii_lowercase();
        }
        Threader {
            config,
            graph: MailGraph::default(),
            staging: Staging::new(memory),
            parser: mail_parser::MessageParser::default(),
        }
    }

    /// Reads an mbox (messages separated by `From ` lines after a blank line or at the
    /// start), one message at a time.
    pub fn add_mbox(
        &mut self,
        reader: &mut dyn BufRead,
        file: u32,
        out: &mut ReadOutput,
    ) -> std::io::Result<()> {
        let mut line = Vec::new();
        let mut message: Vec<u8> = Vec::new();
        let mut start: Option<u64> = None;
        let mut envelope: Option<String> = None;
        let mut line_no = 0u64;
        let mut previous_blank = true;
        let mut stray: Option<u64> = None;
        loop {
            line.clear();
            if reader.read_until(b'\n', &mut line)? == 0 {
                break;
            }
            line_no += 1;
            let at_separator = if previous_blank && line.starts_with(b"From ") {
                separator(&line)
            } else {
                None
            };
            if let Some(sep) = at_separator {
                if let Some(at) = start.take() {
                    let pos = SourcePos { file, line: at };
                    self.add_message(&message, envelope.as_deref(), pos, out)?;
                }
                message.clear();
                start = Some(line_no);
                envelope = sep.sender;
                previous_blank = false;
                continue;
            }
            previous_blank = line.iter().all(u8::is_ascii_whitespace);
            if start.is_none() {
                if !previous_blank && stray.is_none() {
                    stray = Some(line_no);
                }
                continue;
            }
            // mboxrd escapes body lines that begin with `From ` as `>From `.
            let unescaped = match line.iter().position(|&b| b != b'>') {
                Some(n) if n > 0 && line[n..].starts_with(b"From ") => &line[1..],
                _ => &line[..],
            };
            message.extend_from_slice(unescaped);
        }
        if let Some(at) = start {
            let pos = SourcePos { file, line: at };
            self.add_message(&message, envelope.as_deref(), pos, out)?;
        }
        if let Some(at) = stray {
            out.records += 1;
            out.problem(
                SourcePos { file, line: at },
                SkipReason::MalformedRecord,
                "text before the first `From ` line is not part of any message",
            );
        }
        Ok(())
    }

    /// Reads one `.eml` file (a single message; such files are small, so it is read whole).
    pub fn add_eml(
        &mut self,
        reader: &mut dyn BufRead,
        file: u32,
        out: &mut ReadOutput,
    ) -> std::io::Result<()> {
        let mut raw = Vec::new();
        reader.read_to_end(&mut raw)?;
        self.add_message(&raw, None, SourcePos { file, line: 1 }, out)
    }

    /// Adds one message; `envelope` is the sender address of its mbox separator line.
    fn add_message(
        &mut self,
        raw: &[u8],
        envelope: Option<&str>,
        pos: SourcePos,
        out: &mut ReadOutput,
    ) -> std::io::Result<()> {
        out.records += 1;
        out.at = Some(pos);
        let mail = match self.parse(raw, envelope) {
            Ok(mail) => Mail { pos, ..mail },
            Err((reason, message)) => {
                out.problem(pos, reason, message);
                return Ok(());
            }
        };
        let g = &mut self.graph;
        let index = g.pos.len() as u32;
        if let Some(id) = &mail.id {
            match g.by_id.entry(hash(id)) {
                std::collections::hash_map::Entry::Occupied(first) => {
                    let p = g.pos[*first.get() as usize];
                    let msg = format!(
                        "duplicate Message-ID <{id}> (first in input {} line {})",
                        p.file + 1,
                        p.line
                    );
                    out.problem(pos, SkipReason::BadValue, msg);
                    return Ok(());
                }
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(index);
                }
            }
        }
        g.refs.push(mail.refs.iter().map(|r| hash(r)).collect());
        g.subjects
            .push((!mail.subject_key.is_empty()).then(|| hash(&mail.subject_key)));
        g.by_subject
            .push(mail.reply_subject || !mail.refs.is_empty());
        g.pos.push(pos);
        self.staging.push(index, |out| encode(&mail, out))
    }

    fn parse(&self, raw: &[u8], envelope: Option<&str>) -> Result<Mail, (SkipReason, String)> {
        if raw.iter().all(u8::is_ascii_whitespace) {
            return Err((SkipReason::MalformedRecord, "empty message".into()));
        }
        let msg = self.parser.parse(raw).ok_or((
            SkipReason::MalformedRecord,
            "not an e-mail message".to_string(),
        ))?;
        let from = sender(&msg)
            .or_else(|| envelope.map(str::to_owned))
            .ok_or((SkipReason::MissingField, "no `From` address".to_string()))?;
        let date = msg
            .date()
            .ok_or((SkipReason::MissingField, "no readable `Date`".to_string()))?;
        let ts = Timestamp(date.to_timestamp().saturating_mul(1000));
        let year = ts.civil_date().0;
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return Err((
                SkipReason::AbsurdTimestamp,
                format!("`Date` is outside {MIN_YEAR}..={MAX_YEAR}: {date}"),
            ));
        }
        let mut refs: Vec<String> = Vec::new();
        for list in [msg.in_reply_to(), msg.references()] {
            let ids = list.as_text_list().unwrap_or(&[]);
            // References lists oldest first; the newest is the likeliest parent.
            for id in ids.iter().rev() {
                refs.push(clean_id(id));
            }
        }
        let subject = msg.subject().unwrap_or("").trim().to_owned();
        let (subject_key, reply_subject) = subject_key(&subject);
        let body = msg.body_text(0).unwrap_or_default();
        Ok(Mail {
            id: msg.message_id().map(clean_id).filter(|s| !s.is_empty()),
            refs,
            subject,
            subject_key,
            reply_subject,
            from,
            ts,
            text: strip_quotes_and_signature(&body),
            pos: SourcePos::default(),
        })
    }

    /// Threads every message read and appends the conversations to `out`, in the order of
    /// each thread's first message read.
    pub fn finish(self, out: &mut ReadOutput) -> std::io::Result<()> {
        self.finish_streaming(out, &mut |_| {})?;
        out.conversations.sort_by_key(|c| c.pos);
        Ok(())
    }

    /// Threads every message read, handing `out` to `flush` after each partition of
    /// threads (partition by partition, in first-message order within one).
    pub fn finish_streaming(
        self,
        out: &mut ReadOutput,
        flush: &mut dyn FnMut(&mut ReadOutput),
    ) -> std::io::Result<()> {
        let roots = thread_roots(&self.graph.parents());
        drop(self.graph);
        let config_empty =
            self.config.support_addresses.is_empty() && self.config.support_domains.is_empty();
        let config = &self.config;
        self.staging.regroup(&roots, &mut |threads| {
            for members in threads.into_values() {
                let members = members
                    .into_iter()
                    .map(|(_, body)| decode(body))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(std::io::Error::other)?;
                out.at = members.first().map(|m| m.pos);
                let conv = thread_conversation(members, |from, thread_starter| {
                    if config_empty {
                        from != thread_starter
                    } else {
                        is_support(config, from)
                    }
                });
                out.conversations.push(conv);
            }
            flush(out);
            Ok(())
        })
    }
}

/// The sender's address, lower-case: the `From` header's address, or an address written
/// out as archives obfuscate them (`From: ana at mail.example (Ana)`).
fn sender(msg: &mail_parser::Message<'_>) -> Option<String> {
    msg.from()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .filter(|a| a.contains('@'))
        .map(str::to_ascii_lowercase)
        .or_else(|| msg.header_raw("From").and_then(deobfuscated_address))
}

/// `user@host` from the first `user at host` in `text` (the host needs a dot), ignoring
/// the brackets and quotes around it.
fn deobfuscated_address(text: &str) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    words.windows(3).find_map(|w| {
        let user = w[0].trim_start_matches(['<', '(', '"', '\'']);
        let host = w[2].trim_end_matches(['>', ')', '"', '\'', ',', ';']);
        let is_host = host.contains('.')
            && !host.starts_with('.')
            && !host.ends_with('.')
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
        let is_user = !user.is_empty() && !user.contains(['@', '<', '>', '(', ')']);
        (w[1].eq_ignore_ascii_case("at") && is_user && is_host)
            .then(|| format!("{user}@{host}").to_ascii_lowercase())
    })
}

/// An mbox `From ` separator line.
#[derive(Debug, PartialEq)]
struct Separator {
    /// The envelope sender, when it is an address (plain or written `user at host`).
    sender: Option<String>,
}

/// The separator a `From ` line is, if it is one: a sender (one word, or `user at host`)
/// then a date with a month name, a clock time and a four-digit year
/// (`From ana@mail.example Tue Mar  5 10:00:00 2024`). A body line that happens to start
/// with `From ` (`From the log we see …`) is not one.
fn separator(line: &[u8]) -> Option<Separator> {
    separator_of(line)
}

/// True when `line` is an mbox `From ` separator (a sender, then an envelope date).
pub fn is_separator_line(line: &[u8]) -> bool {
    separator_of(line).is_some()
}

fn separator_of(line: &[u8]) -> Option<Separator> {
    let text = String::from_utf8_lossy(line);
    let words: Vec<&str> = text.strip_prefix("From ")?.split_whitespace().collect();
    let (sender, date) = match words.as_slice() {
        [user, at, host, date @ ..] if at.eq_ignore_ascii_case("at") => {
            (deobfuscated_address(&format!("{user} {at} {host}")), date)
        }
        [sender, date @ ..] => (
            sender.contains('@').then(|| sender.to_ascii_lowercase()),
            date,
        ),
        [] => return None,
    };
    is_envelope_date(date).then_some(Separator { sender })
}

/// Month names as mbox dates write them, lower-case.
const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// True for the date of a separator line: within its first seven words a month name, a
/// clock time (`10:00` or `10:00:00`) and a four-digit year.
fn is_envelope_date(words: &[&str]) -> bool {
    let words = &words[..words.len().min(7)];
    let month = words.iter().any(|w| {
        let w = w.trim_end_matches(',').to_ascii_lowercase();
        MONTHS.contains(&w.as_str())
    });
    let clock = words.iter().any(|w| {
        let parts: Vec<&str> = w.split(':').collect();
        (2..=3).contains(&parts.len())
            && parts
                .iter()
                .all(|p| (1..=2).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
    });
    let year = words
        .iter()
        .any(|w| w.len() == 4 && w.bytes().all(|b| b.is_ascii_digit()));
    month && clock && year
}

/// True when `address` is a support address or lies in a support domain (or a subdomain).
fn is_support(config: &EmailConfig, address: &str) -> bool {
    let domain = address.rsplit_once('@').map_or("", |(_, d)| d);
    config.support_addresses.iter().any(|a| a == address)
        || config
            .support_domains
            .iter()
            .any(|d| domain == d || domain.ends_with(&format!(".{d}")))
}

/// Appends the staged body of `mail` (what a conversation needs of it).
fn encode(mail: &Mail, out: &mut Vec<u8>) {
    put_opt(out, mail.id.as_deref());
    put_str(out, &mail.subject);
    put_str(out, &mail.from);
    out.extend_from_slice(&mail.ts.0.to_le_bytes());
    put_str(out, &mail.text);
    out.extend_from_slice(&mail.pos.file.to_le_bytes());
    out.extend_from_slice(&mail.pos.line.to_le_bytes());
}

/// Reads back a body [`encode`] wrote.
fn decode(body: &[u8]) -> Result<Mail, String> {
    let mut r = Cursor(body);
    Ok(Mail {
        id: r.opt()?,
        refs: Vec::new(),
        subject: r.string()?,
        subject_key: String::new(),
        reply_subject: false,
        from: r.string()?,
        ts: Timestamp(r.i64()?),
        text: r.string()?,
        pos: SourcePos {
            file: r.u32()?,
            line: r.u64()?,
        },
    })
}

fn thread_conversation(
    mut members: Vec<Mail>,
    is_agent: impl Fn(&str, &str) -> bool,
) -> Conversation<'static> {
    // The thread's starter is its earliest message (ties: first read).
    let starter_at = (0..members.len())
        .min_by_key(|&i| (members[i].ts, i))
        .unwrap_or(0);
    let starter = members[starter_at].from.clone();
    let id = members[starter_at]
        .id
        .clone()
        .unwrap_or_else(|| format!("mail-{}-{}", members[0].pos.file + 1, members[0].pos.line));
    let mut conv = Conversation::new(id, Channel::Email);
    conv.pos = members[0].pos;
    let subject = std::mem::take(&mut members[starter_at].subject);
    for (i, m) in members.into_iter().enumerate() {
        let role = if is_agent(&m.from, &starter) {
            Role::Agent
        } else {
            Role::Customer
        };
        if role == Role::Customer && conv.customer_id.is_none() {
            conv.customer_id = Some(m.from.clone().into());
        }
        let text = if i == starter_at && !subject.is_empty() {
            format!("{subject}\n\n{}", m.text)
        } else {
            m.text
        };
        let mut e = Event::message(m.ts, role, text).with_author(m.from);
        e.pos = m.pos;
        conv.events.push(e);
    }
    conv
}

fn clean_id(id: &str) -> String {
    id.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_owned()
}

/// Reply and forward prefixes, in several languages, lower-case.
const SUBJECT_PREFIXES: [&str; 9] = ["re", "fw", "fwd", "aw", "sv", "vs", "wg", "tr", "rif"];

/// The subject without reply/forward prefixes and `[tags]`, lower-cased and with single
/// spaces; and whether a prefix was removed.
pub fn subject_key(subject: &str) -> (String, bool) {
    let mut s = subject.trim();
    let mut stripped = false;
    loop {
        let before = s;
        if let Some(rest) = s.strip_prefix('[').and_then(|r| r.split_once(']')) {
            s = rest.1.trim_start();
        }
        if let Some((word, rest)) = s.split_once(':') {
            let w = word.trim().to_ascii_lowercase();
            // `Re[2]:` and `RE :` count too.
            let w = w.split('[').next().unwrap_or("").trim();
            if SUBJECT_PREFIXES.contains(&w) {
                s = rest.trim_start();
                stripped = true;
            }
        }
        if s == before {
            break;
        }
    }
    let key = s
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    (key, stripped)
}

/// Attribution lines end with one of these (after trimming), in several languages.
const ATTRIBUTION_ENDINGS: [&str; 6] = [
    "wrote:",
    "schrieb:",
    "a écrit :",
    "a écrit:",
    "escribió:",
    "scritto:",
];

fn is_attribution(line: &str) -> bool {
    let lower = line.trim().to_lowercase();
    ATTRIBUTION_ENDINGS.iter().any(|e| lower.ends_with(e))
}

fn starts_quoted_history(line: &str) -> bool {
    let t = line.trim();
    let lower = t.to_lowercase();
    is_attribution(t)
        || (lower.starts_with("-----") && lower.contains("original message"))
        || (t.len() >= 20 && t.chars().all(|c| c == '_'))
}

fn is_quoted(line: &str) -> bool {
    line.trim_start().starts_with('>')
}

/// True when the first non-blank line of `rest` is quoted: the attribution before it
/// introduces `>` lines, and what follows them may be an answer written below.
fn quoted_lines_follow(rest: &[&str]) -> bool {
    rest.iter()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| is_quoted(l))
}

fn starts_signature(line: &str) -> bool {
    let t = line.trim_end_matches(['\r', '\n']);
    t == "-- " || t == "--" || t.to_lowercase().starts_with("sent from my ")
}

/// Removes quoted replies and the signature from a message body. An attribution line
/// (`On … wrote:`) followed by `>` lines is dropped with them, and the text after them
/// (an answer written below the quote, or between quotes) is kept; an attribution
/// followed by unquoted history, an `Original Message` marker or a rule of underscores
/// ends the message.
pub fn strip_quotes_and_signature(body: &str) -> String {
    let lines: Vec<&str> = body.lines().collect();
    let mut kept: Vec<&str> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if starts_signature(line) {
            break;
        }
        if starts_quoted_history(line) {
            // A wrapped attribution (`On Tue, … Ana <ana@x>` / `wrote:`) started a line earlier.
            if kept
                .last()
                .is_some_and(|l| l.trim_start().starts_with("On "))
            {
                kept.pop();
            }
            if is_attribution(line) && quoted_lines_follow(&lines[i + 1..]) {
                continue;
            }
            break;
        }
        if is_quoted(line) {
            continue;
        }
        kept.push(line.trim_end());
    }
    while kept.last().is_some_and(|l| l.is_empty()) {
        kept.pop();
    }
    let first = kept
        .iter()
        .position(|l| !l.is_empty())
        .unwrap_or(kept.len());
    kept[first..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_keys() {
        assert_eq!(
            subject_key("Re: RE: Order  #123"),
            ("order #123".into(), true)
        );
        assert_eq!(
            subject_key("AW: [Ticket 9] Fwd: Rückerstattung"),
            ("rückerstattung".into(), true)
        );
        assert_eq!(
            subject_key("Refund please"),
            ("refund please".into(), false)
        );
        assert_eq!(subject_key("Re[2]: x"), ("x".into(), true));
        assert_eq!(subject_key(""), (String::new(), false));
    }

    #[test]
    fn quotes_and_signatures_are_stripped() {
        let body = "Hi,\n\nstill broken.\n> old text\n\nThanks\n-- \nAna\n+1 555";
        assert_eq!(
            strip_quotes_and_signature(body),
            "Hi,\n\nstill broken.\n\nThanks"
        );
        let body = "Fixed now.\nOn Tue, 5 Mar 2024 at 10:00, Ana\n<ana@x.example> wrote:\n> broken";
        assert_eq!(strip_quotes_and_signature(body), "Fixed now.");
        let body = "ok\n-----Original Message-----\nFrom: x";
        assert_eq!(strip_quotes_and_signature(body), "ok");
        assert_eq!(
            strip_quotes_and_signature("Danke!\nSent from my phone"),
            "Danke!"
        );
        assert_eq!(strip_quotes_and_signature(""), "");
    }

    #[test]
    fn obfuscated_addresses() {
        let cases = [
            (
                "ana.silva at mail.example (Ana Silva)",
                Some("ana.silva@mail.example"),
            ),
            ("\"Bo\" <Bo at Shop.Example>", Some("bo@shop.example")),
            ("ana at localhost", None),
            ("meet me at noon.", None),
            ("Ana Silva", None),
            ("", None),
        ];
        for (text, want) in cases {
            assert_eq!(deobfuscated_address(text).as_deref(), want, "{text}");
        }
    }

    #[test]
    fn separator_lines_and_body_lines_starting_with_from() {
        let sender = |line: &str| separator(line.as_bytes()).map(|s| s.sender);
        let cases: [(&str, Option<Option<&str>>); 8] = [
            (
                "From ana.silva at mail.example  Fri Jan  1 01:46:06 2016\n",
                Some(Some("ana.silva@mail.example")),
            ),
            (
                "From Ana@Mail.Example Tue Mar  5 10:00:00 2024\n",
                Some(Some("ana@mail.example")),
            ),
            ("From - Tue Mar 05 10:00:00 2024\n", Some(None)),
            (
                "From MAILER-DAEMON Tue Mar  5 10:00:00 +0000 2024",
                Some(None),
            ),
            ("From the log: fixed at 10:00\n", None),
            ("From this fit the variance is 0.12 in Jan 2016.\n", None),
            ("From ana at mail.example\n", None),
            ("From \n", None),
        ];
        for (line, want) in cases {
            assert_eq!(sender(line), want.map(|s| s.map(str::to_owned)), "{line:?}");
        }
    }

    #[test]
    fn answers_below_and_between_quotes_are_kept() {
        // Bottom-posted: attribution, quote, answer, list footer.
        let body = "On Fri, Jan 1, 2016 at 9:00 AM, Ana <ana at mail.example> wrote:\n\
                    > my plot has no legend\n\
                    > how do I add one?\n\
                    \n\
                    Call legend() after plot().\n\
                    \n\
                    Bo\n\
                    ______________________________________________\n\
                    list at lists.example mailing list";
        assert_eq!(
            strip_quotes_and_signature(body),
            "Call legend() after plot().\n\nBo"
        );
        // Inline answers between quoted parts, the attribution wrapped over two lines.
        let body = "On Fri, 1 Jan 2016, Ana Silva\n<ana@mail.example> wrote:\n\
                    \n> first question\nfirst answer\n> second question\nsecond answer";
        assert_eq!(
            strip_quotes_and_signature(body),
            "first answer\nsecond answer"
        );
        // Top-posted above unquoted history: everything from the attribution goes.
        let body = "Thanks, that works.\nOn Fri, 1 Jan 2016, Bo wrote:\nCall legend().";
        assert_eq!(strip_quotes_and_signature(body), "Thanks, that works.");
    }

    #[test]
    fn spilled_threads_equal_threads_in_memory() {
        // 200 threads of three messages: a question, a support reply by In-Reply-To (for
        // every 25th thread it comes first in the mbox), and a customer follow-up found
        // only by its `Re:` subject. One duplicate Message-ID.
        let message = |id: &str, from: &str, reply_to: Option<&str>, subject: &str, min: u32| {
            let reply = reply_to
                .map(|r| format!("In-Reply-To: <{r}>\n"))
                .unwrap_or_default();
            format!(
                "From x Tue Mar  5 10:00:00 2024\nFrom: <{from}>\nDate: Tue, 5 Mar 2024 10:{:02}:00 +0000\n\
                 Message-ID: <{id}>\n{reply}Subject: {subject}\n\nbody of {id} 😀\n\n",
                min % 60
            )
        };
        let mut mbox = String::new();
        for t in 0..200u32 {
            let q = message(
                &format!("q{t}@mail.example"),
                &format!("c{}@mail.example", t % 13),
                None,
                &format!("order {t} late"),
                t,
            );
            let r = message(
                &format!("r{t}@shop.example"),
                "help@shop.example",
                Some(&format!("q{t}@mail.example")),
                &format!("Re: order {t} late"),
                t + 1,
            );
            let f = message(
                &format!("f{t}@mail.example"),
                &format!("c{}@mail.example", t % 13),
                None,
                &format!("RE: order {t} late"),
                t + 2,
            );
            if t % 25 == 0 {
                mbox.push_str(&r);
                mbox.push_str(&q);
            } else {
                mbox.push_str(&q);
                mbox.push_str(&r);
            }
            mbox.push_str(&f);
        }
        mbox.push_str(&message(
            "q7@mail.example",
            "dup@mail.example",
            None,
            "dup",
            1,
        ));
        let config = EmailConfig {
            support_domains: vec!["shop.example".into()],
            ..EmailConfig::default()
        };
        let mut whole = ReadOutput::default();
        let mut t = Threader::new(&config);
        t.add_mbox(&mut mbox.as_bytes(), 0, &mut whole).unwrap();
        t.finish(&mut whole).unwrap();
        assert_eq!(whole.conversations.len(), 200);
        assert_eq!(whole.problems.len(), 1);

        let (out, handed, _) = crate::ingest::readers::collect_flushes(|out, flush| {
            let mut t = Threader::with_memory(&config, 1024);
            t.add_mbox(&mut mbox.as_bytes(), 0, out)?;
            t.finish_streaming(out, flush)
        });
        let shape = |c: &Conversation<'_>| -> (String, Option<String>, Vec<(Role, String, u64)>) {
            let events = c
                .events
                .iter()
                .map(|e| (e.role, e.text.to_string(), e.pos.line))
                .collect();
            (
                c.id.to_string(),
                c.customer_id.as_deref().map(str::to_owned),
                events,
            )
        };
        let a: Vec<_> = handed.iter().map(shape).collect();
        let b: Vec<_> = whole.conversations.iter().map(shape).collect();
        assert_eq!(a, b);
        assert!(b.iter().all(|c| c.2.len() == 3), "three messages a thread");
        assert_eq!(out.problems, whole.problems);
        assert_eq!(out.records, whole.records);
    }

    #[test]
    fn roles_fall_back_to_thread_starter_without_support_config() {
        let mbox = "From a@x Tue Mar  5 10:00:00 2024\n\
                    From: Ana <ana@mail.example>\nDate: Tue, 5 Mar 2024 10:00:00 +0000\nMessage-ID: <1@mail.example>\nSubject: help\n\nbroken\n\n\
                    From b@x Tue Mar  5 11:00:00 2024\n\
                    From: Sam <sam@shop.example>\nDate: Tue, 5 Mar 2024 11:00:00 +0000\nMessage-ID: <2@shop.example>\nIn-Reply-To: <1@mail.example>\nSubject: Re: help\n\n>From the log: fixed\n";
        let mut out = ReadOutput::default();
        let mut t = Threader::new(&EmailConfig::default());
        t.add_mbox(&mut mbox.as_bytes(), 0, &mut out).unwrap();
        t.finish(&mut out).unwrap();
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        assert_eq!(out.conversations.len(), 1);
        let c = &out.conversations[0];
        let roles: Vec<Role> = c.events.iter().map(|e| e.role).collect();
        assert_eq!(roles, [Role::Customer, Role::Agent]);
        assert_eq!(c.events[1].text, "From the log: fixed");
        assert_eq!(c.events[1].pos.line, 9);
    }
}
