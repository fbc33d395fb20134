//! Runs every detector over one conversation, in event order, and folds the per-message
//! findings into [`Signals`] (and, on request, into [`Detection`]s).
//!
//! One function serves both the hot path ([`super::Detectors::signals`], no detection
//! list) and `explain`/eval ([`super::Detectors::detections`]), so they cannot disagree.
//! Conversation rules: acknowledgements count only after the first solution post (an
//! accept event always counts, and marks the solution as used); identifier repeats are
//! counted once per value per message, before or after the first hand-off; a plain
//! identifier request counts as re-verification once the customer has given one.

use super::acknowledgement::{self, Candidate, Finding, Verdict};
use super::handoff::{Cause, Tracker};
use super::identifiers;
use super::matcher::{Hit, Label};
use super::rephrase::{self, Side};
use super::sentiment::{self, Trace};
use super::{Detectors, Scratch};
use crate::detect::signals::{Acknowledgement, Detection, ShiftLabel, Signals};
use crate::model::{Conversation, Event, EventKind, Role};

/// What the detectors see in one message, independent of the rest of the conversation.
#[derive(Debug, Clone, Copy, Default)]
pub struct MessageFindings {
    /// Originator verdict (customer messages only).
    pub ack: Option<Finding>,
    /// Solution candidate (responder messages only).
    pub solution: Option<Candidate>,
    /// Rephrase request and who asks.
    pub rephrase: Option<(usize, Side)>,
    /// Hand-off phrase (non-customer messages only).
    pub handoff: Option<usize>,
    /// Identifier request `(hit, explicit re-verify)` (responder messages only).
    pub verify: Option<(usize, bool)>,
    /// Sentiment score.
    pub score: f64,
}

/// Per-message findings of `text` written by `role`, from its `hits`.
pub fn message_findings(det: &Detectors, role: Role, text: &str, hits: &[Hit]) -> MessageFindings {
    let m = &det.matcher;
    let responder = role.is_responder();
    MessageFindings {
        ack: (role == Role::Customer)
            .then(|| acknowledgement::verdict(m, text, hits, &det.settings))
            .flatten(),
        solution: responder
            .then(|| acknowledgement::solution_candidate(m, text, hits, &det.settings))
            .flatten(),
        rephrase: rephrase::request(m, hits, role),
        handoff: (role != Role::Customer)
            .then(|| hits.iter().position(|h| m.rule(h).label == Label::Handoff))
            .flatten(),
        verify: responder
            .then(|| identifiers::verification_request(m, hits))
            .flatten(),
        score: sentiment::score(m, text, hits, &det.settings, None),
    }
}

struct Sink<'a> {
    out: Option<&'a mut Vec<Detection>>,
}

impl Sink<'_> {
    fn wanted(&self) -> bool {
        self.out.is_some()
    }

    fn hit(&mut self, det: &Detectors, event: usize, h: &Hit, detector: &str, label: &str) {
        if let Some(out) = self.out.as_deref_mut() {
            let rule = det.matcher.rule(h);
            out.push(Detection {
                event,
                start: h.start as usize,
                end: h.end as usize,
                detector: detector.into(),
                label: label.into(),
                rule: rule.id.clone(),
                source: rule.source.clone(),
            });
        }
    }

    fn event(&mut self, event: usize, span: (usize, usize), what: [&str; 4]) {
        if let Some(out) = self.out.as_deref_mut() {
            out.push(Detection {
                event,
                start: span.0,
                end: span.1,
                detector: what[0].into(),
                label: what[1].into(),
                rule: what[2].into(),
                source: what[3].into(),
            });
        }
    }
}

/// Running state of one conversation's analysis.
struct State<'e> {
    signals: Signals,
    handoff: Tracker<'e>,
    last_verdict: Option<Acknowledgement>,
    last_responder_message: Option<usize>,
    customer_gave_id: bool,
    /// The last responder message after the customer's first message: the solution a
    /// success or failure verdict refers to when no candidate was recognised.
    reply_to_customer: Option<usize>,
    customer_spoke: bool,
}

/// Analyses `conv`; pushes detections into `out` when given.
pub fn analyze(
    det: &Detectors,
    conv: &Conversation<'_>,
    scratch: &mut Scratch,
    out: Option<&mut Vec<Detection>>,
) -> Signals {
    let mut sink = Sink { out };
    let mut st = State {
        signals: Signals::default(),
        handoff: Tracker::for_channel(conv.channel),
        last_verdict: None,
        last_responder_message: None,
        customer_gave_id: false,
        reply_to_customer: None,
        customer_spoke: false,
    };
    scratch.clear();
    for (index, event) in conv.events.iter().enumerate() {
        match event.kind {
            EventKind::Message => message(det, &mut st, scratch, &mut sink, index, event),
            EventKind::Resolve => {
                resolve(&mut st, &mut sink, index);
                structural(&mut st, &mut sink, index, event);
            }
            EventKind::Accept => {
                accept(&mut st, index);
                sink.event(
                    index,
                    (0, 0),
                    [
                        "acknowledgement",
                        "success",
                        "ack.accept_event",
                        "(accept event)",
                    ],
                );
                structural(&mut st, &mut sink, index, event);
            }
            _ => structural(&mut st, &mut sink, index, event),
        }
    }
    finish(det, st, scratch)
}

fn accept(st: &mut State<'_>, index: usize) {
    let s = &mut st.signals;
    s.ack_success += 1;
    s.solution_used = true;
    st.last_verdict = Some(Acknowledgement::Success);
    let inferred = st.last_responder_message.unwrap_or(index);
    s.solution_event.get_or_insert(inferred as u32);
}

/// A resolve event makes the last responder message (or the event itself) the solution
/// when none was seen.
fn resolve(st: &mut State<'_>, sink: &mut Sink<'_>, index: usize) {
    if st.signals.solution_event.is_none() {
        let inferred = st.last_responder_message.unwrap_or(index);
        st.signals.solution_event = Some(inferred as u32);
        sink.event(
            index,
            (0, 0),
            [
                "acknowledgement",
                "solution",
                "ack.resolve_event",
                "(resolve event)",
            ],
        );
    }
}

fn structural<'e>(st: &mut State<'e>, sink: &mut Sink<'_>, index: usize, event: &'e Event<'_>) {
    if let Some(cause) = st.handoff.observe(index, event, false) {
        record_structural_handoff(sink, index, cause);
    }
}

fn record_structural_handoff(sink: &mut Sink<'_>, index: usize, cause: Cause) {
    if cause != Cause::Phrase {
        let rule = format!("handoff.{}", cause.label());
        sink.event(index, (0, 0), ["handoff", cause.label(), &rule, "(event)"]);
    }
}

fn message<'e>(
    det: &Detectors,
    st: &mut State<'e>,
    scratch: &mut Scratch,
    sink: &mut Sink<'_>,
    index: usize,
    event: &'e Event<'_>,
) {
    let text = event.text.as_ref();
    det.matcher.scan(text, &mut scratch.hits);
    let hits = std::mem::take(&mut scratch.hits);
    let f = message_findings(det, event.role, text, &hits);
    if let Some(cause) = st.handoff.observe(index, event, f.handoff.is_some()) {
        record_structural_handoff(sink, index, cause);
    }
    if let Some(h) = f.handoff {
        sink.hit(det, index, &hits[h], "handoff", "phrase");
    }
    if let Some((h, side)) = f.rephrase {
        match side {
            Side::Customer => st.signals.rephrase_customer += 1,
            Side::Agent => st.signals.rephrase_agent += 1,
        }
        sink.hit(det, index, &hits[h], "rephrase", side.label());
    }
    if event.role.is_responder() {
        responder_message(det, st, sink, index, text, &hits, &f);
    } else if event.role == Role::Customer {
        customer_message(det, st, scratch, sink, index, text, &hits, &f);
    }
    if sink.wanted() {
        sentiment_detections(det, sink, index, text, &hits);
    }
    scratch.hits = hits;
}

fn responder_message(
    det: &Detectors,
    st: &mut State<'_>,
    sink: &mut Sink<'_>,
    index: usize,
    text: &str,
    hits: &[Hit],
    f: &MessageFindings,
) {
    st.last_responder_message = Some(index);
    if st.customer_spoke {
        st.reply_to_customer = Some(index);
    }
    match f.solution {
        Some(Candidate::Cue(h)) => {
            st.signals.solution_event.get_or_insert(index as u32);
            sink.hit(det, index, &hits[h], "acknowledgement", "solution");
        }
        Some(Candidate::Answer) => {
            st.signals.solution_event.get_or_insert(index as u32);
            let source = det.setting_source("answer_min_words", "acknowledgement.txt");
            sink.event(
                index,
                (0, text.len()),
                ["acknowledgement", "solution", "ack.answer", &source],
            );
        }
        None => {}
    }
    if let Some((h, explicit)) = f.verify {
        if explicit || st.customer_gave_id {
            st.signals.reverify_requests += 1;
            sink.hit(det, index, &hits[h], "identifier", "reverify");
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn customer_message(
    det: &Detectors,
    st: &mut State<'_>,
    scratch: &mut Scratch,
    sink: &mut Sink<'_>,
    index: usize,
    text: &str,
    hits: &[Hit],
    f: &MessageFindings,
) {
    let s = &mut st.signals;
    if let Some(found) = f.ack {
        // A verdict on the state of things proves a solution was offered: the last
        // reply to the customer is taken as it when no candidate was recognised.
        let decisive = !matches!(found.verdict, Verdict::Thanks);
        if s.solution_event.is_none() && decisive {
            s.solution_event = st.reply_to_customer.map(|i| i as u32);
        }
    }
    if let (Some(found), Some(_)) = (f.ack, s.solution_event) {
        match found.verdict {
            Verdict::Success { used } => {
                s.ack_success += 1;
                s.solution_used |= used;
                st.last_verdict = Some(Acknowledgement::Success);
            }
            Verdict::Failure => {
                s.ack_failure += 1;
                st.last_verdict = Some(Acknowledgement::Failure);
            }
            Verdict::Thanks => s.ack_thanks += 1,
        }
        sink.hit(
            det,
            index,
            &hits[found.hit],
            "acknowledgement",
            found.verdict.label(),
        );
    }
    identifier_repeats(det, st, scratch, sink, index, text, hits);
    restatement(det, st, scratch, sink, index, text, f.ack.is_none());
    scratch.scores.push((index as u32, f.score));
    st.customer_spoke = true;
}

fn identifier_repeats(
    det: &Detectors,
    st: &mut State<'_>,
    scratch: &mut Scratch,
    sink: &mut Sink<'_>,
    index: usize,
    text: &str,
    hits: &[Hit],
) {
    let m = &det.matcher;
    let earlier = scratch.ids.len();
    let after_handoff = st.handoff.first.is_some_and(|h| (h as usize) < index);
    let mut repeated = 0;
    for h in hits.iter().filter(|h| identifiers::is_identifier(m, h)) {
        st.customer_gave_id = true;
        let v = identifiers::value_hash(m, text, h);
        let tail = identifiers::tail_hash(text, h);
        let partial = m.rule(h).partial;
        sink.hit(det, index, h, "identifier", &m.rule(h).section);
        if scratch.ids[earlier..].contains(&v) {
            continue;
        }
        let same_tail =
            |&(t, p): &(Option<u64>, bool)| tail.is_some() && t == tail && (p || partial);
        if scratch.ids[..earlier].contains(&v) || scratch.id_tails[..earlier].iter().any(same_tail)
        {
            repeated += 1;
        }
        scratch.ids.push(v);
        scratch.id_tails.push((tail, partial));
    }
    if repeated == 0 {
        // "I already gave you my account number": a pointer counts as one repetition.
        if let Some(h) = hits.iter().find(|h| m.rule(h).label == Label::IdPointer) {
            repeated = 1;
            sink.hit(det, index, h, "identifier", "pointer");
        }
    }
    if after_handoff {
        st.signals.repeated_ids_after_handoff += repeated;
    } else {
        st.signals.repeated_ids_before_handoff += repeated;
    }
}

fn restatement(
    det: &Detectors,
    st: &mut State<'_>,
    scratch: &mut Scratch,
    sink: &mut Sink<'_>,
    index: usize,
    text: &str,
    comparable: bool,
) {
    let start = scratch.shingles.len();
    rephrase::shingles_with(
        text,
        &det.restatement_words,
        &mut scratch.word,
        &mut scratch.shingles,
    );
    let (earlier, current) = scratch.shingles.split_at(start);
    let previous = scratch.shingle_ranges.iter().map(|&(a, b)| &earlier[a..b]);
    // A verdict on the solution ("worked perfectly, the kids are on the server") reports
    // on the problem; it does not state it again.
    if comparable && rephrase::restates(current, previous, &det.settings) {
        st.signals.restatements += 1;
        let source = det.setting_source("restatement_threshold", "rephrase.txt");
        sink.event(
            index,
            (0, text.len()),
            ["restatement", "customer", "rephrase.restatement", &source],
        );
    }
    scratch.shingle_ranges.push((start, scratch.shingles.len()));
}

fn sentiment_detections(
    det: &Detectors,
    sink: &mut Sink<'_>,
    index: usize,
    text: &str,
    hits: &[Hit],
) {
    let mut trace = Trace::default();
    sentiment::score(&det.matcher, text, hits, &det.settings, Some(&mut trace));
    for t in &trace.terms {
        let label = if t.value >= 0.0 {
            "positive"
        } else {
            "negative"
        };
        sink.hit(det, index, &hits[t.hit], "sentiment", label);
    }
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (n, sum) = values.fold((0u32, 0.0), |(n, s), v| (n + 1, s + v));
    (n > 0).then(|| sum / f64::from(n))
}

fn finish(det: &Detectors, st: State<'_>, scratch: &Scratch) -> Signals {
    let mut s = st.signals;
    s.handoffs = st.handoff.count;
    s.first_handoff_event = st.handoff.first;
    s.acknowledgement = match st.last_verdict {
        Some(v) => v,
        None if s.ack_thanks > 0 => Acknowledgement::Thanks,
        None => Acknowledgement::None,
    };
    let scores = &scratch.scores;
    s.sentiment_first = scores.first().map(|p| p.1);
    s.sentiment_last = scores.last().map(|p| p.1);
    if let Some(sol) = s.solution_event {
        s.sentiment_before = mean(scores.iter().filter(|p| p.0 < sol).map(|p| p.1));
        s.sentiment_after = mean(scores.iter().filter(|p| p.0 > sol).map(|p| p.1));
    }
    if let (Some(b), Some(a)) = (s.sentiment_before, s.sentiment_after) {
        s.sentiment_shift = Some(a - b);
        s.shift = sentiment::shift_label(b, a, &det.settings);
    }
    if s.shift == ShiftLabel::Unknown && scores.len() >= 2 {
        if let (Some(first), Some(last)) = (s.sentiment_first, s.sentiment_last) {
            s.shift_first_last = sentiment::shift_label(first, last, &det.settings);
        }
    }
    s.escalating_anger = sentiment::escalating(scores.iter().map(|p| p.1), &det.settings);
    s
}
