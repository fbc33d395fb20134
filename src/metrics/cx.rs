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
//! community continued use) are credited at the end by a [`CustomerCreditTally`] fed the
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
        self.sum = self.sum.saturating_add(v);
    }

    /// Adds another state.
    pub fn merge(&mut self, o: SumCount) {
        self.n += o.n;
        self.sum = self.sum.saturating_add(o.sum);
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
    /// Points against (negative scores).
    #[serde(default)]
    pub against: u64,
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
        self.against += u64::from(e.against);
    }

    fn merge(&mut self, o: EndorsementStats) {
        self.solutions += o.solutions;
        for (a, b) in self.kinds.iter_mut().zip(o.kinds) {
            *a += b;
        }
        self.against += o.against;
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
            against: self.against,
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
    /// All kinds (points for).
    pub total: u64,
    /// Points against (negative scores), not part of `total`.
    pub against: u64,
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
    /// Of those, posts the detectors marked (the rest come from the structural fallbacks).
    pub solutions_detected: u64,
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
        self.solutions_detected += u64::from(
            cx.solution
                .is_some_and(|p| p.source == crate::metrics::cx_facts::SolutionSource::Detected),
        );
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
        self.solutions_detected += o.solutions_detected;
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
            solutions_detected: self.solutions_detected,
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
    /// Of those, solution posts the detectors marked (the rest are structural fallbacks).
    pub solutions_detected: u64,
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
    /// Conversations with an alert (n) where the customer acted on at least one (hits).
    pub alerted: Tally,
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
    /// Community conversations with a known originator (n) followed by another community
    /// conversation of that originator (hits, credited at the end).
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
    /// Calls with a positive duration.
    pub timed_calls: u64,
    /// Σ silence, ms, over calls with a positive duration.
    pub silence_ms: i64,
    /// Σ call duration, ms, over the same calls.
    pub call_ms: i64,
    /// Calls whose silences were measured from utterance ends (hits) out of all calls.
    #[serde(default)]
    pub silence_from_ends: Tally,
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

/// Settles the customer-level CX metrics from one customer's contacts at a time, each
/// customer's in (opening, id) order: every SMS contact of a customer with two or more SMS
/// contacts is a repeat-user request; a community contact followed (in that order) by
/// another community contact of the same customer shows continued use. The state between
/// contacts is a few numbers, whatever the number of contacts.
#[derive(Debug, Default)]
pub struct CustomerCreditTally {
    credits: CxCredits,
    /// SMS contacts of the current customer so far.
    sms_contacts: u64,
    /// The segment set of the current customer's first SMS contact (credited when a
    /// second one comes).
    first_sms: u64,
    /// The segment set of the current customer's latest community contact (credited when
    /// another one follows).
    last_community: Option<u64>,
}

impl CustomerCreditTally {
    /// Adds the next contact of the current customer.
    pub fn contact(&mut self, contact: &Contact, sets: &BTreeMap<u64, Vec<SegmentKey>>) {
        match contact.channel {
            Some(Channel::Sms) => {
                self.sms_contacts += 1;
                let repeat = CxCredit {
                    sms_repeat_users: 1,
                    ..CxCredit::default()
                };
                match self.sms_contacts {
                    1 => self.first_sms = contact.segment_set,
                    2 => {
                        self.credit(repeat, self.first_sms, sets);
                        self.credit(repeat, contact.segment_set, sets);
                    }
                    _ => self.credit(repeat, contact.segment_set, sets),
                }
            }
            Some(Channel::Community) => {
                let continued = CxCredit {
                    community_continued_use: 1,
                    ..CxCredit::default()
                };
                if let Some(earlier) = self.last_community.replace(contact.segment_set) {
                    self.credit(continued, earlier, sets);
                }
            }
            _ => {}
        }
    }

    /// Ends the current customer: the next contact is another customer's.
    pub fn end_customer(&mut self) {
        self.sms_contacts = 0;
        self.first_sms = 0;
        self.last_community = None;
    }

    /// The credits of every customer.
    pub fn finish(self) -> CxCredits {
        self.credits
    }

    fn credit(&mut self, credit: CxCredit, set: u64, sets: &BTreeMap<u64, Vec<SegmentKey>>) {
        self.credits.overall.add(credit);
        for key in sets.get(&set).into_iter().flatten() {
            self.credits
                .segments
                .entry(key.clone())
                .or_default()
                .add(credit);
        }
    }
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
                if cx.alerts > 0 {
                    s.alerted.add(cx.alerts_acted > 0);
                }
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
        // Every community contact in the ledger can be credited, so every one is in n.
        if in_ledger(f) {
            s.continued_use.n += 1;
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
        s.silence_from_ends.add(cx.silence_from_ends);
        if let Some(span) = cx.span_ms.filter(|&d| d > 0) {
            s.timed_calls += 1;
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
        s.alerted.merge(os.alerted);
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
        p.timed_calls += op.timed_calls;
        p.silence_ms += op.silence_ms;
        p.call_ms += op.call_ms;
        p.silence_from_ends.merge(op.silence_from_ends);
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
                alerted_conversations_acted_on: self.sms.alerted.percent(),
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
                    n: p.timed_calls,
                    value: (p.call_ms > 0)
                        .then(|| round2(p.silence_ms as f64 * 100.0 / p.call_ms as f64)),
                },
                silence_from_utterance_ends: p.silence_from_ends.percent(),
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
    /// % of conversations with an alert where the customer acted on at least one.
    pub alerted_conversations_acted_on: Percent,
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
    /// % of community conversations (with a known originator) followed by another one of
    /// the same originator.
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
    /// Σ long-silence time / Σ call duration × 100, over calls lasting more than 0 ms (n).
    pub silence_pct_of_call: Mean,
    /// % of calls whose silences run from the end of an utterance (every message carried
    /// `duration_ms` or `end`); the others are measured start to start, an upper bound.
    pub silence_from_utterance_ends: Percent,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::detect::{Acknowledgement, Signals};
    use crate::metrics::cx_facts::cx_facts;
    use crate::metrics::{Partial, conversation_facts, segment::parse_dimensions};
    use crate::model::{Conversation, Event, EventKind, Role};
    use crate::time::Timestamp;

    fn ts(hms: &str) -> Timestamp {
        Timestamp::parse(&format!("2024-05-01T{hms}Z")).unwrap()
    }

    fn msg(at: &str, role: Role) -> Event<'static> {
        Event::message(ts(at), role, "…")
    }

    fn ev(at: &str, kind: EventKind, role: Role) -> Event<'static> {
        Event::new(ts(at), kind, role)
    }

    fn facts(
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

    fn measured(s: Signals) -> Signals {
        Signals {
            sentiment_first: Some(0.0),
            ..s
        }
    }

    /// A resolved conversation: customer at 10:00, agent at 10:02, resolve at 10:03.
    fn resolved(id: &str, channel: Channel, signals: Signals) -> ConversationFacts {
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

    #[test]
    fn all_channel_metrics_by_hand() {
        let mut s = CxStats::default();
        // a: success, 2 customer rephrases, 1 restatement, 1 hand-off with 1 id repeated after it, recovered +0.6.
        s.add(&resolved(
            "a",
            Channel::Chat,
            measured(Signals {
                acknowledgement: Acknowledgement::Success,
                rephrase_customer: 2,
                restatements: 1,
                handoffs: 1,
                repeated_ids_after_handoff: 1,
                sentiment_shift: Some(0.6),
                shift: crate::detect::ShiftLabel::Recovered,
                ..Signals::default()
            }),
        ));
        // b: failure, 1 agent rephrase, 2 hand-offs with no repeat after, soured −0.3.
        s.add(&resolved(
            "b",
            Channel::Email,
            measured(Signals {
                acknowledgement: Acknowledgement::Failure,
                rephrase_agent: 1,
                handoffs: 2,
                repeated_ids_before_handoff: 1,
                sentiment_shift: Some(-0.3),
                shift: crate::detect::ShiftLabel::Soured,
                ..Signals::default()
            }),
        ));
        // c: measured, nothing detected, no shift measured.
        s.add(&resolved("c", Channel::Sms, measured(Signals::default())));
        // d: not measured (detectors did not run): counts only where structure decides.
        s.add(&resolved("d", Channel::Chat, Signals::default()));
        let r = s.report().all;
        assert_eq!(
            (r.conversations, r.measured, r.solutions_located),
            (4, 3, 4)
        );
        // All four solutions come from the resolve fallback, none from the detectors.
        assert_eq!(r.solutions_detected, 0);
        // Acknowledged 1 of 3 measured solutions = 33.33 %; failed 1 of 3.
        assert_eq!(
            r.solution_acknowledged,
            Percent {
                n: 3,
                value: Some(33.33)
            }
        );
        assert_eq!(
            r.solution_failed,
            Percent {
                n: 3,
                value: Some(33.33)
            }
        );
        // Rephrases: customer 2/3 = 0.67, agent 1/3 = 0.33; with any: a, b → 66.67 %.
        assert_eq!(
            r.rephrase_customer_per_conversation,
            Mean {
                n: 3,
                value: Some(0.67)
            }
        );
        assert_eq!(
            r.rephrase_agent_per_conversation,
            Mean {
                n: 3,
                value: Some(0.33)
            }
        );
        assert_eq!(r.with_rephrase.value, Some(66.67));
        assert_eq!(r.restatements_per_conversation.value, Some(0.33));
        // Repeated ids 1 (a) + 1 (b) over 3 = 0.67; after a hand-off: a yes, b no → 50 % of 2.
        assert_eq!(r.repeated_ids_per_conversation.value, Some(0.67));
        assert_eq!(
            r.repeated_ids_after_handoff,
            Percent {
                n: 2,
                value: Some(50.0)
            }
        );
        // Hand-offs over all 4 (structure counts d as 0): 3 / 4 = 0.75; none: c, d → 50 %.
        assert_eq!(
            r.handoffs_per_conversation,
            Mean {
                n: 4,
                value: Some(0.75)
            }
        );
        assert_eq!(r.without_handoff.value, Some(50.0));
        // Shifts +0.6 and −0.3 → mean 0.15; recovered 1/2, soured 1/2.
        assert_eq!(r.sentiment.n, 2);
        assert_eq!(r.sentiment.mean_shift, Some(0.15));
        assert_eq!(r.sentiment.recovered.value, Some(50.0));
        assert_eq!(r.sentiment.soured.value, Some(50.0));
    }

    #[test]
    fn nothing_measurable_is_null_not_zero() {
        let r = CxStats::default().report();
        assert_eq!(r.all.solution_acknowledged.value, None);
        assert_eq!(r.all.rephrase_customer_per_conversation.value, None);
        assert_eq!(r.all.sentiment.mean_shift, None);
        assert_eq!(r.chat.customer_wait.mean_s, None);
        assert_eq!(r.email.deadline_met.value, None);
        assert!(r.email.turnaround_by_severity.is_empty());
        assert_eq!(r.sms.alerts_acted_on.value, None);
        assert_eq!(r.social.endorsements.per_solution, None);
        assert_eq!(r.community.rating.value, None);
        assert_eq!(r.phone.silence_pct_of_call.value, None);
        assert_eq!(r.helpdesk.reopen_rate.value, None);
        assert!(r.helpdesk.by_channel.is_empty());
        assert_eq!(
            (r.effort.index.mean, r.effort.ces_correlation.pearson_r),
            (None, None)
        );
        // Unmeasured conversations leave the text-based metrics null too.
        let mut s = CxStats::default();
        s.add(&resolved("x", Channel::Chat, Signals::default()));
        let r = s.report();
        assert_eq!(r.all.solution_acknowledged, Percent { n: 0, value: None });
        assert_eq!(r.all.with_rephrase.value, None);
        assert_eq!(r.effort.index.n, 0);
    }

    #[test]
    fn chat_waits_aggregate_over_every_gap() {
        let mut s = CxStats::default();
        s.add(&facts(
            "a",
            Channel::Chat,
            None,
            vec![
                msg("10:00:00", Role::Customer),
                msg("10:00:30", Role::Bot),
                msg("10:01:00", Role::Customer),
                msg("10:03:00", Role::Agent),
            ],
            Signals::default(),
        ));
        s.add(&facts(
            "b",
            Channel::Chat,
            None,
            vec![
                msg("10:00:00", Role::Customer),
                msg("10:10:00", Role::Agent),
            ],
            Signals::default(),
        ));
        // Phone waits do not enter the chat block.
        s.add(&facts(
            "p",
            Channel::Phone,
            None,
            vec![
                msg("10:00:00", Role::Customer),
                msg("10:00:05", Role::Agent),
            ],
            Signals::default(),
        ));
        let w = s.report().chat.customer_wait;
        // 30, 120, 600 s: mean 250, median (rank 2) 120, p90 (rank 3) 600, longest 600.
        assert_eq!(
            (w.n, w.mean_s, w.median_s, w.p90_s, w.max_s),
            (3, Some(250.0), Some(120.0), Some(600.0), Some(600.0))
        );
        assert_eq!(s.report().phone.customer_wait.mean_s, Some(5.0));
    }

    fn email(
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

    #[test]
    fn email_turnaround_by_severity_deadline_and_queue() {
        let mut s = CxStats::default();
        // Turnaround = first customer message 09:00 → resolve.
        s.add(&email("a", Some("high"), Some("12:00:00"), "11:00:00")); // 2 h, met
        s.add(&email("b", Some("high"), Some("12:00:00"), "13:00:00")); // 4 h, 1 h late
        s.add(&email("c", None, Some("10:00:00"), "13:00:00")); // 4 h, 3 h late
        s.add(&email("d", Some("low"), None, "10:30:00")); // 1.5 h, no deadline
        let r = s.report().email;
        assert_eq!(r.conversations, 4);
        let keys: Vec<&str> = r
            .turnaround_by_severity
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["(none)", "high", "low"]);
        // high: 2 h and 4 h → mean 3 h = 10 800 s, max 4 h.
        let high = &r.turnaround_by_severity["high"];
        assert_eq!(
            (high.n, high.mean_s, high.max_s),
            (2, Some(10_800.0), Some(14_400.0))
        );
        assert_eq!(r.turnaround_by_severity["(none)"].mean_s, Some(14_400.0));
        // Deadline met 1 of 3; overruns 1 h and 3 h → mean 2 h = 7200 s.
        assert_eq!(
            r.deadline_met,
            Percent {
                n: 3,
                value: Some(33.33)
            }
        );
        assert_eq!(
            (r.deadline_overrun.n, r.deadline_overrun.mean_s),
            (2, Some(7_200.0))
        );
        // Every queue entry 08:00 → first agent message 10:00 = 7200 s.
        assert_eq!(r.queue_delay_longest.max_s, Some(7_200.0));
        // No detectors ran: acknowledgement unknown.
        assert_eq!(r.solution_acknowledged.value, None);
    }

    #[test]
    fn community_and_phone_blocks_by_hand() {
        let mut s = CxStats::default();
        let mut rating = ev("10:30:00", EventKind::Rating, Role::Customer);
        rating.value = Some(3.0);
        let mut like = ev("10:31:00", EventKind::Endorsement, Role::Customer);
        like.detail = Some("like".into());
        s.add(&facts(
            "q1",
            Channel::Community,
            None,
            vec![
                msg("10:00:00", Role::Customer),
                msg("10:20:00", Role::Member),
                rating,
                like,
                ev("10:40:00", EventKind::Accept, Role::Customer),
                ev("11:00:00", EventKind::Visit, Role::Customer),
                ev("12:00:00", EventKind::Visit, Role::Customer),
            ],
            Signals::default(),
        ));
        // A question never answered, whose originator came back once.
        s.add(&facts(
            "q2",
            Channel::Community,
            None,
            vec![
                msg("10:00:00", Role::Customer),
                ev("11:00:00", EventKind::Visit, Role::Customer),
            ],
            Signals::default(),
        ));
        let c = s.report().community;
        assert_eq!((c.conversations, c.questions), (2, 2));
        assert_eq!(
            c.rating,
            Mean {
                n: 1,
                value: Some(3.0)
            }
        );
        // One answer (q1) with one like.
        assert_eq!(
            (
                c.endorsements.solutions,
                c.endorsements.like,
                c.endorsements.per_solution
            ),
            (1, 1, Some(1.0))
        );
        // Accepted 1 of 2; time to answer 20 min (n = 1); return visits (2 + 1) / 2 = 1.5, both returned.
        assert_eq!(
            c.accepted,
            Percent {
                n: 2,
                value: Some(50.0)
            }
        );
        assert_eq!(
            (c.time_to_answer.n, c.time_to_answer.mean_s),
            (1, Some(1_200.0))
        );
        assert_eq!(
            c.return_visits_per_question,
            Mean {
                n: 2,
                value: Some(1.5)
            }
        );
        assert_eq!(c.with_return_visit.value, Some(100.0));
        // No customer ids: continued use cannot be checked.
        assert_eq!(c.continued_use, Percent { n: 0, value: None });

        let mut p = CxStats::default();
        // Call 1: 0 s customer, 40 s agent (gap 40 > 30), 50 s customer, 100 s agent (gap 50), resolve 120 s.
        p.add(&facts(
            "call1",
            Channel::Phone,
            None,
            vec![
                msg("10:00:00", Role::Customer),
                msg("10:00:40", Role::Agent),
                msg("10:00:50", Role::Customer),
                msg("10:01:40", Role::Agent),
                ev("10:02:00", EventKind::Resolve, Role::Agent),
            ],
            measured(Signals {
                restatements: 1,
                repeated_ids_before_handoff: 1,
                ..Signals::default()
            }),
        ));
        // Call 2: 45 s (gaps 20 and 25 s: no silence), not resolved, one transfer, measured with no repetition.
        p.add(&facts(
            "call2",
            Channel::Phone,
            None,
            vec![
                msg("10:00:00", Role::Customer),
                ev("10:00:10", EventKind::Transfer, Role::System),
                msg("10:00:20", Role::Agent),
                msg("10:00:45", Role::Customer),
            ],
            measured(Signals::default()),
        ));
        let r = p.report().phone;
        // Waits 40, 50 (call 1), 20 (call 2) → mean 36.667 s.
        assert_eq!(
            (r.customer_wait.n, r.customer_wait.mean_s),
            (3, Some(36.667))
        );
        assert_eq!((r.cycle_time.n, r.cycle_time.mean_s), (1, Some(120.0)));
        assert_eq!(
            r.with_repetition,
            Percent {
                n: 2,
                value: Some(50.0)
            }
        );
        assert_eq!(
            r.repetitions_per_call,
            Mean {
                n: 2,
                value: Some(1.0)
            }
        );
        assert_eq!(r.handoffs_per_call.value, Some(0.5));
        // Silences: 2 in call 1 (40 + 50 = 90 s) → 1 per call; 90 / (120 + 45) = 54.545 → 54.55 %.
        assert_eq!(r.long_silences_per_call.value, Some(1.0));
        assert_eq!(
            r.silence_pct_of_call,
            Mean {
                n: 2,
                value: Some(54.55)
            }
        );
    }

    #[test]
    fn helpdesk_reopen_and_one_touch_per_channel() {
        let mut s = CxStats::default();
        // Chat: one-touch; chat: two replies; email: reopened then resolved again; sms: never resolved.
        s.add(&resolved("a", Channel::Chat, Signals::default()));
        s.add(&facts(
            "b",
            Channel::Chat,
            None,
            vec![
                msg("10:00:00", Role::Customer),
                msg("10:01:00", Role::Agent),
                msg("10:02:00", Role::Agent),
                ev("10:03:00", EventKind::Resolve, Role::Agent),
            ],
            Signals::default(),
        ));
        s.add(&facts(
            "c",
            Channel::Email,
            None,
            vec![
                msg("10:00:00", Role::Customer),
                msg("10:01:00", Role::Agent),
                ev("10:02:00", EventKind::Resolve, Role::Agent),
                ev("11:00:00", EventKind::Reopen, Role::Customer),
                ev("12:00:00", EventKind::Resolve, Role::Agent),
            ],
            Signals::default(),
        ));
        s.add(&facts(
            "d",
            Channel::Sms,
            None,
            vec![msg("10:00:00", Role::Customer)],
            Signals::default(),
        ));
        let h = s.report().helpdesk;
        // Reopen: 1 of 3 ever-resolved = 33.33 %; one-touch: a of 3 resolved = 33.33 %.
        assert_eq!(
            h.reopen_rate,
            Percent {
                n: 3,
                value: Some(33.33)
            }
        );
        assert_eq!(
            h.one_touch,
            Percent {
                n: 3,
                value: Some(33.33)
            }
        );
        let keys: Vec<&str> = h.by_channel.keys().map(String::as_str).collect();
        assert_eq!(keys, ["chat", "email"]);
        assert_eq!(h.by_channel["chat"].reopen_rate.value, Some(0.0));
        assert_eq!(h.by_channel["chat"].one_touch.value, Some(50.0));
        assert_eq!(h.by_channel["email"].reopen_rate.value, Some(100.0));
        assert_eq!(h.by_channel["email"].one_touch.value, Some(0.0));
    }

    #[test]
    fn pearson_from_exact_sums() {
        let mut c = Correlation::default();
        // x = 0, 50, 100; y = 7, 6, 1. Means 50 and 14/3. Σdxdy = −50·7/3 + 0 + 50·(−11/3) = −300;
        // Σdx² = 5000, Σdy² = 49/9 + 16/9 + 121/9 = 186/9; r = −300 / √(5000 · 186/9) = −0.93326.
        for (x, y) in [(0, 7), (50_000, 6), (100_000, 1)] {
            c.add(x, y);
        }
        assert_eq!(c.pearson(), Some(-0.9333));
        let mut perfect = Correlation::default();
        for (x, y) in [(10, 7), (50, 4), (90, 1)] {
            perfect.add(x, y);
        }
        assert_eq!(perfect.pearson(), Some(-1.0));
        // One pair, or no variation, is undefined.
        let mut one = Correlation::default();
        one.add(5, 5);
        assert_eq!(one.pearson(), None);
        one.add(9, 5);
        assert_eq!(one.pearson(), None);
    }

    #[test]
    fn effort_distribution_and_ces_correlation() {
        let with_ces = |id: &str, ces: u8, signals: Signals| {
            let mut f = resolved(id, Channel::Chat, signals);
            f.survey.ces = Some(ces);
            // The survey answer does not enter the index, so setting it afterwards is safe.
            f
        };
        let mut s = CxStats::default();
        // Waits: one of 120 s → wait = 120 / 480 = 0.25 for every conversation.
        // e1: 0.25 only → 100 × 0.25 / 6 = 4.167; CES 7.
        s.add(&with_ces("e1", 7, measured(Signals::default())));
        // e2: + failure → 100 × 1.25 / 6 = 20.833; CES 4.
        s.add(&with_ces(
            "e2",
            4,
            measured(Signals {
                ack_failure: 1,
                ..Signals::default()
            }),
        ));
        // e3: + failure + 3 hand-offs → 100 × 2.25 / 6 = 37.5; CES 2.
        s.add(&with_ces(
            "e3",
            2,
            measured(Signals {
                ack_failure: 1,
                handoffs: 3,
                ..Signals::default()
            }),
        ));
        // e4: no CES answer: in the distribution, not in the correlation.
        s.add(&resolved("e4", Channel::Chat, measured(Signals::default())));
        let r = s.report().effort;
        assert_eq!(r.index.n, 4);
        // Mean (4.167 + 20.833 + 37.5 + 4.167) / 4 = 16.66675 → 16.667; median rank 2 of sorted → 4.167.
        assert_eq!(r.index.mean, Some(16.667));
        assert_eq!((r.index.median, r.index.max), (Some(4.167), Some(37.5)));
        // x = 4.167, 20.833, 37.5; y = 7, 4, 2: dx ≈ −16.667, 0, 16.667; dy = 2.667, −0.333, −2.333.
        // Σdxdy = −44.45 − 38.89 = −83.34; Σdx² = 555.56; Σdy² = 12.667 → r = −83.34 / √7037 ≈ −0.9934.
        assert_eq!(r.ces_correlation.n, 3);
        assert_eq!(r.ces_correlation.pearson_r, Some(-0.9934));
    }

    fn sample() -> Vec<ConversationFacts> {
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

    #[test]
    fn merge_is_order_independent() {
        let facts = sample();
        let build = |order: &[usize], split: usize| {
            let (mut left, mut right) = (CxStats::default(), CxStats::default());
            for (k, &i) in order.iter().enumerate() {
                if k < split {
                    left.add(&facts[i])
                } else {
                    right.add(&facts[i])
                }
            }
            right.merge(left);
            right.canonicalize();
            right
        };
        let forward = build(&[0, 1, 2, 3, 4, 5, 6, 7], 3);
        let backward = build(&[7, 6, 5, 4, 3, 2, 1, 0], 5);
        let mut whole = CxStats::default();
        for f in &facts {
            whole.add(f);
        }
        whole.canonicalize();
        assert_eq!(forward, backward);
        assert_eq!(forward, whole);
        assert_eq!(forward.report(), whole.report());
    }

    #[test]
    fn customer_level_metrics_are_credited_per_segment() {
        let config = Config::default();
        let dims = parse_dimensions("channel").unwrap();
        let run = |order: &[usize]| {
            let facts = sample();
            let mut parts = [Partial::new(dims.clone()), Partial::new(dims.clone())];
            for (k, &i) in order.iter().enumerate() {
                parts[k % 2].add(&facts[i], &config);
            }
            let [mut a, b] = parts;
            a.merge(b).unwrap();
            a.finish(&config).unwrap()
        };
        let r = run(&[0, 1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(r, run(&[5, 3, 7, 0, 2, 6, 1, 4]));
        // SMS: u1 has d and e (repeat user), u3 only h → 2 of 3 requests = 66.67 %.
        assert_eq!(
            r.overall.cx.sms.repeat_user_requests,
            Percent {
                n: 3,
                value: Some(66.67)
            }
        );
        // The alert at 09:00 was answered at 09:30 → 1 of 1, in 1 of 1 alerted conversations.
        assert_eq!(
            r.overall.cx.sms.alerts_acted_on,
            Percent {
                n: 1,
                value: Some(100.0)
            }
        );
        let alerted = r.overall.cx.sms.alerted_conversations_acted_on;
        assert_eq!((alerted.n, alerted.value), (1, Some(100.0)));
        // Community: u2 asked f, then g later → f shows continued use; g is the last → 1 of 2.
        assert_eq!(
            r.overall.cx.community.continued_use,
            Percent {
                n: 2,
                value: Some(50.0)
            }
        );
        let seg = |ch: &str| r.segments.iter().find(|s| s.key[0].1 == ch).unwrap();
        assert_eq!(seg("sms").cx.sms.repeat_user_requests.value, Some(66.67));
        assert_eq!(
            seg("community").cx.community.continued_use.value,
            Some(50.0)
        );
        // Other segments have no SMS conversations: null.
        assert_eq!(seg("chat").cx.sms.repeat_user_requests.value, None);
    }

    proptest::proptest! {
        #[test]
        fn merge_never_depends_on_order_or_split(
            order in proptest::strategy::Strategy::prop_shuffle(proptest::strategy::Just((0..8usize).collect::<Vec<_>>())),
            cuts in proptest::collection::vec(0..=8usize, 0..4),
        ) {
            let facts = sample();
            // Partition the shuffled order at the cut points, fold each part, merge the parts.
            let mut bounds: Vec<usize> = cuts;
            bounds.extend([0, 8]);
            bounds.sort_unstable();
            let mut total = CxStats::default();
            for w in bounds.windows(2) {
                let mut part = CxStats::default();
                for &i in &order[w[0]..w[1]] {
                    part.add(&facts[i]);
                }
                total.merge(part);
            }
            total.canonicalize();
            let mut whole = CxStats::default();
            for f in &facts {
                whole.add(f);
            }
            whole.canonicalize();
            proptest::prop_assert_eq!(total, whole);
        }
    }
}
