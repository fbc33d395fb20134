//! The `chat` block: every wait of the customer for a reply during a chat.

use crate::report::schema::cx::ChatReport;

use serde::{Deserialize, Serialize};

use crate::metrics::ConversationFacts;
use crate::metrics::cx::add_all;
use crate::metrics::dist::Distribution;

crate::mergeable! {
    /// Chat: customer wait during the chat.
    #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
    pub struct ChatStats {
        /// Chat conversations.
        pub conversations: u64,
        /// Every customer wait.
        pub waits: Distribution,
    }
}

impl ChatStats {
    /// Adds one chat conversation.
    pub(super) fn add(&mut self, f: &ConversationFacts) {
        self.conversations += 1;
        add_all(&mut self.waits, &f.cx.waits_ms);
    }

    pub(super) fn canonicalize(&mut self) {
        self.waits.canonicalize();
    }

    pub(super) fn report(&self) -> ChatReport {
        ChatReport {
            conversations: self.conversations,
            customer_wait: self.waits.summary(),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::detect::Signals;
    use crate::metrics::cx::CxStats;
    use crate::metrics::cx::test_support::*;
    use crate::model::Channel;
    use crate::model::Role;

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
}
