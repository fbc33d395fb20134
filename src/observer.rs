//! [`Observer`]: a hook that sees every analysed conversation with its facts (and, when it
//! asks, its detections), from the worker that analysed it.
//!
//! It sits below the pipeline that calls it, so what implements it (the search index, a
//! test's recorder) depends on the conversation model and the facts, never on the
//! orchestrator.

use crate::detect::Detection;
use crate::metrics::ConversationFacts;
use crate::model::Conversation;

/// Something that wants to see every analysed conversation (a facts writer, an index).
pub trait Observer: Sync {
    /// True when [`Observer::observe`] wants each conversation's detections; they then
    /// come from the same detector pass as the signals.
    fn wants_detections(&self) -> bool {
        false
    }

    /// Called once per conversation, from worker threads. `detections` is empty unless
    /// [`Observer::wants_detections`] said yes and detectors ran.
    fn observe(
        &self,
        conversation: &Conversation<'_>,
        facts: &ConversationFacts,
        detections: &[Detection],
    );
}
