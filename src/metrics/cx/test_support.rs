//! Builders of conversation facts shared by the customer-experience tests.

use crate::config::Config;
use crate::detect::Signals;
use crate::metrics::ConversationFacts;
use crate::metrics::conversation_facts;
use crate::metrics::cx_facts::cx_facts;
use crate::model::Channel;
use crate::model::{Conversation, Event, EventKind, Role};
use crate::time::Timestamp;

pub(crate) fn ts(hms: &str) -> Timestamp {
    Timestamp::parse(&format!("2024-05-01T{hms}Z")).unwrap()
}

pub(crate) fn msg(at: &str, role: Role) -> Event<'static> {
    Event::message(ts(at), role, "…")
}

pub(crate) fn ev(at: &str, kind: EventKind, role: Role) -> Event<'static> {
    Event::new(ts(at), kind, role)
}

pub(crate) fn facts(
    id: &str,
    channel: Channel,
    customer: Option<&str>,
    events: Vec<Event<'static>>,
    signals: Signals,
) -> ConversationFacts {
    let mut c = Conversation::new(id.to_owned(), channel);
    c.customer_id = customer.map(|s| s.to_owned().into());
    c.events = events;
    c.finish();
    let config = Config::default();
    let mut f = conversation_facts(&c, &config);
    f.signals = signals;
    f.cx = cx_facts(&c, &f, &config);
    f
}

pub(crate) fn measured(s: Signals) -> Signals {
    Signals {
        sentiment_first: Some(0.0),
        ..s
    }
}

/// A resolved conversation: customer at 10:00, agent at 10:02, resolve at 10:03.
pub(crate) fn resolved(id: &str, channel: Channel, signals: Signals) -> ConversationFacts {
    facts(
        id,
        channel,
        None,
        vec![
            msg("10:00:00", Role::Customer),
            msg("10:02:00", Role::Agent),
            ev("10:03:00", EventKind::Resolve, Role::Agent),
        ],
        signals,
    )
}

/// An e-mail queued at 08:00, written at 09:00, answered at 10:00, resolved at `resolve`.
pub(crate) fn email(
    id: &str,
    severity: Option<&str>,
    due: Option<&str>,
    resolve: &str,
) -> ConversationFacts {
    let mut c = Conversation::new(id.to_owned(), Channel::Email);
    c.severity = severity.map(|s| s.to_owned().into());
    c.due_at = due.map(ts);
    c.events = vec![
        ev("08:00:00", EventKind::QueueEnter, Role::System),
        msg("09:00:00", Role::Customer),
        msg("10:00:00", Role::Agent),
        ev(resolve, EventKind::Resolve, Role::Agent),
    ];
    c.finish();
    let config = Config::default();
    let mut f = conversation_facts(&c, &config);
    f.cx = cx_facts(&c, &f, &config);
    f
}

pub(crate) fn sample() -> Vec<ConversationFacts> {
    let mut alert = ev("09:00:00", EventKind::Alert, Role::System);
    alert.detail = Some("fraud".into());
    vec![
        resolved(
            "a",
            Channel::Chat,
            measured(Signals {
                rephrase_customer: 1,
                ..Signals::default()
            }),
        ),
        resolved(
            "b",
            Channel::Social,
            measured(Signals {
                sentiment_shift: Some(0.25),
                ..Signals::default()
            }),
        ),
        email("c", Some("urgent"), Some("10:00:00"), "12:00:00"),
        facts(
            "d",
            Channel::Sms,
            Some("u1"),
            vec![alert, msg("09:30:00", Role::Customer)],
            Signals::default(),
        ),
        facts(
            "e",
            Channel::Sms,
            Some("u1"),
            vec![msg("15:00:00", Role::Customer)],
            Signals::default(),
        ),
        facts(
            "f",
            Channel::Community,
            Some("u2"),
            vec![msg("08:00:00", Role::Customer)],
            Signals::default(),
        ),
        facts(
            "g",
            Channel::Community,
            Some("u2"),
            vec![msg("18:00:00", Role::Customer)],
            Signals::default(),
        ),
        facts(
            "h",
            Channel::Sms,
            Some("u3"),
            vec![msg("10:00:00", Role::Customer)],
            Signals::default(),
        ),
    ]
}
