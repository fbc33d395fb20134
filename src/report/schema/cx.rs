//! The customer-experience block of a segment, as reported: one view per block of
//! [`crate::metrics::cx`] (`all`, one per channel, `helpdesk`, `effort`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::report::schema::{Mean, Percent, Summary, ValueSummary};

/// Sentiment shift view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SentimentReport {
    /// Conversations with a measured shift.
    pub n: u64,
    /// Mean of (after − before), on the −2..2 scale of differences.
    pub mean_shift: Option<f64>,
    /// % negative before and positive after.
    pub recovered: Percent,
    /// % neutral or positive before and negative after.
    pub soured: Percent,
}

/// Endorsements of solution posts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndorsementReport {
    /// Solutions counted (n).
    pub solutions: u64,
    /// Likes.
    pub like: u64,
    /// Shares.
    pub share: u64,
    /// Replies.
    pub reply: u64,
    /// Mentions.
    pub mention: u64,
    /// Direct messages.
    pub dm: u64,
    /// Other kinds.
    pub other: u64,
    /// All kinds (points for).
    pub total: u64,
    /// Points against (negative scores), not part of `total`.
    pub against: u64,
    /// Total / solutions.
    pub per_solution: Option<f64>,
}

/// Metrics over every channel, as reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AllReport {
    /// Conversations.
    pub conversations: u64,
    /// Conversations run through the detectors (n of the text-based means).
    pub measured: u64,
    /// Conversations with a located solution post.
    pub solutions_located: u64,
    /// Of those, solution posts the detectors marked (the rest are structural fallbacks).
    pub solutions_detected: u64,
    /// % of solutions the originator acknowledged as successful or used.
    pub solution_acknowledged: Percent,
    /// % of solutions the originator said failed.
    pub solution_failed: Percent,
    /// Customer requests to rephrase, per conversation.
    pub rephrase_customer_per_conversation: Mean,
    /// Agent requests to rephrase, per conversation.
    pub rephrase_agent_per_conversation: Mean,
    /// % of conversations with any rephrase request.
    pub with_rephrase: Percent,
    /// Problem restatements per conversation.
    pub restatements_per_conversation: Mean,
    /// % of conversations with a restatement.
    pub with_restatement: Percent,
    /// Repeated identifying information per conversation.
    pub repeated_ids_per_conversation: Mean,
    /// % of handed-off conversations where the customer repeated identifiers after the hand-off.
    pub repeated_ids_after_handoff: Percent,
    /// Hand-offs per conversation.
    pub handoffs_per_conversation: Mean,
    /// % of conversations with no hand-off.
    pub without_handoff: Percent,
    /// Originator sentiment before vs after the solution.
    pub sentiment: SentimentReport,
}

/// Chat view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatReport {
    /// Chat conversations.
    pub conversations: u64,
    /// Every gap between a customer message and the next agent or bot reply.
    pub customer_wait: Summary,
}

/// E-mail view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmailReport {
    /// E-mail conversations.
    pub conversations: u64,
    /// Incident turnaround (first contact → resolution) per severity label.
    pub turnaround_by_severity: BTreeMap<String, Summary>,
    /// % resolved by the customer's own deadline.
    pub deadline_met: Percent,
    /// How far past the deadline late resolutions came.
    pub deadline_overrun: Summary,
    /// Longest queue delay (queue_enter → first agent action) per conversation.
    pub queue_delay_longest: Summary,
    /// % of solutions the originator acknowledged.
    pub solution_acknowledged: Percent,
}

/// SMS view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SmsReport {
    /// SMS conversations.
    pub conversations: u64,
    /// % of requests from customers with another SMS conversation.
    pub repeat_user_requests: Percent,
    /// % of alerts followed by a customer action within the window.
    pub alerts_acted_on: Percent,
    /// % of conversations with an alert where the customer acted on at least one.
    pub alerted_conversations_acted_on: Percent,
    /// % of solutions acknowledged.
    pub solution_acknowledged: Percent,
}

/// Social-media view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SocialReport {
    /// Social conversations.
    pub conversations: u64,
    /// % of solutions acknowledged.
    pub solution_acknowledged: Percent,
    /// Endorsements at or after the solution post.
    pub endorsements: EndorsementReport,
    /// Originator's post → solution post.
    pub time_to_solution: Summary,
    /// Originator sentiment change across the solution post.
    pub sentiment: SentimentReport,
}

/// Community view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommunityReport {
    /// Community conversations.
    pub conversations: u64,
    /// Questions (conversations with an originator message).
    pub questions: u64,
    /// Mean content rating (n = ratings).
    pub rating: Mean,
    /// Endorsements of answers.
    pub endorsements: EndorsementReport,
    /// % of questions whose originator accepted an answer.
    pub accepted: Percent,
    /// % of community conversations (with a known originator) followed by another one of
    /// the same originator.
    pub continued_use: Percent,
    /// Question → first answer.
    pub time_to_answer: Summary,
    /// Originator visits after the question, per question.
    pub return_visits_per_question: Mean,
    /// % of questions whose originator came back.
    pub with_return_visit: Percent,
}

/// Phone view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhoneReport {
    /// Calls.
    pub calls: u64,
    /// Customer waits for the agent.
    pub customer_wait: Summary,
    /// Cycle time to resolution.
    pub cycle_time: Summary,
    /// % of measured calls where identifiers or the problem were repeated.
    pub with_repetition: Percent,
    /// Repeated identifiers + restatements per measured call.
    pub repetitions_per_call: Mean,
    /// Hand-offs per call.
    pub handoffs_per_call: Mean,
    /// Long silences per call.
    pub long_silences_per_call: Mean,
    /// Σ long-silence time / Σ call duration × 100, over calls lasting more than 0 ms (n).
    pub silence_pct_of_call: Mean,
    /// % of calls whose silences run from the end of an utterance (every message carried
    /// `duration_ms` or `end`); the others are measured start to start, an upper bound.
    pub silence_from_utterance_ends: Percent,
}

/// Reopen and one-touch of one channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HelpdeskChannel {
    /// % of conversations resolved at least once that were reopened.
    pub reopen_rate: Percent,
    /// % of resolved conversations resolved with at most one agent reply and never reopened.
    pub one_touch: Percent,
}

/// Helpdesk habits view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HelpdeskReport {
    /// All channels together.
    pub reopen_rate: Percent,
    /// All channels together.
    pub one_touch: Percent,
    /// Per channel present.
    pub by_channel: BTreeMap<String, HelpdeskChannel>,
}

/// Correlation view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorrelationReport {
    /// Conversations with both an effort index and a survey CES.
    pub n: u64,
    /// Pearson's r between the index and CES; expected negative (CES 7 = very easy).
    pub pearson_r: Option<f64>,
}

/// Effort view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EffortReport {
    /// The index (0–100) over measured conversations.
    pub index: ValueSummary,
    /// Its correlation with survey CES.
    pub ces_correlation: CorrelationReport,
}

/// Every customer-experience metric of a segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CxReport {
    /// Every channel.
    pub all: AllReport,
    /// Chat conversations only.
    pub chat: ChatReport,
    /// E-mail only.
    pub email: EmailReport,
    /// SMS only.
    pub sms: SmsReport,
    /// Social media only.
    pub social: SocialReport,
    /// Communities only.
    pub community: CommunityReport,
    /// Phone only.
    pub phone: PhoneReport,
    /// Reopen and one-touch, per channel.
    pub helpdesk: HelpdeskReport,
    /// Customer effort index.
    pub effort: EffortReport,
}
