//! The `social` block: acknowledgement, endorsements of the solution post, time to the
//! solution and the originator's sentiment across it.

use crate::report::schema::cx::SocialReport;

use serde::{Deserialize, Serialize};

use crate::metrics::ConversationFacts;
use crate::metrics::cx::endorsements::EndorsementStats;
use crate::metrics::cx::sentiment::SentimentStats;
use crate::metrics::dist::Distribution;
use crate::metrics::stats::Tally;

crate::mergeable! {
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
}

impl SocialStats {
    /// Adds one social-media conversation.
    pub(super) fn add(&mut self, f: &ConversationFacts) {
        let cx = &f.cx;
        self.conversations += 1;
        self.acknowledged.add_opt(cx.acknowledged);
        if cx.solution.is_some() {
            self.endorsements.add(&cx.endorsements);
        }
        if let Some(ms) = cx.time_to_solution_ms {
            self.time_to_solution.add(ms);
        }
        self.sentiment.add(f);
    }

    pub(super) fn canonicalize(&mut self) {
        self.time_to_solution.canonicalize();
    }

    pub(super) fn report(&self) -> SocialReport {
        SocialReport {
            conversations: self.conversations,
            solution_acknowledged: self.acknowledged.percent(),
            endorsements: self.endorsements.report(),
            time_to_solution: self.time_to_solution.summary(),
            sentiment: self.sentiment.report(),
        }
    }
}
