//! Endorsements (likes, shares, replies, mentions, direct messages) of solution posts, used
//! by the social-media and community blocks.

use crate::report::schema::cx::EndorsementReport;

use serde::{Deserialize, Serialize};

use crate::metrics::cx_facts::Endorsements;
use crate::metrics::stats::round2;

crate::mergeable! {
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
}

impl EndorsementStats {
    pub(super) fn add(&mut self, e: &Endorsements) {
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

    pub(super) fn report(&self) -> EndorsementReport {
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
