//! CSV records framed line by line, with recovery from an unclosed quote: the record
//! reader under the exported CSV formats ([`crate::ingest::social_csv`],
//! [`crate::ingest::surveys`]).
//!
//! The field syntax is the usual one (and reads every well-formed file as the `csv` crate
//! does): fields are separated by commas; a field that starts with `"` is quoted, may hold
//! commas and line ends, and writes a quote as `""`; a quote anywhere else is text, and
//! text after a closing quote is appended to the field. Empty lines are skipped.
//!
//! Recovery: one stray quote at the start of a field would otherwise open a quoted field
//! that runs on to the next quote of the file, and from there every quote pairs with the
//! wrong one: the rest of the file reads as one damaged record. So while a quoted field
//! runs on over a line end, each following line is first offered, parsed on its own, to
//! the caller's [`LineStart`] test. A line the test accepts as the start of a record of
//! this file ends the damage: the lines before it are returned as one [`Framed::RunOn`]
//! span (one skipped record for the caller), and reading goes on from that line. A quoted
//! field still open at the end of the file is a run-on span too. A legitimate multi-line
//! field (a post with line breaks) is read whole, as long as none of its lines looks like
//! a record of its own.
//!
//! Lines are numbered from 1 by their line ends; a record's line is its first line. A
//! UTF-8 byte-order mark at the start of the input is dropped.

use std::io::BufRead;

/// Which bytes end a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEnds {
    /// `\n` only: a bare `\r` is text (a `\r` before the `\n` stays in the last field).
    Newline,
    /// `\n`, `\r` or `\r\n`.
    Any,
}

/// The fields of one record: their bytes concatenated, and where each ends.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Fields {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl Fields {
    /// Number of fields.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when the record has no field.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Field `i`, when there is one.
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(&self.bytes[start..end])
    }

    /// Every field in order.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
    }

    fn end_field(&mut self) {
        self.ends.push(self.bytes.len());
    }
}

/// A line parsed on its own, offered to the caller to decide whether it starts a record.
#[derive(Debug)]
pub struct LineStart<'a> {
    /// The line's fields; when `open`, the last one is the beginning of a quoted field.
    pub fields: &'a Fields,
    /// True when a quoted field is still open at the end of the line.
    pub open: bool,
}

impl LineStart<'_> {
    /// Number of fields complete on the line (the open one excluded).
    pub fn complete(&self) -> usize {
        self.fields.len() - usize::from(self.open)
    }

    /// Field `i` when it is complete on the line.
    pub fn complete_field(&self, i: usize) -> Option<&[u8]> {
        (i < self.complete()).then(|| self.fields.get(i)).flatten()
    }
}

/// What [`CsvRecords::next`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framed {
    /// A record starting on `line`; its fields are in [`CsvRecords::fields`].
    Record {
        /// Its first line.
        line: u64,
    },
    /// Lines `first..=last` where a quoted field opened and never closed.
    RunOn {
        /// The line where the damaged record starts.
        first: u64,
        /// Its last line.
        last: u64,
        /// The line of the record that ends the damage; `None` at the end of the file.
        next: Option<u64>,
    },
}

impl Framed {
    /// The line where the record or span starts.
    pub fn line(&self) -> u64 {
        match *self {
            Framed::Record { line } | Framed::RunOn { first: line, .. } => line,
        }
    }

    /// For a run-on span, why it was skipped; `None` for a record.
    pub fn run_on_message(&self) -> Option<String> {
        let Framed::RunOn { first, last, next } = *self else {
            return None;
        };
        let lines = if first == last {
            format!("line {first}")
        } else {
            format!("lines {first}-{last}")
        };
        Some(match next {
            Some(next) => format!(
                "unclosed quote: a quoted field opened on line {first} runs on until line \
                 {next} starts the next record ({lines} skipped)"
            ),
            None => format!(
                "unclosed quote: a quoted field opened on line {first} runs to the end of \
                 the file ({lines} skipped)"
            ),
        })
    }
}

/// Where the field parser stands between two bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    StartField,
    InField,
    InQuoted,
    /// A quote inside a quoted field: either the first of `""` or the closing one.
    QuoteInQuoted,
}

/// Parses the bytes of one line (without its line end) into `fields`, from `state`;
/// returns the state at the end of the line.
fn parse_line(line: &[u8], mut state: State, fields: &mut Fields) -> State {
    for &b in line {
        state = match (state, b) {
            (State::StartField, b'"') => State::InQuoted,
            (State::StartField | State::InField | State::QuoteInQuoted, b',') => {
                fields.end_field();
                State::StartField
            }
            (State::InQuoted, b'"') => State::QuoteInQuoted,
            (State::QuoteInQuoted, b'"') => {
                fields.bytes.push(b'"');
                State::InQuoted
            }
            (State::InQuoted, b) => {
                fields.bytes.push(b);
                State::InQuoted
            }
            (State::StartField | State::InField | State::QuoteInQuoted, b) => {
                fields.bytes.push(b);
                State::InField
            }
        };
    }
    state
}

/// A UTF-8 byte-order mark, dropped from the start of the input.
const BYTE_ORDER_MARK: &[u8] = b"\xEF\xBB\xBF";

/// Reads CSV records from a buffered reader (see the module doc).
pub struct CsvRecords<'r> {
    input: &'r mut dyn BufRead,
    ends: LineEnds,
    /// Lines read so far.
    lines: u64,
    /// A line already read that starts the next record: its content, line end, number.
    ahead: Option<(Vec<u8>, Vec<u8>, u64)>,
    /// The current line's content and its line end.
    line: Vec<u8>,
    end: Vec<u8>,
    fields: Fields,
    scratch: Fields,
}

impl<'r> CsvRecords<'r> {
    /// Reads records from `input`, lines ending as `ends` says.
    pub fn new(input: &'r mut dyn BufRead, ends: LineEnds) -> CsvRecords<'r> {
        CsvRecords {
            input,
            ends,
            lines: 0,
            ahead: None,
            line: Vec::new(),
            end: Vec::new(),
            fields: Fields::default(),
            scratch: Fields::default(),
        }
    }

    /// The fields of the last [`Framed::Record`].
    pub fn fields(&self) -> &Fields {
        &self.fields
    }

    /// The next record or run-on span; `None` at the end of the input.
    ///
    /// `starts_record` decides, for a line met while a quoted field runs on, whether it
    /// starts a new record (see the module doc). Without it (the header), a quoted field
    /// runs on to its closing quote or the end of the file, and the result is a record.
    pub fn next(
        &mut self,
        starts_record: Option<&dyn Fn(&LineStart<'_>) -> bool>,
    ) -> std::io::Result<Option<Framed>> {
        let first = loop {
            match self.ahead.take() {
                Some((line, end, number)) => {
                    self.line = line;
                    self.end = end;
                    break number;
                }
                None => {
                    if !self.read_line()? {
                        return Ok(None);
                    }
                    if !self.line.is_empty() {
                        break self.lines;
                    }
                }
            }
        };
        self.fields.clear();
        let mut state = parse_line(&self.line, State::StartField, &mut self.fields);
        let mut last = first;
        while state == State::InQuoted {
            // The line end is part of the quoted field, if the field goes on.
            let end = std::mem::take(&mut self.end);
            if !self.read_line()? {
                return Ok(Some(match starts_record {
                    Some(_) => Framed::RunOn {
                        first,
                        last,
                        next: None,
                    },
                    None => {
                        self.fields.bytes.extend_from_slice(&end);
                        self.finish_record(first)
                    }
                }));
            }
            if starts_record.is_some_and(|test| self.line_starts_record(test)) {
                let line = std::mem::take(&mut self.line);
                self.ahead = Some((line, std::mem::take(&mut self.end), self.lines));
                return Ok(Some(Framed::RunOn {
                    first,
                    last,
                    next: Some(self.lines),
                }));
            }
            self.fields.bytes.extend_from_slice(&end);
            state = parse_line(&self.line, State::InQuoted, &mut self.fields);
            last = self.lines;
        }
        Ok(Some(self.finish_record(first)))
    }

    fn finish_record(&mut self, first: u64) -> Framed {
        self.fields.end_field();
        Framed::Record { line: first }
    }

    /// Parses the current line on its own and asks `test` whether it starts a record.
    fn line_starts_record(&mut self, test: &dyn Fn(&LineStart<'_>) -> bool) -> bool {
        self.scratch.clear();
        let state = parse_line(&self.line, State::StartField, &mut self.scratch);
        self.scratch.end_field();
        test(&LineStart {
            fields: &self.scratch,
            open: state == State::InQuoted,
        })
    }

    /// Reads the next line into `line` (its line end into `end`); false at the end of
    /// the input.
    fn read_line(&mut self) -> std::io::Result<bool> {
        self.line.clear();
        self.end.clear();
        let read = match self.ends {
            LineEnds::Newline => self.input.read_until(b'\n', &mut self.line)?,
            LineEnds::Any => self.read_until_cr_or_lf()?,
        };
        if read == 0 {
            return Ok(false);
        }
        if self.lines == 0 && self.line.starts_with(BYTE_ORDER_MARK) {
            self.line.drain(..BYTE_ORDER_MARK.len());
        }
        self.lines += 1;
        match self.ends {
            LineEnds::Newline => {
                if self.line.last() == Some(&b'\n') {
                    self.line.pop();
                    self.end.push(b'\n');
                }
            }
            LineEnds::Any => {
                while let Some(&b) = self.line.last().filter(|&&b| b == b'\r' || b == b'\n') {
                    self.line.pop();
                    self.end.insert(0, b);
                }
            }
        }
        Ok(true)
    }

    /// Reads up to and including the next `\r`, `\n` or `\r\n`; returns the bytes read.
    fn read_until_cr_or_lf(&mut self) -> std::io::Result<usize> {
        let mut read = 0;
        loop {
            let buf = match self.input.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                return Ok(read);
            }
            match buf.iter().position(|&b| b == b'\r' || b == b'\n') {
                Some(i) => {
                    let cr = buf[i] == b'\r';
                    self.line.extend_from_slice(&buf[..=i]);
                    self.input.consume(i + 1);
                    read += i + 1;
                    if cr && self.input.fill_buf()?.first() == Some(&b'\n') {
                        self.line.push(b'\n');
                        self.input.consume(1);
                        read += 1;
                    }
                    return Ok(read);
                }
                None => {
                    let n = buf.len();
                    self.line.extend_from_slice(buf);
                    self.input.consume(n);
                    read += n;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frames `text`; a line starts a record when its first field is `#` and a number.
    fn frame(text: &str, ends: LineEnds) -> Vec<(Framed, Vec<String>)> {
        let starts = |l: &LineStart<'_>| {
            l.complete_field(0).is_some_and(|f| {
                f.len() > 1 && f[0] == b'#' && f[1..].iter().all(u8::is_ascii_digit)
            })
        };
        let mut input = text.as_bytes();
        let mut records = CsvRecords::new(&mut input, ends);
        let mut out = Vec::new();
        while let Some(framed) = records.next(Some(&starts)).unwrap() {
            let fields = match framed {
                Framed::Record { .. } => records
                    .fields()
                    .iter()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect(),
                Framed::RunOn { .. } => Vec::new(),
            };
            out.push((framed, fields));
        }
        out
    }

    fn record(line: u64, fields: &[&str]) -> (Framed, Vec<String>) {
        (
            Framed::Record { line },
            fields.iter().map(|f| f.to_string()).collect(),
        )
    }

    #[test]
    fn quoted_fields_hold_commas_line_ends_and_doubled_quotes() {
        let text = "#1,\"a, b\",\"say \"\"hi\"\"\nand 😀\"\n\n#2,x\"y,\"q\"tail,\n";
        assert_eq!(
            frame(text, LineEnds::Newline),
            [
                record(1, &["#1", "a, b", "say \"hi\"\nand 😀"]),
                // Line 3 is empty and skipped; a quote inside a field is text, text after a
                // closing quote is appended, and a trailing comma ends an empty field.
                record(4, &["#2", "x\"y", "qtail", ""]),
            ]
        );
    }

    #[test]
    fn a_stray_quote_spoils_only_its_own_record() {
        // Line 2 opens a quote that never closes; line 3 continues it (no record start),
        // line 4 starts a record: lines 2-3 are one run-on span.
        let text = "#1,ok\n#2,\"broken\nstill broken, x\n#3,\"fine\"\n#4,last\n";
        let framed = frame(text, LineEnds::Newline);
        assert_eq!(
            framed,
            [
                record(1, &["#1", "ok"]),
                (
                    Framed::RunOn {
                        first: 2,
                        last: 3,
                        next: Some(4)
                    },
                    vec![]
                ),
                record(4, &["#3", "fine"]),
                record(5, &["#4", "last"]),
            ]
        );
        assert_eq!(
            framed[1].0.run_on_message().unwrap(),
            "unclosed quote: a quoted field opened on line 2 runs on until line 4 starts \
             the next record (lines 2-3 skipped)"
        );
    }

    #[test]
    fn a_quote_open_at_the_end_of_the_file_is_a_run_on_span() {
        let framed = frame("#1,ok\n#2,\"no end\n", LineEnds::Newline);
        let span = Framed::RunOn {
            first: 2,
            last: 2,
            next: None,
        };
        assert_eq!(framed, [record(1, &["#1", "ok"]), (span, vec![])]);
        assert!(
            span.run_on_message()
                .unwrap()
                .contains("to the end of the file (line 2")
        );
    }

    #[test]
    fn without_a_test_a_quote_runs_to_the_end_like_the_csv_crate() {
        let mut input = "a,\"b\nc\n".as_bytes();
        let mut records = CsvRecords::new(&mut input, LineEnds::Newline);
        assert_eq!(
            records.next(None).unwrap(),
            Some(Framed::Record { line: 1 })
        );
        let fields: Vec<&[u8]> = records.fields().iter().collect();
        assert_eq!(fields, [&b"a"[..], b"b\nc\n"]);
        assert_eq!(records.next(None).unwrap(), None);
    }

    #[test]
    fn line_ends() {
        // `\n` only: a bare `\r` is text, also at the end of the last field.
        let text = "#1,a\rb\r\n#2,\"c\r\nd\"\n";
        assert_eq!(
            frame(text, LineEnds::Newline),
            [record(1, &["#1", "a\rb\r"]), record(2, &["#2", "c\r\nd"])]
        );
        // Any: `\r`, `\n` and `\r\n` each end a line (kept inside a quoted field).
        let text = "#1,a\r#2,b\r\n\r\n#3,\"c\r\nd\"\n#4";
        assert_eq!(
            frame(text, LineEnds::Any),
            [
                record(1, &["#1", "a"]),
                record(2, &["#2", "b"]),
                record(4, &["#3", "c\r\nd"]),
                record(6, &["#4"]),
            ]
        );
        assert!(frame("", LineEnds::Any).is_empty());
    }
}
