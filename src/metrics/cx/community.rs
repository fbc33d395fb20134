//! The `community` block: questions, content ratings, endorsements of answers, accepted
//! answers, time to the first answer, return visits, and continued use (credited at the end,
//! see [`crate::metrics::cx::credits`]).

use crate::report::schema::cx::CommunityReport;

use serde::{Deserialize, Serialize};

use crate::metrics::ConversationFacts;
use crate::metrics::cx::endorsements::EndorsementStats;
use crate::metrics::cx::in_ledger;
use crate::metrics::dist::Distribution;
use crate::metrics::stats::{SumCount, Tally};

crate::mergeable! {
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
}

impl CommunityStats {
    /// Adds one community conversation.
    pub(super) fn add(&mut self, f: &ConversationFacts) {
        let cx = &f.cx;
        self.conversations += 1;
        self.rating.n += u64::from(cx.ratings);
        self.rating.sum += cx.rating_milli_sum;
        if cx.solution.is_some() {
            self.endorsements.add(&cx.endorsements);
        }
        // Every community contact in the ledger can be credited, so every one is in n.
        if in_ledger(f) {
            self.continued_use.n += 1;
        }
        if f.messages.customer == 0 {
            return;
        }
        self.questions += 1;
        let sig = &f.signals;
        let accepted = cx.accept_event
            || (cx.measured
                && (sig.solution_used
                    || sig.acknowledgement == crate::detect::Acknowledgement::Success));
        self.accepted.add(accepted);
        if let Some(ms) = f.first_response_ms {
            self.time_to_answer.add(ms);
        }
        self.return_visits.add(i64::from(cx.return_visits));
        self.with_return_visit += u64::from(cx.return_visits > 0);
    }

    pub(super) fn canonicalize(&mut self) {
        self.time_to_answer.canonicalize();
    }

    pub(super) fn report(&self) -> CommunityReport {
        CommunityReport {
            conversations: self.conversations,
            questions: self.questions,
            rating: self.rating.mean(1000.0, 2),
            endorsements: self.endorsements.report(),
            accepted: self.accepted.percent(),
            continued_use: self.continued_use.percent(),
            time_to_answer: self.time_to_answer.summary(),
            return_visits_per_question: self.return_visits.mean(1.0, 2),
            with_return_visit: Tally {
                n: self.questions,
                hits: self.with_return_visit,
            }
            .percent(),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::detect::Signals;
    use crate::metrics::cx::CxStats;
    use crate::metrics::cx::test_support::*;
    use crate::metrics::stats::Mean;
    use crate::metrics::stats::Percent;
    use crate::model::Channel;
    use crate::model::{EventKind, Role};

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
}
