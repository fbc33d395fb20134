//! The report's charts, each drawn from report values only: every mark carries the JSON
//! pointer and value it draws (see [`super::markup`]).
//!
//! - [`durations`]: first-response or resolution time per row on a log scale. The report
//!   keeps the median, p90, maximum and mean of each distribution (not its quartiles), so
//!   the box runs from the median to the p90, the whisker on to the maximum, and a diamond
//!   marks the mean.
//! - [`sentiment_shift`]: recovered / other / soured shares of the measured conversations.
//! - [`handoffs`]: hand-offs per conversation and identifiers repeated after a hand-off.
//! - [`effort_vs_ces`]: mean effort index against mean survey CES, one point per row,
//!   with the per-conversation Pearson r of the report.
//! - [`trend`]: one small chart per rate over the periods of a `month` or `week` segment.

use super::Row;
use super::markup::{Unit, esc, fig_in, json_number, mark_attrs, push, text};
use super::svg::{self, Linear, LogSeconds, c, colour};
use crate::report::SegmentReport;
use crate::report::schema::Summary;

/// Width of every row chart.
const WIDTH: f64 = 760.0;
/// Left edge of the plot (row labels sit left of it).
const PLOT_LEFT: f64 = 170.0;
/// Height of a row.
const ROW_H: f64 = 24.0;
/// Space above the first row (tick labels).
const TOP: f64 = 28.0;
/// Longest row label drawn in charts.
const LABEL_CHARS: usize = 24;

fn height_for(rows: usize) -> f64 {
    TOP + ROW_H * rows.max(1) as f64 + 8.0
}

fn row_mid(i: usize) -> f64 {
    TOP + ROW_H * i as f64 + ROW_H / 2.0
}

/// `<title>` of a mark.
fn title(s: &str) -> String {
    format!("<title>{}</title>", esc(s))
}

/// A text figure at (x, y) in an SVG.
fn value_text(x: f64, y: f64, anchor: &str, pointer: &str, v: Option<f64>, unit: Unit) -> String {
    fig_in("text", "v", pointer, v, unit).replacen(
        "<text ",
        &format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\" ",
            c(x),
            c(y + 4.0)
        ),
        1,
    )
}

/// `n=` and the sample size, right-aligned at the chart's edge.
fn n_text(y: f64, pointer: &str, n: u64) -> String {
    format!(
        "<text class=\"n\" x=\"{}\" y=\"{}\" text-anchor=\"end\">n=<tspan class=\"v\" data-p=\"{}\" data-v=\"{n}\">{}</tspan></text>",
        c(WIDTH - 4.0),
        c(y + 4.0),
        esc(pointer),
        super::markup::grouped(n)
    )
}

/// A duration chart of the summary at `field` (`first_response`, `resolution`) of each row.
pub fn durations(out: &mut String, rows: &[Row<'_>], field: &str, name: &str) {
    fn summary_of<'s>(s: &'s SegmentReport, field: &str) -> &'s Summary {
        match field {
            "resolution" => &s.kpis.resolution,
            _ => &s.kpis.first_response,
        }
    }
    let pick = |s| summary_of(s, field);
    let medians = rows.iter().filter_map(|r| pick(r.seg).median_s);
    let smallest = medians.fold(f64::INFINITY, f64::min);
    let largest = rows
        .iter()
        .filter_map(|r| pick(r.seg).max_s)
        .fold(0.0, f64::max);
    let right = WIDTH - 120.0;
    let scale = LogSeconds::covering(
        if smallest.is_finite() { smallest } else { 1.0 },
        largest,
        (PLOT_LEFT, right),
    );
    let height = height_for(rows.len());
    svg::open(out, WIDTH, height, name);
    for (secs, label) in scale.ticks() {
        svg::x_tick(out, scale.at(secs), TOP, height - 8.0, label);
    }
    for (i, row) in rows.iter().enumerate() {
        let y = row_mid(i);
        let s = pick(row.seg);
        let p = format!("{}/kpis/{field}", row.ptr);
        svg::row_label(
            out,
            PLOT_LEFT - 8.0,
            y + 4.0,
            &svg::short(&row.label, LABEL_CHARS),
        );
        match (s.median_s, s.p90_s, s.max_s, s.mean_s) {
            (Some(med), Some(p90), Some(max), Some(mean)) => {
                let (xm, x9, xx, xa) =
                    (scale.at(med), scale.at(p90), scale.at(max), scale.at(mean));
                let who = &row.label;
                push(
                    out,
                    format_args!(
                        "<line class=\"whisker\" x1=\"{}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\"{}>{}</line>\
                         <rect class=\"box\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"12\"{}>{}</rect>\
                         <line class=\"median\" x1=\"{xm}\" y1=\"{}\" x2=\"{xm}\" y2=\"{}\"{}>{}</line>\
                         <path class=\"mean\" d=\"M{xa} {} l4 4 l-4 4 l-4 -4 z\"{}>{}</path>",
                        c(x9),
                        c(xx),
                        mark_attrs(&format!("{p}/max_s"), max),
                        title(&format!("{who}: max {}", super::markup::human_secs(max))),
                        c(xm),
                        c(y - 6.0),
                        c((x9 - xm).max(1.0)),
                        mark_attrs(&format!("{p}/p90_s"), p90),
                        title(&format!("{who}: p90 {}", super::markup::human_secs(p90))),
                        c(y - 8.0),
                        c(y + 8.0),
                        mark_attrs(&format!("{p}/median_s"), med),
                        title(&format!("{who}: median {}", super::markup::human_secs(med))),
                        c(y - 4.0),
                        mark_attrs(&format!("{p}/mean_s"), mean),
                        title(&format!("{who}: mean {}", super::markup::human_secs(mean))),
                        y = c(y),
                        xm = c(xm),
                        xa = c(xa),
                    ),
                );
                out.push_str(&value_text(
                    right + 6.0,
                    y,
                    "start",
                    &format!("{p}/median_s"),
                    Some(med),
                    Unit::Duration,
                ));
            }
            _ => out.push_str(&value_text(
                PLOT_LEFT + 4.0,
                y,
                "start",
                &format!("{p}/median_s"),
                s.median_s,
                Unit::Duration,
            )),
        }
        out.push_str(&n_text(y, &format!("{p}/n"), s.n));
    }
    svg::close(out);
}

/// The sentiment-shift chart: per row, a bar of the measured conversations split into
/// recovered (left), soured (right) and the rest (improved, steady or worsened).
pub fn sentiment_shift(out: &mut String, rows: &[Row<'_>], name: &str) {
    let bar = Linear {
        domain: (0.0, 100.0),
        range: (PLOT_LEFT, PLOT_LEFT + 330.0),
    };
    let height = height_for(rows.len());
    svg::open(out, WIDTH, height, name);
    for (label, x) in [("recovered", 572.0), ("soured", 650.0)] {
        push(
            out,
            format_args!(
                "<text class=\"head\" x=\"{}\" y=\"16\" text-anchor=\"end\">{label}</text>",
                c(x)
            ),
        );
    }
    for (i, row) in rows.iter().enumerate() {
        let y = row_mid(i);
        let s = &row.seg.cx.all.sentiment;
        let p = format!("{}/cx/all/sentiment", row.ptr);
        svg::row_label(
            out,
            PLOT_LEFT - 8.0,
            y + 4.0,
            &svg::short(&row.label, LABEL_CHARS),
        );
        if let (Some(rec), Some(sour)) = (s.recovered.value, s.soured.value) {
            let (x0, x1) = (bar.range.0, bar.range.1);
            let xr = bar.at(rec);
            let xs = bar.at(100.0 - sour);
            push(
                out,
                format_args!(
                    "<rect class=\"rest\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"14\"><title>{}</title></rect>\
                     <rect class=\"good\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"14\"{}>{}</rect>\
                     <rect class=\"bad\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"14\"{}>{}</rect>",
                    c(x0),
                    c(y - 7.0),
                    c(x1 - x0),
                    "the rest: improved, steady or worsened",
                    c(x0),
                    c(y - 7.0),
                    c(xr - x0),
                    mark_attrs(&format!("{p}/recovered/value"), rec),
                    title(&format!("{}: recovered {rec}%", row.label)),
                    c(xs),
                    c(y - 7.0),
                    c(x1 - xs),
                    mark_attrs(&format!("{p}/soured/value"), sour),
                    title(&format!("{}: soured {sour}%", row.label)),
                ),
            );
        }
        out.push_str(&value_text(
            572.0,
            y,
            "end",
            &format!("{p}/recovered/value"),
            s.recovered.value,
            Unit::Percent,
        ));
        out.push_str(&value_text(
            650.0,
            y,
            "end",
            &format!("{p}/soured/value"),
            s.soured.value,
            Unit::Percent,
        ));
        out.push_str(&n_text(y, &format!("{p}/n"), s.n));
    }
    svg::close(out);
}

fn ceil_nice(v: f64) -> f64 {
    if v <= 0.0 {
        return 1.0;
    }
    let mag = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|&t| t >= v)
        .unwrap_or(10.0 * mag)
}

/// Hand-offs per conversation (left panel) and identifiers repeated after a hand-off
/// (right panel, % of conversations with a hand-off).
pub fn handoffs(out: &mut String, rows: &[Row<'_>], name: &str) {
    let most = rows
        .iter()
        .filter_map(|r| r.seg.cx.all.handoffs_per_conversation.value)
        .fold(0.0, f64::max);
    let left = Linear {
        domain: (0.0, ceil_nice(most)),
        range: (PLOT_LEFT, PLOT_LEFT + 200.0),
    };
    let right = Linear {
        domain: (0.0, 100.0),
        range: (PLOT_LEFT + 290.0, PLOT_LEFT + 490.0),
    };
    let height = height_for(rows.len());
    svg::open(out, WIDTH, height, name);
    push(
        out,
        format_args!(
            "<text class=\"head\" x=\"{}\" y=\"12\">hand-offs per conversation</text>\
             <text class=\"head\" x=\"{}\" y=\"12\">identifiers given again after a hand-off</text>",
            c(PLOT_LEFT),
            c(right.range.0)
        ),
    );
    for (i, row) in rows.iter().enumerate() {
        let y = row_mid(i);
        let a = &row.seg.cx.all;
        let p = format!("{}/cx/all", row.ptr);
        svg::row_label(
            out,
            PLOT_LEFT - 8.0,
            y + 4.0,
            &svg::short(&row.label, LABEL_CHARS),
        );
        bar_with_value(
            out,
            &left,
            y,
            &format!("{p}/handoffs_per_conversation/value"),
            a.handoffs_per_conversation.value,
            Unit::Plain,
            &row.label,
        );
        bar_with_value(
            out,
            &right,
            y,
            &format!("{p}/repeated_ids_after_handoff/value"),
            a.repeated_ids_after_handoff.value,
            Unit::Percent,
            &row.label,
        );
        out.push_str(&n_text(
            y,
            &format!("{p}/repeated_ids_after_handoff/n"),
            a.repeated_ids_after_handoff.n,
        ));
    }
    svg::close(out);
}

fn bar_with_value(
    out: &mut String,
    scale: &Linear,
    y: f64,
    pointer: &str,
    v: Option<f64>,
    unit: Unit,
    who: &str,
) {
    let x0 = scale.range.0;
    if let Some(v) = v {
        let x1 = scale.at(v);
        push(
            out,
            format_args!(
                "<rect class=\"bar\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"12\"{}>{}</rect>",
                c(x0),
                c(y - 6.0),
                c((x1 - x0).max(0.5)),
                mark_attrs(pointer, v),
                title(&format!("{who}: {}", super::markup::shown(v, unit)))
            ),
        );
        out.push_str(&value_text(x1 + 4.0, y, "start", pointer, Some(v), unit));
    } else {
        out.push_str(&value_text(x0, y, "start", pointer, None, unit));
    }
}

/// The effort-vs-CES scatter: one point per row with both means. `r_pointer` and `r`
/// are the report's per-conversation correlation (overall).
pub fn effort_vs_ces(out: &mut String, rows: &[Row<'_>], name: &str) -> usize {
    let (w, h) = (WIDTH, 360.0);
    let (l, r, t, b) = (56.0, w - 20.0, 16.0, h - 40.0);
    let points: Vec<(&Row<'_>, f64, f64)> = rows
        .iter()
        .filter_map(|row| {
            let x = row.seg.cx.effort.index.mean?;
            let y = row.seg.kpis.ces.mean?;
            Some((row, x, y))
        })
        .collect();
    let most = points.iter().map(|p| p.1).fold(0.0, f64::max);
    let xs = Linear {
        domain: (0.0, (most / 10.0).ceil().max(1.0) * 10.0),
        range: (l, r),
    };
    let ys = Linear {
        domain: (1.0, 7.0),
        range: (b, t),
    };
    svg::open(out, w, h, name);
    for ces in 1..=7 {
        svg::y_tick(out, ys.at(f64::from(ces)), l, r, &ces.to_string());
    }
    let steps = 5;
    for k in 0..=steps {
        let v = xs.domain.1 * f64::from(k) / f64::from(steps);
        push(
            out,
            format_args!(
                "<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                c(xs.at(v)),
                c(b + 16.0),
                json_number(v).trim_end_matches(".0")
            ),
        );
    }
    push(
        out,
        format_args!(
            "<text class=\"head\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">mean effort index (higher: more effort)</text>\
             <text class=\"head\" transform=\"translate(14,{}) rotate(-90)\" text-anchor=\"middle\">mean survey CES (higher: easier)</text>",
            c((l + r) / 2.0),
            c(h - 6.0),
            c((t + b) / 2.0)
        ),
    );
    let mut groups: Vec<&str> = Vec::new();
    for (row, x, y) in &points {
        let (px, py) = (xs.at(*x), ys.at(*y));
        let kind = if row.ptr == "/overall" {
            "pt all"
        } else {
            "pt"
        };
        // Points of the same first dimension value (a channel, say) share a colour.
        let group = row.seg.key.first().map_or("", |(_, v)| v.as_str());
        let i = groups.iter().position(|g| *g == group).unwrap_or_else(|| {
            groups.push(group);
            groups.len() - 1
        });
        push(
            out,
            format_args!(
                "<circle class=\"{kind}\" cx=\"{}\" cy=\"{}\" r=\"5\" fill=\"{}\"{} data-py=\"{}/kpis/ces/mean\" data-vy=\"{}\">{}</circle>",
                c(px),
                c(py),
                colour(i),
                mark_attrs(&format!("{}/cx/effort/index/mean", row.ptr), *x),
                esc(&row.ptr),
                json_number(*y),
                title(&format!("{}: effort {x}, CES {y}", row.label))
            ),
        );
        push(
            out,
            format_args!(
                "<g transform=\"translate({},{})\" class=\"plabel\">{}</g>",
                c(px + 7.0),
                c(py - 6.0),
                text("text", &svg::short(&row.label, LABEL_CHARS))
            ),
        );
    }
    svg::close(out);
    points.len()
}

/// One rate of the trend: its name and where it sits in a segment.
pub struct Rate {
    /// Shown name.
    pub name: &'static str,
    /// JSON pointer below the segment.
    pub path: &'static str,
    /// The value.
    pub get: fn(&SegmentReport) -> Option<f64>,
}

/// Rates drawn over time.
pub const TREND_RATES: [Rate; 8] = [
    Rate {
        name: "CSAT",
        path: "/kpis/csat",
        get: |s| s.kpis.csat.value,
    },
    Rate {
        name: "FCR",
        path: "/kpis/fcr",
        get: |s| s.kpis.fcr.value,
    },
    Rate {
        name: "first response within SLA",
        path: "/kpis/sla/first_response",
        get: |s| s.kpis.sla.first_response.value,
    },
    Rate {
        name: "resolution within SLA",
        path: "/kpis/sla/resolution",
        get: |s| s.kpis.sla.resolution.value,
    },
    Rate {
        name: "solution acknowledged",
        path: "/cx/all/solution_acknowledged",
        get: |s| s.cx.all.solution_acknowledged.value,
    },
    Rate {
        name: "solution failed",
        path: "/cx/all/solution_failed",
        get: |s| s.cx.all.solution_failed.value,
    },
    Rate {
        name: "asked to rephrase",
        path: "/cx/all/with_rephrase",
        get: |s| s.cx.all.with_rephrase.value,
    },
    Rate {
        name: "identifiers again after a hand-off",
        path: "/cx/all/repeated_ids_after_handoff",
        get: |s| s.cx.all.repeated_ids_after_handoff.value,
    },
];

/// A series of the trend: a group name and its points by period index.
pub struct Series<'a> {
    /// Group name (the other dimensions' values, or `all`).
    pub name: String,
    /// (period index, row) pairs.
    pub points: Vec<(usize, &'a Row<'a>)>,
}

/// One small trend chart: `rate` over `periods` for every series (0–100 %).
pub fn trend(out: &mut String, periods: &[String], series: &[Series<'_>], rate: &Rate) {
    let (w, h) = (360.0, 210.0);
    let (l, r, t, b) = (34.0, w - 10.0, 14.0, h - 30.0);
    let xs = Linear {
        domain: (0.0, periods.len().saturating_sub(1).max(1) as f64),
        range: (l + 8.0, r - 8.0),
    };
    let ys = Linear {
        domain: (0.0, 100.0),
        range: (b, t),
    };
    svg::open(out, w, h, rate.name);
    for v in [0, 50, 100] {
        svg::y_tick(out, ys.at(f64::from(v)), l, r, &format!("{v}%"));
    }
    let every = periods.len().div_ceil(6).max(1);
    for (i, p) in periods.iter().enumerate() {
        if i % every == 0 || i + 1 == periods.len() {
            let anchor = match i {
                0 => "start",
                _ if i + 1 == periods.len() => "end",
                _ => "middle",
            };
            push(
                out,
                format_args!(
                    "<g transform=\"translate({},{})\" class=\"tick\">{}</g>",
                    c(xs.at(i as f64)),
                    c(b + 16.0),
                    text("text", p).replacen(
                        "<text ",
                        &format!("<text text-anchor=\"{anchor}\" "),
                        1
                    )
                ),
            );
        }
    }
    for (k, s) in series.iter().enumerate() {
        let colour = colour(k);
        let values: Vec<(usize, &Row<'_>, Option<f64>)> = s
            .points
            .iter()
            .map(|(i, row)| (*i, *row, (rate.get)(row.seg)))
            .collect();
        for run in values.split(|v| v.2.is_none()) {
            if run.len() > 1 {
                let d: Vec<String> = run
                    .iter()
                    .map(|(i, _, v)| {
                        format!("{},{}", c(xs.at(*i as f64)), c(ys.at(v.unwrap_or(0.0))))
                    })
                    .collect();
                push(
                    out,
                    format_args!(
                        "<polyline class=\"line\" stroke=\"{colour}\" points=\"{}\"/>",
                        d.join(" ")
                    ),
                );
            }
        }
        for (i, row, v) in &values {
            if let Some(v) = v {
                push(
                    out,
                    format_args!(
                        "<circle class=\"dot\" cx=\"{}\" cy=\"{}\" r=\"3\" fill=\"{colour}\"{}>{}</circle>",
                        c(xs.at(*i as f64)),
                        c(ys.at(*v)),
                        mark_attrs(&format!("{}{}/value", row.ptr, rate.path), *v),
                        title(&format!("{}, {}: {v}%", s.name, periods[*i]))
                    ),
                );
            }
        }
    }
    svg::close(out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_ceilings() {
        assert_eq!(ceil_nice(0.0), 1.0);
        assert_eq!(ceil_nice(0.28), 0.5);
        assert_eq!(ceil_nice(0.75), 1.0);
        assert_eq!(ceil_nice(1.2), 2.0);
        assert_eq!(ceil_nice(37.0), 50.0);
    }
}
