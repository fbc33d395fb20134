//! The customer-experience block of the human-readable reports: one row per metric, one cell
//! per segment, `-` for null (its CSV columns are in the table of `csv_out.rs`).
//!
//! Severity rows of the e-mail turnaround are dynamic: one per severity label seen in any
//! segment, in label order, so every segment has the same rows.

use std::collections::BTreeSet;

use crate::report::SegmentReport;
use crate::report::schema::cx::SentimentReport;
use crate::report::schema::{Mean, Percent, Summary};

/// Seconds as `45s`, `12.5m`, `3.2h`, `2.1d`.
pub(crate) fn human(secs: f64) -> String {
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

/// `mean / median / p90 / max (n=…)` in human units, `-` when empty.
pub(crate) fn duration(s: &Summary) -> String {
    match (s.mean_s, s.median_s, s.p90_s, s.max_s) {
        (Some(mean), Some(med), Some(p90), Some(max)) => format!(
            "{} / {} / {} / {} (n={})",
            human(mean),
            human(med),
            human(p90),
            human(max),
            s.n
        ),
        _ => "-".to_owned(),
    }
}

fn pct(p: &Percent) -> String {
    p.value
        .map_or_else(|| "-".to_owned(), |x| format!("{x:.1}% (n={})", p.n))
}

fn mean(m: &Mean) -> String {
    m.value
        .map_or_else(|| "-".to_owned(), |x| format!("{x:.2} (n={})", m.n))
}

fn shift(s: &SentimentReport) -> String {
    match (s.mean_shift, s.recovered.value, s.soured.value) {
        (Some(d), Some(r), Some(so)) => {
            format!("{d:+.2}, {r:.1}% recovered, {so:.1}% soured (n={})", s.n)
        }
        _ => "-".to_owned(),
    }
}

type Cell = fn(&SegmentReport) -> String;

const FIXED: [(&str, Cell); 34] = [
    ("solution acknowledged", |s| {
        pct(&s.cx.all.solution_acknowledged)
    }),
    ("solution failed", |s| pct(&s.cx.all.solution_failed)),
    ("rephrases by customer / conv", |s| {
        mean(&s.cx.all.rephrase_customer_per_conversation)
    }),
    ("rephrases by agent / conv", |s| {
        mean(&s.cx.all.rephrase_agent_per_conversation)
    }),
    ("conversations with a rephrase", |s| {
        pct(&s.cx.all.with_rephrase)
    }),
    ("restatements / conv", |s| {
        mean(&s.cx.all.restatements_per_conversation)
    }),
    ("repeated ids / conv", |s| {
        mean(&s.cx.all.repeated_ids_per_conversation)
    }),
    ("repeated ids after hand-off", |s| {
        pct(&s.cx.all.repeated_ids_after_handoff)
    }),
    ("hand-offs / conv", |s| {
        mean(&s.cx.all.handoffs_per_conversation)
    }),
    ("no hand-off", |s| pct(&s.cx.all.without_handoff)),
    ("sentiment shift after solution", |s| {
        shift(&s.cx.all.sentiment)
    }),
    ("chat: customer wait mean/med/p90/max", |s| {
        duration(&s.cx.chat.customer_wait)
    }),
    ("email: customer deadline met", |s| {
        pct(&s.cx.email.deadline_met)
    }),
    ("email: deadline overrun mean/med/p90/max", |s| {
        duration(&s.cx.email.deadline_overrun)
    }),
    ("email: longest queue delay mean/med/p90/max", |s| {
        duration(&s.cx.email.queue_delay_longest)
    }),
    ("email: solution acknowledged", |s| {
        pct(&s.cx.email.solution_acknowledged)
    }),
    ("sms: requests from repeat users", |s| {
        pct(&s.cx.sms.repeat_user_requests)
    }),
    ("sms: alerts acted on", |s| pct(&s.cx.sms.alerts_acted_on)),
    ("sms: solution acknowledged", |s| {
        pct(&s.cx.sms.solution_acknowledged)
    }),
    ("social: solution acknowledged", |s| {
        pct(&s.cx.social.solution_acknowledged)
    }),
    ("social: endorsements / solution", |s| {
        let e = &s.cx.social.endorsements;
        e.per_solution.map_or_else(
            || "-".to_owned(),
            |v| format!("{v:.2} (n={}, total {})", e.solutions, e.total),
        )
    }),
    ("social: time to solution mean/med/p90/max", |s| {
        duration(&s.cx.social.time_to_solution)
    }),
    ("social: sentiment shift after solution", |s| {
        shift(&s.cx.social.sentiment)
    }),
    ("community: mean rating", |s| mean(&s.cx.community.rating)),
    ("community: answer accepted", |s| {
        pct(&s.cx.community.accepted)
    }),
    ("community: continued use", |s| {
        pct(&s.cx.community.continued_use)
    }),
    ("community: time to answer mean/med/p90/max", |s| {
        duration(&s.cx.community.time_to_answer)
    }),
    ("community: return visits / question", |s| {
        mean(&s.cx.community.return_visits_per_question)
    }),
    ("phone: customer wait mean/med/p90/max", |s| {
        duration(&s.cx.phone.customer_wait)
    }),
    ("phone: cycle time mean/med/p90/max", |s| {
        duration(&s.cx.phone.cycle_time)
    }),
    ("phone: calls with repetition", |s| {
        pct(&s.cx.phone.with_repetition)
    }),
    ("phone: long silences / call", |s| {
        mean(&s.cx.phone.long_silences_per_call)
    }),
    ("phone: silence % of call time", |s| {
        let m = &s.cx.phone.silence_pct_of_call;
        m.value
            .map_or_else(|| "-".to_owned(), |v| format!("{v:.1}% (n={})", m.n))
    }),
    ("phone: silence from utterance ends", |s| {
        pct(&s.cx.phone.silence_from_utterance_ends)
    }),
];

const TAIL: [(&str, Cell); 4] = [
    ("reopen rate", |s| pct(&s.cx.helpdesk.reopen_rate)),
    ("one-touch resolution", |s| pct(&s.cx.helpdesk.one_touch)),
    ("effort index mean/med/p90/max", |s| {
        let i = &s.cx.effort.index;
        match (i.mean, i.median, i.p90, i.max) {
            (Some(a), Some(b), Some(c), Some(d)) => {
                format!("{a:.1} / {b:.1} / {c:.1} / {d:.1} (n={})", i.n)
            }
            _ => "-".to_owned(),
        }
    }),
    ("effort vs survey CES (Pearson r)", |s| {
        let c = &s.cx.effort.ces_correlation;
        c.pearson_r
            .map_or_else(|| "-".to_owned(), |r| format!("{r:+.3} (n={})", c.n))
    }),
];

fn severities(segs: &[&SegmentReport]) -> BTreeSet<String> {
    segs.iter()
        .flat_map(|s| s.cx.email.turnaround_by_severity.keys().cloned())
        .collect()
}

/// (metric name, cell per segment) rows of the customer-experience block.
pub(crate) fn cx_rows(segs: &[&SegmentReport]) -> Vec<(String, Vec<String>)> {
    let fixed =
        |(name, cell): &(&str, Cell)| (name.to_string(), segs.iter().map(|s| cell(s)).collect());
    let mut rows: Vec<(String, Vec<String>)> = FIXED[..12].iter().map(fixed).collect();
    for sev in severities(segs) {
        let cells = segs
            .iter()
            .map(|s| {
                s.cx.email
                    .turnaround_by_severity
                    .get(&sev)
                    .map_or_else(|| "-".to_owned(), duration)
            })
            .collect();
        rows.push((format!("email: turnaround [{sev}] mean/med/p90/max"), cells));
    }
    rows.extend(FIXED[12..].iter().map(fixed));
    rows.extend(TAIL.iter().map(fixed));
    rows
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::metrics::{Partial, segment::parse_dimensions};
    use crate::model::{Channel, Conversation, Event, EventKind, Role};
    use crate::report::{TableLayout, render_csv, render_markdown, render_table};
    use crate::time::Timestamp;

    fn report() -> crate::report::Report {
        let t = |s: &str| Timestamp::parse(&format!("2024-05-01T{s}Z")).unwrap();
        let config = Config::default();
        let mut partial = Partial::new(parse_dimensions("channel").unwrap());
        let mut chat = Conversation::new("c1", Channel::Chat);
        chat.events = vec![
            Event::message(t("10:00:00"), Role::Customer, "hola 👋"),
            Event::message(t("10:01:30"), Role::Agent, "hi"),
            Event::new(t("10:02:00"), EventKind::Resolve, Role::Agent),
        ];
        let mut mail = Conversation::new("e1", Channel::Email);
        mail.severity = Some("urgent".into());
        mail.events = vec![
            Event::message(t("09:00:00"), Role::Customer, "help"),
            Event::new(t("12:00:00"), EventKind::Resolve, Role::Agent),
        ];
        for mut c in [chat, mail] {
            c.finish();
            let f = crate::metrics::ConversationFacts::compute(&c, &config, None);
            partial.add(&f, &config);
        }
        partial.finish(&config).unwrap()
    }

    #[test]
    fn table_and_markdown_show_the_cx_block() {
        let r = report();
        let mut table = Vec::new();
        render_table(&r, TableLayout::Wide, &mut table).unwrap();
        let table = String::from_utf8(table).unwrap();
        assert!(table.contains("customer experience"));
        // One chat wait of 90 s = 1.5 min: mean, median, p90 and max alike.
        let wait = table
            .lines()
            .find(|l| l.starts_with("chat: customer wait"))
            .unwrap();
        assert!(wait.contains("1.5m / 1.5m / 1.5m / 1.5m (n=1)"), "{wait}");
        // The urgent e-mail took 09:00 → 12:00 = 3 h.
        let urgent = table
            .lines()
            .find(|l| l.starts_with("email: turnaround [urgent]"))
            .unwrap();
        assert!(
            urgent.contains("3.0h / 3.0h / 3.0h / 3.0h (n=1)"),
            "{urgent}"
        );
        let mut md = Vec::new();
        render_markdown(&r, &mut md).unwrap();
        let md = String::from_utf8(md).unwrap();
        assert!(md.contains("## Customer experience"));
        // Chat was resolved with one agent reply: one-touch 1 of 1 (the e-mail had no reply: 1 of 1 too).
        assert!(
            md.contains("| one-touch resolution | 100.0% (n=2) | 100.0% (n=1) | 100.0% (n=1) |"),
            "{md}"
        );
    }

    #[test]
    fn csv_rows_match_the_header() {
        let mut out = Vec::new();
        render_csv(&report(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<Vec<&str>> = text.lines().map(|l| l.split(',').collect()).collect();
        // Header, overall, channel=chat, channel=email.
        assert_eq!(lines.len(), 4);
        assert!(lines.iter().all(|l| l.len() == lines[0].len()));
        let col = |name: &str| lines[0].iter().position(|h| *h == name).unwrap();
        let rows: Vec<(&str, &str, &str)> = lines[1..]
            .iter()
            .map(|l| {
                (
                    l[0],
                    l[col("cx_chat_wait_mean_s")],
                    l[col("cx_one_touch_pct")],
                )
            })
            .collect();
        // Chat wait 90 s (null, an empty cell, for e-mail); one-touch 100 % everywhere.
        assert_eq!(
            rows,
            [
                ("(all)", "90", "100"),
                ("chat", "90", "100"),
                ("email", "", "100")
            ]
        );
    }
}
