//! The `email` block: incident turnaround per severity, the customer's deadline, queue delay
//! and acknowledgement of the solution.

use std::collections::BTreeMap;

use crate::report::schema::cx::EmailReport;

use serde::{Deserialize, Serialize};

use crate::metrics::ConversationFacts;
use crate::metrics::dist::Distribution;
use crate::metrics::stats::Tally;

crate::mergeable! {
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
}

impl EmailStats {
    /// Adds one e-mail conversation.
    pub(super) fn add(&mut self, f: &ConversationFacts) {
        let cx = &f.cx;
        self.conversations += 1;
        if let Some(ms) = f.resolution_ms {
            let severity = f
                .severity
                .as_deref()
                .unwrap_or(crate::metrics::segment::NONE_VALUE);
            match self.turnaround.get_mut(severity) {
                Some(d) => d.add(ms),
                None => {
                    let mut d = Distribution::default();
                    d.add(ms);
                    self.turnaround.insert(severity.to_owned(), d);
                }
            }
        }
        self.deadline.add_opt(cx.due_met);
        if let Some(ms) = cx.due_overrun_ms {
            self.overrun.add(ms);
        }
        if let Some(ms) = cx.queue_delay_ms {
            self.queue_delay.add(ms);
        }
        self.acknowledged.add_opt(cx.acknowledged);
    }

    pub(super) fn canonicalize(&mut self) {
        self.overrun.canonicalize();
        self.queue_delay.canonicalize();
        self.turnaround
            .values_mut()
            .for_each(Distribution::canonicalize);
    }

    pub(super) fn report(&self) -> EmailReport {
        EmailReport {
            conversations: self.conversations,
            turnaround_by_severity: self
                .turnaround
                .iter()
                .map(|(k, d)| (k.clone(), d.summary()))
                .collect(),
            deadline_met: self.deadline.percent(),
            deadline_overrun: self.overrun.summary(),
            queue_delay_longest: self.queue_delay.summary(),
            solution_acknowledged: self.acknowledged.percent(),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::metrics::cx::CxStats;
    use crate::metrics::cx::test_support::*;
    use crate::metrics::stats::Percent;

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
}
