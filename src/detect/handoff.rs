//! Hand-offs: transfer events, a change of agent, bot → human, and hand-off phrases.
//!
//! Signals of one hand-off usually come together ("let me transfer you", then a transfer
//! event, then a new agent speaks), so they are grouped into episodes: the first signal
//! counts and opens an episode; further phrases and transfer events join it; the new
//! responder speaking (agent change or bot → human) closes it. Community members answering
//! one after another are not hand-offs.

use crate::model::{Event, EventKind, Role};

/// What revealed a hand-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// A hand-off phrase in a responder's message.
    Phrase,
    /// A transfer event.
    Transfer,
    /// A different agent started writing.
    AgentChange,
    /// A human agent took over from a bot.
    BotToHuman,
}

impl Cause {
    /// The detection label.
    pub fn label(self) -> &'static str {
        match self {
            Cause::Phrase => "phrase",
            Cause::Transfer => "transfer",
            Cause::AgentChange => "agent_change",
            Cause::BotToHuman => "bot_to_human",
        }
    }
}

/// Episode state over a conversation's events, in order.
#[derive(Debug, Default)]
pub struct Tracker<'e> {
    open: bool,
    last_responder: Option<Role>,
    last_agent: Option<&'e str>,
    /// Hand-offs counted.
    pub count: u32,
    /// Event index of the first one.
    pub first: Option<u32>,
}

impl<'e> Tracker<'e> {
    /// The structural hand-off this event shows, if any (before counting).
    fn structural(&mut self, event: &'e Event<'_>) -> Option<Cause> {
        if event.kind == EventKind::Transfer {
            return Some(Cause::Transfer);
        }
        if event.kind != EventKind::Message || !matches!(event.role, Role::Agent | Role::Bot) {
            return None;
        }
        let previous = self.last_responder.replace(event.role);
        if event.role == Role::Bot {
            return None;
        }
        let author = event.author.as_deref();
        let before = self.last_agent;
        self.last_agent = author.or(before);
        if previous == Some(Role::Bot) {
            return Some(Cause::BotToHuman);
        }
        match (before, author) {
            (Some(a), Some(b)) if a != b => Some(Cause::AgentChange),
            _ => None,
        }
    }

    /// Feeds event `index`; `phrase` says whether its text holds a hand-off phrase (only
    /// responder and system messages are asked). Returns the cause when a hand-off counts.
    pub fn observe(&mut self, index: usize, event: &'e Event<'_>, phrase: bool) -> Option<Cause> {
        let mut counted = None;
        if let Some(cause) = self.structural(event) {
            if !self.open {
                counted = Some(cause);
                self.count(index);
            }
            self.open = cause == Cause::Transfer;
        }
        if phrase && !self.open {
            self.open = true;
            self.count(index);
            counted.get_or_insert(Cause::Phrase);
        }
        counted
    }

    fn count(&mut self, index: usize) {
        self.count += 1;
        self.first.get_or_insert(index as u32);
    }
}
