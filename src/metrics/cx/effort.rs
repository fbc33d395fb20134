//! The `effort` block: the customer effort index (0–100) and its correlation with the CES
//! the customer gave in a survey.

use crate::report::schema::cx::{CorrelationReport, EffortReport};

use serde::{Deserialize, Serialize};

use crate::metrics::ConversationFacts;
use crate::metrics::dist::Distribution;
use crate::metrics::stats::Correlation;

crate::mergeable! {
    /// Customer effort index.
    #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
    pub struct EffortStats {
        /// Index values, thousandths of a point.
        pub index: Distribution,
        /// (index in thousandths, survey CES) pairs.
        pub ces: Correlation,
    }
}

impl EffortStats {
    /// Adds one conversation with a computed index.
    pub(super) fn add(&mut self, f: &ConversationFacts) {
        if let Some(e) = &f.cx.effort {
            let milli = (e.index * 1000.0).round() as i64;
            self.index.add(milli);
            if let Some(ces) = f.survey.ces {
                self.ces.add(milli, i64::from(ces));
            }
        }
    }

    pub(super) fn canonicalize(&mut self) {
        self.index.canonicalize();
    }

    pub(super) fn report(&self) -> EffortReport {
        EffortReport {
            index: self.index.summary().into(),
            ces_correlation: CorrelationReport {
                n: self.ces.n,
                pearson_r: self.ces.pearson(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::detect::Signals;
    use crate::metrics::cx::CxStats;
    use crate::metrics::cx::test_support::*;
    use crate::model::Channel;

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
}
