//! Metrics: per-conversation [`ConversationFacts`], then mergeable aggregates.
//!
//! Works like a search engine's collectors: every worker folds facts into its own
//! [`Partial`], partials merge (associative and commutative: the result never depends on
//! chunk, file or thread order), and [`Partial::finish`] settles the customer-level part
//! and produces the [`crate::report::Report`]. All sums are integers (milliseconds,
//! counts, cents) so merging is exact; a partial can be written to disk and merged later
//! (`cxmine merge`) with the same result as one run over all the input.

pub mod customers;
pub mod cx;
pub mod cx_facts;
pub mod dist;
pub mod facts;
pub mod kpi;
pub mod notable;
mod partial_file;
pub mod segment;
pub mod settle;
pub mod stats;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::error::{Diagnostics, Error};
use crate::report::schema::{Report, SegmentReport, SkippedReport};

pub use crate::report::schema::InputStats;
pub use customers::Ledger;
pub use facts::{ConversationFacts, conversation_facts};
pub use kpi::KpiStats;
pub use segment::{Dimension, SegmentKey};
pub use stats::Merge;

crate::mergeable! {
    /// Everything measured for one segment.
    #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
    pub struct SegmentStats {
        /// Standard KPIs.
        pub kpi: KpiStats,
        /// Customer-experience metrics.
        #[serde(default)]
        pub cx: cx::CxStats,
    }
}

impl SegmentStats {
    /// Adds one conversation.
    pub fn add(&mut self, f: &ConversationFacts) {
        self.kpi.add(f);
        self.cx.add(f);
    }

    fn canonicalize(&mut self) {
        self.kpi.canonicalize();
        self.cx.canonicalize();
    }
}

impl Merge for InputStats {
    fn merge(&mut self, other: InputStats) {
        // Destructured whole, so a field added to the tally must be merged here to compile.
        let InputStats {
            files,
            bytes,
            records,
            conversations,
            events,
            formats,
        } = other;
        self.files += files;
        self.bytes += bytes;
        self.records += records;
        self.conversations += conversations;
        self.events += events;
        Merge::merge(&mut self.formats, formats);
    }
}

/// Format version of serialised partials.
pub const PARTIAL_VERSION: u32 = 1;

/// Mergeable state of an analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Partial {
    /// Format version ([`PARTIAL_VERSION`]).
    pub cxmine_partial: u32,
    /// Segmentation dimensions.
    pub dims: Vec<Dimension>,
    /// Input tally.
    pub input: InputStats,
    /// Input problems.
    pub diagnostics: Diagnostics,
    /// All conversations.
    pub overall: SegmentStats,
    /// Per segment, as (key, stats) pairs in key order.
    #[serde(with = "segment_list")]
    pub segments: BTreeMap<SegmentKey, SegmentStats>,
    /// Customer-level entries.
    pub ledger: Ledger,
    /// Conversations worth a look.
    #[serde(default)]
    pub notable: notable::Notable,
}

impl Partial {
    /// An empty partial segmented by `dims`.
    pub fn new(dims: Vec<Dimension>) -> Partial {
        Partial {
            cxmine_partial: PARTIAL_VERSION,
            dims,
            input: InputStats::default(),
            diagnostics: Diagnostics::default(),
            overall: SegmentStats::default(),
            segments: BTreeMap::new(),
            ledger: Ledger::default(),
            notable: notable::Notable::default(),
        }
    }

    /// Folds one conversation's facts in.
    pub fn add(&mut self, f: &ConversationFacts, config: &Config) {
        self.notable.consider(f);
        self.input.conversations += 1;
        self.input.events += u64::from(f.events);
        self.overall.add(f);
        let keys = segment::segment_keys(&self.dims, f);
        for key in &keys {
            match self.segments.get_mut(key) {
                Some(s) => s.add(f),
                None => {
                    let mut s = SegmentStats::default();
                    s.add(f);
                    self.segments.insert(key.clone(), s);
                }
            }
        }
        let Some(customer) = f.customer_id.as_deref().map(customers::key_of) else {
            return;
        };
        if let Some(opened) = f.opened_at.or(f.first_contact_at) {
            let window = config.fcr_window_ms();
            let fcr_until = f
                .resolved_at
                .filter(|_| f.resolved_first_contact)
                .map(|r| crate::time::Timestamp(r.0.saturating_add(window)));
            self.ledger.add_contact(
                customers::Contact {
                    customer,
                    opened,
                    id: customers::key_of(&f.id),
                    channel: Some(f.channel),
                    fcr_until,
                    segment_set: 0,
                },
                Some(keys.as_slice()),
            );
        }
        if f.purchases > 0 {
            let at = f.first_contact_at.or(f.opened_at).unwrap_or_default();
            self.ledger
                .purchases
                .extend((0..f.purchases).map(|i| customers::Purchase {
                    customer,
                    at,
                    // The whole amount sits on the first entry so the total stays exact.
                    cents: if i == 0 { f.purchase_cents } else { 0 },
                }));
        }
    }

    /// Merges `other` into `self`. Both must use the same dimensions.
    pub fn merge(&mut self, other: Partial) -> Result<(), Error> {
        if self.dims != other.dims {
            return Err(Error::Usage(format!(
                "cannot merge partials segmented by {:?} and {:?}",
                self.dims, other.dims
            )));
        }
        self.input.merge(other.input);
        self.diagnostics.merge(other.diagnostics);
        self.overall.merge(other.overall);
        for (k, v) in other.segments {
            match self.segments.get_mut(&k) {
                Some(s) => s.merge(v),
                None => {
                    self.segments.insert(k, v);
                }
            }
        }
        self.ledger.merge(other.ledger);
        self.notable.merge(other.notable);
        Ok(())
    }

    /// Puts the state in canonical form (so equal states serialise to equal bytes).
    pub fn canonicalize(&mut self) {
        self.overall.canonicalize();
        for s in self.segments.values_mut() {
            s.canonicalize();
        }
        self.ledger.canonicalize();
    }

    /// Settles customer-level metrics and builds the report (fails only when spilled
    /// ledger entries cannot be read back from their temporary files).
    pub fn finish(self, config: &Config) -> Result<Report, Error> {
        let Partial {
            dims,
            input,
            diagnostics,
            mut overall,
            mut segments,
            ledger,
            notable,
            ..
        } = self;
        let customers::Settled {
            fcr: credits,
            cx: cx_credits,
            report: customers,
        } = ledger.settle(
            config.clv.lifespan_years,
            config.cost.total,
            input.conversations,
        )?;
        overall.cx.credit(cx_credits.overall);
        for (k, c) in cx_credits.segments {
            if let Some(s) = segments.get_mut(&k) {
                s.cx.credit(c);
            }
        }
        overall.kpi.fcr.hits += credits.overall;
        for (k, n) in credits.segments {
            if let Some(s) = segments.get_mut(&k) {
                s.kpi.fcr.hits += n;
            }
        }
        let segment_report = |key: Vec<(Dimension, String)>, s: &SegmentStats| SegmentReport {
            key,
            kpis: s.kpi.report(),
            cx: s.cx.report(),
        };
        Ok(Report {
            cxmine_report: crate::report::schema::REPORT_VERSION,
            segmented_by: dims.clone(),
            input,
            skipped: SkippedReport::from(&diagnostics),
            unknown_fields: diagnostics.unknown_fields.clone(),
            reordered_conversations: diagnostics.reordered_conversations,
            overall: segment_report(Vec::new(), &overall),
            segments: segments
                .iter()
                .map(|(k, s)| {
                    segment_report(dims.iter().copied().zip(k.iter().cloned()).collect(), s)
                })
                .collect(),
            customers,
            worth_a_look: notable.report(),
        })
    }
}

mod segment_list {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(
        map: &BTreeMap<SegmentKey, SegmentStats>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(map.iter())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<SegmentKey, SegmentStats>, D::Error> {
        let pairs: Vec<(SegmentKey, SegmentStats)> = Vec::deserialize(d)?;
        Ok(pairs.into_iter().collect())
    }
}
