//! Canonical JSONL for one conversation: what the index stores and what `--export` writes.
//!
//! The line is a whole-conversation record in the schema [`crate::ingest::jsonl`] reads,
//! so an export can be fed back to `cxmine analyze` or `cxmine index`. Invariant: parsing
//! the line and calling [`Conversation::finish`] gives back the same header and events
//! (source positions aside), hence the same facts.

use serde_json::{Map, Value, json};

use crate::model::{Conversation, Event, EventKind, Survey};

/// Serialises `conv` as one canonical JSONL line (without the newline).
pub fn conversation_line(conv: &Conversation<'_>) -> String {
    let mut m = Map::new();
    m.insert("id".into(), json!(conv.id));
    m.insert("channel".into(), json!(conv.channel.as_str()));
    put_opt(&mut m, "customer_id", conv.customer_id.as_deref());
    if let Some(t) = conv.opened_at {
        m.insert("opened_at".into(), json!(t.to_string()));
    }
    put_opt(&mut m, "severity", conv.severity.as_deref());
    if !conv.tags.is_empty() {
        m.insert("tags".into(), json!(conv.tags));
    }
    if let Some(t) = conv.due_at {
        m.insert("due_at".into(), json!(t.to_string()));
    }
    put_opt(&mut m, "team", conv.team.as_deref());
    if !conv.survey.is_empty() {
        m.insert("survey".into(), Value::Object(survey_map(conv.survey)));
    }
    let events: Vec<Value> = conv.events.iter().map(event_value).collect();
    m.insert("events".into(), Value::Array(events));
    Value::Object(m).to_string()
}

fn put_opt(m: &mut Map<String, Value>, key: &str, v: Option<&str>) {
    if let Some(v) = v {
        m.insert(key.into(), json!(v));
    }
}

fn survey_map(s: Survey) -> Map<String, Value> {
    let mut m = Map::new();
    for (k, v) in [("csat", s.csat), ("nps", s.nps), ("ces", s.ces)] {
        if let Some(v) = v {
            m.insert(k.into(), json!(v));
        }
    }
    m
}

fn event_value(e: &Event<'_>) -> Value {
    let mut m = Map::new();
    m.insert("ts".into(), json!(e.ts.to_string()));
    m.insert("type".into(), json!(e.kind.as_str()));
    m.insert("role".into(), json!(e.role.as_str()));
    put_opt(&mut m, "author", e.author.as_deref());
    if !e.text.is_empty() {
        m.insert("text".into(), json!(e.text));
    }
    put_opt(&mut m, "team", e.team.as_deref());
    if let Some(v) = e.value {
        m.insert("value".into(), json!(v));
    }
    put_opt(&mut m, "detail", e.detail.as_deref());
    if let Some(d) = e.duration_ms {
        m.insert("duration_ms".into(), json!(d));
    }
    if e.kind == EventKind::Survey || !e.survey.is_empty() {
        m.extend(survey_map(e.survey));
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::jsonl::{Line, parse_line};
    use crate::model::{Channel, Role, SourcePos};
    use crate::time::Timestamp;

    fn parse(line: &str) -> Conversation<'_> {
        match parse_line(line.as_bytes(), SourcePos::default(), &mut Vec::new()) {
            Ok(Line::Conversation(mut c, problems)) => {
                assert!(problems.is_empty());
                c.finish();
                c
            }
            other => panic!("not a conversation: {other:?}"),
        }
    }

    #[test]
    fn round_trips_header_events_and_unicode() {
        let t = |s| Timestamp::parse(s).unwrap();
        let mut c = Conversation::new("é-1 \"quoted\"", Channel::Social);
        c.customer_id = Some("cust-9".into());
        c.severity = Some("high".into());
        c.tags = vec!["billing".into(), "退款".into()];
        c.team = Some("tier2".into());
        c.due_at = Some(t("2024-03-02T00:00:00Z"));
        c.events.push(Event::message(
            t("2024-03-01T10:00:00.250Z"),
            Role::Customer,
            "where is my refund? 😡\nline two",
        ));
        let mut survey = Event::new(t("2024-03-01T11:00:00Z"), EventKind::Survey, Role::Customer);
        survey.survey.csat = Some(2);
        c.events.push(survey);
        let mut buy = Event::new(
            t("2024-03-01T12:00:00Z"),
            EventKind::Purchase,
            Role::Customer,
        );
        buy.value = Some(19.99);
        c.events.push(buy);
        c.finish();
        let line = conversation_line(&c);
        assert!(!line.contains('\n'));
        let back = parse(&line);
        let strip = |mut c: Conversation<'_>| {
            c.pos = SourcePos::default();
            c.events
                .iter_mut()
                .for_each(|e| e.pos = SourcePos::default());
            c.into_owned()
        };
        assert_eq!(strip(back), strip(c));
    }

    #[test]
    fn empty_conversation_is_a_valid_line() {
        let c = Conversation::new("empty", Channel::Email);
        let line = conversation_line(&c);
        assert_eq!(line, r#"{"channel":"email","events":[],"id":"empty"}"#);
        assert_eq!(parse(&line).events.len(), 0);
    }
}
