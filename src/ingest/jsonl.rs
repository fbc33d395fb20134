//! The canonical JSONL format: one JSON object a line, either a whole conversation
//! (`id` + `events`) or one event of a conversation (`conversation_id` + event fields).
//!
//! Parsing borrows from the line buffer wherever the JSON string has no escapes, and
//! is done by hand-written serde visitors so that unknown fields can be counted without
//! buffering the object. Validation turns raw values into the [`crate::model`] types and
//! reports every problem as a [`SkipReason`] plus a message; a bad event inside a whole
//! conversation skips that event only.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::error::SkipReason;
use crate::model::{Channel, Conversation, Event, EventKind, Role, SourcePos, Survey};
use crate::time::{TimeError, Timestamp};

/// A record-level failure: the reason counted in the report and a message for humans.
pub type Invalid = (SkipReason, String);

/// The largest magnitude of an event's `value` (`amount`, `rating`): 10¹², far above any
/// real purchase or rating, and far below where sums in cents or thousandths overflow.
pub const MAX_EVENT_VALUE: f64 = 1e12;

/// One parsed line of canonical JSONL.
#[derive(Debug)]
pub enum Line<'a> {
    /// A whole conversation, with problems found in its events (those events were skipped).
    Conversation(Conversation<'a>, Vec<Invalid>),
    /// One event of a conversation spread over several lines.
    Event(EventLine<'a>),
}

/// Conversation-level fields an event line may carry.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Header<'a> {
    /// Channel, if the line names one.
    pub channel: Option<Channel>,
    /// Customer id.
    pub customer_id: Option<Cow<'a, str>>,
    /// Opening time.
    pub opened_at: Option<Timestamp>,
    /// Severity.
    pub severity: Option<Cow<'a, str>>,
    /// Tags.
    pub tags: Vec<Cow<'a, str>>,
    /// The customer's deadline.
    pub due_at: Option<Timestamp>,
    /// Owning team.
    pub team: Option<Cow<'a, str>>,
    /// Conversation-level survey answers.
    pub survey: Survey,
}

/// An event line: the conversation it belongs to, header fields, and the event.
#[derive(Debug)]
pub struct EventLine<'a> {
    /// The conversation id.
    pub conversation_id: Cow<'a, str>,
    /// Header fields present on this line.
    pub header: Header<'a>,
    /// The event.
    pub event: Event<'a>,
}

/// Parses one line. `unknown` receives the names of ignored fields.
pub fn parse_line<'a>(
    bytes: &'a [u8],
    pos: SourcePos,
    unknown: &mut Vec<Cow<'a, str>>,
) -> Result<Line<'a>, Invalid> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        (
            SkipReason::InvalidUtf8,
            format!("invalid UTF-8 at byte {}", e.valid_up_to()),
        )
    })?;
    let mut de = serde_json::Deserializer::from_str(text);
    let mut raw: RawRecord<'a> = de::Deserialize::deserialize(&mut de).map_err(json_error)?;
    de.end().map_err(json_error)?;
    unknown.extend(raw.unknown.drain(..).map(|s| s.0));
    unknown.extend(raw.event.unknown.drain(..).map(|s| s.0));
    if let Some(id) = raw.id.take() {
        let mut events = raw.events.take().unwrap_or_default();
        unknown.extend(events.unknown.drain(..).map(|s| s.0));
        return conversation_from_raw(id.0, raw, events, pos);
    }
    let Some(cid) = raw.conversation_id.take() else {
        return Err((
            SkipReason::MissingId,
            "neither `id` (whole conversation) nor `conversation_id` (event line)".into(),
        ));
    };
    if cid.0.is_empty() {
        return Err((SkipReason::MissingId, "empty `conversation_id`".into()));
    }
    let header = header_from_raw(&mut raw)?;
    let event = event_from_raw(raw.event, pos)?;
    Ok(Line::Event(EventLine {
        conversation_id: cid.0,
        header,
        event,
    }))
}

fn json_error(e: serde_json::Error) -> Invalid {
    let message = e.to_string();
    let reason = match e.classify() {
        serde_json::error::Category::Data if !message.starts_with(DUPLICATE_KEY) => {
            SkipReason::BadValue
        }
        _ => SkipReason::MalformedJson,
    };
    (reason, message)
}

/// How the error for a key given twice in one object begins. JSON parsers disagree on
/// which copy wins (`{"role":"agent","role":"customer"}`), so the record is malformed.
const DUPLICATE_KEY: &str = "duplicate key";

/// Reads the value of `key` into `slot`, refusing a key the object already gave.
fn once<'de, T, M>(slot: &mut Option<T>, key: &str, map: &mut M) -> Result<(), M::Error>
where
    T: de::Deserialize<'de>,
    M: MapAccess<'de>,
{
    if slot.is_some() {
        return Err(de::Error::custom(format_args!("{DUPLICATE_KEY} `{key}`")));
    }
    *slot = map.next_value()?;
    Ok(())
}

fn conversation_from_raw<'a>(
    id: Cow<'a, str>,
    mut raw: RawRecord<'a>,
    events: EventList<'a>,
    pos: SourcePos,
) -> Result<Line<'a>, Invalid> {
    if id.is_empty() {
        return Err((SkipReason::MissingId, "empty `id`".into()));
    }
    let header = header_from_raw(&mut raw)?;
    let channel = header
        .channel
        .ok_or((SkipReason::MissingField, "missing `channel`".to_string()))?;
    let mut conv = Conversation::new(id, channel);
    apply_header(&mut conv, header);
    conv.pos = pos;
    conv.events = events.events;
    for e in &mut conv.events {
        e.pos = pos;
    }
    Ok(Line::Conversation(conv, events.problems))
}

/// Copies header fields into `conv`, keeping values it already has.
pub fn apply_header<'a>(conv: &mut Conversation<'a>, h: Header<'a>) {
    if conv.customer_id.is_none() {
        conv.customer_id = h.customer_id;
    }
    if conv.opened_at.is_none() {
        conv.opened_at = h.opened_at;
    }
    if conv.severity.is_none() {
        conv.severity = h.severity;
    }
    if conv.tags.is_empty() {
        conv.tags = h.tags;
    }
    if conv.due_at.is_none() {
        conv.due_at = h.due_at;
    }
    if conv.team.is_none() {
        conv.team = h.team;
    }
    conv.survey.fill_from(h.survey);
}

fn timestamp(field: &str, s: &S<'_>) -> Result<Timestamp, Invalid> {
    Timestamp::parse(&s.0).map_err(|e| match e {
        TimeError::Syntax => (
            SkipReason::BadTimestamp,
            format!("`{field}` is not RFC 3339: {:?}", s.0),
        ),
        TimeError::Absurd => (
            SkipReason::AbsurdTimestamp,
            format!("`{field}` is outside 1990..=2100: {:?}", s.0),
        ),
    })
}

fn optional_timestamp(field: &str, s: &Option<S<'_>>) -> Result<Option<Timestamp>, Invalid> {
    s.as_ref().map(|s| timestamp(field, s)).transpose()
}

fn scale(field: &str, v: Option<i64>, lo: i64, hi: i64) -> Result<Option<u8>, Invalid> {
    match v {
        None => Ok(None),
        Some(n) if (lo..=hi).contains(&n) => Ok(Some(n as u8)),
        Some(n) => Err((
            SkipReason::BadValue,
            format!("`{field}` = {n} is outside {lo}..={hi}"),
        )),
    }
}

fn survey_from_raw(s: &RawSurvey) -> Result<Survey, Invalid> {
    Ok(Survey {
        csat: scale("csat", s.csat, 1, 5)?,
        nps: scale("nps", s.nps, 0, 10)?,
        ces: scale("ces", s.ces, 1, 7)?,
    })
}

fn header_from_raw<'a>(raw: &mut RawRecord<'a>) -> Result<Header<'a>, Invalid> {
    let channel = match &raw.channel {
        None => None,
        Some(s) => Some(Channel::parse(&s.0).ok_or_else(|| {
            (
                SkipReason::UnknownChannel,
                format!("unknown channel {:?}", s.0),
            )
        })?),
    };
    let mut survey = survey_from_raw(&raw.survey.take().unwrap_or_default())?;
    // A header may also carry the scales at top level (as event lines of type survey do).
    if raw.event.kind.is_none() {
        survey.fill_from(survey_from_raw(&raw.event.flat_survey)?);
    }
    Ok(Header {
        channel,
        customer_id: raw.customer_id.take().map(|s| s.0),
        opened_at: optional_timestamp("opened_at", &raw.opened_at)?,
        severity: raw.severity.take().map(|s| s.0),
        tags: raw
            .tags
            .take()
            .unwrap_or_default()
            .into_iter()
            .map(|s| s.0)
            .collect(),
        due_at: optional_timestamp("due_at", &raw.due_at)?,
        team: raw.team.take().map(|s| s.0),
        survey,
    })
}

fn event_from_raw<'a>(raw: RawEvent<'a>, pos: SourcePos) -> Result<Event<'a>, Invalid> {
    let ts = raw
        .ts
        .as_ref()
        .ok_or((SkipReason::MissingField, "missing `ts`".to_string()))?;
    let ts = timestamp("ts", ts)?;
    let kind = match &raw.kind {
        None => EventKind::Message,
        Some(s) => EventKind::parse(&s.0).ok_or_else(|| {
            (
                SkipReason::UnknownType,
                format!("unknown event type {:?}", s.0),
            )
        })?,
    };
    let role = match &raw.role {
        None if kind == EventKind::Message => {
            return Err((
                SkipReason::MissingField,
                "message without `role`".to_string(),
            ));
        }
        None => Role::System,
        Some(s) => Role::parse(&s.0)
            .ok_or_else(|| (SkipReason::UnknownRole, format!("unknown role {:?}", s.0)))?,
    };
    if let Some(v) = raw.value.filter(|v| v.abs() > MAX_EVENT_VALUE) {
        return Err((
            SkipReason::BadValue,
            format!("`value` {v} is outside ±{MAX_EVENT_VALUE:e}"),
        ));
    }
    let duration_ms = duration(&raw, ts)?;
    Ok(Event {
        ts,
        kind,
        role,
        author: raw.author.map(|s| s.0),
        text: raw.text.map(|s| s.0).unwrap_or(Cow::Borrowed("")),
        team: raw.team.map(|s| s.0),
        value: raw.value,
        detail: raw.detail.map(|s| s.0),
        survey: survey_from_raw(&raw.flat_survey)?,
        duration_ms,
        pos,
    })
}

/// The longest utterance accepted: one day.
const MAX_DURATION_MS: f64 = 86_400_000.0;

/// The utterance length from `duration_ms`, or from `end` − `ts`; both given must agree.
fn duration(raw: &RawEvent<'_>, ts: Timestamp) -> Result<Option<i64>, Invalid> {
    let from_end = match &raw.end {
        None => None,
        Some(s) => Some((timestamp("end", s)?.0 - ts.0) as f64),
    };
    let ms = match (raw.duration_ms, from_end) {
        (Some(d), Some(e)) if (d - e).abs() >= 1.0 => {
            return Err((
                SkipReason::BadValue,
                format!("`duration_ms` {d} disagrees with `end` − `ts` = {e} ms"),
            ));
        }
        (Some(d), _) | (None, Some(d)) => d,
        (None, None) => return Ok(None),
    };
    if !(0.0..=MAX_DURATION_MS).contains(&ms) {
        return Err((
            SkipReason::BadValue,
            format!("utterance length {ms} ms is outside 0 to one day"),
        ));
    }
    Ok(Some(ms.round() as i64))
}

/// A string that borrows from the input when it can.
#[derive(Debug, Clone, PartialEq)]
struct S<'a>(Cow<'a, str>);

impl<'de> de::Deserialize<'de> for S<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = S<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<S<'de>, E> {
                Ok(S(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<S<'de>, E> {
                Ok(S(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<S<'de>, E> {
                Ok(S(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

#[derive(Debug, Clone, Copy, Default, serde::Deserialize)]
struct RawSurvey {
    csat: Option<i64>,
    nps: Option<i64>,
    ces: Option<i64>,
}

/// The fields of one event (embedded in a conversation, or on an event line).
#[derive(Debug, Default)]
struct RawEvent<'a> {
    ts: Option<S<'a>>,
    author: Option<S<'a>>,
    role: Option<S<'a>>,
    kind: Option<S<'a>>,
    text: Option<S<'a>>,
    team: Option<S<'a>>,
    value: Option<f64>,
    detail: Option<S<'a>>,
    duration_ms: Option<f64>,
    end: Option<S<'a>>,
    flat_survey: RawSurvey,
    unknown: Vec<S<'a>>,
}

impl<'de> RawEvent<'de> {
    /// Reads the value of `key` if it is an event field; returns false otherwise.
    fn read_field<M: MapAccess<'de>>(&mut self, key: &str, map: &mut M) -> Result<bool, M::Error> {
        match key {
            "ts" => once(&mut self.ts, key, map)?,
            "type" => once(&mut self.kind, key, map)?,
            "role" => once(&mut self.role, key, map)?,
            "text" => once(&mut self.text, key, map)?,
            "author" => once(&mut self.author, key, map)?,
            "team" => once(&mut self.team, key, map)?,
            "value" | "amount" | "rating" => once(&mut self.value, key, map)?,
            "detail" => once(&mut self.detail, key, map)?,
            "duration_ms" => once(&mut self.duration_ms, key, map)?,
            "end" => once(&mut self.end, key, map)?,
            "csat" => once(&mut self.flat_survey.csat, key, map)?,
            "nps" => once(&mut self.flat_survey.nps, key, map)?,
            "ces" => once(&mut self.flat_survey.ces, key, map)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

impl<'de> de::Deserialize<'de> for RawEvent<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawEvent<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an event object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<RawEvent<'de>, M::Error> {
                let mut e = RawEvent::default();
                while let Some(key) = map.next_key::<S<'de>>()? {
                    if !e.read_field(&key.0, &mut map)? {
                        map.next_value::<IgnoredAny>()?;
                        e.unknown.push(key);
                    }
                }
                Ok(e)
            }
        }
        d.deserialize_map(V)
    }
}

/// A whole line: conversation header fields, embedded events, and the event fields of an
/// event line.
#[derive(Debug, Default)]
struct RawRecord<'a> {
    id: Option<S<'a>>,
    conversation_id: Option<S<'a>>,
    channel: Option<S<'a>>,
    customer_id: Option<S<'a>>,
    opened_at: Option<S<'a>>,
    severity: Option<S<'a>>,
    tags: Option<Vec<S<'a>>>,
    due_at: Option<S<'a>>,
    team: Option<S<'a>>,
    survey: Option<RawSurvey>,
    events: Option<EventList<'a>>,
    event: RawEvent<'a>,
    unknown: Vec<S<'a>>,
}

impl<'de> de::Deserialize<'de> for RawRecord<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(RecordVisitor)
    }
}

struct RecordVisitor;

impl<'de> Visitor<'de> for RecordVisitor {
    type Value = RawRecord<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<RawRecord<'de>, M::Error> {
        let mut r = RawRecord::default();
        while let Some(key) = map.next_key::<S<'de>>()? {
            let name = key.0.as_ref();
            match name {
                "events" => once(&mut r.events, name, &mut map)?,
                "id" => once(&mut r.id, name, &mut map)?,
                "conversation_id" => once(&mut r.conversation_id, name, &mut map)?,
                "channel" => once(&mut r.channel, name, &mut map)?,
                "customer_id" => once(&mut r.customer_id, name, &mut map)?,
                "opened_at" => once(&mut r.opened_at, name, &mut map)?,
                "severity" | "priority" => once(&mut r.severity, name, &mut map)?,
                "tags" => once(&mut r.tags, name, &mut map)?,
                "due_at" => once(&mut r.due_at, name, &mut map)?,
                // `team` is both a header and an event field: keep it for both.
                "team" => {
                    once(&mut r.team, name, &mut map)?;
                    r.event.team = r.team.clone();
                }
                "survey" => once(&mut r.survey, name, &mut map)?,
                other => {
                    if !r.event.read_field(other, &mut map)? {
                        map.next_value::<IgnoredAny>()?;
                        r.unknown.push(key);
                    }
                }
            }
        }
        Ok(r)
    }
}

/// Embedded events, validated as they are read (a bad event does not spoil the line).
#[derive(Debug, Default)]
struct EventList<'a> {
    events: Vec<Event<'a>>,
    /// Problems of skipped events, messages naming the event's 1-based position.
    problems: Vec<Invalid>,
    unknown: Vec<S<'a>>,
}

impl<'de> de::Deserialize<'de> for EventList<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = EventList<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of event objects")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<EventList<'de>, A::Error> {
                let mut list = EventList {
                    events: Vec::with_capacity(seq.size_hint().unwrap_or(16)),
                    problems: Vec::new(),
                    unknown: Vec::new(),
                };
                let mut position = 0;
                while let Some(mut e) = seq.next_element::<RawEvent<'de>>()? {
                    position += 1;
                    list.unknown.append(&mut e.unknown);
                    match event_from_raw(e, SourcePos::default()) {
                        Ok(event) => list.events.push(event),
                        Err((reason, msg)) => list
                            .problems
                            .push((reason, format!("event {position}: {msg}"))),
                    }
                }
                Ok(list)
            }
        }
        d.deserialize_seq(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Line<'_>, Invalid> {
        let mut unknown = Vec::new();
        parse_line(s.as_bytes(), SourcePos { file: 0, line: 1 }, &mut unknown)
    }

    #[test]
    fn whole_conversation_borrows_text_and_counts_unknown_fields() {
        let line = r#"{"id":"c1","channel":"chat","customer_id":"u1","opened_at":"2024-01-01T10:00:00Z","survey":{"csat":5},"mood":"x","events":[{"ts":"2024-01-01T10:00:05Z","role":"customer","type":"message","text":"hi there","lang":"en"}]}"#;
        let mut unknown = Vec::new();
        let parsed = parse_line(line.as_bytes(), SourcePos::default(), &mut unknown).unwrap();
        let Line::Conversation(c, problems) = parsed else {
            panic!("expected conversation")
        };
        assert!(problems.is_empty());
        assert_eq!(c.channel, Channel::Chat);
        assert_eq!(c.survey.csat, Some(5));
        assert!(matches!(c.events[0].text, Cow::Borrowed("hi there")));
        let names: Vec<&str> = unknown.iter().map(|c| c.as_ref()).collect();
        assert_eq!(names, ["mood", "lang"]);
    }

    #[test]
    fn escaped_text_is_decoded() {
        let line = r#"{"conversation_id":"c1","ts":"2024-01-01T10:00:00Z","role":"agent","text":"line\nbreak \u00e9 😀"}"#;
        let Line::Event(e) = parse(line).unwrap() else {
            panic!()
        };
        assert_eq!(e.event.text, "line\nbreak é 😀");
        assert_eq!(e.event.kind, EventKind::Message);
    }

    #[test]
    fn bad_event_inside_conversation_skips_only_that_event() {
        let line = r#"{"id":"c1","channel":"sms","events":[{"ts":"2024-01-01T10:00:00Z","role":"customer","text":"a"},{"ts":"soon","role":"agent","text":"b"},{"ts":"2024-01-01T10:01:00Z","role":"wizard","text":"c"}]}"#;
        let Line::Conversation(c, problems) = parse(line).unwrap() else {
            panic!()
        };
        assert_eq!(c.events.len(), 1);
        let reasons: Vec<SkipReason> = problems.iter().map(|p| p.0).collect();
        assert_eq!(reasons, [SkipReason::BadTimestamp, SkipReason::UnknownRole]);
        assert!(problems[0].1.starts_with("event 2:"));
    }

    #[test]
    fn line_level_failures_are_classified() {
        let cases = [
            ("{not json", SkipReason::MalformedJson),
            ("[1,2]", SkipReason::BadValue),
            (r#"{"channel":"chat"}"#, SkipReason::MissingId),
            (r#"{"id":"c","channel":"fax"}"#, SkipReason::UnknownChannel),
            (r#"{"id":"c"}"#, SkipReason::MissingField),
            (
                r#"{"id":"c","channel":"chat","survey":{"csat":9}}"#,
                SkipReason::BadValue,
            ),
            (
                r#"{"id":"c","channel":"chat","opened_at":"1900-01-01T00:00:00Z"}"#,
                SkipReason::AbsurdTimestamp,
            ),
            (
                r#"{"conversation_id":"c","role":"agent"}"#,
                SkipReason::MissingField,
            ),
            (
                r#"{"conversation_id":"c","ts":"2024-01-01T00:00:00Z","type":"teleport"}"#,
                SkipReason::UnknownType,
            ),
            (
                r#"{"id":"c","channel":"chat","tags":"x"}"#,
                SkipReason::BadValue,
            ),
            (
                r#"{"id":"c","channel":"chat"} trailing"#,
                SkipReason::MalformedJson,
            ),
            // A key given twice, at the top or inside an event (the whole line goes: a
            // parser cannot resume inside the object).
            (
                r#"{"id":"c","channel":"chat","channel":"email"}"#,
                SkipReason::MalformedJson,
            ),
            (
                r#"{"id":"c","channel":"chat","events":[{"ts":"2024-01-01T00:00:00Z","role":"agent","role":"customer"}]}"#,
                SkipReason::MalformedJson,
            ),
            (
                r#"{"conversation_id":"c","ts":"2024-01-01T00:00:00Z","type":"purchase","amount":1,"value":2}"#,
                SkipReason::MalformedJson,
            ),
            // An amount past ±10¹² (here 6·10¹⁶) would overflow sums in cents.
            (
                r#"{"conversation_id":"c","ts":"2024-01-01T00:00:00Z","type":"purchase","amount":6e16}"#,
                SkipReason::BadValue,
            ),
        ];
        for (line, want) in cases {
            let got = parse(line).err().map(|e| e.0);
            assert_eq!(got, Some(want), "{line}");
        }
        let mut unknown = Vec::new();
        let bad_utf8 = b"{\"id\":\"c\xff\"}";
        let err = parse_line(bad_utf8, SourcePos::default(), &mut unknown).unwrap_err();
        assert_eq!(err.0, SkipReason::InvalidUtf8);
    }

    #[test]
    fn event_line_carries_header_fields() {
        let line = r#"{"conversation_id":"c9","channel":"email","customer_id":"u","severity":"high","ts":"2024-01-01T10:00:00Z","type":"survey","role":"customer","csat":4,"nps":10}"#;
        let Line::Event(e) = parse(line).unwrap() else {
            panic!()
        };
        assert_eq!(e.conversation_id, "c9");
        assert_eq!(e.header.channel, Some(Channel::Email));
        assert_eq!(e.header.severity.as_deref(), Some("high"));
        assert_eq!(
            e.event.survey,
            Survey {
                csat: Some(4),
                nps: Some(10),
                ces: None
            }
        );
        assert_eq!(e.header.survey, Survey::default());
    }
}
