//! Text detectors: what the customer experienced, mined from the messages.
//!
//! [`Signals`] is the per-conversation result every detector contributes to; metrics and
//! the index read it from [`crate::metrics::ConversationFacts::signals`].

pub mod signals;

pub use signals::{Acknowledgement, Detection, ShiftLabel, Signals};
