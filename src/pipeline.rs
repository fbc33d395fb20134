//! The analysis pipeline: input files → chunks → parsed conversations → facts → [`Partial`].
//!
//! One reader thread streams each file (in sorted order) as chunks of whole lines into a
//! bounded channel; rayon workers parse them, analyse every whole conversation at once and
//! fold the facts into their own [`Partial`]; event lines go to the spillable
//! [`EventStore`] and are analysed per partition after the stream ends. Customer-ledger
//! entries move from the workers to a second spillable store past their budget. Memory is
//! bounded by the channel depth × chunk size, `mem_limit` (shared by the two stores), and
//! the per-segment aggregates.
//!
//! A panic in a reader or a worker ends the run with [`Error::Panicked`] naming the file
//! and the record (see `guard`): the other threads stop taking work, and nothing waits
//! forever for a thread that died.
//!
//! Output order: `--facts` lines are written in input order (chunk by chunk, then the
//! reassembled conversations by partition and id) whatever the thread count, and the
//! report depends only on the multiset of conversations.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};

use rayon::prelude::*;

use crate::config::Config;
use crate::error::{Error, Problem, SkipReason};
use crate::ingest::assemble::{EventStore, assemble_partition};
use crate::ingest::chunks::{Chunk, Chunker, lines};
use crate::ingest::format::InputFormat;
use crate::ingest::jsonl::{Line, parse_line};
use crate::ingest::source::{self, InputFile};
use crate::ingest::surveys::SurveyTable;
use crate::metrics::{ConversationFacts, Dimension, Partial};
use crate::model::{Conversation, SourcePos};
use crate::reporter::{Reporter, Silent};
use crate::spill::SpillStore;

mod exported;
mod guard;
pub use crate::observer::Observer;
pub use exported::convert;

/// How to run an analysis.
#[derive(Debug, Clone)]
pub struct Options {
    /// Segmentation dimensions.
    pub dims: Vec<Dimension>,
    /// Metric configuration.
    pub config: Config,
    /// Bytes of event lines buffered before spilling to temporary files.
    pub mem_limit: usize,
    /// Target chunk size in bytes.
    pub chunk_size: usize,
    /// Told about problems, reader choices and progress as the run goes ([`Silent`] by
    /// default).
    pub reporter: Arc<dyn Reporter>,
    /// Text detectors filling `signals`; `None` leaves the signals at their defaults.
    pub detectors: Option<Arc<crate::detect::Detectors>>,
    /// Read every input with this reader (`--input-format`); detected per file otherwise.
    pub input_format: Option<InputFormat>,
    /// Survey answers joined onto the conversations (`--surveys`).
    pub surveys: Option<Arc<SurveyTable>>,
    /// What the per-conversation lines written to `facts_out` hold.
    pub lines: LineKind,
}

/// The per-conversation output lines of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LineKind {
    /// The facts the aggregates are built from (`analyze --facts`).
    #[default]
    Facts,
    /// The conversation itself as canonical JSONL (`convert`).
    Conversation,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            dims: Vec::new(),
            config: Config::default(),
            mem_limit: 256 << 20,
            chunk_size: 1 << 20,
            reporter: Arc::new(Silent),
            detectors: None,
            input_format: None,
            surveys: None,
            lines: LineKind::Facts,
        }
    }
}

/// The largest line, and the largest conversation rebuilt from event lines, that a run
/// with `mem_limit` holds: `mem_limit / 16`, at least 64 KiB. Larger ones are skipped as
/// `too_large`.
pub fn max_record_bytes(mem_limit: usize) -> usize {
    (mem_limit / 16).max(64 << 10)
}

/// Memory for sorting one customer partition of a spilled ledger when it is settled:
/// `mem_limit / 8`.
fn settle_memory(options: &Options) -> usize {
    options.mem_limit / 8
}

/// Approximate memory of one ledger entry, for the ledger budget.
const LEDGER_ENTRY_BYTES: usize = 48;

/// Problems a terminal reporter prints before the rest are only counted.
pub const MAX_PRINTED_PROBLEMS: usize = 50;

/// Per-conversation analysis; kept at this path for callers of the earlier API.
pub fn analyze_conversation(
    conv: &Conversation<'_>,
    config: &Config,
    detectors: Option<&crate::detect::Detectors>,
) -> ConversationFacts {
    ConversationFacts::compute(conv, config, detectors)
}

/// Writes chunks' output in sequence order, whatever order they finish in.
struct OrderedWriter {
    out: Box<dyn Write + Send>,
    next: u64,
    pending: BTreeMap<u64, Vec<u8>>,
    error: Option<std::io::Error>,
}

impl OrderedWriter {
    fn submit(&mut self, seq: u64, bytes: Vec<u8>) {
        self.pending.insert(seq, bytes);
        while let Some(bytes) = self.pending.remove(&self.next) {
            if self.error.is_none() {
                if let Err(e) = self.out.write_all(&bytes) {
                    self.error = Some(e);
                }
            }
            self.next += 1;
        }
    }
}

struct Context<'r> {
    files: &'r [InputFile],
    options: &'r Options,
    store: EventStore,
    ledger_store: SpillStore,
    ledger_budget: usize,
    facts_out: Option<Mutex<OrderedWriter>>,
    observer: Option<&'r dyn Observer>,
    conversations: AtomicU64,
    fatal: Mutex<Option<Error>>,
    /// Raised with the first fatal error: threads stop taking work.
    failed: AtomicBool,
}

impl Context<'_> {
    /// Keeps the run's first fatal error and tells the other threads to stop.
    fn fail(&self, err: Error) {
        self.fatal.lock().expect("fatal lock").get_or_insert(err);
        self.failed.store(true, Ordering::Relaxed);
    }

    fn failed(&self) -> bool {
        self.failed.load(Ordering::Relaxed)
    }

    /// The first fatal error, if any.
    fn take_fatal(&self) -> Option<Error> {
        self.fatal.lock().expect("fatal lock").take()
    }

    /// The name of input file `index`, for messages.
    fn file_name(&self, index: u32) -> &str {
        self.files
            .get(index as usize)
            .map_or("(input)", |f| f.name.as_str())
    }

    fn problem(&self, acc: &mut Partial, pos: SourcePos, reason: SkipReason, message: String) {
        let p = Problem {
            file: self.files[pos.file as usize].name.clone(),
            line: pos.line,
            reason,
            message,
        };
        self.options.reporter.problem(&p);
        acc.diagnostics.record(p);
    }

    /// Analyses one conversation into `acc` (and its output line into `facts_buf`); a
    /// panic on the way fails the run, naming the conversation.
    fn finish_conversation(
        &self,
        acc: &mut Partial,
        mut conv: Conversation<'_>,
        facts_buf: &mut Vec<u8>,
    ) {
        if self.failed() {
            return;
        }
        if let Err(message) = guard::catch(|| self.analyse(acc, &mut conv, facts_buf)) {
            let during = format!("analysing conversation {:?}", conv.id);
            let file = self.file_name(conv.pos.file);
            let line = (conv.pos.line > 0).then_some(conv.pos.line);
            self.fail(guard::panicked(file, line, during, message));
        }
    }

    fn analyse(&self, acc: &mut Partial, conv: &mut Conversation<'_>, facts_buf: &mut Vec<u8>) {
        if conv.finish() {
            acc.diagnostics.reordered_conversations += 1;
        }
        if let Some(s) = &self.options.surveys {
            s.apply_by_conversation(conv);
        }
        let (facts, detections) = ConversationFacts::compute_with_detections(
            conv,
            &self.options.config,
            self.options.detectors.as_deref(),
            self.observer.is_some_and(|o| o.wants_detections()),
        );
        acc.add(&facts, &self.options.config);
        if let Some(o) = self.observer {
            o.observe(conv, &facts, &detections);
        }
        if self.facts_out.is_some() {
            match self.options.lines {
                LineKind::Facts => {
                    serde_json::to_writer(&mut *facts_buf, &facts).expect("facts serialise");
                    facts_buf.push(b'\n');
                }
                LineKind::Conversation => {
                    crate::ingest::canonical::write_conversation(conv, facts_buf)
                        .expect("writing to memory");
                }
            }
        }
        self.conversations.fetch_add(1, Ordering::Relaxed);
    }

    /// Parses and analyses one chunk; a panic fails the run, naming the line.
    fn process_chunk(&self, acc: &mut Partial, chunk: Chunk) {
        if self.failed() {
            return;
        }
        let mut at = 0;
        match guard::catch(|| self.parse_chunk(acc, &chunk, &mut at)) {
            Ok(facts_buf) => self.submit_facts(chunk.seq, facts_buf),
            Err(message) => {
                let file = self.file_name(chunk.file);
                let during = "parsing a JSONL line";
                self.fail(guard::panicked(file, Some(at), during, message));
            }
        }
    }

    /// Parses the chunk's lines (the one being parsed in `at`); returns the facts lines.
    fn parse_chunk(&self, acc: &mut Partial, chunk: &Chunk, at: &mut u64) -> Vec<u8> {
        let mut facts_buf = Vec::new();
        let mut unknown = Vec::new();
        acc.input.bytes += chunk.data.len() as u64;
        let max_line = max_record_bytes(self.options.mem_limit);
        for &(line, len) in &chunk.oversized {
            acc.input.bytes += len;
            acc.input.records += 1;
            let pos = SourcePos {
                file: chunk.file,
                line,
            };
            self.problem(acc, pos, SkipReason::TooLarge, too_long(len, max_line));
        }
        for (line_no, bytes) in lines(chunk) {
            *at = line_no;
            if bytes.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            acc.input.records += 1;
            let pos = SourcePos {
                file: chunk.file,
                line: line_no,
            };
            if bytes.len() > max_line {
                let message = too_long(bytes.len() as u64, max_line);
                self.problem(acc, pos, SkipReason::TooLarge, message);
                continue;
            }
            match parse_line(bytes, pos, &mut unknown) {
                Ok(Line::Conversation(conv, problems)) => {
                    for (reason, message) in problems {
                        self.problem(
                            acc,
                            pos,
                            reason,
                            format!("conversation {:?}, {message}", conv.id),
                        );
                    }
                    self.finish_conversation(acc, conv, &mut facts_buf);
                }
                Ok(Line::Event(e)) => {
                    if let Err(err) = self.store.push(&e.conversation_id, pos, bytes) {
                        self.fail(err);
                    }
                }
                Err((reason, message)) => self.problem(acc, pos, reason, message),
            }
            for name in unknown.drain(..) {
                acc.diagnostics.unknown_field(&name);
            }
        }
        facts_buf
    }

    /// Moves a worker's ledger entries to the shared spillable store once they pass the
    /// worker's budget (about 48 bytes an entry).
    fn bound_ledger(&self, acc: &mut Partial) {
        if acc.ledger.len_in_memory() * LEDGER_ENTRY_BYTES > self.ledger_budget {
            if let Err(e) = acc.ledger.spill_into(&self.ledger_store) {
                self.fail(e);
            }
        }
    }

    fn submit_facts(&self, seq: u64, bytes: Vec<u8>) {
        if let Some(w) = &self.facts_out {
            w.lock().expect("facts lock").submit(seq, bytes);
        }
    }
}

/// The message of a line longer than the maximum.
fn too_long(len: u64, max_line: usize) -> String {
    format!("line of {len} bytes, longer than the maximum of {max_line} (--mem-limit / 16)")
}

/// Tells the reporter the bytes read and conversations analysed so far.
fn show_progress(reporter: &dyn Reporter, raw: &AtomicU64, conversations: &AtomicU64) {
    reporter.progress(
        raw.load(Ordering::Relaxed),
        conversations.load(Ordering::Relaxed),
    );
}

/// The JSONL inputs of a run, as the chunk reader thread sees them.
struct ChunkSource<'r> {
    files: &'r [InputFile],
    formats: &'r [InputFormat],
    first_seq: u64,
    chunk_size: usize,
    max_line: usize,
    raw: Arc<AtomicU64>,
    /// Raised when the run has failed: stop reading.
    stop: &'r AtomicBool,
}

/// Reads every JSONL file as chunks into `tx` (the file being read in `current`);
/// returns the sequence number after the last chunk sent and the problems of files that
/// could not be read to the end (what came before is sent).
fn read_all(
    src: &ChunkSource<'_>,
    tx: mpsc::SyncSender<Chunk>,
    current: &mut Option<usize>,
) -> Result<(u64, Vec<Problem>), Error> {
    let mut seq = src.first_seq;
    let mut bad_files = Vec::new();
    for (i, file) in src.files.iter().enumerate() {
        if src.formats[i] != InputFormat::Jsonl {
            continue;
        }
        *current = Some(i);
        #[cfg(test)]
        if file.name.contains(guard::INJECTED_FAILURE) {
            panic!("injected reader failure");
        }
        let (reader, damage) = match source::open_damaged(file, src.raw.clone()) {
            Ok(opened) => opened,
            Err(e) => {
                bad_files.push(source::unopenable(file, &e));
                continue;
            }
        };
        let mut chunker = Chunker::with_max_line(reader, i as u32, src.chunk_size, src.max_line);
        while let Some(mut chunk) = chunker.next_chunk().map_err(|e| Error::io(&file.path, e))? {
            chunk.seq = seq;
            seq += 1;
            if src.stop.load(Ordering::Relaxed) || tx.send(chunk).is_err() {
                return Ok((seq, bad_files));
            }
        }
        bad_files.extend(damage.take().map(|d| d.problem(file)));
    }
    Ok((seq, bad_files))
}

/// [`read_all`] with a panic turned into an error naming the file being read.
fn read_all_guarded(
    src: &ChunkSource<'_>,
    tx: mpsc::SyncSender<Chunk>,
) -> Result<(u64, Vec<Problem>), Error> {
    let mut current = None;
    guard::catch(|| read_all(src, tx, &mut current)).unwrap_or_else(|message| {
        let file = current.map_or("(input)", |i| src.files[i].name.as_str());
        Err(guard::panicked(
            file,
            None,
            "reading (jsonl reader)",
            message,
        ))
    })
}

/// Runs the analysis over `files`, writing facts lines to `facts_out` when given. Files
/// in exported formats (see [`crate::ingest::format`]) are read and analysed first.
pub fn run(
    files: &[InputFile],
    options: &Options,
    facts_out: Option<Box<dyn Write + Send>>,
    observer: Option<&dyn Observer>,
) -> Result<Partial, Error> {
    let total: u64 = files.iter().map(|f| f.size).sum();
    let reporter = &*options.reporter;
    reporter.started(total);
    let raw = Arc::new(AtomicU64::new(0));
    let ctx = Context {
        files,
        options,
        store: EventStore::new(options.mem_limit / 2),
        ledger_store: SpillStore::new(options.mem_limit / 2),
        // Per worker, before its ledger entries move to the shared store.
        ledger_budget: (options.mem_limit / 8 / rayon::current_num_threads().max(1)).max(1),
        facts_out: facts_out.map(|out| {
            Mutex::new(OrderedWriter {
                out,
                next: 0,
                pending: BTreeMap::new(),
                error: None,
            })
        }),
        observer,
        conversations: AtomicU64::new(0),
        fatal: Mutex::new(None),
        failed: AtomicBool::new(false),
    };
    let formats = exported::choose_formats(files, options)?;
    let (exported, first_seq) = if formats.iter().all(|&f| f == InputFormat::Jsonl) {
        exported::run_exports(&ctx, &formats, &raw)?
    } else {
        // Exported files are read by this thread: a ticker keeps the bar moving. It stops
        // when the guard drops, even if the exports panic past their own guards.
        let done = AtomicBool::new(false);
        std::thread::scope(|s| {
            let ticker = s.spawn(|| {
                while !done.load(Ordering::Relaxed) {
                    show_progress(reporter, &raw, &ctx.conversations);
                    std::thread::park_timeout(std::time::Duration::from_millis(200));
                }
            });
            let _stop_ticker = guard::RaiseOnDrop {
                flag: &done,
                waiting: ticker.thread().clone(),
            };
            exported::run_exports(&ctx, &formats, &raw)
        })?
    };
    if let Some(err) = ctx.take_fatal() {
        return Err(err);
    }
    let depth = 2 * rayon::current_num_threads().max(1);
    let (tx, rx) = mpsc::sync_channel::<Chunk>(depth);
    let chunk_source = ChunkSource {
        files,
        formats: &formats,
        first_seq,
        chunk_size: options.chunk_size,
        max_line: max_record_bytes(options.mem_limit),
        raw: raw.clone(),
        stop: &ctx.failed,
    };
    let (read_result, mut partial) = std::thread::scope(|s| {
        let chunk_source = &chunk_source;
        let reader = s.spawn(move || read_all_guarded(chunk_source, tx));
        let ctx = &ctx;
        let partial = rx
            .into_iter()
            .par_bridge()
            .fold(
                || Partial::new(options.dims.clone()),
                |mut acc, chunk| {
                    ctx.process_chunk(&mut acc, chunk);
                    ctx.bound_ledger(&mut acc);
                    show_progress(reporter, &raw, &ctx.conversations);
                    acc
                },
            )
            .reduce(
                || Partial::new(options.dims.clone()),
                |mut a, b| {
                    a.merge(b).expect("same dimensions");
                    a
                },
            );
        let read_result = reader.join().unwrap_or_else(|payload| {
            let message = guard::message(&*payload);
            Err(guard::panicked(
                "(input)",
                None,
                "reading (jsonl reader)",
                message,
            ))
        });
        (read_result, partial)
    });
    if let Some(err) = ctx.take_fatal() {
        return Err(err);
    }
    let (chunks, bad_files) = read_result?;
    for p in bad_files {
        ctx.report_problem(&mut partial, p);
    }
    partial.input.files = files.len() as u64;
    partial.merge(exported)?;
    exported::tally_formats(&mut partial, &formats);
    exported::survey_problems(&ctx, &mut partial);
    if !ctx.store.is_empty() {
        reporter.phase("reassembling event lines");
    }
    let assembled = assemble_events(&ctx, chunks)?;
    partial.merge(assembled)?;
    if !ctx.ledger_store.is_empty() {
        partial.ledger.spill_into(&ctx.ledger_store)?;
        partial.ledger.attach_spilled(
            ctx.ledger_store.take_partitions(),
            settle_memory(ctx.options),
        );
    }
    if let Some(w) = ctx.facts_out {
        let mut w = w.into_inner().expect("facts lock");
        if let Some(e) = w.error.take() {
            return Err(Error::io("(facts output)", e));
        }
        w.out.flush().map_err(|e| Error::io("(facts output)", e))?;
    }
    reporter.finished();
    partial.canonicalize();
    Ok(partial)
}

/// Analyses the conversations rebuilt from event lines, one partition per task.
fn assemble_events(ctx: &Context<'_>, first_seq: u64) -> Result<Partial, Error> {
    let parts = ctx.store.take_partitions();
    let results: Vec<Result<Partial, Error>> = parts
        .into_par_iter()
        .enumerate()
        .map(|(i, part)| {
            guard::catch(|| {
                let mut acc = Partial::new(ctx.options.dims.clone());
                let mut facts_buf = Vec::new();
                let max = max_record_bytes(ctx.options.mem_limit);
                assemble_partition(part, max, |conv| match conv {
                    Ok(conv) => ctx.finish_conversation(&mut acc, conv, &mut facts_buf),
                    Err((pos, reason, message)) => ctx.problem(&mut acc, pos, reason, message),
                })?;
                ctx.submit_facts(first_seq + i as u64, facts_buf);
                Ok(acc)
            })
            .unwrap_or_else(|message| {
                let during = "rebuilding conversations from event lines";
                Err(guard::panicked("(event lines)", None, during, message))
            })
        })
        .collect();
    if let Some(err) = ctx.take_fatal() {
        return Err(err);
    }
    let mut total = Partial::new(ctx.options.dims.clone());
    for r in results {
        total.merge(r?)?;
    }
    Ok(total)
}
