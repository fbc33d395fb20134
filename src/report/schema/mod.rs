//! The report contract: every type a finished analysis is made of, and its JSON shape.
//!
//! `metrics` builds these types, the renderers in [`crate::report`] only read them, and
//! nothing here depends on either, so the contract has no cycle. The JSON shape (version
//! [`REPORT_VERSION`]) is documented in the README and stable: fields are only ever added.
//! Every number carries its sample size, and an undefined metric is `null`, never 0.
//!
//! Files: this one holds the whole [`Report`], its segments, the input tally and the value
//! shapes every metric uses ([`Percent`], [`Mean`], [`Summary`], [`ValueSummary`]);
//! [`kpi`], [`cx`] and [`customers`] hold the three blocks of a segment and of the customers.

pub mod customers;
pub mod cx;
pub mod kpi;
pub mod notable;

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize, Serializer};

use crate::error::{Diagnostics, Error, Problem};

pub use customers::{Clv, CustomerReport, RetentionPeriod};
pub use cx::CxReport;
pub use kpi::KpiReport;
pub use notable::{NotableEntry, WorthALook};

/// Version of the report's JSON shape.
pub const REPORT_VERSION: u32 = 1;

/// The analysis report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Shape version.
    pub cxmine_report: u32,
    /// Segmentation dimensions.
    pub segmented_by: Vec<Dimension>,
    /// Input tally.
    pub input: InputStats,
    /// Skipped records.
    pub skipped: SkippedReport,
    /// Unknown fields (ignored), by name.
    pub unknown_fields: BTreeMap<String, u64>,
    /// Conversations whose events were out of order (sorted by time).
    pub reordered_conversations: u64,
    /// All conversations.
    pub overall: SegmentReport,
    /// Each segment, in key order.
    pub segments: Vec<SegmentReport>,
    /// Customer-level metrics.
    pub customers: CustomerReport,
    /// Conversations worth a look (overall, a few per reason).
    pub worth_a_look: WorthALook,
}

/// One segment's metrics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentReport {
    /// Dimension → value, in `--by` order (empty for the overall row).
    #[serde(serialize_with = "key_as_object")]
    pub key: Vec<(Dimension, String)>,
    /// Standard KPIs.
    pub kpis: KpiReport,
    /// Customer-experience metrics.
    pub cx: CxReport,
}

fn key_as_object<S: Serializer>(key: &[(Dimension, String)], s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(key.iter().map(|(d, v)| (d.as_str(), v)))
}

impl SegmentReport {
    /// `channel=chat, month=2024-01`, or `all` for the overall row.
    pub fn label(&self) -> String {
        if self.key.is_empty() {
            return "all".to_owned();
        }
        self.key
            .iter()
            .map(|(d, v)| format!("{d}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Skipped input records.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SkippedReport {
    /// All skipped records.
    pub total: u64,
    /// By reason.
    pub by_reason: BTreeMap<String, u64>,
    /// The first problems in (file, line) order.
    pub examples: Vec<Problem>,
}

impl From<&Diagnostics> for SkippedReport {
    fn from(d: &Diagnostics) -> Self {
        SkippedReport {
            total: d.skipped_total(),
            by_reason: d
                .skipped
                .iter()
                .map(|(k, v)| (k.as_str().to_owned(), *v))
                .collect(),
            examples: d.examples.clone(),
        }
    }
}

/// Size of the input read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputStats {
    /// Files read.
    pub files: u64,
    /// Bytes read (after decompression).
    pub bytes: u64,
    /// Lines (records) read, including skipped ones.
    pub records: u64,
    /// Conversations analysed.
    pub conversations: u64,
    /// Events in those conversations.
    pub events: u64,
    /// Files read, by the reader chosen for them (`jsonl`, `social_csv`, `mbox`, …).
    #[serde(default)]
    pub formats: std::collections::BTreeMap<String, u64>,
}

/// One segmentation dimension.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// Contact channel.
    Channel,
    /// Month of opening, `YYYY-MM` (UTC).
    Month,
    /// ISO week of opening, `YYYY-Www` (UTC).
    Week,
    /// The last human agent who wrote.
    Agent,
    /// Owning team.
    Team,
    /// Severity label.
    Severity,
    /// Each tag.
    Tag,
}

impl Dimension {
    /// The name used on the command line and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Channel => "channel",
            Dimension::Month => "month",
            Dimension::Week => "week",
            Dimension::Agent => "agent",
            Dimension::Team => "team",
            Dimension::Severity => "severity",
            Dimension::Tag => "tag",
        }
    }
}

impl fmt::Display for Dimension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Dimension {
    type Err = Error;
    fn from_str(s: &str) -> Result<Dimension, Error> {
        Ok(match s.trim() {
            "channel" => Dimension::Channel,
            "month" => Dimension::Month,
            "week" => Dimension::Week,
            "agent" => Dimension::Agent,
            "team" => Dimension::Team,
            "severity" => Dimension::Severity,
            "tag" => Dimension::Tag,
            other => {
                return Err(Error::Usage(format!(
                    "unknown --by dimension {other:?} (expected channel, month, week, agent, team, severity, tag)"
                )));
            }
        })
    }
}

/// What a report shows of a distribution (seconds).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Summary {
    /// Number of values.
    pub n: u64,
    /// Arithmetic mean, seconds.
    pub mean_s: Option<f64>,
    /// Nearest-rank median, seconds.
    pub median_s: Option<f64>,
    /// Nearest-rank 90th percentile, seconds.
    pub p90_s: Option<f64>,
    /// Largest value, seconds.
    pub max_s: Option<f64>,
    /// True when the percentiles come from the sketch (±1 %), false when exact.
    pub approximate: bool,
}

/// A percentage with its sample size.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Percent {
    /// Sample size.
    pub n: u64,
    /// Percentage (two decimals), `null` when n = 0.
    pub value: Option<f64>,
}

/// A mean with its sample size, `null` when n = 0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Mean {
    /// Sample size.
    pub n: u64,
    /// Mean value.
    pub value: Option<f64>,
}

/// A distribution of plain values (not durations), stored in thousandths.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueSummary {
    /// Number of values.
    pub n: u64,
    /// Mean.
    pub mean: Option<f64>,
    /// Nearest-rank median.
    pub median: Option<f64>,
    /// Nearest-rank 90th percentile.
    pub p90: Option<f64>,
    /// Largest value.
    pub max: Option<f64>,
}

impl From<Summary> for ValueSummary {
    /// Values stored in thousandths come out of a [`Summary`] in units.
    fn from(s: Summary) -> Self {
        ValueSummary {
            n: s.n,
            mean: s.mean_s,
            median: s.median_s,
            p90: s.p90_s,
            max: s.max_s,
        }
    }
}
