//! [`CxFacts`]: the per-conversation values behind the customer-experience metrics,
//! computed once from the events and the detectors' [`Signals`].
//!
//! Sits after the structural facts and the detectors: [`cx_facts`] reads the finished
//! conversation and the already-built [`ConversationFacts`] (whose `signals` must be
//! filled). Every value that needs a detection is `None` when the signals were not
//! measured (see [`signals_measured`]), never a made-up 0. Durations are integer
//! milliseconds, sentiment shifts integer micro-units, ratings integer milli-points, so
//! the aggregates in [`crate::metrics::cx`] merge exactly.
//!
//! Definitions (the README table in `docs/metrics.md` repeats them):
//! - *solution post*: `signals.solution_event` when the detectors found one; otherwise, in
//!   communities, the first member or agent message after the question; on other channels,
//!   the last agent or bot message at or before the first `resolve` event;
//! - *customer wait*: for each run of customer messages, from its first message to the next
//!   agent, bot or member message (a customer writing three times while waiting waited once);
//! - *long silence*: a gap between two consecutive messages longer than `cx.long_silence`;
//!   its whole length counts as silence; the call lasts from its first to its last event;
//! - *queue delay*: from a `queue_enter` to the next agent event or `assign`; the longest per
//!   conversation (entries never picked up are not counted);
//! - *deadline*: met when resolved at or before `due_at`; missed when resolved later (overrun
//!   = resolution − due) or still unresolved at a last event past `due_at` (overrun unknown);
//! - *alert acted on*: a customer event (any kind) after the alert and within
//!   `cx.alert_action_window` of it, in the same conversation;
//! - *one-touch*: resolved, never reopened, at most one human responder (agent or member) message;
//! - *customer effort index*: see [`effort_index`].

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::detect::{Acknowledgement, Signals};
use crate::metrics::ConversationFacts;
use crate::model::{Channel, Conversation, Event, EventKind, Role};
use crate::time::Timestamp;

/// How the solution post was located.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SolutionSource {
    /// The detectors marked it (`signals.solution_event`).
    Detected,
    /// Community fallback: the first member or agent answer to the question.
    FirstAnswer,
    /// Fallback: the last agent or bot message at or before the first resolve.
    BeforeResolve,
}

/// The solution post of a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SolutionPost {
    /// Index into the conversation's events.
    pub event: u32,
    /// When it was posted.
    pub at: Timestamp,
    /// How it was found.
    pub source: SolutionSource,
}

/// Endorsement events by kind (`detail` of an `endorsement` event).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endorsements {
    /// `like`.
    pub like: u32,
    /// `share` (also `retweet`, `repost`).
    pub share: u32,
    /// `reply`.
    pub reply: u32,
    /// `mention`.
    pub mention: u32,
    /// `dm` (direct message).
    pub dm: u32,
    /// Any other or missing kind.
    pub other: u32,
}

impl Endorsements {
    /// Counts one endorsement of kind `detail`.
    pub fn count(&mut self, detail: Option<&str>) {
        let slot = match detail.map(str::to_ascii_lowercase).as_deref() {
            Some("like" | "favorite" | "favourite" | "upvote") => &mut self.like,
            Some("share" | "retweet" | "repost") => &mut self.share,
            Some("reply") => &mut self.reply,
            Some("mention") => &mut self.mention,
            Some("dm" | "direct_message" | "direct message") => &mut self.dm,
            _ => &mut self.other,
        };
        *slot += 1;
    }

    /// All kinds together.
    pub fn total(&self) -> u32 {
        self.like + self.share + self.reply + self.mention + self.dm + self.other
    }

    /// Adds another count.
    pub fn merge(&mut self, o: &Endorsements) {
        self.like += o.like;
        self.share += o.share;
        self.reply += o.reply;
        self.mention += o.mention;
        self.dm += o.dm;
        self.other += o.other;
    }
}

/// The effort index and its components, each in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Effort {
    /// Index, 0 (effortless) – 100 (maximal effort), three decimals.
    pub index: f64,
    /// Total customer wait / (`wait_saturation` × first-response SLA target), capped at 1.
    pub wait: f64,
    /// (customer + agent rephrase requests) / `count_saturation`, capped at 1.
    pub rephrase: f64,
    /// (restatements + repeated identifiers + re-verification requests) / `count_saturation`, capped.
    pub repetition: f64,
    /// Hand-offs / `count_saturation`, capped at 1.
    pub handoff: f64,
    /// 1 when the customer said a solution failed, else 0.
    pub failure: f64,
    /// The fall of the originator's sentiment across the solution (0 when it rose), capped at 1.
    pub negative_shift: f64,
}

/// Per-conversation customer-experience values.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CxFacts {
    /// The detectors ran on this conversation (see [`signals_measured`]).
    pub measured: bool,
    /// The solution post, when one was located.
    pub solution: Option<SolutionPost>,
    /// The originator acknowledged the solution as successful or used it (needs detections and a solution).
    pub acknowledged: Option<bool>,
    /// The originator said the solution failed (needs detections and a solution).
    pub failed: Option<bool>,
    /// Hand-offs: the detectors' count, at least the `transfer` events.
    pub handoffs: u32,
    /// Customer waits (see module doc), in time order, ms.
    pub waits_ms: Vec<i64>,
    /// First customer message → solution post, ms.
    pub time_to_solution_ms: Option<i64>,
    /// Deadline (`due_at`) met, when decidable.
    pub due_met: Option<bool>,
    /// Resolution − `due_at` when resolved after the deadline, ms.
    pub due_overrun_ms: Option<i64>,
    /// Longest `queue_enter` → first agent action, ms.
    pub queue_delay_ms: Option<i64>,
    /// `alert` events.
    pub alerts: u32,
    /// Alerts followed by a customer action within the window.
    pub alerts_acted: u32,
    /// Endorsements at or after the solution post.
    pub endorsements: Endorsements,
    /// `rating` events with a value.
    pub ratings: u32,
    /// Sum of their values, in thousandths.
    pub rating_milli_sum: i64,
    /// The customer sent an `accept` event.
    pub accept_event: bool,
    /// Customer `visit` events after the customer's first message.
    pub return_visits: u32,
    /// Gaps between consecutive messages longer than the long-silence threshold.
    pub long_silences: u32,
    /// Total length of those gaps, ms.
    pub silence_ms: i64,
    /// First → last event, ms.
    pub span_ms: Option<i64>,
    /// `resolve` events.
    pub resolves: u32,
    /// Human responder (agent and member) messages.
    pub human_replies: u32,
    /// Resolved, never reopened, at most one human responder message.
    pub one_touch: bool,
    /// Customer effort index (needs detections).
    pub effort: Option<Effort>,
}

/// True when the detectors filled the signals. The sentiment detector scores every
/// originator message, so a conversation run through the detectors with at least one
/// customer message never keeps the default signals.
pub fn signals_measured(s: &Signals) -> bool {
    *s != Signals::default()
}

/// Computes the customer-experience facts of a finished conversation whose structural
/// facts and signals are already in `facts`.
pub fn cx_facts(conv: &Conversation<'_>, facts: &ConversationFacts, config: &Config) -> CxFacts {
    let events = &conv.events;
    let signals = &facts.signals;
    let measured = signals_measured(signals);
    let first_customer = events.iter().position(|e| e.is_message_by(Role::Customer));
    let solution = solution_post(conv, signals, first_customer);
    let accept_event = events
        .iter()
        .any(|e| e.kind == EventKind::Accept && e.role == Role::Customer);
    let acknowledged = (measured && solution.is_some()).then(|| {
        signals.acknowledgement == Acknowledgement::Success || signals.solution_used || accept_event
    });
    let failed = (measured && solution.is_some())
        .then(|| signals.acknowledgement == Acknowledgement::Failure || signals.ack_failure > 0);
    let (silences, silence_ms) = long_silences(events, config.long_silence_ms());
    let (alerts, alerts_acted) = alerts_acted_on(events, config.alert_action_window_ms());
    let (due_met, due_overrun_ms) = deadline(facts);
    let (ratings, rating_milli_sum) = ratings(events);
    let human_replies = facts.messages.agent + facts.messages.member;
    let waits_ms = customer_waits(events);
    let mut cx = CxFacts {
        measured,
        solution,
        acknowledged,
        failed,
        handoffs: signals.handoffs.max(facts.transfers),
        time_to_solution_ms: first_customer
            .zip(solution)
            .map(|(i, s)| (s.at.0 - events[i].ts.0).max(0)),
        due_met,
        due_overrun_ms,
        queue_delay_ms: longest_queue_delay(events),
        alerts,
        alerts_acted,
        endorsements: endorsements_after(events, solution),
        ratings,
        rating_milli_sum,
        accept_event,
        return_visits: first_customer.map_or(0, |i| {
            events[i + 1..]
                .iter()
                .filter(|e| e.kind == EventKind::Visit && e.role == Role::Customer)
                .count() as u32
        }),
        long_silences: silences,
        silence_ms,
        span_ms: events
            .first()
            .zip(events.last())
            .map(|(a, b)| b.ts.0 - a.ts.0),
        resolves: events
            .iter()
            .filter(|e| e.kind == EventKind::Resolve)
            .count() as u32,
        human_replies,
        one_touch: facts.resolved && facts.reopens == 0 && human_replies <= 1,
        waits_ms,
        effort: None,
    };
    if measured {
        let target = config
            .sla_for(conv.channel, conv.severity.as_deref())
            .first_response;
        cx.effort = Some(effort_index(&cx, signals, target, config));
    }
    cx
}

/// Locates the solution post (see the module doc for the fallbacks).
fn solution_post(
    conv: &Conversation<'_>,
    signals: &Signals,
    first_customer: Option<usize>,
) -> Option<SolutionPost> {
    let events = &conv.events;
    let post = |i: usize, source| SolutionPost {
        event: i as u32,
        at: events[i].ts,
        source,
    };
    if let Some(i) = signals.solution_event {
        if (i as usize) < events.len() {
            return Some(post(i as usize, SolutionSource::Detected));
        }
    }
    if conv.channel == Channel::Community {
        let start = first_customer? + 1;
        return events[start..]
            .iter()
            .position(|e| e.kind == EventKind::Message && e.role.is_human_responder())
            .map(|k| post(start + k, SolutionSource::FirstAnswer));
    }
    let resolve = events.iter().position(|e| e.kind == EventKind::Resolve)?;
    events[..=resolve]
        .iter()
        .rposition(|e| e.is_message_by(Role::Agent) || e.is_message_by(Role::Bot))
        .map(|i| post(i, SolutionSource::BeforeResolve))
}

/// Customer waits: for each run of customer messages, its first message → the next
/// responder message. A run never answered is not a wait (its end is unknown).
pub fn customer_waits(events: &[Event<'_>]) -> Vec<i64> {
    let mut waits = Vec::new();
    let mut waiting_since: Option<Timestamp> = None;
    for e in events.iter().filter(|e| e.kind == EventKind::Message) {
        if e.role == Role::Customer {
            waiting_since.get_or_insert(e.ts);
        } else if e.role.is_responder() {
            if let Some(since) = waiting_since.take() {
                waits.push((e.ts.0 - since.0).max(0));
            }
        }
    }
    waits
}

/// Long silences: (count, total ms) of gaps between consecutive messages over `threshold_ms`.
pub fn long_silences(events: &[Event<'_>], threshold_ms: i64) -> (u32, i64) {
    let mut previous: Option<Timestamp> = None;
    let (mut count, mut total) = (0, 0);
    for e in events.iter().filter(|e| e.kind == EventKind::Message) {
        if let Some(p) = previous {
            let gap = e.ts.0 - p.0;
            if gap > threshold_ms {
                count += 1;
                total += gap;
            }
        }
        previous = Some(e.ts);
    }
    (count, total)
}

/// (alerts, alerts followed by a customer event within `window_ms`).
pub fn alerts_acted_on(events: &[Event<'_>], window_ms: i64) -> (u32, u32) {
    let (mut alerts, mut acted) = (0, 0);
    for (i, e) in events.iter().enumerate() {
        if e.kind != EventKind::Alert {
            continue;
        }
        alerts += 1;
        let answered = events[i + 1..]
            .iter()
            .take_while(|x| x.ts.0 - e.ts.0 <= window_ms)
            .any(|x| x.role == Role::Customer && x.kind != EventKind::Survey);
        acted += u32::from(answered);
    }
    (alerts, acted)
}

/// Longest `queue_enter` → next agent event or `assign`, ms.
pub fn longest_queue_delay(events: &[Event<'_>]) -> Option<i64> {
    events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.kind == EventKind::QueueEnter)
        .filter_map(|(i, enter)| {
            events[i + 1..]
                .iter()
                .find(|e| e.role == Role::Agent || e.kind == EventKind::Assign)
                .map(|picked| picked.ts.0 - enter.ts.0)
        })
        .max()
}

/// (met, overrun ms) against the customer's deadline.
fn deadline(facts: &ConversationFacts) -> (Option<bool>, Option<i64>) {
    let Some(due) = facts.due_at else {
        return (None, None);
    };
    match facts.resolved_at {
        Some(r) if r <= due => (Some(true), None),
        Some(r) => (Some(false), Some(r.0 - due.0)),
        None if facts.last_event_at.is_some_and(|l| l > due) => (Some(false), None),
        None => (None, None),
    }
}

fn ratings(events: &[Event<'_>]) -> (u32, i64) {
    events
        .iter()
        .filter(|e| e.kind == EventKind::Rating)
        .filter_map(|e| e.value.filter(|v| v.is_finite()))
        .fold((0, 0), |(n, sum), v| {
            (n + 1, sum + (v * 1000.0).round() as i64)
        })
}

fn endorsements_after(events: &[Event<'_>], solution: Option<SolutionPost>) -> Endorsements {
    let mut out = Endorsements::default();
    if let Some(s) = solution {
        for e in &events[s.event as usize..] {
            if e.kind == EventKind::Endorsement {
                out.count(e.detail.as_deref());
            }
        }
    }
    out
}

/// The customer effort index: `100 × Σ wᵢ·cᵢ / Σ wᵢ` over six components cᵢ ∈ [0, 1]
/// (weights from `[effort]`):
/// - wait = min(Σ customer waits / (`wait_saturation` × first-response SLA target), 1);
/// - rephrase = min((rephrase_customer + rephrase_agent) / `count_saturation`, 1);
/// - repetition = min((restatements + repeated identifiers before and after a hand-off +
///   re-verification requests) / `count_saturation`, 1);
/// - hand-off = min(hand-offs / `count_saturation`, 1);
/// - failure = 1 when the customer said a solution did not work, else 0;
/// - negative shift = min(max(−sentiment shift, 0), 1) (0 when the shift is unknown).
///
/// Higher means more effort; survey CES runs the other way (7 = very easy), so a valid
/// index correlates negatively with CES.
pub fn effort_index(
    cx: &CxFacts,
    s: &Signals,
    first_response_target_ms: i64,
    config: &Config,
) -> Effort {
    let e = &config.effort;
    let cap = f64::from(e.count_saturation);
    let count = |n: u32| (f64::from(n) / cap).min(1.0);
    let total_wait: i64 = cx.waits_ms.iter().sum();
    let wait_cap = e.wait_saturation * first_response_target_ms.max(1) as f64;
    let wait = (total_wait as f64 / wait_cap).min(1.0);
    let rephrase = count(s.rephrase_customer + s.rephrase_agent);
    let repetition = count(
        s.restatements
            + s.repeated_ids_before_handoff
            + s.repeated_ids_after_handoff
            + s.reverify_requests,
    );
    let handoff = count(cx.handoffs);
    let failed = s.acknowledgement == Acknowledgement::Failure || s.ack_failure > 0;
    let failure = if failed { 1.0 } else { 0.0 };
    let negative_shift = s.sentiment_shift.map_or(0.0, |d| (-d).clamp(0.0, 1.0));
    let components = [wait, rephrase, repetition, handoff, failure, negative_shift];
    let weights = e.weights();
    let weighted: f64 = components.iter().zip(weights).map(|(c, w)| c * w).sum();
    let index = 100.0 * weighted / weights.iter().sum::<f64>();
    Effort {
        index: (index * 1000.0).round() / 1000.0,
        wait,
        rephrase,
        repetition,
        handoff,
        failure,
        negative_shift,
    }
}
