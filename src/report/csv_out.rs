//! CSV rendering: one row per segment (the overall row first), one column per number.

use std::io::Write;

use crate::metrics::dist::Summary;
use crate::report::cx_rows::{CX_CSV_HEADER, cx_csv_cells};
use crate::report::{Report, SegmentReport};

fn summary_cells(s: &Summary) -> [String; 5] {
    let f = |v: Option<f64>| v.map_or_else(String::new, |x| x.to_string());
    [
        s.n.to_string(),
        f(s.mean_s),
        f(s.median_s),
        f(s.p90_s),
        f(s.max_s),
    ]
}

fn row(report: &Report, seg: &SegmentReport) -> Vec<String> {
    let f = |v: Option<f64>| v.map_or_else(String::new, |x| x.to_string());
    let k = &seg.kpis;
    let mut cells: Vec<String> = report
        .segmented_by
        .iter()
        .map(|d| {
            seg.key
                .iter()
                .find(|(kd, _)| kd == d)
                .map_or_else(|| "(all)".to_owned(), |(_, v)| v.clone())
        })
        .collect();
    cells.extend([
        k.conversations.to_string(),
        k.csat.n.to_string(),
        f(k.csat.value),
        k.nps.n.to_string(),
        f(k.nps.value),
        k.ces.n.to_string(),
        f(k.ces.mean),
        f(k.ces.pct_5_or_more),
        k.fcr.n.to_string(),
        f(k.fcr.value),
    ]);
    for s in [&k.first_response, &k.resolution, &k.handle_time] {
        cells.extend(summary_cells(s));
    }
    cells.extend([
        k.sla.first_response.n.to_string(),
        f(k.sla.first_response.value),
        k.sla.resolution.n.to_string(),
        f(k.sla.resolution.value),
        f(k.resolved.value),
        f(k.reopened.value),
        f(k.transferred.value),
    ]);
    cells.extend(cx_csv_cells(seg));
    cells
}

/// Writes one header row and one row per segment (overall first). Empty cells are nulls.
pub fn render_csv(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let mut header: Vec<String> = report.segmented_by.iter().map(|d| d.to_string()).collect();
    header.extend(
        [
            "conversations",
            "csat_n",
            "csat_pct",
            "nps_n",
            "nps",
            "ces_n",
            "ces_mean",
            "ces_pct_5_plus",
            "fcr_n",
            "fcr_pct",
        ]
        .map(String::from),
    );
    for m in ["first_response", "resolution", "handle_time"] {
        for s in ["n", "mean_s", "median_s", "p90_s", "max_s"] {
            header.push(format!("{m}_{s}"));
        }
    }
    header.extend(
        [
            "sla_first_response_n",
            "sla_first_response_pct",
            "sla_resolution_n",
            "sla_resolution_pct",
            "resolved_pct",
            "reopened_pct",
            "transferred_pct",
        ]
        .map(String::from),
    );
    header.extend(CX_CSV_HEADER.map(String::from));
    w.write_record(&header)?;
    w.write_record(row(report, &report.overall))?;
    for seg in &report.segments {
        w.write_record(row(report, seg))?;
    }
    w.flush()?;
    Ok(())
}
