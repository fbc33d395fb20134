//! Reassembly of conversations whose events come as separate lines, possibly spread over
//! files and out of order, in bounded memory.
//!
//! Event lines are validated during the streaming pass, then their raw bytes are appended
//! to one of the [`PARTITIONS`] partitions of a [`SpillStore`], chosen by a hash of the
//! conversation id; past the memory limit the partitions go to temporary files. At the end each partition is read back on its own (so at most about
//! `total / PARTITIONS` bytes are in memory at once), its lines grouped by conversation id
//! and sorted by time. Records keep their (file, line) position, which makes the result
//! independent of arrival order: events are ordered by (timestamp, file, line) and
//! header fields are taken from the earliest line that has them.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use crate::error::{Error, SkipReason};
use crate::ingest::jsonl::{EventLine, Line, apply_header, parse_line};
use crate::model::{Conversation, SourcePos};
use crate::spill::{PARTITIONS, PartitionData, SpillStore};

/// The spillable store of event lines: a [`SpillStore`] partitioned by conversation id.
pub struct EventStore {
    store: SpillStore,
}

/// The partition of a conversation id (stable across runs and platforms).
pub fn partition_of(conversation_id: &str) -> usize {
    let mut h = std::hash::DefaultHasher::new();
    conversation_id.hash(&mut h);
    (h.finish() % PARTITIONS as u64) as usize
}

const HEADER: usize = 4 + 8 + 4;

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
        self.store.push(
            partition_of(conversation_id),
            &[
                &pos.file.to_le_bytes(),
                &pos.line.to_le_bytes(),
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
        let len = u32::from_le_bytes(head[12..16].try_into().ok()?) as usize;
        let bytes = buf.get(at + HEADER..at + HEADER + len)?;
        at += HEADER + len;
        Some((SourcePos { file, line }, bytes))
    })
}

/// A conversation rebuilt from event lines, or the reason it could not be.
pub type Assembled<'a> = Result<Conversation<'a>, (SourcePos, SkipReason, String)>;

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
