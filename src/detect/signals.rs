//! [`Signals`]: the per-conversation counts and flags the text detectors produce.
//!
//! This is the contract between detection and everything after it (metrics, facts file,
//! search index): detectors fill it, nothing downstream re-reads the text to decide them.
//! A conversation that was not run through the detectors keeps the defaults (all zero,
//! all `None`), which the metrics treat as "not measured".

use serde::{Deserialize, Serialize};

/// The originator's verdict on the solution offered, strongest evidence first.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Acknowledgement {
    /// No acknowledgement seen (or no solution was posted).
    #[default]
    None,
    /// Plain gratitude only ("thanks"): a weak positive signal.
    Thanks,
    /// The customer said the solution did not work.
    Failure,
    /// The customer said it worked, or used/accepted it.
    Success,
}

/// How the originator's sentiment moved from before to after the solution.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ShiftLabel {
    /// Not measurable (no solution, or no customer message on one side of it).
    #[default]
    Unknown,
    /// Negative before, positive after.
    Recovered,
    /// Neutral or positive before, negative after.
    Soured,
    /// Rose without crossing into a different class.
    Improved,
    /// Fell without crossing into negative.
    Worsened,
    /// No material change.
    Steady,
}

/// Everything the detectors found in one conversation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Signals {
    /// Final acknowledgement outcome (the last explicit verdict wins over thanks).
    pub acknowledgement: Acknowledgement,
    /// Explicit success statements by the originator.
    pub ack_success: u32,
    /// Explicit failure statements by the originator.
    pub ack_failure: u32,
    /// Gratitude-only messages by the originator.
    pub ack_thanks: u32,
    /// The originator accepted an answer or reported using the suggested solution.
    pub solution_used: bool,
    /// Index (into events) of the first solution post by a responder, when one was found.
    pub solution_event: Option<u32>,
    /// Customer asks the agent to rephrase or explain.
    pub rephrase_customer: u32,
    /// Agent asks the customer to rephrase or clarify.
    pub rephrase_agent: u32,
    /// Customer messages restating an earlier customer message.
    pub restatements: u32,
    /// Identifier values the customer gave again, before the first hand-off.
    pub repeated_ids_before_handoff: u32,
    /// Identifier values the customer gave again, after a hand-off.
    pub repeated_ids_after_handoff: u32,
    /// Agent requests to re-verify identity or identifiers.
    pub reverify_requests: u32,
    /// Hand-offs: transfer events, agent changes, bot → human, hand-off phrases.
    pub handoffs: u32,
    /// Index (into events) of the first hand-off.
    pub first_handoff_event: Option<u32>,
    /// Sentiment of the originator's first message, in [−1, 1].
    pub sentiment_first: Option<f64>,
    /// Sentiment of the originator's last message.
    pub sentiment_last: Option<f64>,
    /// Mean originator sentiment before the first solution post.
    pub sentiment_before: Option<f64>,
    /// Mean originator sentiment after the first solution post.
    pub sentiment_after: Option<f64>,
    /// `sentiment_after − sentiment_before`.
    pub sentiment_shift: Option<f64>,
    /// Class of the shift.
    pub shift: ShiftLabel,
    /// Where `shift` is `unknown` (no solution, or no customer message on one side of it):
    /// the move from the customer's first to their last message, a weaker reading kept
    /// apart from `shift`; `unknown` with fewer than two scored customer messages.
    #[serde(default)]
    pub shift_first_last: ShiftLabel,
    /// Sentiment fell across consecutive customer messages (three or more, strictly falling, ending negative).
    pub escalating_anger: bool,
}

/// One detector hit, for `explain`, evaluation and search highlighting.
///
/// The hot path (analysis) only needs [`Signals`]; detections with their spans are
/// produced on demand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detection {
    /// Index of the event (message) in the conversation's events.
    pub event: usize,
    /// Byte offset where the hit starts in the event's text.
    pub start: usize,
    /// Byte offset where the hit ends (exclusive).
    pub end: usize,
    /// Detector name: `acknowledgement`, `rephrase`, `restatement`, `identifier`, `handoff`, `sentiment`.
    pub detector: String,
    /// What was found, e.g. `success`, `failure`, `thanks`, `customer`, `agent`, `account_number`.
    pub label: String,
    /// Id of the rule that fired.
    pub rule: String,
    /// Where the rule is defined, `file:line`.
    pub source: String,
}
