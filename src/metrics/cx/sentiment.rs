//! Originator sentiment before vs after the solution post: counted over every channel and
//! again for social media. Shifts are stored in micro-units so the sums merge exactly.

use crate::report::schema::cx::SentimentReport;

use serde::{Deserialize, Serialize};

use crate::detect::ShiftLabel;
use crate::metrics::ConversationFacts;
use crate::metrics::stats::{SumCount, Tally};

/// Micro-units per unit of sentiment.
const MICRO: f64 = 1_000_000.0;

crate::mergeable! {
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

    pub(super) fn report(&self) -> SentimentReport {
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
