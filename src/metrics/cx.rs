//! Customer-experience metrics of one segment: mergeable state ([`CxStats`]) and its report
//! view ([`CxReport`]), built only from [`crate::metrics::cx_facts::CxFacts`] and the
//! conversation facts.
//!
//! Metrics are grouped: `all` (every channel), then one group per channel (`chat`, `email`,
//! `sms`, `social`, `community`, `phone`) that only counts conversations of that channel,
//! `helpdesk` (reopen and one-touch, per channel) and `effort` (the customer effort index
//! and its correlation with survey CES). Every value carries its sample size and is `null`
//! when nothing could be measured.
//!
//! Invariants: the state is integers only (counts, milliseconds, micro-units of sentiment,
//! thousandths of rating and effort points) plus [`Distribution`]s, so [`CxStats::merge`]
//! is exact, associative and commutative. Customer-level parts (SMS repeat users,
//! community continued use) are credited at the end by [`customer_credits`] from the
//! sorted [`crate::metrics::customers::Ledger`] contacts, the way FCR is.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::detect::ShiftLabel;
use crate::metrics::ConversationFacts;
use crate::metrics::customers::Contact;
use crate::metrics::cx_facts::Endorsements;
use crate::metrics::dist::{Distribution, Summary};
use crate::metrics::kpi::{Percent, Tally, round2};
use crate::metrics::segment::SegmentKey;
use crate::model::Channel;

/// A mean with its sample size, `null` when n = 0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Mean {
    /// Sample size.
    pub n: u64,
    /// Mean value.
    pub value: Option<f64>,
}

/// Integer sum and count, reported as a mean.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SumCount {
    /// Cases.
    pub n: u64,
    /// Sum of the (scaled) values.
    pub sum: i64,
}

impl SumCount {
    /// Adds one value.
    pub fn add(&mut self, v: i64) {
        self.n += 1;
        self.sum += v;
    }

    /// Adds another state.
    pub fn merge(&mut self, o: SumCount) {
        self.n += o.n;
        self.sum += o.sum;
    }

    /// The mean of the values divided by `scale`, rounded to `decimals`.
    pub fn mean(&self, scale: f64, decimals: i32) -> Mean {
        let p = 10f64.powi(decimals);
        Mean {
            n: self.n,
            value: (self.n > 0).then(|| (self.sum as f64 / scale / self.n as f64 * p).round() / p),
        }
    }
}

/// Micro-units per unit of sentiment.
const MICRO: f64 = 1_000_000.0;

/// Originator sentiment before vs after the solution.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentimentStats {
    /// Shifts (after − before), micro-units.
    pub shift: SumCount,
    /// Conversations whose shift was classed `recovered`.
    pub recovered: u64,
    /// Conversations whose shift was classed `soured`.
    pub soured: u64,
}

impl SentimentStats {
    /// Adds one conversation (only when its shift was measured).
    pub fn add(&mut self, f: &ConversationFacts) {
        let s = &f.signals;
        let Some(d) = s.sentiment_shift.filter(|d| d.is_finite()) else {
            return;
        };
        self.shift.add((d * MICRO).round() as i64);
        self.recovered += u64::from(s.shift == ShiftLabel::Recovered);
        self.soured += u64::from(s.shift == ShiftLabel::Soured);
    }

    fn merge(&mut self, o: SentimentStats) {
        self.shift.merge(o.shift);
        self.recovered += o.recovered;
        self.soured += o.soured;
    }

    fn report(&self) -> SentimentReport {
        let n = self.shift.n;
        SentimentReport {
            n,
            mean_shift: self.shift.mean(MICRO, 4).value,
            recovered: Tally {
                n,
                hits: self.recovered,
            }
            .percent(),
            soured: Tally {
                n,
                hits: self.soured,
            }
            .percent(),
        }
    }
}

/// Sentiment shift view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SentimentReport {
    /// Conversations with a measured shift.
    pub n: u64,
    /// Mean of (after − before), on the −2..2 scale of differences.
    pub mean_shift: Option<f64>,
    /// % negative before and positive after.
    pub recovered: Percent,
    /// % neutral or positive before and negative after.
    pub soured: Percent,
}

/// Endorsement totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndorsementStats {
    /// Solutions whose endorsements were counted.
    pub solutions: u64,
    /// Counts by kind: like, share, reply, mention, dm, other.
    pub kinds: [u64; 6],
}

impl EndorsementStats {
    fn add(&mut self, e: &Endorsements) {
        self.solutions += 1;
        for (slot, v) in self
            .kinds
            .iter_mut()
            .zip([e.like, e.share, e.reply, e.mention, e.dm, e.other])
        {
            *slot += u64::from(v);
        }
    }

    fn merge(&mut self, o: EndorsementStats) {
        self.solutions += o.solutions;
        for (a, b) in self.kinds.iter_mut().zip(o.kinds) {
            *a += b;
        }
    }

    fn report(&self) -> EndorsementReport {
        let [like, share, reply, mention, dm, other] = self.kinds;
        let total: u64 = self.kinds.iter().sum();
        EndorsementReport {
            solutions: self.solutions,
            like,
            share,
            reply,
            mention,
            dm,
            other,
            total,
            per_solution: (self.solutions > 0)
                .then(|| round2(total as f64 / self.solutions as f64)),
        }
    }
}

/// Endorsements of solution posts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndorsementReport {
    /// Solutions counted (n).
    pub solutions: u64,
    /// Likes.
    pub like: u64,
    /// Shares.
    pub share: u64,
    /// Replies.
    pub reply: u64,
    /// Mentions.
    pub mention: u64,
    /// Direct messages.
    pub dm: u64,
    /// Other kinds.
    pub other: u64,
    /// All kinds.
    pub total: u64,
    /// Total / solutions.
    pub per_solution: Option<f64>,
}

/// Exactly mergeable sums for a Pearson correlation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Correlation {
    /// Pairs.
    pub n: u64,
    /// Σx.
    pub sx: i128,
    /// Σy.
    pub sy: i128,
    /// Σx².
    pub sxx: i128,
    /// Σy².
    pub syy: i128,
    /// Σxy.
    pub sxy: i128,
}

impl Correlation {
    /// Adds one pair.
    pub fn add(&mut self, x: i64, y: i64) {
        let (x, y) = (i128::from(x), i128::from(y));
        self.n += 1;
        self.sx += x;
        self.sy += y;
        self.sxx += x * x;
        self.syy += y * y;
        self.sxy += x * y;
    }

    fn merge(&mut self, o: Correlation) {
        self.n += o.n;
        self.sx += o.sx;
        self.sy += o.sy;
        self.sxx += o.sxx;
        self.syy += o.syy;
        self.sxy += o.sxy;
    }

    /// Pearson's r = (nΣxy − ΣxΣy) / √((nΣx² − (Σx)²)(nΣy² − (Σy)²)), four decimals;
    /// `None` with fewer than two pairs or when either side does not vary.
    pub fn pearson(&self) -> Option<f64> {
        let n = i128::from(self.n);
        let cov = n * self.sxy - self.sx * self.sy;
        let vx = n * self.sxx - self.sx * self.sx;
        let vy = n * self.syy - self.sy * self.sy;
        if self.n < 2 || vx <= 0 || vy <= 0 {
            return None;
        }
        let r = cov as f64 / ((vx as f64).sqrt() * (vy as f64).sqrt());
        Some((r * 10_000.0).round() / 10_000.0)
    }
}

/// A distribution of plain values (not durations), stored in thousandths.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueSummary {
    /// Number of values.
    pub n: u64,
    /// Mean.
    pub mean: Option<f64>,
    /// Nearest-rank median.
    pub median: Option<f64>,
    /// Nearest-rank 90th percentile.
    pub p90: Option<f64>,
    /// Largest value.
    pub max: Option<f64>,
}

impl From<Summary> for ValueSummary {
    /// Values stored in thousandths come out of a [`Summary`] in units.
    fn from(s: Summary) -> Self {
        ValueSummary {
            n: s.n,
            mean: s.mean_s,
            median: s.median_s,
            p90: s.p90_s,
            max: s.max_s,
        }
    }
}

/// Metrics over every channel.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AllStats {
    /// Conversations.
    pub conversations: u64,
    /// Conversations whose detections were measured.
    pub measured: u64,
    /// Conversations with a located solution post.
    pub solutions: u64,
    /// Solution acknowledged as successful or used (n = measured with a solution).
    pub acknowledged: Tally,
    /// Solution explicitly failed (same n).
    pub failed: Tally,
    /// Σ customer rephrase requests (n = measured).
    pub rephrase_customer: u64,
    /// Σ agent rephrase requests.
    pub rephrase_agent: u64,
    /// Measured conversations with any rephrase request.
    pub with_rephrase: u64,
    /// Σ problem restatements.
    pub restatements: u64,
    /// Measured conversations with any restatement.
    pub with_restatement: u64,
    /// Σ repeated identifiers (before and after a hand-off).
    pub repeated_ids: u64,
    /// Measured, handed-off conversations where identifiers were repeated after the hand-off.
    pub repeated_ids_after_handoff: Tally,
    /// Σ hand-offs (n = conversations).
    pub handoffs: u64,
    /// Conversations without a hand-off.
    pub no_handoff: u64,
    /// Sentiment before vs after the solution.
    pub sentiment: SentimentStats,
}

impl AllStats {
    fn add(&mut self, f: &ConversationFacts) {
        let (s, cx) = (&f.signals, &f.cx);
        self.conversations += 1;
        self.solutions += u64::from(cx.solution.is_some());
        self.acknowledged.add_opt(cx.acknowledged);
        self.failed.add_opt(cx.failed);
        self.handoffs += u64::from(cx.handoffs);
        self.no_handoff += u64::from(cx.handoffs == 0);
        if !cx.measured {
            return;
        }
        self.measured += 1;
        self.rephrase_customer += u64::from(s.rephrase_customer);
        self.rephrase_agent += u64::from(s.rephrase_agent);
        self.with_rephrase += u64::from(s.rephrase_customer + s.rephrase_agent > 0);
        self.restatements += u64::from(s.restatements);
        self.with_restatement += u64::from(s.restatements > 0);
        self.repeated_ids +=
            u64::from(s.repeated_ids_before_handoff + s.repeated_ids_after_handoff);
        if cx.handoffs > 0 {
            self.repeated_ids_after_handoff
                .add(s.repeated_ids_after_handoff > 0);
        }
        self.sentiment.add(f);
    }

    fn merge(&mut self, o: AllStats) {
        self.conversations += o.conversations;
        self.measured += o.measured;
        self.solutions += o.solutions;
        self.acknowledged.merge(o.acknowledged);
        self.failed.merge(o.failed);
        self.rephrase_customer += o.rephrase_customer;
        self.rephrase_agent += o.rephrase_agent;
        self.with_rephrase += o.with_rephrase;
        self.restatements += o.restatements;
        self.with_restatement += o.with_restatement;
        self.repeated_ids += o.repeated_ids;
        self.repeated_ids_after_handoff
            .merge(o.repeated_ids_after_handoff);
        self.handoffs += o.handoffs;
        self.no_handoff += o.no_handoff;
        self.sentiment.merge(o.sentiment);
    }

    fn report(&self) -> AllReport {
        let per = |sum: u64, n: u64| Mean {
            n,
            value: (n > 0).then(|| round2(sum as f64 / n as f64)),
        };
        let share = |hits: u64, n: u64| Tally { n, hits }.percent();
        AllReport {
            conversations: self.conversations,
            measured: self.measured,
            solutions_located: self.solutions,
            solution_acknowledged: self.acknowledged.percent(),
            solution_failed: self.failed.percent(),
            rephrase_customer_per_conversation: per(self.rephrase_customer, self.measured),
            rephrase_agent_per_conversation: per(self.rephrase_agent, self.measured),
            with_rephrase: share(self.with_rephrase, self.measured),
            restatements_per_conversation: per(self.restatements, self.measured),
            with_restatement: share(self.with_restatement, self.measured),
            repeated_ids_per_conversation: per(self.repeated_ids, self.measured),
            repeated_ids_after_handoff: self.repeated_ids_after_handoff.percent(),
            handoffs_per_conversation: per(self.handoffs, self.conversations),
            without_handoff: share(self.no_handoff, self.conversations),
            sentiment: self.sentiment.report(),
        }
    }
}

/// Metrics over every channel, as reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AllReport {
    /// Conversations.
    pub conversations: u64,
    /// Conversations run through the detectors (n of the text-based means).
    pub measured: u64,
    /// Conversations with a located solution post.
    pub solutions_located: u64,
    /// % of solutions the originator acknowledged as successful or used.
    pub solution_acknowledged: Percent,
    /// % of solutions the originator said failed.
    pub solution_failed: Percent,
    /// Customer requests to rephrase, per conversation.
    pub rephrase_customer_per_conversation: Mean,
    /// Agent requests to rephrase, per conversation.
    pub rephrase_agent_per_conversation: Mean,
    /// % of conversations with any rephrase request.
    pub with_rephrase: Percent,
    /// Problem restatements per conversation.
    pub restatements_per_conversation: Mean,
    /// % of conversations with a restatement.
    pub with_restatement: Percent,
    /// Repeated identifying information per conversation.
    pub repeated_ids_per_conversation: Mean,
    /// % of handed-off conversations where the customer repeated identifiers after the hand-off.
    pub repeated_ids_after_handoff: Percent,
    /// Hand-offs per conversation.
    pub handoffs_per_conversation: Mean,
    /// % of conversations with no hand-off.
    pub without_handoff: Percent,
    /// Originator sentiment before vs after the solution.
    pub sentiment: SentimentReport,
}

/// Chat: customer wait during the chat.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatStats {
    /// Chat conversations.
    pub conversations: u64,
    /// Every customer wait.
    pub waits: Distribution,
}

/// E-mail: turnaround, deadlines, queue delay, acknowledgement.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EmailStats {
    /// E-mail conversations.
    pub conversations: u64,
    /// Resolution times by severity label (`(none)` when missing).
    pub turnaround: BTreeMap<String, Distribution>,
    /// Customer deadline met (n = decidable).
    pub deadline: Tally,
    /// Overrun of resolutions past the deadline.
    pub overrun: Distribution,
    /// Longest queue delay per conversation.
    pub queue_delay: Distribution,
    /// Solution acknowledged by the originator.
    pub acknowledged: Tally,
}

/// SMS: repeat users, alerts acted on, acknowledgement.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SmsStats {
    /// SMS conversations.
    pub conversations: u64,
    /// Requests from customers with another SMS conversation (hits credited at the end).
    pub repeat_users: Tally,
    /// Alerts (n) acted on (hits).
    pub alerts: Tally,
    /// Solution acknowledged.
    pub acknowledged: Tally,
}

/// Social media.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SocialStats {
    /// Social conversations.
    pub conversations: u64,
    /// Solution acknowledged.
    pub acknowledged: Tally,
    /// Endorsements of solution posts.
    pub endorsements: EndorsementStats,
    /// Originator's post → solution post.
    pub time_to_solution: Distribution,
    /// Originator sentiment change across the solution post.
    pub sentiment: SentimentStats,
}

/// Communities.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CommunityStats {
    /// Community conversations.
    pub conversations: u64,
    /// Questions (conversations with a customer message).
    pub questions: u64,
    /// Content ratings, thousandths.
    pub rating: SumCount,
    /// Endorsements of answers.
    pub endorsements: EndorsementStats,
    /// Questions whose originator accepted an answer.
    pub accepted: Tally,
    /// Questions whose originator asked another question later (hits credited at the end).
    pub continued_use: Tally,
    /// Question → first answer.
    pub time_to_answer: Distribution,
    /// Return visits per question (n = questions).
    pub return_visits: SumCount,
    /// Questions with a return visit.
    pub with_return_visit: u64,
}

/// Phone transcripts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PhoneStats {
    /// Calls.
    pub calls: u64,
    /// Every customer wait.
    pub waits: Distribution,
    /// Resolution times.
    pub cycle: Distribution,
    /// Measured calls with repeated identifiers or problem restatements.
    pub repetition: Tally,
    /// Σ repeated identifiers + restatements over measured calls.
    pub repetitions: u64,
    /// Σ hand-offs (n = calls).
    pub handoffs: u64,
    /// Σ long silences (n = calls).
    pub long_silences: u64,
    /// Σ silence, ms, over calls with a positive duration.
    pub silence_ms: i64,
    /// Σ call duration, ms, over the same calls.
    pub call_ms: i64,
}

/// Reopen rate and one-touch resolution, per channel (index = [`Channel::ALL`] order).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HelpdeskStats {
    /// Reopened (hits) out of conversations resolved at least once (n).
    pub reopen: [Tally; 6],
    /// One-touch (hits) out of resolved conversations (n).
    pub one_touch: [Tally; 6],
}

/// Customer effort index.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EffortStats {
    /// Index values, thousandths of a point.
    pub index: Distribution,
    /// (index in thousandths, survey CES) pairs.
    pub ces: Correlation,
}

/// Mergeable customer-experience state of one segment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CxStats {
    /// Every channel.
    pub all: AllStats,
    /// Chat only.
    pub chat: ChatStats,
    /// E-mail only.
    pub email: EmailStats,
    /// SMS only.
    pub sms: SmsStats,
    /// Social only.
    pub social: SocialStats,
    /// Community only.
    pub community: CommunityStats,
    /// Phone only.
    pub phone: PhoneStats,
    /// Per channel.
    pub helpdesk: HelpdeskStats,
    /// Effort index.
    pub effort: EffortStats,
}

/// Customer-level credits settled at the end of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CxCredit {
    /// SMS requests from customers with another SMS conversation.
    pub sms_repeat_users: u64,
    /// Community questions followed by a later question of the same originator.
    pub community_continued_use: u64,
}

/// Credits overall and per segment.
#[derive(Debug, Default, PartialEq)]
pub struct CxCredits {
    /// Across the whole input.
    pub overall: CxCredit,
    /// Per segment key.
    pub segments: BTreeMap<SegmentKey, CxCredit>,
}

/// Settles the customer-level metrics from contacts sorted by (customer, opening, id):
/// every SMS contact of a customer with two or more SMS contacts is a repeat-user request;
/// a community contact followed (in that order) by another community contact of the same
/// customer shows continued use.
pub fn customer_credits(sorted: &[Contact]) -> CxCredits {
    let mut credits = CxCredits::default();
    for group in sorted.chunk_by(|a, b| a.customer == b.customer) {
        let sms = group
            .iter()
            .filter(|c| c.channel == Some(Channel::Sms))
            .count();
        for (i, c) in group.iter().enumerate() {
            let credit = CxCredit {
                sms_repeat_users: u64::from(c.channel == Some(Channel::Sms) && sms > 1),
                community_continued_use: u64::from(
                    c.channel == Some(Channel::Community)
                        && group[i + 1..]
                            .iter()
                            .any(|l| l.channel == Some(Channel::Community)),
                ),
            };
            if credit == CxCredit::default() {
                continue;
            }
            credits.overall.add(credit);
            for key in &c.segments {
                credits.segments.entry(key.clone()).or_default().add(credit);
            }
        }
    }
    credits
}

impl CxCredit {
    fn add(&mut self, o: CxCredit) {
        self.sms_repeat_users += o.sms_repeat_users;
        self.community_continued_use += o.community_continued_use;
    }
}

fn channel_index(c: Channel) -> usize {
    Channel::ALL.iter().position(|&x| x == c).unwrap_or(0)
}

/// True when the conversation left a [`Contact`] in the ledger (the customer-level n).
fn in_ledger(f: &ConversationFacts) -> bool {
    f.customer_id.is_some() && f.opened_at.or(f.first_contact_at).is_some()
}

impl CxStats {
    /// Adds one conversation's facts.
    pub fn add(&mut self, f: &ConversationFacts) {
        let cx = &f.cx;
        self.all.add(f);
        match f.channel {
            Channel::Chat => {
                self.chat.conversations += 1;
                add_all(&mut self.chat.waits, &cx.waits_ms);
            }
            Channel::Email => self.add_email(f),
            Channel::Sms => {
                let s = &mut self.sms;
                s.conversations += 1;
                if in_ledger(f) {
                    s.repeat_users.n += 1;
                }
                s.alerts.n += u64::from(cx.alerts);
                s.alerts.hits += u64::from(cx.alerts_acted);
                s.acknowledged.add_opt(cx.acknowledged);
            }
            Channel::Social => {
                let s = &mut self.social;
                s.conversations += 1;
                s.acknowledged.add_opt(cx.acknowledged);
                if cx.solution.is_some() {
                    s.endorsements.add(&cx.endorsements);
                }
                if let Some(ms) = cx.time_to_solution_ms {
                    s.time_to_solution.add(ms);
                }
                s.sentiment.add(f);
            }
            Channel::Community => self.add_community(f),
            Channel::Phone => self.add_phone(f),
        }
        let ch = channel_index(f.channel);
        if cx.resolves > 0 {
            self.helpdesk.reopen[ch].add(f.reopens > 0);
        }
        if f.resolved {
            self.helpdesk.one_touch[ch].add(cx.one_touch);
        }
        if let Some(e) = &cx.effort {
            let milli = (e.index * 1000.0).round() as i64;
            self.effort.index.add(milli);
            if let Some(ces) = f.survey.ces {
                self.effort.ces.add(milli, i64::from(ces));
            }
        }
    }

    fn add_email(&mut self, f: &ConversationFacts) {
        let (s, cx) = (&mut self.email, &f.cx);
        s.conversations += 1;
        if let Some(ms) = f.resolution_ms {
            let severity = f
                .severity
                .as_deref()
                .unwrap_or(crate::metrics::segment::NONE_VALUE);
            match s.turnaround.get_mut(severity) {
                Some(d) => d.add(ms),
                None => {
                    let mut d = Distribution::default();
                    d.add(ms);
                    s.turnaround.insert(severity.to_owned(), d);
                }
            }
        }
        s.deadline.add_opt(cx.due_met);
        if let Some(ms) = cx.due_overrun_ms {
            s.overrun.add(ms);
        }
        if let Some(ms) = cx.queue_delay_ms {
            s.queue_delay.add(ms);
        }
        s.acknowledged.add_opt(cx.acknowledged);
    }

    fn add_community(&mut self, f: &ConversationFacts) {
        let (s, cx) = (&mut self.community, &f.cx);
        s.conversations += 1;
        s.rating.n += u64::from(cx.ratings);
        s.rating.sum += cx.rating_milli_sum;
        if cx.solution.is_some() {
            s.endorsements.add(&cx.endorsements);
        }
        if f.messages.customer == 0 {
            return;
        }
        s.questions += 1;
        let sig = &f.signals;
        let accepted = cx.accept_event
            || (cx.measured
                && (sig.solution_used
                    || sig.acknowledgement == crate::detect::Acknowledgement::Success));
        s.accepted.add(accepted);
        if in_ledger(f) {
            s.continued_use.n += 1;
        }
        if let Some(ms) = f.first_response_ms {
            s.time_to_answer.add(ms);
        }
        s.return_visits.add(i64::from(cx.return_visits));
        s.with_return_visit += u64::from(cx.return_visits > 0);
    }

    fn add_phone(&mut self, f: &ConversationFacts) {
        let (s, cx) = (&mut self.phone, &f.cx);
        s.calls += 1;
        add_all(&mut s.waits, &cx.waits_ms);
        if let Some(ms) = f.resolution_ms {
            s.cycle.add(ms);
        }
        if cx.measured {
            let sig = &f.signals;
            let n =
                sig.repeated_ids_before_handoff + sig.repeated_ids_after_handoff + sig.restatements;
            s.repetition.add(n > 0);
            s.repetitions += u64::from(n);
        }
        s.handoffs += u64::from(cx.handoffs);
        s.long_silences += u64::from(cx.long_silences);
        if let Some(span) = cx.span_ms.filter(|&d| d > 0) {
            s.silence_ms += cx.silence_ms;
            s.call_ms += span;
        }
    }

    /// Credits the customer-level hits settled at the end.
    pub fn credit(&mut self, c: CxCredit) {
        self.sms.repeat_users.hits += c.sms_repeat_users;
        self.community.continued_use.hits += c.community_continued_use;
    }

    /// Adds another segment state (associative, commutative).
    pub fn merge(&mut self, o: CxStats) {
        self.all.merge(o.all);
        self.chat.conversations += o.chat.conversations;
        self.chat.waits.merge(o.chat.waits);
        let (e, oe) = (&mut self.email, o.email);
        e.conversations += oe.conversations;
        for (k, d) in oe.turnaround {
            e.turnaround.entry(k).or_default().merge(d);
        }
        e.deadline.merge(oe.deadline);
        e.overrun.merge(oe.overrun);
        e.queue_delay.merge(oe.queue_delay);
        e.acknowledged.merge(oe.acknowledged);
        let (s, os) = (&mut self.sms, o.sms);
        s.conversations += os.conversations;
        s.repeat_users.merge(os.repeat_users);
        s.alerts.merge(os.alerts);
        s.acknowledged.merge(os.acknowledged);
        let (s, os) = (&mut self.social, o.social);
        s.conversations += os.conversations;
        s.acknowledged.merge(os.acknowledged);
        s.endorsements.merge(os.endorsements);
        s.time_to_solution.merge(os.time_to_solution);
        s.sentiment.merge(os.sentiment);
        let (c, oc) = (&mut self.community, o.community);
        c.conversations += oc.conversations;
        c.questions += oc.questions;
        c.rating.merge(oc.rating);
        c.endorsements.merge(oc.endorsements);
        c.accepted.merge(oc.accepted);
        c.continued_use.merge(oc.continued_use);
        c.time_to_answer.merge(oc.time_to_answer);
        c.return_visits.merge(oc.return_visits);
        c.with_return_visit += oc.with_return_visit;
        let (p, op) = (&mut self.phone, o.phone);
        p.calls += op.calls;
        p.waits.merge(op.waits);
        p.cycle.merge(op.cycle);
        p.repetition.merge(op.repetition);
        p.repetitions += op.repetitions;
        p.handoffs += op.handoffs;
        p.long_silences += op.long_silences;
        p.silence_ms += op.silence_ms;
        p.call_ms += op.call_ms;
        for i in 0..6 {
            self.helpdesk.reopen[i].merge(o.helpdesk.reopen[i]);
            self.helpdesk.one_touch[i].merge(o.helpdesk.one_touch[i]);
        }
        self.effort.index.merge(o.effort.index);
        self.effort.ces.merge(o.effort.ces);
    }

    /// Canonical form for serialisation.
    pub fn canonicalize(&mut self) {
        for d in self.distributions_mut() {
            d.canonicalize();
        }
    }

    fn distributions_mut(&mut self) -> impl Iterator<Item = &mut Distribution> {
        [
            &mut self.chat.waits,
            &mut self.email.overrun,
            &mut self.email.queue_delay,
            &mut self.social.time_to_solution,
            &mut self.community.time_to_answer,
            &mut self.phone.waits,
            &mut self.phone.cycle,
            &mut self.effort.index,
        ]
        .into_iter()
        .chain(self.email.turnaround.values_mut())
    }

    /// The report view.
    pub fn report(&self) -> CxReport {
        let e = &self.email;
        let c = &self.community;
        let p = &self.phone;
        let per = |sum: u64, n: u64| Mean {
            n,
            value: (n > 0).then(|| round2(sum as f64 / n as f64)),
        };
        CxReport {
            all: self.all.report(),
            chat: ChatReport {
                conversations: self.chat.conversations,
                customer_wait: self.chat.waits.summary(),
            },
            email: EmailReport {
                conversations: e.conversations,
                turnaround_by_severity: e
                    .turnaround
                    .iter()
                    .map(|(k, d)| (k.clone(), d.summary()))
                    .collect(),
                deadline_met: e.deadline.percent(),
                deadline_overrun: e.overrun.summary(),
                queue_delay_longest: e.queue_delay.summary(),
                solution_acknowledged: e.acknowledged.percent(),
            },
            sms: SmsReport {
                conversations: self.sms.conversations,
                repeat_user_requests: self.sms.repeat_users.percent(),
                alerts_acted_on: self.sms.alerts.percent(),
                solution_acknowledged: self.sms.acknowledged.percent(),
            },
            social: SocialReport {
                conversations: self.social.conversations,
                solution_acknowledged: self.social.acknowledged.percent(),
                endorsements: self.social.endorsements.report(),
                time_to_solution: self.social.time_to_solution.summary(),
                sentiment: self.social.sentiment.report(),
            },
            community: CommunityReport {
                conversations: c.conversations,
                questions: c.questions,
                rating: c.rating.mean(1000.0, 2),
                endorsements: c.endorsements.report(),
                accepted: c.accepted.percent(),
                continued_use: c.continued_use.percent(),
                time_to_answer: c.time_to_answer.summary(),
                return_visits_per_question: c.return_visits.mean(1.0, 2),
                with_return_visit: Tally {
                    n: c.questions,
                    hits: c.with_return_visit,
                }
                .percent(),
            },
            phone: PhoneReport {
                calls: p.calls,
                customer_wait: p.waits.summary(),
                cycle_time: p.cycle.summary(),
                with_repetition: p.repetition.percent(),
                repetitions_per_call: per(p.repetitions, p.repetition.n),
                handoffs_per_call: per(p.handoffs, p.calls),
                long_silences_per_call: per(p.long_silences, p.calls),
                silence_pct_of_call: Mean {
                    n: p.calls,
                    value: (p.call_ms > 0)
                        .then(|| round2(p.silence_ms as f64 * 100.0 / p.call_ms as f64)),
                },
            },
            helpdesk: self.helpdesk_report(),
            effort: EffortReport {
                index: self.effort.index.summary().into(),
                ces_correlation: CorrelationReport {
                    n: self.effort.ces.n,
                    pearson_r: self.effort.ces.pearson(),
                },
            },
        }
    }

    fn helpdesk_report(&self) -> HelpdeskReport {
        let h = &self.helpdesk;
        let total = |ts: &[Tally; 6]| {
            let mut t = Tally::default();
            ts.iter().for_each(|x| t.merge(*x));
            t.percent()
        };
        HelpdeskReport {
            reopen_rate: total(&h.reopen),
            one_touch: total(&h.one_touch),
            by_channel: Channel::ALL
                .iter()
                .enumerate()
                .filter(|(i, _)| h.reopen[*i].n + h.one_touch[*i].n > 0)
                .map(|(i, ch)| {
                    (
                        ch.as_str().to_owned(),
                        HelpdeskChannel {
                            reopen_rate: h.reopen[i].percent(),
                            one_touch: h.one_touch[i].percent(),
                        },
                    )
                })
                .collect(),
        }
    }
}

fn add_all(d: &mut Distribution, values: &[i64]) {
    for &v in values {
        d.add(v);
    }
}

/// Chat view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatReport {
    /// Chat conversations.
    pub conversations: u64,
    /// Every gap between a customer message and the next agent or bot reply.
    pub customer_wait: Summary,
}

/// E-mail view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmailReport {
    /// E-mail conversations.
    pub conversations: u64,
    /// Incident turnaround (first contact → resolution) per severity label.
    pub turnaround_by_severity: BTreeMap<String, Summary>,
    /// % resolved by the customer's own deadline.
    pub deadline_met: Percent,
    /// How far past the deadline late resolutions came.
    pub deadline_overrun: Summary,
    /// Longest queue delay (queue_enter → first agent action) per conversation.
    pub queue_delay_longest: Summary,
    /// % of solutions the originator acknowledged.
    pub solution_acknowledged: Percent,
}

/// SMS view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SmsReport {
    /// SMS conversations.
    pub conversations: u64,
    /// % of requests from customers with another SMS conversation.
    pub repeat_user_requests: Percent,
    /// % of alerts followed by a customer action within the window.
    pub alerts_acted_on: Percent,
    /// % of solutions acknowledged.
    pub solution_acknowledged: Percent,
}

/// Social-media view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SocialReport {
    /// Social conversations.
    pub conversations: u64,
    /// % of solutions acknowledged.
    pub solution_acknowledged: Percent,
    /// Endorsements at or after the solution post.
    pub endorsements: EndorsementReport,
    /// Originator's post → solution post.
    pub time_to_solution: Summary,
    /// Originator sentiment change across the solution post.
    pub sentiment: SentimentReport,
}

/// Community view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommunityReport {
    /// Community conversations.
    pub conversations: u64,
    /// Questions (conversations with an originator message).
    pub questions: u64,
    /// Mean content rating (n = ratings).
    pub rating: Mean,
    /// Endorsements of answers.
    pub endorsements: EndorsementReport,
    /// % of questions whose originator accepted an answer.
    pub accepted: Percent,
    /// % of questions whose originator asked another question later.
    pub continued_use: Percent,
    /// Question → first answer.
    pub time_to_answer: Summary,
    /// Originator visits after the question, per question.
    pub return_visits_per_question: Mean,
    /// % of questions whose originator came back.
    pub with_return_visit: Percent,
}

/// Phone view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhoneReport {
    /// Calls.
    pub calls: u64,
    /// Customer waits for the agent.
    pub customer_wait: Summary,
    /// Cycle time to resolution.
    pub cycle_time: Summary,
    /// % of measured calls where identifiers or the problem were repeated.
    pub with_repetition: Percent,
    /// Repeated identifiers + restatements per measured call.
    pub repetitions_per_call: Mean,
    /// Hand-offs per call.
    pub handoffs_per_call: Mean,
    /// Long silences per call.
    pub long_silences_per_call: Mean,
    /// Σ long-silence time / Σ call duration × 100.
    pub silence_pct_of_call: Mean,
}

/// Reopen and one-touch of one channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HelpdeskChannel {
    /// % of conversations resolved at least once that were reopened.
    pub reopen_rate: Percent,
    /// % of resolved conversations resolved with at most one agent reply and never reopened.
    pub one_touch: Percent,
}

/// Helpdesk habits view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HelpdeskReport {
    /// All channels together.
    pub reopen_rate: Percent,
    /// All channels together.
    pub one_touch: Percent,
    /// Per channel present.
    pub by_channel: BTreeMap<String, HelpdeskChannel>,
}

/// Correlation view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorrelationReport {
    /// Conversations with both an effort index and a survey CES.
    pub n: u64,
    /// Pearson's r between the index and CES; expected negative (CES 7 = very easy).
    pub pearson_r: Option<f64>,
}

/// Effort view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EffortReport {
    /// The index (0–100) over measured conversations.
    pub index: ValueSummary,
    /// Its correlation with survey CES.
    pub ces_correlation: CorrelationReport,
}

/// Every customer-experience metric of a segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CxReport {
    /// Every channel.
    pub all: AllReport,
    /// Chat conversations only.
    pub chat: ChatReport,
    /// E-mail only.
    pub email: EmailReport,
    /// SMS only.
    pub sms: SmsReport,
    /// Social media only.
    pub social: SocialReport,
    /// Communities only.
    pub community: CommunityReport,
    /// Phone only.
    pub phone: PhoneReport,
    /// Reopen and one-touch, per channel.
    pub helpdesk: HelpdeskReport,
    /// Customer effort index.
    pub effort: EffortReport,
}
