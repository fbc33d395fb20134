//! The `sms` block: requests from repeat users (credited at the end, see
//! [`crate::metrics::cx::credits`]), alerts the customer acted on, acknowledgement.

use crate::report::schema::cx::SmsReport;

use serde::{Deserialize, Serialize};

use crate::metrics::ConversationFacts;
use crate::metrics::cx::in_ledger;
use crate::metrics::stats::Tally;

crate::mergeable! {
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
}

impl SmsStats {
    /// Adds one SMS conversation.
    pub(super) fn add(&mut self, f: &ConversationFacts) {
        let cx = &f.cx;
        self.conversations += 1;
        if in_ledger(f) {
            self.repeat_users.n += 1;
        }
        self.alerts.n += u64::from(cx.alerts);
        self.alerts.hits += u64::from(cx.alerts_acted);
        if cx.alerts > 0 {
            self.alerted.add(cx.alerts_acted > 0);
        }
        self.acknowledged.add_opt(cx.acknowledged);
    }

    pub(super) fn report(&self) -> SmsReport {
        SmsReport {
            conversations: self.conversations,
            repeat_user_requests: self.repeat_users.percent(),
            alerts_acted_on: self.alerts.percent(),
            alerted_conversations_acted_on: self.alerted.percent(),
            solution_acknowledged: self.acknowledged.percent(),
        }
    }
}
