//! Social support threads from CSV in the common customer-support-on-social shape:
//! `tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id`.
//!
//! Threads are rebuilt from the reply links: every post follows `in_response_to_tweet_id`
//! up to the earliest ancestor present in the file, and that root post with everything
//! that answers it (whichever brands answered) is one conversation on the social channel.
//! `inbound=True` posts are the customer's, the others the brand's (the brand handle is
//! the agent; `[readers.social] brand_handles` forces handles to the brand side). A reply
//! whose parent is not in the file starts its own thread.
//!
//! Memory: the reply graph can link any two rows of the file, so the reader keeps the
//! graph itself in memory (a 64-bit id hash, parent hash and line per row: about 50 bytes
//! a row) and stages the posts through [`crate::ingest::threads`] (in memory up to a
//! limit, temporary files past it). After the file, each post's thread root is resolved on
//! the graph, the posts are regrouped by root, and one partition of threads at a time
//! becomes conversations.
//!
//! Columns are found by header name, so column order does not matter; rows with a wrong field count, no id, a bad
//! `inbound` flag or an unreadable `created_at` are reported with their line and skipped.
//! Rows end at `\n`, so a bare `\r` inside a text (quoted or not) is text.
//!
//! A stray quote (a text that opens a quoted field and never closes it) spoils only its own
//! row: records are framed by [`crate::ingest::csv_records`], and while a quoted field runs
//! on over line ends, a line that reads on its own as the start of a post (`starts_post`:
//! an id-shaped `tweet_id`, a valid `inbound` flag and `created_at`, and the header's field
//! count) ends it. The lines skipped are one `malformed_record` problem naming them.

use std::collections::HashMap;
use std::io::BufRead;

use crate::error::SkipReason;
use crate::ingest::csv_records::{CsvRecords, Fields, Framed, LineEnds, LineStart};
use crate::ingest::readers::{ReadOutput, SocialConfig, time_problem};
use crate::ingest::record::{Cursor, id_hash, put_opt, put_str};
use crate::ingest::threads::{Staging, thread_roots};
use crate::model::{Channel, Conversation, Event, Role, SourcePos};
use crate::time::{TimeError, Timestamp};

/// Column positions, found from the header row.
struct Columns {
    tweet_id: usize,
    author_id: usize,
    inbound: usize,
    created_at: usize,
    text: usize,
    in_response_to: Option<usize>,
    count: usize,
}

impl Columns {
    fn from_header(header: &Fields) -> Result<Columns, String> {
        // A column name over several lines is an unclosed quote that ran on, maybe to the
        // end of the file: its rows would be read as one header and silently lost.
        if let Some(name) = header.iter().find(|h| h.contains(&b'\n')) {
            let breaks = name.iter().filter(|&&b| b == b'\n').count();
            return Err(format!(
                "a quoted column name holds {breaks} line breaks (unclosed quote?)"
            ));
        }
        let find = |name: &str| {
            header
                .iter()
                .position(|h| without_cr(h).eq_ignore_ascii_case(name.as_bytes()))
        };
        let need = |name: &str| find(name).ok_or_else(|| format!("no `{name}` column"));
        Ok(Columns {
            tweet_id: need("tweet_id")?,
            author_id: need("author_id")?,
            inbound: need("inbound")?,
            created_at: need("created_at")?,
            text: need("text")?,
            in_response_to: find("in_response_to_tweet_id"),
            count: header.len(),
        })
    }
}

/// One post.
struct Post {
    id: String,
    parent: Option<String>,
    author: String,
    inbound: bool,
    ts: Timestamp,
    text: String,
    line: u64,
}

/// The reply graph: per accepted row (in row order) its line and parent, and the row of
/// every id. Ids are kept as 64-bit hashes.
#[derive(Default)]
struct Graph {
    rows: HashMap<u64, u32>,
    parents: Vec<Option<u64>>,
    lines: Vec<u64>,
}

impl Graph {
    /// Adds a row; `Err(line of the first)` when the id was seen before.
    fn add(&mut self, post: &Post) -> Result<u32, u64> {
        let row = self.parents.len() as u32;
        match self.rows.entry(id_hash(&post.id)) {
            std::collections::hash_map::Entry::Occupied(first) => {
                Err(self.lines[*first.get() as usize])
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(row);
                self.parents.push(post.parent.as_deref().map(id_hash));
                self.lines.push(post.line);
                Ok(row)
            }
        }
    }

    /// The row each row replies to, when that row is in the file.
    fn parent_rows(&self) -> Vec<Option<u32>> {
        self.parents
            .iter()
            .map(|p| p.and_then(|h| self.rows.get(&h).copied()))
            .collect()
    }
}

/// Reads one social CSV file into `out`, conversations in the order of their root rows.
pub fn read(
    reader: &mut dyn BufRead,
    file: u32,
    config: &SocialConfig,
    out: &mut ReadOutput,
) -> std::io::Result<()> {
    read_streaming(reader, file, config, out, usize::MAX, &mut |_| {})?;
    out.conversations.sort_by_key(|c| c.pos);
    Ok(())
}

/// Like [`read`], keeping at most about `memory` bytes of posts in memory per store (the
/// rest in temporary files) and handing `out` to `flush` after each partition of threads.
/// Conversations come partition by partition (by root hash), in root row order within one.
pub fn read_streaming(
    reader: &mut dyn BufRead,
    file: u32,
    config: &SocialConfig,
    out: &mut ReadOutput,
    memory: usize,
    flush: &mut dyn FnMut(&mut ReadOutput),
) -> std::io::Result<()> {
    let line_ends = line_ends(reader.fill_buf()?);
    let mut csv = CsvRecords::new(reader, line_ends);
    if csv.next(None)?.is_none() {
        return Ok(()); // an empty file holds no records
    }
    let columns = match Columns::from_header(csv.fields()) {
        Ok(c) => c,
        Err(message) => {
            out.records += 1;
            let pos = SourcePos { file, line: 1 };
            out.problem(
                pos,
                SkipReason::MalformedRecord,
                format!("header: {message}"),
            );
            return Ok(());
        }
    };
    let mut graph = Graph::default();
    let mut staging = Staging::new(memory);
    let starts = |l: &LineStart<'_>| starts_post(l, &columns);
    while let Some(framed) = csv.next(Some(&starts))? {
        let row = csv.fields();
        let blank = row.len() == 1 && row.get(0).is_some_and(|f| f.trim_ascii().is_empty());
        if matches!(framed, Framed::Record { .. }) && blank {
            continue; // a blank line (`\r\n` when lines end at `\n`)
        }
        out.records += 1;
        let line = framed.line();
        let pos = SourcePos { file, line };
        out.at = Some(pos);
        if let Some(message) = framed.run_on_message() {
            out.problem(pos, SkipReason::MalformedRecord, message);
            continue;
        }
        match post_from_row(row, &columns, config, line) {
            Ok(post) => match graph.add(&post) {
                Ok(index) => staging.push(index, |out| encode(&post, out))?,
                Err(first) => {
                    let msg = format!("duplicate tweet_id {} (first at line {first})", post.id);
                    out.problem(pos, SkipReason::BadValue, msg);
                }
            },
            Err((reason, message)) => out.problem(pos, reason, message),
        }
    }
    let roots = thread_roots(&graph.parent_rows());
    drop(graph);
    staging.regroup(&roots, &mut |threads| {
        for (root, members) in threads {
            // The root first, then the replies in row order.
            let (first, replies): (Vec<_>, Vec<_>) =
                members.into_iter().partition(|&(i, _)| i == root);
            let thread = first
                .into_iter()
                .chain(replies)
                .map(|(_, body)| decode(body))
                .collect::<Result<Vec<_>, _>>()
                .map_err(std::io::Error::other)?;
            out.at = Some(SourcePos {
                file,
                line: thread[0].line,
            });
            out.conversations.push(thread_conversation(thread, file));
        }
        flush(out);
        Ok(())
    })
}

/// Appends the body of a staged `post`.
fn encode(post: &Post, out: &mut Vec<u8>) {
    put_str(out, &post.id);
    put_opt(out, post.parent.as_deref());
    put_str(out, &post.author);
    out.push(u8::from(post.inbound));
    out.extend_from_slice(&post.ts.0.to_le_bytes());
    put_str(out, &post.text);
    out.extend_from_slice(&post.line.to_le_bytes());
}

/// Reads back a body [`encode`] wrote.
fn decode(body: &[u8]) -> Result<Post, String> {
    let mut r = Cursor(body);
    Ok(Post {
        id: r.string()?,
        parent: r.opt()?,
        author: r.string()?,
        inbound: r.u8()? == 1,
        ts: Timestamp(r.i64()?),
        text: r.string()?,
        line: r.u64()?,
    })
}

/// Records end at `\n` (a `\r` before it is dropped from the last field), so a bare `\r`
/// inside a text, quoted or not (as spreadsheet and dataframe exports write them), stays
/// text. Only a file whose first block has `\r` and no `\n` is read with `\r` line ends.
fn line_ends(head: &[u8]) -> LineEnds {
    if head.contains(&b'\r') && !head.contains(&b'\n') {
        LineEnds::Any
    } else {
        LineEnds::Newline
    }
}

/// True when a line met inside a run-on quoted field reads as the start of a post of this
/// file: `tweet_id` id-shaped, `inbound` a flag, `created_at` a date (all complete on the
/// line), and exactly the header's field count (at most, when a quoted field opens at the
/// end of the line). A line of a post's text hardly ever passes all four.
fn starts_post(line: &LineStart<'_>, c: &Columns) -> bool {
    let count_fits = if line.open {
        line.fields.len() <= c.count
    } else {
        line.fields.len() == c.count
    };
    let complete = |i: usize| line.complete_field(i).map(without_cr);
    let as_str = |i: usize| complete(i).and_then(|f| std::str::from_utf8(f).ok());
    count_fits
        && complete(c.tweet_id).is_some_and(is_id_shaped)
        && as_str(c.inbound).is_some_and(|f| parse_flag(f.trim()).is_some())
        && as_str(c.created_at).is_some_and(|f| parse_social_time(f).is_ok())
}

/// An id: 1 to 64 letters, digits, `-`, `_`, `.` or `:`.
fn is_id_shaped(field: &[u8]) -> bool {
    let id = field.trim_ascii();
    (1..=64).contains(&id.len())
        && id
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// A field without the `\r` of a `\r\n` line end.
fn without_cr(field: &[u8]) -> &[u8] {
    field.strip_suffix(b"\r").unwrap_or(field)
}

fn field<'r>(row: &'r Fields, i: usize, name: &str) -> Result<&'r str, (SkipReason, String)> {
    let bytes = row.get(i).unwrap_or(b"");
    let bytes = if i + 1 == row.len() {
        without_cr(bytes)
    } else {
        bytes
    };
    std::str::from_utf8(bytes).map_err(|e| {
        (
            SkipReason::InvalidUtf8,
            format!("`{name}` is not UTF-8 at byte {}", e.valid_up_to()),
        )
    })
}

fn post_from_row(
    row: &Fields,
    c: &Columns,
    config: &SocialConfig,
    line: u64,
) -> Result<Post, (SkipReason, String)> {
    if row.len() != c.count {
        return Err((
            SkipReason::MalformedRecord,
            format!("{} fields where the header has {}", row.len(), c.count),
        ));
    }
    let id = field(row, c.tweet_id, "tweet_id")?.trim();
    if id.is_empty() {
        return Err((SkipReason::MissingId, "empty `tweet_id`".into()));
    }
    let author = field(row, c.author_id, "author_id")?.trim();
    if author.is_empty() {
        return Err((SkipReason::MissingField, "empty `author_id`".into()));
    }
    let inbound_text = field(row, c.inbound, "inbound")?.trim();
    let inbound = parse_flag(inbound_text).ok_or_else(|| {
        (
            SkipReason::BadValue,
            format!("`inbound` is not True/False: {inbound_text:?}"),
        )
    })?;
    let created = field(row, c.created_at, "created_at")?;
    let ts = parse_social_time(created).map_err(|e| time_problem("created_at", created, e))?;
    let parent = match c.in_response_to {
        Some(i) => parent_id(field(row, i, "in_response_to_tweet_id")?),
        None => None,
    };
    let is_brand = config.brand_handles.iter().any(|h| {
        h.trim_start_matches('@')
            .eq_ignore_ascii_case(author.trim_start_matches('@'))
    });
    Ok(Post {
        id: id.to_owned(),
        parent,
        author: author.to_owned(),
        inbound: inbound && !is_brand,
        ts,
        text: field(row, c.text, "text")?.to_owned(),
        line,
    })
}

/// `in_response_to_tweet_id` is empty, an integer, or (after spreadsheet round trips) a float.
fn parent_id(s: &str) -> Option<String> {
    let s = s.trim();
    let s = s.strip_suffix(".0").unwrap_or(s);
    (!s.is_empty()).then(|| s.to_owned())
}

fn parse_flag(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "t" => Some(true),
        "false" | "0" | "no" | "f" => Some(false),
        _ => None,
    }
}

/// Parses the social API date format `Tue Oct 31 22:10:47 +0000 2017`.
pub fn parse_social_time(s: &str) -> Result<Timestamp, TimeError> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    let [_weekday, month, day, time, offset, year] = parts[..] else {
        return Err(TimeError::Syntax);
    };
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let month = MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(month))
        .ok_or(TimeError::Syntax)?
        + 1;
    let day: u32 = day.parse().map_err(|_| TimeError::Syntax)?;
    let year: i64 = year.parse().map_err(|_| TimeError::Syntax)?;
    let offset = parse_offset(offset).ok_or(TimeError::Syntax)?;
    let iso = format!("{year:04}-{month:02}-{day:02}T{time}{offset}");
    Timestamp::parse(&iso)
}

fn parse_offset(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if b.len() != 5 || !matches!(b[0], b'+' | b'-') || !b[1..].iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(format!("{}:{}", &s[..3], &s[3..]))
}

fn thread_conversation(thread: Vec<Post>, file: u32) -> Conversation<'static> {
    let root = &thread[0];
    let mut conv = Conversation::new(root.id.clone(), Channel::Social);
    conv.pos = SourcePos {
        file,
        line: root.line,
    };
    conv.customer_id = thread
        .iter()
        .find(|p| p.inbound)
        .map(|p| p.author.clone().into());
    // The team is the brand that answered first (ties: first row).
    conv.team = thread
        .iter()
        .enumerate()
        .filter(|(_, p)| !p.inbound)
        .min_by_key(|(i, p)| (p.ts, *i))
        .map(|(_, p)| p.author.clone().into());
    for p in thread {
        let role = if p.inbound {
            Role::Customer
        } else {
            Role::Agent
        };
        let mut e = Event::message(p.ts, role, p.text).with_author(p.author);
        e.pos = SourcePos { file, line: p.line };
        conv.events.push(e);
    }
    conv
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spill::PARTITIONS;

    #[test]
    fn spilled_threads_equal_threads_in_memory() {
        // 400 threads: a customer post, a brand reply, the customer's answer; replies come
        // up to three threads later, every 40th thread's reply comes before its root, one
        // pair of rows forms a cycle and one id is duplicated.
        let mut rows: Vec<String> = Vec::new();
        let row = |id: u64, author: &str, inbound: bool, parent: Option<u64>, text: &str| {
            let parent = parent.map(|p| p.to_string()).unwrap_or_default();
            let flag = if inbound { "True" } else { "False" };
            format!(
                "{id},{author},{flag},Tue Oct 31 22:{:02}:47 +0000 2017,\"{text}\",,{parent}",
                id % 60
            )
        };
        for t in 0..400u64 {
            let root = 1_000 + t * 10;
            let reply = row(root + 1, "AcmeHelp", false, Some(root), "Sorry, DM us 😀");
            let answer = row(
                root + 2,
                &format!("c{}", t % 37),
                true,
                Some(root + 1),
                "done, thanks",
            );
            let question = row(
                root,
                &format!("c{}", t % 37),
                true,
                None,
                "my order is late",
            );
            if t % 40 == 0 {
                rows.push(reply);
                rows.push(question);
            } else {
                rows.push(question);
                let at = rows.len().saturating_sub((t % 3) as usize);
                rows.insert(at, reply);
            }
            rows.push(answer);
        }
        rows.push(row(7, "x", true, Some(8), "cycle a"));
        rows.push(row(8, "y", false, Some(7), "cycle b"));
        rows.push(row(1_000, "dup", true, None, "duplicate id"));
        let csv = format!(
            "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n{}\n",
            rows.join("\n")
        );
        let config = SocialConfig::default();
        let mut whole = ReadOutput::default();
        read(&mut csv.as_bytes(), 0, &config, &mut whole).unwrap();
        assert_eq!(whole.conversations.len(), 401);
        assert_eq!(whole.problems.len(), 1);

        // 2 KiB: nearly every post goes through the temporary files, twice.
        let (out, handed, rounds) = crate::ingest::readers::collect_flushes(|out, flush| {
            read_streaming(&mut csv.as_bytes(), 0, &config, out, 2048, flush)
        });
        assert_eq!(rounds, PARTITIONS);
        let shape = |c: &Conversation<'_>| {
            let events: Vec<(Role, String, Timestamp, u64)> = c
                .events
                .iter()
                .map(|e| (e.role, e.text.to_string(), e.ts, e.pos.line))
                .collect();
            let owned = |v: &Option<std::borrow::Cow<'_, str>>| v.as_deref().map(str::to_owned);
            (
                c.id.to_string(),
                owned(&c.customer_id),
                owned(&c.team),
                c.pos,
                events,
            )
        };
        let a: Vec<_> = handed.iter().map(shape).collect();
        let b: Vec<_> = whole.conversations.iter().map(shape).collect();
        assert_eq!(a, b);
        // Each thread: root, brand reply, customer answer.
        assert!(b.iter().filter(|c| c.4.len() == 3).count() == 400);
        assert_eq!(out.records, whole.records);
        assert_eq!(out.problems, whole.problems);
    }

    #[test]
    fn social_dates() {
        let t = parse_social_time("Tue Oct 31 22:10:47 +0000 2017").unwrap();
        assert_eq!(t.to_string(), "2017-10-31T22:10:47Z");
        let t = parse_social_time("Wed Nov 01 01:00:00 +0200 2017").unwrap();
        assert_eq!(t.to_string(), "2017-10-31T23:00:00Z");
        assert_eq!(parse_social_time("Tue Oct 31 2017"), Err(TimeError::Syntax));
        assert_eq!(
            parse_social_time("Tue Foo 31 22:10:47 +0000 2017"),
            Err(TimeError::Syntax)
        );
        assert_eq!(
            parse_social_time("Tue Oct 31 22:10:47 +0000 1970"),
            Err(TimeError::Absurd)
        );
    }

    fn read_str(text: &str, brands: &[&str]) -> ReadOutput {
        let mut out = ReadOutput::default();
        let config = SocialConfig {
            brand_handles: brands.iter().map(|s| s.to_string()).collect(),
        };
        read(&mut text.as_bytes(), 0, &config, &mut out).unwrap();
        out
    }

    #[test]
    fn reply_arriving_before_its_parent_joins_the_thread() {
        // Row order: reply (line 2) before its root (line 3); one thread rooted at 1.
        let csv = "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n\
                   2,Brand,False,Tue Oct 31 22:12:00 +0000 2017,@u hi,,1\n\
                   1,u1,True,Tue Oct 31 22:10:00 +0000 2017,help 🙏,2,\n";
        let out = read_str(csv, &[]);
        assert_eq!(out.conversations.len(), 1);
        let c = &out.conversations[0];
        assert_eq!(c.id, "1");
        assert_eq!(c.customer_id.as_deref(), Some("u1"));
        assert_eq!(c.events.len(), 2);
        assert_eq!(out.records, 2);
    }

    #[test]
    fn brand_handles_override_inbound_and_bad_rows_are_reported() {
        let csv = "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n\
                   1,u1,True,Tue Oct 31 22:10:00 +0000 2017,help,,\n\
                   2,AcmeHelp,True,Tue Oct 31 22:11:00 +0000 2017,on it,,1\n\
                   3,u2,maybe,Tue Oct 31 22:11:00 +0000 2017,x,,\n\
                   ,u2,True,Tue Oct 31 22:11:00 +0000 2017,x,,\n\
                   4,u2,True\n";
        let out = read_str(csv, &["@acmehelp"]);
        assert_eq!(out.conversations.len(), 1);
        assert_eq!(out.conversations[0].events[1].role, Role::Agent);
        let reasons: Vec<(u64, SkipReason)> = out
            .problems
            .iter()
            .map(|p| (p.pos.line, p.reason))
            .collect();
        assert_eq!(
            reasons,
            [
                (4, SkipReason::BadValue),
                (5, SkipReason::MissingId),
                (6, SkipReason::MalformedRecord)
            ]
        );
    }

    #[test]
    fn bare_carriage_returns_inside_texts_stay_text() {
        // A dataframe export: blank index column, parent ids as floats; row 11 has a bare
        // CR twice in an unquoted text, row 12 one in a quoted text.
        let lf = ",tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n\
                  0,11,u1,True,Tue Oct 31 18:13:06 +0000 2017,@Acme \r\rmy card was charged twice,12,\n\
                  1,12,Acme,False,Tue Oct 31 18:20:00 +0000 2017,\"@u1 sorry!\rPlease DM us\",,11.0\n\
                  2,13,u1,True,Tue Oct 31 18:25:00 +0000 2017,\"done, thanks\",,12.0\n\
                  \n";
        // The same rows with Windows line ends (and the blank line as `\r\n`).
        let crlf = lf.replace('\n', "\r\n");
        for (name, text) in [("LF", lf), ("CRLF", crlf.as_str())] {
            let out = read_str(text, &[]);
            assert!(out.problems.is_empty(), "{name}: {:?}", out.problems);
            assert_eq!(out.records, 3, "{name}");
            assert_eq!(out.conversations.len(), 1, "{name}");
            let c = &out.conversations[0];
            let texts: Vec<&str> = c.events.iter().map(|e| e.text.as_ref()).collect();
            assert_eq!(
                texts,
                [
                    "@Acme \r\rmy card was charged twice",
                    "@u1 sorry!\rPlease DM us",
                    "done, thanks"
                ],
                "{name}"
            );
            // Lines count `\n`s only: the header is line 1, then one line a row.
            let lines: Vec<u64> = c.events.iter().map(|e| e.pos.line).collect();
            assert_eq!(lines, [2, 3, 4], "{name}");
        }
        // A file with old Mac line ends (`\r` only) is still read line by line.
        let cr = "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\r\
                  1,u1,True,Tue Oct 31 22:10:00 +0000 2017,help,,\r";
        let out = read_str(cr, &[]);
        assert_eq!((out.records, out.conversations.len()), (1, 1));
    }

    #[test]
    fn empty_file_is_no_problem() {
        let out = read_str("", &[]);
        assert_eq!(
            (out.records, out.problems.len(), out.conversations.len()),
            (0, 0, 0)
        );
    }

    #[test]
    fn missing_columns_are_one_problem() {
        let out = read_str("id,text\n1,hi\n", &[]);
        assert!(out.conversations.is_empty());
        assert_eq!(out.problems.len(), 1);
        assert!(out.problems[0].message.contains("tweet_id"));
    }

    #[test]
    fn an_unclosed_quote_in_the_header_is_a_problem_not_an_empty_file() {
        // The quote opened in the header runs to the end: the two rows were read as part
        // of one header with every column present, so the file read as 0 records.
        let csv = "tweet_id,author_id,inbound,created_at,text,\"resp\n\
                   1,u1,True,Tue Oct 31 22:10:00 +0000 2017,help,,\n\
                   2,u2,True,Tue Oct 31 22:11:00 +0000 2017,help,,\n";
        let out = read_str(csv, &[]);
        assert_eq!((out.records, out.problems.len()), (1, 1));
        assert_eq!(out.problems[0].reason, SkipReason::MalformedRecord);
        assert!(
            out.problems[0].message.contains("3 line breaks"),
            "{:?}",
            out.problems
        );
    }
}
