//! Human-readable renderings: the terminal table and Markdown tables.
//!
//! The terminal table comes in two layouts ([`TableLayout`]): fitted to a width (segments
//! down, headline metrics across, in `headline.rs`) or wide (every metric down, one column
//! per segment, overall first; as wide as the segments make it). Markdown has the wide
//! layout.

use std::io::Write;

use crate::report::cx_rows::{cx_rows, duration};
use crate::report::headline::render_fitted;
use crate::report::{Report, SegmentReport, opt};

fn pct_n(v: Option<f64>, n: u64) -> String {
    match v {
        Some(x) => format!("{x:.1}% (n={n})"),
        None => "-".to_owned(),
    }
}

/// (metric name, cell per segment) rows.
fn rows(segs: &[&SegmentReport]) -> Vec<(String, Vec<String>)> {
    type Cell = fn(&SegmentReport) -> String;
    let metrics: [(&str, Cell); 13] = [
        ("conversations", |s| s.kpis.conversations.to_string()),
        ("CSAT (top-2 box)", |s| {
            pct_n(s.kpis.csat.value, s.kpis.csat.n)
        }),
        ("NPS", |s| match s.kpis.nps.value {
            Some(v) => format!("{v:+.1} (n={})", s.kpis.nps.n),
            None => "-".into(),
        }),
        ("CES mean (1-7)", |s| match s.kpis.ces.mean {
            Some(v) => format!("{v:.2} (n={})", s.kpis.ces.n),
            None => "-".into(),
        }),
        ("FCR", |s| pct_n(s.kpis.fcr.value, s.kpis.fcr.n)),
        ("first response mean/med/p90/max", |s| {
            duration(&s.kpis.first_response)
        }),
        ("resolution mean/med/p90/max", |s| {
            duration(&s.kpis.resolution)
        }),
        ("handle time mean/med/p90/max", |s| {
            duration(&s.kpis.handle_time)
        }),
        ("SLA first response met", |s| {
            pct_n(s.kpis.sla.first_response.value, s.kpis.sla.first_response.n)
        }),
        ("SLA resolution met", |s| {
            pct_n(s.kpis.sla.resolution.value, s.kpis.sla.resolution.n)
        }),
        ("resolved", |s| {
            pct_n(s.kpis.resolved.value, s.kpis.resolved.n)
        }),
        ("reopened", |s| {
            pct_n(s.kpis.reopened.value, s.kpis.reopened.n)
        }),
        ("transferred", |s| {
            pct_n(s.kpis.transferred.value, s.kpis.transferred.n)
        }),
    ];
    metrics
        .iter()
        .map(|(name, cell)| (name.to_string(), segs.iter().map(|s| cell(s)).collect()))
        .collect()
}

fn all_segments(report: &Report) -> Vec<&SegmentReport> {
    std::iter::once(&report.overall)
        .chain(&report.segments)
        .collect()
}

pub(crate) fn footer_lines(report: &Report) -> Vec<String> {
    let mut lines = vec![format!(
        "input: {} files, {} bytes, {} records, {} conversations, {} events; skipped: {}",
        report.input.files,
        report.input.bytes,
        report.input.records,
        report.input.conversations,
        report.input.events,
        report.skipped.total
    )];
    if report.input.formats.keys().any(|f| f != "jsonl") {
        let readers: Vec<String> = report
            .input
            .formats
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        lines.push(format!("readers (files): {}", readers.join(", ")));
    }
    if !report.skipped.by_reason.is_empty() {
        let reasons: Vec<String> = report
            .skipped
            .by_reason
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        lines.push(format!("skipped by reason: {}", reasons.join(", ")));
    }
    let c = &report.customers;
    lines.push(format!(
        "customers: {} ({} repeat); CLV: {}; cost to serve: {}",
        c.customers,
        c.repeat_customers,
        opt(c.clv.value),
        opt(c.cost_to_serve)
    ));
    if c.duplicate_conversations > 0 {
        lines.push(format!(
            "duplicate conversations: {} (a conversation id given again for the same \
             customer; left out of customer-level metrics)",
            c.duplicate_conversations
        ));
    }
    let retention: Vec<String> = c
        .retention
        .iter()
        .map(|p| {
            format!(
                "{} {}",
                p.period,
                p.rate
                    .map_or_else(|| "-".to_owned(), |r| format!("{r:.1}%"))
            )
        })
        .collect();
    if !retention.is_empty() {
        lines.push(format!("retention: {}", retention.join(", ")));
    }
    lines
}

/// Default width of the fitted terminal table, when nothing tells the terminal's.
pub const DEFAULT_WIDTH: usize = 100;

/// How the terminal table is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableLayout {
    /// One row per segment and the headline metrics as columns, as many as fit in `width`
    /// characters; no line is longer.
    Fit {
        /// Line length limit, in characters.
        width: usize,
    },
    /// Every metric (rows) for every segment (columns), with sample sizes, however wide.
    Wide,
}

impl Default for TableLayout {
    fn default() -> Self {
        TableLayout::Fit {
            width: DEFAULT_WIDTH,
        }
    }
}

/// Writes the plain-text table in `layout`.
pub fn render_table(
    report: &Report,
    layout: TableLayout,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match layout {
        TableLayout::Fit { width } => render_fitted(report, width, out),
        TableLayout::Wide => render_wide(report, out),
    }
}

/// Writes an aligned plain-text table (metrics down, segments across).
fn render_wide(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let segs = all_segments(report);
    let kpi_rows = rows(&segs);
    let cx_rows = cx_rows(&segs);
    let rows: Vec<&(String, Vec<String>)> = kpi_rows.iter().chain(&cx_rows).collect();
    let headers: Vec<String> = segs.iter().map(|s| s.label()).collect();
    let name_w = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
    let col_w: Vec<usize> = (0..segs.len())
        .map(|i| {
            rows.iter()
                .map(|r| r.1[i].chars().count())
                .chain([headers[i].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |name: &str, cells: &[String]| {
        let mut s = format!("{name:<name_w$}");
        for (c, w) in cells.iter().zip(&col_w) {
            s.push_str("  ");
            s.push_str(&format!("{c:>w$}"));
        }
        s.trim_end().to_owned()
    };
    writeln!(out, "{}", line("", &headers))?;
    for (name, cells) in &kpi_rows {
        writeln!(out, "{}", line(name, cells))?;
    }
    writeln!(out)?;
    writeln!(out, "{}", line("customer experience", &headers))?;
    for (name, cells) in &cx_rows {
        writeln!(out, "{}", line(name, cells))?;
    }
    writeln!(out)?;
    for l in footer_lines(report) {
        writeln!(out, "{l}")?;
    }
    Ok(())
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|")
}

/// Writes Markdown: a KPI table (metrics down, segments across) and a summary list.
pub fn render_markdown(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let segs = all_segments(report);
    writeln!(out, "# cxmine report\n")?;
    let headers: Vec<String> = segs.iter().map(|s| md_escape(&s.label())).collect();
    writeln!(out, "| metric | {} |", headers.join(" | "))?;
    writeln!(out, "|---|{}", "---:|".repeat(segs.len()))?;
    for (name, cells) in rows(&segs) {
        let cells: Vec<String> = cells.iter().map(|c| md_escape(c)).collect();
        writeln!(out, "| {name} | {} |", cells.join(" | "))?;
    }
    writeln!(out, "\n## Customer experience\n")?;
    writeln!(out, "| metric | {} |", headers.join(" | "))?;
    writeln!(out, "|---|{}", "---:|".repeat(segs.len()))?;
    for (name, cells) in cx_rows(&segs) {
        let cells: Vec<String> = cells.iter().map(|c| md_escape(c)).collect();
        writeln!(out, "| {} | {} |", md_escape(&name), cells.join(" | "))?;
    }
    writeln!(out)?;
    for l in footer_lines(report) {
        writeln!(out, "- {}", md_escape(&l))?;
    }
    Ok(())
}
