//! Reassembly of conversations whose events come as separate lines, possibly spread over
//! files and out of order, in bounded memory.
//!
//! Event lines are validated during the streaming pass, then their raw bytes are appended
//! to one of the [`PARTITIONS`] partitions of a [`SpillStore`], chosen by a hash of the
//! conversation id; past the memory limit the partitions go to temporary files. At the end
//! each partition is read back on its own ([`assemble_partition`]): a first streaming pass
//! adds up each conversation's size (its lines plus one parsed event each); a conversation
//! larger than the maximum is skipped as `too_large`, and the others are loaded in groups
//! of at most about the maximum, so a partition never needs more memory than that
//! however skewed the input. Each group's lines are grouped by conversation id and sorted
//! by time. Records keep their (file, line) position, which makes the result
//! independent of arrival order: events are ordered by (timestamp, file, line) and
//! header fields are taken from the earliest line that has them.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::Read;

use crate::error::{Error, SkipReason};
use crate::ingest::jsonl::{EventLine, Line, apply_header, parse_line};
use crate::model::{Conversation, SourcePos};
use crate::spill::{PARTITIONS, PartitionData, SpillStore};

/// The spillable store of event lines: a [`SpillStore`] partitioned by conversation id.
pub struct EventStore {
    store: SpillStore,
}

/// The 64-bit key of a conversation id (stable across runs and platforms).
fn key_of(conversation_id: &str) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    conversation_id.hash(&mut h);
    h.finish()
}

/// The partition of a conversation id (stable across runs and platforms).
pub fn partition_of(conversation_id: &str) -> usize {
    (key_of(conversation_id) % PARTITIONS as u64) as usize
}

/// Record header: file, line, conversation key, line length.
const HEADER: usize = 4 + 8 + 8 + 4;

impl EventStore {
    /// A store that spills to temporary files past `limit` buffered bytes.
    pub fn new(limit: usize) -> EventStore {
        EventStore {
            store: SpillStore::new(limit),
        }
    }

    /// Bytes written to temporary files so far.
    pub fn spilled_bytes(&self) -> usize {
        self.store.spilled_bytes()
    }

    /// True when no event line was stored.
    pub fn is_empty(&self) -> bool {
        self.store.is_empty()
    }

    /// Stores one validated event line.
    pub fn push(&self, conversation_id: &str, pos: SourcePos, line: &[u8]) -> Result<(), Error> {
        let key = key_of(conversation_id);
        self.store.push(
            (key % PARTITIONS as u64) as usize,
            &[
                &pos.file.to_le_bytes(),
                &pos.line.to_le_bytes(),
                &key.to_le_bytes(),
                &(line.len() as u32).to_le_bytes(),
                line,
            ],
        )
    }

    /// Empties the store into per-partition handles on all its records.
    pub fn take_partitions(&self) -> Vec<PartitionData> {
        self.store.take_partitions()
    }
}

/// Iterates the (position, line) records of a loaded partition.
pub fn records(buf: &[u8]) -> impl Iterator<Item = (SourcePos, &[u8])> {
    let mut at = 0;
    std::iter::from_fn(move || {
        let head = buf.get(at..at + HEADER)?;
        let file = u32::from_le_bytes(head[0..4].try_into().ok()?);
        let line = u64::from_le_bytes(head[4..12].try_into().ok()?);
        let len = u32::from_le_bytes(head[20..24].try_into().ok()?) as usize;
        let bytes = buf.get(at + HEADER..at + HEADER + len)?;
        at += HEADER + len;
        Some((SourcePos { file, line }, bytes))
    })
}

/// A conversation rebuilt from event lines, or the reason it could not be.
pub type Assembled<'a> = Result<Conversation<'a>, (SourcePos, SkipReason, String)>;

/// Reads one record header from a partition stream: position, key, line length.
fn read_header(r: &mut impl Read) -> Result<Option<(SourcePos, u64, usize)>, Error> {
    let mut head = [0u8; HEADER];
    match r.read_exact(&mut head) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(Error::io("(temporary file)", e)),
    }
    let n = |a: usize, b: usize| {
        let mut x = [0u8; 8];
        x[..b - a].copy_from_slice(&head[a..b]);
        u64::from_le_bytes(x)
    };
    let pos = SourcePos {
        file: n(0, 4) as u32,
        line: n(4, 12),
    };
    Ok(Some((pos, n(12, 20), n(20, 24) as usize)))
}

/// What a conversation of a partition costs in memory once rebuilt: its stored records
/// plus one parsed event line each.
#[derive(Clone, Copy)]
struct Size {
    bytes: u64,
    lines: u64,
    first: SourcePos,
}

/// Rebuilds the conversations of one partition, handing each (or the reason it could not
/// be rebuilt) to `each`, in groups of at most about `max_bytes`. A conversation whose
/// size passes `max_bytes` is not loaded: it is reported as `too_large` at its first
/// event line.
pub fn assemble_partition(
    mut part: PartitionData,
    max_bytes: usize,
    mut each: impl FnMut(Assembled<'_>),
) -> Result<(), Error> {
    let per_line = (HEADER + std::mem::size_of::<EventLine<'_>>()) as u64;
    let mut sizes: HashMap<u64, Size> = HashMap::new();
    {
        let mut r = part.stream()?;
        while let Some((pos, key, len)) = read_header(&mut r)? {
            skip(&mut r, len)?;
            let s = sizes.entry(key).or_insert(Size {
                bytes: 0,
                lines: 0,
                first: pos,
            });
            s.bytes += len as u64 + per_line;
            s.lines += 1;
            s.first = s.first.min(pos);
        }
    }
    let max = max_bytes as u64;
    let mut too_large: Vec<Size> = sizes.values().filter(|s| s.bytes > max).copied().collect();
    too_large.sort_unstable_by_key(|s| s.first);
    // Every event line of a conversation too large to rebuild is counted as skipped (all
    // named by the conversation's first line), so records read = kept + skipped still holds.
    for s in too_large {
        let message = format!(
            "conversation of {} event lines ({} bytes in memory), larger than the \
             maximum of {max} (--mem-limit / 16): its event lines are skipped",
            s.lines, s.bytes
        );
        for _ in 0..s.lines {
            each(Err((s.first, SkipReason::TooLarge, message.clone())));
        }
    }
    sizes.retain(|_, s| s.bytes <= max);
    let kept: u64 = sizes.values().map(|s| s.bytes).sum();
    let groups = kept.div_ceil(max.max(1)).max(1);
    // The low bits chose the partition; the next ones choose the group.
    let group_of = |key: u64| (key / PARTITIONS as u64) % groups;
    for g in 0..groups {
        let mut buf = Vec::new();
        let mut r = part.stream()?;
        while let Some((pos, key, len)) = read_header(&mut r)? {
            if group_of(key) != g || !sizes.contains_key(&key) {
                skip(&mut r, len)?;
                continue;
            }
            buf.extend_from_slice(&pos.file.to_le_bytes());
            buf.extend_from_slice(&pos.line.to_le_bytes());
            buf.extend_from_slice(&key.to_le_bytes());
            buf.extend_from_slice(&(len as u32).to_le_bytes());
            let at = buf.len();
            buf.resize(at + len, 0);
            r.read_exact(&mut buf[at..])
                .map_err(|e| Error::io("(temporary file)", e))?;
        }
        drop(r);
        for conv in assemble(&buf) {
            each(conv);
        }
    }
    Ok(())
}

/// Skips `len` bytes of a partition stream.
fn skip(r: &mut impl Read, len: usize) -> Result<(), Error> {
    let copied = std::io::copy(&mut r.take(len as u64), &mut std::io::sink())
        .map_err(|e| Error::io("(temporary file)", e))?;
    if copied != len as u64 {
        let e = std::io::Error::other("corrupt event-line spill record");
        return Err(Error::io("(temporary file)", e));
    }
    Ok(())
}

/// Groups a loaded partition into conversations, in conversation-id order. A conversation
/// that cannot be rebuilt gives one error per event line, so each unused line is counted.
pub fn assemble(buf: &[u8]) -> Vec<Assembled<'_>> {
    let mut groups: HashMap<Cow<'_, str>, Vec<EventLine<'_>>> = HashMap::new();
    let mut unknown = Vec::new();
    for (pos, bytes) in records(buf) {
        // Lines were validated when stored; a failure here cannot happen, and is skipped.
        if let Ok(Line::Event(e)) = parse_line(bytes, pos, &mut unknown) {
            groups.entry(e.conversation_id.clone()).or_default().push(e);
        }
        unknown.clear();
    }
    let mut ids: Vec<Cow<'_, str>> = groups.keys().cloned().collect();
    ids.sort_unstable();
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let mut lines = groups.remove(&id).expect("grouped id");
        lines.sort_by_key(|l| l.event.pos);
        let first_pos = lines[0].event.pos;
        let Some(channel) = lines.iter().find_map(|l| l.header.channel) else {
            let n = lines.len();
            out.extend(lines.iter().map(|l| {
                Err((
                    l.event.pos,
                    SkipReason::MissingField,
                    format!(
                        "conversation {id:?}: none of its event lines ({n}) names its `channel`"
                    ),
                ))
            }));
            continue;
        };
        let mut conv = Conversation::new(id, channel);
        conv.pos = first_pos;
        for l in lines {
            apply_header(&mut conv, l.header);
            conv.events.push(l.event);
        }
        // Stable sort: equal timestamps keep (file, line) order.
        conv.events.sort_by_key(|e| (e.ts, e.pos));
        out.push(Ok(conv));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Channel;

    fn line(cid: &str, ts: &str, text: &str, extra: &str) -> String {
        format!(
            r#"{{"conversation_id":"{cid}","ts":"{ts}","role":"customer","text":"{text}"{extra}}}"#
        )
    }

    fn run(limit: usize, lines: &[(SourcePos, String)]) -> Vec<(String, Vec<String>)> {
        let store = EventStore::new(limit);
        for (pos, l) in lines {
            let cid = l.split('"').nth(3).unwrap();
            store.push(cid, *pos, l.as_bytes()).unwrap();
        }
        let spilled = store.spilled_bytes();
        assert_eq!(spilled > 0, limit < 100, "limit {limit}");
        let mut out = Vec::new();
        let mut parts: Vec<Vec<u8>> = store
            .take_partitions()
            .into_iter()
            .map(|p| p.load().unwrap())
            .collect();
        for buf in parts.iter_mut() {
            for c in assemble(buf) {
                let c = c.unwrap();
                out.push((
                    c.id.to_string(),
                    c.events.iter().map(|e| e.text.to_string()).collect(),
                ));
            }
        }
        out.sort();
        out
    }

    #[test]
    fn groups_and_orders_with_and_without_spilling() {
        let p = |file, line| SourcePos { file, line };
        let lines = vec![
            (
                p(1, 1),
                line("x", "2024-01-01T10:05:00Z", "x2", r#","channel":"chat""#),
            ),
            (
                p(0, 1),
                line("y", "2024-01-01T09:00:00Z", "y1", r#","channel":"sms""#),
            ),
            (p(0, 2), line("x", "2024-01-01T10:00:00Z", "x1", "")),
            (
                p(0, 3),
                line("x", "2024-01-01T10:05:00Z", "x2-earlier-line", ""),
            ),
        ];
        let want = vec![
            (
                "x".to_string(),
                vec!["x1".to_string(), "x2-earlier-line".into(), "x2".into()],
            ),
            ("y".to_string(), vec!["y1".to_string()]),
        ];
        assert_eq!(run(1 << 20, &lines), want);
        assert_eq!(run(10, &lines), want);
    }

    #[test]
    fn a_partition_is_rebuilt_in_groups_and_a_too_large_conversation_is_skipped() {
        let per_line = (HEADER + std::mem::size_of::<EventLine<'_>>()) as u64;
        // 40 conversations of one line each, and "big" of 30 lines: with a maximum of 10
        // lines' worth, "big" is too large and the 40 small ones need several groups.
        let store = EventStore::new(usize::MAX);
        let mut lines = Vec::new();
        for i in 0..40 {
            lines.push(line(
                &format!("s{i}"),
                "2024-01-01T10:00:00Z",
                "x",
                r#","channel":"chat""#,
            ));
        }
        for _ in 0..30 {
            lines.push(line(
                "big",
                "2024-01-01T10:00:00Z",
                "y",
                r#","channel":"chat""#,
            ));
        }
        for (n, l) in lines.iter().enumerate() {
            let cid = l.split('"').nth(3).unwrap();
            let pos = SourcePos {
                file: 0,
                line: n as u64 + 1,
            };
            store.push(cid, pos, l.as_bytes()).unwrap();
        }
        let max = (10 * (per_line + lines[0].len() as u64)) as usize;
        let (mut ok, mut skipped) = (Vec::new(), Vec::new());
        for part in store.take_partitions() {
            assemble_partition(part, max, |c| match c {
                Ok(c) => ok.push(c.id.to_string()),
                Err((pos, reason, _)) => skipped.push((pos.line, reason)),
            })
            .unwrap();
        }
        ok.sort();
        let mut want: Vec<String> = (0..40).map(|i| format!("s{i}")).collect();
        want.sort();
        assert_eq!(ok, want);
        // "big" first appears on line 41; each of its 30 event lines is counted there.
        assert_eq!(skipped, vec![(41, SkipReason::TooLarge); 30]);
    }

    #[test]
    fn header_comes_from_earliest_line_and_channel_is_required() {
        let store = EventStore::new(1 << 20);
        let a = line(
            "c",
            "2024-01-01T10:00:00Z",
            "a",
            r#","channel":"email","severity":"low""#,
        );
        let b = line("c", "2024-01-01T09:00:00Z", "b", r#","severity":"high""#);
        let orphan = line("d", "2024-01-01T09:00:00Z", "o", "");
        store
            .push("c", SourcePos { file: 0, line: 7 }, b.as_bytes())
            .unwrap();
        store
            .push("c", SourcePos { file: 0, line: 3 }, a.as_bytes())
            .unwrap();
        store
            .push("d", SourcePos { file: 0, line: 9 }, orphan.as_bytes())
            .unwrap();
        // A second line of `d`: each unused line is its own problem.
        store
            .push("d", SourcePos { file: 0, line: 11 }, orphan.as_bytes())
            .unwrap();
        let (mut found, mut unused) = (0, Vec::new());
        for part in store.take_partitions() {
            let buf = part.load().unwrap();
            for c in assemble(&buf) {
                match c {
                    Ok(c) => {
                        assert_eq!(c.channel, Channel::Email);
                        assert_eq!(c.severity.as_deref(), Some("low"));
                        assert_eq!(c.events[0].text, "b");
                        found += 1;
                    }
                    Err((pos, reason, _)) => {
                        assert_eq!(reason, SkipReason::MissingField);
                        unused.push(pos.line);
                    }
                }
            }
        }
        assert_eq!((found, unused), (1, vec![9, 11]));
    }
}
