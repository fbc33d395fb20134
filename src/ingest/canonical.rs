//! Writing conversations as canonical JSONL (whole-conversation lines), the shape
//! [`crate::ingest::jsonl`] reads back: `cxmine convert` uses it so that any input can be
//! inspected and re-read.
//!
//! Invariant: reading a written line gives back the same conversation (ids, channel,
//! header fields, survey, events with their kind, role, author, text, team, value,
//! detail and survey answers); only source positions are not carried.

use std::io::Write;

use serde::Serialize;

use crate::model::{Conversation, Event, Survey};
use crate::time::Timestamp;

#[derive(Serialize)]
struct ConversationLine<'c> {
    id: &'c str,
    channel: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    customer_id: Option<&'c str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    opened_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    severity: Option<&'c str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<&'c str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    due_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    team: Option<&'c str>,
    #[serde(skip_serializing_if = "SurveyLine::is_empty")]
    survey: SurveyLine,
    events: Vec<EventLine<'c>>,
}

/// Survey answers without the unanswered scales.
#[derive(Serialize)]
struct SurveyLine {
    #[serde(skip_serializing_if = "Option::is_none")]
    csat: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nps: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ces: Option<u8>,
}

impl SurveyLine {
    fn is_empty(&self) -> bool {
        self.csat.is_none() && self.nps.is_none() && self.ces.is_none()
    }
}

impl From<Survey> for SurveyLine {
    fn from(s: Survey) -> Self {
        SurveyLine {
            csat: s.csat,
            nps: s.nps,
            ces: s.ces,
        }
    }
}

#[derive(Serialize)]
struct EventLine<'c> {
    ts: Timestamp,
    #[serde(rename = "type")]
    kind: &'static str,
    role: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<&'c str>,
    #[serde(skip_serializing_if = "str::is_empty")]
    text: &'c str,
    #[serde(skip_serializing_if = "Option::is_none")]
    team: Option<&'c str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'c str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duration_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    csat: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nps: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ces: Option<u8>,
}

fn event_line<'c>(e: &'c Event<'_>) -> EventLine<'c> {
    EventLine {
        ts: e.ts,
        kind: e.kind.as_str(),
        role: e.role.as_str(),
        author: e.author.as_deref(),
        text: &e.text,
        team: e.team.as_deref(),
        value: e.value,
        detail: e.detail.as_deref(),
        duration_ms: e.duration_ms,
        csat: e.survey.csat,
        nps: e.survey.nps,
        ces: e.survey.ces,
    }
}

/// Writes `conv` as one canonical JSONL line (with the trailing newline).
pub fn write_conversation(conv: &Conversation<'_>, out: &mut impl Write) -> std::io::Result<()> {
    let line = ConversationLine {
        id: &conv.id,
        channel: conv.channel.as_str(),
        customer_id: conv.customer_id.as_deref(),
        opened_at: conv.opened_at,
        severity: conv.severity.as_deref(),
        tags: conv.tags.iter().map(AsRef::as_ref).collect(),
        due_at: conv.due_at,
        team: conv.team.as_deref(),
        survey: conv.survey.into(),
        events: conv.events.iter().map(event_line).collect(),
    };
    serde_json::to_writer(&mut *out, &line)?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::jsonl::{Line, parse_line};
    use crate::model::{Channel, EventKind, Role, SourcePos};

    #[test]
    fn written_lines_read_back_identically() {
        let ts = |s: &str| Timestamp::parse(s).unwrap();
        let mut c = Conversation::new("q/1 \"x\"", Channel::Community);
        c.customer_id = Some("7".into());
        c.tags = vec!["wifi".into()];
        c.survey.nps = Some(9);
        c.events.push(
            Event::message(ts("2024-01-01T10:00:00Z"), Role::Customer, "línea 1\nñ 😀")
                .with_author("7"),
        );
        let mut e = Event::new(
            ts("2024-01-01T10:05:00Z"),
            EventKind::Endorsement,
            Role::Member,
        );
        e.value = Some(3.0);
        e.detail = Some("score".into());
        c.events.push(e);
        let mut s = Event::new(
            ts("2024-01-01T11:00:00Z"),
            EventKind::Survey,
            Role::Customer,
        );
        s.survey.csat = Some(4);
        c.events.push(s);
        c.finish();
        let mut buf = Vec::new();
        write_conversation(&c, &mut buf).unwrap();
        assert!(buf.ends_with(b"\n"));
        let line = &buf[..buf.len() - 1];
        let mut unknown = Vec::new();
        let Ok(Line::Conversation(mut back, problems)) =
            parse_line(line, SourcePos::default(), &mut unknown)
        else {
            panic!("not a conversation line");
        };
        assert!(problems.is_empty() && unknown.is_empty());
        back.finish();
        assert_eq!(back.into_owned(), c.into_owned());
    }
}
