//! The HTML report: one self-contained page (inline CSS and SVG, no script, nothing
//! loaded from anywhere) to share with people who will not read a terminal table.
//!
//! It shows the headline KPIs with their sample sizes, the trend of the main rates when
//! the report is segmented by `month` or `week`, the service KPIs and customer-experience
//! block per segment, charts (durations, sentiment shift, hand-offs and repeated
//! identifiers, effort against survey CES), the conversations worth a look with the
//! commands that open them, the customer metrics and the input summary.
//!
//! Invariants: every number on the page is a figure of [`markup`] carrying the JSON
//! pointer and the value of the JSON report it shows (a test reads both and compares);
//! `null` is shown as `n/a`; every string from the input is escaped; the output depends on
//! the report only (no clock, no environment), so the same report gives the same bytes.

mod charts;
mod markup;
mod svg;

use std::io::Write;

use crate::report::schema::Dimension;
use crate::report::schema::NotableEntry;
use crate::report::{Report, SegmentReport};
use markup::{Unit, count, esc, fig, ptr_token, push, sh_quote, text};

/// What the page needs to know besides the report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HtmlOptions {
    /// The search index the analysis wrote (`analyze --index DIR`), named in the `cxmine
    /// search` commands; `INDEX_DIR` is shown when unknown.
    pub index: Option<String>,
    /// The inputs the analysis read, as given on the command line, named in the `cxmine
    /// explain` commands; `INPUT...` is shown when unknown (a merge of partials).
    pub inputs: Vec<String>,
}

/// One row of the tables and charts: the overall row or a segment.
pub struct Row<'a> {
    /// JSON pointer of the segment (`/overall`, `/segments/3`).
    pub ptr: String,
    /// `all`, or the segment's values joined by ` · `.
    pub label: String,
    /// The segment.
    pub seg: &'a SegmentReport,
}

const STYLE: &str = include_str!("style.css");

/// Writes the report as one HTML page.
pub fn render_html(
    report: &Report,
    options: &HtmlOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    out.write_all(page(report, options).as_bytes())
}

/// The whole page.
pub fn page(report: &Report, options: &HtmlOptions) -> String {
    let rows = rows_of(report);
    let mut h = String::with_capacity(64 * 1024);
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>");
    h.push_str("<title>cxmine report</title><style>");
    h.push_str(STYLE);
    h.push_str("</style></head><body>");
    header(&mut h, report);
    headline(&mut h, report);
    trend_section(&mut h, report, &rows);
    kpi_table(&mut h, &rows);
    cx_table(&mut h, &rows);
    chart_sections(&mut h, report, &rows);
    worth_a_look(&mut h, report, options);
    customers(&mut h, report);
    input_summary(&mut h, report);
    h.push_str("</body></html>\n");
    h
}

fn rows_of(report: &Report) -> Vec<Row<'_>> {
    let mut rows = vec![Row {
        ptr: "/overall".to_owned(),
        label: "all".to_owned(),
        seg: &report.overall,
    }];
    rows.extend(report.segments.iter().enumerate().map(|(i, s)| {
        Row {
            ptr: format!("/segments/{i}"),
            label: s
                .key
                .iter()
                .map(|(_, v)| v.as_str())
                .collect::<Vec<_>>()
                .join(" · "),
            seg: s,
        }
    }));
    rows
}

/// The table of contents: section id and name.
const SECTIONS: [(&str, &str); 10] = [
    ("trend", "trend"),
    ("kpis", "service KPIs"),
    ("cx", "customer experience"),
    ("durations", "response times"),
    ("sentiment", "sentiment"),
    ("handoffs", "hand-offs"),
    ("effort", "effort"),
    ("look", "worth a look"),
    ("customers", "customers"),
    ("input", "input"),
];

fn nav() -> String {
    let links: Vec<String> = SECTIONS
        .iter()
        .map(|(id, name)| format!("<a href=\"#{id}\">{name}</a>"))
        .collect();
    format!("<nav>{}</nav>", links.join(" "))
}

fn header(h: &mut String, report: &Report) {
    let by = if report.segmented_by.is_empty() {
        "not segmented".to_owned()
    } else {
        let dims: Vec<&str> = report.segmented_by.iter().map(|d| d.as_str()).collect();
        format!("segmented by {}", dims.join(", "))
    };
    push(
        h,
        format_args!(
            "<header><h1>Customer-care report</h1><p class=\"sub\">{} conversations, {}. \
             Every figure shows its sample size (n); n/a marks what could not be computed.</p>{NAV}</header>",
            count("/input/conversations", report.input.conversations),
            esc(&by),
            NAV = nav()
        ),
    );
}

/// A headline card: a name, a figure and its sample size.
fn card(h: &mut String, name: &str, figure: &str, n: Option<(&str, u64)>) {
    push(
        h,
        format_args!(
            "<div class=\"card\"><div class=\"name\">{}</div><div class=\"big\">{figure}</div>",
            esc(name)
        ),
    );
    if let Some((p, n)) = n {
        push(h, format_args!("<div class=\"n\">n={}</div>", count(p, n)));
    }
    h.push_str("</div>");
}

fn headline(h: &mut String, report: &Report) {
    let k = &report.overall.kpis;
    h.push_str("<section class=\"strip\" aria-label=\"headline\">");
    card(
        h,
        "conversations",
        &count("/overall/kpis/conversations", k.conversations),
        None,
    );
    card(
        h,
        "CSAT",
        &fig("/overall/kpis/csat/value", k.csat.value, Unit::Percent),
        Some(("/overall/kpis/csat/n", k.csat.n)),
    );
    card(
        h,
        "NPS",
        &fig("/overall/kpis/nps/value", k.nps.value, Unit::Signed),
        Some(("/overall/kpis/nps/n", k.nps.n)),
    );
    card(
        h,
        "CES (mean)",
        &fig("/overall/kpis/ces/mean", k.ces.mean, Unit::Plain),
        Some(("/overall/kpis/ces/n", k.ces.n)),
    );
    card(
        h,
        "FCR",
        &fig("/overall/kpis/fcr/value", k.fcr.value, Unit::Percent),
        Some(("/overall/kpis/fcr/n", k.fcr.n)),
    );
    card(
        h,
        "first response (median)",
        &fig(
            "/overall/kpis/first_response/median_s",
            k.first_response.median_s,
            Unit::Duration,
        ),
        Some(("/overall/kpis/first_response/n", k.first_response.n)),
    );
    card(
        h,
        "resolution (median)",
        &fig(
            "/overall/kpis/resolution/median_s",
            k.resolution.median_s,
            Unit::Duration,
        ),
        Some(("/overall/kpis/resolution/n", k.resolution.n)),
    );
    card(
        h,
        "SLA met: first response",
        &fig(
            "/overall/kpis/sla/first_response/value",
            k.sla.first_response.value,
            Unit::Percent,
        ),
        Some(("/overall/kpis/sla/first_response/n", k.sla.first_response.n)),
    );
    card(
        h,
        "SLA met: resolution",
        &fig(
            "/overall/kpis/sla/resolution/value",
            k.sla.resolution.value,
            Unit::Percent,
        ),
        Some(("/overall/kpis/sla/resolution/n", k.sla.resolution.n)),
    );
    h.push_str("</section>");
}

/// The time dimension of the report, if any: its position in the segment key.
fn time_dimension(report: &Report) -> Option<usize> {
    report
        .segmented_by
        .iter()
        .position(|d| matches!(d, Dimension::Month | Dimension::Week))
}

fn trend_section(h: &mut String, report: &Report, rows: &[Row<'_>]) {
    h.push_str("<section id=\"trend\"><h2>Trend</h2>");
    let Some(t) = time_dimension(report) else {
        h.push_str(
            "<p class=\"note\">Segment the report by month or week (<code>--by month</code>, \
             <code>--by channel,month</code>) to see the rates over time.</p></section>",
        );
        return;
    };
    let mut periods: Vec<String> = rows[1..]
        .iter()
        .map(|r| r.seg.key[t].1.clone())
        .filter(|p| p != "(none)")
        .collect();
    periods.sort();
    periods.dedup();
    let mut series: Vec<charts::Series<'_>> = Vec::new();
    for row in &rows[1..] {
        let Ok(i) = periods.binary_search(&row.seg.key[t].1) else {
            continue;
        };
        let name = group_name(row.seg, t);
        match series.iter_mut().find(|s| s.name == name) {
            Some(s) => s.points.push((i, row)),
            None => series.push(charts::Series {
                name,
                points: vec![(i, row)],
            }),
        }
    }
    h.push_str("<p class=\"note\">Rates per period, in percent; one line per ");
    h.push_str(if report.segmented_by.len() > 1 {
        "segment of the other dimensions"
    } else {
        "report"
    });
    h.push_str(
        ". A gap is a period where the rate could not be computed.</p><ul class=\"legend\">",
    );
    for (k, s) in series.iter().enumerate() {
        push(
            h,
            format_args!(
                "<li><span class=\"sw\" style=\"background:{}\"></span>{}</li>",
                svg::colour(k),
                text("span", &s.name)
            ),
        );
    }
    h.push_str("</ul><div class=\"grid\">");
    for rate in &charts::TREND_RATES {
        push(
            h,
            format_args!("<figure><figcaption>{}</figcaption>", esc(rate.name)),
        );
        charts::trend(h, &periods, &series, rate);
        h.push_str("</figure>");
    }
    h.push_str("</div></section>");
}

/// The key values of a segment other than the time dimension, or `all`.
fn group_name(seg: &SegmentReport, time: usize) -> String {
    let rest: Vec<&str> = seg
        .key
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != time)
        .map(|(_, (_, v))| v.as_str())
        .collect();
    if rest.is_empty() {
        "all".to_owned()
    } else {
        rest.join(" · ")
    }
}

/// A table cell: the figure and, under it, its sample size.
fn cell(p: &str, v: Option<f64>, unit: Unit, n: Option<(String, u64)>) -> String {
    let mut s = format!("<td>{}", fig(p, v, unit));
    if let Some((np, n)) = n {
        push(&mut s, format_args!("<small>n={}</small>", count(&np, n)));
    }
    s.push_str("</td>");
    s
}

fn table_head(h: &mut String, id: &str, title: &str, columns: &[&str]) {
    push(
        h,
        format_args!(
            "<section id=\"{id}\"><h2>{}</h2><div class=\"scroll\"><table><thead><tr><th>segment</th>",
            esc(title)
        ),
    );
    for c in columns {
        push(h, format_args!("<th>{}</th>", esc(c)));
    }
    h.push_str("</tr></thead><tbody>");
}

fn kpi_table(h: &mut String, rows: &[Row<'_>]) {
    table_head(
        h,
        "kpis",
        "Service KPIs",
        &[
            "conversations",
            "CSAT",
            "NPS",
            "CES",
            "FCR",
            "first response (median)",
            "resolution (median)",
            "handle time (median)",
            "SLA first response",
            "SLA resolution",
            "resolved",
            "reopened",
            "transferred",
        ],
    );
    for row in rows {
        let k = &row.seg.kpis;
        let p = format!("{}/kpis", row.ptr);
        let n = |field: &str, n: u64| Some((format!("{p}/{field}/n"), n));
        push(h, format_args!("<tr><th>{}</th>", text("span", &row.label)));
        push(
            h,
            format_args!(
                "<td>{}</td>",
                count(&format!("{p}/conversations"), k.conversations)
            ),
        );
        h.push_str(&cell(
            &format!("{p}/csat/value"),
            k.csat.value,
            Unit::Percent,
            n("csat", k.csat.n),
        ));
        h.push_str(&cell(
            &format!("{p}/nps/value"),
            k.nps.value,
            Unit::Signed,
            n("nps", k.nps.n),
        ));
        h.push_str(&cell(
            &format!("{p}/ces/mean"),
            k.ces.mean,
            Unit::Plain,
            n("ces", k.ces.n),
        ));
        h.push_str(&cell(
            &format!("{p}/fcr/value"),
            k.fcr.value,
            Unit::Percent,
            n("fcr", k.fcr.n),
        ));
        for (field, s) in [
            ("first_response", &k.first_response),
            ("resolution", &k.resolution),
            ("handle_time", &k.handle_time),
        ] {
            h.push_str(&cell(
                &format!("{p}/{field}/median_s"),
                s.median_s,
                Unit::Duration,
                n(field, s.n),
            ));
        }
        h.push_str(&cell(
            &format!("{p}/sla/first_response/value"),
            k.sla.first_response.value,
            Unit::Percent,
            n("sla/first_response", k.sla.first_response.n),
        ));
        h.push_str(&cell(
            &format!("{p}/sla/resolution/value"),
            k.sla.resolution.value,
            Unit::Percent,
            n("sla/resolution", k.sla.resolution.n),
        ));
        for (field, t) in [
            ("resolved", &k.resolved),
            ("reopened", &k.reopened),
            ("transferred", &k.transferred),
        ] {
            h.push_str(&cell(
                &format!("{p}/{field}/value"),
                t.value,
                Unit::Percent,
                n(field, t.n),
            ));
        }
        h.push_str("</tr>");
    }
    h.push_str("</tbody></table></div></section>");
}

fn cx_table(h: &mut String, rows: &[Row<'_>]) {
    table_head(
        h,
        "cx",
        "Customer experience (from the text)",
        &[
            "conversations",
            "fix acknowledged",
            "fix failed",
            "asked to rephrase",
            "restated the problem",
            "identifiers again after a hand-off",
            "hand-offs per conversation",
            "mood shift after the solution",
            "effort index (mean)",
            "effort vs CES (r)",
        ],
    );
    for row in rows {
        let a = &row.seg.cx.all;
        let e = &row.seg.cx.effort;
        let p = format!("{}/cx/all", row.ptr);
        let n = |field: &str, n: u64| Some((format!("{p}/{field}/n"), n));
        push(h, format_args!("<tr><th>{}</th>", text("span", &row.label)));
        push(
            h,
            format_args!(
                "<td>{}</td>",
                count(&format!("{p}/conversations"), a.conversations)
            ),
        );
        for (field, t) in [
            ("solution_acknowledged", &a.solution_acknowledged),
            ("solution_failed", &a.solution_failed),
            ("with_rephrase", &a.with_rephrase),
            ("with_restatement", &a.with_restatement),
            ("repeated_ids_after_handoff", &a.repeated_ids_after_handoff),
        ] {
            h.push_str(&cell(
                &format!("{p}/{field}/value"),
                t.value,
                Unit::Percent,
                n(field, t.n),
            ));
        }
        h.push_str(&cell(
            &format!("{p}/handoffs_per_conversation/value"),
            a.handoffs_per_conversation.value,
            Unit::Plain,
            n("handoffs_per_conversation", a.handoffs_per_conversation.n),
        ));
        h.push_str(&cell(
            &format!("{p}/sentiment/mean_shift"),
            a.sentiment.mean_shift,
            Unit::Signed,
            Some((format!("{p}/sentiment/n"), a.sentiment.n)),
        ));
        let ep = format!("{}/cx/effort", row.ptr);
        h.push_str(&cell(
            &format!("{ep}/index/mean"),
            e.index.mean,
            Unit::Plain,
            Some((format!("{ep}/index/n"), e.index.n)),
        ));
        h.push_str(&cell(
            &format!("{ep}/ces_correlation/pearson_r"),
            e.ces_correlation.pearson_r,
            Unit::Plain,
            Some((format!("{ep}/ces_correlation/n"), e.ces_correlation.n)),
        ));
        h.push_str("</tr>");
    }
    h.push_str("</tbody></table></div><p class=\"note\">Mood shift: mean change of the customer's sentiment from before to after the solution (−2 to +2). Effort index: 0 (effortless) to 100; its r with survey CES is expected to be negative (CES 7 = very easy).</p></section>");
}

fn chart_sections(h: &mut String, report: &Report, rows: &[Row<'_>]) {
    h.push_str("<section id=\"durations\"><h2>First response and resolution times</h2><p class=\"note\">Log scale. The report keeps each distribution's median, p90, maximum and mean: the box runs from the median to the p90, the whisker on to the maximum, ◆ marks the mean; the figure at the right is the median.</p>");
    for (field, name) in [
        ("first_response", "first response time"),
        ("resolution", "resolution time"),
    ] {
        push(
            h,
            format_args!("<figure><figcaption>{}</figcaption>", esc(name)),
        );
        charts::durations(h, rows, field, name);
        h.push_str("</figure>");
    }
    h.push_str("</section><section id=\"sentiment\"><h2>Sentiment shift after the solution</h2><p class=\"note\">Share of the conversations whose shift was measured: <span class=\"key good\">recovered</span> (negative before, positive after), <span class=\"key bad\">soured</span> (neutral or positive before, negative after); grey: the rest (improved, steady or worsened without changing class).</p><figure>");
    charts::sentiment_shift(h, rows, "sentiment shift");
    h.push_str("</figure></section><section id=\"handoffs\"><h2>Hand-offs and repeated identifiers</h2><p class=\"note\">Identifiers given again: share of the conversations with a hand-off in which the customer repeated an identifier after it (n = those conversations).</p><figure>");
    charts::handoffs(h, rows, "hand-offs and repeated identifiers");
    h.push_str(
        "</figure></section><section id=\"effort\"><h2>Effort index against survey CES</h2>",
    );
    let r = &report.overall.cx.effort.ces_correlation;
    push(
        h,
        format_args!(
            "<p class=\"note\">One point per segment (the report holds no per-conversation points): its mean effort index against its mean CES answer. Over the conversations with both, Pearson r = {} (n={}).</p><figure>",
            fig(
                "/overall/cx/effort/ces_correlation/pearson_r",
                r.pearson_r,
                Unit::Plain
            ),
            count("/overall/cx/effort/ces_correlation/n", r.n)
        ),
    );
    let drawn = charts::effort_vs_ces(h, rows, "effort index against survey CES");
    if drawn == 0 {
        h.push_str(
            "<figcaption>No segment has both an effort index and a CES answer.</figcaption>",
        );
    }
    h.push_str("</figure></section>");
}

/// The `cxmine explain` command that shows an entry's detections.
/// The inputs go through `convert`, so every format and event lines spread over files work.
fn explain_command(e: &NotableEntry, inputs: &[String]) -> String {
    let inputs = if inputs.is_empty() {
        "INPUT...".to_owned()
    } else {
        inputs
            .iter()
            .map(|i| sh_quote(i))
            .collect::<Vec<_>>()
            .join(" ")
    };
    format!(
        "cxmine convert {inputs} | cxmine explain - --conversation {}",
        sh_quote(&e.id)
    )
}

/// The `cxmine search` command that finds an entry in the index.
fn search_command(e: &NotableEntry, index: &str) -> String {
    let quoted = e.id.replace('\\', "\\\\").replace('"', "\\\"");
    format!(
        "cxmine search {} --index {}",
        sh_quote(&format!("id:\"{quoted}\"")),
        sh_quote(index)
    )
}

fn worth_a_look(h: &mut String, report: &Report, options: &HtmlOptions) {
    let w = &report.worth_a_look;
    let index = options.index.as_deref().unwrap_or("INDEX_DIR");
    push(
        h,
        format_args!(
            "<section id=\"look\"><h2>Conversations worth a look</h2><p class=\"note\">At most {} per list, highest score first, ties by id. <code>explain</code> shows every detection with its lexicon line; \
             <code>search</code> finds the conversation in the search index{}.{}</p>",
            count("/worth_a_look/limit", w.limit as u64),
            if options.index.is_some() {
                ""
            } else {
                " (INDEX_DIR: the directory given to cxmine index or analyze --index)"
            },
            if options.inputs.is_empty() {
                " INPUT...: the inputs the partials were analysed from."
            } else {
                ""
            }
        ),
    );
    let lists: [(&str, &str, &[NotableEntry]); 3] = [
        (
            "most_effort",
            "Most effort (score: effort index)",
            &w.most_effort,
        ),
        (
            "failed_solution",
            "The solution did not work (score: the customer's failure statements)",
            &w.failed_solution,
        ),
        (
            "repeated_ids_after_handoff",
            "Identifiers given again after a hand-off (score: repetitions)",
            &w.repeated_ids_after_handoff,
        ),
    ];
    for (key, title, list) in lists {
        push(h, format_args!("<h3>{}</h3>", esc(title)));
        if list.is_empty() {
            h.push_str("<p class=\"note\">None.</p>");
            continue;
        }
        h.push_str("<div class=\"scroll\"><table class=\"look\"><thead><tr><th>conversation</th><th>channel</th><th>score</th><th>open it</th></tr></thead><tbody>");
        for (i, e) in list.iter().enumerate() {
            let p = format!("/worth_a_look/{}/{i}/score", ptr_token(key));
            push(
                h,
                format_args!(
                    "<tr><th>{}</th><td>{}</td><td>{}</td><td><code data-text=\"\">{}</code><code data-text=\"\">{}</code></td></tr>",
                    text("span", &e.id),
                    esc(e.channel.as_str()),
                    fig(&p, Some(e.score), Unit::Plain),
                    esc(&explain_command(e, &options.inputs)),
                    esc(&search_command(e, index))
                ),
            );
        }
        h.push_str("</tbody></table></div>");
    }
    h.push_str("</section>");
}

fn customers(h: &mut String, report: &Report) {
    let c = &report.customers;
    push(
        h,
        format_args!(
            "<section id=\"customers\"><h2>Customers</h2><dl class=\"facts\"><dt>customers</dt><dd>{}</dd><dt>repeat customers</dt><dd>{}</dd>\
             <dt>conversations given twice</dt><dd>{}</dd><dt>customer lifetime value</dt><dd>{}</dd>\
             <dt>purchases</dt><dd>{}</dd><dt>cost to serve</dt><dd>{}</dd></dl>",
            count("/customers/customers", c.customers),
            count("/customers/repeat_customers", c.repeat_customers),
            count(
                "/customers/duplicate_conversations",
                c.duplicate_conversations
            ),
            fig("/customers/clv/value", c.clv.value, Unit::Plain),
            count("/customers/clv/purchases", c.clv.purchases),
            fig("/customers/cost_to_serve", c.cost_to_serve, Unit::Plain),
        ),
    );
    if !c.retention.is_empty() {
        h.push_str("<div class=\"scroll\"><table class=\"narrow\"><thead><tr><th>month</th><th>retention</th><th>active before</th><th>active</th><th>new</th></tr></thead><tbody>");
        for (i, r) in c.retention.iter().enumerate() {
            let p = format!("/customers/retention/{i}");
            push(
                h,
                format_args!(
                    "<tr><th>{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    text("span", &r.period),
                    fig(&format!("{p}/rate"), r.rate, Unit::Percent),
                    count(&format!("{p}/start"), r.start),
                    count(&format!("{p}/end"), r.end),
                    count(&format!("{p}/new"), r.new)
                ),
            );
        }
        h.push_str("</tbody></table></div>");
    }
    h.push_str("</section>");
}

fn input_summary(h: &mut String, report: &Report) {
    let i = &report.input;
    push(
        h,
        format_args!(
            "<section id=\"input\"><h2>Input</h2><dl class=\"facts\"><dt>files</dt><dd>{}</dd><dt>bytes</dt><dd>{}</dd>\
             <dt>records</dt><dd>{}</dd><dt>conversations</dt><dd>{}</dd><dt>events</dt><dd>{}</dd>\
             <dt>skipped records</dt><dd>{}</dd><dt>conversations reordered by time</dt><dd>{}</dd></dl>",
            count("/input/files", i.files),
            count("/input/bytes", i.bytes),
            count("/input/records", i.records),
            count("/input/conversations", i.conversations),
            count("/input/events", i.events),
            count("/skipped/total", report.skipped.total),
            count("/reordered_conversations", report.reordered_conversations),
        ),
    );
    counts_table(h, "files by reader", "reader", "/input/formats", &i.formats);
    counts_table(
        h,
        "skipped records by reason",
        "reason",
        "/skipped/by_reason",
        &report.skipped.by_reason,
    );
    if !report.skipped.examples.is_empty() {
        h.push_str("<h3>first skipped records</h3><div class=\"scroll\"><table class=\"narrow\"><thead><tr><th>file</th><th>line</th><th>reason</th></tr></thead><tbody>");
        for (k, p) in report.skipped.examples.iter().enumerate() {
            push(
                h,
                format_args!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                    text("span", &p.file),
                    count(&format!("/skipped/examples/{k}/line"), p.line),
                    esc(p.reason.as_str())
                ),
            );
        }
        h.push_str("</tbody></table></div>");
    }
    counts_table(
        h,
        "unknown fields (ignored)",
        "field",
        "/unknown_fields",
        &report.unknown_fields,
    );
    push(
        h,
        format_args!(
            "<p class=\"note\">Report shape version {}; the same numbers as <code>--format json</code>.</p></section>",
            count("/cxmine_report", u64::from(report.cxmine_report))
        ),
    );
}

fn counts_table(
    h: &mut String,
    title: &str,
    what: &str,
    pointer: &str,
    counts: &std::collections::BTreeMap<String, u64>,
) {
    if counts.is_empty() {
        return;
    }
    push(
        h,
        format_args!(
            "<h3>{}</h3><div class=\"scroll\"><table class=\"narrow\"><thead><tr><th>{}</th><th>count</th></tr></thead><tbody>",
            esc(title),
            esc(what)
        ),
    );
    for (k, n) in counts {
        push(
            h,
            format_args!(
                "<tr><th>{}</th><td>{}</td></tr>",
                text("span", k),
                count(&format!("{pointer}/{}", ptr_token(k)), *n)
            ),
        );
    }
    h.push_str("</tbody></table></div>");
}
