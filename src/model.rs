//! The transcript model every stage shares: a [`Conversation`] of time-ordered [`Event`]s.
//!
//! Readers (`ingest`) build it, detectors and metrics read it. Text fields are `Cow<'a, str>`
//! so the JSONL reader can borrow straight from its input buffer (no allocation per message)
//! while other readers hand over owned strings. Invariant after [`Conversation::finish`]:
//! events are sorted by timestamp (stable, so equal timestamps keep their input order) and
//! `opened_at` is set.

use std::borrow::Cow;
use std::fmt;

use crate::time::Timestamp;

/// The contact channel of a conversation.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Live chat (web or in-app), with an agent or a bot.
    Chat,
    /// E-mail tickets.
    Email,
    /// Text messaging.
    Sms,
    /// Public social-media threads and their direct messages.
    Social,
    /// Community forums and Q&A boards.
    Community,
    /// Phone calls, as transcripts.
    Phone,
}

impl Channel {
    /// Every channel, in report order.
    pub const ALL: [Channel; 6] = [
        Channel::Chat,
        Channel::Email,
        Channel::Sms,
        Channel::Social,
        Channel::Community,
        Channel::Phone,
    ];

    /// The lower-case name used in input and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Chat => "chat",
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Social => "social",
            Channel::Community => "community",
            Channel::Phone => "phone",
        }
    }

    /// Parses a channel name (ASCII case-insensitive; `e-mail`, `text` and `forum` are accepted aliases).
    pub fn parse(s: &str) -> Option<Channel> {
        let lower;
        let s = if s.bytes().any(|b| b.is_ascii_uppercase()) {
            lower = s.to_ascii_lowercase();
            lower.as_str()
        } else {
            s
        };
        Some(match s {
            "chat" => Channel::Chat,
            "email" | "e-mail" | "mail" => Channel::Email,
            "sms" | "text" => Channel::Sms,
            "social" => Channel::Social,
            "community" | "forum" => Channel::Community,
            "phone" | "voice" | "call" => Channel::Phone,
            _ => return None,
        })
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who produced an event.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The person who asked for help (in communities, the question's author is the customer).
    Customer,
    /// A human support agent.
    Agent,
    /// An automated assistant.
    Bot,
    /// The platform itself (queue, routing, survey invitations).
    System,
    /// Another member of a community, answering.
    Member,
}

impl Role {
    /// The lower-case name used in input and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Agent => "agent",
            Role::Bot => "bot",
            Role::System => "system",
            Role::Member => "member",
        }
    }

    /// Parses a role name (ASCII case-insensitive).
    pub fn parse(s: &str) -> Option<Role> {
        let lower;
        let s = if s.bytes().any(|b| b.is_ascii_uppercase()) {
            lower = s.to_ascii_lowercase();
            lower.as_str()
        } else {
            s
        };
        Some(match s {
            "customer" | "user" | "client" => Role::Customer,
            "agent" | "staff" | "brand" => Role::Agent,
            "bot" | "assistant" => Role::Bot,
            "system" => Role::System,
            "member" => Role::Member,
            _ => return None,
        })
    }

    /// A human or automated responder on the support side (agent, bot, community member).
    pub fn is_responder(self) -> bool {
        matches!(self, Role::Agent | Role::Bot | Role::Member)
    }

    /// A human responder (agent or community member).
    pub fn is_human_responder(self) -> bool {
        matches!(self, Role::Agent | Role::Member)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happened.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Someone wrote or said something.
    Message,
    /// The conversation was handed to another agent, bot, team or department.
    Transfer,
    /// The customer entered a waiting queue.
    QueueEnter,
    /// The customer left the queue (picked up, or gave up).
    QueueExit,
    /// An agent was assigned.
    Assign,
    /// The issue was marked resolved.
    Resolve,
    /// A resolved issue was reopened.
    Reopen,
    /// An alert was sent to the customer (SMS account alerts, notifications).
    Alert,
    /// A survey answer (`csat`, `nps`, `ces` fields).
    Survey,
    /// A like, share, reply, mention or direct message endorsing a post.
    Endorsement,
    /// A rating of content (community answers, help articles).
    Rating,
    /// The customer visited (community, help centre).
    Visit,
    /// The customer bought something (`amount`).
    Purchase,
    /// The customer accepted an answer or reported using the suggested solution.
    Accept,
}

impl EventKind {
    /// The snake-case name used in input and output.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Message => "message",
            EventKind::Transfer => "transfer",
            EventKind::QueueEnter => "queue_enter",
            EventKind::QueueExit => "queue_exit",
            EventKind::Assign => "assign",
            EventKind::Resolve => "resolve",
            EventKind::Reopen => "reopen",
            EventKind::Alert => "alert",
            EventKind::Survey => "survey",
            EventKind::Endorsement => "endorsement",
            EventKind::Rating => "rating",
            EventKind::Visit => "visit",
            EventKind::Purchase => "purchase",
            EventKind::Accept => "accept",
        }
    }

    /// Parses an event type name.
    pub fn parse(s: &str) -> Option<EventKind> {
        Some(match s {
            "message" => EventKind::Message,
            "transfer" | "escalation" => EventKind::Transfer,
            "queue_enter" => EventKind::QueueEnter,
            "queue_exit" => EventKind::QueueExit,
            "assign" => EventKind::Assign,
            "resolve" => EventKind::Resolve,
            "reopen" => EventKind::Reopen,
            "alert" => EventKind::Alert,
            "survey" => EventKind::Survey,
            "endorsement" => EventKind::Endorsement,
            "rating" => EventKind::Rating,
            "visit" => EventKind::Visit,
            "purchase" => EventKind::Purchase,
            "accept" => EventKind::Accept,
            _ => return None,
        })
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Survey answers attached to a conversation; each scale is validated on input.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Survey {
    /// Customer satisfaction, 1–5.
    pub csat: Option<u8>,
    /// Likelihood to recommend, 0–10.
    pub nps: Option<u8>,
    /// Customer effort score, 1–7 (7 = very easy).
    pub ces: Option<u8>,
}

impl Survey {
    /// True when no scale was answered.
    pub fn is_empty(&self) -> bool {
        self.csat.is_none() && self.nps.is_none() && self.ces.is_none()
    }

    /// Fills the scales this survey lacks from `other`.
    pub fn fill_from(&mut self, other: Survey) {
        self.csat = self.csat.or(other.csat);
        self.nps = self.nps.or(other.nps);
        self.ces = self.ces.or(other.ces);
    }
}

/// Where a record came from, for messages that name file and line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SourcePos {
    /// Index into the run's list of input files.
    pub file: u32,
    /// 1-based line (or record) number.
    pub line: u64,
}

/// One event of a conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct Event<'a> {
    /// When it happened.
    pub ts: Timestamp,
    /// What happened.
    pub kind: EventKind,
    /// Who did it.
    pub role: Role,
    /// The author's handle or name, when known.
    pub author: Option<Cow<'a, str>>,
    /// Message text (empty for non-message events).
    pub text: Cow<'a, str>,
    /// Team or department (of an assign or transfer target, or of the author).
    pub team: Option<Cow<'a, str>>,
    /// Purchase amount, rating value, or other numeric payload.
    pub value: Option<f64>,
    /// Endorsement kind (`like`, `share`, `reply`, `mention`, `dm`) or alert kind.
    pub detail: Option<Cow<'a, str>>,
    /// Survey answers carried by a `survey` event.
    pub survey: Survey,
    /// How long the utterance lasted, in ms (`duration_ms`, or `end` − `ts`), when the
    /// input says: phone silences are then measured from its end, not its start.
    pub duration_ms: Option<i64>,
    /// Where the event was read.
    pub pos: SourcePos,
}

impl<'a> Event<'a> {
    /// A message event with no optional fields, handy for tests and readers.
    pub fn message(ts: Timestamp, role: Role, text: impl Into<Cow<'a, str>>) -> Event<'a> {
        Event::new(ts, EventKind::Message, role).with_text(text)
    }

    /// An event of `kind` with no text or payload.
    pub fn new(ts: Timestamp, kind: EventKind, role: Role) -> Event<'a> {
        Event {
            ts,
            kind,
            role,
            author: None,
            text: Cow::Borrowed(""),
            team: None,
            value: None,
            detail: None,
            survey: Survey::default(),
            duration_ms: None,
            pos: SourcePos::default(),
        }
    }

    /// Sets the text.
    pub fn with_text(mut self, text: impl Into<Cow<'a, str>>) -> Self {
        self.text = text.into();
        self
    }

    /// Sets the author.
    pub fn with_author(mut self, author: impl Into<Cow<'a, str>>) -> Self {
        self.author = Some(author.into());
        self
    }

    /// True for a message written by `role`.
    pub fn is_message_by(&self, role: Role) -> bool {
        self.kind == EventKind::Message && self.role == role
    }

    /// Copies every borrowed string so the event outlives its input buffer.
    pub fn into_owned(self) -> Event<'static> {
        Event {
            ts: self.ts,
            kind: self.kind,
            role: self.role,
            author: self.author.map(|c| Cow::Owned(c.into_owned())),
            text: Cow::Owned(self.text.into_owned()),
            team: self.team.map(|c| Cow::Owned(c.into_owned())),
            value: self.value,
            detail: self.detail.map(|c| Cow::Owned(c.into_owned())),
            survey: self.survey,
            duration_ms: self.duration_ms,
            pos: self.pos,
        }
    }
}

/// A customer contact: its header and its events in time order.
#[derive(Debug, Clone, PartialEq)]
pub struct Conversation<'a> {
    /// Conversation (ticket, thread, call) id, unique within the input.
    pub id: Cow<'a, str>,
    /// Contact channel.
    pub channel: Channel,
    /// The customer's stable id, when known (needed for repeat-contact metrics).
    pub customer_id: Option<Cow<'a, str>>,
    /// When the contact was opened; defaults to the first event's time.
    pub opened_at: Option<Timestamp>,
    /// Severity or priority label, as the source system names it.
    pub severity: Option<Cow<'a, str>>,
    /// Free-form tags (topics, products).
    pub tags: Vec<Cow<'a, str>>,
    /// The customer's own deadline, when they stated one.
    pub due_at: Option<Timestamp>,
    /// Team or queue that owns the conversation.
    pub team: Option<Cow<'a, str>>,
    /// Survey answers (from the header and from `survey` events).
    pub survey: Survey,
    /// Events, sorted by time after [`Conversation::finish`].
    pub events: Vec<Event<'a>>,
    /// Where the conversation (or its first event line) was read.
    pub pos: SourcePos,
}

impl<'a> Conversation<'a> {
    /// An empty conversation on `channel`.
    pub fn new(id: impl Into<Cow<'a, str>>, channel: Channel) -> Conversation<'a> {
        Conversation {
            id: id.into(),
            channel,
            customer_id: None,
            opened_at: None,
            severity: None,
            tags: Vec::new(),
            due_at: None,
            team: None,
            survey: Survey::default(),
            events: Vec::new(),
            pos: SourcePos::default(),
        }
    }

    /// Establishes the model's invariants: events sorted by time (stable), `opened_at`
    /// defaulted to the first event, and survey events folded into [`Conversation::survey`].
    /// Returns true when the events arrived out of order.
    pub fn finish(&mut self) -> bool {
        let reordered = self.events.windows(2).any(|w| w[0].ts > w[1].ts);
        if reordered {
            self.events.sort_by_key(|e| e.ts);
        }
        if self.opened_at.is_none() {
            self.opened_at = self.events.first().map(|e| e.ts);
        }
        for e in &self.events {
            if e.kind == EventKind::Survey {
                self.survey.fill_from(e.survey);
            }
        }
        reordered
    }

    /// Messages, in time order, with their index in [`Conversation::events`].
    pub fn messages(&self) -> impl Iterator<Item = (usize, &Event<'a>)> {
        self.events
            .iter()
            .enumerate()
            .filter(|(_, e)| e.kind == EventKind::Message)
    }

    /// Copies every borrowed string so the conversation outlives its input buffer.
    pub fn into_owned(self) -> Conversation<'static> {
        let own = |c: Cow<'a, str>| -> Cow<'static, str> { Cow::Owned(c.into_owned()) };
        Conversation {
            id: own(self.id),
            channel: self.channel,
            customer_id: self.customer_id.map(own),
            opened_at: self.opened_at,
            severity: self.severity.map(own),
            tags: self.tags.into_iter().map(own).collect(),
            due_at: self.due_at,
            team: self.team.map(own),
            survey: self.survey,
            events: self.events.into_iter().map(Event::into_owned).collect(),
            pos: self.pos,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    #[test]
    fn finish_sorts_stably_and_defaults_opening() {
        let mut c = Conversation::new("c1", Channel::Chat);
        c.events
            .push(Event::message(ts("2024-01-01T10:05:00Z"), Role::Agent, "b"));
        c.events.push(Event::message(
            ts("2024-01-01T10:00:00Z"),
            Role::Customer,
            "a",
        ));
        c.events.push(Event::message(
            ts("2024-01-01T10:05:00Z"),
            Role::Customer,
            "c",
        ));
        assert!(c.finish());
        let texts: Vec<&str> = c.events.iter().map(|e| e.text.as_ref()).collect();
        assert_eq!(texts, ["a", "b", "c"]);
        assert_eq!(c.opened_at, Some(ts("2024-01-01T10:00:00Z")));
        assert!(!c.finish());
    }

    #[test]
    fn empty_conversation_finishes_without_opening() {
        let mut c = Conversation::new("c0", Channel::Email);
        assert!(!c.finish());
        assert_eq!(c.opened_at, None);
    }

    #[test]
    fn survey_events_fill_missing_scales_only() {
        let mut c = Conversation::new("c2", Channel::Sms);
        c.survey.csat = Some(2);
        let mut e = Event::new(
            ts("2024-01-02T00:00:00Z"),
            EventKind::Survey,
            Role::Customer,
        );
        e.survey = Survey {
            csat: Some(5),
            nps: Some(9),
            ces: None,
        };
        c.events.push(e);
        c.finish();
        assert_eq!(
            c.survey,
            Survey {
                csat: Some(2),
                nps: Some(9),
                ces: None
            }
        );
    }

    #[test]
    fn names_round_trip() {
        for ch in Channel::ALL {
            assert_eq!(Channel::parse(ch.as_str()), Some(ch));
        }
        assert_eq!(Channel::parse("E-Mail"), Some(Channel::Email));
        assert_eq!(Role::parse("Customer"), Some(Role::Customer));
        assert_eq!(Role::parse("robot"), None);
        assert_eq!(EventKind::parse("queue_enter"), Some(EventKind::QueueEnter));
        assert_eq!(EventKind::parse("Queue_Enter"), None);
    }
}
