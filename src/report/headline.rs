//! The terminal table fitted to a width: one row per segment (overall first), one column
//! per segment dimension, then the headline metrics as columns, as many as fit.
//!
//! Two tables share the segment rows: the service KPIs and the customer experience. Columns
//! are added in priority order while the line stays within the width; the ones left out are
//! named under the table. Times are medians and no cell carries its sample size: the full
//! report (`--wide`, or the other formats) has those. Invariant: no line is longer than the
//! width in characters, whatever the labels (too long ones are cut with `…`).

use std::io::Write;

use crate::report::cx_rows::human;
use crate::report::table::footer_lines;
use crate::report::{Report, SegmentReport};

type Cell = fn(&SegmentReport) -> String;

/// A headline column: short header, what it means (for the legend), the cell of a segment.
struct Column {
    header: &'static str,
    meaning: &'static str,
    cell: Cell,
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_owned(), |x| format!("{x:.1}%"))
}

fn num(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_owned(), |x| format!("{x:.2}"))
}

fn secs(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_owned(), human)
}

/// Service KPIs, most wanted first.
const KPI_COLUMNS: [Column; 13] = [
    Column {
        header: "convs",
        meaning: "conversations",
        cell: |s| s.kpis.conversations.to_string(),
    },
    Column {
        header: "CSAT",
        meaning: "top-2 box",
        cell: |s| pct(s.kpis.csat.value),
    },
    Column {
        header: "NPS",
        meaning: "net promoter score",
        cell: |s| {
            s.kpis
                .nps
                .value
                .map_or_else(|| "-".into(), |v| format!("{v:+.1}"))
        },
    },
    Column {
        header: "FCR",
        meaning: "first-contact resolution",
        cell: |s| pct(s.kpis.fcr.value),
    },
    Column {
        header: "1st resp",
        meaning: "median first response",
        cell: |s| secs(s.kpis.first_response.median_s),
    },
    Column {
        header: "resolution",
        meaning: "median resolution time",
        cell: |s| secs(s.kpis.resolution.median_s),
    },
    Column {
        header: "SLA 1st",
        meaning: "first-response target met",
        cell: |s| pct(s.kpis.sla.first_response.value),
    },
    Column {
        header: "SLA res",
        meaning: "resolution target met",
        cell: |s| pct(s.kpis.sla.resolution.value),
    },
    Column {
        header: "resolved",
        meaning: "share resolved",
        cell: |s| pct(s.kpis.resolved.value),
    },
    Column {
        header: "CES",
        meaning: "mean effort score, 1-7",
        cell: |s| num(s.kpis.ces.mean),
    },
    Column {
        header: "handle",
        meaning: "median handle time",
        cell: |s| secs(s.kpis.handle_time.median_s),
    },
    Column {
        header: "reopened",
        meaning: "share reopened",
        cell: |s| pct(s.kpis.reopened.value),
    },
    Column {
        header: "transferred",
        meaning: "share transferred",
        cell: |s| pct(s.kpis.transferred.value),
    },
];

/// Customer-experience headlines, most wanted first.
const CX_COLUMNS: [Column; 8] = [
    Column {
        header: "fix ok",
        meaning: "solution acknowledged",
        cell: |s| pct(s.cx.all.solution_acknowledged.value),
    },
    Column {
        header: "fix failed",
        meaning: "solution reported not to work",
        cell: |s| pct(s.cx.all.solution_failed.value),
    },
    Column {
        header: "rephrased",
        meaning: "conversations with a rephrase request",
        cell: |s| pct(s.cx.all.with_rephrase.value),
    },
    Column {
        header: "ids again",
        meaning: "identifiers repeated after a hand-off",
        cell: |s| pct(s.cx.all.repeated_ids_after_handoff.value),
    },
    Column {
        header: "hand-offs",
        meaning: "per conversation",
        cell: |s| num(s.cx.all.handoffs_per_conversation.value),
    },
    Column {
        header: "mood shift",
        meaning: "mean change of sentiment after the solution",
        cell: |s| {
            s.cx.all
                .sentiment
                .mean_shift
                .map_or_else(|| "-".into(), |v| format!("{v:+.2}"))
        },
    },
    Column {
        header: "effort",
        meaning: "mean effort index",
        cell: |s| {
            s.cx.effort
                .index
                .mean
                .map_or_else(|| "-".into(), |v| format!("{v:.1}"))
        },
    },
    Column {
        header: "1-touch",
        meaning: "one-touch resolution",
        cell: |s| pct(s.cx.helpdesk.one_touch.value),
    },
];

fn width_of(s: &str) -> usize {
    s.chars().count()
}

/// `s` cut to `w` characters, the last one `…` when something was cut.
fn cut(s: &str, w: usize) -> String {
    if width_of(s) <= w {
        return s.to_owned();
    }
    if w == 0 {
        return String::new();
    }
    let mut t: String = s.chars().take(w - 1).collect();
    t.push('…');
    t
}

/// Greedy word wrap to `width` characters; continuation lines are indented by two spaces,
/// and a word longer than a line is cut.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if line.is_empty() {
            line.push_str(word);
        } else if width_of(&line) + 1 + width_of(word) <= width {
            line.push(' ');
            line.push_str(word);
        } else {
            lines.push(cut(&line, width));
            line = format!("  {word}");
        }
    }
    if !line.is_empty() {
        lines.push(cut(&line, width));
    }
    lines
}

/// The segment label columns: headers (dimension names) and one row of values per segment.
struct Labels {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    widths: Vec<usize>,
}

impl Labels {
    fn new(report: &Report, segs: &[&SegmentReport], width: usize) -> Labels {
        let mut headers: Vec<String> = report
            .segmented_by
            .iter()
            .map(|d| d.as_str().to_owned())
            .collect();
        if headers.is_empty() {
            headers.push("segment".to_owned());
        }
        let rows: Vec<Vec<String>> = segs
            .iter()
            .map(|s| {
                let mut row: Vec<String> = s.key.iter().map(|(_, v)| v.clone()).collect();
                row.resize(headers.len(), String::new());
                if s.key.is_empty() {
                    row[0] = "all".to_owned();
                }
                row
            })
            .collect();
        let mut widths: Vec<usize> = (0..headers.len())
            .map(|i| {
                rows.iter()
                    .map(|r| width_of(&r[i]))
                    .chain([width_of(&headers[i])])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        // Labels take at most half the line; the widest column gives way first.
        let budget = width / 2;
        while widths.iter().sum::<usize>() + 2 * (widths.len() - 1) > budget {
            let (i, w) = widths
                .iter()
                .enumerate()
                .max_by_key(|&(i, w)| (*w, std::cmp::Reverse(i)))
                .map(|(i, w)| (i, *w))
                .expect("at least one label column");
            if w <= 4 {
                break;
            }
            widths[i] = w - 1;
        }
        Labels {
            headers,
            rows,
            widths,
        }
    }

    fn total(&self) -> usize {
        self.widths.iter().sum::<usize>() + 2 * (self.widths.len() - 1)
    }
}

/// Writes one segments-as-rows table with as many of `columns` as fit in `width`; returns
/// the headers of the columns left out.
fn write_block(
    out: &mut dyn Write,
    title: &str,
    labels: &Labels,
    segs: &[&SegmentReport],
    columns: &[Column],
    width: usize,
) -> std::io::Result<Vec<&'static str>> {
    let mut used = labels.total();
    let mut shown: Vec<(&Column, Vec<String>, usize)> = Vec::new();
    let mut hidden = Vec::new();
    for col in columns {
        let cells: Vec<String> = segs.iter().map(|s| (col.cell)(s)).collect();
        let w = cells
            .iter()
            .map(|c| width_of(c))
            .chain([width_of(col.header)])
            .max()
            .unwrap_or(0);
        if used + 2 + w <= width {
            used += 2 + w;
            shown.push((col, cells, w));
        } else {
            hidden.push(col.header);
        }
    }
    let line = |label: &[String], cells: &mut dyn Iterator<Item = (&str, usize)>| {
        let mut s = String::new();
        for (i, (l, w)) in label.iter().zip(&labels.widths).enumerate() {
            if i > 0 {
                s.push_str("  ");
            }
            s.push_str(&format!("{:<w$}", cut(l, *w)));
        }
        for (c, w) in cells {
            s.push_str(&format!("  {c:>w$}"));
        }
        cut(s.trim_end(), width)
    };
    for l in wrap(title, width) {
        writeln!(out, "{l}")?;
    }
    writeln!(
        out,
        "{}",
        line(
            &labels.headers,
            &mut shown.iter().map(|(c, _, w)| (c.header, *w))
        )
    )?;
    let rule: Vec<String> = labels.widths.iter().map(|w| "-".repeat(*w)).collect();
    let rules: Vec<String> = shown.iter().map(|(_, _, w)| "-".repeat(*w)).collect();
    writeln!(
        out,
        "{}",
        line(&rule, &mut rules.iter().map(|r| (r.as_str(), r.len())))
    )?;
    for (i, row) in labels.rows.iter().enumerate() {
        writeln!(
            out,
            "{}",
            line(row, &mut shown.iter().map(|(_, c, w)| (c[i].as_str(), *w)))
        )?;
    }
    let legend: Vec<String> = shown
        .iter()
        .map(|(c, _, _)| format!("{}: {};", c.header, c.meaning))
        .collect();
    let mut legend = legend.join(" ");
    legend.pop();
    for l in wrap(&legend, width) {
        writeln!(out, "{l}")?;
    }
    Ok(hidden)
}

/// Writes the report as segments-as-rows tables no wider than `width` characters, then the
/// input and customer summary, then how to see everything.
pub(crate) fn render_fitted(
    report: &Report,
    width: usize,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let segs: Vec<&SegmentReport> = std::iter::once(&report.overall)
        .chain(&report.segments)
        .collect();
    let labels = Labels::new(report, &segs, width);
    let mut hidden = write_block(out, "Service KPIs", &labels, &segs, &KPI_COLUMNS, width)?;
    writeln!(out)?;
    hidden.extend(write_block(
        out,
        "Customer experience (from the text)",
        &labels,
        &segs,
        &CX_COLUMNS,
        width,
    )?);
    writeln!(out)?;
    for l in footer_lines(report) {
        for l in wrap(&l, width) {
            writeln!(out, "{l}")?;
        }
    }
    writeln!(out)?;
    let mut more = String::new();
    if !hidden.is_empty() {
        more.push_str(&format!(
            "Left out at {width} columns: {}.",
            hidden.join(", ")
        ));
        more.push(' ');
    }
    more.push_str(
        "Every metric with its sample size, means and p90s: --wide (metrics down, segments \
         across), or --format markdown|csv|json.",
    );
    for l in wrap(&more, width) {
        writeln!(out, "{l}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{cut, wrap};

    #[test]
    fn cut_marks_what_it_drops() {
        assert_eq!(cut("2024-W05", 8), "2024-W05");
        assert_eq!(cut("community", 5), "comm…");
        assert_eq!(cut("abc", 0), "");
    }

    #[test]
    fn wrap_keeps_every_line_within_the_width() {
        let text = "customers: 65 (9 repeat); CLV: 1400.87; cost to serve: -";
        let lines = wrap(text, 20);
        assert_eq!(
            lines,
            [
                "customers: 65 (9",
                "  repeat); CLV:",
                "  1400.87; cost to",
                "  serve: -"
            ]
        );
        assert!(
            wrap("a-very-long-word-indeed", 10)
                .iter()
                .all(|l| l.chars().count() <= 10)
        );
    }
}
