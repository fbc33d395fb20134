//! [`ConversationFacts`]: everything the metrics need from one conversation, computed once.
//!
//! Facts are the traceable middle of the pipeline: `--facts FILE` writes them as JSON lines,
//! the aggregates are built only from them, and the search index stores them. Durations are
//! integer milliseconds so that sums merge exactly.
//!
//! Definitions (also in the README):
//! - *first customer contact*: the first customer message, else `opened_at`;
//! - *first response*: first customer contact → the first agent or community-member message
//!   after it (bots excluded: an instant canned reply is not a response);
//! - *resolution*: first customer contact → the last `resolve` event, provided no `reopen`
//!   follows it; a conversation whose last resolve is followed by a reopen is unresolved;
//! - *handle time*: first agent activity (an `assign`, or an agent event) → last agent
//!   activity, minus time the customer spent in a queue inside that span;
//! - *resolved at first contact*: resolved, never reopened and never transferred; the
//!   repeat-contact part of FCR needs other conversations and is settled in `customers`.

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::detect::{Detection, Detectors, Signals};
use crate::metrics::cx_facts::{CxFacts, cx_facts};
use crate::model::{Channel, Conversation, EventKind, Role, Survey};
use crate::time::Timestamp;

/// Message counts by role.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageCounts {
    /// By the customer.
    pub customer: u32,
    /// By human agents.
    pub agent: u32,
    /// By bots.
    pub bot: u32,
    /// By community members.
    pub member: u32,
    /// By the system.
    pub system: u32,
}

/// Per-conversation facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationFacts {
    /// Conversation id.
    pub id: String,
    /// Channel.
    pub channel: Channel,
    /// Customer id, when known.
    pub customer_id: Option<String>,
    /// Opening time.
    pub opened_at: Option<Timestamp>,
    /// First customer contact (first customer message, else opening).
    pub first_contact_at: Option<Timestamp>,
    /// Resolution time (last resolve not followed by a reopen).
    pub resolved_at: Option<Timestamp>,
    /// Time of the last event.
    pub last_event_at: Option<Timestamp>,
    /// Severity label.
    pub severity: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// The last human agent who wrote (the one holding the conversation at the end).
    pub agent: Option<String>,
    /// Every distinct agent author, in order of first appearance.
    pub agents: Vec<String>,
    /// Owning team: the header's, else the last assign/transfer target team.
    pub team: Option<String>,
    /// The customer's own deadline.
    pub due_at: Option<Timestamp>,
    /// Number of events.
    pub events: u32,
    /// Messages by role.
    pub messages: MessageCounts,
    /// First response time, ms.
    pub first_response_ms: Option<i64>,
    /// Resolution time, ms.
    pub resolution_ms: Option<i64>,
    /// Handle time, ms.
    pub handle_ms: Option<i64>,
    /// Transfer events.
    pub transfers: u32,
    /// Reopen events.
    pub reopens: u32,
    /// Resolved (see module doc).
    pub resolved: bool,
    /// Resolved, never reopened, never transferred.
    pub resolved_first_contact: bool,
    /// First response within the SLA target (`None` while undecidable).
    pub sla_first_response_met: Option<bool>,
    /// Resolution within the SLA target (`None` while undecidable).
    pub sla_resolution_met: Option<bool>,
    /// Survey answers.
    pub survey: Survey,
    /// Number of purchases.
    pub purchases: u32,
    /// Purchase total, in cents.
    pub purchase_cents: i64,
    /// Text-detector results.
    pub signals: Signals,
    /// Customer-experience values (filled after the signals, see [`crate::metrics::cx_facts`]).
    #[serde(default)]
    pub cx: CxFacts,
}

impl ConversationFacts {
    /// Every fact of a finished conversation, in one call: the structure of its events, then
    /// the text detectors' [`Signals`] (left at their defaults without `detectors`), then the
    /// customer-experience facts, which read both.
    pub fn compute(
        conv: &Conversation<'_>,
        config: &Config,
        detectors: Option<&Detectors>,
    ) -> ConversationFacts {
        ConversationFacts::compute_with_detections(conv, config, detectors, false).0
    }

    /// [`ConversationFacts::compute`], plus the detection list when `want_detections` (one
    /// detector pass gives both; without detectors the list is empty).
    pub fn compute_with_detections(
        conv: &Conversation<'_>,
        config: &Config,
        detectors: Option<&Detectors>,
        want_detections: bool,
    ) -> (ConversationFacts, Vec<Detection>) {
        let mut facts = conversation_facts(conv, config);
        let mut detections = Vec::new();
        match detectors {
            Some(d) if want_detections => (facts.signals, detections) = d.analyze(conv),
            Some(d) => facts.signals = d.signals(conv),
            None => {}
        }
        facts.cx = cx_facts(conv, &facts, config);
        (facts, detections)
    }
}

/// The first of the three steps of [`ConversationFacts::compute`]: the structural facts
/// only, with default `signals` and `cx` (tests use it to set signals by hand).
pub fn conversation_facts(conv: &Conversation<'_>, config: &Config) -> ConversationFacts {
    let events = &conv.events;
    let mut messages = MessageCounts::default();
    let mut transfers = 0;
    let mut reopens = 0;
    let mut last_resolve: Option<(usize, Timestamp)> = None;
    let mut last_reopen: Option<usize> = None;
    let mut first_customer: Option<Timestamp> = None;
    let mut first_response: Option<Timestamp> = None;
    let mut agent: Option<&str> = None;
    let mut agents: Vec<String> = Vec::new();
    let mut team = conv.team.as_deref();
    let mut purchases = 0;
    let mut purchase_cents = 0i64;
    for (i, e) in events.iter().enumerate() {
        match e.kind {
            EventKind::Message => {
                match e.role {
                    Role::Customer => messages.customer += 1,
                    Role::Agent => messages.agent += 1,
                    Role::Bot => messages.bot += 1,
                    Role::Member => messages.member += 1,
                    Role::System => messages.system += 1,
                }
                if e.role == Role::Customer && first_customer.is_none() {
                    first_customer = Some(e.ts);
                }
                if e.role.is_human_responder()
                    && first_customer.is_some()
                    && first_response.is_none()
                {
                    first_response = Some(e.ts);
                }
                if e.role == Role::Agent {
                    if let Some(a) = e.author.as_deref() {
                        agent = Some(a);
                        if !agents.iter().any(|x| x == a) {
                            agents.push(a.to_owned());
                        }
                    }
                }
            }
            EventKind::Transfer => transfers += 1,
            EventKind::Resolve => last_resolve = Some((i, e.ts)),
            EventKind::Reopen => {
                reopens += 1;
                last_reopen = Some(i);
            }
            EventKind::Purchase => {
                purchases += 1;
                // Amounts are bounded at ingest; saturate rather than wrap all the same.
                let cents = e.value.map_or(0, |v| (v * 100.0).round() as i64);
                purchase_cents = i64::saturating_add(purchase_cents, cents);
            }
            _ => {}
        }
        if matches!(e.kind, EventKind::Assign | EventKind::Transfer) && conv.team.is_none() {
            team = e.team.as_deref().or(team);
        }
    }
    let first_contact = first_customer.or(conv.opened_at);
    let resolved_at = match (last_resolve, last_reopen) {
        (Some((ri, ts)), reopen) if reopen.is_none_or(|oi| oi < ri) => Some(ts),
        _ => None,
    };
    let elapsed = |end: Option<Timestamp>| match (first_contact, end) {
        (Some(a), Some(b)) if b >= a => Some(b.0 - a.0),
        _ => None,
    };
    let first_response_ms = first_customer.and(elapsed(first_response));
    let resolution_ms = elapsed(resolved_at);
    let last_event_at = events.last().map(|e| e.ts);
    let sla = config.sla_for(conv.channel, conv.severity.as_deref());
    let waited_ms = elapsed(last_event_at);
    let sla_met = |measured: Option<i64>, target: i64| match measured {
        Some(ms) => Some(ms <= target),
        // Still waiting at the last event, and already past the target: a breach.
        None if waited_ms.is_some_and(|w| w > target) => Some(false),
        None => None,
    };
    ConversationFacts {
        id: conv.id.to_string(),
        channel: conv.channel,
        customer_id: conv.customer_id.as_deref().map(str::to_owned),
        opened_at: conv.opened_at,
        first_contact_at: first_contact,
        resolved_at,
        last_event_at,
        severity: conv.severity.as_deref().map(str::to_owned),
        tags: conv.tags.iter().map(|t| t.to_string()).collect(),
        agent: agent.map(str::to_owned),
        agents,
        team: team.map(str::to_owned),
        due_at: conv.due_at,
        events: events.len() as u32,
        messages,
        first_response_ms,
        resolution_ms,
        handle_ms: handle_time_ms(conv),
        transfers,
        reopens,
        resolved: resolved_at.is_some(),
        resolved_first_contact: resolved_at.is_some() && reopens == 0 && transfers == 0,
        sla_first_response_met: sla_met(first_response_ms, sla.first_response),
        sla_resolution_met: sla_met(resolution_ms, sla.resolution),
        survey: conv.survey,
        purchases,
        purchase_cents,
        signals: Signals::default(),
        cx: CxFacts::default(),
    }
}

/// Handle time: first to last agent activity, minus queue time inside that span.
pub fn handle_time_ms(conv: &Conversation<'_>) -> Option<i64> {
    let is_agent_activity =
        |kind: EventKind, role: Role| kind == EventKind::Assign || role == Role::Agent;
    let first = conv
        .events
        .iter()
        .find(|e| is_agent_activity(e.kind, e.role))?
        .ts;
    let last = conv
        .events
        .iter()
        .rev()
        .find(|e| is_agent_activity(e.kind, e.role))?
        .ts;
    let mut queued = 0;
    let mut entered: Option<Timestamp> = None;
    for e in &conv.events {
        match e.kind {
            EventKind::QueueEnter if entered.is_none() => entered = Some(e.ts),
            EventKind::QueueExit => {
                if let Some(start) = entered.take() {
                    let (a, b) = (start.max(first), e.ts.min(last));
                    queued += (b.0 - a.0).max(0);
                }
            }
            _ => {}
        }
    }
    Some((last.0 - first.0 - queued).max(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Event;

    fn ts(hms: &str) -> Timestamp {
        Timestamp::parse(&format!("2024-05-01T{hms}Z")).unwrap()
    }

    fn ev(at: &str, kind: EventKind, role: Role) -> Event<'static> {
        Event::new(ts(at), kind, role)
    }

    fn msg(at: &str, role: Role, author: &'static str) -> Event<'static> {
        Event::message(ts(at), role, "…").with_author(author)
    }

    fn chat() -> Conversation<'static> {
        let mut c = Conversation::new("c1", Channel::Chat);
        c.events = vec![
            ev("09:58:00", EventKind::QueueEnter, Role::System),
            msg("10:00:00", Role::Customer, "u"),
            msg("10:00:05", Role::Bot, "bot"),
            ev("10:01:00", EventKind::Assign, Role::System),
            ev("10:01:00", EventKind::QueueExit, Role::System),
            msg("10:01:30", Role::Agent, "sam"),
            msg("10:03:00", Role::Customer, "u"),
            ev("10:04:00", EventKind::Transfer, Role::Agent),
            ev("10:04:00", EventKind::QueueEnter, Role::System),
            ev("10:06:00", EventKind::QueueExit, Role::System),
            msg("10:07:00", Role::Agent, "kim"),
            ev("10:10:00", EventKind::Resolve, Role::Agent),
        ];
        c.finish();
        c
    }

    #[test]
    fn chat_with_transfer() {
        let f = conversation_facts(&chat(), &Config::default());
        // First customer message 10:00:00; first human reply 10:01:30 → 90 s (the bot at 10:00:05 does not count).
        assert_eq!(f.first_response_ms, Some(90_000));
        // Resolve at 10:10:00 → 600 s.
        assert_eq!(f.resolution_ms, Some(600_000));
        // Agent activity 10:01:00 (assign) … 10:10:00 (resolve by agent) = 540 s, minus queue 10:04–10:06 = 120 s → 420 s.
        assert_eq!(f.handle_ms, Some(420_000));
        assert_eq!(f.transfers, 1);
        assert!(f.resolved);
        assert!(!f.resolved_first_contact);
        assert_eq!(f.agent.as_deref(), Some("kim"));
        assert_eq!(f.agents, ["sam", "kim"]);
        assert_eq!(
            f.messages,
            MessageCounts {
                customer: 2,
                agent: 2,
                bot: 1,
                member: 0,
                system: 0
            }
        );
        // Chat defaults: first response 2 min (90 s met), resolution 4 h (met).
        assert_eq!(f.sla_first_response_met, Some(true));
        assert_eq!(f.sla_resolution_met, Some(true));
    }

    #[test]
    fn reopen_after_resolve_means_unresolved() {
        let mut c = chat();
        c.events
            .push(ev("11:00:00", EventKind::Reopen, Role::Customer));
        let f = conversation_facts(&c, &Config::default());
        assert!(!f.resolved);
        assert_eq!(f.resolution_ms, None);
        // Waiting since 10:00 for 60 min < 4 h target: resolution SLA still undecided.
        assert_eq!(f.sla_resolution_met, None);
        c.events
            .push(ev("15:00:00", EventKind::Resolve, Role::Agent));
        let f = conversation_facts(&c, &Config::default());
        assert_eq!(f.resolution_ms, Some(5 * 3_600_000));
        assert_eq!(f.sla_resolution_met, Some(false));
        assert_eq!(f.reopens, 1);
    }

    #[test]
    fn empty_and_single_message_conversations() {
        let mut empty = Conversation::new("e", Channel::Email);
        empty.finish();
        let f = conversation_facts(&empty, &Config::default());
        assert_eq!(
            (f.first_response_ms, f.resolution_ms, f.handle_ms),
            (None, None, None)
        );
        assert_eq!(
            (f.sla_first_response_met, f.sla_resolution_met),
            (None, None)
        );
        assert!(!f.resolved);

        let mut one = Conversation::new("o", Channel::Email);
        one.events.push(msg("10:00:00", Role::Customer, "u"));
        one.finish();
        let f = conversation_facts(&one, &Config::default());
        assert_eq!(f.first_contact_at, Some(ts("10:00:00")));
        assert_eq!(f.first_response_ms, None);
        assert_eq!(f.messages.customer, 1);
    }

    #[test]
    fn unanswered_past_target_is_a_breach() {
        let mut c = Conversation::new("s", Channel::Chat);
        c.events.push(msg("10:00:00", Role::Customer, "u"));
        c.events.push(msg("10:05:00", Role::Customer, "u"));
        c.finish();
        let f = conversation_facts(&c, &Config::default());
        // 5 min without a human reply, chat target 2 min.
        assert_eq!(f.sla_first_response_met, Some(false));
    }

    #[test]
    fn purchases_sum_in_cents() {
        let mut c = Conversation::new("p", Channel::Sms);
        let mut p1 = ev("10:00:00", EventKind::Purchase, Role::Customer);
        p1.value = Some(19.99);
        let mut p2 = ev("10:00:01", EventKind::Purchase, Role::Customer);
        p2.value = Some(0.01);
        c.events = vec![p1, p2];
        c.finish();
        let f = conversation_facts(&c, &Config::default());
        assert_eq!((f.purchases, f.purchase_cents), (2, 2000));
    }

    #[test]
    fn purchase_sum_saturates_instead_of_wrapping() {
        // 2 × 6·10¹⁸ cents passes i64::MAX: the sum stops there, positive.
        let mut c = Conversation::new("p", Channel::Sms);
        let mut p = ev("10:00:00", EventKind::Purchase, Role::Customer);
        p.value = Some(6e16);
        c.events = vec![p.clone(), p];
        c.finish();
        let f = conversation_facts(&c, &Config::default());
        assert_eq!(f.purchase_cents, i64::MAX);
    }
}
