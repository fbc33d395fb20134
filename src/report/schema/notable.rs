//! The report view of the conversations worth a look: three short lists of conversation
//! ids with their channel and score, best first (built by [`crate::metrics::notable`]).

use serde::Serialize;

use crate::model::Channel;

/// One conversation in a list.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct NotableEntry {
    /// Conversation id.
    pub id: String,
    /// Its channel.
    pub channel: Channel,
    /// What the list is ordered by (see the list's field documentation).
    pub score: f64,
}

/// Conversations worth a look, over all conversations.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct WorthALook {
    /// Longest list kept.
    pub limit: usize,
    /// Highest effort index first; score = the index (0–100, three decimals).
    pub most_effort: Vec<NotableEntry>,
    /// Solution reported not to work; score = the customer's failure statements.
    pub failed_solution: Vec<NotableEntry>,
    /// Identifiers given again after a hand-off; score = how many times.
    pub repeated_ids_after_handoff: Vec<NotableEntry>,
}
