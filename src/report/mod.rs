//! The [`Report`]: what an analysis tells the user, and its renderings.
//!
//! The JSON shape (version [`REPORT_VERSION`]) is documented in the README and stable:
//! fields are only ever added. Every number carries its sample size, and an undefined
//! metric is `null`, never 0. Renderers: [`render_json`], [`render_csv`],
//! [`render_markdown`], [`render_table`] (the terminal default, fitted to a width or wide),
//! [`render_html`] (a self-contained page with charts).

mod csv_out;
mod cx_rows;
mod headline;
mod html;
mod table;

use std::collections::BTreeMap;
use std::io::Write;

use serde::{Serialize, Serializer};

use crate::error::{Diagnostics, Problem};
use crate::metrics::customers::CustomerReport;
use crate::metrics::cx::CxReport;
use crate::metrics::kpi::KpiReport;
use crate::metrics::{Dimension, InputStats};

pub use csv_out::render_csv;
pub use html::{HtmlOptions, render_html};
pub use table::{DEFAULT_WIDTH, TableLayout, render_markdown, render_table};

/// Version of the report's JSON shape.
pub const REPORT_VERSION: u32 = 1;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned plain-text table, in a layout.
    Table(TableLayout),
    /// Pretty JSON.
    Json,
    /// One CSV row per segment.
    Csv,
    /// GitHub-flavoured Markdown tables.
    Markdown,
    /// A self-contained HTML page with charts.
    Html,
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
    pub worth_a_look: crate::metrics::notable::Notable,
}

/// Writes the report as pretty JSON followed by a newline.
pub fn render_json(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    out.write_all(b"\n")
}

/// Writes the report in `format`.
pub fn render(report: &Report, format: Format, out: &mut dyn Write) -> std::io::Result<()> {
    match format {
        Format::Table(layout) => render_table(report, layout, out),
        Format::Json => render_json(report, out),
        Format::Csv => render_csv(report, out),
        Format::Markdown => render_markdown(report, out),
        Format::Html => render_html(report, &HtmlOptions::default(), out),
    }
}

/// Formats an optional number, `-` for null.
pub(crate) fn opt(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_owned(), |x| format!("{x}"))
}
