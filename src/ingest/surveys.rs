//! Survey answers from a CSV file (`--surveys FILE`), joined onto conversations.
//!
//! Columns (header names, case-insensitive, any order): `conversation_id` or
//! `customer_id` (at least one), and any of `csat` (1–5), `nps` (0–10), `ces` (1–7);
//! optionally the answer time in `ts`, `submitted_at`, `answered_at`, `created_at` or
//! `date` (RFC 3339, a zone-less time is UTC). Empty cells are unanswered scales.
//!
//! Join rules:
//! - a row with `conversation_id` answers that conversation (any input format);
//! - a row with only `customer_id` answers that customer's conversation opened last at or
//!   before the answer time (no time: the customer's last-opened conversation). This needs
//!   all of the customer's conversations at once, so it applies to conversations of the
//!   exported formats, which are read whole before analysis; canonical JSONL carries its
//!   surveys inline or is joined by `conversation_id`;
//! - answers already in the input win: a joined row only fills the scales a conversation
//!   lacks;
//! - rows that match no conversation are reported as `unmatched_survey` problems, and
//!   rows with bad values as `bad_value`, each with the survey file's line;
//! - a quote left open spoils only its own row (see [`crate::ingest::csv_records`]): the
//!   lines it runs over, up to the next line that is a whole row with an id, are one
//!   `malformed_record` problem.

use std::collections::HashMap;
use std::io::{BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{Error, Problem, SkipReason};
use crate::ingest::csv_records::{CsvRecords, Fields, LineEnds, LineStart};
use crate::ingest::readers::{parse_time_assuming_utc, time_problem};
use crate::model::{Conversation, Survey};
use crate::time::Timestamp;

/// One survey row.
#[derive(Debug)]
struct Row {
    line: u64,
    conversation_id: Option<String>,
    customer_id: Option<String>,
    at: Option<Timestamp>,
    survey: Survey,
}

/// The loaded survey file, ready to join.
#[derive(Debug, Default)]
pub struct SurveyTable {
    name: String,
    rows: Vec<Row>,
    by_conversation: HashMap<String, usize>,
    by_customer: HashMap<String, Vec<usize>>,
    used: Vec<AtomicBool>,
    /// Rows that could not be read.
    pub problems: Vec<Problem>,
}

const TIME_COLUMNS: [&str; 5] = ["ts", "submitted_at", "answered_at", "created_at", "date"];

impl SurveyTable {
    /// Loads a survey CSV file.
    pub fn load(path: &Path) -> Result<SurveyTable, Error> {
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        SurveyTable::read(file, &path.display().to_string())
            .map_err(|message| Error::Usage(format!("--surveys {}: {message}", path.display())))
    }

    /// Reads survey CSV from `reader`; `name` is the file name used in problems. Fails
    /// only when the header lacks an id column or the data cannot be read at all.
    pub fn read(reader: impl Read, name: &str) -> Result<SurveyTable, String> {
        let mut reader = BufReader::new(reader);
        let mut csv = CsvRecords::new(&mut reader, LineEnds::Any);
        let io = |e: std::io::Error| e.to_string();
        let header: Vec<String> = match csv.next(None).map_err(io)? {
            None => Vec::new(), // an empty file: no id column
            Some(_) => text_fields(csv.fields())
                .map_err(|i| format!("header field {} is not UTF-8", i + 1))?
                .into_iter()
                .map(str::to_owned)
                .collect(),
        };
        let col = |n: &str| header.iter().position(|h| h.trim().eq_ignore_ascii_case(n));
        let conv_col = col("conversation_id");
        let cust_col = col("customer_id");
        if conv_col.is_none() && cust_col.is_none() {
            return Err("needs a `conversation_id` or `customer_id` column".into());
        }
        let scale_cols = [col("csat"), col("nps"), col("ces")];
        let time_col = TIME_COLUMNS.iter().find_map(|n| col(n));
        let mut table = SurveyTable {
            name: name.to_owned(),
            ..SurveyTable::default()
        };
        // A line inside a run-on quoted field starts a row when it is a whole row of its
        // own (the header's field count, no quote left open) with an id.
        let starts_row = |l: &LineStart<'_>| {
            let id = |c: Option<usize>| {
                c.and_then(|i| l.complete_field(i))
                    .is_some_and(|f| !f.trim_ascii().is_empty())
            };
            !l.open && l.fields.len() == header.len() && (id(conv_col) || id(cust_col))
        };
        loop {
            let framed = match csv.next(Some(&starts_row)) {
                Ok(Some(framed)) => framed,
                Ok(None) => break,
                Err(e) => {
                    let line = table.rows.last().map_or(1, |r| r.line);
                    let message = format!("reading stopped after line {line}: {e}");
                    table.problem(line, SkipReason::UnreadableFile, message);
                    break;
                }
            };
            let line = framed.line();
            if let Some(message) = framed.run_on_message() {
                table.problem(line, SkipReason::MalformedRecord, message);
                continue;
            }
            let record = match text_fields(csv.fields()) {
                Ok(record) => record,
                Err(i) => {
                    let message = format!("field {} is not UTF-8", i + 1);
                    table.problem(line, SkipReason::MalformedRecord, message);
                    continue;
                }
            };
            let cell = |c: Option<usize>| {
                c.and_then(|i| record.get(i))
                    .map(|s| s.trim())
                    .filter(|s| !s.is_empty())
            };
            let row = parse_row(line, &cell, conv_col, cust_col, scale_cols, time_col);
            match row {
                Ok(row) => table.insert(row),
                Err((reason, message)) => table.problem(line, reason, message),
            }
        }
        Ok(table)
    }

    fn problem(&mut self, line: u64, reason: SkipReason, message: String) {
        self.problems.push(Problem {
            file: self.name.clone(),
            line,
            reason,
            message,
        });
    }

    fn insert(&mut self, row: Row) {
        let i = self.rows.len();
        if let Some(c) = &row.conversation_id {
            if let Some(&first) = self.by_conversation.get(c) {
                let msg = format!(
                    "second survey row for conversation {c:?} (first at line {})",
                    self.rows[first].line
                );
                self.problem(row.line, SkipReason::BadValue, msg);
                return;
            }
            self.by_conversation.insert(c.clone(), i);
        } else if let Some(c) = &row.customer_id {
            self.by_customer.entry(c.clone()).or_default().push(i);
        }
        self.rows.push(row);
        self.used.push(AtomicBool::new(false));
    }

    /// Number of usable rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when no row was usable.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Fills `conv`'s missing scales from the row keyed by its id (idempotent).
    pub fn apply_by_conversation(&self, conv: &mut Conversation<'_>) {
        if let Some(&i) = self.by_conversation.get(conv.id.as_ref()) {
            conv.survey.fill_from(self.rows[i].survey);
            self.used[i].store(true, Ordering::Relaxed);
        }
    }

    /// True when some rows are keyed by customer (their join needs every conversation of
    /// those customers).
    pub fn has_customer_rows(&self) -> bool {
        !self.by_customer.is_empty()
    }

    /// True when rows are keyed by this customer, so [`SurveyTable::apply_by_customer`]
    /// needs all of their conversations at once.
    pub fn has_rows_for_customer(&self, customer: Option<&str>) -> bool {
        customer.is_some_and(|c| self.by_customer.contains_key(c))
    }

    /// Joins customer-keyed rows onto `convs` (see the module doc for the rule).
    pub fn apply_by_customer(&self, convs: &mut [Conversation<'_>]) {
        if self.by_customer.is_empty() {
            return;
        }
        // customer → (opening, index), for conversations of customers with survey rows.
        let mut openings: HashMap<&str, Vec<(Timestamp, usize)>> = HashMap::new();
        for (i, c) in convs.iter().enumerate() {
            let Some(cust) = c.customer_id.as_deref() else {
                continue;
            };
            let Some((key, _)) = self.by_customer.get_key_value(cust) else {
                continue;
            };
            if let Some(opened) = opening_of(c) {
                openings.entry(key.as_str()).or_default().push((opened, i));
            }
        }
        let mut targets: Vec<(usize, usize)> = Vec::new();
        for (cust, list) in &mut openings {
            list.sort_unstable();
            for &row in &self.by_customer[*cust] {
                let at = self.rows[row].at;
                let chosen = list
                    .iter()
                    .rev()
                    .find(|(opened, _)| at.is_none_or(|t| *opened <= t));
                if let Some(&(_, conv)) = chosen {
                    targets.push((conv, row));
                }
            }
        }
        // Earlier rows first, so the first answer to a conversation wins.
        targets.sort_unstable_by_key(|&(conv, row)| (row, conv));
        for (conv, row) in targets {
            convs[conv].survey.fill_from(self.rows[row].survey);
            self.used[row].store(true, Ordering::Relaxed);
        }
    }

    /// Problems for the rows that answered no conversation, in file order.
    pub fn unmatched(&self) -> Vec<Problem> {
        self.rows
            .iter()
            .zip(&self.used)
            .filter(|(_, used)| !used.load(Ordering::Relaxed))
            .map(|(row, _)| Problem {
                file: self.name.clone(),
                line: row.line,
                reason: SkipReason::UnmatchedSurvey,
                message: match (&row.conversation_id, &row.customer_id) {
                    (Some(c), _) => format!("no conversation {c:?} in the input"),
                    (None, Some(c)) => {
                        format!("no conversation of customer {c:?} opened before the answer")
                    }
                    (None, None) => "row without ids".into(),
                },
            })
            .collect()
    }
}

fn opening_of(c: &Conversation<'_>) -> Option<Timestamp> {
    c.opened_at.or_else(|| c.events.iter().map(|e| e.ts).min())
}

/// The fields as text; `Err(index)` of the first that is not UTF-8.
fn text_fields(fields: &Fields) -> Result<Vec<&str>, usize> {
    fields
        .iter()
        .enumerate()
        .map(|(i, f)| std::str::from_utf8(f).map_err(|_| i))
        .collect()
}

type Cell<'a> = dyn Fn(Option<usize>) -> Option<&'a str> + 'a;

fn parse_row<'a>(
    line: u64,
    cell: &Cell<'a>,
    conv_col: Option<usize>,
    cust_col: Option<usize>,
    scale_cols: [Option<usize>; 3],
    time_col: Option<usize>,
) -> Result<Row, (SkipReason, String)> {
    let conversation_id = cell(conv_col).map(str::to_owned);
    let customer_id = cell(cust_col).map(str::to_owned);
    if conversation_id.is_none() && customer_id.is_none() {
        return Err((
            SkipReason::MissingId,
            "neither conversation_id nor customer_id".into(),
        ));
    }
    let scale =
        |i: usize, name: &str, lo: u8, hi: u8| -> Result<Option<u8>, (SkipReason, String)> {
            let Some(text) = cell(scale_cols[i]) else {
                return Ok(None);
            };
            match text.parse::<u8>() {
                Ok(v) if (lo..=hi).contains(&v) => Ok(Some(v)),
                _ => Err((
                    SkipReason::BadValue,
                    format!("`{name}` = {text:?} is not in {lo}..={hi}"),
                )),
            }
        };
    let survey = Survey {
        csat: scale(0, "csat", 1, 5)?,
        nps: scale(1, "nps", 0, 10)?,
        ces: scale(2, "ces", 1, 7)?,
    };
    let at = match cell(time_col) {
        None => None,
        Some(t) => Some(parse_time_assuming_utc(t).map_err(|e| time_problem("time", t, e))?),
    };
    Ok(Row {
        line,
        conversation_id,
        customer_id,
        at,
        survey,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Channel, Event, Role};

    fn conv(id: &str, customer: &str, opened: &str) -> Conversation<'static> {
        let mut c = Conversation::new(id.to_owned(), Channel::Chat);
        c.customer_id = Some(customer.to_owned().into());
        let ts = Timestamp::parse(opened).unwrap();
        c.events.push(Event::message(ts, Role::Customer, "hi"));
        c
    }

    #[test]
    fn customer_rows_answer_the_last_conversation_opened_before() {
        let csv = "customer_id,csat,nps,submitted_at\n\
                   u1,4,,2024-03-02 12:00:00\n\
                   u1,,9,\n\
                   u9,5,,\n\
                   u1,6,,\n";
        let t = SurveyTable::read(csv.as_bytes(), "s.csv").unwrap();
        // Row 5: csat 6 is out of 1..=5.
        assert_eq!(t.problems.len(), 1);
        assert_eq!(
            (t.problems[0].line, t.problems[0].reason),
            (5, SkipReason::BadValue)
        );
        let mut convs = vec![
            conv("a", "u1", "2024-03-01T09:00:00Z"),
            conv("b", "u1", "2024-03-03T09:00:00Z"),
        ];
        t.apply_by_customer(&mut convs);
        // Line 2 (time 03-02 12:00) → "a", opened 03-01 (b opens later).
        // Line 3 (no time) → the last-opened, "b".
        assert_eq!(
            convs[0].survey,
            Survey {
                csat: Some(4),
                nps: None,
                ces: None
            }
        );
        assert_eq!(
            convs[1].survey,
            Survey {
                csat: None,
                nps: Some(9),
                ces: None
            }
        );
        let unmatched: Vec<u64> = t.unmatched().iter().map(|p| p.line).collect();
        assert_eq!(unmatched, [4]);
    }

    #[test]
    fn a_stray_quote_spoils_only_its_own_survey_row() {
        // Line 3 opens a quote it never closes; line 4 is a whole row with an id, so the
        // damage is line 3 alone. Lines 5-6 are one row whose comment holds a line break
        // and doubled quotes. Rows kept: c1, c3, c4.
        let csv = "conversation_id,csat,nps,comment\n\
                   c1,4,9,\"fine\"\n\
                   c2,5,10,\"great, thanks\n\
                   c3,3,6,ok\n\
                   c4,2,0,\"too \"\"slow\"\" 😠\n\
                   really\"\n";
        let t = SurveyTable::read(csv.as_bytes(), "s.csv").unwrap();
        assert_eq!(t.len(), 3);
        let problems: Vec<(u64, SkipReason)> =
            t.problems.iter().map(|p| (p.line, p.reason)).collect();
        assert_eq!(problems, [(3, SkipReason::MalformedRecord)]);
        assert!(
            t.problems[0]
                .message
                .contains("line 4 starts the next record")
        );
        let lines: Vec<u64> = t.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 4, 5]);
        assert_eq!(t.rows[2].survey.nps, Some(0));
    }

    #[test]
    fn conversation_rows_fill_only_missing_scales() {
        let csv = "conversation_id,csat,ces\nc1,2,6\nc1,3,\n";
        let t = SurveyTable::read(csv.as_bytes(), "s.csv").unwrap();
        assert_eq!(t.problems.len(), 1); // the duplicate row at line 3
        let mut c = conv("c1", "u", "2024-03-01T09:00:00Z");
        c.survey.csat = Some(5);
        t.apply_by_conversation(&mut c);
        assert_eq!(
            c.survey,
            Survey {
                csat: Some(5),
                nps: None,
                ces: Some(6)
            }
        );
        assert!(t.unmatched().is_empty());
        assert!(SurveyTable::read("id,csat\n".as_bytes(), "s").is_err());
    }
}
