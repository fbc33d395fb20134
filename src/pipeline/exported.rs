//! The exported formats inside the pipeline: choosing a reader per file, reading the
//! non-JSONL files into conversations, joining surveys, and analysing them in parallel
//! through the same [`Context::finish_conversation`] as JSONL, so facts, aggregates and
//! observers see every format alike.
//!
//! Exported files are read first, one after the other in the sorted file order, and
//! analysed as they are read (see [`Exports`]: a chat log in rounds while it streams, a
//! social CSV or Stack Exchange dump one spill partition of threads at a time, e-mail
//! inputs threaded together at the end), in
//! batches whose facts lines take the first sequence numbers; the JSONL stream follows.
//! Output is therefore independent of the thread count.

use std::io::Read;

use super::{Context, Error, Options, Partial, guard};
use crate::error::Problem;
use crate::ingest::exported::{ExportedFile, ExportedReader, ReaderFamily, reader_for};
use crate::ingest::format::{ChosenBy, InputFormat, detect, format_of_path};
use crate::ingest::readers::ReadOutput;
use crate::ingest::source::{self, InputFile, STDIN};
use crate::model::Conversation;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Bytes looked at to recognise a format.
const HEAD_BYTES: usize = 4096;
/// Conversations analysed per parallel task (and per facts sequence number).
const BATCH: usize = 512;

/// The reader for each file, each choice told to the reporter.
pub(super) fn choose_formats(
    files: &[InputFile],
    options: &Options,
) -> Result<Vec<InputFormat>, Error> {
    files
        .iter()
        .map(|file| {
            let (format, why) = if file.path.as_os_str() == STDIN {
                (
                    options.input_format.unwrap_or(InputFormat::Jsonl),
                    if options.input_format.is_some() {
                        ChosenBy::Forced
                    } else {
                        ChosenBy::Default
                    },
                )
            } else if let Some(f) = options.input_format {
                (f, ChosenBy::Forced)
            } else if let Some(f) = format_of_path(&file.path).filter(|&f| !is_plain_text(file, f))
            {
                (f, ChosenBy::Extension)
            } else {
                detect(&file.path, &read_head(file), None)
            };
            options.reporter.reader_chosen(&file.name, format, why);
            Ok(format)
        })
        .collect()
}

/// A `.txt` file: a chat or call log, or a mailing-list archive, which its first bytes
/// tell apart (see [`detect`]).
fn is_plain_text(file: &InputFile, by_name: InputFormat) -> bool {
    by_name == InputFormat::ChatLog
        && crate::ingest::format::effective_extension(&file.path).as_deref() == Some("txt")
}

/// The first bytes of `file`, as many as can be read: a file that cannot be read is
/// reported when it is read in earnest, so here it only has no distinctive head.
fn read_head(file: &InputFile) -> Vec<u8> {
    let mut head = Vec::with_capacity(HEAD_BYTES);
    if let Ok((reader, _)) = source::open_damaged(file, Arc::new(AtomicU64::new(0))) {
        let _ = reader.take(HEAD_BYTES as u64).read_to_end(&mut head);
    }
    head
}

/// The file name without directories and extensions (`logs/day1.txt.gz` → `day1`).
fn stem(file: &InputFile) -> String {
    let name = file
        .path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("input");
    name.split('.').next().unwrap_or(name).to_owned()
}

/// Analyses exported conversations as the readers finish them, in rounds of parallel
/// batches, so memory holds one round rather than every exported conversation. The one
/// exception: a survey row keyed by customer joins that customer's last conversation
/// opened before the answer, so the conversations of customers with such rows are held
/// until the end (as many as the survey file names, not the input).
struct Exports<'a, 'c> {
    ctx: &'a Context<'c>,
    total: Partial,
    /// Facts sequence numbers used so far (one per batch).
    seq: u64,
    /// Conversations kept for the customer-keyed survey join (when the survey file has
    /// customer-keyed rows).
    held: Option<Vec<Conversation<'static>>>,
    /// The first error of an analysis round (a round run from inside a reader cannot
    /// return it).
    error: Option<Error>,
}

impl<'a, 'c> Exports<'a, 'c> {
    fn new(ctx: &'a Context<'c>) -> Self {
        let hold = ctx
            .options
            .surveys
            .as_ref()
            .is_some_and(|s| s.has_customer_rows());
        Exports {
            ctx,
            total: Partial::new(ctx.options.dims.clone()),
            seq: 0,
            held: hold.then(Vec::new),
            error: None,
        }
    }

    /// Takes what a reader has produced so far: records counted, problems reported,
    /// conversations analysed (or held).
    fn take(&mut self, out: &mut ReadOutput) {
        self.total.input.records += std::mem::take(&mut out.records);
        for p in std::mem::take(&mut out.problems) {
            self.ctx
                .problem(&mut self.total, p.pos, p.reason, p.message);
        }
        let mut conversations = std::mem::take(&mut out.conversations);
        if let (Some(held), Some(surveys)) = (&mut self.held, &self.ctx.options.surveys) {
            let (surveyed, rest) = conversations
                .into_iter()
                .partition(|c| surveys.has_rows_for_customer(c.customer_id.as_deref()));
            held.extend::<Vec<_>>(surveyed);
            conversations = rest;
        }
        self.analyse(conversations);
    }

    /// Analyses `conversations` in parallel batches whose facts take the next sequence
    /// numbers, so facts come out in reading order whatever the thread count.
    fn analyse(&mut self, conversations: Vec<Conversation<'static>>) {
        let first = self.seq;
        let batches = into_batches(conversations);
        self.seq += batches.len() as u64;
        let ctx = self.ctx;
        let parts: Vec<Partial> = batches
            .into_par_iter()
            .enumerate()
            .map(|(i, batch)| {
                let mut acc = Partial::new(ctx.options.dims.clone());
                let mut facts_buf = Vec::new();
                for conv in batch {
                    ctx.finish_conversation(&mut acc, conv, &mut facts_buf);
                }
                ctx.submit_facts(first + i as u64, facts_buf);
                acc
            })
            .collect();
        for p in parts {
            if let Err(e) = self.total.merge(p) {
                self.error.get_or_insert(e);
            }
        }
    }

    /// Joins the customer-keyed surveys onto held conversations and analyses them;
    /// returns the partial and the number of facts sequence numbers used.
    fn finish(mut self) -> Result<(Partial, u64), Error> {
        if let Some(mut held) = self.held.take() {
            if let Some(s) = &self.ctx.options.surveys {
                s.apply_by_customer(&mut held);
            }
            self.analyse(held);
        }
        match self.error {
            Some(e) => Err(e),
            None => Ok((self.total, self.seq)),
        }
    }
}

/// Conversations a chat log hands over per analysis round.
const ROUND: usize = 16 * BATCH;

/// Reads and analyses the exported files, one after the other in file order; e-mail
/// inputs are threaded together and analysed last. Returns their partial and the number
/// of facts sequence numbers used.
pub(super) fn run_exports(
    ctx: &Context<'_>,
    formats: &[InputFormat],
    raw: &Arc<AtomicU64>,
) -> Result<(Partial, u64), Error> {
    if formats.iter().all(|&f| f == InputFormat::Jsonl) {
        return Ok((Partial::new(ctx.options.dims.clone()), 0));
    }
    let before = raw.load(Ordering::Relaxed);
    let config = &ctx.options.config.readers;
    let mut exports = Exports::new(ctx);
    let mut out = ReadOutput::default();
    let mut readers: BTreeMap<ReaderFamily, Box<dyn ExportedReader>> = BTreeMap::new();
    let memory = ctx.options.mem_limit;
    for (i, (file, &format)) in ctx.files.iter().zip(formats).enumerate() {
        let Some(family) = ReaderFamily::of(format) else {
            continue; // JSONL: read as chunks by the main stream
        };
        let index = i as u32;
        let (reader, damage) = match source::open_damaged(file, raw.clone()) {
            Ok(opened) => opened,
            Err(e) => {
                ctx.report_problem(&mut exports.total, source::unopenable(file, &e));
                continue;
            }
        };
        let mut reader = std::io::BufReader::with_capacity(1 << 16, reader);
        let flush = &mut |o: &mut ReadOutput| exports.take(o);
        let exported = readers
            .entry(family)
            .or_insert_with(|| reader_for(family, config, memory, ROUND));
        let stem = stem(file);
        let this = ExportedFile {
            index,
            format,
            stem: &stem,
        };
        let result = guard::catch(|| exported.read(&mut reader, this, &mut out, flush));
        let during = format!("reading ({format} reader)");
        reader_result(ctx, &file.name, &during, &mut out, result)
            .map_err(|e| Error::io(&file.path, e))?;
        if exported.complete_per_file() {
            exports.take(&mut out);
        }
        if let Some(d) = damage.take() {
            ctx.report_problem(&mut exports.total, d.problem(file));
        }
        if let Some(err) = ctx.take_fatal() {
            return Err(err);
        }
    }
    exports.take(&mut out);
    for (family, reader) in &mut readers {
        let flush = &mut |o: &mut ReadOutput| exports.take(o);
        let result = guard::catch(|| reader.finish(&mut out, flush));
        let (input, during) = family.finishing();
        reader_result(ctx, input, during, &mut out, result).map_err(|e| Error::io(input, e))?;
    }
    if let Some(err) = ctx.take_fatal() {
        return Err(err);
    }
    exports.total.input.bytes += raw.load(Ordering::Relaxed) - before;
    exports.finish()
}

/// A reader's result; a panic becomes the run's fatal error (taken by the caller), naming
/// the record the reader was at, else `file`.
fn reader_result(
    ctx: &Context<'_>,
    file: &str,
    during: &str,
    out: &mut ReadOutput,
    result: Result<std::io::Result<()>, String>,
) -> std::io::Result<()> {
    let at = out.at.take();
    match result {
        Ok(r) => r,
        Err(message) => {
            let (file, line) = match at {
                Some(pos) => (ctx.file_name(pos.file), Some(pos.line)),
                None => (file, None),
            };
            ctx.fail(guard::panicked(file, line, during, message));
            Ok(())
        }
    }
}

fn into_batches(convs: Vec<Conversation<'static>>) -> Vec<Vec<Conversation<'static>>> {
    let mut batches = Vec::with_capacity(convs.len().div_ceil(BATCH));
    let mut it = convs.into_iter().peekable();
    while it.peek().is_some() {
        batches.push(it.by_ref().take(BATCH).collect());
    }
    batches
}

/// Counts the files of each format into `partial`.
pub(super) fn tally_formats(partial: &mut Partial, formats: &[InputFormat]) {
    for f in formats {
        *partial
            .input
            .formats
            .entry(f.as_str().to_owned())
            .or_default() += 1;
    }
}

/// Records the survey file's own problems and its rows that answered nothing.
pub(super) fn survey_problems(ctx: &Context<'_>, partial: &mut Partial) {
    if let Some(s) = &ctx.options.surveys {
        for p in s.problems.iter().cloned().chain(s.unmatched()) {
            ctx.report_problem(partial, p);
        }
    }
}

/// Reads `files` like [`super::run`] and writes every conversation as canonical JSONL to
/// `out`, in the order `--facts` lines come in (exported files first, then the JSONL
/// inputs by file and line, conversations rebuilt from event lines last), whatever the
/// thread count. Lines stream out as conversations are finished; memory holds only the
/// reordering window.
pub fn convert(
    files: &[InputFile],
    options: &Options,
    out: Box<dyn std::io::Write + Send>,
) -> Result<Partial, Error> {
    let options = Options {
        lines: super::LineKind::Conversation,
        ..options.clone()
    };
    super::run(files, &options, Some(out), None)
}

/// A problem in the run's terms, for callers that hold a [`Problem`] already.
impl Context<'_> {
    pub(super) fn report_problem(&self, acc: &mut Partial, p: Problem) {
        self.options.reporter.problem(&p);
        acc.diagnostics.record(p);
    }
}
