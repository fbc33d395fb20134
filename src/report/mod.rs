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
pub mod schema;
mod table;

use std::io::Write;

pub use csv_out::render_csv;
pub use html::{HtmlOptions, render_html};
pub use schema::{REPORT_VERSION, Report, SegmentReport, SkippedReport};
pub use table::{DEFAULT_WIDTH, TableLayout, render_markdown, render_table};

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
