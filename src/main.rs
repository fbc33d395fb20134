//! The `cxmine` binary: parse the command line, build options, call the library, map
//! errors to exit codes. All the work is in the `cxmine` library.

mod cli;
mod terminal;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;

use cli::{
    AnalyzeArgs, Cli, Command, ConvertArgs, EvalArgs, ExplainArgs, FormatArg, GenArgs, IndexArgs,
    IndexWriterArgs, LexiconCommand, MergeArgs, OutputArgs, ReaderArgs, RoleArg, RunArgs,
    SearchArgs, SearchFormatArg, SortArg, SuggestArgs, TableOrJson,
};
use cxmine::config::Config;
use cxmine::metrics::Partial;
use cxmine::report::{self, Format};

/// Exit codes.
#[derive(Debug, Clone, Copy)]
#[repr(u8)]
enum Exit {
    /// Ran to the end.
    Success = 0,
    /// A fatal error (I/O, configuration, bad arguments).
    Error = 1,
    /// `--strict` and some input records were skipped (or an `index --delete` id was
    /// not in the index).
    SkippedInput = 3,
}

fn main() -> ExitCode {
    terminal::install_panic_hook();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            eprintln!("cxmine: error: {e:#}");
            ExitCode::from(Exit::Error as u8)
        }
    }
}

fn run(cli: Cli) -> Result<Exit> {
    match cli.command {
        Command::Analyze(args) => analyze(args),
        Command::Merge(args) => merge(args),
        Command::Gen(args) => generate(args),
        Command::Explain(args) => explain(args),
        Command::Eval(args) => eval(args),
        Command::Lexicon(LexiconCommand::Check { dir }) => lexicon_check(dir.as_deref()),
        Command::Lexicon(LexiconCommand::Suggest(args)) => lexicon_suggest(args),
        Command::Convert(args) => convert(args),
        Command::Index(args) => index(args),
        Command::Search(args) => search(args),
        Command::Sentiment(args) => sentiment(args),
    }
}

fn sentiment(args: cli::SentimentArgs) -> Result<Exit> {
    let det = load_detectors(args.lexicons.as_deref())?;
    let text = read_text(&args.file)?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    cxmine::detect::explain::sentiment_jsonl(&det, &text, &mut out)?;
    out.flush()?;
    Ok(Exit::Success)
}

fn load_detectors(dir: Option<&Path>) -> Result<cxmine::detect::Detectors> {
    Ok(match dir {
        Some(d) => cxmine::detect::Detectors::load(d)?,
        None => cxmine::detect::Detectors::builtin(),
    })
}

fn read_text(path: &Path) -> Result<String> {
    let files = cxmine::ingest::discover(&[path.to_path_buf()])?;
    let mut text = String::new();
    for f in &files {
        let mut r = cxmine::ingest::source::open(f, Default::default())?;
        std::io::Read::read_to_string(&mut r, &mut text)
            .with_context(|| format!("cannot read {} as UTF-8 text", f.path.display()))?;
    }
    Ok(text)
}

fn explain(args: ExplainArgs) -> Result<Exit> {
    let det = load_detectors(args.lexicons.as_deref())?;
    let text = read_text(&args.file)?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let count = cxmine::detect::explain::explain_jsonl(
        &det,
        &text,
        args.conversation.as_deref(),
        &mut out,
    )?;
    out.flush()?;
    if count.skipped > 0 {
        eprintln!(
            "cxmine: {} lines skipped (not whole conversations or not valid)",
            count.skipped
        );
    }
    if count.explained == 0 {
        anyhow::bail!("no conversation to explain in {}", args.file.display());
    }
    Ok(Exit::Success)
}

fn eval(args: EvalArgs) -> Result<Exit> {
    let text = read_text(&args.gold)?;
    let score = |dir: Option<&Path>| -> Result<cxmine::detect::eval::EvalReport> {
        let det = load_detectors(dir)?;
        cxmine::detect::eval::evaluate(&det, &text)
            .with_context(|| format!("{}", args.gold.display()))
    };
    let report = score(args.lexicons.as_deref())?;
    let json = args.json || args.format == TableOrJson::Json;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    match &args.against {
        Some(b) => {
            let comparison = cxmine::detect::compare::compare(
                &lexicons_name(args.lexicons.as_deref()),
                &report,
                &lexicons_name(Some(b)),
                &score(Some(b))?,
            );
            if json {
                write_json(&comparison, &mut out)?;
            } else {
                cxmine::detect::compare::render(&comparison, &mut out)?;
            }
        }
        None if json => write_json(&report, &mut out)?,
        None => cxmine::detect::eval::render(&report, &mut out)?,
    }
    out.flush()?;
    Ok(Exit::Success)
}

/// How a lexicon set is named in comparisons.
fn lexicons_name(dir: Option<&Path>) -> String {
    match dir {
        Some(d) => d.display().to_string(),
        None => "shipped lexicons".to_string(),
    }
}

fn write_json(value: &impl serde::Serialize, out: &mut impl Write) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)?;
    Ok(())
}

fn lexicon_suggest(args: SuggestArgs) -> Result<Exit> {
    use cxmine::detect::suggest;
    let sources = match &args.lexicons {
        Some(dir) => cxmine::detect::lexicon::read_dir(dir)?,
        None => cxmine::detect::lexicon::builtin_sources(),
    };
    let lexicon = cxmine::detect::lexicon::parse_checked(&sources)?;
    let known = suggest::KnownPhrases::for_label(&lexicon, &args.label)?;
    let mut messages = Vec::new();
    for path in &args.gold {
        let text = read_text(path)?;
        let lines = cxmine::detect::eval::gold_messages(&text)
            .with_context(|| format!("{}", path.display()))?;
        messages.extend(lines.into_iter().map(|(_, m)| m));
    }
    let samples: Vec<suggest::Sample<'_>> = messages
        .iter()
        .filter(|m| role_selected(args.role, &m.role))
        .map(|m| suggest::Sample {
            id: &m.id,
            text: &m.text,
            labelled: m.labels.contains(&args.label),
        })
        .collect();
    let options = suggest::Options {
        min_count: args.min_count,
        new_only: args.new_only,
        limit: Some(args.limit),
        ..Default::default()
    };
    let suggestions = suggest::rank(&args.label, &samples, &known, &options)?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    match args.format {
        TableOrJson::Json => write_json(&suggestions, &mut out)?,
        TableOrJson::Table => suggest::render(&suggestions, &mut out)?,
    }
    out.flush()?;
    Ok(Exit::Success)
}

/// Whether a gold message by `role` (already validated) is read under `--role`.
fn role_selected(filter: RoleArg, role: &str) -> bool {
    let role = cxmine::model::Role::parse(role);
    match filter {
        RoleArg::Any => true,
        RoleArg::Customer => role == Some(cxmine::model::Role::Customer),
        RoleArg::Agent => role.is_some_and(|r| r.is_responder()),
    }
}

fn lexicon_check(dir: Option<&Path>) -> Result<Exit> {
    let issues = cxmine::detect::check::check_dir(dir)?;
    for i in &issues {
        println!("{i}");
    }
    let errors = cxmine::detect::check::error_count(&issues);
    println!("{} errors, {} warnings", errors, issues.len() - errors);
    Ok(if errors > 0 {
        Exit::Error
    } else {
        Exit::Success
    })
}

fn load_config(path: Option<&Path>) -> Result<Config> {
    Ok(match path {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    })
}

fn create(path: &Path) -> Result<BufWriter<File>> {
    let f = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    Ok(BufWriter::with_capacity(1 << 20, f))
}

fn format_of(out: &OutputArgs) -> Format {
    match out.format {
        FormatArg::Table if out.wide => Format::Table(report::TableLayout::Wide),
        FormatArg::Table => Format::Table(report::TableLayout::Fit {
            width: table_width(out),
        }),
        FormatArg::Json => Format::Json,
        FormatArg::Csv => Format::Csv,
        FormatArg::Markdown => Format::Markdown,
        FormatArg::Html => Format::Html,
    }
}

/// The fitted table's width: `--width`, else `$COLUMNS`, else the terminal's when the report
/// goes to one, else the default.
fn table_width(out: &OutputArgs) -> usize {
    if let Some(w) = out.width {
        return usize::from(w);
    }
    let columns = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&w| w > 0);
    if let Some(w) = columns {
        return w;
    }
    let terminal = match out.output {
        None => console::Term::stdout().size_checked(),
        Some(_) => None,
    };
    terminal.map_or(report::DEFAULT_WIDTH, |(_, cols)| usize::from(cols))
}

/// Writes the report; `html` says what the HTML page needs besides the report.
fn write_report(
    report: &report::Report,
    out: &OutputArgs,
    html: &report::HtmlOptions,
) -> Result<()> {
    let format = format_of(out);
    let render = |w: &mut dyn Write| match format {
        Format::Html => report::render_html(report, html, w),
        _ => report::render(report, format, w),
    };
    match &out.output {
        Some(path) => {
            let mut w = create(path)?;
            render(&mut w)?;
            w.flush()?;
        }
        None => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            render(&mut lock)?;
            lock.flush()?;
        }
    }
    Ok(())
}

/// Pipeline options from the shared run flags; the detectors are loaded here.
fn run_options(run: &RunArgs, config: Config) -> Result<cxmine::pipeline::Options> {
    let mem_limit = cli::parse_size(&run.mem_limit)
        .with_context(|| format!("--mem-limit {:?} is not a size like 256M", run.mem_limit))?;
    Ok(cxmine::pipeline::Options {
        config,
        mem_limit,
        reporter: std::sync::Arc::new(terminal::Terminal::new(run.quiet)),
        detectors: Some(std::sync::Arc::new(load_detectors(
            run.lexicons.as_deref(),
        )?)),
        input_format: input_format(&run.readers)?,
        surveys: surveys(&run.readers)?,
        ..Default::default()
    })
}

/// The worker pool `--threads` asks for (one per core by default).
fn worker_pool(run: &RunArgs) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(run.threads.unwrap_or(0))
        .build()
        .context("cannot start worker threads")
}

fn analyze(args: AnalyzeArgs) -> Result<Exit> {
    let config = load_config(args.output.config.as_deref())?;
    let options = cxmine::pipeline::Options {
        dims: cxmine::metrics::segment::parse_dimensions(&args.by)?,
        ..run_options(&args.run, config.clone())?
    };
    let files = cxmine::ingest::discover(&args.inputs)?;
    let facts: Option<Box<dyn Write + Send>> = match &args.facts {
        Some(p) => Some(Box::new(create(p)?)),
        None => None,
    };
    let pool = worker_pool(&args.run)?;
    let indexer = match &args.index {
        Some(dir) => Some(open_indexer(
            dir,
            &args.writer,
            options.detectors.clone().expect("analyze loads detectors"),
        )?),
        None => None,
    };
    let observer = indexer
        .as_ref()
        .map(|i| i as &dyn cxmine::observer::Observer);
    let mut partial = pool.install(|| cxmine::pipeline::run(&files, &options, facts, observer))?;
    if let Some(indexer) = indexer {
        report_index(indexer.finish()?, args.run.quiet);
    }
    if let Some(path) = &args.partial {
        let mut w = create(path)?;
        partial.write_json(&mut w, path)?;
        w.flush()?;
    }
    let skipped = partial.diagnostics.skipped_total();
    let report = partial.finish(&config)?;
    let html = report::HtmlOptions {
        index: args.index.as_ref().map(|d| d.display().to_string()),
        inputs: args
            .inputs
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
    };
    write_report(&report, &args.output, &html)?;
    if skipped > 0 {
        if !args.run.quiet {
            eprintln!("cxmine: {skipped} input records skipped (see \"skipped\" in the report)");
        }
        if args.strict {
            return Ok(Exit::SkippedInput);
        }
    }
    Ok(Exit::Success)
}

fn merge(args: MergeArgs) -> Result<Exit> {
    let config = load_config(args.output.config.as_deref())?;
    let mut total: Option<Partial> = None;
    for path in &args.partials {
        let text =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let part = Partial::from_json(&text, path)?;
        match &mut total {
            None => total = Some(part),
            Some(t) => t.merge(part)?,
        }
    }
    let report = total.expect("at least one partial").finish(&config)?;
    write_report(&report, &args.output, &report::HtmlOptions::default())?;
    Ok(Exit::Success)
}

fn generate(args: GenArgs) -> Result<Exit> {
    let mix = cxmine::synth::parse_channel_mix(&args.channels)?;
    let spec = cxmine::synth::Spec {
        conversations: args.conversations,
        seed: args.seed,
        channels: mix,
        event_lines: args.event_lines,
    };
    match &args.output {
        Some(path) if path.extension().is_some_and(|e| e == "gz") => {
            let mut gz = flate2::write::GzEncoder::new(create(path)?, flate2::Compression::fast());
            cxmine::synth::generate(&spec, &mut gz)?;
            gz.finish()?.flush()?;
        }
        Some(path) => {
            let mut w = create(path)?;
            cxmine::synth::generate(&spec, &mut w)?;
            w.flush()?;
        }
        None => {
            let stdout = std::io::stdout();
            let mut w = BufWriter::with_capacity(1 << 20, stdout.lock());
            cxmine::synth::generate(&spec, &mut w)?;
            w.flush()?;
        }
    }
    Ok(Exit::Success)
}

fn input_format(args: &ReaderArgs) -> Result<Option<cxmine::ingest::format::InputFormat>> {
    args.input_format
        .as_deref()
        .map(|name| {
            cxmine::ingest::format::InputFormat::parse(name).with_context(|| {
                format!(
                    "--input-format {name:?}: expected one of jsonl, social_csv, mbox, eml, chat_log, stack_exchange_xml"
                )
            })
        })
        .transpose()
}

fn surveys(
    args: &ReaderArgs,
) -> Result<Option<std::sync::Arc<cxmine::ingest::surveys::SurveyTable>>> {
    Ok(match &args.surveys {
        Some(path) => Some(std::sync::Arc::new(
            cxmine::ingest::surveys::SurveyTable::load(path)?,
        )),
        None => None,
    })
}

fn convert(args: ConvertArgs) -> Result<Exit> {
    let config = load_config(args.config.as_deref())?;
    let options = cxmine::pipeline::Options {
        config,
        reporter: std::sync::Arc::new(terminal::Terminal::messages_only(args.quiet)),
        input_format: input_format(&args.readers)?,
        surveys: surveys(&args.readers)?,
        ..Default::default()
    };
    let files = cxmine::ingest::discover(&args.inputs)?;
    let cli::ConvertTo::Jsonl = args.to;
    let out: Box<dyn Write + Send> = match &args.output {
        Some(path) => Box::new(create(path)?),
        None => Box::new(BufWriter::with_capacity(1 << 20, std::io::stdout())),
    };
    let partial = cxmine::pipeline::convert(&files, &options, out)?;
    let skipped = partial.diagnostics.skipped_total();
    if skipped > 0 && !args.quiet {
        eprintln!("cxmine: {skipped} input records skipped");
    }
    Ok(Exit::Success)
}

fn open_indexer(
    dir: &Path,
    args: &IndexWriterArgs,
    detectors: std::sync::Arc<cxmine::detect::Detectors>,
) -> Result<cxmine::index::ConversationIndexer<'static>> {
    let memory_budget = cli::parse_size(&args.writer_memory).with_context(|| {
        format!(
            "--writer-memory {:?} is not a size like 128M",
            args.writer_memory
        )
    })?;
    let options = cxmine::index::WriterOptions {
        memory_budget,
        threads: args.writer_threads,
        commit_every: args.commit_every.max(1),
    };
    let effort: &'static cxmine::index::writer::EffortSource =
        &|f: &cxmine::metrics::ConversationFacts| f.cx.effort.as_ref().map(|e| e.index);
    // Detections come from the pipeline's own detector pass.
    let indexer = cxmine::index::ConversationIndexer::open_or_create(dir, options)?
        .with_pipeline_detections()
        .with_effort(effort);
    Ok(if args.keep_pii {
        indexer.keep_pii()
    } else {
        // The masker lives as long as the process: one small allocation per run.
        let masker: &'static cxmine::index::writer::Masker =
            Box::leak(Box::new(move |text: &str| detectors.identifier_spans(text)));
        indexer.with_masker(masker)
    })
}

fn report_index(summary: cxmine::index::IndexSummary, quiet: bool) {
    if !quiet {
        eprintln!(
            "cxmine: indexed {} conversations; the index holds {} in {} segments",
            summary.added, summary.documents, summary.segments
        );
    }
}

fn index(args: IndexArgs) -> Result<Exit> {
    let config = load_config(args.config.as_deref())?;
    let options = run_options(&args.run, config)?;
    let detectors = options
        .detectors
        .clone()
        .expect("run options load detectors");
    let indexer = open_indexer(&args.index, &args.writer, detectors)?;
    let unknown = unknown_ids(&args.index, &args.delete)?;
    for id in &unknown {
        if !args.run.quiet {
            eprintln!("cxmine: --delete {id:?}: the index holds no such conversation");
        }
    }
    indexer.delete(&args.delete);
    let mut skipped = 0;
    if !args.inputs.is_empty() {
        let files = cxmine::ingest::discover(&args.inputs)?;
        let pool = worker_pool(&args.run)?;
        let partial =
            pool.install(|| cxmine::pipeline::run(&files, &options, None, Some(&indexer)))?;
        skipped = partial.diagnostics.skipped_total();
    }
    report_index(indexer.finish()?, args.run.quiet);
    if skipped > 0 && !args.run.quiet {
        eprintln!("cxmine: {skipped} input records skipped");
    }
    Ok(if args.strict && (skipped > 0 || !unknown.is_empty()) {
        Exit::SkippedInput
    } else {
        Exit::Success
    })
}

/// The ids among `ids` that the index in `dir` does not hold (at its last commit).
fn unknown_ids(dir: &Path, ids: &[String]) -> Result<Vec<String>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let searcher = cxmine::index::IndexSearcher::open(dir)?;
    let mut unknown = Vec::new();
    for id in ids {
        let quoted = id.replace('\\', "\\\\").replace('"', "\\\"");
        if searcher.ids(&format!("id:\"{quoted}\""))?.is_empty() {
            unknown.push(id.clone());
        }
    }
    Ok(unknown)
}

fn search(args: SearchArgs) -> Result<Exit> {
    let searcher = cxmine::index::IndexSearcher::open(&args.index)?;
    let options = cxmine::index::SearchOptions {
        limit: args.limit,
        sort: match args.sort {
            SortArg::Relevance => cxmine::index::SortOrder::Relevance,
            SortArg::Newest => cxmine::index::SortOrder::Newest,
            SortArg::Oldest => cxmine::index::SortOrder::Oldest,
        },
        facets: args.facets,
        ..Default::default()
    };
    let results = searcher.search(&args.query, &options)?;
    if let Some(path) = &args.export {
        let mut w = create(path)?;
        let n = searcher.export(&args.query, &mut w)?;
        w.flush()?;
        eprintln!("cxmine: exported {n} conversations to {}", path.display());
    }
    if let Some(path) = &args.documents {
        let mut w = create(path)?;
        let n = searcher.export_documents(&args.query, args.bulk_index.as_deref(), &mut w)?;
        w.flush()?;
        eprintln!("cxmine: wrote {n} search documents to {}", path.display());
    }
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    match args.format {
        SearchFormatArg::Json => {
            serde_json::to_writer_pretty(&mut out, &results)?;
            writeln!(out)?;
        }
        SearchFormatArg::Text => cxmine::index::render::write_text(&results, &mut out)?,
    }
    out.flush()?;
    Ok(Exit::Success)
}
