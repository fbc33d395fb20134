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
    /// Points against: the negative scores of endorsement events (a Stack Exchange answer
    /// at −2 adds 2 here, nothing to the kinds above).
    #[serde(default)]
    pub against: u32,
}

impl Endorsements {
    /// Counts one endorsement event of kind `detail` worth `value` points (a score), or 1
    /// when it carries none; negative points count apart, as points against.
    pub fn count_points(&mut self, detail: Option<&str>, value: Option<f64>) {
        let points = value.map_or(1.0, f64::round).clamp(-1e9, 1e9) as i64;
        let magnitude = points.unsigned_abs().min(u64::from(u32::MAX)) as u32;
        let slot = if points < 0 {
            &mut self.against
        } else {
            self.slot(detail)
        };
        *slot = slot.saturating_add(magnitude);
    }

    /// The counter of the kind `detail` names.
    fn slot(&mut self, detail: Option<&str>) -> &mut u32 {
        match detail.map(str::to_ascii_lowercase).as_deref() {
            Some("like" | "favorite" | "favourite" | "upvote") => &mut self.like,
            Some("share" | "retweet" | "repost") => &mut self.share,
            Some("reply") => &mut self.reply,
            Some("mention") => &mut self.mention,
            Some("dm" | "direct_message" | "direct message") => &mut self.dm,
            _ => &mut self.other,
        }
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
        self.against += o.against;
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
    /// Every message carried its length (`duration_ms` or `end`), so the gaps run from the
    /// end of one utterance to the start of the next; otherwise from start to start, an
    /// upper bound of the silence.
    #[serde(default)]
    pub silence_from_ends: bool,
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
    let (silences, silence_ms, silence_from_ends) = long_silences(events, config.long_silence_ms());
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
        silence_from_ends,
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

/// Long silences: (count, total ms, measured from utterance ends) of the gaps between
/// consecutive messages longer than `threshold_ms`. A gap runs from the end of the speech
/// so far (the latest `ts + duration_ms` of the messages before, so overlapping speech is
/// no silence) to the next message's start; a message without a length ends where it
/// starts, which makes the gap an upper bound. The third value says whether every message
/// had a length.
pub fn long_silences(events: &[Event<'_>], threshold_ms: i64) -> (u32, i64, bool) {
    let mut speech_end: Option<i64> = None;
    let (mut count, mut total, mut from_ends, mut any) = (0, 0, true, false);
    for e in events.iter().filter(|e| e.kind == EventKind::Message) {
        any = true;
        if let Some(end) = speech_end {
            let gap = e.ts.0 - end;
            if gap > threshold_ms {
                count += 1;
                total += gap;
            }
        }
        from_ends &= e.duration_ms.is_some();
        let end = e.ts.0 + e.duration_ms.unwrap_or(0);
        speech_end = Some(speech_end.map_or(end, |s| s.max(end)));
    }
    (count, total, any && from_ends)
}

/// (alerts, alerts followed by a customer event within `window_ms`). One backward pass:
/// for each event, the time of the next customer action after it.
pub fn alerts_acted_on(events: &[Event<'_>], window_ms: i64) -> (u32, u32) {
    let is_action = |e: &Event<'_>| e.role == Role::Customer && e.kind != EventKind::Survey;
    let (mut alerts, mut acted) = (0, 0);
    let mut next_action: Option<Timestamp> = None;
    for e in events.iter().rev() {
        if e.kind == EventKind::Alert {
            alerts += 1;
            acted += u32::from(next_action.is_some_and(|t| t.0 - e.ts.0 <= window_ms));
        }
        if is_action(e) {
            next_action = Some(e.ts);
        }
    }
    (alerts, acted)
}

/// Longest `queue_enter` → next agent event or `assign`, ms. One backward pass: for each
/// event, the time of the next pick-up after it.
pub fn longest_queue_delay(events: &[Event<'_>]) -> Option<i64> {
    let mut next_pickup: Option<Timestamp> = None;
    let mut longest: Option<i64> = None;
    for e in events.iter().rev() {
        if e.kind == EventKind::QueueEnter {
            if let Some(t) = next_pickup {
                longest = longest.max(Some(t.0 - e.ts.0));
            }
        }
        if e.role == Role::Agent || e.kind == EventKind::Assign {
            next_pickup = Some(e.ts);
        }
    }
    longest
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
            (n + 1, i64::saturating_add(sum, (v * 1000.0).round() as i64))
        })
}

fn endorsements_after(events: &[Event<'_>], solution: Option<SolutionPost>) -> Endorsements {
    let mut out = Endorsements::default();
    if let Some(s) = solution {
        for e in &events[s.event as usize..] {
            if e.kind == EventKind::Endorsement {
                out.count_points(e.detail.as_deref(), e.value);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::conversation_facts;

    fn ts(hms: &str) -> Timestamp {
        Timestamp::parse(&format!("2024-05-01T{hms}Z")).unwrap()
    }

    fn day(d: u32, hms: &str) -> Timestamp {
        Timestamp::parse(&format!("2024-05-{d:02}T{hms}Z")).unwrap()
    }

    fn ev(at: Timestamp, kind: EventKind, role: Role) -> Event<'static> {
        Event::new(at, kind, role)
    }

    fn msg(at: &str, role: Role) -> Event<'static> {
        Event::message(ts(at), role, "…")
    }

    fn conv(channel: Channel, events: Vec<Event<'static>>) -> Conversation<'static> {
        let mut c = Conversation::new("c", channel);
        c.events = events;
        c.finish();
        c
    }

    /// Facts with `signals` filled, then the cx facts, as the pipeline does.
    fn facts(c: &Conversation<'_>, signals: Signals, config: &Config) -> ConversationFacts {
        let mut f = conversation_facts(c, config);
        f.signals = signals;
        f.cx = cx_facts(c, &f, config);
        f
    }

    fn measured() -> Signals {
        Signals {
            sentiment_first: Some(0.0),
            ..Signals::default()
        }
    }

    #[test]
    fn chat_waits_count_once_per_customer_run() {
        let c = conv(
            Channel::Chat,
            vec![
                msg("10:00:00", Role::Customer),
                msg("10:00:20", Role::Customer),
                msg("10:00:30", Role::Bot),
                msg("10:01:00", Role::Customer),
                ev(ts("10:02:00"), EventKind::Transfer, Role::System),
                msg("10:03:00", Role::Agent),
                msg("10:03:30", Role::Agent),
                msg("10:04:00", Role::Customer),
            ],
        );
        // Run 10:00:00–10:00:20 answered by the bot at 10:00:30 → 30 s; 10:01:00 → agent
        // 10:03:00 → 120 s; the last customer message is never answered → no wait.
        assert_eq!(customer_waits(&c.events), [30_000, 120_000]);
    }

    #[test]
    fn phone_long_silences_count_and_share() {
        let c = conv(
            Channel::Phone,
            vec![
                msg("10:00:00", Role::Customer),
                msg("10:00:10", Role::Agent),
                msg("10:00:55", Role::Customer),
                msg("10:01:25", Role::Agent),
                msg("10:03:20", Role::Customer),
            ],
        );
        let f = facts(&c, Signals::default(), &Config::default());
        // Gaps 10, 45, 30, 115 s; over 30 s (strictly): 45 and 115 → 2 silences, 160 s.
        assert_eq!((f.cx.long_silences, f.cx.silence_ms), (2, 160_000));
        // Call 10:00:00 → 10:03:20 = 200 s.
        assert_eq!(f.cx.span_ms, Some(200_000));
        let config = Config::parse("[cx]\nlong_silence = \"20s\"").unwrap();
        // Over 20 s: 45, 30, 115 → 3 silences, 190 s.
        assert_eq!(
            long_silences(&c.events, config.long_silence_ms()),
            (3, 190_000, false)
        );
        assert!(!f.cx.silence_from_ends, "no message carried its length");
    }

    #[test]
    fn endorsement_scores_count_as_points_and_negative_scores_apart() {
        let mut e = Endorsements::default();
        e.count_points(Some("score"), Some(5.0)); // +5 other
        e.count_points(Some("like"), None); // +1 like
        e.count_points(Some("score"), Some(-2.0)); // 2 against
        e.count_points(Some("score"), Some(0.0)); // nothing
        assert_eq!((e.like, e.other, e.against, e.total()), (1, 5, 2, 6));
    }

    #[test]
    fn phone_silences_run_from_the_end_of_speech_when_lengths_are_known() {
        let said = |at: &str, role, ms| {
            let mut e = msg(at, role);
            e.duration_ms = Some(ms);
            e
        };
        let c = conv(
            Channel::Phone,
            vec![
                // 10:00:00 + 8 s → speech ends 10:00:08.
                said("10:00:00", Role::Customer, 8_000),
                // Starts at 10:00:10 (2 s gap), talks 40 s → ends 10:00:50.
                said("10:00:10", Role::Agent, 40_000),
                // Overlaps the agent (starts before 10:00:50), ends 10:00:45: the speech
                // still ends at 10:00:50.
                said("10:00:40", Role::Customer, 5_000),
                // Starts 10:01:25: 35 s after 10:00:50 → one long silence of 35 s.
                said("10:01:25", Role::Agent, 10_000),
            ],
        );
        let f = facts(&c, Signals::default(), &Config::default());
        assert_eq!((f.cx.long_silences, f.cx.silence_ms), (1, 35_000));
        assert!(f.cx.silence_from_ends);
        // Start to start the same call has gaps 10, 30, 45 s: one silence of 45 s.
        let mut bare = c.clone();
        bare.events.iter_mut().for_each(|e| e.duration_ms = None);
        assert_eq!(long_silences(&bare.events, 30_000), (1, 45_000, false));
    }

    #[test]
    fn email_deadline_met_missed_and_undecided() {
        let mk = |due: Option<&str>, resolve: Option<&str>, last: &str| {
            let mut events = vec![msg("09:00:00", Role::Customer), msg(last, Role::Agent)];
            if let Some(r) = resolve {
                events.push(ev(ts(r), EventKind::Resolve, Role::Agent));
            }
            let mut c = conv(Channel::Email, events);
            c.due_at = due.map(ts);
            facts(&c, Signals::default(), &Config::default()).cx
        };
        // Resolved 14:30, due 12:00 → missed by 2.5 h = 9 000 000 ms.
        let late = mk(Some("12:00:00"), Some("14:30:00"), "10:00:00");
        assert_eq!(
            (late.due_met, late.due_overrun_ms),
            (Some(false), Some(9_000_000))
        );
        // Resolved 11:00, due 12:00 → met, no overrun.
        let early = mk(Some("12:00:00"), Some("11:00:00"), "10:00:00");
        assert_eq!((early.due_met, early.due_overrun_ms), (Some(true), None));
        // Unresolved, last event 13:00 past the 12:00 deadline → missed, overrun unknown.
        let open_late = mk(Some("12:00:00"), None, "13:00:00");
        assert_eq!(
            (open_late.due_met, open_late.due_overrun_ms),
            (Some(false), None)
        );
        // Unresolved, last event before the deadline → undecided; no deadline → undecided.
        assert_eq!(mk(Some("12:00:00"), None, "10:00:00").due_met, None);
        assert_eq!(mk(None, Some("11:00:00"), "10:00:00").due_met, None);
    }

    #[test]
    fn longest_queue_delay_ignores_entries_never_picked_up() {
        let c = conv(
            Channel::Email,
            vec![
                ev(ts("09:00:00"), EventKind::QueueEnter, Role::System),
                ev(ts("09:05:00"), EventKind::Assign, Role::System),
                ev(ts("10:00:00"), EventKind::QueueEnter, Role::System),
                msg("10:10:00", Role::Customer),
                msg("10:20:00", Role::Agent),
                ev(ts("11:00:00"), EventKind::QueueEnter, Role::System),
            ],
        );
        // 09:00 → assign 09:05 = 300 s; 10:00 → agent 10:20 = 1200 s; 11:00 never picked up.
        assert_eq!(longest_queue_delay(&c.events), Some(1_200_000));
        assert_eq!(longest_queue_delay(&c.events[5..]), None);
    }

    #[test]
    fn sms_alerts_acted_on_within_the_window() {
        let mut survey = ev(day(4, "11:00:00"), EventKind::Survey, Role::Customer);
        survey.survey.csat = Some(5);
        let c = conv(
            Channel::Sms,
            vec![
                ev(day(1, "10:00:00"), EventKind::Alert, Role::System),
                Event::message(day(1, "12:00:00"), Role::Customer, "was that me? 🤔"),
                ev(day(2, "10:00:00"), EventKind::Alert, Role::System),
                ev(day(3, "11:00:00"), EventKind::Purchase, Role::Customer),
                ev(day(4, "10:00:00"), EventKind::Alert, Role::System),
                survey,
            ],
        );
        // Alert 1: reply 2 h later → acted. Alert 2: purchase 25 h later → outside 24 h.
        // Alert 3: only a survey answer follows → not an action.
        assert_eq!(alerts_acted_on(&c.events, 86_400_000), (3, 1));
        // A 26 h window also catches the purchase.
        assert_eq!(alerts_acted_on(&c.events, 26 * 3_600_000), (3, 2));
    }

    #[test]
    fn social_endorsements_after_the_solution_and_time_to_it() {
        let endorse = |at: &str, kind: Option<&'static str>| {
            let mut e = ev(ts(at), EventKind::Endorsement, Role::Customer);
            e.detail = kind.map(Into::into);
            e
        };
        let c = conv(
            Channel::Social,
            vec![
                msg("10:00:00", Role::Customer),
                endorse("10:10:00", Some("like")),
                msg("10:30:00", Role::Agent),
                endorse("10:40:00", Some("like")),
                endorse("10:41:00", Some("Retweet")),
                endorse("10:42:00", Some("dm")),
                endorse("10:43:00", None),
                endorse("10:44:00", Some("mention")),
            ],
        );
        let signals = Signals {
            solution_event: Some(2),
            ..measured()
        };
        let f = facts(&c, signals, &Config::default());
        let s = f.cx.solution.unwrap();
        assert_eq!((s.event, s.source), (2, SolutionSource::Detected));
        // Post 10:00 → solution 10:30 = 1800 s.
        assert_eq!(f.cx.time_to_solution_ms, Some(1_800_000));
        // The 10:10 like predates the solution; after it: like, share (retweet), dm, other, mention.
        let e = f.cx.endorsements;
        assert_eq!(
            (e.like, e.share, e.reply, e.mention, e.dm, e.other),
            (1, 1, 0, 1, 1, 1)
        );
        assert_eq!(e.total(), 5);
        // Measured, with a solution, no verdict: not acknowledged, not failed.
        assert_eq!((f.cx.acknowledged, f.cx.failed), (Some(false), Some(false)));
    }

    #[test]
    fn community_answer_rating_accept_and_return_visits() {
        let rated = |at: &str, v: f64| {
            let mut e = ev(ts(at), EventKind::Rating, Role::Customer);
            e.value = Some(v);
            e
        };
        let c = conv(
            Channel::Community,
            vec![
                ev(ts("08:00:00"), EventKind::Visit, Role::Customer),
                msg("09:00:00", Role::Customer),
                msg("09:30:00", Role::Bot),
                msg("10:00:00", Role::Member),
                rated("10:05:00", 4.0),
                rated("10:06:00", 4.5),
                ev(ts("10:07:00"), EventKind::Rating, Role::Customer),
                ev(ts("11:00:00"), EventKind::Accept, Role::Customer),
                ev(ts("12:00:00"), EventKind::Visit, Role::Customer),
            ],
        );
        let f = facts(&c, Signals::default(), &Config::default());
        // Fallback: the first member answer (index 3), not the bot.
        let s = f.cx.solution.unwrap();
        assert_eq!((s.event, s.source), (3, SolutionSource::FirstAnswer));
        // Two valued ratings: 4.0 + 4.5 = 8500 thousandths; the value-less one is ignored.
        assert_eq!((f.cx.ratings, f.cx.rating_milli_sum), (2, 8_500));
        assert!(f.cx.accept_event);
        // The 08:00 visit precedes the question; only the 12:00 one is a return.
        assert_eq!(f.cx.return_visits, 1);
        // Not measured: acknowledgement is unknown, not false.
        assert_eq!(
            (f.cx.acknowledged, f.cx.failed, f.cx.effort),
            (None, None, None)
        );
    }

    #[test]
    fn solution_fallback_is_the_last_reply_before_the_first_resolve() {
        let c = conv(
            Channel::Chat,
            vec![
                msg("10:00:00", Role::Customer),
                msg("10:01:00", Role::Agent),
                msg("10:02:00", Role::Bot),
                msg("10:03:00", Role::Customer),
                ev(ts("10:04:00"), EventKind::Resolve, Role::Agent),
                msg("10:05:00", Role::Agent),
            ],
        );
        let f = facts(&c, measured(), &Config::default());
        let s = f.cx.solution.unwrap();
        assert_eq!((s.event, s.source), (2, SolutionSource::BeforeResolve));
        assert_eq!(f.cx.time_to_solution_ms, Some(120_000));
        // A detected solution index beyond the events is ignored (fallback used).
        let bad = Signals {
            solution_event: Some(99),
            ..measured()
        };
        assert_eq!(
            facts(&c, bad, &Config::default())
                .cx
                .solution
                .unwrap()
                .event,
            2
        );
        // No resolve and nothing detected → no solution, so acknowledgement is undefined.
        let open = conv(Channel::Chat, c.events[..4].to_vec());
        let f = facts(&open, measured(), &Config::default());
        assert_eq!((f.cx.solution, f.cx.acknowledged), (None, None));
    }

    #[test]
    fn acknowledgement_success_failure_and_use() {
        let c = conv(
            Channel::Sms,
            vec![
                msg("10:00:00", Role::Customer),
                msg("10:05:00", Role::Agent),
                ev(ts("10:06:00"), EventKind::Resolve, Role::Agent),
            ],
        );
        let with = |s: Signals| facts(&c, s, &Config::default()).cx;
        let ok = with(Signals {
            acknowledgement: Acknowledgement::Success,
            ..measured()
        });
        assert_eq!((ok.acknowledged, ok.failed), (Some(true), Some(false)));
        let used = with(Signals {
            solution_used: true,
            ..measured()
        });
        assert_eq!(used.acknowledged, Some(true));
        // A failure statement counts as failed even when a later "thanks" is the final label.
        let failed = with(Signals {
            acknowledgement: Acknowledgement::Thanks,
            ack_failure: 1,
            ..measured()
        });
        assert_eq!(
            (failed.acknowledged, failed.failed),
            (Some(false), Some(true))
        );
    }

    #[test]
    fn one_touch_needs_one_reply_and_no_reopen() {
        let base = vec![
            msg("10:00:00", Role::Customer),
            msg("10:01:00", Role::Bot),
            msg("10:02:00", Role::Agent),
            ev(ts("10:03:00"), EventKind::Resolve, Role::Agent),
        ];
        let f = facts(
            &conv(Channel::Chat, base.clone()),
            Signals::default(),
            &Config::default(),
        );
        // One human reply (the bot does not count), resolved, never reopened.
        assert!(f.cx.one_touch);
        assert_eq!((f.cx.human_replies, f.cx.resolves), (1, 1));
        let mut two = base.clone();
        two.insert(3, msg("10:02:30", Role::Agent));
        assert!(
            !facts(
                &conv(Channel::Chat, two),
                Signals::default(),
                &Config::default()
            )
            .cx
            .one_touch
        );
        let mut reopened = base;
        reopened.push(ev(ts("11:00:00"), EventKind::Reopen, Role::Customer));
        reopened.push(ev(ts("11:30:00"), EventKind::Resolve, Role::Agent));
        let f = facts(
            &conv(Channel::Chat, reopened),
            Signals::default(),
            &Config::default(),
        );
        assert!(f.resolved && !f.cx.one_touch);
        assert_eq!(f.cx.resolves, 2);
    }

    fn effort_chat() -> Conversation<'static> {
        conv(
            Channel::Chat,
            vec![
                msg("10:00:00", Role::Customer),
                msg("10:03:00", Role::Agent),
                msg("10:04:00", Role::Customer),
                msg("10:05:00", Role::Agent),
            ],
        )
    }

    fn effortful() -> Signals {
        Signals {
            rephrase_customer: 1,
            rephrase_agent: 1,
            restatements: 1,
            repeated_ids_after_handoff: 2,
            handoffs: 1,
            acknowledgement: Acknowledgement::Failure,
            sentiment_shift: Some(-0.5),
            ..measured()
        }
    }

    #[test]
    fn effort_index_by_hand() {
        let f = facts(&effort_chat(), effortful(), &Config::default());
        let e = f.cx.effort.unwrap();
        // Waits 180 s + 60 s = 240 s; cap = 4 × chat first-response target 120 s = 480 s → 0.5.
        assert_eq!(e.wait, 0.5);
        // Rephrases 1 + 1 = 2 of 3 → 0.667; repetition 1 + 2 = 3 of 3 → 1; hand-offs 1 of 3.
        assert!((e.rephrase - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!((e.repetition, e.failure, e.negative_shift), (1.0, 1.0, 0.5));
        assert!((e.handoff - 1.0 / 3.0).abs() < 1e-12);
        // Equal weights: 100 × (0.5 + 0.6667 + 1 + 0.3333 + 1 + 0.5) / 6 = 100 × 4 / 6 = 66.667.
        assert_eq!(e.index, 66.667);
        // Failure weight 2: 100 × (4 + 1) / 7 = 71.429.
        let heavy = Config::parse("[effort]\nfailure = 2.0").unwrap();
        assert_eq!(
            facts(&effort_chat(), effortful(), &heavy)
                .cx
                .effort
                .unwrap()
                .index,
            71.429
        );
        // No text-based effort and a rising sentiment: only the 240 s wait remains,
        // 100 × 0.5 / 6 = 8.333.
        let calm = Signals {
            sentiment_shift: Some(0.4),
            ..measured()
        };
        assert_eq!(
            facts(&effort_chat(), calm, &Config::default())
                .cx
                .effort
                .unwrap()
                .index,
            8.333
        );
    }

    #[test]
    fn edge_cases_empty_single_and_out_of_order() {
        let empty = conv(Channel::Phone, vec![]);
        let f = facts(&empty, Signals::default(), &Config::default());
        assert_eq!(f.cx, CxFacts::default());

        let one = conv(
            Channel::Chat,
            vec![Event::message(
                ts("10:00:00"),
                Role::Customer,
                "¿dónde está mi pedido? 📦",
            )],
        );
        let f = facts(&one, Signals::default(), &Config::default());
        assert!(f.cx.waits_ms.is_empty());
        assert_eq!(
            (f.cx.span_ms, f.cx.solution, f.cx.time_to_solution_ms),
            (Some(0), None, None)
        );

        // Out of order input: finish() sorts, so the agent reply at 10:02 answers 10:00.
        let shuffled = conv(
            Channel::Chat,
            vec![
                msg("10:02:00", Role::Agent),
                msg("10:00:00", Role::Customer),
            ],
        );
        assert_eq!(
            facts(&shuffled, Signals::default(), &Config::default())
                .cx
                .waits_ms,
            [120_000]
        );
    }

    #[test]
    fn handoffs_fall_back_to_transfer_events() {
        let c = conv(
            Channel::Chat,
            vec![
                msg("10:00:00", Role::Customer),
                ev(ts("10:01:00"), EventKind::Transfer, Role::System),
                ev(ts("10:02:00"), EventKind::Transfer, Role::System),
            ],
        );
        assert_eq!(
            facts(&c, Signals::default(), &Config::default())
                .cx
                .handoffs,
            2
        );
        let detected = Signals {
            handoffs: 3,
            ..measured()
        };
        assert_eq!(facts(&c, detected, &Config::default()).cx.handoffs, 3);
    }
}
