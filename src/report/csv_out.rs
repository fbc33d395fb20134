//! CSV rendering: one row per segment (the overall row first), one column per number.
//!
//! The columns after the segment's dimensions are one table, [`COLUMNS`]: a header name and
//! the function that reads its cell from a [`SegmentReport`]. Adding a column is adding a
//! row there; a header and its cells cannot drift apart. Empty cells are nulls.

use std::io::Write;

use crate::report::{Report, SegmentReport};

/// Reads one cell of a segment's row.
type Cell = fn(&SegmentReport) -> String;

/// A number, or an empty cell for null.
fn num(v: Option<f64>) -> String {
    v.map_or_else(String::new, |x| x.to_string())
}

/// Every column after the dimensions, in order: (header, cell).
pub(crate) const COLUMNS: &[(&str, Cell)] = &[
    ("conversations", |s| s.kpis.conversations.to_string()),
    ("csat_n", |s| s.kpis.csat.n.to_string()),
    ("csat_pct", |s| num(s.kpis.csat.value)),
    ("nps_n", |s| s.kpis.nps.n.to_string()),
    ("nps", |s| num(s.kpis.nps.value)),
    ("ces_n", |s| s.kpis.ces.n.to_string()),
    ("ces_mean", |s| num(s.kpis.ces.mean)),
    ("ces_pct_5_plus", |s| num(s.kpis.ces.pct_5_or_more)),
    ("fcr_n", |s| s.kpis.fcr.n.to_string()),
    ("fcr_pct", |s| num(s.kpis.fcr.value)),
    ("first_response_n", |s| s.kpis.first_response.n.to_string()),
    ("first_response_mean_s", |s| {
        num(s.kpis.first_response.mean_s)
    }),
    ("first_response_median_s", |s| {
        num(s.kpis.first_response.median_s)
    }),
    ("first_response_p90_s", |s| num(s.kpis.first_response.p90_s)),
    ("first_response_max_s", |s| num(s.kpis.first_response.max_s)),
    ("resolution_n", |s| s.kpis.resolution.n.to_string()),
    ("resolution_mean_s", |s| num(s.kpis.resolution.mean_s)),
    ("resolution_median_s", |s| num(s.kpis.resolution.median_s)),
    ("resolution_p90_s", |s| num(s.kpis.resolution.p90_s)),
    ("resolution_max_s", |s| num(s.kpis.resolution.max_s)),
    ("handle_time_n", |s| s.kpis.handle_time.n.to_string()),
    ("handle_time_mean_s", |s| num(s.kpis.handle_time.mean_s)),
    ("handle_time_median_s", |s| num(s.kpis.handle_time.median_s)),
    ("handle_time_p90_s", |s| num(s.kpis.handle_time.p90_s)),
    ("handle_time_max_s", |s| num(s.kpis.handle_time.max_s)),
    ("sla_first_response_n", |s| {
        s.kpis.sla.first_response.n.to_string()
    }),
    ("sla_first_response_pct", |s| {
        num(s.kpis.sla.first_response.value)
    }),
    ("sla_resolution_n", |s| s.kpis.sla.resolution.n.to_string()),
    ("sla_resolution_pct", |s| num(s.kpis.sla.resolution.value)),
    ("resolved_pct", |s| num(s.kpis.resolved.value)),
    ("reopened_pct", |s| num(s.kpis.reopened.value)),
    ("transferred_pct", |s| num(s.kpis.transferred.value)),
    // Customer experience (a fixed set; per-severity turnaround stays in the JSON).
    ("cx_measured", |s| s.cx.all.measured.to_string()),
    ("cx_solution_ack_n", |s| {
        s.cx.all.solution_acknowledged.n.to_string()
    }),
    ("cx_solution_ack_pct", |s| {
        num(s.cx.all.solution_acknowledged.value)
    }),
    ("cx_solution_failed_pct", |s| {
        num(s.cx.all.solution_failed.value)
    }),
    ("cx_rephrase_customer_per_conv", |s| {
        num(s.cx.all.rephrase_customer_per_conversation.value)
    }),
    ("cx_rephrase_agent_per_conv", |s| {
        num(s.cx.all.rephrase_agent_per_conversation.value)
    }),
    ("cx_with_rephrase_pct", |s| {
        num(s.cx.all.with_rephrase.value)
    }),
    ("cx_restatements_per_conv", |s| {
        num(s.cx.all.restatements_per_conversation.value)
    }),
    ("cx_repeated_ids_per_conv", |s| {
        num(s.cx.all.repeated_ids_per_conversation.value)
    }),
    ("cx_repeated_ids_after_handoff_pct", |s| {
        num(s.cx.all.repeated_ids_after_handoff.value)
    }),
    ("cx_handoffs_per_conv", |s| {
        num(s.cx.all.handoffs_per_conversation.value)
    }),
    ("cx_no_handoff_pct", |s| num(s.cx.all.without_handoff.value)),
    ("cx_sentiment_shift_mean", |s| {
        num(s.cx.all.sentiment.mean_shift)
    }),
    ("cx_chat_wait_n", |s| s.cx.chat.customer_wait.n.to_string()),
    ("cx_chat_wait_mean_s", |s| {
        num(s.cx.chat.customer_wait.mean_s)
    }),
    ("cx_email_deadline_met_pct", |s| {
        num(s.cx.email.deadline_met.value)
    }),
    ("cx_email_overrun_mean_s", |s| {
        num(s.cx.email.deadline_overrun.mean_s)
    }),
    ("cx_email_queue_delay_max_s", |s| {
        num(s.cx.email.queue_delay_longest.max_s)
    }),
    ("cx_sms_repeat_user_pct", |s| {
        num(s.cx.sms.repeat_user_requests.value)
    }),
    ("cx_sms_alerts_acted_pct", |s| {
        num(s.cx.sms.alerts_acted_on.value)
    }),
    ("cx_social_endorsements_per_solution", |s| {
        num(s.cx.social.endorsements.per_solution)
    }),
    ("cx_social_time_to_solution_mean_s", |s| {
        num(s.cx.social.time_to_solution.mean_s)
    }),
    ("cx_community_rating_mean", |s| {
        num(s.cx.community.rating.value)
    }),
    ("cx_community_accepted_pct", |s| {
        num(s.cx.community.accepted.value)
    }),
    ("cx_community_continued_use_pct", |s| {
        num(s.cx.community.continued_use.value)
    }),
    ("cx_phone_long_silences_per_call", |s| {
        num(s.cx.phone.long_silences_per_call.value)
    }),
    ("cx_phone_silence_pct", |s| {
        num(s.cx.phone.silence_pct_of_call.value)
    }),
    ("cx_reopen_rate_pct", |s| {
        num(s.cx.helpdesk.reopen_rate.value)
    }),
    ("cx_one_touch_pct", |s| num(s.cx.helpdesk.one_touch.value)),
    ("cx_effort_index_mean", |s| num(s.cx.effort.index.mean)),
];

/// The segment's value of each dimension of the report, `(all)` where it has none.
fn dimension_cells(report: &Report, seg: &SegmentReport) -> Vec<String> {
    report
        .segmented_by
        .iter()
        .map(|d| {
            seg.key
                .iter()
                .find(|(kd, _)| kd == d)
                .map_or_else(|| "(all)".to_owned(), |(_, v)| v.clone())
        })
        .collect()
}

fn row(report: &Report, seg: &SegmentReport) -> Vec<String> {
    let mut cells = dimension_cells(report, seg);
    cells.extend(COLUMNS.iter().map(|(_, cell)| cell(seg)));
    cells
}

/// Writes one header row and one row per segment (overall first). Empty cells are nulls.
pub fn render_csv(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let mut header: Vec<String> = report.segmented_by.iter().map(|d| d.to_string()).collect();
    header.extend(COLUMNS.iter().map(|(name, _)| (*name).to_owned()));
    w.write_record(&header)?;
    w.write_record(row(report, &report.overall))?;
    for seg in &report.segments {
        w.write_record(row(report, seg))?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::COLUMNS;

    #[test]
    fn column_names_are_unique() {
        let mut names: Vec<&str> = COLUMNS.iter().map(|(name, _)| *name).collect();
        // 10 survey and FCR columns, 3 × 5 duration columns, 7 SLA and outcome columns, 30
        // customer-experience columns.
        assert_eq!(names.len(), 10 + 15 + 7 + 30);
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 10 + 15 + 7 + 30);
    }
}
