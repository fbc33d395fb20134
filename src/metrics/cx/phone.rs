//! The `phone` block: customer waits, cycle time, repetition, hand-offs and long silences of
//! calls.

use serde::{Deserialize, Serialize};

use crate::metrics::ConversationFacts;
use crate::metrics::cx::add_all;
use crate::metrics::dist::Distribution;
use crate::metrics::stats::{Mean, Tally, per, round2};
use crate::report::schema::cx::PhoneReport;

crate::mergeable! {
    /// Phone transcripts.
    #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
    pub struct PhoneStats {
        /// Calls.
        pub calls: u64,
        /// Every customer wait.
        pub waits: Distribution,
        /// Resolution times.
        pub cycle: Distribution,
        /// Measured calls with repeated identifiers or problem restatements.
        pub repetition: Tally,
        /// Σ repeated identifiers + restatements over measured calls.
        pub repetitions: u64,
        /// Σ hand-offs (n = calls).
        pub handoffs: u64,
        /// Σ long silences (n = calls).
        pub long_silences: u64,
        /// Calls with a positive duration.
        pub timed_calls: u64,
        /// Σ silence, ms, over calls with a positive duration.
        pub silence_ms: i64,
        /// Σ call duration, ms, over the same calls.
        pub call_ms: i64,
        /// Calls whose silences were measured from utterance ends (hits) out of all calls.
        #[serde(default)]
        pub silence_from_ends: Tally,
    }
}

impl PhoneStats {
    /// Adds one call.
    pub(super) fn add(&mut self, f: &ConversationFacts) {
        let cx = &f.cx;
        self.calls += 1;
        add_all(&mut self.waits, &cx.waits_ms);
        if let Some(ms) = f.resolution_ms {
            self.cycle.add(ms);
        }
        if cx.measured {
            let sig = &f.signals;
            let n =
                sig.repeated_ids_before_handoff + sig.repeated_ids_after_handoff + sig.restatements;
            self.repetition.add(n > 0);
            self.repetitions += u64::from(n);
        }
        self.handoffs += u64::from(cx.handoffs);
        self.long_silences += u64::from(cx.long_silences);
        self.silence_from_ends.add(cx.silence_from_ends);
        if let Some(span) = cx.span_ms.filter(|&d| d > 0) {
            self.timed_calls += 1;
            self.silence_ms += cx.silence_ms;
            self.call_ms += span;
        }
    }

    pub(super) fn canonicalize(&mut self) {
        self.waits.canonicalize();
        self.cycle.canonicalize();
    }

    pub(super) fn report(&self) -> PhoneReport {
        PhoneReport {
            calls: self.calls,
            customer_wait: self.waits.summary(),
            cycle_time: self.cycle.summary(),
            with_repetition: self.repetition.percent(),
            repetitions_per_call: per(self.repetitions, self.repetition.n),
            handoffs_per_call: per(self.handoffs, self.calls),
            long_silences_per_call: per(self.long_silences, self.calls),
            silence_pct_of_call: Mean {
                n: self.timed_calls,
                value: (self.call_ms > 0)
                    .then(|| round2(self.silence_ms as f64 * 100.0 / self.call_ms as f64)),
            },
            silence_from_utterance_ends: self.silence_from_ends.percent(),
        }
    }
}
