//! SVG building blocks of the report's charts: the chart frame, scales, axes and the
//! segment labels. Charts are plain inline SVG written as text; coordinates are rounded
//! to one decimal so the same report always gives the same bytes.

use super::markup::{esc, push, text};

/// Colours of series, in order (the seventh and later series reuse them).
pub const PALETTE: [&str; 6] = [
    "#2f6db5", "#d9822b", "#3a9a5b", "#b8434a", "#7d5ba6", "#8a6d3b",
];

/// The colour of series `i`.
pub fn colour(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// A coordinate with one decimal.
pub fn c(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r == r.trunc() {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

/// Opens a chart: `<svg>` with its viewBox, accessible name and description.
pub fn open(out: &mut String, width: f64, height: f64, name: &str) {
    push(
        out,
        format_args!(
            "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {}\" \
             role=\"img\" aria-label=\"{}\" preserveAspectRatio=\"xMinYMin meet\">",
            c(width),
            c(height),
            esc(name)
        ),
    );
}

/// Closes a chart.
pub fn close(out: &mut String) {
    out.push_str("</svg>");
}

/// A linear scale from a domain onto a pixel range.
#[derive(Debug, Clone, Copy)]
pub struct Linear {
    /// Domain start and end.
    pub domain: (f64, f64),
    /// Pixel start and end.
    pub range: (f64, f64),
}

impl Linear {
    /// The pixel of `v` (clamped into the range).
    pub fn at(&self, v: f64) -> f64 {
        let (d0, d1) = self.domain;
        let (r0, r1) = self.range;
        let t = if d1 > d0 {
            ((v - d0) / (d1 - d0)).clamp(0.0, 1.0)
        } else {
            0.0
        };
        r0 + t * (r1 - r0)
    }
}

/// A logarithmic scale of seconds, between two of [`DURATION_TICKS`].
#[derive(Debug, Clone, Copy)]
pub struct LogSeconds {
    /// Smallest and largest seconds shown.
    pub domain: (f64, f64),
    /// Pixel start and end.
    pub range: (f64, f64),
}

/// Tick marks of duration axes: seconds and their label.
pub const DURATION_TICKS: [(f64, &str); 10] = [
    (1.0, "1s"),
    (10.0, "10s"),
    (60.0, "1m"),
    (600.0, "10m"),
    (3600.0, "1h"),
    (21_600.0, "6h"),
    (86_400.0, "1d"),
    (604_800.0, "1w"),
    (2_592_000.0, "30d"),
    (31_536_000.0, "1y"),
];

impl LogSeconds {
    /// The scale covering `smallest..=largest` seconds, widened to the ticks around them.
    pub fn covering(smallest: f64, largest: f64, range: (f64, f64)) -> LogSeconds {
        let lo = DURATION_TICKS
            .iter()
            .rev()
            .map(|t| t.0)
            .find(|&t| t <= smallest.max(1.0))
            .unwrap_or(1.0);
        let hi = DURATION_TICKS
            .iter()
            .map(|t| t.0)
            .find(|&t| t >= largest && t > lo)
            .unwrap_or(DURATION_TICKS[DURATION_TICKS.len() - 1].0);
        LogSeconds {
            domain: (lo, hi.max(lo * 10.0)),
            range,
        }
    }

    /// The pixel of `secs` (values below the domain sit at its start).
    pub fn at(&self, secs: f64) -> f64 {
        let (lo, hi) = self.domain;
        let t = ((secs.max(lo).ln() - lo.ln()) / (hi.ln() - lo.ln())).clamp(0.0, 1.0);
        self.range.0 + t * (self.range.1 - self.range.0)
    }

    /// The ticks inside the domain.
    pub fn ticks(&self) -> impl Iterator<Item = (f64, &'static str)> + '_ {
        DURATION_TICKS
            .iter()
            .copied()
            .filter(|(s, _)| *s >= self.domain.0 && *s <= self.domain.1)
    }
}

/// A vertical grid line with its label above the plot (`class="tick"`).
pub fn x_tick(out: &mut String, x: f64, top: f64, bottom: f64, label: &str) {
    push(
        out,
        format_args!(
            "<line class=\"grid\" x1=\"{x}\" y1=\"{t}\" x2=\"{x}\" y2=\"{b}\"/>\
             <text class=\"tick\" x=\"{x}\" y=\"{ly}\" text-anchor=\"middle\">{}</text>",
            esc(label),
            x = c(x),
            t = c(top),
            b = c(bottom),
            ly = c(top - 6.0)
        ),
    );
}

/// A horizontal grid line with its label left of the plot (`class="tick"`).
pub fn y_tick(out: &mut String, y: f64, left: f64, right: f64, label: &str) {
    push(
        out,
        format_args!(
            "<line class=\"grid\" x1=\"{l}\" y1=\"{y}\" x2=\"{r}\" y2=\"{y}\"/>\
             <text class=\"tick\" x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\">{}</text>",
            esc(label),
            l = c(left),
            r = c(right),
            y = c(y),
            lx = c(left - 4.0),
            ty = c(y + 4.0)
        ),
    );
}

/// A row label right-aligned at `x` (a verbatim segment name).
pub fn row_label(out: &mut String, x: f64, y: f64, label: &str) {
    push(
        out,
        format_args!(
            "<g transform=\"translate({},{})\" class=\"label\">{}</g>",
            c(x),
            c(y),
            text_anchor_end(label)
        ),
    );
}

fn text_anchor_end(label: &str) -> String {
    text("text", label).replacen("<text ", "<text text-anchor=\"end\" ", 1)
}

/// The label of a row cut to `max` characters (with `…`), so long segment names keep
/// their chart readable; the whole name stays in the tables.
pub fn short(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_owned()
    } else {
        let mut s: String = label.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_scale_widens_to_ticks() {
        // 4 s .. 280 800 s (3.25 days): 1 s .. 1 week.
        let s = LogSeconds::covering(4.0, 280_800.0, (0.0, 100.0));
        assert_eq!(s.domain, (1.0, 604_800.0));
        assert_eq!(s.at(1.0), 0.0);
        assert_eq!(s.at(604_800.0), 100.0);
        assert_eq!(s.at(0.0), 0.0);
        let labels: Vec<&str> = s.ticks().map(|t| t.1).collect();
        assert_eq!(labels, ["1s", "10s", "1m", "10m", "1h", "6h", "1d", "1w"]);
    }

    #[test]
    fn one_value_still_spans_a_decade() {
        let s = LogSeconds::covering(600.0, 600.0, (0.0, 10.0));
        assert_eq!(s.domain, (600.0, 6000.0));
    }

    #[test]
    fn coordinates_are_rounded() {
        assert_eq!(c(12.345), "12.3");
        assert_eq!(c(12.0), "12");
        assert_eq!(
            Linear {
                domain: (0.0, 0.0),
                range: (5.0, 9.0)
            }
            .at(3.0),
            5.0
        );
    }

    #[test]
    fn long_labels_are_cut() {
        assert_eq!(short("channel=chat", 20), "channel=chat");
        assert_eq!(short("äöüäöü", 4), "äöü…");
    }
}
