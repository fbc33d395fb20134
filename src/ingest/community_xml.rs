//! Community Q&A dumps in the Stack Exchange `Posts.xml` shape: `<posts>` with one
//! `<row …/>` per post (attributes `Id`, `PostTypeId`, `ParentId`, `AcceptedAnswerId`,
//! `CreationDate`, `Score`, `OwnerUserId`, `Title`, `Tags`, `Body` as HTML).
//!
//! A question (`PostTypeId=1`) and its answers (`PostTypeId=2`, `ParentId` = question)
//! form one conversation on the community channel. The asker is the customer; answers by
//! others are community members (answers by the asker stay the customer's). A non-zero
//! `Score` becomes an [`EventKind::Endorsement`] (`detail = "score"`, `value` = score) at
//! the post's time; the accepted answer becomes the asker's [`EventKind::Accept`] plus a
//! `resolve`, both at the accepted answer's creation time (the dump has no acceptance
//! time, so resolution time is a lower bound). A post's endorsement follows the post
//! itself (same instant). HTML bodies are reduced to text. Other post
//! types (wiki, tag excerpts) are counted as records and not analysed.
//!
//! Streaming: rows are read one by one with an event reader. Answers may come long after
//! their question, so every post (stripped text plus ids and times) goes to a
//! [`SpillStore`] partition chosen by its question id: in memory up to a limit, in
//! temporary files past it. After the file, one partition at a time is regrouped into
//! conversations and handed over, so memory stays at the limit plus one partition
//! whatever the size of the dump. Problems name the line and the byte offset.

use std::collections::HashMap;
use std::io::BufRead;

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event as XmlEvent};

use crate::error::SkipReason;
use crate::ingest::assemble::partition_of;
use crate::ingest::readers::{ReadOutput, ReadProblem, parse_time_assuming_utc, time_problem};
use crate::ingest::record::{Cursor, put_opt, put_str};
use crate::model::{Channel, Conversation, Event, EventKind, Role, SourcePos};
use crate::spill::SpillStore;
use crate::time::Timestamp;

/// One question or answer row.
struct Post {
    id: String,
    question: bool,
    parent: Option<String>,
    accepted: Option<String>,
    ts: Timestamp,
    score: i64,
    owner: Option<String>,
    text: String,
    tags: Vec<String>,
    pos: SourcePos,
}

impl Post {
    /// The id of the question the post belongs to (its own for a question).
    fn thread_key(&self) -> &str {
        match (self.question, &self.parent) {
            (true, _) => &self.id,
            (false, Some(parent)) => parent,
            (false, None) => "",
        }
    }

    /// Appends the post as one length-prefixed record.
    fn encode(&self, out: &mut Vec<u8>) {
        let start = out.len();
        out.extend_from_slice(&[0; 4]);
        put_str(out, &self.id);
        out.push(u8::from(self.question));
        put_opt(out, self.parent.as_deref());
        put_opt(out, self.accepted.as_deref());
        out.extend_from_slice(&self.ts.0.to_le_bytes());
        out.extend_from_slice(&self.score.to_le_bytes());
        put_opt(out, self.owner.as_deref());
        put_str(out, &self.text);
        out.extend_from_slice(&(self.tags.len() as u32).to_le_bytes());
        for t in &self.tags {
            put_str(out, t);
        }
        out.extend_from_slice(&self.pos.file.to_le_bytes());
        out.extend_from_slice(&self.pos.line.to_le_bytes());
        let len = (out.len() - start - 4) as u32;
        out[start..start + 4].copy_from_slice(&len.to_le_bytes());
    }

    /// Decodes the records [`Post::encode`] wrote, in order.
    fn decode_all(mut bytes: &[u8]) -> Result<Vec<Post>, String> {
        let mut posts = Vec::new();
        while !bytes.is_empty() {
            let mut r = Cursor(bytes);
            let len = r.u32()? as usize;
            let body = r.take(len)?;
            bytes = r.0;
            let mut r = Cursor(body);
            posts.push(Post {
                id: r.string()?,
                question: r.u8()? == 1,
                parent: r.opt()?,
                accepted: r.opt()?,
                ts: Timestamp(r.i64()?),
                score: r.i64()?,
                owner: r.opt()?,
                text: r.string()?,
                tags: (0..r.u32()?)
                    .map(|_| r.string())
                    .collect::<Result<_, _>>()?,
                pos: SourcePos {
                    file: r.u32()?,
                    line: r.u64()?,
                },
            });
        }
        Ok(posts)
    }
}

/// A question with its answers, in row order.
struct Thread {
    question: Post,
    answers: Vec<Post>,
}

type Invalid = (SkipReason, String);

/// Reads one `Posts.xml` into `out`, conversations in the order of their questions.
pub fn read(reader: &mut dyn BufRead, file: u32, out: &mut ReadOutput) -> std::io::Result<()> {
    read_streaming(reader, file, out, usize::MAX, &mut |_| {})?;
    out.conversations.sort_by_key(|c| c.pos);
    Ok(())
}

/// Like [`read`], keeping at most about `memory` bytes of posts in memory (the rest in
/// temporary files) and handing `out` to `flush` after each partition of threads, so a
/// caller that drains it there keeps memory bounded. Conversations come partition by
/// partition (by question id hash), in question order within a partition.
pub fn read_streaming(
    reader: &mut dyn BufRead,
    file: u32,
    out: &mut ReadOutput,
    memory: usize,
    flush: &mut dyn FnMut(&mut ReadOutput),
) -> std::io::Result<()> {
    let store = SpillStore::new(memory);
    let mut record = Vec::new();
    let mut xml = quick_xml::Reader::from_reader(reader);
    let mut buf = Vec::new();
    let mut line = 1u64;
    let mut outline = Outline::default();
    loop {
        buf.clear();
        let offset = xml.buffer_position();
        let event = xml.read_event_into(&mut buf);
        let pos = SourcePos { file, line };
        if let Some(unused) = event.as_ref().ok().and_then(|e| outline.unused(e)) {
            out.records += 1;
            let (what, at) = (unused.what, offset + unused.lead.bytes);
            let message = format!("{what} is not a post `<row>` (byte {at})");
            let pos = SourcePos {
                line: line + unused.lead.lines,
                ..pos
            };
            out.problem(pos, SkipReason::MalformedRecord, message);
        }
        match event {
            Ok(XmlEvent::Eof) => break,
            Ok(XmlEvent::Empty(row) | XmlEvent::Start(row))
                if row.local_name().as_ref() == "row" =>
            {
                out.records += 1;
                out.at = Some(pos);
                match post_from_row(&row, pos) {
                    Ok(Some(post)) => {
                        record.clear();
                        post.encode(&mut record);
                        store
                            .push(partition_of(post.thread_key()), &[&record])
                            .map_err(std::io::Error::other)?;
                    }
                    Ok(None) => {}
                    Err((reason, message)) => {
                        out.problem(pos, reason, format!("{message} (byte {offset})"));
                    }
                }
            }
            Ok(_) => {}
            Err(quick_xml::Error::Io(e)) => return Err(std::io::Error::other(e.to_string())),
            Err(e) => {
                out.records += 1;
                let at = xml.error_position();
                out.problem(
                    pos,
                    SkipReason::MalformedRecord,
                    format!("XML error at byte {at}: {e}"),
                );
                if xml.buffer_position() <= offset {
                    break; // no progress possible
                }
            }
        }
        line += memchr::memchr_iter(b'\n', &buf).count() as u64;
    }
    for part in store.take_partitions() {
        let bytes = part.load().map_err(std::io::Error::other)?;
        let posts = Post::decode_all(&bytes).map_err(std::io::Error::other)?;
        threads_of_partition(posts, out);
        flush(out);
    }
    Ok(())
}

/// Where the reader is in the element tree, to tell content that is not a post from the
/// dump's frame: the root element (`<posts>`), declarations, comments and white space are
/// the frame; anything else outside a `<row>` is content this reader does not use, and
/// is counted and reported so a file of something else never reads as an empty dump.
#[derive(Default)]
struct Outline {
    depth: usize,
    root_seen: bool,
}

/// Content of the dump that is not a post.
struct Unused {
    /// What it is (`element <comment>`, `text`).
    what: String,
    /// White space before it inside the event.
    lead: Lead,
}

/// Leading white space: its bytes and the line breaks among them.
#[derive(Default)]
struct Lead {
    bytes: u64,
    lines: u64,
}

impl Lead {
    fn of(text: &str) -> Lead {
        let ws = &text[..text.len() - text.trim_start().len()];
        Lead {
            bytes: ws.len() as u64,
            lines: ws.bytes().filter(|&b| b == b'\n').count() as u64,
        }
    }
}

impl Outline {
    /// Describes `event` when it is content other than a row (rows are read elsewhere).
    fn unused(&mut self, event: &XmlEvent<'_>) -> Option<Unused> {
        let element = |e: &BytesStart<'_>| Unused {
            what: format!("element <{}>", e.local_name().as_ref()),
            lead: Lead::default(),
        };
        match event {
            XmlEvent::Start(e) | XmlEvent::Empty(e) => {
                let at = self.depth;
                if matches!(event, XmlEvent::Start(_)) {
                    self.depth += 1;
                }
                match at {
                    _ if e.local_name().as_ref() == "row" => None,
                    0 if !self.root_seen => {
                        self.root_seen = true;
                        None
                    }
                    0 | 1 => Some(element(e)),
                    _ => None, // inside a row or an element already reported
                }
            }
            XmlEvent::End(_) => {
                self.depth = self.depth.saturating_sub(1);
                None
            }
            XmlEvent::Text(t) if self.depth <= 1 && !is_blank(t) => Some(Unused {
                what: "text".to_owned(),
                lead: Lead::of(t),
            }),
            XmlEvent::CData(_) if self.depth <= 1 => Some(Unused {
                what: "CDATA".to_owned(),
                lead: Lead::default(),
            }),
            _ => None,
        }
    }
}

fn is_blank(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_whitespace())
}

/// Groups one partition's posts (in file order) into conversations, in question order;
/// duplicate questions and answers without their question are reported.
fn threads_of_partition(posts: Vec<Post>, out: &mut ReadOutput) {
    let mut threads: Vec<Thread> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    let mut orphans: Vec<Post> = Vec::new();
    for post in posts {
        place(post, &mut threads, &mut by_id, &mut orphans, out);
    }
    for post in orphans {
        match by_id.get(post.parent.as_deref().unwrap_or("")) {
            Some(&t) => threads[t].answers.push(post),
            None => {
                let msg = format!(
                    "answer {} refers to question {:?}, which is not in the file",
                    post.id,
                    post.parent.as_deref().unwrap_or("")
                );
                out.problem(post.pos, SkipReason::MalformedRecord, msg);
            }
        }
    }
    for t in &mut threads {
        t.answers.sort_by_key(|a| a.pos);
    }
    for t in threads {
        out.at = Some(t.question.pos);
        let conv = thread_conversation(t, &mut out.problems);
        out.conversations.push(conv);
    }
}

fn place(
    post: Post,
    threads: &mut Vec<Thread>,
    by_id: &mut HashMap<String, usize>,
    orphans: &mut Vec<Post>,
    out: &mut ReadOutput,
) {
    if post.question {
        if by_id.contains_key(&post.id) {
            let msg = format!("duplicate question Id {}", post.id);
            out.problem(post.pos, SkipReason::BadValue, msg);
            return;
        }
        by_id.insert(post.id.clone(), threads.len());
        threads.push(Thread {
            question: post,
            answers: Vec::new(),
        });
        return;
    }
    match post.parent.as_ref().and_then(|p| by_id.get(p)) {
        Some(&t) => threads[t].answers.push(post),
        // The question may come later in an unordered dump.
        None => orphans.push(post),
    }
}

fn post_from_row(row: &BytesStart<'_>, pos: SourcePos) -> Result<Option<Post>, Invalid> {
    let mut a: HashMap<&'static str, String> = HashMap::new();
    const WANTED: [&str; 11] = [
        "Id",
        "PostTypeId",
        "ParentId",
        "AcceptedAnswerId",
        "CreationDate",
        "Score",
        "OwnerUserId",
        "OwnerDisplayName",
        "Title",
        "Tags",
        "Body",
    ];
    for attr in row.attributes() {
        let attr =
            attr.map_err(|e| (SkipReason::MalformedRecord, format!("bad attribute: {e}")))?;
        let key = attr.key.as_ref();
        let Some(name) = WANTED.iter().find(|w| **w == key) else {
            continue;
        };
        let value = attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| {
                (
                    SkipReason::MalformedRecord,
                    format!("attribute {name}: {e}"),
                )
            })?;
        a.insert(name, value.into_owned());
    }
    let id = a
        .remove("Id")
        .filter(|s| !s.is_empty())
        .ok_or((SkipReason::MissingId, "row without `Id`".to_string()))?;
    #[cfg(test)]
    if id == tests::PANICKING_ID {
        panic!("injected reader failure on post {id}");
    }
    let question = match a.get("PostTypeId").map(String::as_str) {
        Some("1") => true,
        Some("2") => false,
        Some(_) => return Ok(None),
        None => {
            return Err((
                SkipReason::MissingField,
                format!("post {id}: no `PostTypeId`"),
            ));
        }
    };
    let created = a.get("CreationDate").ok_or((
        SkipReason::MissingField,
        format!("post {id}: no `CreationDate`"),
    ))?;
    let ts =
        parse_time_assuming_utc(created).map_err(|e| time_problem("CreationDate", created, e))?;
    let score = match a.get("Score") {
        None => 0,
        Some(s) => s.trim().parse().map_err(|_| {
            (
                SkipReason::BadValue,
                format!("post {id}: `Score` is not an integer: {s:?}"),
            )
        })?,
    };
    let parent = a.remove("ParentId").filter(|s| !s.is_empty());
    if !question && parent.is_none() {
        return Err((
            SkipReason::MissingField,
            format!("answer {id}: no `ParentId`"),
        ));
    }
    let body = html_to_text(a.get("Body").map_or("", String::as_str));
    let text = match a.get("Title").filter(|t| !t.is_empty()) {
        Some(title) if question => format!("{title}\n\n{body}"),
        _ => body,
    };
    let owner = a
        .remove("OwnerUserId")
        .or_else(|| a.remove("OwnerDisplayName"))
        .filter(|s| !s.is_empty());
    Ok(Some(Post {
        id,
        question,
        parent,
        accepted: a.remove("AcceptedAnswerId").filter(|s| !s.is_empty()),
        ts,
        score,
        owner,
        text,
        tags: parse_tags(a.get("Tags").map_or("", String::as_str)),
        pos,
    }))
}

/// Tags come as `<a><b>` (older dumps) or `|a|b|` (newer ones).
fn parse_tags(s: &str) -> Vec<String> {
    s.split(['<', '>', '|'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

fn endorsement(p: &Post) -> Option<Event<'static>> {
    (p.score != 0).then(|| {
        let mut e = Event::new(p.ts, EventKind::Endorsement, Role::Member);
        e.value = Some(p.score as f64);
        e.detail = Some("score".into());
        e.pos = p.pos;
        e
    })
}

fn thread_conversation(t: Thread, problems: &mut Vec<ReadProblem>) -> Conversation<'static> {
    let Thread {
        question: q,
        answers,
    } = t;
    let mut conv = Conversation::new(q.id.clone(), Channel::Community);
    conv.pos = q.pos;
    conv.customer_id = q.owner.clone().map(Into::into);
    conv.tags = q.tags.iter().cloned().map(Into::into).collect();
    let mut first = Event::message(q.ts, Role::Customer, q.text.clone());
    first.pos = q.pos;
    if let Some(o) = &q.owner {
        first = first.with_author(o.clone());
    }
    conv.events.push(first);
    conv.events.extend(endorsement(&q));
    let mut accepted_found = false;
    for a in answers {
        let role = if a.owner.is_some() && a.owner == q.owner {
            Role::Customer
        } else {
            Role::Member
        };
        let mut e = Event::message(a.ts, role, a.text.clone());
        e.pos = a.pos;
        if let Some(o) = &a.owner {
            e = e.with_author(o.clone());
        }
        conv.events.push(e);
        // After its post: same instant, and the stable time sort keeps this order, so
        // the accepted answer's own score lies at or after the solution post.
        conv.events.extend(endorsement(&a));
        if q.accepted.as_deref() == Some(a.id.as_str()) {
            accepted_found = true;
            for kind in [EventKind::Accept, EventKind::Resolve] {
                let mut e = Event::new(a.ts, kind, Role::Customer);
                e.detail = Some(format!("answer {}", a.id).into());
                e.pos = a.pos;
                if let Some(o) = &q.owner {
                    e = e.with_author(o.clone());
                }
                conv.events.push(e);
            }
        }
    }
    if let (Some(acc), false) = (&q.accepted, accepted_found) {
        problems.push(ReadProblem {
            pos: q.pos,
            reason: SkipReason::BadValue,
            message: format!(
                "question {}: accepted answer {acc} is not in the file",
                q.id
            ),
        });
    }
    conv
}

/// Reduces an HTML fragment to text: tags dropped (block tags become line breaks),
/// character references decoded, runs of blank space collapsed.
pub fn html_to_text(html: &str) -> String {
    let mut raw = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find(['<', '&']) {
        raw.push_str(&rest[..i]);
        rest = &rest[i..];
        if rest.starts_with('<') {
            let end = rest.find('>').map_or(rest.len(), |e| e + 1);
            if is_block_tag(&rest[..end]) {
                raw.push('\n');
            }
            rest = &rest[end..];
        } else {
            let (decoded, used) = decode_entity(rest);
            raw.push_str(&decoded);
            rest = &rest[used..];
        }
    }
    raw.push_str(rest);
    collapse_space(&raw)
}

fn is_block_tag(tag: &str) -> bool {
    let name: String = tag
        .trim_start_matches(['<', '/'])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    matches!(
        name.as_str(),
        "p" | "br"
            | "div"
            | "li"
            | "ul"
            | "ol"
            | "pre"
            | "blockquote"
            | "tr"
            | "hr"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
    )
}

/// Decodes the reference at the start of `s` (which starts with `&`); returns the text
/// and the bytes consumed. An unknown or unterminated reference stays as written.
fn decode_entity(s: &str) -> (String, usize) {
    // Searched as bytes: the 12-byte window may end inside a multi-byte character, and
    // `;` is ASCII, so where it is found is a character boundary.
    let Some(end) = s.bytes().take(12).position(|b| b == b';') else {
        return ("&".into(), 1);
    };
    let name = &s[1..end];
    let c = match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" | "#39" => Some('\''),
        "nbsp" => Some(' '),
        _ if name.starts_with("#x") || name.starts_with("#X") => {
            u32::from_str_radix(&name[2..], 16)
                .ok()
                .and_then(char::from_u32)
        }
        _ if name.starts_with('#') => name[1..].parse().ok().and_then(char::from_u32),
        _ => None,
    };
    match c {
        Some(c) => (c.to_string(), end + 1),
        None => ("&".into(), 1),
    }
}

fn collapse_space(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for line in s.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.is_empty() {
            if !out.is_empty() && !out.ends_with("\n\n") {
                out.push('\n');
            }
            continue;
        }
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&words.join(" "));
    }
    out.trim_end().to_owned()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A post with this id makes the reader panic (a test-only hook, for the pipeline's
    /// handling of reader failures).
    pub(crate) const PANICKING_ID: &str = "inject-reader-panic";

    #[test]
    fn html_is_reduced_to_text() {
        let html = "<p>My <b>router</b> &amp; modem<br/>keep   dropping &#x1F62D;</p>\n<ul><li>tried reset</li></ul>";
        assert_eq!(
            html_to_text(html),
            "My router & modem\nkeep dropping 😭\n\ntried reset"
        );
        assert_eq!(html_to_text("a &bogus; b & c"), "a &bogus; b & c");
        assert_eq!(html_to_text(""), "");
    }

    #[test]
    fn reference_followed_by_multibyte_text() {
        // `&amp;` is bytes 0..5, then three curly quotes at 5..8, 8..11 and 11..14: the
        // 12-byte window looked at for `;` ends inside the third quote.
        assert_eq!(html_to_text("a &amp;’’’ b"), "a &’’’ b");
        // No `;` in the window: `&` stays as written (é is two bytes; byte 12 is inside
        // the sixth).
        assert_eq!(html_to_text("x&éééééé;"), "x&éééééé;");
        assert_eq!(html_to_text("&’’’’"), "&’’’’");
    }

    #[test]
    fn tags_in_both_notations() {
        assert_eq!(parse_tags("<wifi><router>"), ["wifi", "router"]);
        assert_eq!(parse_tags("|wifi|router|"), ["wifi", "router"]);
        assert!(parse_tags("").is_empty());
    }

    #[test]
    fn spilled_dump_gives_the_same_threads_as_one_in_memory() {
        // 300 questions; each answer row comes 1–3 questions after its question, and every
        // 50th question's first answer comes before it.
        let mut rows = Vec::new();
        let mut next_id = 1000;
        for q in 0..300 {
            let row = |id: u32, attrs: String| format!("  <row Id=\"{id}\" {attrs} />");
            let question = row(
                q,
                format!(
                    "PostTypeId=\"1\" CreationDate=\"2024-01-01T10:{:02}:00.000\" Score=\"{}\" \
                     OwnerUserId=\"u{}\" Title=\"Q{q}\" Body=\"&lt;p&gt;help {q} 😀&lt;/p&gt;\" Tags=\"&lt;wifi&gt;\"",
                    q % 60,
                    q % 3,
                    q % 17
                ),
            );
            let answer = |id: u32| {
                row(
                    id,
                    format!(
                        "PostTypeId=\"2\" ParentId=\"{q}\" CreationDate=\"2024-01-02T10:{:02}:00.000\" \
                         Score=\"1\" OwnerUserId=\"m{id}\" Body=\"answer {id}\"",
                        id % 60
                    ),
                )
            };
            if q % 50 == 0 {
                rows.push(answer(next_id));
                next_id += 1;
            }
            rows.push(question);
            let late = rows.len() - (q as usize % 3);
            rows.insert(late.min(rows.len()), answer(next_id));
            next_id += 1;
        }
        rows.push("  <row Id=\"9999\" PostTypeId=\"2\" ParentId=\"77777\" CreationDate=\"2024-01-01T10:00:00.000\" Body=\"x\" />".into());
        let xml = format!(
            "<?xml version=\"1.0\"?>\n<posts>\n{}\n</posts>\n",
            rows.join("\n")
        );

        let mut whole = ReadOutput::default();
        read(&mut xml.as_bytes(), 0, &mut whole).unwrap();
        assert_eq!(whole.conversations.len(), 300);

        // 4 KiB of memory: nearly every post goes through a temporary file.
        let (out, handed, rounds) = crate::ingest::readers::collect_flushes(|out, flush| {
            read_streaming(&mut xml.as_bytes(), 0, out, 4096, flush)
        });
        assert_eq!(rounds, crate::spill::PARTITIONS);
        assert_eq!(handed.len(), 300);
        for (a, b) in handed.iter().zip(&whole.conversations) {
            assert_eq!(
                (&a.id, &a.customer_id, &a.tags, a.pos),
                (&b.id, &b.customer_id, &b.tags, b.pos)
            );
            let events = |c: &Conversation<'_>| -> Vec<(EventKind, Role, String, Timestamp)> {
                c.events
                    .iter()
                    .map(|e| (e.kind, e.role, e.text.to_string(), e.ts))
                    .collect()
            };
            assert_eq!(events(a), events(b), "{}", a.id);
        }
        assert_eq!(out.records, whole.records);
        let orphan = |o: &ReadOutput| -> Vec<(u64, SkipReason)> {
            o.problems.iter().map(|p| (p.pos.line, p.reason)).collect()
        };
        assert_eq!(orphan(&out), orphan(&whole));
        assert_eq!(orphan(&out).len(), 1);
    }

    #[test]
    fn accepted_answer_score_counts_after_the_solution_post() {
        // Question at 10:00; the accepted answer at 10:05 with score 4, so its endorsement
        // has the answer's instant and must come after the answer itself.
        let xml = r#"<posts>
  <row Id="1" PostTypeId="1" AcceptedAnswerId="2" CreationDate="2024-01-01T10:00:00.000" OwnerUserId="7" Title="Wifi" Body="Help" />
  <row Id="2" PostTypeId="2" ParentId="1" CreationDate="2024-01-01T10:05:00.000" Score="4" OwnerUserId="8" Body="Reboot" />
</posts>"#;
        let mut out = ReadOutput::default();
        read(&mut xml.as_bytes(), 0, &mut out).unwrap();
        let mut conv = out.conversations.remove(0);
        conv.finish();
        let kinds: Vec<EventKind> = conv.events.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [
                EventKind::Message,
                EventKind::Message,
                EventKind::Endorsement,
                EventKind::Accept,
                EventKind::Resolve
            ]
        );
        // Without detectors the solution is the first answer (event 1); its score event
        // (event 2) is at or after it and counts its 4 points.
        let config = crate::config::Config::default();
        let facts = crate::metrics::ConversationFacts::compute(&conv, &config, None);
        assert_eq!(facts.cx.solution.map(|s| s.event), Some(1));
        assert_eq!(facts.cx.endorsements.total(), 4);
    }

    #[test]
    fn answer_before_question_and_missing_parent() {
        let xml = r#"<?xml version="1.0" encoding="utf-8"?>
<posts>
  <row Id="2" PostTypeId="2" ParentId="1" CreationDate="2024-01-01T10:05:00.000" Score="3" OwnerUserId="8" Body="&lt;p&gt;Reboot&lt;/p&gt;" />
  <row Id="1" PostTypeId="1" AcceptedAnswerId="2" CreationDate="2024-01-01T10:00:00.000" Score="0" OwnerUserId="7" Title="Wifi" Body="&lt;p&gt;Help&lt;/p&gt;" />
  <row Id="3" PostTypeId="2" ParentId="99" CreationDate="2024-01-01T10:05:00.000" Body="x" />
</posts>"#;
        let mut out = ReadOutput::default();
        read(&mut xml.as_bytes(), 0, &mut out).unwrap();
        assert_eq!(out.records, 3);
        assert_eq!(out.conversations.len(), 1);
        let kinds: Vec<EventKind> = out.conversations[0].events.iter().map(|e| e.kind).collect();
        // question, then for answer 2: message, endorsement (score 3), accept, resolve.
        assert_eq!(
            kinds,
            [
                EventKind::Message,
                EventKind::Message,
                EventKind::Endorsement,
                EventKind::Accept,
                EventKind::Resolve
            ]
        );
        assert_eq!(out.problems.len(), 1);
        assert_eq!(out.problems[0].pos.line, 5);
    }

    #[test]
    fn content_that_is_not_a_row_is_counted_and_reported() {
        let problems = |xml: &str| -> (u64, Vec<(u64, String)>) {
            let mut out = ReadOutput::default();
            read(&mut xml.as_bytes(), 0, &mut out).unwrap();
            let p = out.problems.iter().map(|p| (p.pos.line, p.message.clone()));
            (out.records, p.collect())
        };
        // Plain text: one text run, one record, one problem.
        let (records, found) = problems("just some text\nmore text\n");
        assert_eq!(records, 1);
        assert_eq!(
            found,
            [(1, "text is not a post `<row>` (byte 0)".to_string())]
        );
        // Frame only (declaration, root, comment, white space): nothing to report.
        let (records, found) =
            problems("<?xml version=\"1.0\"?>\n<posts>\n  <!-- x -->\n</posts>\n");
        assert_eq!((records, found.len()), (0, 0));
        // One row used; a foreign element (its text not counted again) and stray text
        // reported: 3 records, 2 problems, at lines 4 and 5.
        let xml = "<posts>\n  <row Id=\"1\" PostTypeId=\"1\" CreationDate=\"2024-01-01T10:00:00\" Body=\"q\" />\n\
                   \n  <comment>inner</comment>\n  stray\n</posts>\n";
        let (records, found) = problems(xml);
        assert_eq!(records, 3);
        let lines: Vec<u64> = found.iter().map(|f| f.0).collect();
        assert_eq!(lines, [4, 5], "{found:?}");
        assert!(found[0].1.starts_with("element <comment>"), "{found:?}");
    }
}
