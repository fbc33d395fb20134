//! Customer-experience metrics of one segment: mergeable state ([`CxStats`]) and its report
//! view ([`CxReport`]), built only from [`crate::metrics::cx_facts::CxFacts`] and the
//! conversation facts.
//!
//! One file per block of the report: [`all`] (every channel), then one per channel
//! ([`chat`], [`email`], [`sms`], [`social`], [`community`], [`phone`]) that only counts
//! conversations of that channel, [`helpdesk`] (reopen and one-touch, per channel) and
//! [`effort`] (the customer effort index and its correlation with survey CES). Each file holds
//! its state, how a conversation is added, its report view and its tests; [`sentiment`] and
//! [`endorsements`] are parts shared by several blocks. Every value carries its sample size and
//! is `null` when nothing could be measured.
//!
//! Invariants: the state is integers only (counts, milliseconds, micro-units of sentiment,
//! thousandths of rating and effort points) plus [`Distribution`]s, and every state struct
//! is declared with [`crate::mergeable!`], so [`Merge`] is exact, associative and commutative
//! and covers every field. Customer-level parts (SMS repeat users, community continued use)
//! are credited at the end by a [`CustomerCreditTally`] fed each customer's
//! [`crate::metrics::customers::Ledger`] contacts in order, the way FCR is.

pub mod all;
pub mod chat;
pub mod community;
pub mod credits;
pub mod effort;
pub mod email;
pub mod endorsements;
pub mod helpdesk;
pub mod phone;
pub mod sentiment;
pub mod sms;
pub mod social;
#[cfg(test)]
pub(crate) mod test_support;

use serde::{Deserialize, Serialize};

use crate::metrics::ConversationFacts;
use crate::metrics::dist::Distribution;
use crate::model::Channel;

pub use crate::metrics::stats::{Correlation, Mean, Merge, SumCount, ValueSummary};
pub use crate::report::schema::cx::*;
pub use all::AllStats;
pub use chat::ChatStats;
pub use community::CommunityStats;
pub use credits::{CustomerCreditTally, CxCredit, CxCredits};
pub use effort::EffortStats;
pub use email::EmailStats;
pub use endorsements::EndorsementStats;
pub use helpdesk::HelpdeskStats;
pub use phone::PhoneStats;
pub use sentiment::SentimentStats;
pub use sms::SmsStats;
pub use social::SocialStats;

crate::mergeable! {
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
}

/// True when the conversation left a [`crate::metrics::customers::Contact`] in the ledger
/// (the customer-level n).
fn in_ledger(f: &ConversationFacts) -> bool {
    f.customer_id.is_some() && f.opened_at.or(f.first_contact_at).is_some()
}

fn add_all(d: &mut Distribution, values: &[i64]) {
    for &v in values {
        d.add(v);
    }
}

impl CxStats {
    /// Adds one conversation's facts: to `all`, to its channel's block, to `helpdesk` and
    /// `effort`.
    pub fn add(&mut self, f: &ConversationFacts) {
        self.all.add(f);
        match f.channel {
            Channel::Chat => self.chat.add(f),
            Channel::Email => self.email.add(f),
            Channel::Sms => self.sms.add(f),
            Channel::Social => self.social.add(f),
            Channel::Community => self.community.add(f),
            Channel::Phone => self.phone.add(f),
        }
        self.helpdesk.add(f);
        self.effort.add(f);
    }

    /// Credits the customer-level hits settled at the end.
    pub fn credit(&mut self, c: CxCredit) {
        self.sms.repeat_users.hits += c.sms_repeat_users;
        self.community.continued_use.hits += c.community_continued_use;
    }

    /// Canonical form for serialisation.
    pub fn canonicalize(&mut self) {
        self.chat.canonicalize();
        self.email.canonicalize();
        self.social.canonicalize();
        self.community.canonicalize();
        self.phone.canonicalize();
        self.effort.canonicalize();
    }

    /// The report view.
    pub fn report(&self) -> CxReport {
        CxReport {
            all: self.all.report(),
            chat: self.chat.report(),
            email: self.email.report(),
            sms: self.sms.report(),
            social: self.social.report(),
            community: self.community.report(),
            phone: self.phone.report(),
            helpdesk: self.helpdesk.report(),
            effort: self.effort.report(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::Signals;
    use crate::metrics::cx::test_support::*;
    use crate::metrics::stats::Percent;

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
