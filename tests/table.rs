//! Black-box tests of the terminal table: at a given width no line is longer, and every
//! segment's headline figures are there, equal to the JSON report of the same input.

mod util;

use std::process::{Command, Stdio};

use serde_json::Value;
use util::cxmine;

/// Seconds the way the table shows them (`45s`, `12.5m`, `3.2h`, `2.1d`): the same
/// thresholds as the report, so a median of 720 s is `12.0m`.
fn human(secs: f64) -> String {
    if secs < 60.0 {
        format!("{secs:.0}s")
    } else if secs < 3600.0 {
        format!("{:.1}m", secs / 60.0)
    } else if secs < 86_400.0 {
        format!("{:.1}h", secs / 3600.0)
    } else {
        format!("{:.1}d", secs / 86_400.0)
    }
}

fn pct(v: &Value) -> String {
    v.as_f64()
        .map_or_else(|| "-".to_owned(), |x| format!("{x:.1}%"))
}

/// The headline cells a segment must show, by column header, from its JSON.
fn expected_kpis(seg: &Value) -> Vec<(&'static str, String)> {
    let k = &seg["kpis"];
    let median = |v: &Value| v["median_s"].as_f64().map_or_else(|| "-".to_owned(), human);
    vec![
        ("convs", k["conversations"].to_string()),
        ("CSAT", pct(&k["csat"]["value"])),
        (
            "NPS",
            k["nps"]["value"]
                .as_f64()
                .map_or_else(|| "-".to_owned(), |v| format!("{v:+.1}")),
        ),
        ("FCR", pct(&k["fcr"]["value"])),
        ("1st resp", median(&k["first_response"])),
        ("resolution", median(&k["resolution"])),
    ]
}

fn expected_cx(seg: &Value) -> Vec<(&'static str, String)> {
    let a = &seg["cx"]["all"];
    vec![
        ("fix ok", pct(&a["solution_acknowledged"]["value"])),
        ("fix failed", pct(&a["solution_failed"]["value"])),
    ]
}

/// One table of the output: its header line and its rows (up to the legend).
struct Block<'a> {
    header: &'a str,
    rows: Vec<&'a str>,
}

/// The table that follows the line `title`: header, rule, then one line per segment.
fn block<'a>(text: &'a str, title: &str, segments: usize) -> Block<'a> {
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| *l == title)
        .unwrap_or_else(|| panic!("no {title:?} in\n{text}"));
    assert!(lines[at + 2].starts_with("---"), "{text}");
    Block {
        header: lines[at + 1],
        rows: lines[at + 3..at + 3 + segments].to_vec(),
    }
}

impl Block<'_> {
    /// The row whose leading label cells are `labels`.
    fn row(&self, labels: &[&str]) -> &str {
        self.rows
            .iter()
            .find(|r| {
                r.split_whitespace()
                    .take(labels.len())
                    .eq(labels.iter().copied())
            })
            .unwrap_or_else(|| panic!("no row {labels:?} in\n{}", self.rows.join("\n")))
    }

    /// The cell of `row` under the right-aligned column `name`; None when the column is
    /// not shown.
    fn cell(&self, row: &str, name: &str) -> Option<String> {
        let start = self.header.match_indices(name).find_map(|(i, _)| {
            let before = self.header[..i].chars().last();
            let after = self.header[i + name.len()..].chars().next();
            (before.is_none_or(|c| c == ' ') && after.is_none_or(|c| c == ' ')).then_some(i)
        })?;
        let end = self.header[..start + name.len()].chars().count();
        let head: String = row.chars().take(end).collect();
        head.split_whitespace().last().map(str::to_owned)
    }
}

/// The labels of a segment's row: its dimension values, `all` for the overall row.
fn labels(seg: &Value, dims: &[&str]) -> Vec<String> {
    if seg["key"].as_object().is_none_or(|k| k.is_empty()) {
        return vec!["all".to_owned()];
    }
    dims.iter()
        .map(|d| seg["key"][*d].as_str().expect("dimension value").to_owned())
        .collect()
}

fn assert_within(text: &str, width: usize) {
    for line in text.lines() {
        assert!(
            line.chars().count() <= width,
            "{} characters at width {width}: {line:?}",
            line.chars().count()
        );
    }
}

/// At widths 80 and 120, `samples/ --by channel` and `--by channel,month` stay within the
/// width and show each segment's headline KPIs and customer-experience figures as the JSON
/// report has them.
#[test]
fn headline_figures_of_every_segment_fit_80_and_120_columns() {
    for by in ["channel", "channel,month"] {
        let dims: Vec<&str> = by.split(',').collect();
        let json = cxmine(&["analyze", "samples/", "--by", by, "--format", "json", "-q"]).json();
        let segs: Vec<&Value> = std::iter::once(&json["overall"])
            .chain(json["segments"].as_array().expect("segments"))
            .collect();
        // 1 + 6 channels; 1 + 6 channels × 3 months (every channel has conversations in
        // January, February and March 2024).
        assert_eq!(segs.len(), if by == "channel" { 7 } else { 19 });
        for width in ["80", "120"] {
            let run = cxmine(&["analyze", "samples/", "--by", by, "--width", width, "-q"]);
            assert_eq!(run.code, 0, "{}", run.stderr);
            let text = &run.stdout;
            assert_within(text, width.parse().unwrap());
            let kpis = block(text, "Service KPIs", segs.len());
            let cx = block(text, "Customer experience (from the text)", segs.len());
            for seg in &segs {
                let labels = labels(seg, &dims);
                let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
                for (table, expected) in [(&kpis, expected_kpis(seg)), (&cx, expected_cx(seg))] {
                    let row = table.row(&labels);
                    for (column, value) in expected {
                        assert_eq!(
                            table.cell(row, column).as_deref(),
                            Some(value.as_str()),
                            "--by {by} at {width}: {column} of {labels:?} in\n{text}"
                        );
                    }
                }
            }
            assert!(
                text.contains("--wide") && text.contains("--format markdown|csv|json"),
                "{text}"
            );
        }
    }
}

/// The widest segmentation of the samples (64 week × agent segments) stays within the width
/// too, and columns that do not fit are named.
#[test]
fn many_segments_stay_within_the_width() {
    for width in [80, 120] {
        let run = cxmine(&[
            "analyze",
            "samples/",
            "--by",
            "week,agent",
            "--width",
            &width.to_string(),
            "-q",
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_within(&run.stdout, width);
        assert!(
            run.stdout
                .contains(&format!("Left out at {width} columns:")),
            "{}",
            run.stdout
        );
    }
}

fn analyze_with_columns(columns: Option<&str>) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cxmine"));
    cmd.args(["analyze", "samples/", "--by", "channel,month", "-q"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null());
    match columns {
        Some(c) => cmd.env("COLUMNS", c),
        None => cmd.env_remove("COLUMNS"),
    };
    let out = cmd.output().expect("run cxmine");
    assert!(out.status.success());
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// Without `--width`, `$COLUMNS` sets the width; without either (and stdout not a
/// terminal, as here) it is 100.
#[test]
fn width_comes_from_columns_else_100() {
    let at_90 = analyze_with_columns(Some("90"));
    assert_within(&at_90, 90);
    assert!(at_90.lines().any(|l| l.chars().count() > 80), "{at_90}");
    let default = analyze_with_columns(None);
    assert_within(&default, 100);
    assert!(default.contains("Left out at 100 columns:"), "{default}");
}

/// `--wide` is the full table: every metric down, with sample sizes, one column per
/// segment, however wide.
#[test]
fn wide_keeps_every_metric_with_its_sample_size() {
    let run = cxmine(&[
        "analyze",
        "samples/",
        "--by",
        "channel,month",
        "--wide",
        "-q",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let header = run.stdout.lines().next().unwrap();
    assert!(header.contains("channel=chat, month=2024-01"), "{header}");
    // First response of all 80 conversations: 69 measured, median 720 s = 12.0 min.
    let first = run
        .stdout
        .lines()
        .find(|l| l.starts_with("first response mean/med/p90/max"))
        .unwrap();
    assert!(
        first.contains("/ 12.0m /") && first.contains("(n=69)"),
        "{first}"
    );
    assert!(run.stdout.lines().any(|l| l.chars().count() > 120));
    let both = cxmine(&["analyze", "samples/", "--wide", "--width", "80"]);
    assert_eq!(both.code, 2, "--wide and --width conflict");
}

/// The README's example is what the first command of its quick start prints at 80 columns.
#[test]
fn readme_example_is_the_real_output() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("```text\nService KPIs\n")
        .expect("the table example in the README")
        + "```text\n".len();
    let len = readme[start..].find("```").unwrap();
    let run = cxmine(&[
        "analyze", "samples/", "--by", "channel", "--width", "80", "-q",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(readme[start..start + len], run.stdout);
}
