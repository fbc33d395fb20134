//! The `all` block: solution acknowledgement, rephrase requests, restatements, repeated
//! identifiers, hand-offs and sentiment over every channel.

use crate::report::schema::cx::AllReport;

use serde::{Deserialize, Serialize};

use crate::metrics::ConversationFacts;
use crate::metrics::cx::sentiment::SentimentStats;
use crate::metrics::stats::{Mean, Tally, round2};

crate::mergeable! {
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
}

impl AllStats {
    pub(super) fn add(&mut self, f: &ConversationFacts) {
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

    pub(super) fn report(&self) -> AllReport {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::{Acknowledgement, Signals};
    use crate::metrics::cx::CxStats;
    use crate::metrics::cx::test_support::*;
    use crate::metrics::stats::Percent;
    use crate::model::Channel;

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
}
