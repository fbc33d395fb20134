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

/// A detection that a conversation rule made (not a lexicon hit): which detector, its
/// label, the rule id and where the rule comes from.
struct RuleRecord<'a> {
    detector: &'a str,
    label: &'a str,
    rule: &'a str,
    source: &'a str,
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

    fn event(&mut self, event: usize, span: (usize, usize), what: RuleRecord<'_>) {
        if let Some(out) = self.out.as_deref_mut() {
            out.push(Detection {
                event,
                start: span.0,
                end: span.1,
                detector: what.detector.into(),
                label: what.label.into(),
                rule: what.rule.into(),
                source: what.source.into(),
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

/// One pass over a conversation: the detectors, the running state, the reusable buffers
/// and where detections go (nowhere on the hot path).
struct Pass<'a, 'e> {
    det: &'a Detectors,
    st: State<'e>,
    scratch: &'a mut Scratch,
    sink: Sink<'a>,
}

/// One message as the detectors saw it.
struct Message<'m> {
    index: usize,
    text: &'m str,
    hits: &'m [Hit],
    findings: &'m MessageFindings,
}

/// Analyses `conv`; pushes detections into `out` when given.
pub fn analyze(
    det: &Detectors,
    conv: &Conversation<'_>,
    scratch: &mut Scratch,
    out: Option<&mut Vec<Detection>>,
) -> Signals {
    scratch.clear();
    let mut pass = Pass {
        det,
        st: State {
            signals: Signals::default(),
            handoff: Tracker::for_channel(conv.channel),
            last_verdict: None,
            last_responder_message: None,
            customer_gave_id: false,
            reply_to_customer: None,
            customer_spoke: false,
        },
        scratch,
        sink: Sink { out },
    };
    for (index, event) in conv.events.iter().enumerate() {
        match event.kind {
            EventKind::Message => pass.message(index, event),
            EventKind::Resolve => {
                pass.resolve(index);
                pass.structural(index, event);
            }
            EventKind::Accept => {
                pass.accept(index);
                pass.sink.event(
                    index,
                    (0, 0),
                    RuleRecord {
                        detector: "acknowledgement",
                        label: "success",
                        rule: "ack.accept_event",
                        source: "(accept event)",
                    },
                );
                pass.structural(index, event);
            }
            _ => pass.structural(index, event),
        }
    }
    finish(det, pass.st, pass.scratch)
}

impl<'e> Pass<'_, 'e> {
    fn accept(&mut self, index: usize) {
        let st = &mut self.st;
        let s = &mut st.signals;
        s.ack_success += 1;
        s.solution_used = true;
        st.last_verdict = Some(Acknowledgement::Success);
        let inferred = st.last_responder_message.unwrap_or(index);
        s.solution_event.get_or_insert(inferred as u32);
    }

    /// A resolve event makes the last responder message (or the event itself) the solution
    /// when none was seen.
    fn resolve(&mut self, index: usize) {
        if self.st.signals.solution_event.is_none() {
            let inferred = self.st.last_responder_message.unwrap_or(index);
            self.st.signals.solution_event = Some(inferred as u32);
            self.sink.event(
                index,
                (0, 0),
                RuleRecord {
                    detector: "acknowledgement",
                    label: "solution",
                    rule: "ack.resolve_event",
                    source: "(resolve event)",
                },
            );
        }
    }

    fn structural(&mut self, index: usize, event: &'e Event<'_>) {
        if let Some(cause) = self.st.handoff.observe(index, event, false) {
            record_structural_handoff(&mut self.sink, index, cause);
        }
    }

    fn message(&mut self, index: usize, event: &'e Event<'_>) {
        let det = self.det;
        let text = event.text.as_ref();
        det.matcher.scan(text, &mut self.scratch.hits);
        let hits = std::mem::take(&mut self.scratch.hits);
        let f = message_findings(det, event.role, text, &hits);
        if let Some(cause) = self.st.handoff.observe(index, event, f.handoff.is_some()) {
            record_structural_handoff(&mut self.sink, index, cause);
        }
        if let Some(h) = f.handoff {
            self.sink.hit(det, index, &hits[h], "handoff", "phrase");
        }
        if let Some((h, side)) = f.rephrase {
            match side {
                Side::Customer => self.st.signals.rephrase_customer += 1,
                Side::Agent => self.st.signals.rephrase_agent += 1,
            }
            self.sink
                .hit(det, index, &hits[h], "rephrase", side.label());
        }
        let msg = Message {
            index,
            text,
            hits: &hits,
            findings: &f,
        };
        if event.role.is_responder() {
            self.responder_message(&msg);
        } else if event.role == Role::Customer {
            self.customer_message(&msg);
        }
        if self.sink.wanted() {
            sentiment_detections(det, &mut self.sink, index, text, &hits);
        }
        self.scratch.hits = hits;
    }

    fn responder_message(&mut self, msg: &Message<'_>) {
        let (det, st, sink) = (self.det, &mut self.st, &mut self.sink);
        let Message {
            index,
            text,
            hits,
            findings: f,
        } = *msg;
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
                    RuleRecord {
                        detector: "acknowledgement",
                        label: "solution",
                        rule: "ack.answer",
                        source: &source,
                    },
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

    fn customer_message(&mut self, msg: &Message<'_>) {
        let (det, st, sink) = (self.det, &mut self.st, &mut self.sink);
        let Message {
            index,
            text,
            hits,
            findings: f,
        } = *msg;
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
        self.identifier_repeats(index, text, hits);
        self.restatement(index, text, f.ack.is_none());
        self.scratch.scores.push((index as u32, f.score));
        self.st.customer_spoke = true;
    }

    fn identifier_repeats(&mut self, index: usize, text: &str, hits: &[Hit]) {
        let (st, scratch, sink) = (&mut self.st, &mut *self.scratch, &mut self.sink);
        let det = self.det;
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
            if scratch.ids[..earlier].contains(&v)
                || scratch.id_tails[..earlier].iter().any(same_tail)
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

    fn restatement(&mut self, index: usize, text: &str, comparable: bool) {
        let (det, scratch) = (self.det, &mut *self.scratch);
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
            self.st.signals.restatements += 1;
            let source = det.setting_source("restatement_threshold", "rephrase.txt");
            self.sink.event(
                index,
                (0, text.len()),
                RuleRecord {
                    detector: "restatement",
                    label: "customer",
                    rule: "rephrase.restatement",
                    source: &source,
                },
            );
        }
        scratch.shingle_ranges.push((start, scratch.shingles.len()));
    }
}

fn record_structural_handoff(sink: &mut Sink<'_>, index: usize, cause: Cause) {
    if cause != Cause::Phrase {
        let rule = format!("handoff.{}", cause.label());
        sink.event(
            index,
            (0, 0),
            RuleRecord {
                detector: "handoff",
                label: cause.label(),
                rule: &rule,
                source: "(event)",
            },
        );
    }
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
