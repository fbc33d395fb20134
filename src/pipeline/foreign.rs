//! The exported formats inside the pipeline: choosing a reader per file, reading the
//! non-JSONL files into conversations, joining surveys, and analysing them in parallel
//! through the same [`Context::finish_conversation`] as JSONL, so facts, aggregates and
//! observers see every format alike.
//!
//! Exported files are read first, one after the other in the sorted file order (e-mail
//! inputs threaded together), then analysed in fixed batches whose facts lines take the
//! first sequence numbers; the JSONL stream follows. Output is therefore independent of
//! the thread count.

use std::io::Read;

use super::{Context, Error, Options, Partial, SourcePos};
use crate::error::Problem;
use crate::ingest::email::Threader;
use crate::ingest::format::{Detection, InputFormat, detect};
use crate::ingest::readers::{ReadOutput, read_file};
use crate::ingest::source::{self, InputFile, STDIN};
use crate::model::Conversation;
use rayon::prelude::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Bytes looked at to recognise a format.
const HEAD_BYTES: usize = 4096;
/// Conversations analysed per parallel task (and per facts sequence number).
const BATCH: usize = 512;

/// The reader for each file, announced on stderr (when problems are printed) for every
/// file that is not read as JSONL by its extension.
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
                        Detection::Forced
                    } else {
                        Detection::Default
                    },
                )
            } else if let Some(f) = options.input_format {
                (f, Detection::Forced)
            } else {
                let head = read_head(file)?;
                detect(&file.path, &head, None)
            };
            if options.print_problems
                && !(format == InputFormat::Jsonl && why == Detection::Extension)
            {
                eprintln!(
                    "cxmine: {}: {} reader ({})",
                    file.name,
                    format,
                    why.as_str()
                );
            }
            Ok(format)
        })
        .collect()
}

fn read_head(file: &InputFile) -> Result<Vec<u8>, Error> {
    let reader = source::open(file, Arc::new(AtomicU64::new(0)))?;
    let mut head = Vec::with_capacity(HEAD_BYTES);
    reader
        .take(HEAD_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(|e| Error::io(&file.path, e))?;
    Ok(head)
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

/// Reads every non-JSONL file into conversations, in file order.
fn read_exports(
    files: &[InputFile],
    formats: &[InputFormat],
    options: &Options,
    raw: &Arc<AtomicU64>,
) -> Result<(ReadOutput, u64), Error> {
    let mut out = ReadOutput::default();
    let mut threader: Option<Threader> = None;
    let before = raw.load(Ordering::Relaxed);
    for (i, (file, &format)) in files.iter().zip(formats).enumerate() {
        if format == InputFormat::Jsonl {
            continue;
        }
        let reader = source::open(file, raw.clone())?;
        let mut reader = std::io::BufReader::with_capacity(1 << 16, reader);
        let index = i as u32;
        let readers = &options.config.readers;
        let result = match format {
            InputFormat::Mbox => threader
                .get_or_insert_with(|| Threader::new(&readers.email))
                .add_mbox(&mut reader, index, &mut out),
            InputFormat::Eml => threader
                .get_or_insert_with(|| Threader::new(&readers.email))
                .add_eml(&mut reader, index, &mut out),
            _ => read_file(format, &mut reader, index, &stem(file), readers, &mut out),
        };
        result.map_err(|e| Error::io(&file.path, e))?;
    }
    if let Some(t) = threader {
        t.finish(&mut out);
    }
    Ok((out, raw.load(Ordering::Relaxed) - before))
}

/// Reads and analyses the exported files; returns their partial and the number of facts
/// sequence numbers used.
pub(super) fn run_exports(
    ctx: &Context<'_>,
    formats: &[InputFormat],
    raw: &Arc<AtomicU64>,
) -> Result<(Partial, u64), Error> {
    let dims = ctx.options.dims.clone();
    let mut total = Partial::new(dims.clone());
    if formats.iter().all(|&f| f == InputFormat::Jsonl) {
        return Ok((total, 0));
    }
    let (mut out, bytes) = read_exports(ctx.files, formats, ctx.options, raw)?;
    total.input.bytes += bytes;
    total.input.records += out.records;
    for p in std::mem::take(&mut out.problems) {
        ctx.problem(&mut total, p.pos, p.reason, p.message);
    }
    if let Some(s) = &ctx.options.surveys {
        s.apply_by_customer(&mut out.conversations);
    }
    let batches = into_batches(out.conversations);
    let used = batches.len() as u64;
    let parts: Vec<Partial> = batches
        .into_par_iter()
        .enumerate()
        .map(|(seq, batch)| {
            let mut acc = Partial::new(dims.clone());
            let mut facts_buf = Vec::new();
            for conv in batch {
                ctx.finish_conversation(&mut acc, conv, &mut facts_buf);
            }
            ctx.submit_facts(seq as u64, facts_buf);
            acc
        })
        .collect();
    for p in parts {
        total.merge(p)?;
    }
    Ok((total, used))
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

/// A written line with its sort key: where the conversation starts, then its id.
type KeyedLine = ((SourcePos, String), Vec<u8>);

/// Collects canonical JSONL lines of every analysed conversation for `convert`.
struct LineCollector {
    lines: std::sync::Mutex<Vec<KeyedLine>>,
}

impl super::Observer for LineCollector {
    fn observe(&self, conversation: &Conversation<'_>, _facts: &crate::metrics::ConversationFacts) {
        let mut line = Vec::new();
        crate::ingest::canonical::write_conversation(conversation, &mut line)
            .expect("writing to memory");
        let key = (conversation.pos, conversation.id.to_string());
        self.lines.lock().expect("lines lock").push((key, line));
    }
}

/// Reads `files` like [`super::run`] and writes every conversation as canonical JSONL to
/// `out`, ordered by where each conversation starts in the input (file, line, then id).
/// Memory holds the whole output until it is written.
pub fn convert(
    files: &[InputFile],
    options: &Options,
    out: &mut dyn std::io::Write,
) -> Result<Partial, Error> {
    let collector = LineCollector {
        lines: std::sync::Mutex::new(Vec::new()),
    };
    let partial = super::run(files, options, None, Some(&collector))?;
    let mut lines = collector.lines.into_inner().expect("lines lock");
    lines.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, line) in lines {
        out.write_all(&line).map_err(|e| Error::io("(output)", e))?;
    }
    out.flush().map_err(|e| Error::io("(output)", e))?;
    Ok(partial)
}

/// A problem in the run's terms, for callers that hold a [`Problem`] already.
impl Context<'_> {
    pub(super) fn report_problem(&self, acc: &mut Partial, p: Problem) {
        self.print_problem(&p);
        acc.diagnostics.record(p);
    }
}
